"""The contact sheet model every renderer prints: what a release may show (NAR-PRIVILEGE, NAR-RP) and what
the internal copy shows (everything, in date order), checked on the model's words before any PDF."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.domain.agency_time import Month
from fieldapp.domain.contact_sheet import (
    REPORTING_PARTY,
    Audience,
    ContactSheet,
    Period,
    SheetSource,
    build_sheet,
)
from fieldapp.domain.records import Contact, ContactKind, ContactState, OtherParty
from tests.factories import NOW, demo_caseload, tables, valid_contact

PRIVILEGE = "ATTORNEY-CLIENT PRIVILEGE - NOT TO BE RELEASED"
RP = "Jordan Okafor-Example"
REFERRAL = demo_caseload().matter("R-1001")


def _every_word(sheet: ContactSheet) -> str:
    parts = [sheet.title, *sheet.notices, *(v for _, v in sheet.summary_rows)]
    for e in sheet.entries:
        parts += [e.heading, e.state, e.narrative, e.note, *(f"{k} {v}" for k, v in e.fields)]
        parts += [a.line for a in e.approvals]
        parts += [f"{a.heading} {a.reason} {a.new_information}" for a in e.amendments]
    return "\n".join(parts)


def _sheet(contacts: list[Contact], audience: Audience, period: Period | None = None) -> ContactSheet:
    assert REFERRAL is not None
    caseload = demo_caseload()
    return build_sheet(
        REFERRAL,
        [SheetSource(c, ContactState.FINAL) for c in contacts],
        tables(),
        staff=caseload.staff_member,
        audience=audience,
        period=period or Period(),
        prepared_at=NOW,
        prepared_by="test",
    )


# One contact of R-1001 per draw: privileged by one of the filter's signs, or not; with the reporting
# party as participant or named in the text, or not. Each carries a token to look for in the output.
_PRIVILEGE_SIGNS = st.sampled_from(["none", "participant", "present", "purpose", "line"])


@st.composite
def _contact(draw: st.DrawFn, n: int) -> tuple[Contact, bool, str]:
    sign = draw(_PRIVILEGE_SIGNS)
    rp_participant = draw(st.booleans())
    token = f"TOKEN{n:03d}"
    changes: dict[str, object] = dict(
        context_id="R-1001",
        participant_ids=("p-maya",),
        on_behalf_of_child_ids=("p-maya",),
        started_at=NOW.replace(hour=8) + timedelta(minutes=n),
        narrative=f"Visit {token}. Spoke about school with {RP} present."
        if draw(st.booleans())
        else f"Visit {token}.",
    )
    if sign == "participant":
        changes["participant_ids"] = ("p-counsel",)
    elif sign == "present":
        changes["others_present"] = (OtherParty(name=f"Pemberton {token}", role="County Counsel"),)
    elif sign == "purpose":
        changes["purposes"] = ("LEGAL_CONSULTATION",)
    elif sign == "line":
        changes["narrative"] = f"{PRIVILEGE}\nAdvice {token}."
    if rp_participant and sign != "participant":
        changes["participant_ids"] = ("p-rp",)
    return valid_contact(ContactKind.COLLATERAL, **changes), sign != "none", token


@st.composite
def _contacts(draw: st.DrawFn) -> list[tuple[Contact, bool, str]]:
    count = draw(st.integers(min_value=0, max_value=8))
    return [draw(_contact(n)) for n in range(count)]


@settings(max_examples=60, deadline=None)
@given(_contacts())
def test_nar_privilege_release_never_shows_a_withheld_entry_and_counts_them(
    drawn: list[tuple[Contact, bool, str]],
) -> None:
    """NAR-PRIVILEGE: whatever the mix, no token of a privileged contact reaches a release, the count of
    withheld entries is exact, and the reporting party is never named (NAR-RP)."""
    contacts = [c for c, _, _ in drawn]
    sheet = _sheet(contacts, Audience.RELEASE)
    words = _every_word(sheet)
    privileged = [(c, token) for c, p, token in drawn if p]
    assert sheet.withheld_count == len(privileged)
    assert f"{len(privileged)} entr" in sheet.notices[0] and "NAR-PRIVILEGE" in sheet.notices[0]
    for contact, token in privileged:
        assert token not in words and contact.id not in words
    assert "Pemberton" not in words and "Okafor" not in words and "Jordan" not in words
    for contact, held, token in drawn:
        if not held:
            assert contact.id in words and token in words
    internal = _every_word(_sheet(contacts, Audience.INTERNAL))
    assert all(c.id in internal for c in contacts)  # the agency's own copy withholds nothing


def test_release_shows_the_reporting_party_only_as_confidential() -> None:
    """NAR-RP: as participant, in others present and in the narrative."""
    contact = valid_contact(
        ContactKind.COLLATERAL,
        context_id="R-1001",
        participant_ids=("p-rp",),
        on_behalf_of_child_ids=("p-maya",),
        others_present=(OtherParty(name=RP, role="school counselor"),),
        narrative=f"{RP} called from j.okafor@school.example about the absences.",
    )
    [entry] = _sheet([contact], Audience.RELEASE).entries
    fields = dict(entry.fields)
    assert fields["Participants"] == REPORTING_PARTY
    assert RP not in fields["Others present"]
    assert entry.narrative == (
        "[reporting party (confidential)] called from [reporting party (confidential)] about the absences."
    )
    [internal] = _sheet([contact], Audience.INTERNAL).entries
    assert dict(internal.fields)["Participants"] == f"{RP} (reporting party)"


def test_sheet_lists_final_contacts_of_the_period_in_date_order_in_plain_words() -> None:
    late = valid_contact(
        ContactKind.CHILD_REFERRAL, started_at=NOW.replace(hour=14), ended_at=NOW.replace(hour=15)
    )
    early = valid_contact(
        ContactKind.PARENT_REFERRAL, started_at=NOW.replace(hour=8), ended_at=NOW.replace(hour=9)
    )
    october = valid_contact(ContactKind.CHILD_REFERRAL, started_at=NOW.replace(month=10, day=30))
    sheet = _sheet([late, october, early], Audience.INTERNAL, Period.month(Month(2026, 11)))
    assert [e.contact_id for e in sheet.entries] == [early.id, late.id]
    assert (
        sheet.entries[0].heading == "November 23, 2026, 08:00–09:00 PST — Parent/guardian contact (referral)"
    )
    fields = dict(sheet.entries[1].fields)
    assert fields["Method"] == "In-Person" and fields["Participants"] == "Maya Brightwater (child)"
    assert "Initiated by" not in fields  # only said when recorded
    called = valid_contact(
        ContactKind.COLLATERAL, context_id="R-1001", initiated_by="client", method="TELEPHONE"
    )
    [entry] = _sheet([called], Audience.INTERNAL).entries
    assert dict(entry.fields)["Initiated by"] == "the client (called, wrote or came in)"
    assert (
        sheet.footer(2, 3)
        == "Confidential – internal · Referral R-1001 · Page 2 of 3 · Printed November 23, 2026"
    )
    assert dict(sheet.summary_rows)["Period"] == "November 2026"


def test_drafts_never_appear_on_a_sheet() -> None:
    assert REFERRAL is not None
    draft = valid_contact(ContactKind.CHILD_REFERRAL)
    sheet = build_sheet(
        REFERRAL,
        [SheetSource(draft, ContactState.DRAFT)],
        tables(),
        staff=demo_caseload().staff_member,
        audience=Audience.INTERNAL,
        period=Period(),
        prepared_at=NOW,
        prepared_by="test",
    )
    assert sheet.entries == ()


def test_period_labels_read_as_words() -> None:
    assert Period().label == "All contacts on file"
    assert Period(date(2026, 11, 1), date(2026, 11, 30)).label == "November 2026"
    assert Period(date(2026, 11, 3), date(2026, 12, 2)).label == "November 3, 2026 to December 2, 2026"
    assert Period(date(2026, 11, 3), None).label == "All contacts from November 3, 2026"
    assert Period(None, date(2026, 11, 3)).label == "All contacts up to November 3, 2026"
