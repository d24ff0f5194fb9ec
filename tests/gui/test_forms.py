"""The forms are loaded from ui/*.ui at run time without Qt Designer plugins (fieldapp.gui.forms): that is
only right while no form declares a custom widget, and it must leave Qt's plugin paths as they were."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QTreeView, QWidget

from fieldapp.gui import forms


def test_no_form_declares_a_custom_widget_so_the_loader_needs_no_designer_plugin():
    uis = sorted(forms.ui_dir().rglob("*.ui"))
    assert uis, "no forms found"
    for ui in uis:
        assert "<customwidget" not in ui.read_text(encoding="utf-8"), f"{ui} declares a custom widget"


def test_loading_a_form_keeps_qts_library_paths_and_builds_the_widgets(qapp):
    before = QCoreApplication.libraryPaths()
    assert before, "Qt found no library paths (platform plugins would not load either)"
    parent = QWidget()
    try:
        form = forms.load_form("panels/caseload", parent)
        assert forms.child(form, QTreeView, "caseloadTree") is not None
        assert forms._loader().pluginPaths() == []
        assert QCoreApplication.libraryPaths() == before
    finally:
        parent.deleteLater()


def test_a_missing_or_broken_form_is_a_form_error_naming_the_file(qapp, tmp_path, monkeypatch):
    (tmp_path / "broken.ui").write_text("<ui version='4.0'><widget class=", encoding="utf-8")
    monkeypatch.setattr(forms, "ui_dir", lambda: tmp_path)
    with pytest.raises(forms.FormError, match=r"missing\.ui: cannot open form"):
        forms.load_form("missing")
    with pytest.raises(forms.FormError, match=r"broken\.ui: not a valid Qt Designer form"):
        forms.load_form("broken")
