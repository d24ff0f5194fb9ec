"""The encrypted local store: one SQLCipher 4 profile per worker, keyed from the OS keyring or a passphrase.

Entry point: `open_profile(directory, ...) -> Profile`; the sync client uses `profile.sync_store()`.
The two names load fieldapp.store.profile (SQLAlchemy) on first use, not on importing the package, so the
first paint's raw read (fieldapp.store.quick_read) does not pay for SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldapp.store.profile import Profile, open_profile

__all__ = ["Profile", "open_profile"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from fieldapp.store import profile

        return getattr(profile, name)
    raise AttributeError(f"module 'fieldapp.store' has no attribute {name!r}")
