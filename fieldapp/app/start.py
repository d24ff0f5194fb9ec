"""The profile behind the unlock screen: opened while the worker types, handed over only after the passphrase.

Every start shows the unlock screen first (fieldapp.gui.application). What it asks for depends on the
profile, which this class finds out by opening it:
- key in the secure keyring, unlock passphrase chosen: the profile opens and the caseload is read into
  memory at once, while the worker types the unlock passphrase; the right one hands both over;
- no secure keyring: the profile passphrase is asked (it is also the unlock passphrase) and opens it;
- first run: a new keyring profile needs an unlock passphrase chosen; a new passphrase profile needs its
  passphrase chosen (asked twice, so not from the unlock screen's single field).

Blocking and Qt-free: every method runs on the GUI's op runner, in the order they are called, so an
attempt typed before `prepare` has finished simply waits for it. Store-free too (the opener is passed in by
`fieldapp run`), so the GUI may hold one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum, auto
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.domain.errors import NeedsPassphrase, WrongKey

if TYPE_CHECKING:
    from fieldapp.app.overview import Overview
    from fieldapp.app.session import OpenedProfile, ProfileOpener


class Stage(Enum):
    """What the unlock screen asks for, once `prepare` knows."""

    UNLOCK = auto()
    """The unlock passphrase of a keyring profile (the profile is open, the caseload read)."""
    PROFILE_PASSPHRASE = auto()
    """The passphrase that opens a profile kept without a secure keyring."""
    CHOOSE_UNLOCK = auto()
    """First run with a secure keyring: the profile is open and needs an unlock passphrase chosen."""
    CHOOSE_PROFILE_PASSPHRASE = auto()
    """First run without a secure keyring: the passphrase that will protect the new profile."""


class LockedStart:
    """Opens the profile for the unlock screen; `opened` and `overview` are for the window once `unlock`
    (or `choose_unlock` / `create`) has succeeded, and not before."""

    def __init__(
        self,
        opener: ProfileOpener,
        directory: Path | None,
        *,
        demo: bool,
        clock: Callable[[], datetime],
    ) -> None:
        self._opener = opener
        self._directory = directory
        self._demo = demo
        self._clock = clock
        self._profile: OpenedProfile | None = None
        self._overview: Overview | None = None
        self.stage: Stage | None = None
        self.unlocked = False

    def prepare(self) -> Stage:
        """Open the profile with what needs no passphrase (its key in the keyring) and read the caseload.
        Raises fieldapp.domain.errors.ProfileError subclasses (damaged, newer, missing key, none there).
        Once only: a second call (an attempt came first) answers what the first found."""
        if self.stage is not None:
            return self.stage
        try:
            self._profile = self._open(None)
        except NeedsPassphrase as asked:
            self.stage = Stage.CHOOSE_PROFILE_PASSPHRASE if asked.new_profile else Stage.PROFILE_PASSPHRASE
            return self.stage
        if self._profile.needs_unlock_setup:
            self.stage = Stage.CHOOSE_UNLOCK
            return self.stage
        self._read()
        self.stage = Stage.UNLOCK
        return self.stage

    def unlock(self, passphrase: str) -> bool:
        """One attempt from the unlock screen: True when it is the right passphrase (then `opened` and
        `overview` are there). An attempt in a first-run stage is refused: those choose, with a repeat."""
        if self.stage is None:
            self.prepare()
        if self.stage is Stage.UNLOCK:
            assert self._profile is not None
            self.unlocked = self._profile.unlock.verify(passphrase)
        elif self.stage is Stage.PROFILE_PASSPHRASE:
            try:
                self._profile = self._open(passphrase)
            except WrongKey:
                return False
            self._read()
            self.unlocked = True
        return self.unlocked

    def choose_unlock(self, passphrase: str) -> None:
        """First run with a keyring: keep the chosen unlock passphrase (raises WeakPassphrase, OSError)."""
        assert self.stage is Stage.CHOOSE_UNLOCK and self._profile is not None
        self._profile.unlock.set(passphrase)
        self._read()
        self.unlocked = True

    def create(self, passphrase: str) -> None:
        """First run without a keyring: create the profile protected by the chosen passphrase."""
        assert self.stage is Stage.CHOOSE_PROFILE_PASSPHRASE
        self._profile = self._open(passphrase)
        self._read()
        self.unlocked = True

    @property
    def opened(self) -> OpenedProfile:
        if not self.unlocked or self._profile is None:
            raise PermissionError("the profile is handed over only after the unlock")
        return self._profile

    @property
    def overview(self) -> Overview:
        if not self.unlocked or self._overview is None:
            raise PermissionError("the caseload is handed over only after the unlock")
        return self._overview

    def close(self) -> None:
        """Close the profile if it was opened (blocking: on the op runner)."""
        profile, self._profile, self._overview = self._profile, None, None
        if profile is not None:
            profile.close()

    def _open(self, passphrase: str | None) -> OpenedProfile:
        return self._opener(self._directory, passphrase=passphrase, demo=self._demo, clock=self._clock)

    def _read(self) -> None:
        from fieldapp.app.overview import open_overview

        assert self._profile is not None
        self._overview = open_overview(self._profile.service)
