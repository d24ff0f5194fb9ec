"""Which compliance measures one contact counts toward, and for each one it does not, the rule that stops it.

The wizard's review page shows these verdicts as sentences ("Counts as November's monthly visit for Nova
Quillfeather"; for one that does not count, the reason alone: "Attempted contacts never count."), and the monthly compliance measures
(fieldapp.domain.compliance) are built from the very same verdicts, so what a worker is told at the end of
a visit is exactly what the supervisor's report will say.

Order of the gates (the first that fails names the blocking rule): any block finding of the rules engine,
then SEL-STATUS, SEL-METHOD, SEL-PURPOSE, SEL-SERVICES, SEL-PRIMARY, CLS-CASEPLAN, CLS-SCHEDULE, and for
CMP-RESIDENCE the location.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from fieldapp.domain.agency_time import Month, business_day
from fieldapp.domain.caseplans import (
    describe_exceptions,
    icpc_only_scp,
    plan_in_force,
    plan_problem,
    schedule_exceptions,
    setup_missing,
)
from fieldapp.domain.findings import CountVerdict, Finding, Severity
from fieldapp.domain.records import (
    Case,
    CasePlan,
    Contact,
    ContactKind,
    Matter,
    Person,
    PersonRole,
    find_person,
)
from fieldapp.domain.rules.selections import primary_exception_problem

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

CHILD_MONTH = "CMP-CHILD-MONTH"
RESIDENCE = "CMP-RESIDENCE"
PARENT_MONTH = "CMP-PARENT-MONTH"
SCP_MONTH = "CMP-SCP-MONTH"
SCP_6MONTH = "CMP-SCP-6MONTH"
REF_CHILD = "CMP-REF-CHILD"
REF_PERP = "CMP-REF-PERP"

SW_PLAN_CONTACT = "SW_PLAN_CONTACT"
COMPLETED = "COMPLETED"
TELEPHONE_METHODS = frozenset({"TELEPHONE", "CONFERENCE_CALL"})
"""Methods that are a telephone contact for CMP-SCP-MONTH ("in-person, written or telephone")."""


@dataclass(frozen=True, slots=True)
class _Needs:
    """What a measure asks of a contact beyond being final-saveable and Completed."""

    medium: str  # "in_person" | "scp_month" | "any"
    purpose: bool = True
    sw_plan: bool = True
    primary: bool = True
    caseplan: bool = True
    schedule: bool = True


_NEEDS: dict[str, _Needs] = {
    CHILD_MONTH: _Needs("in_person"),
    RESIDENCE: _Needs("in_person"),
    PARENT_MONTH: _Needs("in_person"),
    SCP_MONTH: _Needs("scp_month"),
    SCP_6MONTH: _Needs("in_person"),
    REF_CHILD: _Needs("in_person", sw_plan=False, caseplan=False, schedule=False),
    REF_PERP: _Needs("any", purpose=False, sw_plan=False, primary=False, caseplan=False, schedule=False),
}


@dataclass(frozen=True, slots=True)
class _Facts:
    """What every verdict of one contact needs, worked out once: its agency day and month, and for a case
    the approved plan in force that day (CLS-CASEPLAN, the plan's SW Plan Contacts and SCP visits)."""

    contact: Contact
    ctx: RuleContext
    day: date | None
    month: Month | None
    plan: CasePlan | None = None
    month_last: date | None = None

    @property
    def matter(self) -> Matter:
        return self.ctx.matter


def verdicts(
    contact: Contact, ctx: RuleContext, *, findings: Sequence[Finding] | None = None
) -> list[CountVerdict]:
    """One verdict per (measure, person) the contact could count toward; empty for a collateral contact.

    `findings` are the engine's findings for the same contact and context when the caller already has
    them (the compliance index does), so the engine does not run twice.
    """
    candidates = list(_candidates(contact, ctx.matter))
    if not candidates:
        return []
    day = business_day(contact.started_at, ctx.tables.agency.time_zone) if contact.started_at else None
    month = None if day is None else Month.of(day)
    if findings is None:
        from fieldapp.domain.rules import engine

        findings = engine.check(contact, ctx)
    blocking = next((f for f in findings if f.severity is Severity.BLOCK), None)
    matter = ctx.matter
    plan = (
        plan_in_force(matter, day)
        if blocking is None and day is not None and isinstance(matter, Case)
        else None
    )
    facts = _Facts(contact, ctx, day, month, plan, None if month is None else month.last)
    out: list[CountVerdict] = []
    for measure_id, person, pre in candidates:
        if blocking is not None:
            out.append(
                CountVerdict(
                    measure_id,
                    person.id,
                    False,
                    f"It cannot be finalized yet: {blocking.message} ({blocking.rule_id})",
                    blocking.rule_id,
                )
            )
        elif pre is not None:
            out.append(pre)
        elif measure_id == RESIDENCE and out and out[-1].measure_id == CHILD_MONTH:
            out.append(_at_home(facts, person, out[-1]))  # _candidates yields it right after the visit
        else:
            out.append(_judge(facts, measure_id, person))
    return out


# --------------------------------------------------------------------------- who the contact is about


def _candidates(contact: Contact, matter: Matter) -> Iterator[tuple[str, Person, CountVerdict | None]]:
    """(measure, person, a verdict already decided by who was seen, or None to judge the gates)."""
    participants = [p for pid in contact.participant_ids if (p := find_person(matter, pid)) is not None]
    kind = contact.kind
    if kind is ContactKind.CHILD_CASE:
        on_behalf = set(contact.on_behalf_of_child_ids)
        seen = {p.id for p in participants}
        for child_id in dict.fromkeys((*contact.on_behalf_of_child_ids, *contact.participant_ids)):
            child = find_person(matter, child_id)
            if child is None or not child.has_role(PersonRole.CHILD):
                continue
            if child_id not in seen:
                yield (
                    CHILD_MONTH,
                    child,
                    _no(
                        CHILD_MONTH,
                        child,
                        "SEL-PARTICIPANT",
                        f"{child.full_name} is not a participant; only a child who was seen gets the "
                        "monthly visit.",
                    ),
                )
            elif child_id not in on_behalf:
                yield (
                    CHILD_MONTH,
                    child,
                    _no(
                        CHILD_MONTH,
                        child,
                        "SEL-ONBEHALF",
                        f"{child.full_name} is not among the on-behalf-of children.",
                    ),
                )
            else:
                yield CHILD_MONTH, child, None
                yield RESIDENCE, child, None
    elif kind is ContactKind.PARENT_CASE:
        for person in participants:
            if person.has_role(PersonRole.PARENT):
                yield PARENT_MONTH, person, None
    elif kind is ContactKind.SCP_CASE:
        for person in participants:
            if person.has_role(PersonRole.SCP):
                yield SCP_MONTH, person, None
                yield SCP_6MONTH, person, None
    elif kind is ContactKind.CHILD_REFERRAL:
        for person in participants:
            if person.has_role(PersonRole.CHILD) and person.named_in_allegation:
                yield REF_CHILD, person, None
    if matter.context == "referral":
        for person in participants:
            if person.has_role(PersonRole.ALLEGED_PERPETRATOR) and person.caci_listing:
                yield REF_PERP, person, None


def _no(measure_id: str, person: Person, rule_id: str, reason: str) -> CountVerdict:
    return CountVerdict(measure_id, person.id, False, reason, rule_id)


# --------------------------------------------------------------------------- the gates


def _refused(measure_id: str, person: Person, rule_id: str, why: str) -> CountVerdict:
    """A gate's refusal: `why` is a sentence's tail ("not In-Person ..."), given its capital here."""
    return _no(measure_id, person, rule_id, why[:1].upper() + why[1:])


def _judge(facts: _Facts, measure_id: str, person: Person) -> CountVerdict:
    needs = _NEEDS[measure_id]
    contact, ctx, matter = facts.contact, facts.ctx, facts.matter
    tables = ctx.tables
    name = person.full_name

    if facts.day is None or facts.month is None:
        return _refused(measure_id, person, "SEL-DATE", "the contact has no start date yet.")
    if contact.status != COMPLETED:
        status = tables.label("statuses", contact.status) if contact.status else "no status"
        if contact.status == "ATTEMPTED":
            return _refused(measure_id, person, "SEL-STATUS", "Attempted contacts never count.")
        return _refused(
            measure_id, person, "SEL-STATUS", f"only a Completed contact counts (status is {status})."
        )
    method = tables.methods.get(contact.method or "")
    method_label = method.label if method else "no method"
    if needs.medium == "in_person" and (method is None or not method.in_person):
        return _refused(
            measure_id,
            person,
            "SEL-METHOD",
            f"not In-Person ({method_label}); only an in-person visit counts.",
        )
    if needs.medium == "scp_month" and not (
        method is not None
        and not method.returned_mail
        and (method.in_person or method.written or method.code in TELEPHONE_METHODS)
    ):
        return _refused(
            measure_id,
            person,
            "SEL-METHOD",
            f"the monthly contact with the substitute care provider must be in person, written or by "
            f"telephone ({method_label}).",
        )
    if needs.purpose:
        kind_entry = tables.kinds[contact.kind]
        required = kind_entry.mandatory_purposes
        if required and set(required).isdisjoint(contact.purposes):
            labels = " or ".join(f"'{tables.label('purposes', p)}'" for p in required)
            return _refused(measure_id, person, "SEL-PURPOSE", f"the mandatory purpose {labels} is missing.")
    is_case = isinstance(matter, Case)
    if needs.sw_plan and is_case and SW_PLAN_CONTACT not in contact.services:
        label = tables.label("services", SW_PLAN_CONTACT)
        return _refused(
            measure_id, person, "SEL-SERVICES", f"'{label}' is not marked under Case Management Services."
        )
    primary_problem = primary_exception_problem(contact, ctx) if needs.primary else None
    if primary_problem is not None:
        made_by = ctx.caseload.staff_member(contact.staff_person_id or "")
        primary = ctx.caseload.staff_member(matter.primary_worker_id)
        who = made_by.full_name if made_by else "someone else"
        primary_name = primary.full_name if primary else "the assigned worker"
        return _refused(
            measure_id,
            person,
            "SEL-PRIMARY",
            f"made by {who}, not by the primary social worker {primary_name}, and {primary_problem}",
        )
    if needs.caseplan and isinstance(matter, Case):
        plan = facts.plan
        problem = plan_problem(matter, facts.day) if plan is None else setup_missing(plan, person.id)
        if problem is not None:
            return _refused(measure_id, person, "CLS-CASEPLAN", problem.replace("this person", name))
    if needs.schedule and isinstance(matter, Case):
        month = facts.month
        assert facts.month_last is not None
        excs = schedule_exceptions(matter, person.id, month.first, facts.month_last)
        if excs:
            return _refused(
                measure_id,
                person,
                "CLS-SCHEDULE",
                f"no {_what(measure_id)} is required for {name} in {month.name} "
                f"({describe_exceptions(excs)}).",
            )
        if measure_id in (SCP_MONTH, SCP_6MONTH) and icpc_only_scp(matter, person.id):
            return _refused(
                measure_id,
                person,
                "CLS-SCHEDULE",
                f"{name} cares for a child placed through ICPC; the receiving state makes the visits.",
            )
    if measure_id == RESIDENCE:
        return _at_home(facts, person, _judge(facts, CHILD_MONTH, person))
    return CountVerdict(measure_id, person.id, True, _counts_sentence(measure_id, name, facts, matter))


def _at_home(facts: _Facts, child: Person, visit: CountVerdict) -> CountVerdict:
    """CMP-RESIDENCE: the child's monthly visit (`visit`, its CMP-CHILD-MONTH verdict) made in the child's
    residence. Every gate before the location is the monthly visit's, so its verdict is not judged again."""
    if not visit.counts:
        return CountVerdict(RESIDENCE, child.id, False, visit.reason, visit.blocking_rule_id)
    contact, tables = facts.contact, facts.ctx.tables
    if contact.location not in tables.child_residence_locations:
        where = tables.label("locations", contact.location) if contact.location else "no location"
        return _no(
            RESIDENCE,
            child,
            "SEL-LOCATION",
            f"It took place at '{where}', not in the child's residence: it counts as the monthly visit "
            f"but not toward the share of {child.full_name}'s visits at home.",
        )
    return CountVerdict(
        RESIDENCE, child.id, True, _counts_sentence(RESIDENCE, child.full_name, facts, facts.matter)
    )


def _what(measure_id: str) -> str:
    return {
        CHILD_MONTH: "monthly visit",
        RESIDENCE: "monthly visit",
        PARENT_MONTH: "monthly visit",
        SCP_MONTH: "monthly contact",
        SCP_6MONTH: "in-person visit",
    }.get(measure_id, "contact")


def _counts_sentence(measure_id: str, name: str, facts: _Facts, matter: Matter) -> str:
    month = facts.month.name if facts.month else ""
    if measure_id == CHILD_MONTH:
        return f"Counts as {month}'s monthly visit for {name}."
    if measure_id == RESIDENCE:
        return f"Counts toward {name}'s visits in the child's residence (more than half must be there)."
    if measure_id == PARENT_MONTH:
        return f"Counts as {month}'s monthly visit with {name}."
    if measure_id == SCP_MONTH:
        return f"Counts as {month}'s monthly contact with {name} (substitute care provider)."
    if measure_id == SCP_6MONTH:
        every = 6
        if isinstance(matter, Case) and facts.day is not None:
            plan = facts.plan
            if plan is not None and plan.scp_in_person_visits_per_month is not None:
                n = plan.scp_in_person_visits_per_month
                return f"Counts toward the {n} in-person visits a month the case plan sets for {name}."
            every = plan.scp_in_person_every_months if plan else 6
        return f"Counts as the in-person visit {name} needs at least every {every} months."
    if measure_id == REF_CHILD:
        return f"Counts as {name}'s in-person contact for the referral investigation."
    return f"Counts as the completed contact with alleged perpetrator {name} needed before a CACI listing."
