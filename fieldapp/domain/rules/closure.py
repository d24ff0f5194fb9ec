"""CLS-* rules: the state of the referral or case on the contact's date (RULES.md section 4).

CLS-SCHEDULE only changes what a month requires, so it lives with the compliance measures (counting.py).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Case, CasePlan, ClosureExceptionKind, Contact
from fieldapp.domain.rules.common import block, contact_day, warn, where

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

PAYMENT_RENEWAL = "PAYMENT_RENEWAL"
PLAN_MAX_AGE_MONTHS = 6


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


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _approved(plans: tuple[CasePlan, ...]) -> list[CasePlan]:
    return sorted((p for p in plans if p.approved_on is not None), key=lambda p: p.covers_from)


def cls_caseplan(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """CLS-CASEPLAN (warn part): an approved, current case plan covers the contact's date, with no gaps."""
    matter = ctx.matter
    day = contact_day(contact, ctx)
    if not isinstance(matter, Case) or day is None:
        return
    approved = _approved(matter.case_plans)
    covering = [p for p in approved if p.covers_from <= day <= p.covers_to]
    if not covering:
        drafts = [
            p for p in matter.case_plans if p.approved_on is None and p.covers_from <= day <= p.covers_to
        ]
        if drafts:
            detail = f"case plan {drafts[0].id} covers it but is not approved yet"
        else:
            detail = "no approved case plan covers it"
        yield warn(
            "CLS-CASEPLAN",
            "started_at",
            f"On {day.isoformat()} {detail}: contacts are in compliance only while an approved case plan "
            "covers the month. Ask for the case plan to be approved.",
        )
    else:
        plan = max(covering, key=lambda p: p.approved_on or date.min)
        assert plan.approved_on is not None
        if add_months(plan.approved_on, PLAN_MAX_AGE_MONTHS) < day:
            yield warn(
                "CLS-CASEPLAN",
                "started_at",
                f"Case plan {plan.id} was approved on {plan.approved_on.isoformat()}, more than "
                f"{PLAN_MAX_AGE_MONTHS} months before this contact; case plans are approved at least every "
                f"{PLAN_MAX_AGE_MONTHS} months. Ask for the updated plan to be approved.",
            )
    covered_to: date | None = None
    previous = ""
    for plan in approved:
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
