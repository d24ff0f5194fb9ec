"""The agency clock tests hand to the service and the window, and move (e.g. past the end of a business day)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import NOW


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now
