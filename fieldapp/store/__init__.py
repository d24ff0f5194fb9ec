"""The encrypted local store: one SQLCipher 4 profile per worker, keyed from the OS keyring or a passphrase.

Entry point: `open_profile(directory, ...) -> Profile`; the sync client uses `profile.sync_store()`.
"""

from fieldapp.store.profile import Profile, open_profile

__all__ = ["Profile", "open_profile"]
