"""Take the screenshots listed in the README (run through dev/screenshots, under Xvfb at 1366x768)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "docs" / "screenshots"

_tmp = Path(tempfile.mkdtemp(prefix="fieldapp-shots-"))
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)  # its test keyring file holds the profile's key
os.environ["FIELDAPP_TEST_KEYRING_FILE"] = str(_tmp / "keyring.json")
os.environ["XDG_CONFIG_HOME"] = str(_tmp / "config")

import keyring  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from tests.support.test_keyring import FileKeyring  # noqa: E402

keyring.set_keyring(FileKeyring())

from fieldapp.app.launch import open_for_gui  # noqa: E402
from fieldapp.app.wizard_flow import Step  # noqa: E402
from fieldapp.domain.codetables import load_codetables  # noqa: E402
from fieldapp.domain.records import ContactKind, OtherParty  # noqa: E402
from fieldapp.gui.application import make_application  # noqa: E402
from fieldapp.gui.dialogs import EnrollDialog, PassphraseDialog, UnlockSetupDialog  # noqa: E402
from fieldapp.gui.main_window import MainWindow, WindowEnv  # noqa: E402
from fieldapp.gui.ops import OpRunner  # noqa: E402
from fieldapp.gui.wizard import ContactWizard, KindDialog, OnBehalfDialog  # noqa: E402
from tests.factories import NOW, valid_contact  # noqa: E402

SIZE = (1366, 768)


def settle(app: QApplication, ms: int = 300) -> None:
    """Let queued results and paints arrive (a script, not the app: a short local event loop is fine)."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shot(app: QApplication, widget: QWidget, name: str) -> None:
    widget.show()
    widget.raise_()
    settle(app)
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print("wrote", path.relative_to(REPO), widget.width(), "x", widget.height())


def framed_shot(app: QApplication, widget: QWidget, name: str) -> None:
    """A dialog with the window manager's title bar, so a cut-off title would show."""
    widget.show()
    widget.raise_()
    widget.activateWindow()
    settle(app, 500)
    frame = widget.frameGeometry()
    path = OUT / f"{name}.png"
    app.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(path))
    print("wrote", path.relative_to(REPO), frame.width(), "x", frame.height())


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = make_application(["fieldapp"])
    clock = lambda: NOW  # noqa: E731 - a fixed agency "now" inside the demo's open referrals and cases
    opened = open_for_gui(_tmp / "profile", passphrase=None, demo=True, clock=clock)
    opened.unlock.set("screenshot-pass")
    service = opened.service
    # a little history: two final contacts and two drafts of today
    for kind in (ContactKind.CHILD_REFERRAL, ContactKind.PARENT_REFERRAL):
        c = valid_contact(kind, started_at=NOW - timedelta(hours=8), ended_at=NOW - timedelta(hours=7))
        stored = service.start_contact(c.context_id, c.kind, c.on_behalf_of_child_ids)
        service.finalize(c.model_copy(update={"id": stored.contact.id, "first_saved_at": None}))
    draft_template = valid_contact(ContactKind.CHILD_REFERRAL, narrative="")
    d1 = service.start_contact(
        draft_template.context_id, draft_template.kind, draft_template.on_behalf_of_child_ids
    )
    service.interim_save(draft_template.model_copy(update={"id": d1.contact.id, "first_saved_at": None}))
    service.start_contact("C-2001", ContactKind.SCP_CASE, ("p-nova", "p-kit"))

    runner = OpRunner()
    # the unlock screen every start shows first (fieldapp.gui.application.Startup), worded for this profile
    from PySide6.QtCore import QSettings

    from fieldapp.app.start import Stage
    from fieldapp.gui.application import WORDING
    from fieldapp.gui.lock import UnlockWindow

    unlock = UnlockWindow(runner, opened.unlock.verify, QSettings())
    unlock.lock_screen.ask_for(*WORDING[Stage.UNLOCK])
    unlock.resize(*SIZE)
    shot(app, unlock, "00_unlock_screen")
    unlock.close()

    tables = load_codetables()
    from fieldapp.app.due import due_list

    env = WindowEnv(
        service=service,
        runner=runner,
        tables=tables,
        verify_unlock=opened.unlock.verify,
        now=clock,
        compliance=lambda caseload, now: due_list(service, caseload, tables, now),
        profile_label=str(opened.directory),
    )
    window = MainWindow(env)
    window.resize(*SIZE)
    window.show()
    window.start()
    settle(app, 1500)
    if getattr(window, "draft_offer", None) is not None:
        framed_shot(app, window.draft_offer, "08_open_drafts_offer")
        window.draft_offer.reject()
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("R-1001"))
    settle(app, 600)
    shot(app, window, "01_main_window")
    window.tabs.setCurrentIndex(1)
    shot(app, window, "02_main_window_still_due")
    window.tabs.setCurrentIndex(0)
    # finalizing confirmed: the status bar says what happened and the recent list selects the contact
    recent = service.recent_contacts("R-1001")
    final = next(s for s in recent if str(s.state) == "final")
    window.confirm_final(final)
    window.refresh()
    settle(app, 800)
    shot(app, window, "17_main_window_after_finalizing")
    # empty tables say so in words: a case with no contacts yet, and nothing refused by the server
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("C-2004"))
    settle(app, 600)
    shot(app, window, "18_main_window_empty_recent")
    window.tabs.setCurrentIndex(window.tabs.indexOf(window.refused_tab))
    shot(app, window, "19_main_window_nothing_refused")
    window.tabs.setCurrentIndex(0)
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("R-1001"))
    settle(app, 600)
    # F5 with no office server set up: says so and offers enrolling
    window.env.enroll = lambda url, code: None
    box = window.offer_enrolling()
    framed_shot(app, box, "20_f5_no_office_server")
    box.reject()

    matter = window.caseload.matter("R-1001")
    on_behalf = OnBehalfDialog(matter, parent=window)
    framed_shot(app, on_behalf, "03_on_behalf_dialog")
    on_behalf.close()
    kind = KindDialog(tables, window.caseload.matter("C-2001"), window)
    framed_shot(app, kind, "04_kind_dialog")
    kind.close()

    # every wizard page at 1366x768 on a complete child contact; then a new contact as it first shows
    # (calm), the same after Ctrl+Enter (findings beside their fields), the question on Escape and on
    # Finalize, a final contact opened to read, and the narrative's spelling menu
    def open_wizard(stored, size=SIZE):  # type: ignore[no-untyped-def]
        w = ContactWizard(
            service,
            stored,
            caseload=window.caseload,
            runner=runner,
            tables=tables,
            clock=clock,
            parent=window,
        )
        w.resize(*size)
        return w

    complete = valid_contact(
        ContactKind.CHILD_CASE,
        participant_ids=("p-nova", "p-kit"),
        others_present=(OtherParty(name="Avery Quillfeather", role="parent/guardian"),),
        sop_components=("VOICE_OF_CHILD",),
        narrative=load_codetables()
        .narrative_templates[0]
        .replace("issues to discuss:", "issues to discuss: school, and the new room Nova and Kit share.", 1),
    )
    s = service.start_contact(complete.context_id, complete.kind, complete.on_behalf_of_child_ids)
    s = service.interim_save(complete.model_copy(update={"id": s.contact.id, "first_saved_at": None}))
    wizard = open_wizard(s)
    for number, step in enumerate(
        (Step.BASICS, Step.METHOD, Step.PARTICIPANTS, Step.SERVICES, Step.NARRATIVE, Step.REVIEW), start=1
    ):
        while wizard.currentId() < int(step) and wizard.currentId() >= 0:
            before = wizard.currentId()
            wizard.next()
            if wizard.currentId() == before:
                break
        shot(app, wizard, f"05_wizard_{number}_{step.name.lower()}")
    wizard.accept()  # the one question before a contact becomes final
    settle(app)
    if wizard.confirm_box is not None:
        shot(app, wizard.confirm_box, "14_confirm_finalize")
        wizard.confirm_box.reject()
    wizard.ask_to_close()  # what Escape asks
    settle(app)
    if wizard.close_box is not None:
        shot(app, wizard.close_box, "15_confirm_close")
        wizard.close_box.reject()
    wizard.close()

    fresh_start = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    wizard2 = open_wizard(fresh_start)
    wizard2.show()
    wizard2.next()  # basics are complete for a new child visit: the method page, nothing done yet
    shot(app, wizard2, "06_wizard_new_contact_calm")
    wizard2.advance()  # Ctrl+Enter where Next cannot go: the findings beside their fields
    shot(app, wizard2, "06_wizard_findings_in_place")
    wizard2.close()

    final = valid_contact(ContactKind.CHILD_CASE, started_at=NOW - timedelta(hours=6))
    f = service.start_contact(final.context_id, final.kind, final.on_behalf_of_child_ids)
    f = service.finalize(final.model_copy(update={"id": f.contact.id, "first_saved_at": None}))
    reader = open_wizard(f)
    shot(app, reader, "16_wizard_final_contact_read_only")
    reader.close()

    # the narrative page with wording and spelling marks, and the spelling menu over a misspelled word
    spelled = valid_contact(
        ContactKind.CHILD_CASE,
        narrative="Before: reviewed the case plan.\nDuring: Nova said her mother seemed drunk. We dicussed the "
        "placment and her school.\nAfter: next visit set.",
    )
    sp = service.start_contact(spelled.context_id, spelled.kind, spelled.on_behalf_of_child_ids)
    sp = service.interim_save(spelled.model_copy(update={"id": sp.contact.id, "first_saved_at": None}))
    wizard3 = open_wizard(sp, (1366, 740))  # grabbed with its frame: the title bar fits the screen too
    wizard3.show()
    wizard3.go_to_field("narrative")
    settle(app, 1500)  # the word list loads on the op runner
    editor = wizard3.pages[Step.NARRATIVE].editor
    position = editor.toPlainText().index("dicussed") + 2
    cursor = editor.textCursor()
    cursor.setPosition(position)
    editor.setTextCursor(cursor)
    wizard3.raise_()
    wizard3.activateWindow()
    settle(app, 300)
    menu = editor.open_menu_at_cursor()  # Shift+F10
    settle(app, 400)
    screen = app.primaryScreen()
    frame = wizard3.frameGeometry()
    path = OUT / "13_wizard_narrative_spelling.png"
    screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(path))
    print("wrote", path.relative_to(REPO))
    menu.close()
    wizard3.close()

    window.lock()
    shot(app, window, "07_lock_screen")
    window.unlock()

    shot(
        app,
        PassphraseDialog(new_profile=False, reason="This profile is protected by a passphrase."),
        "09_passphrase_dialog",
    )
    shot(app, PassphraseDialog(new_profile=True), "10_passphrase_new_profile")
    shot(app, UnlockSetupDialog(), "11_unlock_passphrase_setup")
    enroll = EnrollDialog(window)
    enroll.url.setText("http://office.example.org")
    enroll.show_error(
        ValueError("The server address must start with https:// so the enrollment token is sent encrypted.")
    )
    framed_shot(app, enroll, "12_enroll_dialog")

    window.close()
    runner.shutdown()
    opened.close()
    _ = datetime
    return 0


if __name__ == "__main__":
    sys.exit(main())
