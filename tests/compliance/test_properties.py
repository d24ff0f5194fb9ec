"""Property: a contact with a block finding is never reported as counting, neither by its own verdicts nor
by the monthly measures built from them. Broken variants of the demo's valid contacts are generated."""

from __future__ import annotations

from datetime import UTC, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain.findings import Severity
from fieldapp.domain.records import Contact, ContactKind
from fieldapp.domain.rules import counts_toward, engine
from tests.compliance.helpers import report
from tests.factories import NOW, context_for, valid_contact


def _any_contacts() -> st.SearchStrategy[Contact]:
    """Any contact the schema admits, in any referral/case of the demo, at any moment."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories import demo_caseload, tables

    demo, t = demo_caseload(), tables()
    matters = [*demo.referrals, *demo.cases]
    people = [*sorted({p.id for m in matters for p in m.people}), "p-nobody"]
    zones = st.sampled_from([UTC, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")])
    moment = st.one_of(
        st.none(),
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30), timezones=zones),
        st.datetimes(timezones=zones),
    )

    def codes(table: dict) -> st.SearchStrategy[str]:
        return st.one_of(st.sampled_from(sorted(table)), st.text(min_size=1, max_size=8))

    return st.builds(
        lambda fields: Contact.model_validate(fields),
        st.fixed_dictionaries(
            {
                "id": st.uuids().map(str),
                "kind": st.sampled_from(list(ContactKind)),
                "context_id": st.sampled_from([m.id for m in matters]),
                "staff_person_id": st.one_of(st.none(), st.sampled_from(["w-ana", "w-ben", "s-lee", "x"])),
                "started_at": moment,
                "first_saved_at": moment,
                "finalized_at": moment,
                "purposes": st.lists(codes(t.purposes), max_size=3).map(tuple),
                "method": st.one_of(st.none(), codes(t.methods)),
                "location": st.one_of(st.none(), codes(t.locations)),
                "status": st.one_of(st.none(), codes(t.statuses)),
                "participant_ids": st.lists(st.sampled_from(people), max_size=3).map(tuple),
                "on_behalf_of_child_ids": st.lists(st.sampled_from(people), max_size=3).map(tuple),
                "party_type": st.one_of(st.none(), codes(t.party_types)),
                "services": st.lists(codes(t.services), max_size=3).map(tuple),
                "narrative": st.one_of(st.just(""), st.text(max_size=80)),
            }
        ),
    )


MANDATORY = [
    ContactKind.CHILD_CASE,
    ContactKind.PARENT_CASE,
    ContactKind.SCP_CASE,
    ContactKind.CHILD_REFERRAL,
    ContactKind.PARENT_REFERRAL,
]

BREAKAGES: dict[str, list[object]] = {
    "narrative": ["", "   "],
    "staff_person_id": [None, "w-nobody", "w-ben"],
    "status": [None, "ATTEMPTED", "SCHEDULED"],
    "method": [None, "TELEPHONE", "SOCIAL_MEDIA", "FAX"],
    "location": [None, "SCHOOL", "NOWHERE"],
    "purposes": [(), ("ARRANGE_SERVICES",), ("BOGUS",)],
    "participant_ids": [(), ("p-nobody",), ("p-clin",), ("p-kit",)],
    "on_behalf_of_child_ids": [(), ("p-ghost",), ("p-kit",)],
    "party_type": [None, "STAFF_REPORTER", "STAFF_COLLATERAL"],
    "services": [(), ("FEE_CFT",)],
    "started_at": [None, NOW + timedelta(days=3), NOW - timedelta(days=400)],
}


@st.composite
def broken_contacts(draw: st.DrawFn):
    kind = draw(st.sampled_from(MANDATORY))
    fields = draw(st.lists(st.sampled_from(sorted(BREAKAGES)), min_size=1, max_size=4, unique=True))
    changes = {f: draw(st.sampled_from(BREAKAGES[f])) for f in fields}
    return valid_contact(kind, **changes)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_contacts())
def test_contact_with_block_finding_never_counts(contact) -> None:
    """Property over SEL-STATUS, SEL-METHOD, SEL-PURPOSE, SEL-SERVICES, SEL-PRIMARY and every block rule:
    if the rules engine blocks the contact, no counts-toward verdict says it counts."""
    ctx = context_for(contact)
    found = counts_toward(contact, ctx)
    blocks = [f for f in engine.check(contact, ctx) if f.severity is Severity.BLOCK]
    for v in found:
        assert v.blocking_rule_id is None or v.blocking_rule_id
        if v.counts:
            assert v.blocking_rule_id is None
    if blocks:
        assert all(not v.counts for v in found)
        assert all(v.blocking_rule_id == blocks[0].rule_id for v in found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_contacts())
def test_monthly_measures_never_count_a_blocked_final_contact(contact) -> None:
    """Even if a blocked contact reached the records final (a bug elsewhere), no measure is met by it."""
    final = contact.model_copy(update={"finalized_at": NOW - timedelta(hours=1)})
    ctx = context_for(final, now=final.finalized_at)
    blocked = any(f.severity is Severity.BLOCK for f in engine.check(final, ctx))
    month = report([final])
    for m in month.measures:
        if m.measure_id == "CMP-TIMELY":
            continue
        if blocked:
            assert final.id not in m.contact_ids, m


@st.composite
def november_visits(draw: st.DrawFn):
    """Some child visits in C-2001 on random November days, some of them broken."""
    from datetime import date

    from tests.compliance.helpers import visit

    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        day = date(2026, 11, draw(st.integers(min_value=1, max_value=22)))
        child = draw(st.sampled_from(["p-nova", "p-kit"]))
        field = draw(st.sampled_from([None, "status", "method", "services", "purposes", "narrative"]))
        changes: dict[str, object] = {"participant_ids": (child,)}
        if field is not None:
            changes[field] = {
                "status": "ATTEMPTED",
                "method": "TELEPHONE",
                "services": (),
                "purposes": ("ARRANGE_SERVICES",),
                "narrative": "",
            }[field]
            if field == "method":
                changes["location"] = None
        out.append(visit(ContactKind.CHILD_CASE, day, **changes))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(november_visits())
def test_cmp_child_month_agrees_with_the_verdicts_of_its_contacts(contacts) -> None:
    """CMP-CHILD-MONTH is met exactly when some final contact's verdict counts for that child."""
    month = report(contacts)
    for child in ("p-nova", "p-kit"):
        counting = {
            c.id
            for c in contacts
            for v in counts_toward(c, context_for(c, now=c.finalized_at))
            if v.measure_id == "CMP-CHILD-MONTH" and v.person_id == child and v.counts
        }
        result = month.result("CMP-CHILD-MONTH", child)
        assert (result.status.value == "met") == bool(counting)
        assert set(result.contact_ids) == counting


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_any_contacts(), max_size=6), st.sampled_from([NOW, NOW + timedelta(days=40)]))
def test_compliance_views_never_raise_on_any_contacts_the_schema_admits(contacts, now) -> None:
    """Measures, SUP-ALERTS, SUP-REPORTS, SUP-REVIEW and SUP-CLINICIAN survive any contact documents."""
    from fieldapp.domain.agency_time import Month
    from fieldapp.domain.compliance import (
        approval_coverage,
        clinician_reminders,
        supervisor_alerts,
        to_json,
        unit_report,
        worker_due_list,
    )
    from tests.factories import demo_caseload, tables

    demo = demo_caseload()
    for month in (Month(2026, 11), Month(2026, 12)):
        r = report(contacts, month=month, now=now)
        review = approval_coverage(demo, contacts, [], month, tables=tables(), now=now)
        worker_due_list(r, "w-ana")
        supervisor_alerts([r], [review])
        to_json(unit_report([r], [demo], "Unit 7 (demo)"))
        for m in r.measures:
            assert m.measure_id.startswith("CMP-") and m.detail
    clinician_reminders(demo, contacts, tables=tables(), now=now)
