"""What the GUI holds once a profile is open: the service, the unlock check, sync, and how to close it.

Store-free on purpose: the GUI may import this module (the import contracts forbid it any path to the
store); the function that actually opens a profile (fieldapp.app.launch.open_for_gui) is handed to the GUI
by the `fieldapp run` command, the composition root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from fieldapp.app.service import ContactService


class UnlockCheck(Protocol):
    """How the lock screen checks the worker: blocking calls, meant for the op runner."""

    def needs_setup(self) -> bool: ...

    def set(self, passphrase: str) -> None: ...

    def verify(self, passphrase: str) -> bool: ...


@dataclass
class OpenedProfile:
    """An open profile as the GUI sees it. Every callable here blocks: call it on the op runner."""

    directory: Path
    service: ContactService
    unlock: UnlockCheck
    needs_unlock_setup: bool
    close: Callable[[], None]
    sync_client: Any = None
    """A fieldapp.sync SyncClient when the laptop is enrolled with an office server, else None."""
    sync_status: Callable[[], Any] | None = None
    """Returns a fieldapp.sync.status.SyncStatus snapshot (blocking; reads the outbox)."""
    connect_sync: Callable[[], Any] | None = None
    """Blocking; (sync_client, sync_status) when the laptop is enrolled, else None. Called after the window
    is up, because it loads the HTTP stack."""
    enroll: Callable[[str, str], None] | None = None
    """Blocking; (server URL, one-time code) -> the device token is in the keyring. Raises a ServiceError
    whose `field` attribute ("server_url" or "code") names where the message belongs."""


class ProfileOpener(Protocol):
    """Opens (or with `demo`, creates) a profile; raises fieldapp.app.profile.ProfileError subclasses."""

    def __call__(
        self,
        directory: Path | None,
        *,
        passphrase: str | None,
        demo: bool,
        clock: Callable[[], datetime],
    ) -> OpenedProfile: ...
