"""Store fixtures: a fresh demo profile in a temp dir, keyed by the suite's test keyring, with a movable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.store.profile import Profile, open_profile
from tests.factories import NOW, demo_caseload


class Clock:
    """The service's clock, moved by the test (e.g. across the end of a business day)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def profile(profile_dir: Path, clock: Clock) -> Iterator[Profile]:
    opened = open_profile(profile_dir, create_with_caseload=demo_caseload(), clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def service(profile: Profile, clock: Clock) -> SqlContactService:
    return SqlContactService(profile, clock=clock)
