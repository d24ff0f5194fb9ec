"""Session-wide test settings: headless Qt, a test keyring, the agency clock fixed where a test asks."""

from __future__ import annotations

import os

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


@pytest.fixture(autouse=True)
def _test_keyring_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_KEYRING_ENV, str(tmp_path_factory.mktemp("keyring") / "keyring.json"))
    keyring.set_keyring(FileKeyring())
