"""How long a passphrase protecting case data must be: one constant for the dialog, the lock screen and the
store's own API, so no path (a script calling `open_profile`, a future dialog) can set a weaker one."""

from __future__ import annotations

MIN_LENGTH = 8


class WeakPassphrase(ValueError):
    """The passphrase is too short to protect case data."""


def weakness(passphrase: str) -> str | None:
    """The sentence to show when `passphrase` is too weak to set, else None."""
    if len(passphrase) < MIN_LENGTH:
        return f"The passphrase must be at least {MIN_LENGTH} characters long."
    return None


def check_strength(passphrase: str) -> None:
    problem = weakness(passphrase)
    if problem is not None:
        raise WeakPassphrase(problem)
