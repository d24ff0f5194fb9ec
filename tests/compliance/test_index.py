"""The compliance index judges each final contact at most once, only when a measure asks about it, and with
only the rules that can block. These tests hold that shortcut to the straightforward reading: every final
contact judged up front by the public rules API (`check_contact`, then `counts_toward`), which is what the
measures mean by "counts" and "seen" (RULES.md section 5)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance import (
    ContactIndex,
    build_report,
    evaluate_month,
    supervisor_alerts,
    to_json,
    worker_due_list,
)
from fieldapp.domain.findings import Severity
from fieldapp.domain.records import Caseload, Contact, ContactKind
from fieldapp.domain.rules import RuleContext, check_contact, counts_toward, engine
from tests.compliance.helpers import visit
from tests.compliance.test_properties import _any_contacts
from tests.factories import TZ, context_for, demo_caseload, tables, valid_contact


class ReferenceIndex(ContactIndex):
    """Every final contact judged up front with the whole rules engine and every verdict, as before."""

    def __init__(self, caseload: Caseload, contacts: list[Contact], now: datetime):
        super().__init__(caseload, contacts, tables(), now)
        for day, contact in self.final:
            self._unjudged.discard(contact.id)
            matter = self.matters[contact.context_id]
            assert contact.finalized_at is not None
            ctx = RuleContext(caseload, matter, self.tables, contact.finalized_at)
            findings = check_contact(contact, ctx)
            blocked = any(f.severity is Severity.BLOCK for f in findings)
            self.file(day, contact, counts_toward(contact, ctx), clean=not blocked)


@st.composite
def caseload_months(draw: st.DrawFn) -> tuple[list[Contact], Month, datetime]:
    """Valid contacts of every kind over fourteen months, moved to any referral or case of the demo, with
    people, method, status, location, staff and final-save moments varied (many then do not count)."""
    demo = demo_caseload()
    matters = [*demo.referrals, *demo.cases]
    t = tables()
    month = Month(2026, draw(st.integers(min_value=1, max_value=12)))
    now = datetime(2026, 1, 20, 16, tzinfo=TZ) + timedelta(days=draw(st.integers(min_value=0, max_value=345)))
    edges = [month.first, month.last, month.plus(-11).first, month.plus(-5).first, month.plus(-1).last]
    days = st.one_of(
        st.integers(min_value=0, max_value=420).map(lambda n: date(2025, 11, 1) + timedelta(days=n)),
        st.sampled_from(edges),  # where the windows of the month's measures begin and end
        st.integers(min_value=0, max_value=month.last.day - 1).map(lambda n: month.first + timedelta(days=n)),
    )
    contacts = []
    for i in range(draw(st.integers(min_value=0, max_value=40))):
        contact = valid_contact(draw(st.sampled_from(list(ContactKind))))
        day = draw(days)
        start = datetime(day.year, day.month, day.day, draw(st.sampled_from([0, 10, 23])), tzinfo=TZ)
        changes: dict[str, object] = dict(
            id=f"c{i:03d}",
            started_at=start,
            ended_at=start + timedelta(hours=1),
            first_saved_at=start + timedelta(hours=1),
            finalized_at=draw(
                st.sampled_from([None, start + timedelta(hours=2), start + timedelta(days=35)])
            ),
        )
        if draw(st.booleans()):
            matter = draw(st.sampled_from(matters))
            people = [p.id for p in matter.people]
            changes["context_id"] = matter.id
            changes["participant_ids"] = tuple(draw(st.lists(st.sampled_from(people), max_size=2)))
            changes["on_behalf_of_child_ids"] = tuple(draw(st.lists(st.sampled_from(people), max_size=2)))
        for name, table in (("method", t.methods), ("status", t.statuses), ("location", t.locations)):
            if draw(st.integers(min_value=0, max_value=4)) == 0:
                changes[name] = draw(st.sampled_from(sorted(table)))
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            changes["staff_person_id"] = draw(st.sampled_from(["w-ben", "s-lee"]))
        contacts.append(contact.model_copy(update=changes))
    return contacts, month, now


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(caseload_months())
def test_month_report_equals_judging_every_contact_up_front(case: tuple[list[Contact], Month, datetime]):
    """Every CMP-* result, the plan coverage (CLS-CASEPLAN), the contact figures (SUP-REPORTS), the due
    list and the alerts (SUP-ALERTS) are the same as with every contact judged in full beforehand."""
    contacts, month, now = case
    demo = demo_caseload()
    fast = evaluate_month(demo, contacts, month, tables=tables(), now=now)
    reference = build_report(ReferenceIndex(demo, contacts, now), month)
    assert to_json(fast) == to_json(reference)
    assert to_json(worker_due_list(fast, "w-ana")) == to_json(worker_due_list(reference, "w-ana"))
    assert to_json(supervisor_alerts([fast])) == to_json(supervisor_alerts([reference]))


EDGE_CONTACTS = [
    (ContactKind.CHILD_CASE, {}),
    (ContactKind.CHILD_CASE, {"participant_ids": ("p-kit", "p-nova")}),
    (ContactKind.CHILD_CASE, {"location": "SCHOOL"}),
    (ContactKind.PARENT_CASE, {}),
    (ContactKind.SCP_CASE, {}),
    (ContactKind.SCP_CASE, {"method": "TELEPHONE", "location": None}),
    (ContactKind.CHILD_REFERRAL, {}),
    (ContactKind.PARENT_REFERRAL, {"participant_ids": ("p-dana", "p-maya")}),
]


@pytest.mark.parametrize("month", [Month(2026, 10), Month(2026, 11)], ids=str)
def test_window_edges_give_the_same_report_as_judging_every_contact(month: Month) -> None:
    """One contact at a time, on each day where a window of the month's measures begins or ends (and the
    days beside them): the month's first and last day, the first day of the 12-month (CMP-RESIDENCE) and
    6-month (CMP-SCP-6MONTH) look-backs, and a day in the last week of November."""
    demo = demo_caseload()
    now = datetime(2026, 11, 23, 16, tzinfo=TZ)
    edges = {month.first, month.last, month.plus(-11).first, month.plus(-5).first, date(2026, 11, 20)}
    days = sorted({d + timedelta(days=k) for d in edges for k in (-1, 0, 1)})
    for kind, changes in EDGE_CONTACTS:
        for day in days:
            if day >= now.date():
                continue
            contacts = [visit(kind, day, **changes)]
            fast = evaluate_month(demo, contacts, month, tables=tables(), now=now)
            reference = build_report(ReferenceIndex(demo, contacts, now), month)
            assert to_json(fast) == to_json(reference), (kind, changes, day)


def test_one_index_serves_several_months_as_separate_indexes_do() -> None:
    """A contact judged for one month's report is not judged again for the next, and changes nothing."""
    demo = demo_caseload()
    now = datetime(2026, 11, 23, 16, tzinfo=TZ)
    contacts = [
        valid_contact(
            kind,
            started_at=start,
            ended_at=start + timedelta(hours=1),
            first_saved_at=start + timedelta(hours=1),
            finalized_at=start + timedelta(hours=2),
        )
        for kind in (ContactKind.CHILD_CASE, ContactKind.PARENT_CASE, ContactKind.SCP_CASE)
        for start in (datetime(2026, m, 10, 10, tzinfo=TZ) for m in range(3, 12))
    ]
    shared = ContactIndex(demo, contacts, tables(), now)
    for m in (11, 10, 9, 4):
        month = Month(2026, m)
        alone = evaluate_month(demo, contacts, month, tables=tables(), now=now)
        assert to_json(build_report(shared, month)) == to_json(alone)


def _calls(rule: object) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(rule)))  # type: ignore[arg-type]
    names = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return names


def test_rules_the_index_skips_can_only_warn() -> None:
    """engine.NEVER_BLOCK (skipped by engine.blocking) holds rules that never build a block finding: none
    calls `block(...)` or names Severity.BLOCK. A rule changed to block must leave the list."""
    assert set(engine.RULES) > engine.NEVER_BLOCK
    for rule in engine.NEVER_BLOCK:
        used = _calls(rule)
        assert "block" not in used and "BLOCK" not in used, rule.__name__


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_any_contacts(), st.sampled_from(["2026-11-23T16:00:00-08:00", "2027-03-01T09:00:00-08:00"]))
def test_blocking_gives_the_block_findings_of_check_in_order(contact: Contact, when: str) -> None:
    ctx = context_for(contact, now=datetime.fromisoformat(when))
    expected = [f for f in engine.check(contact, ctx) if f.severity is Severity.BLOCK]
    assert engine.blocking(contact, ctx) == expected
