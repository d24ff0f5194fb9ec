"""Which unlock check a profile uses, and where its secret lives (see fieldapp.app.passphrase for the hash).

A passphrase-keyed profile (no secure keyring) reuses its own key check and stores nothing; a keyring-keyed
profile keeps the scrypt hash of the unlock passphrase chosen at first run in the secure OS keyring, beside
the profile key.
"""

from __future__ import annotations

import keyring.backend

from fieldapp.app.passphrase import check_strength, hash_passphrase, verify_passphrase
from fieldapp.app.session import UnlockCheck
from fieldapp.store import keys
from fieldapp.store.profile import Profile

# --------------------------------------------------------------------------- which check a profile uses

UNLOCK_KEYRING_SERVICE = keys.UNLOCK_KEYRING_SERVICE


class ProfilePassphraseCheck:
    """A passphrase-keyed profile (no secure keyring): the profile passphrase is the unlock passphrase.

    Verified against the profile's own key check (PBKDF2, as costly per guess as trying the database), so
    nothing new is stored anywhere.
    """

    def __init__(self, profile: Profile) -> None:
        self._salt = profile.settings.check_salt
        self._expected = profile.settings.key_check

    def needs_setup(self) -> bool:
        return False

    def set(self, passphrase: str) -> None:  # pragma: no cover - never asked: needs_setup() is False
        raise NotImplementedError("the profile passphrase is changed by re-keying the profile")

    def verify(self, passphrase: str) -> bool:
        if not passphrase or "\x00" in passphrase:
            return False
        return keys.passphrase_key(passphrase).matches(self._salt, self._expected)


class KeyringUnlockCheck:
    """A keyring-keyed profile: the worker chose an unlock passphrase at first run; its scrypt hash is kept
    in the same secure OS keyring that already holds the profile's raw key (whoever can read that entry
    can read the records anyway, so the hash adds no exposure) and never in a file."""

    def __init__(self, profile: Profile, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._profile_id = profile.profile_id
        self._backend = backend if backend is not None else keys.current_backend()

    def _stored(self) -> str | None:
        return self._backend.get_password(UNLOCK_KEYRING_SERVICE, self._profile_id)

    def needs_setup(self) -> bool:
        return not self._stored()

    def set(self, passphrase: str) -> None:
        check_strength(passphrase)
        hashed = hash_passphrase(passphrase)
        self._backend.set_password(UNLOCK_KEYRING_SERVICE, self._profile_id, hashed)
        if self._backend.get_password(UNLOCK_KEYRING_SERVICE, self._profile_id) != hashed:
            raise OSError("The system keyring did not keep the unlock passphrase.")

    def verify(self, passphrase: str) -> bool:
        stored = self._stored()
        return bool(stored) and verify_passphrase(passphrase, stored or "")


def unlock_checker(profile: Profile) -> UnlockCheck:
    if profile.key_source == "passphrase":
        return ProfilePassphraseCheck(profile)
    return KeyringUnlockCheck(profile)
