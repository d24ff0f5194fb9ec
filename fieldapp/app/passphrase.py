"""Passphrase hashing for the lock screen: a salted scrypt hash, never the passphrase itself (no store, no Qt).

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

_N, _R, _P = 2**14, 8, 1  # 16 MiB of memory per guess: cheap once, costly a billion times
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
