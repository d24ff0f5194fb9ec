"""Subprocess for the crash-safety test: imports everything once, then forks a child per round that saves
drafts and finalizes contacts as fast as it can until the test SIGKILLs it.

Protocol on stdin/stdout: the test writes `go <profile_dir> <log_file> <seed>`; the worker forks and prints
the child's pid. After killing it the test writes `wait`; the worker reaps the child and prints `dead`. The child appends `I <op> <id> <version>` before each operation and
`D <op> <id> <version>` after it returned (committed), so the test knows what must be in the profile.
"""

from __future__ import annotations

import os
import random
import sys

from fieldapp.app.contacts import SqlContactService
from fieldapp.store.profile import open_profile
from tests.factories import NOW, valid_contact


def narrative(version: int) -> str:
    return f"v{version}: the child showed me her room and said school is going well. " * 3


def child(profile_dir: str, log_file: str, seed: int) -> None:
    rng = random.Random(seed)
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def note(line: str) -> None:
        os.write(fd, (line + "\n").encode())

    profile = open_profile(profile_dir)
    service = SqlContactService(profile, clock=lambda: NOW)
    drafts: dict[str, tuple[object, int]] = {}
    for stored in service.open_drafts():  # carry on with the drafts earlier rounds left open
        drafts[stored.contact.id] = (stored.contact, int(stored.contact.narrative[1:].split(":")[0]))
    while True:
        if not drafts or rng.random() < 0.2:
            contact = valid_contact(narrative=narrative(0))
            note(f"I save {contact.id} 0")
            service.interim_save(contact)
            note(f"D save {contact.id} 0")
            drafts[contact.id] = (contact, 0)
            continue
        cid = rng.choice(list(drafts))
        contact, version = drafts[cid]
        version += 1
        updated = contact.model_copy(update={"narrative": narrative(version)})  # type: ignore[attr-defined]
        if rng.random() < 0.25:
            note(f"I final {cid} {version}")
            service.finalize(updated)
            note(f"D final {cid} {version}")
            del drafts[cid]
        else:
            note(f"I save {cid} {version}")
            service.interim_save(updated)
            note(f"D save {cid} {version}")
            drafts[cid] = (updated, version)


def warm_up() -> None:
    """Run every code path once in the parent so each forked child starts saving at once."""
    import tempfile

    from tests.factories import demo_caseload

    with tempfile.TemporaryDirectory() as scratch:
        profile = open_profile(os.path.join(scratch, "p"), create_with_caseload=demo_caseload())
        service = SqlContactService(profile, clock=lambda: NOW)
        contact = valid_contact(narrative=narrative(0))
        service.interim_save(contact)
        service.finalize(contact.model_copy(update={"narrative": narrative(1)}))
        service.open_drafts()
        profile.verify_audit()
        profile.close()


def main() -> None:
    warm_up()
    pid = 0
    for line in sys.stdin:
        parts = line.split()
        if parts and parts[0] == "go":
            pid = os.fork()
            if pid == 0:
                try:
                    child(parts[1], parts[2], int(parts[3]))
                finally:
                    os._exit(1)
            print(pid, flush=True)
        elif parts and parts[0] == "wait":  # the test killed the child: report once it is really gone
            os.waitpid(pid, 0)
            print("dead", flush=True)
        else:
            break


if __name__ == "__main__":
    main()
