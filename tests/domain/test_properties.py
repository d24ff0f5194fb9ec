"""Property tests: the engine never raises on a contact the schema admits, and only speaks catalog language.

Contacts are generated from the code tables' codes, the demo caseload's ids, random strings, empty and
None fields, and aware datetimes in zones from -12:00 to +14:00 (including the edges of the calendar).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain.findings import Severity
from fieldapp.domain.records import (
    Case,
    CasePlan,
    ClosureException,
    ClosureExceptionKind,
    Contact,
    ContactKind,
    FaxDetails,
    Initiator,
    LawEnforcementAssessment,
    Matter,
    OtherParty,
    PrimaryWorkerException,
    ReturnedMail,
)
from fieldapp.domain.rules import RuleContext, check_contact, counts_toward
from fieldapp.domain.rules.engine import RULE_IDS
from tests.factories import NARRATIVE, NOW, demo_caseload, tables

# RULES.md sections 2-4: every ID a one-contact finding may carry.
CATALOG = frozenset(
    [
        "SEL-STAFF",
        "SEL-PRIMARY",
        "SEL-DATE",
        "SEL-PURPOSE",
        "SEL-METHOD",
        "SEL-LOCATION",
        "SEL-STATUS",
        "SEL-PARTICIPANT",
        "SEL-ONBEHALF",
        "SEL-PARTYTYPE",
        "SEL-SERVICES",
        "SEL-OTHERS",
        "SEL-MEDIUM",
        "NAR-REQUIRED",
        "NAR-LENGTH",
        "NAR-SAMEDAY",
        "NAR-IMMUTABLE",
        "NAR-AMEND",
        "NAR-PRIVILEGE",
        "NAR-RP",
        "NAR-CONSULT",
        "NAR-STYLE",
        "NAR-LE",
        "NAR-SOP",
        "CLS-CLOSED",
        "CLS-CASEPLAN",
        "CLS-SCHEDULE",
    ]
)

T = tables()
CASELOAD = demo_caseload()
MATTERS = [*CASELOAD.referrals, *CASELOAD.cases]
PERSON_IDS = sorted({p.id for m in MATTERS for p in m.people})
STAFF_IDS = [CASELOAD.worker.id, *(w.id for w in CASELOAD.staff)]
ZONES = [
    UTC,
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("Pacific/Kiritimati"),
    ZoneInfo("Asia/Kathmandu"),
    ZoneInfo("America/St_Johns"),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
]


def _codes(*tables_: Any) -> list[str]:
    return sorted({code for table in tables_ for code in table})


SOP_CODES = sorted(
    {e.code for e in (*T.sop_hotline, *T.sop_all)} | {e.code for v in T.sop_extras.values() for e in v}
)
short = st.text(max_size=40)
some_text = st.text(min_size=1, max_size=64)
record_id = st.one_of(st.sampled_from(PERSON_IDS + STAFF_IDS), some_text)


def code(*tables_: Any) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_codes(*tables_)), some_text)


near = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.sampled_from(ZONES)
)
aware = st.one_of(near, near, st.datetimes(timezones=st.sampled_from(ZONES)))
maybe_aware = st.one_of(st.none(), aware)

phrases = [
    NARRATIVE,
    T.agency.privilege_line,
    T.agency.consultation_sentence,
    T.agency.urgent_consultation_sentence,
    "Jordan Okafor-Example 555-0199 j.okafor@school.example 400 Example School Rd",
    "The baby looked healthy and seemed drunk; dirty house.",
    "The coach was present. An interpreter joined us.",
]
narrative = st.one_of(
    st.just(""),
    st.text(max_size=200),
    st.lists(st.sampled_from(phrases), max_size=4).map("\n".join),
    st.builds(lambda a, b: a + b, st.sampled_from(phrases), st.text(max_size=50)),
)

contacts = st.fixed_dictionaries(
    {
        "id": some_text,
        "kind": st.sampled_from(list(ContactKind)),
        "context_id": st.one_of(st.sampled_from([m.id for m in MATTERS]), some_text),
    },
    optional={
        "staff_person_id": st.one_of(st.none(), record_id),
        "started_at": maybe_aware,
        "ended_at": maybe_aware,
        "purposes": st.lists(code(T.purposes), max_size=3).map(tuple),
        "method": st.one_of(st.none(), code(T.methods), st.just("SOCIAL_MEDIA")),
        "location": st.one_of(st.none(), code(T.locations)),
        "status": st.one_of(st.none(), code(T.statuses)),
        "participant_ids": st.lists(record_id, max_size=3).map(tuple),
        "on_behalf_of_child_ids": st.lists(record_id, max_size=3).map(tuple),
        "party_type": st.one_of(st.none(), code(T.party_types)),
        "services": st.lists(code(T.services), max_size=3).map(tuple),
        "others_present": st.lists(st.builds(OtherParty, name=some_text, role=some_text), max_size=3).map(
            tuple
        ),
        "fax": st.one_of(st.none(), st.builds(FaxDetails, what=short, sent_at=maybe_aware, to=short)),
        "returned_mail": st.one_of(
            st.none(), st.builds(ReturnedMail, reason=short, forwarding_address=short)
        ),
        "sop_components": st.lists(st.one_of(st.sampled_from(SOP_CODES), some_text), max_size=3).map(tuple),
        "narrative": narrative,
        "primary_exception": st.one_of(
            st.none(),
            st.builds(
                PrimaryWorkerException,
                approver_id=st.one_of(st.none(), st.sampled_from(STAFF_IDS), record_id),
                approver_name=short,
                approved_on=st.one_of(st.none(), st.dates()),
            ),
        ),
        "closure_exception": st.one_of(
            st.none(),
            st.builds(ClosureException, kind=st.sampled_from(list(ClosureExceptionKind)), note=short),
        ),
        "initiated_by": st.one_of(st.none(), st.sampled_from(list(Initiator))),
        "law_enforcement": st.one_of(
            st.none(), st.builds(LawEnforcementAssessment, assessment=short, supporting_facts=short)
        ),
        "previous_contact_id": st.one_of(st.none(), some_text),
        "first_saved_at": maybe_aware,
        "finalized_at": maybe_aware,
    },
).map(Contact.model_validate)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact=contacts, matter_index=st.integers(0, len(MATTERS) - 1), now=aware)
def test_engine_never_raises_and_speaks_only_catalog_language(
    contact: Contact, matter_index: int, now: datetime
) -> None:
    """Every finding carries a catalog rule ID, a real Contact field, a severity and a message."""
    matter = CASELOAD.matter(contact.context_id) or MATTERS[matter_index]
    ctx = RuleContext(caseload=CASELOAD, matter=matter, tables=T, now=now)
    found = check_contact(contact, ctx)
    for f in found:
        assert f.rule_id in CATALOG and f.rule_id in RULE_IDS
        assert f.field in Contact.model_fields
        assert f.severity in (Severity.BLOCK, Severity.WARN)
        assert f.message.strip()
    verdicts = counts_toward(contact, ctx)
    if any(f.severity is Severity.BLOCK for f in found):
        assert not any(v.counts for v in verdicts), "a contact with a block finding never counts"


@settings(max_examples=150, deadline=None)
@given(contact=contacts)
def test_engine_is_pure_same_contact_same_findings(contact: Contact) -> None:
    """Rules never read the clock: the same contact and context always give the same findings."""
    matter = CASELOAD.matter(contact.context_id) or MATTERS[0]
    ctx = RuleContext(caseload=CASELOAD, matter=matter, tables=T, now=NOW)
    again = RuleContext(caseload=CASELOAD, matter=matter, tables=T, now=NOW)  # new objects: no memo
    assert check_contact(contact, ctx) == check_contact(contact.model_copy(), again)


def test_engine_catalog_is_sections_2_to_4_without_the_store_and_compliance_rules() -> None:
    """The engine reports every one-contact rule; NAR-IMMUTABLE/NAR-AMEND (store) and CLS-SCHEDULE (count) are elsewhere."""
    assert CATALOG - {"NAR-IMMUTABLE", "NAR-AMEND", "CLS-SCHEDULE"} == RULE_IDS


any_date = st.one_of(st.dates(), st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
plans = st.lists(
    st.builds(
        CasePlan,
        id=some_text,
        approved_on=st.one_of(st.none(), any_date),
        covers_from=any_date,
        covers_to=any_date,
    ),
    max_size=3,
).map(tuple)


@st.composite
def matters(draw: st.DrawFn) -> Matter:
    """A demo referral or case with its dates (start, closure, termination, case plans) drawn anew."""
    matter = draw(st.sampled_from(MATTERS))
    update: dict[str, object] = {
        "start_date": draw(any_date),
        "closed_on": draw(st.one_of(st.none(), any_date)),
        "nytd_cohort": draw(st.booleans()),
    }
    if isinstance(matter, Case):
        update["jurisdiction_terminated_on"] = draw(st.one_of(st.none(), any_date))
        update["jurisdiction_terminated_at"] = draw(maybe_aware)
        update["people"] = tuple(
            p.model_copy(update={"nytd_cohort": draw(st.booleans())}) for p in matter.people
        )
        update["case_plans"] = draw(plans)
    return matter.model_copy(update=update)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact=contacts, matter=matters(), now=aware)
def test_engine_never_raises_whatever_the_referral_or_case_dates(
    contact: Contact, matter: Matter, now: datetime
) -> None:
    """Closure, termination and case plan dates anywhere in the calendar: findings, never an exception."""
    ctx = RuleContext(caseload=CASELOAD, matter=matter, tables=T, now=now)
    for f in check_contact(contact, ctx):
        assert f.rule_id in RULE_IDS and f.field in Contact.model_fields
    counts_toward(contact, ctx)
