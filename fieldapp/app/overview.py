"""One consistent read of what the main window shows: caseload, today's drafts, the outbox, sync status.

Made on the op runner (blocking, no Qt): at start behind the unlock screen (fieldapp.app.start), and on
each refresh of the window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldapp.app.service import ContactService
from fieldapp.domain.records import Caseload
from fieldapp.domain.stored import StoredContact


@dataclass(frozen=True)
class Overview:
    caseload: Caseload
    drafts: list[StoredContact]
    outbox: int
    closed: list[StoredContact] = field(default_factory=list)
    """Drafts whose business day had ended, closed by this read (NAR-SAMEDAY); only at start."""
    sync: Any = None
    """fieldapp.sync.status.SyncStatus when the laptop is enrolled."""


def read_overview(
    service: ContactService,
    sync_status: Callable[[], Any] | None = None,
    closed: Sequence[StoredContact] = (),
) -> Overview:
    sync = sync_status() if sync_status is not None else None
    return Overview(service.caseload(), service.open_drafts(), service.outbox_count(), list(closed), sync)


def open_overview(service: ContactService, sync_status: Callable[[], Any] | None = None) -> Overview:
    """The first read of a session: close the drafts whose business day ended, then read."""
    return read_overview(service, sync_status, closed=service.close_ended_days())
