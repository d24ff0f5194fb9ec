"""Sample printed pages into docs/screenshots/print/ (PDF pages as PNG through poppler's pdftoppm).

    QT_QPA_PLATFORM=offscreen .venv/bin/python dev/print_samples.py

Uses a throw-away server database in a temp dir with the demo referral R-1001 (a County Counsel contact,
the reporting party as participant and named in a narrative, an amendment, the month approved) — the same
data as tests/server/test_contact_sheets.py — and renders:
- the release copy (fieldapp-server release), as the requester receives it;
- the supervisor's review sheet (server, ReportLab);
- the agency's internal sheet as the app prints it (Qt, QPdfWriter), and the app's print preview of it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "docs" / "screenshots" / "print"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fieldapp.domain.agency_time import Month  # noqa: E402
from fieldapp.domain.contact_sheet import Audience, Period, build_sheet  # noqa: E402
from fieldapp.gui import printing  # noqa: E402
from fieldapp.gui.printing import save_pdf  # noqa: E402
from fieldapp.server.contact_sheets import (  # noqa: E402
    Releaser,
    _matter,
    _sources,
    _staff,
    contact_sheet_pdf,
    release_case,
)
from tests.server.sheet_fixtures import make_sheet_org  # noqa: E402


def pages_to_png(pdf: Path, stem: str, last: int) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", str(last), str(pdf), str(OUT / stem)], check=True
    )


def preview_shot(sheet: object, path: Path) -> None:
    """The print preview the worker sees (File → Print contact sheet… → Preview and print…)."""
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    printer = printing._printer()  # kept alive: the dialog does not own it
    preview = QPrintPreviewDialog(printer)
    preview.setWindowTitle("Print — Contact sheet, Referral R-1001")
    preview.paintRequested.connect(lambda device: printing.paint_sheet(sheet, device))  # type: ignore[arg-type]
    preview.resize(1100, 740)
    preview.open()
    loop = QEventLoop()
    QTimer.singleShot(1000, loop.quit)
    loop.exec()
    preview.grab().save(str(path))
    preview.close()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setStyle("Fusion")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        org = make_sheet_org(Path(tmp))
        clerk = Releaser("admin:records", "Administrator (records) at the office server")
        release = Path(tmp) / "release.pdf"
        release.write_bytes(release_case(org.db, clerk, "R-1001", org.tables).pdf)
        pages_to_png(release, "1_release", 2)
        review = Path(tmp) / "review.pdf"
        review.write_bytes(contact_sheet_pdf(org.db, org.caller("s-lee"), "R-1001", "2026-11", org.tables))
        pages_to_png(review, "2_review_sheet", 2)
        with org.db.read() as session:
            matter, _ = _matter(session, "R-1001")
            staff = _staff(session)
            sources = _sources(session, "R-1001", month="2026-11")
        sheet = build_sheet(
            matter,
            sources,
            org.tables,
            staff=staff,
            audience=Audience.INTERNAL,
            period=Period.month(Month(2026, 11)),
            prepared_at=datetime.now(org.tables.agency.time_zone),
            prepared_by="Ana Brightfield, Social Worker III",
        )
        internal = Path(tmp) / "internal.pdf"
        save_pdf(sheet, internal)
        pages_to_png(internal, "3_app_internal_sheet", 2)
        preview_shot(sheet, OUT / "4_app_print_preview.png")
        org.db.dispose()
    del app
    print("\n".join(sorted(p.name for p in OUT.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
