"""Contact sheet PDFs on the server, read back as a reader sees them: the supervisor's review sheet
(SUP-REVIEW: approvals with who and when, amendments beside the originals) and the release copy
(NAR-PRIVILEGE: County Counsel entries withheld and counted, never shown; the reporting party never
named, NAR-RP), each release recorded in the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from fieldapp.server import cli
from fieldapp.server.contact_sheets import (
    Releaser,
    contact_sheet_pdf,
    manager_releaser,
    release_case,
    releases_of,
)
from fieldapp.server.db import verify_audit_chain
from fieldapp.server.models import AuditEntry, ReleaseRow
from fieldapp.server.supervision import Invalid, NotFound, Refused
from tests.server.sheet_fixtures import (
    AMEND_INFO,
    AMEND_REASON,
    COUNSEL_SECRET,
    RP_NAME,
    SheetOrg,
    make_sheet_org,
)
from tests.support.pdf import pdf_pages, pdf_text


@pytest.fixture
def sheet_org(tmp_path: Path) -> Iterator[SheetOrg]:
    org = make_sheet_org(tmp_path)
    yield org
    org.db.dispose()


CLERK = Releaser("admin:clerk", "Administrator (clerk) at the office server")


def test_release_withholds_county_counsel_entries_and_says_how_many_under_which_rule(
    sheet_org: SheetOrg,
) -> None:
    """NAR-PRIVILEGE: the withheld notice on the first page gives the count and the rule; nothing of the
    County Counsel contact (its text, its participant) appears anywhere."""
    release = release_case(sheet_org.db, CLERK, "R-1001", sheet_org.tables)
    assert (release.released, release.withheld) == (2, 1)
    pages = pdf_pages(release.pdf)
    first = " ".join(pages[0].split())
    assert "1 entry was withheld from this copy under rule NAR-PRIVILEGE" in first
    text = pdf_text(release.pdf)
    assert COUNSEL_SECRET not in text
    assert "Pemberton" not in text and "County Counsel (" not in text
    assert sheet_org.counsel.id not in text
    assert "ATTORNEY-CLIENT" not in text
    assert sheet_org.child.id in text and sheet_org.reporter.id in text
    for number, page in enumerate(pages, start=1):
        assert f"Released copy · Referral R-1001 · Page {number} of {len(pages)}" in " ".join(page.split())


def test_release_never_identifies_the_reporting_party(sheet_org: SheetOrg) -> None:
    """NAR-RP, policy 001: as a participant they are 'reporting party (confidential)'; their name and phone
    are blanked where a narrative gives them."""
    text = pdf_text(release_case(sheet_org.db, CLERK, "R-1001", sheet_org.tables).pdf)
    for part in (RP_NAME, "Okafor", "Jordan", "555-0199", "j.okafor@school.example"):
        assert part not in text
    assert "Participants reporting party (confidential)" in text
    assert (
        "The school's call came from [reporting party (confidential)] ([reporting party (confidential)], "
        "[reporting party (confidential)]) on Monday" in text
    )


def test_release_shows_amendments_beside_their_originals(sheet_org: SheetOrg) -> None:
    """NAR-AMEND: the original narrative stands, and the amendment follows it with reason and modifier."""
    text = pdf_text(release_case(sheet_org.db, CLERK, "R-1001", sheet_org.tables).pdf)
    original = text.index("she wants more visits with her mother")
    amendment = text.index("Amendment of")
    next_entry = text.index("2. November 24, 2026")
    assert original < amendment < next_entry
    after = text[amendment:next_entry]
    assert "by Lee Harrowgate, Supervising Social Worker" in after
    assert f"Reason: {AMEND_REASON}" in after and f"New information: {AMEND_INFO}" in after
    assert "The original entry above stands as recorded (NAR-AMEND)" in after


def test_every_release_is_in_the_audit_chain_with_who_and_counts(
    tmp_path: Path, server_database: str
) -> None:
    """On SQLite and PostgreSQL: the release, its counts and its audit entry are stored, and append-only."""
    sheet_org = make_sheet_org(tmp_path, server_database)
    try:
        _release_is_audited(sheet_org)
    finally:
        sheet_org.db.dispose()


def _release_is_audited(sheet_org: SheetOrg) -> None:
    release = release_case(
        sheet_org.db, CLERK, "R-1001", sheet_org.tables, start=date(2026, 11, 21), end=date(2026, 11, 30)
    )
    assert (release.released, release.withheld) == (1, 1)  # the 20th is outside the period
    [record] = releases_of(sheet_org.db, "R-1001")
    assert record.id == release.id and record.released_by == "admin:clerk"
    assert record.released_contact_ids == (sheet_org.reporter.id,) and record.withheld_count == 1
    assert (record.period_from, record.period_to) == (date(2026, 11, 21), date(2026, 11, 30))
    with sheet_org.db.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "release")).scalar_one()
    assert (entry.actor_id, entry.record_kind, entry.record_id) == ("admin:clerk", "release", release.id)
    assert verify_audit_chain(sheet_org.db)[0]
    with pytest.raises(DBAPIError), sheet_org.db.write() as w:
        w.session.execute(update(ReleaseRow).values(withheld_count=0))
    assert releases_of(sheet_org.db, "R-1001")[0].withheld_count == 1


def test_only_managers_release_from_the_console(sheet_org: SheetOrg) -> None:
    with pytest.raises(Refused):
        manager_releaser(sheet_org.caller("s-lee"))
    releaser = manager_releaser(sheet_org.caller("m-kim"))
    assert releaser.actor_id == "m-kim"
    release = release_case(sheet_org.db, releaser, "R-1001", sheet_org.tables)
    assert "by Kim Ostrander" in pdf_text(release.pdf)


def test_a_release_of_an_unknown_case_or_a_backwards_period_is_refused(sheet_org: SheetOrg) -> None:
    with pytest.raises(NotFound, match="C-9999"):
        release_case(sheet_org.db, CLERK, "C-9999", sheet_org.tables)
    with pytest.raises(Invalid) as err:
        release_case(
            sheet_org.db, CLERK, "R-1001", sheet_org.tables, start=date(2026, 12, 1), end=date(2026, 11, 1)
        )
    assert err.value.field == "from"
    assert releases_of(sheet_org.db, "R-1001") == []


def test_review_sheet_shows_each_entry_with_who_approved_it_and_when(sheet_org: SheetOrg) -> None:
    """SUP-REVIEW: the supervisor's internal sheet for the month; nothing withheld, every page marked."""
    pdf = contact_sheet_pdf(sheet_org.db, sheet_org.caller("s-lee"), "R-1001", "2026-11", sheet_org.tables)
    text = pdf_text(pdf)
    assert text.count("Approved by Lee Harrowgate, Supervising Social Worker on December") == 3
    assert "Note: Reviewed with Ana" in text
    assert COUNSEL_SECRET in text and RP_NAME in text  # the internal copy withholds nothing
    assert "withheld" not in text
    pages = pdf_pages(pdf)
    for number, page in enumerate(pages, start=1):
        assert (
            f"Confidential – internal · Referral R-1001 · Page {number} of {len(pages)} · Printed"
            in " ".join(page.split())
        )
    # Date order: the 20th, the 23rd, the 24th.
    assert (
        text.index("1. November 20, 2026") < text.index("2. November 23, 2026") < text.index("3. November 24")
    )


def test_review_sheet_only_for_the_workers_supervisor_and_managers(sheet_org: SheetOrg) -> None:
    for who in ("w-ana", "s-other"):
        with pytest.raises(Refused):
            contact_sheet_pdf(sheet_org.db, sheet_org.caller(who), "R-1001", "2026-11", sheet_org.tables)
    assert contact_sheet_pdf(sheet_org.db, sheet_org.caller("m-kim"), "R-1001", "2026-11", sheet_org.tables)
    with pytest.raises(Invalid) as err:
        contact_sheet_pdf(sheet_org.db, sheet_org.caller("s-lee"), "R-1001", "November", sheet_org.tables)
    assert err.value.field == "month"
    empty = pdf_text(
        contact_sheet_pdf(sheet_org.db, sheet_org.caller("s-lee"), "R-1001", "2026-10", sheet_org.tables)
    )
    assert "No contacts on file for October 2026." in empty


def test_release_command_writes_the_pdf_and_reports_counts(
    sheet_org: SheetOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "release.pdf"
    database = sheet_org.db.url
    code = cli.main(
        [
            "release",
            "--database",
            database,
            "--case",
            "R-1001",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    said = capsys.readouterr().out
    assert "R-1001: 2 entries released, 1 withheld (NAR-PRIVILEGE)" in said
    assert "1 entry was withheld" in pdf_text(out)
    [record] = releases_of(sheet_org.db, "R-1001")
    assert record.released_by.startswith("admin:")

    missing = tmp_path / "none.pdf"
    assert cli.main(["release", "--database", database, "--case", "C-9999", "--out", str(missing)]) == 2
    assert "no referral or case 'C-9999'" in capsys.readouterr().err and not missing.exists()
    with pytest.raises(SystemExit):
        cli.main(
            ["release", "--database", database, "--case", "R-1001", "--from", "2026-13-01", "--out", str(out)]
        )
    assert "--from: '2026-13-01' is not a date" in capsys.readouterr().err
