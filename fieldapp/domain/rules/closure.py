"""CLS-* rules: the state of the referral or case on the contact's date (RULES.md section 4).

CLS-SCHEDULE only changes what a month requires, so it lives with the compliance measures (counting.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from fieldapp.domain.caseplans import PLAN_MAX_AGE_MONTHS, approved_plans, plan_problem
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Case, ClosureExceptionKind, Contact
from fieldapp.domain.rules.common import block, contact_day, warn, where

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

PAYMENT_RENEWAL = "PAYMENT_RENEWAL"


def cls_closed(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """CLS-CLOSED: no contact dated after closure or termination, unless a recorded exception applies."""
    day = contact_day(contact, ctx)
    ends_on = ctx.matter.ends_on
    if day is None or ends_on is None or day <= ends_on:
        return
    why = (
        "the court terminated jurisdiction"
        if isinstance(ctx.matter, Case) and ctx.matter.jurisdiction_terminated_on == ends_on
        else f"{where(ctx)} was closed"
    )
    exc = contact.closure_exception
    if exc is None:
        yield block(
            "CLS-CLOSED",
            "started_at",
            f"The contact is dated {day.isoformat()}, after {why} on {ends_on.isoformat()}. No in-person, "
            "phone, written or electronic contact is made after that; if a child may be at risk, consult "
            "your supervisor and make a Hotline referral. Only a NYTD cohort youth or a payment/renewal "
            "document (AAP, Kin-GAP) is an exception, recorded as such.",
        )
        return
    if exc.kind is ClosureExceptionKind.NYTD and not ctx.matter.nytd_cohort:
        yield block(
            "CLS-CLOSED",
            "closure_exception",
            f"The NYTD exception applies only to a youth in a NYTD cohort, and {where(ctx)} is not marked "
            "as one. No contact is made after closure.",
        )
    elif exc.kind is ClosureExceptionKind.PAYMENT_DOCUMENT:
        method = ctx.tables.methods.get(contact.method) if contact.method else None
        problems = []
        if PAYMENT_RENEWAL not in contact.purposes:
            problems.append(f"the purpose '{ctx.tables.label('purposes', PAYMENT_RENEWAL)}'")
        if method is None or not method.written:
            problems.append("a written method (letter, fax)")
        if problems:
            yield block(
                "CLS-CLOSED",
                "closure_exception",
                "A payment/renewal document after closure must be recorded with "
                f"{' and '.join(problems)}; any other contact after closure is not allowed.",
            )


def cls_caseplan(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """CLS-CASEPLAN (warn part): an approved, current case plan covers the contact's date, with no gaps.

    Whether a plan is in force comes from fieldapp.domain.caseplans, the same answer the counts-toward
    verdicts and the monthly measures use, so the warning and the count can never disagree.
    """
    matter = ctx.matter
    day = contact_day(contact, ctx)
    if not isinstance(matter, Case) or day is None:
        return
    problem = plan_problem(matter, day)
    if problem is not None:
        yield warn(
            "CLS-CASEPLAN",
            "started_at",
            f"{problem} Contacts are in compliance only while an approved case plan, approved within the "
            f"last {PLAN_MAX_AGE_MONTHS} months, covers the month: ask your supervisor for the plan's approval.",
        )
    covered_to: date | None = None
    previous = ""
    for plan in sorted(approved_plans(matter), key=lambda p: p.covers_from):
        if covered_to is not None and plan.covers_from > covered_to + timedelta(days=1):
            gap_from, gap_to = covered_to + timedelta(days=1), plan.covers_from - timedelta(days=1)
            if gap_to < day:  # a gap the contact falls in is already reported above
                yield warn(
                    "CLS-CASEPLAN",
                    "started_at",
                    f"No approved case plan covers {gap_from.isoformat()} to {gap_to.isoformat()} (between "
                    f"plans {previous} and {plan.id}); contacts in those months show as out of compliance.",
                )
        if covered_to is None or plan.covers_to > covered_to:
            covered_to, previous = plan.covers_to, plan.id
