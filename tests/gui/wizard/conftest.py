"""Wizard test fixtures: a real encrypted demo profile in a temp dir, its service on the app's one
worker thread (OpRunner), and a clock the test moves (NOW = Monday 2026-11-23 16:00 agency time)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from fieldapp.app.contacts import SqlContactService
from fieldapp.app.service import StoredContact
from fieldapp.domain.records import Caseload, ContactKind
from fieldapp.gui.ops import OpRunner
from fieldapp.gui.wizard import ContactWizard
from fieldapp.store.profile import Profile, open_profile
from tests.factories import demo_caseload
from tests.support.clock import Clock


@pytest.fixture
def profile(tmp_path: Path, clock: Clock) -> Iterator[Profile]:
    opened = open_profile(tmp_path / "profile", create_with_caseload=demo_caseload(), clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def service(profile: Profile, clock: Clock) -> SqlContactService:
    return SqlContactService(profile, clock=clock)


@pytest.fixture
def caseload(service: SqlContactService) -> Caseload:
    return service.caseload()


@pytest.fixture
def runner(qtbot) -> Iterator[OpRunner]:  # type: ignore[no-untyped-def]
    r = OpRunner()
    yield r
    # as the app does on exit: wizards close first (queuing their last save), then the database thread stops
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ContactWizard) and widget.isVisible():
            widget.close()
    r.shutdown()


@pytest.fixture
def make_wizard(qtbot, service, caseload, runner, clock):  # type: ignore[no-untyped-def]
    """Start a draft of `kind` in `matter_id` through the service and open the wizard on it."""

    def make(
        kind: ContactKind, matter_id: str, children: tuple[str, ...] | None = None, **kw
    ) -> ContactWizard:
        matter = caseload.matter(matter_id)
        assert matter is not None
        if children is None:
            children = tuple(p.id for p in matter.people if "child" in p.roles)
        stored: StoredContact = service.start_contact(matter_id, kind, children)
        wizard = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock, **kw)
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        return wizard

    return make
