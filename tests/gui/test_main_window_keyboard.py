"""Keyboard only: from the caseload to a new contact's wizard without the mouse; Tab follows the layout."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.domain.records import ContactKind
from fieldapp.gui.main_window import MainWindow, focus_order


def _when_modal(name: str, act: Callable[[QWidget], None], tries: int = 200) -> None:
    """Act on the modal dialog `name` once it runs its own event loop (exec), polling from that loop."""

    def poll(left: int = tries) -> None:
        found = [w for w in QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible()]
        if found:
            act(found[0])
        elif left > 0:
            QTimer.singleShot(25, lambda: poll(left - 1))

    QTimer.singleShot(0, poll)


def test_tab_order_follows_the_visual_order(window: MainWindow):
    names = [w.objectName() for w in focus_order(window)]
    expected = ["caseloadTree", "newContactButton", "continueDraftButton", "draftsView", "tabs", "recentView"]
    positions = [names.index(n) if n in names else -1 for n in expected]
    assert -1 not in positions, names
    assert positions == sorted(positions), names


def test_new_contact_with_the_keyboard_alone(qtbot, window: MainWindow, opened):
    """SEL-ONBEHALF: the on-behalf dialog opens first (all children preselected), then the kind."""
    window.activateWindow()
    window.caseload_view.setFocus()
    qtbot.keyClick(window.caseload_view, Qt.Key.Key_Home)
    qtbot.keyClick(window.caseload_view, Qt.Key.Key_Down)  # first referral under "Referrals"
    assert window.selected_matter_id() == "R-1001"
    seen: dict[str, object] = {}

    def on_behalf(dialog: QWidget) -> None:
        seen["on_behalf_checked"] = dialog.chosen()  # type: ignore[attr-defined]
        _when_modal("kindDialog", kind)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    def kind(dialog: QWidget) -> None:
        focused = dialog.focusWidget()
        seen["kind_focus"] = focused.objectName()
        qtbot.keyClick(focused, Qt.Key.Key_Space)  # choose the focused kind
        qtbot.keyClick(focused, Qt.Key.Key_Return)

    _when_modal("onBehalfDialog", on_behalf)
    qtbot.keyClick(window.caseload_view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.editors) == 1, timeout=15_000)
    from fieldapp.app.wizard_flow import default_on_behalf

    assert seen["on_behalf_checked"] == default_on_behalf(window.caseload.matter("R-1001"))
    assert len(seen["on_behalf_checked"]) >= 2  # every child preselected
    assert seen["kind_focus"] == "kind_CHILD_REFERRAL"
    wizard = window.editors[0]
    assert wizard.stored.contact.kind.value == "CHILD_REFERRAL"
    assert wizard.stored.contact.context_id == "R-1001"
    # the draft exists in the store from the start, and the main window lists it
    qtbot.waitUntil(lambda: window.drafts_model.rowCount() == 1, timeout=10_000)
    wizard.close()


def test_continue_draft_from_the_keyboard(qtbot, window: MainWindow, opened):
    opened.service.start_contact("C-2001", ContactKind.SCP_CASE, ("p-nova", "p-kit"))
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.refresh()
    window.drafts_view.setFocus()
    qtbot.keyClick(window.drafts_view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.editors) == 1, timeout=10_000)
    assert window.editors[0].stored.contact.kind.value == "SCP_CASE"
    window.editors[0].close()
