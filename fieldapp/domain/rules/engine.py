"""Rule checks on one contact. (Foundation: the rules-engine work extends this to the whole catalog.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Contact

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

Rule = Callable[[Contact, "RuleContext"], Iterator[Finding]]


def _block(rule_id: str, field: str, message: str) -> Finding:
    return Finding(rule_id, Severity.BLOCK, field, message)


def sel_staff(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    if not contact.staff_person_id:
        yield _block("SEL-STAFF", "staff_person_id", "Select the staff person who made the contact.")
    elif ctx.caseload.staff_member(contact.staff_person_id) is None:
        yield _block("SEL-STAFF", "staff_person_id", "The staff person selected is not on the staff list.")


def nar_required(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    if not contact.narrative.strip():
        yield _block(
            "NAR-REQUIRED", "narrative", "Write the narrative: no contact is saved as final without one."
        )


RULES: tuple[Rule, ...] = (sel_staff, nar_required)


def check(contact: Contact, ctx: RuleContext) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(contact, ctx)]
