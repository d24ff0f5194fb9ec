"""Property: a contact with a block finding is never reported as counting, neither by its own verdicts nor
by the monthly measures built from them. Broken variants of the demo's valid contacts are generated."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain.findings import Severity
from fieldapp.domain.records import ContactKind
from fieldapp.domain.rules import counts_toward, engine
from tests.compliance.helpers import report
from tests.factories import NOW, context_for, valid_contact

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
