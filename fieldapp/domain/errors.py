"""Errors written for a person, shared by every layer: the store raises them, the app and GUI show them.

Why in the domain package: the store (fieldapp.store.profile, .migrate) raises the profile errors and the
GUI catches them, and neither may import the other or the application layer's store-backed modules; plain
Python here, both can see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class ServiceError(Exception):
    """Base of errors the GUI shows to the worker as they are: each message is written for a person."""


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
