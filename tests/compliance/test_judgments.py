"""A JudgmentMemo keeps a caseload's judged contacts between evaluations (the console's pages), and its only
invalidation is checking the caseload, the code tables and the contact object on every use: these tests
prove that a report built through a memo is always the report built without one."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance import JudgmentMemo, MeasureStatus, evaluate_month, evaluate_months
from fieldapp.domain.compliance import measures as measures_module
from fieldapp.domain.records import Caseload, Contact, ContactKind
from tests.compliance.helpers import NOVEMBER, case, visit, with_case
from tests.factories import NOW, demo_caseload, tables

S = MeasureStatus


def _kit_visit(day: date = date(2026, 11, 3)) -> Contact:
    return visit(ContactKind.CHILD_CASE, day, participant_ids=("p-kit",), on_behalf_of_child_ids=("p-kit",))


def _without_kits_plan_contact() -> Caseload:
    """The demo with C-2001's current plan lacking Kit's SW Plan Contact (CLS-CASEPLAN: Kit's visits stop
    counting)."""
    plans = case(demo_caseload(), "C-2001").case_plans
    current = plans[1]
    without_kit = current.model_copy(
        update={"sw_plan_contacts": tuple(s for s in current.sw_plan_contacts if s.person_id != "p-kit")}
    )
    return with_case("C-2001", case_plans=(plans[0], without_kit))


def _count_judgments(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    judged: list[str] = []
    real = measures_module.judge

    def counting(contact: Contact, *args: Any) -> Any:
        judged.append(contact.id)
        return real(contact, *args)

    monkeypatch.setattr(measures_module, "judge", counting)
    return judged


def test_an_unchanged_caseload_is_not_judged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console reads the caseload afresh for each page: an equal one reuses every judgment."""
    judged = _count_judgments(monkeypatch)
    memo = JudgmentMemo()
    contacts = [_kit_visit(), visit(ContactKind.PARENT_CASE, date(2026, 11, 4))]
    first = evaluate_month(demo_caseload(), contacts, NOVEMBER, tables=tables(), now=NOW, memo=memo)
    assert sorted(judged) == sorted(c.id for c in contacts)
    reread = Caseload.model_validate_json(demo_caseload().model_dump_json())  # equal, not the same object
    again = evaluate_month(reread, contacts, NOVEMBER, tables=tables(), now=NOW, memo=memo)
    assert len(judged) == 2 and again == first


def test_a_changed_caseload_judges_its_contacts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLS-CASEPLAN: Kit's visit counts; once the plan loses Kit's SW Plan Contact, the same memo gives the
    new answer, and back again when the plan is mended."""
    judged = _count_judgments(monkeypatch)
    memo = JudgmentMemo()
    kit = _kit_visit()
    before = evaluate_month(demo_caseload(), [kit], NOVEMBER, tables=tables(), now=NOW, memo=memo)
    assert before.result("CMP-CHILD-MONTH", "p-kit").status is S.MET
    changed = evaluate_month(
        _without_kits_plan_contact(), [kit], NOVEMBER, tables=tables(), now=NOW, memo=memo
    )
    result = changed.result("CMP-CHILD-MONTH", "p-kit")
    assert result.status is S.DUE and result.reason_rule_id == "CLS-CASEPLAN"
    mended = evaluate_month(demo_caseload(), [kit], NOVEMBER, tables=tables(), now=NOW, memo=memo)
    assert mended == before and len(judged) == 3


def test_a_changed_contact_or_other_code_tables_are_judged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A contact with the same ID but other content (a copy read afresh) is not the object judged, so it is
    judged again; another set of code tables (an agency's edited copy) judges everything anew."""
    judged = _count_judgments(monkeypatch)
    memo = JudgmentMemo()
    kit = _kit_visit()
    evaluate_month(demo_caseload(), [kit], NOVEMBER, tables=tables(), now=NOW, memo=memo)
    attempted = kit.model_copy(update={"status": "ATTEMPTED"})
    report = evaluate_month(demo_caseload(), [attempted], NOVEMBER, tables=tables(), now=NOW, memo=memo)
    assert len(judged) == 2
    assert report.result("CMP-CHILD-MONTH", "p-kit").status is S.DUE
    evaluate_month(demo_caseload(), [attempted], NOVEMBER, tables=copy.copy(tables()), now=NOW, memo=memo)
    assert len(judged) == 3


CASELOADS = {
    "demo": demo_caseload,
    "no plan contact for Kit": _without_kits_plan_contact,
    "C-2001 closed on 10 Nov": lambda: with_case("C-2001", ends_on=date(2026, 11, 10)),
    "C-2001 opened on 20 Nov": lambda: with_case("C-2001", start_date=date(2026, 11, 20)),
}
KINDS = [ContactKind.CHILD_CASE, ContactKind.PARENT_CASE, ContactKind.SCP_CASE]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(sorted(CASELOADS)),
            st.lists(st.tuples(st.sampled_from(KINDS), st.integers(1, 60)), max_size=5),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_report_through_the_memo_is_the_report_without_it(
    steps: list[tuple[str, list[tuple[ContactKind, int]]]],
) -> None:
    """Whatever sequence of caseloads and contacts one memo sees, each report equals a fresh evaluation."""
    memo = JudgmentMemo()
    contacts: list[Contact] = []
    months = [Month(2026, 10), NOVEMBER]
    for name, added in steps:
        contacts += [visit(kind, date(2026, 9, 30) + timedelta(days=n)) for kind, n in added]
        caseload = CASELOADS[name]()
        remembered = evaluate_months(caseload, contacts, months, tables=tables(), now=NOW, memo=memo)
        fresh = evaluate_months(caseload, contacts, months, tables=tables(), now=NOW)
        assert remembered == fresh
