"""Opening a profile for the app: the service over it, its unlock check, and sync when enrolled.

Called by the GUI through `fieldapp run` (which passes this function in; the GUI itself never imports the
store). Blocking: it runs on the GUI's op runner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fieldapp.app.contacts import SqlContactService, demo_caseload, open_service
from fieldapp.app.session import OpenedProfile
from fieldapp.app.unlock import unlock_checker
from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient, SyncProgress, SyncReport
from fieldapp.sync.status import SyncStatus, snapshot


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
    _attach_sync(opened, service)
    return opened


class _SyncSide:
    """The sync client for an enrolled laptop and a status that remembers whether the last sync reached the
    server (online is unknown – None – until the first attempt)."""

    def __init__(self, client: SyncClient, store: object) -> None:
        self.client = client
        self.store = store
        self.online: bool | None = None

    def sync(self, progress: Callable[[int, int, str], None], cancel: threading.Event) -> SyncReport:
        def forward(step: SyncProgress) -> None:
            progress(step.pushed, step.total, step.message)

        report = self.client.sync(forward, cancel)
        self.online = not (report.unreachable or report.needs_enrollment)
        return report

    def status(self) -> SyncStatus:
        return snapshot(self.store, self.online)  # type: ignore[arg-type]


def _attach_sync(opened: OpenedProfile, service: SqlContactService) -> None:
    try:
        enrolled = enrollment.load()
    except enrollment.EnrollmentError:
        return  # no secure keyring for the device token: this laptop cannot be enrolled; work offline
    if enrolled is None or enrolled.worker_id != service.caseload().worker.id:
        return  # not enrolled (or enrolled for someone else): the window says "not connected"
    store = service.profile.sync_store()
    side = _SyncSide(SyncClient(enrolled.server_url, enrolled.token, enrolled.worker_id, store), store)
    opened.sync_client = side
    opened.sync_status = side.status
