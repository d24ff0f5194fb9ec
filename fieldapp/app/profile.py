"""What opening a worker's profile can go wrong with, in words a person can act on.

These types live in the application layer (plain Python, no SQL) so the GUI can catch them and ask for a
passphrase or show the message without importing the store. The store (fieldapp.store.profile) raises them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fieldapp.app.service import ServiceError


class ProfileError(ServiceError):
    """The profile cannot be opened; the message says why and what to do. The file was not changed."""

    def __init__(self, message: str, directory: Path | None = None) -> None:
        super().__init__(message)
        self.directory = directory


class ProfileNotFound(ProfileError):
    """There is no profile in the directory and none was asked to be created."""


class NeedsPassphrase(ProfileError):
    """No secure keyring holds this profile's key: the app must ask the worker for the passphrase."""

    def __init__(self, message: str, directory: Path | None = None, *, new_profile: bool = False) -> None:
        super().__init__(message, directory)
        self.new_profile = new_profile


class WrongKey(ProfileError):
    """The key or passphrase does not open this profile."""


class MissingKey(ProfileError):
    """The profile's key is not in the keyring (removed, another user account, or no keyring available)."""


class ProfileDamaged(ProfileError):
    """The key is right but the database (or its settings file) is damaged or not a fieldapp profile."""


class ProfileTooNew(ProfileError):
    """The profile was written by a newer fieldapp; opening it with this one could lose data."""


@dataclass(frozen=True, slots=True)
class PassphrasePrompt:
    """What a passphrase dialog needs to say: first-time (ask twice) or unlock, and why a passphrase at all."""

    new_profile: bool
    reason: str
    retry: bool = False


PassphraseProvider = Callable[[PassphrasePrompt], "str | None"]
"""Asks the worker for the passphrase; returns None (or "") if they cancel."""
