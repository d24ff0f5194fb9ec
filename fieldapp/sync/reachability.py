"""Knowing whether the office server can be reached, and when to sync by itself.

`probe()` is a cheap health request that sends no token. `AutoSyncPolicy` decides, from the probes' answers
and the syncs' outcomes, when the main window starts or cancels a sync; the window only runs it.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from enum import Enum, auto

import httpx

from fieldapp.sync.client import HEALTH_PATH, SyncReport


def probe(
    base_url: str,
    *,
    timeout: float = 2.0,
    verify: bool | ssl.SSLContext = True,
    transport: httpx.BaseTransport | None = None,
) -> bool:
    """True when the server answers its health request with 200 within `timeout`."""
    try:
        with httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, verify=verify, transport=transport
        ) as c:
            return c.get(HEALTH_PATH).status_code == 200
    except httpx.HTTPError:
        return False


class Action(Enum):
    """What the window should do after a probe."""

    NOTHING = auto()
    START_SYNC = auto()
    CANCEL_AUTOMATIC_SYNC = auto()


SYNCING_PROBE_SECONDS = 5.0
"""How often the server is asked while a sync runs (to cancel an automatic sync soon after it is gone)."""

ERROR_PAUSE_PROBES = 10
"""After an automatic sync that failed although the server answered its health request (say, 5xx on every
push), wait this many probe intervals before the next automatic try: each try can hold the database thread
for the client's retry budget. The server coming back from offline, or Sync now, tries at once."""


class AutoSyncPolicy:
    """When the main window syncs by itself: fed each probe's answer and each sync's outcome, it says
    what to do. No Qt, no threads, no network: the window (fieldapp.gui.sync_status) runs the probes on a
    thread of their own and the sync on the op runner, and asks this class in between.

    - The server just became reachable: sync (send what waits, bring approvals down).
    - Reachable while contacts wait in the outbox: sync, unless the last automatic try failed although the
      server answered (then wait ERROR_PAUSE_PROBES intervals).
    - Gone while an automatic sync runs: cancel it (the client stops at once, even mid-retry), so a draft
      saved meanwhile waits seconds, not the client's whole retry budget. The worker's own Sync now runs on.
    - A refused device token stops automatic tries (each would count against the server's failed-login
      limit) until a sync the worker asked for works.
    """

    def __init__(self, interval: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.online: bool | None = None
        """The last probe's (or failed sync's) word; None before the first probe."""
        self.revoked = False
        self._paused_until = 0.0

    def probed(self, reachable: bool, *, pending: int, syncing: bool, automatic: bool) -> Action:
        """One probe's answer; `pending` contacts wait in the outbox, `syncing` whether a sync runs and
        `automatic` whether the window started it by itself."""
        was_online, self.online = self.online, reachable
        if not reachable:
            return Action.CANCEL_AUTOMATIC_SYNC if syncing and automatic else Action.NOTHING
        if syncing or self.revoked:
            return Action.NOTHING
        if not was_online:
            return Action.START_SYNC
        if pending > 0 and self.clock() >= self._paused_until:
            return Action.START_SYNC
        return Action.NOTHING

    def probe_interval(self, *, syncing: bool) -> float:
        return min(self.interval, SYNCING_PROBE_SECONDS) if syncing else self.interval

    def sync_finished(self, report: SyncReport) -> None:
        """A sync that failed on the network knows more than the last probe did."""
        self.revoked = report.needs_enrollment
        if report.unreachable:
            self.online = False
        elif report.error and not report.cancelled:
            self._paused_until = self.clock() + ERROR_PAUSE_PROBES * self.interval
        else:
            self._paused_until = 0.0
