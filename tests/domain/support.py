"""Helpers for the rule tests: run the engine on a contact and find what a worker would see."""

from __future__ import annotations

from datetime import datetime

from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Caseload, Contact, ContactKind
from fieldapp.domain.rules import check_contact
from tests.factories import NOW, context_for, valid_contact


def findings(contact: Contact, now: datetime = NOW, caseload: Caseload | None = None) -> list[Finding]:
    return check_contact(contact, context_for(contact, now, caseload))


def blocks(contact: Contact, now: datetime = NOW, caseload: Caseload | None = None) -> list[Finding]:
    return [f for f in findings(contact, now, caseload) if f.severity is Severity.BLOCK]


def of_rule(
    contact: Contact, rule_id: str, now: datetime = NOW, caseload: Caseload | None = None
) -> list[Finding]:
    return [f for f in findings(contact, now, caseload) if f.rule_id == rule_id]


def assert_breaks(
    kind: ContactKind,
    rule_id: str,
    severity: Severity,
    field: str,
    /,
    *,
    now: datetime = NOW,
    caseload: Caseload | None = None,
    base: dict[str, object] | None = None,
    **broken: object,
) -> Finding:
    """The valid contact has no block and no finding of `rule_id`; breaking one thing gives exactly it.

    `base` adjusts the valid contact first (e.g. a different referral) without breaking `rule_id`.
    Returns the finding so the test can check what the worker reads.
    """
    good = valid_contact(kind, **(base or {}))
    assert blocks(good, now, caseload) == [], blocks(good, now, caseload)
    assert of_rule(good, rule_id, now, caseload) == []
    changes = {**(base or {}), **broken}
    new_kind = changes.pop("kind", None)  # valid_contact takes the kind positionally
    bad = valid_contact(kind, **changes)
    if new_kind is not None:
        bad = bad.model_copy(update={"kind": new_kind})
    got = [f for f in of_rule(bad, rule_id, now, caseload) if f.severity is severity and f.field == field]
    assert got, f"expected {rule_id} {severity} on {field}, got {findings(bad, now, caseload)}"
    assert all(f.message.strip() for f in got)
    return got[0]
