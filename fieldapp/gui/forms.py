"""Qt Designer forms: `.ui` files under `ui/` are LOADED AT RUN TIME with QUiLoader, never compiled.

Why loaded: the forms stay the single source of layout (no generated `ui_*.py` to forget to regenerate and
no generated code for ruff/mypy to trip over), and an agency can adjust a layout without a build step.
Loading a small form takes a few milliseconds and happens when a window is built, not on page change.

Conventions for every form (main window, dialogs and wizard pages alike):
- the top widget of a form is a plain QWidget (or QDialog/QMainWindow for a whole window) laid out with
  layouts only; no logic, no signal connections in the .ui;
- every control a Python class uses has an `objectName`, reached with `child(form, QComboBox, "method")`,
  which raises at build time (not at first click) when the form and the code disagree;
- every input control has a buddy QLabel (`buddy` property, with an &-mnemonic) and an `accessibleName`;
- style sheets live in `ui/style/*.qss` and are applied with `load_style()`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from fieldapp.domain.resources import resources_dir

W = TypeVar("W", bound=QWidget)


class FormError(RuntimeError):
    """A .ui file is missing, malformed, or lacks a control the code needs."""


def ui_dir() -> Path:
    """`ui/` beside `resources/` (a checkout, or the frozen bundle)."""
    return resources_dir().parent / "ui"


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """Load `ui/<name>.ui` (e.g. "wizard/method") as a child widget of `parent`.

    By path, which QUiLoader opens in C++ (a QFile made here would only cost PySide6 building QFile's
    Python classes and enums)."""
    path = ui_dir() / f"{name}.ui"
    if not os.access(path, os.R_OK) or not path.is_file():
        raise FormError(f"{path}: cannot open form")
    try:
        widget = _loader().load(str(path), parent)
    except RuntimeError as error:  # PySide6's word for a form Qt could not read
        raise FormError(f"{path}: not a valid Qt Designer form ({error})") from error
    if widget is None:
        raise FormError(f"{path}: not a valid Qt Designer form")
    return widget


def _loader() -> QUiLoader:
    """A QUiLoader without Qt Designer plugins. Its constructor loads every plugin under each library
    path's `designer/` (PySide6 ships QQuickWidget, QWebEngineView and its Python-widget plugin there) for
    custom widgets, and our forms use only Qt's own widgets
    (tests/gui/test_forms.py checks that no form declares a custom widget). The library paths are empty
    only while the loader is constructed, on the GUI thread."""
    saved = QCoreApplication.libraryPaths()
    QCoreApplication.setLibraryPaths([])
    try:
        return QUiLoader()
    finally:
        QCoreApplication.setLibraryPaths(saved)


def child(form: QWidget, cls: type[W], name: str) -> W:
    """The control `name` of type `cls` in a loaded form; a missing one is a programming error."""
    found = form.findChild(cls, name)
    if found is None:
        raise FormError(f"form {form.objectName()!r} has no {cls.__name__} named {name!r}")
    return found


def load_style(name: str) -> str:
    """The style sheet `ui/style/<name>.qss`, or "" when absent (style is never required to work)."""
    path = ui_dir() / "style" / f"{name}.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def restore_layout(window: QWidget, splitter: QSplitter, tabs: QTabWidget, settings: QSettings) -> None:
    """The main window's size, splitter and tab as the worker left them."""
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        window.resize(1280, 720)
    state = settings.value("window/splitter")
    if isinstance(state, QByteArray):
        splitter.restoreState(state)
    else:
        splitter.setSizes([420, 860])
    tabs.setCurrentIndex(int(str(settings.value("window/tab", 0))))


TITLE_BAR_EXTRA = 160
"""Pixels a window manager's title bar spends besides the title: icon, minimize/maximize/close buttons and
padding (openbox, GNOME and KDE all fit in this)."""


def title_width(widget: QWidget) -> int:
    """How wide `widget` must be for its title to show whole in a title bar: Qt appends " — <app name>"
    when the title does not name the app, and title bars use a bold font."""
    from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication

    title = widget.windowTitle()
    name = QGuiApplication.applicationDisplayName()
    if name and name not in title:
        title = f"{title} — {name}"
    bold = QFont(widget.font())
    bold.setBold(True)
    return QFontMetrics(bold).horizontalAdvance(title) + TITLE_BAR_EXTRA


def fit_title(widget: QWidget) -> None:
    """Make `widget` at least wide enough for its title bar to show the whole title (issue 16: dialog
    titles are not cut off)."""
    widget.setMinimumWidth(max(widget.minimumWidth(), title_width(widget)))
