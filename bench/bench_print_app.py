"""Benchmark: printing a month's contact sheet from the app (no target; reported beside "Release PDF").

    QT_QPA_PLATFORM=offscreen python bench/bench_print_app.py [--contacts 60] [--runs 3]

An encrypted demo profile in a temp dir (test keyring file, never the real one) with N final contacts of
C-2001 in November 2026; times the two halves of File → Print contact sheet…: assembling the sheet from the
application service (runs on the app's database thread) and writing the PDF with Qt (runs on a thread of
its own, so the window never waits for it).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_TMP = Path(tempfile.mkdtemp(prefix="fieldapp-bench-print-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)  # its test keyring holds the key
os.environ["FIELDAPP_TEST_KEYRING_FILE"] = str(_TMP / "keyring.json")

import keyring  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from tests.support.test_keyring import FileKeyring  # noqa: E402

keyring.set_keyring(FileKeyring())

from fieldapp.app.contact_sheets import month_sheet  # noqa: E402
from fieldapp.app.launch import open_for_gui  # noqa: E402
from fieldapp.domain.agency_time import Month  # noqa: E402
from fieldapp.domain.records import ContactKind  # noqa: E402
from fieldapp.gui.printing import save_pdf  # noqa: E402
from tests.factories import NARRATIVE, NOW, valid_contact  # noqa: E402
from tests.support.clock import Clock  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    clock = Clock()
    opened = open_for_gui(_TMP / "profile", passphrase=None, demo=True, clock=clock)
    service = opened.service
    kinds = (ContactKind.CHILD_CASE, ContactKind.PARENT_CASE, ContactKind.SCP_CASE)
    for i in range(args.contacts):
        start = NOW.replace(day=1, hour=8) + timedelta(days=i % 22, minutes=(i // 22) * 20)
        clock.now = start + timedelta(minutes=16)
        template = valid_contact(
            kinds[i % 3],
            started_at=start,
            ended_at=start + timedelta(minutes=15),
            narrative="\n".join([NARRATIVE] * 3),
        )
        stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
        service.finalize(
            template.model_copy(
                update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
            )
        )
    tables = service.tables
    assemble, write = [], []
    pages = 0
    for _ in range(args.runs):
        t = time.perf_counter()
        sheet = month_sheet(service, tables, "C-2001", Month(2026, 11), now=NOW)
        assemble.append(time.perf_counter() - t)
        t = time.perf_counter()
        pages = save_pdf(sheet, _TMP / "sheet.pdf")
        write.append(time.perf_counter() - t)
    opened.close()
    print(f"{args.contacts} contacts, {pages} pages")
    print(f"assemble the sheet (database thread): median {statistics.median(assemble) * 1000:.0f} ms")
    print(f"write the PDF with Qt (own thread): median {statistics.median(write) * 1000:.0f} ms")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
