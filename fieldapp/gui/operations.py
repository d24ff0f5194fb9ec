"""Every call the main window and the start make into the application, by name (the shape of Anki's
aqt/operations): each function returns an `Op` for the op runner, and the call site only says what to do
with the result::

    read_recent_contacts(runner, service, matter_id, parent=self).success(self._show_recent).run()

Why one module: what the GUI asks of the service (and so what may block, and on which thread) is listed
in one place, and a call site reads as what it does rather than as a lambda around a service method.
Every callable here blocks on the op runner, never on the GUI thread. The contact wizard keeps its own
calls (fieldapp.gui.wizard).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from fieldapp.gui.ops import Op, OpProgress, OpRunner

if TYPE_CHECKING:  # the unlock screen imports this module: the records load behind it, on the op runner
    from fieldapp.app.overview import Overview
    from fieldapp.app.service import ContactService, StoredContact
    from fieldapp.domain.records import Caseload

DueRows = list[tuple[str, str, str]]


def open_caseload(
    runner: OpRunner, service: ContactService, sync_status: Callable[[], Any] | None, *, parent: QObject
) -> Op[Overview]:
    """The session's first read: close drafts whose business day ended (NAR-SAMEDAY), then read."""
    from fieldapp.app.overview import open_overview

    return Op(runner, lambda: open_overview(service, sync_status), label="Opening caseload", parent=parent)


def refresh_caseload(
    runner: OpRunner, service: ContactService, sync_status: Callable[[], Any] | None, *, parent: QObject
) -> Op[Overview]:
    from fieldapp.app.overview import read_overview

    return Op(runner, lambda: read_overview(service, sync_status), label="Refreshing", parent=parent)


def read_recent_contacts(
    runner: OpRunner, service: ContactService, matter_id: str, *, parent: QObject
) -> Op[list[StoredContact]]:
    return Op(
        runner, lambda: service.recent_contacts(matter_id), label="Reading recent contacts", parent=parent
    )


def work_out_still_due(
    runner: OpRunner,
    still_due: Callable[[Caseload, datetime], DueRows],
    caseload: Caseload,
    now: datetime,
    *,
    parent: QObject,
) -> Op[DueRows]:
    """The compliance measures read every contact of the month: queued after the caseload shows."""
    return Op(runner, lambda: still_due(caseload, now), label="Still due", parent=parent)


def connect_sync(runner: OpRunner, connect: Callable[[], Any], *, parent: QObject) -> Op[Any]:
    """(sync client, status) for an enrolled laptop, else None; loads the HTTP stack."""
    return Op(runner, connect, label="Connecting sync", parent=parent)


def sync_with_office(runner: OpRunner, client: Any, *, parent: QObject) -> Op[Any]:
    """Send the outbox and pull changes, with progress counts; cancellable between batches."""

    def sync(progress: OpProgress) -> Any:
        return client.sync(progress.report, progress.cancel_event)

    return Op(runner, sync, label="Sync", with_progress=True, parent=parent)


def enroll_laptop(
    runner: OpRunner, enroll: Callable[[str, str], None], server_url: str, code: str, *, parent: QObject
) -> Op[None]:
    """Trade the administrator's one-time code for this laptop's device token (kept in the keyring)."""
    return Op(runner, lambda: enroll(server_url, code), label="Enrolling", parent=parent)


def check_passphrase(runner: OpRunner, verify: Callable[[str], bool], attempt: str) -> Op[bool]:
    """The unlock check (a deliberately slow hash, or opening a passphrase profile)."""
    return Op(runner, lambda: verify(attempt), label="Checking unlock passphrase")
