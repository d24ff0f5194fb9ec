"""Opening a profile for the app: the service over it, its unlock check, and sync when enrolled.

Called by the GUI through `fieldapp run` (which passes this function in; the GUI itself never imports the
store). Blocking: it runs on the GUI's op runner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldapp.app.contacts import SqlContactService, demo_caseload, open_service
from fieldapp.app.service import ServiceError
from fieldapp.app.session import OpenedProfile
from fieldapp.app.unlock import unlock_checker


def open_for_gui(
    directory: Path | None,
    *,
    passphrase: str | None,
    demo: bool,
    clock: Callable[[], datetime],
) -> OpenedProfile:
    provider = None if passphrase is None else (lambda _prompt: passphrase)
    service = open_service(
        directory,
        passphrase_provider=provider,
        create_with_caseload=demo_caseload() if demo else None,
        clock=clock,
    )
    checker = unlock_checker(service.profile)
    opened = OpenedProfile(
        directory=service.profile.directory,
        service=service,
        unlock=checker,
        needs_unlock_setup=checker.needs_setup(),
        close=service.profile.close,
    )
    opened.connect_sync = lambda: _connect_sync(service)
    opened.enroll = _enroll
    return opened


class EnrollmentRefused(ServiceError):
    """Enrollment failed; `field` names the form field the message belongs next to."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _enroll(server_url: str, code: str) -> None:
    """Exchange the administrator's one-time code for this laptop's device token (kept in the OS keyring)."""
    import platform

    from fieldapp.sync import enrollment

    try:
        enrollment.enroll(server_url, code, device_name=platform.node() or "laptop", allow_plain_http=False)
    except enrollment.EnrollmentError as error:
        raise EnrollmentRefused(error.field, str(error)) from None


class _SyncSide:
    """The sync client for an enrolled laptop and a status that remembers whether the last sync reached the
    server (online is unknown – None – until the first attempt)."""

    def __init__(self, client: Any, store: object) -> None:
        self.client = client
        self.store = store
        self.online: bool | None = None

    def sync(self, progress: Callable[[int, int, str], None], cancel: threading.Event) -> Any:
        def forward(step: Any) -> None:
            progress(step.pushed, step.total, step.message)

        report = self.client.sync(forward, cancel)
        self.online = not (report.unreachable or report.needs_enrollment)
        return report

    def status(self) -> Any:
        from fieldapp.sync.status import snapshot

        return snapshot(self.store, self.online)  # type: ignore[arg-type]


def _connect_sync(service: SqlContactService) -> tuple[_SyncSide, Callable[[], Any]] | None:
    """The sync side for an enrolled laptop, or None (not enrolled, enrolled for someone else, or no secure
    keyring to hold a device token: the window then says "not connected" and the worker works offline).
    The HTTP stack is imported here, after the window is up, not on the way to it."""
    from fieldapp.sync import enrollment
    from fieldapp.sync.client import SyncClient

    try:
        enrolled = enrollment.load()
    except enrollment.EnrollmentError:
        return None
    if enrolled is None or enrolled.worker_id != service.caseload().worker.id:
        return None
    store = service.profile.sync_store()
    side = _SyncSide(SyncClient(enrolled.server_url, enrolled.token, enrolled.worker_id, store), store)
    return side, side.status
