"""Opening a profile for the app: the service over it, its unlock check, and sync when enrolled.

Called by the GUI through `fieldapp run` (which passes this function in; the GUI itself never imports the
store). Blocking: it runs on the GUI's op runner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fieldapp.app.contacts import demo_caseload, open_service
from fieldapp.app.session import OpenedProfile
from fieldapp.app.unlock import unlock_checker


def open_for_gui(
    directory: Path | None,
    *,
    passphrase: str | None,
    demo: bool,
    clock: Callable[[], datetime],
) -> OpenedProfile:
    provider = None if passphrase is None else (lambda _prompt: passphrase)
    service = open_service(
        directory,
        passphrase_provider=provider,
        create_with_caseload=demo_caseload() if demo else None,
        clock=clock,
    )
    checker = unlock_checker(service.profile)
    return OpenedProfile(
        directory=service.profile.directory,
        service=service,
        unlock=checker,
        needs_unlock_setup=checker.needs_setup(),
        close=service.profile.close,
    )
