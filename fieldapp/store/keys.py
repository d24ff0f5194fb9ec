"""The profile key: a random 256-bit raw key kept in a secure OS keyring, or a passphrase where none exists.

A raw key skips SQLCipher's key derivation, so opening is fast; it is only as safe as the keyring holding it.
That is why a keyring that does not keep secrets (the `fail` and `null` backends, or a plaintext file) is
never used silently: the profile is then protected by a passphrase that SQLCipher stretches with its own
KDF (PBKDF2-HMAC-SHA512, 256,000 iterations in SQLCipher 4).

Key material lives only in `KeySpec` objects, whose repr is redacted, and in the PRAGMA sent to the driver.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Literal

import keyring
import keyring.backend
import keyring.errors

KEYRING_SERVICE = "fieldapp-profile"
UNLOCK_KEYRING_SERVICE = "fieldapp-unlock"
"""Where fieldapp.app.unlock keeps the unlock passphrase's hash (in the keyring, beside the profile key)."""
SECURE_KEYRINGS = "GNOME Keyring, KWallet, Windows Credential Locker or macOS Keychain"
"""The keyrings a worker may know by name, for messages: never a Python class name."""
_RAW_KEY = re.compile(r"[0-9a-f]{64}")
KeySource = Literal["keyring", "passphrase"]

# SQLCipher 4's own defaults; the passphrase verifier costs what an attacker pays per guess on the file.
_PASSPHRASE_CHECK_ITERATIONS = 256_000

_INSECURE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.file.EncryptedKeyring",  # prompts on a terminal; a GUI app cannot answer it
    "keyrings.alt.Gnome.Keyring",
}


@dataclass(frozen=True, slots=True)
class KeySpec:
    """The secret that unlocks one profile. Never printed: repr and str are redacted."""

    source: KeySource
    secret: str = field(repr=False)  # 64 hex digits (raw key) or the passphrase

    def __repr__(self) -> str:
        return f"KeySpec(source={self.source!r}, secret=<redacted>)"

    __str__ = __repr__

    def pragma(self) -> str:
        """The `PRAGMA key` statement for SQLCipher; raw keys use the x'…' blob form (no KDF)."""
        if self.source == "keyring":
            if not _RAW_KEY.fullmatch(self.secret):
                raise ValueError("a raw profile key is 64 hex digits")
            return f"PRAGMA key = \"x'{self.secret}'\""
        return "PRAGMA key = '" + self.secret.replace("'", "''") + "'"

    def check_value(self, salt: str) -> str:
        """A verifier stored in profile.json to tell a wrong key from a damaged file.

        For a raw key it is an HMAC (a 256-bit key cannot be guessed from it); for a passphrase it costs the
        same PBKDF2 work as trying the passphrase on the database itself, so it gives an attacker nothing.
        """
        if self.source == "keyring":
            if not _RAW_KEY.fullmatch(self.secret):
                return "not a raw key"  # whatever the keyring holds, it never reaches the PRAGMA
            return hmac.new(
                bytes.fromhex(self.secret), b"fieldapp key check v1" + salt.encode(), "sha256"
            ).hexdigest()
        return hashlib.pbkdf2_hmac(
            "sha512", self.secret.encode("utf-8"), bytes.fromhex(salt), _PASSPHRASE_CHECK_ITERATIONS
        ).hex()

    def matches(self, salt: str, expected: str) -> bool:
        return hmac.compare_digest(self.check_value(salt), expected)


def new_raw_key() -> KeySpec:
    return KeySpec("keyring", secrets.token_hex(32))


def new_salt() -> str:
    return secrets.token_hex(16)


def passphrase_key(passphrase: str) -> KeySpec:
    if "\x00" in passphrase:
        raise ValueError("A passphrase cannot contain a NUL character.")
    return KeySpec("passphrase", passphrase)


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_secure_backend(backend: keyring.backend.KeyringBackend) -> bool:
    """True when the backend keeps secrets for this user only (OS keychain, Secret Service, Credential Locker).

    A chainer is secure if one of the backends it chains is. Anything with priority below 1 (fail, null,
    plaintext) or on the known-insecure list is refused rather than used silently.
    """
    chained = getattr(backend, "backends", None)
    if chained is not None and _backend_name(backend) == "keyring.backends.chainer.ChainerBackend":
        return any(is_secure_backend(b) for b in chained)
    if _backend_name(backend) in _INSECURE_BACKENDS:
        return False
    try:
        priority = float(type(backend).priority)
    except Exception:  # a backend that cannot say it is usable is not
        return False
    return priority >= 1


def current_backend() -> keyring.backend.KeyringBackend:
    return keyring.get_keyring()


def store_key(backend: keyring.backend.KeyringBackend, profile_id: str, key: KeySpec) -> None:
    """Store and read back: a keyring that silently drops the secret must fail here, not at next start."""
    backend.set_password(KEYRING_SERVICE, profile_id, key.secret)
    if backend.get_password(KEYRING_SERVICE, profile_id) != key.secret:
        raise keyring.errors.PasswordSetError("the keyring did not keep the profile key")


def load_key(backend: keyring.backend.KeyringBackend, profile_id: str) -> KeySpec | None:
    secret = backend.get_password(KEYRING_SERVICE, profile_id)
    if not secret:
        return None
    return KeySpec("keyring", secret)
