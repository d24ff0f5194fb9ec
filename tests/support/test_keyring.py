"""A keyring backend for tests: "secure" as far as the store is concerned, but kept in a JSON file under the
test's temp dir, so a test never touches the real OS keyring and subprocesses it starts see the same keys.

Selected for the whole suite in tests/conftest.py (also through PYTHON_KEYRING_BACKEND for subprocesses).
The file is named by FIELDAPP_TEST_KEYRING_FILE; each test gets its own.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "FIELDAPP_TEST_KEYRING_FILE"


def _path() -> Path:
    name = os.environ.get(ENV)
    if not name:  # never fall through to a real keyring
        name = str(Path(tempfile.gettempdir()) / f"fieldapp-test-keyring-{os.getuid()}.json")
    return Path(name)


class FileKeyring(KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(_path().read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        path = _path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\x00{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)
