"""Store fixtures: a fresh demo profile in a temp dir, keyed by the suite's test keyring, with a movable clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.store.profile import Profile, open_profile
from tests.factories import demo_caseload
from tests.support.clock import Clock


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
