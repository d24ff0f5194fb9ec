"""Benchmark: a release copy of a case file with 500 contacts (target: at most 2 s).

    python bench/bench_release.py [--contacts 500] [--runs 5] [--keep release.pdf]

Builds a server database (SQLite, temp dir) with the demo organisation and N final contacts in case C-2001,
a tenth of them County Counsel contacts (withheld), every fifth amended, the month approved; then times
`release_case` end to end as `fieldapp-server release` runs it: reading the case, filtering, laying out and
writing the PDF, recording the release in the audit chain. It also splits one run into its parts (read +
sheet model, PDF layout) so that a regression shows where it is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fieldapp.domain.codetables import load_codetables, resources_dir
from fieldapp.domain.contact_sheet import Audience, Period, build_sheet
from fieldapp.domain.records import Caseload, ContactKind
from fieldapp.server import migrate, supervision
from fieldapp.server.auth import Caller
from fieldapp.server.caseload import get_staff, load_caseload
from fieldapp.server.contact_sheets import Releaser, _matter, _sources, _staff, release_case
from fieldapp.server.db import Database
from fieldapp.server.push import Pusher
from fieldapp.server.sheet_pdf import render_pdf
from fieldapp.sync.protocol import AmendmentRequest, ApprovalRequest, PushRequest
from tests.factories import NARRATIVE, NOW, valid_contact

# A realistic narrative: the factory's, three times over (~1,200 characters).
LONG_NARRATIVE = "\n".join([NARRATIVE] * 3)
CLERK = Releaser("admin:bench", "Administrator (bench)")


def _caller(db: Database, staff_id: str) -> Caller:
    worker = get_staff(db, staff_id)
    assert worker is not None
    return Caller(device_id=f"bench-{staff_id}", worker=worker)  # type: ignore[arg-type]


def build(db: Database, count: int) -> None:
    tables = load_codetables()
    migrate.upgrade(db)
    load_caseload(db, Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text()))
    contacts = []
    for i in range(count):
        start = NOW.replace(day=1, hour=8) + timedelta(days=i % 22, minutes=(i // 22) * 20)
        when = dict(
            started_at=start,
            ended_at=start + timedelta(minutes=15),
            first_saved_at=start + timedelta(minutes=16),
            finalized_at=start + timedelta(minutes=17),
        )
        if i % 10 == 0:
            contact = valid_contact(
                ContactKind.COLLATERAL,
                participant_ids=("p-counsel2",),
                narrative=f"{tables.agency.privilege_line}\nPrivileged discussion number {i}.",
                **when,
            )
        else:
            kind = (ContactKind.CHILD_CASE, ContactKind.PARENT_CASE, ContactKind.SCP_CASE)[i % 3]
            contact = valid_contact(kind, narrative=LONG_NARRATIVE, **when)
        contacts.append(contact)
    ana = _caller(db, "w-ana")
    for i in range(0, count, 100):
        Pusher(db, tables, ana).push(PushRequest(contacts=tuple(contacts[i : i + 100])))
    lee = _caller(db, "s-lee")
    for contact in contacts[1::5]:
        supervision.amend(
            db,
            lee,
            contact.id,
            AmendmentRequest(new_information="The visit lasted 20 minutes.", reason="Wrong end time"),
            tables.agency.time_zone,
        )
    supervision.approve(db, lee, "w-ana", ApprovalRequest(month="2026-11"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="also write the last release PDF here")
    args = parser.parse_args()
    tables = load_codetables()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(str(Path(tmp) / "server.db"))
        t0 = time.perf_counter()
        build(db, args.contacts)
        print(f"set-up: {args.contacts} contacts stored in {time.perf_counter() - t0:.1f} s")
        release_case(db, CLERK, "C-2001", tables)  # warm: fonts registered, modules imported
        times = []
        release = None
        for _ in range(args.runs):
            t = time.perf_counter()
            release = release_case(db, CLERK, "C-2001", tables)
            times.append(time.perf_counter() - t)
        assert release is not None
        t = time.perf_counter()
        with db.read() as session:
            matter, _ = _matter(session, "C-2001")
            staff = _staff(session)
            sources = _sources(session, "C-2001", month=None)
        sheet = build_sheet(
            matter,
            sources,
            tables,
            staff=staff,
            audience=Audience.RELEASE,
            period=Period(),
            prepared_at=NOW,
            prepared_by="bench",
        )
        t_model = time.perf_counter() - t
        t = time.perf_counter()
        pdf = render_pdf(sheet)
        t_pdf = time.perf_counter() - t
        if args.keep:
            args.keep.write_bytes(release.pdf)
        db.dispose()
    print(
        f"release of {args.contacts} contacts: {release.released} released, {release.withheld} withheld, "
        f"{len(release.pdf) / 1e6:.1f} MB"
    )
    print(
        f"release_case: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"({args.runs} runs); target <= 2000 ms"
    )
    print(
        f"  of one run: read + sheet model {t_model * 1000:.0f} ms, PDF layout {t_pdf * 1000:.0f} ms "
        f"({pdf.count(b'/Type /Page') - pdf.count(b'/Type /Pages')} pages)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
