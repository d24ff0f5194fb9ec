"""Importing PySide6 for `fieldapp run`, without the import hook PySide6 installs.

Importing PySide6 replaces `builtins.__import__` with a hook that, for every module imported after it,
reads that module's source (`inspect.getsource`, looking for "PySide6") to decide whether the module may
switch on `from __feature__ import snake_case, true_property` (docs/PERFORMANCE.md, "GUI"). fieldapp uses no
such feature (tests/gui/test_launcher_imports.py checks that no module asks for one), so `fieldapp run`
takes the hook out the moment PySide6 is imported, before any of its own Qt modules is: the hook made
importing the launcher's ~1.5 ms slower before the first paint, and the rest of the app ~25 % slower after
it. The import PySide6 itself chains to, `__orig_import__` (its lazy creation of Qt classes), stays.
"""

from __future__ import annotations


def import_pyside() -> None:
    """Import PySide6's core (which installs the hook) and take the hook out at once."""
    import PySide6.QtCore  # noqa: F401 - imported for its side effect: the hook is in place after it

    skip_feature_import()


def skip_feature_import() -> bool:
    """Take PySide6's `__feature__` machinery out of this process's imports; whether it was there."""
    import builtins

    chained = getattr(builtins, "__orig_import__", None)
    if chained is None or builtins.__import__ is chained:
        return False
    builtins.__import__ = chained
    return True
