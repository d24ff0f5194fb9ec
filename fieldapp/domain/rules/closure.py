"""CLS-* rules: the state of the referral or case on the contact's date (RULES.md section 4).

CLS-SCHEDULE only changes what a month requires, so it lives with the compliance measures (counting.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from fieldapp.domain.caseplans import PLAN_MAX_AGE_MONTHS, approved_plans, plan_problem
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Case, ClosureExceptionKind, Contact, Initiator, PersonRole
from fieldapp.domain.rules.common import block, contact_day, people_by_id, warn, where

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

PAYMENT_RENEWAL = "PAYMENT_RENEWAL"


def _after_the_end(contact: Contact, ctx: RuleContext) -> str | None:
    """What the contact came after ("after the referral was closed on ..."), or None while contact is allowed.

    Seed 001: "Court terminates jurisdiction, the SW cannot have contact after that hearing in the same
    day": where the case records the hearing's time, a contact that starts after it is late even on the
    hearing's own day.
    """
    matter = ctx.matter
    ends_on = matter.ends_on
    if ends_on is None:  # the usual case: open, so the contact's day need not be worked out
        return None
    day = contact_day(contact, ctx)
    if day is None or contact.started_at is None:
        return None
    tz = ctx.tables.agency.time_zone
    if isinstance(matter, Case) and matter.jurisdiction_terminated_on == ends_on:
        hearing = matter.jurisdiction_terminated_at
        if day > ends_on:
            at = f" (hearing at {hearing.astimezone(tz):%H:%M})" if hearing is not None else ""
            return f"after the court terminated jurisdiction on {ends_on.isoformat()}{at}"
        if hearing is not None and day == ends_on and contact.started_at >= hearing:
            return (
                f"after the hearing at {hearing.astimezone(tz):%H:%M} on {ends_on.isoformat()} at which the "
                "court terminated jurisdiction (no contact after that hearing, even the same day)"
            )
        return None
    if day > ends_on:
        return f"after {where(ctx)} was closed on {ends_on.isoformat()}"
    return None


def cls_closed(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """CLS-CLOSED: no contact after closure or termination, unless a recorded exception applies.

    Seed 001: "Initiating any phone/written/electronic case management activities post-closure/dismissal/
    termination is also prohibited. If a client initiates contact with the SW ... after the referral/case
    is closed, the SW will provide good customer service by listening to the client": a phone, written or
    electronic contact the client initiated is allowed and noted as such (a warning the supervisor sees).
    """
    after = _after_the_end(contact, ctx)
    if after is None:
        yield from _hearing_time_unknown(contact, ctx)
        return
    day = contact_day(contact, ctx)
    assert day is not None
    method = ctx.tables.methods.get(contact.method) if contact.method else None
    exc = contact.closure_exception
    if exc is None:
        if contact.initiated_by is Initiator.CLIENT and method is not None and not method.in_person:
            yield warn(
                "CLS-CLOSED",
                "initiated_by",
                f"Contact on {day.isoformat()}, {after}, recorded as initiated by the client ({method.label}): "
                "allowed. Listen and give community referrals if asked; the worker initiates no case "
                "management activity after closure. If a child may be at risk, consult your supervisor and "
                "make a Hotline referral.",
            )
            return
        if method is not None and method.in_person:
            client = (
                " The client asked for it, but no in-person contact is made after closure even if the family "
                "requests it."
                if contact.initiated_by is Initiator.CLIENT
                else ""
            )
        else:
            client = (
                " If the client called, wrote or messaged you, record that the client initiated the contact."
            )
        yield block(
            "CLS-CLOSED",
            "started_at",
            f"The contact is dated {day.isoformat()}, {after}. No in-person contact is made and no phone, "
            f"written or electronic contact is initiated after that.{client} If a child may be at risk, "
            "consult your supervisor and make a Hotline referral. Only a NYTD cohort youth or a "
            "payment/renewal document (AAP, Kin-GAP) is an exception, recorded as such.",
        )
        return
    if exc.kind is ClosureExceptionKind.NYTD:
        yield from _nytd(contact, ctx)
    elif exc.kind is ClosureExceptionKind.PAYMENT_DOCUMENT:
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


def _nytd(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """Seed 001: "If a youth is part of a National Youth in Transition Database (NYTD) cohort, the SW will
    follow the NYTD policy." The exception is that youth's: the contact is with the youth and on their
    behalf only, so a sibling's cohort never opens contact about another child."""
    people = people_by_id(ctx)
    cohort = [p for p in ctx.matter.people if p.nytd_cohort and p.has_role(PersonRole.CHILD)]
    with_youth = [
        pid for pid in contact.participant_ids if (p := people.get(pid)) is not None and p in cohort
    ]
    others = [
        people[pid].full_name if pid in people else pid
        for pid in contact.on_behalf_of_child_ids
        if pid not in {p.id for p in cohort}
    ]
    if not cohort:
        yield block(
            "CLS-CLOSED",
            "closure_exception",
            f"The NYTD exception applies only to a youth in a NYTD cohort, and no youth of {where(ctx)} is "
            "recorded as one. No contact is made after closure.",
        )
    elif not with_youth or others:
        names_ = ", ".join(p.full_name for p in cohort)
        why = (
            f"it is on behalf of {', '.join(others)}, who {'is' if len(others) == 1 else 'are'} not in the cohort"
            if others
            else "the youth is not a participant"
        )
        yield block(
            "CLS-CLOSED",
            "closure_exception",
            f"The NYTD exception belongs to the youth in the cohort ({names_}): the contact must be with that "
            f"youth and on their behalf only, and {why}. No other contact is made after closure.",
        )


def _hearing_time_unknown(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """A contact on the day jurisdiction ended at a hearing whose time the case does not record: it may
    have come after the hearing, which the worker alone can confirm."""
    matter = ctx.matter
    if (
        isinstance(matter, Case)
        and matter.jurisdiction_terminated_on is not None
        and matter.jurisdiction_terminated_at is None
        and contact_day(contact, ctx) == matter.jurisdiction_terminated_on
        and contact.closure_exception is None
    ):
        yield warn(
            "CLS-CLOSED",
            "started_at",
            f"The court terminated jurisdiction on {matter.jurisdiction_terminated_on.isoformat()}, the day of "
            "this contact, and the hearing's time is not recorded. No contact is made after that hearing, "
            "even the same day: make sure this contact took place before it.",
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
