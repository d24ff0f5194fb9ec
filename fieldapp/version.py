"""The installed fieldapp's version, for `fieldapp --version` and `fieldapp-server --version`.

One source: the version in pyproject.toml, as the installed distribution's metadata records it (the
PyInstaller bundle carries that metadata too, packaging/fieldapp.spec), so nothing has to be kept in step.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as distribution_version

DISTRIBUTION = "fieldapp"


def version() -> str:
    """The version, or a plain statement that this copy was not installed (a bare checkout on sys.path)."""
    try:
        return distribution_version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e . in the checkout)"


def version_line(program: str) -> str:
    return f"{program} {version()}"
