"""Never lose work: the app is killed (a real SIGKILL) while the worker is mid-narrative, after the wizard's
own autosave ran; reopening the profile offers the open draft, and the narrative text is there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldapp.app.launch import open_for_gui
from fieldapp.domain.records import ContactKind
from fieldapp.gui.main_window import MainWindow
from tests.factories import valid_contact
from tests.gui.conftest import UNLOCK

REPO = Path(__file__).resolve().parents[2]
TYPED = "During: Maya said she feels safe at home and showed me her drawings."


def _wait_for(events: Path, prefix: str, proc: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if events.exists():
            for line in events.read_text(encoding="utf-8").splitlines():
                if line.startswith(prefix):
                    return line
                if line.startswith("failed"):
                    pytest.fail(line)
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"the app exited early ({proc.returncode}): {out[-2000:]}")
        time.sleep(0.1)
    pytest.fail(
        f"no {prefix!r} event within {timeout} s; events: {events.read_text() if events.exists() else ''}"
    )


@pytest.mark.slow
def test_kill_mid_narrative_then_reopen_finds_the_text(tmp_path: Path, qtbot, make_window):
    """NAR-SAMEDAY interim saves: what was typed survives a crash (SIGKILL) and is offered on reopening."""
    profile_dir = tmp_path / "kill-profile"
    now = datetime.now(tz=UTC)
    opened = open_for_gui(profile_dir, passphrase=None, demo=True, clock=lambda: datetime.now(tz=UTC))
    opened.unlock.set(UNLOCK)
    service = opened.service
    template = valid_contact(
        ContactKind.CHILD_REFERRAL,
        narrative="",
        started_at=now - timedelta(minutes=50),
        ended_at=now - timedelta(minutes=20),
    )
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    service.interim_save(template.model_copy(update={"id": stored.contact.id, "first_saved_at": None}))
    contact_id = stored.contact.id
    opened.close()

    events = tmp_path / "events.txt"
    script = tmp_path / "hook.json"
    script.write_text(
        json.dumps(
            {
                "scenario": "continue_draft_and_type",
                "profile": str(profile_dir),
                "passphrase": UNLOCK,
                "text": TYPED,
                "events": str(events),
            }
        ),
        encoding="utf-8",
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # the subprocess's QSettings stay in the temp dir
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.app_driver", str(script)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(events, "offered 1", proc, 60)
        _wait_for(events, "typed", proc, 30)
        _wait_for(events, f"saved {contact_id}", proc, 60)  # the wizard's autosave (<= 30 s), not a click
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    reopened = open_for_gui(profile_dir, passphrase=None, demo=False, clock=lambda: datetime.now(tz=UTC))
    try:
        drafts = reopened.service.open_drafts()
        assert [d.contact.id for d in drafts] == [contact_id]
        assert drafts[0].contact.narrative == TYPED
    finally:
        reopened.close()


def test_reopening_offers_open_drafts_and_continues_the_chosen_one(qtbot, make_window, opened):
    service = opened.service
    template = valid_contact(
        ContactKind.PARENT_REFERRAL, narrative="Before: called Dana to arrange the visit."
    )
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    service.interim_save(template.model_copy(update={"id": stored.contact.id, "first_saved_at": None}))

    window: MainWindow = make_window()
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    qtbot.waitUntil(
        lambda: getattr(window, "draft_offer", None) is not None and window.draft_offer.isVisible()
    )
    offer = window.draft_offer
    assert offer.list.count() == 1
    assert offer.list.item(0).text() == (
        "Brightwater · Parent/guardian contact (referral) · Dana Brightwater · finalize it today (8 h 00 min left)"
    )
    offer.continue_button.click()
    qtbot.waitUntil(lambda: len(window.editors) == 1, timeout=10_000)
    wizard = window.editors[0]
    assert wizard.stored.contact.id == stored.contact.id
    assert wizard.contact.narrative == "Before: called Dana to arrange the visit."


def test_opening_closes_drafts_whose_day_ended(qtbot, make_window, opened, clock):
    """NAR-SAMEDAY: on open, yesterday's complete draft is made final and an incomplete one is flagged."""
    service = opened.service
    complete = valid_contact(ContactKind.CHILD_REFERRAL)
    s1 = service.start_contact(complete.context_id, complete.kind, complete.on_behalf_of_child_ids)
    service.interim_save(complete.model_copy(update={"id": s1.contact.id, "first_saved_at": None}))
    s2 = service.start_contact("R-1001", ContactKind.PARENT_REFERRAL, ("p-maya", "p-leo"))
    clock.advance(days=1)

    window: MainWindow = make_window()
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    assert window.drafts_model.rowCount() == 0
    message = window.statusBar().currentMessage()
    assert "1 made final as they stood" in message and "1 flagged for your supervisor" in message
    assert service.get(s1.contact.id).state.value == "final"
    assert service.get(s2.contact.id).flagged_for_supervisor
