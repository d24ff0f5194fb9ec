"""The contact rules engine: one pure function the wizard, the store, the sync client and the server all call.

    findings = check_contact(contact, RuleContext(caseload, matter, tables, now))
    verdicts = counts_toward(contact, ctx)

Every finding carries its rule ID from ../shared/RULES.md. The engine never raises on a contact the schema
admits: a rule that cannot judge (e.g. no date yet) reports what is missing instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.findings import CountVerdict, Finding, Severity
from fieldapp.domain.records import Caseload, Contact, Matter


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Everything a rule may look at besides the contact itself.

    `now` is passed in (never read from the clock inside a rule) so that rules are pure and testable,
    and so that the server re-checks with its own clock.
    """

    caseload: Caseload
    matter: Matter
    tables: CodeTables
    now: datetime


def check_contact(contact: Contact, ctx: RuleContext) -> list[Finding]:
    """All findings (block and warn) for one contact, in the order the wizard shows its fields."""
    from fieldapp.domain.rules import engine

    return engine.check(contact, ctx)


def counts_toward(contact: Contact, ctx: RuleContext) -> list[CountVerdict]:
    """For each compliance measure the contact could count toward: does it, and if not, which rule stops it."""
    from fieldapp.domain.rules import counting

    return counting.verdicts(contact, ctx)


__all__ = ["CountVerdict", "Finding", "RuleContext", "Severity", "check_contact", "counts_toward"]
