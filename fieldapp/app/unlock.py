"""The unlock passphrase of the lock screen: a salted scrypt hash, never the passphrase itself.

Why scrypt (hashlib, no new dependency): it is memory-hard, so a stolen hash is slow to guess even on a
GPU. Where it is kept depends on how the profile is keyed (`unlock_checker`): a passphrase-keyed profile
reuses its own key check and stores nothing; a keyring-keyed one keeps the hash in the secure OS keyring
beside the profile key. The scrypt parameters are stored with the hash so they can be raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Protocol

import keyring.backend

from fieldapp.store import keys
from fieldapp.store.profile import Profile

_N, _R, _P = 2**14, 8, 1  # ~16 MiB, ~50-100 ms on a field laptop: cheap once, costly a billion times
_PREFIX = "scrypt"
MIN_LENGTH = 8


class WeakPassphrase(ValueError):
    """The passphrase is too short to protect case data."""


def check_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_LENGTH:
        raise WeakPassphrase(f"The passphrase must be at least {MIN_LENGTH} characters long.")


def hash_passphrase(passphrase: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"{_PREFIX}${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_passphrase(passphrase: str, stored: str) -> bool:
    """Constant-time check of `passphrase` against a hash from `hash_passphrase`; False if malformed."""
    try:
        prefix, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if prefix != _PREFIX:
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            passphrase.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# --------------------------------------------------------------------------- which check a profile uses

UNLOCK_KEYRING_SERVICE = "fieldapp-unlock"


class UnlockCheck(Protocol):
    """How the lock screen checks the worker: blocking calls, meant for the op runner."""

    def needs_setup(self) -> bool: ...

    def set(self, passphrase: str) -> None: ...

    def verify(self, passphrase: str) -> bool: ...


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
