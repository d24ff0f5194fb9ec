"""Contact wizard latency on an encrypted demo profile: build, page change, keystroke at narrative sizes.

    QT_QPA_PLATFORM=offscreen python bench/bench_wizard.py

Figures go in docs/PERFORMANCE.md ("Contact wizard"). Targets: page change <= 50 ms (issue 4); a keystroke
well under 50 ms even at the agency's maximum narrative length. Each number is the median (and max) of
repeated runs in one process, because this machine is shared and noisy.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fieldapp.app.contacts import SqlContactService  # noqa: E402
from fieldapp.app.wizard_flow import Step  # noqa: E402
from fieldapp.domain.records import ContactKind  # noqa: E402
from fieldapp.gui.ops import OpRunner  # noqa: E402
from fieldapp.gui.wizard import ContactWizard  # noqa: E402
from fieldapp.store.profile import open_profile  # noqa: E402
from tests.factories import NARRATIVE, NOW, demo_caseload, valid_contact  # noqa: E402
from tests.support.test_keyring import ENV, FileKeyring  # noqa: E402


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> None:
    app = QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="bench-wizard-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # its test keyring holds the key
    os.environ[ENV] = str(tmp / "keyring.json")  # a throwaway keyring: never the OS one
    keyring.set_keyring(FileKeyring())
    profile = open_profile(tmp / "profile", create_with_caseload=demo_caseload(), clock=lambda: NOW)
    service = SqlContactService(profile, clock=lambda: NOW)
    runner = OpRunner()
    template = valid_contact(ContactKind.CHILD_CASE)
    started = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    stored = service.interim_save(template.model_copy(update={"id": started.contact.id}))

    builds = []
    for _ in range(5):
        t0 = time.perf_counter()
        wizard = ContactWizard(
            service, stored, caseload=service.caseload(), runner=runner, clock=lambda: NOW, autosave_ms=10**8
        )
        wizard.resize(1366, 768)
        wizard.show()
        app.processEvents()
        builds.append(ms(t0))
        wizard.close()
    print(f"wizard build and show: median {statistics.median(builds):.1f} ms, max {max(builds):.1f} ms")

    wizard = ContactWizard(
        service, stored, caseload=service.caseload(), runner=runner, clock=lambda: NOW, autosave_ms=10**8
    )
    wizard.resize(1366, 768)
    wizard.show()
    app.processEvents()
    changes = []
    for _ in range(5):
        while wizard.currentId() != Step.REVIEW:
            t0 = time.perf_counter()
            wizard.next()
            app.processEvents()
            changes.append(ms(t0))
        while wizard.currentId() != Step.BASICS:
            t0 = time.perf_counter()
            wizard.back()
            app.processEvents()
            changes.append(ms(t0))
    print(
        f"page change (n={len(changes)}): median {statistics.median(changes):.1f} ms, max {max(changes):.1f} ms"
    )

    editor = wizard.pages[Step.NARRATIVE].editor
    line = NARRATIVE + " The mother seemed drunk.\n"
    for size in (300, 5_000, 32_000):
        wizard.edit(narrative=(line * (size // len(line) + 1))[:size])
        app.processEvents()
        keys = []
        for _ in range(40):
            t0 = time.perf_counter()
            editor.insertPlainText("x")
            app.processEvents()
            keys.append(ms(t0))
        print(f"keystroke at {size:,} chars: median {statistics.median(keys):.1f} ms, max {max(keys):.1f} ms")
    runner.shutdown()
    profile.close()


if __name__ == "__main__":
    main()
