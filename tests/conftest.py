"""Session-wide test settings: headless Qt, a test keyring, the agency clock fixed where a test asks."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Shared fixtures (a private PostgreSQL cluster, a database per backend): see tests/support/fixtures.py.
# --- test keyring (store): never touch the real OS keyring; subprocesses inherit the backend by env.
import keyring
import pytest

from tests.support.fixtures import postgres_cluster, server_database  # noqa: F401
from tests.support.test_keyring import ENV as _KEYRING_ENV
from tests.support.test_keyring import FileKeyring

os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.test_keyring.FileKeyring"
keyring.set_keyring(FileKeyring())


@pytest.fixture(scope="session", autouse=True)
def _session_keyring_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fixtures wider than one test (a module's profile, a session's server) make keys before any test's
    own file is named: they get the session's file, never the test keyring's shared fallback in /tmp."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(_KEYRING_ENV, str(tmp_path_factory.mktemp("session-keyring") / "keyring.json"))
        yield


@pytest.fixture(autouse=True)
def _test_keyring_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_KEYRING_ENV, str(tmp_path_factory.mktemp("keyring") / "keyring.json"))
    keyring.set_keyring(FileKeyring())
