"""SEL-* rules: the selections of one contact (RULES.md section 2, policy 000 and 001).

Each rule looks at one field (or one group of fields) and says, in the worker's words, what to choose.
Unknown codes are always a block under the field's own rule: a court record must not carry a code the
agency's tables do not define.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from fieldapp.domain.agency_time import business_day
from fieldapp.domain.codecheck import unknown_code
from fieldapp.domain.codetables import CodeTables, KindEntry, PresenceCue, names_social_media
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Contact, ContactKind, PersonRole, find_person, people_with_role
from fieldapp.domain.rules.common import (
    block,
    kind_entry,
    local_text,
    names,
    reference_time,
    warn,
    where,
)
from fieldapp.domain.rules.textscan import Finder, lowered, phrase_finder

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

COMPLETED = "COMPLETED"
ATTEMPTED = "ATTEMPTED"

_ROLE_WORDS = {
    PersonRole.CHILD: "the child",
    PersonRole.PARENT: "a parent or guardian",
    PersonRole.SCP: "the substitute care provider",
    PersonRole.COLLATERAL: "a collateral (anyone other than the child, a parent or the care provider)",
}


def is_social_media(code: str, tables: CodeTables) -> bool:
    """Direct contact through social media is never a method (policy 001, "Social media")."""
    if code in tables.methods:
        return code in tables.social_media_methods
    return names_social_media(code)


def _unknown(ctx: RuleContext, table: str, value: str) -> str:
    """The message for a value that is not a code of its table, naming the valid codes (codecheck)."""
    problem = unknown_code(ctx.tables, table, table, value)
    return problem.message() if problem is not None else f"'{value}' cannot be used here."


# --------------------------------------------------------------------------- who and when


def sel_staff(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-STAFF: the staff person who made the contact is selected and is known staff."""
    if not contact.staff_person_id:
        yield block("SEL-STAFF", "staff_person_id", "Select the staff person who made the contact.")
    elif ctx.caseload.staff_member(contact.staff_person_id) is None:
        yield block(
            "SEL-STAFF",
            "staff_person_id",
            f"The staff person '{contact.staff_person_id}' is not on the staff list; select who made the contact.",
        )


def primary_exception_problem(contact: Contact, ctx: RuleContext) -> str | None:
    """SEL-PRIMARY: why a contact by someone other than the primary worker does not count, or None.

    Seed 000: "Mandatory contacts must be made by the assigned primary social worker. Exceptions to this
    requirement should be rare and must be approved by the bureau program manager." The approver is a
    staff ID from the caseload; it holds when that person is a bureau program manager (Worker
    .is_bureau_program_manager), is not who made the contact, and approved on or before the final save.
    The warning and the counts-toward verdict both come from here, so they never disagree.
    """
    if contact.staff_person_id == ctx.matter.primary_worker_id:
        return None
    exc = contact.primary_exception
    if exc is None:
        return "no exception approved by the bureau program manager is recorded."
    missing = []
    if exc.approver_id is None:
        typed = f" ('{exc.approver_name.strip()}' is only a typed name)" if exc.approver_name.strip() else ""
        missing.append(f"the bureau program manager who approved it, chosen from the staff list{typed}")
    if exc.approved_on is None:
        missing.append("the date it was approved")
    if missing:
        return f"the exception does not say {' or '.join(missing)}."
    assert exc.approver_id is not None and exc.approved_on is not None
    approver = ctx.caseload.staff_member(exc.approver_id)
    if approver is None:
        return (
            f"the approver '{exc.approver_id}' is not on the staff list; choose the bureau program manager."
        )
    if approver.id == contact.staff_person_id:
        return (
            f"{approver.full_name} made the contact and cannot approve their own exception; the bureau "
            "program manager approves it."
        )
    if not approver.is_bureau_program_manager:
        return (
            f"{approver.full_name} ({approver.title}, {approver.role.value}) is not a bureau program manager; "
            "only the bureau program manager approves this exception."
        )
    moment = reference_time(contact, ctx)
    saved_on = business_day(moment, ctx.tables.agency.time_zone)
    if exc.approved_on > saved_on:
        when = "it was final-saved" if contact.finalized_at is not None else "today"
        return (
            f"the approval is dated {exc.approved_on.isoformat()}, after {when} ({saved_on.isoformat()}); an "
            "exception counts only when approved on or before the final save."
        )
    return None


def sel_primary(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-PRIMARY (warn part): a mandatory contact by someone else needs a recorded, approved exception."""
    if not kind_entry(contact, ctx).mandatory or not contact.staff_person_id:
        return
    problem = primary_exception_problem(contact, ctx)
    if problem is None:
        return
    primary_id = ctx.matter.primary_worker_id
    primary = ctx.caseload.staff_member(primary_id)
    primary_name = primary.full_name if primary is not None else primary_id
    yield warn(
        "SEL-PRIMARY",
        "primary_exception",
        f"{primary_name} is the primary social worker of {where(ctx)}. A mandatory contact made by someone "
        f"else counts only with an exception approved by the bureau program manager, and {problem}",
    )


def sel_date(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-DATE: a start date, not in the future, not before the referral/case start; end not before start."""
    if contact.started_at is None:
        yield block("SEL-DATE", "started_at", "Choose the date and time the contact started.")
        return
    ref = reference_time(contact, ctx)
    tz = ctx.tables.agency.time_zone
    if contact.started_at > ref:
        yield block(
            "SEL-DATE",
            "started_at",
            f"The start ({local_text(contact.started_at, tz)}) is in the future; enter the date "
            "and time the contact actually took place.",
        )
    day = business_day(contact.started_at, tz)
    if day < ctx.matter.start_date:
        yield block(
            "SEL-DATE",
            "started_at",
            f"The date {day.isoformat()} is before {where(ctx)} started ({ctx.matter.start_date.isoformat()}); "
            "check the date.",
        )
    if contact.ended_at is not None:
        if contact.ended_at < contact.started_at:
            yield block("SEL-DATE", "ended_at", "The end time is before the start time; correct one of them.")
        elif contact.ended_at > ref:
            yield block(
                "SEL-DATE",
                "ended_at",
                "The end time is in the future; enter the time the contact actually ended.",
            )


# --------------------------------------------------------------------------- what and how


def sel_purpose(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-PURPOSE: at least one purpose; each a known code valid in a referral or a case."""
    if not contact.purposes:
        entry = kind_entry(contact, ctx)
        hint = ""
        if entry.mandatory_purposes:
            labels = " or ".join(f"'{ctx.tables.label('purposes', p)}'" for p in entry.mandatory_purposes)
            hint = f" For the mandatory contact choose {labels}."
        yield block("SEL-PURPOSE", "purposes", "Select at least one contact purpose." + hint)
        return
    for code in contact.purposes:
        purpose = ctx.tables.purposes.get(code)
        if purpose is None:
            yield block("SEL-PURPOSE", "purposes", _unknown(ctx, "purposes", code))
        elif ctx.matter.context not in purpose.context:
            yield block(
                "SEL-PURPOSE",
                "purposes",
                f"'{purpose.label}' cannot be chosen in a {ctx.matter.context}; remove it or choose another purpose.",
            )


def sel_method(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-METHOD: a method is selected and is a known code (social media is refused by SEL-MEDIUM)."""
    if not contact.method:
        yield block("SEL-METHOD", "method", "Select how the contact was made (the method of contact).")
        return
    entry = ctx.tables.methods.get(contact.method)
    if is_social_media(contact.method, ctx.tables):
        return  # sel_medium says why, in the policy's words
    if entry is None:
        yield block("SEL-METHOD", "method", _unknown(ctx, "methods", contact.method))


def sel_location(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-LOCATION: a location when, and only when, the method is In-Person."""
    method = ctx.tables.methods.get(contact.method) if contact.method else None
    if contact.location is not None and contact.location not in ctx.tables.locations:
        yield block("SEL-LOCATION", "location", _unknown(ctx, "locations", contact.location))
        return
    if method is None:
        return  # no known method yet: SEL-METHOD says so; the location cannot be judged
    if method.in_person and contact.location is None:
        yield block("SEL-LOCATION", "location", "Select where the in-person contact took place.")
    elif not method.in_person and contact.location is not None:
        yield block(
            "SEL-LOCATION",
            "location",
            f"A location is recorded only for an in-person contact; this one was by {method.label}. "
            "Clear the location (or change the method).",
        )


def sel_status(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-STATUS: Completed or Attempted."""
    if not contact.status:
        yield block("SEL-STATUS", "status", "Select whether the contact was Completed or Attempted.")
    elif contact.status not in ctx.tables.statuses:
        yield block("SEL-STATUS", "status", _unknown(ctx, "statuses", contact.status))
    elif contact.status not in (COMPLETED, ATTEMPTED):
        yield block(
            "SEL-STATUS",
            "status",
            f"'{contact.status}' is not a status a contact can have; select Completed or Attempted.",
        )


# --------------------------------------------------------------------------- with whom


def sel_participant(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-PARTICIPANT: at least one participant, each a person of the kind's role in this referral/case."""
    entry = kind_entry(contact, ctx)
    role = entry.participant_role
    if not contact.participant_ids:
        yield block(
            "SEL-PARTICIPANT",
            "participant_ids",
            f"Select the person you made contact with: {_ROLE_WORDS.get(role, str(role))}.",
        )
        return
    matter = ctx.matter
    for pid in dict.fromkeys(contact.participant_ids):
        person = find_person(matter, pid)
        if person is None:
            yield block(
                "SEL-PARTICIPANT",
                "participant_ids",
                f"Participant '{pid}' is not a person in {where(ctx)}; choose people from {where(ctx)}.",
            )
            continue
        if contact.kind is ContactKind.COLLATERAL:
            family = {PersonRole.CHILD, PersonRole.PARENT, PersonRole.SCP} & set(person.roles)
            if family:
                yield block(
                    "SEL-PARTICIPANT",
                    "participant_ids",
                    f"{person.full_name} is {_ROLE_WORDS[sorted(family)[0]]} in {where(ctx)}, not a "
                    "collateral; record a contact of that kind for them.",
                )
        elif not person.has_role(role):
            yield block(
                "SEL-PARTICIPANT",
                "participant_ids",
                f"{person.full_name} is not {_ROLE_WORDS.get(role, str(role))} in {where(ctx)}. A "
                f"'{entry.label}' is with {_ROLE_WORDS.get(role, str(role))}; record a separate contact "
                "for anyone else.",
            )


def sel_onbehalf(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-ONBEHALF (block part): the on-behalf-of children are chosen, each a child of this referral/case."""
    if not contact.on_behalf_of_child_ids:
        yield block(
            "SEL-ONBEHALF",
            "on_behalf_of_child_ids",
            "Choose the child or children on whose behalf the contact is made.",
        )
        return
    matter = ctx.matter
    for pid in dict.fromkeys(contact.on_behalf_of_child_ids):
        person = find_person(matter, pid)
        if person is None or not person.has_role(PersonRole.CHILD):
            who = person.full_name if person is not None else f"'{pid}'"
            yield block(
                "SEL-ONBEHALF",
                "on_behalf_of_child_ids",
                f"{who} is not a child in {where(ctx)}; choose only children of {where(ctx)}.",
            )


def sel_onbehalf_all(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-ONBEHALF (warn part): a mandatory contact is made on behalf of all the children.

    Apart from the block part so that what asks only for blocks (engine.blocking) skips it; the engine
    runs it right after the block part, so the findings come out in the same order."""
    if not contact.on_behalf_of_child_ids or not kind_entry(contact, ctx).mandatory:
        return
    chosen = set(contact.on_behalf_of_child_ids)
    left_out = [c for c in people_with_role(ctx.matter, PersonRole.CHILD) if c.id not in chosen]
    if left_out:
        yield warn(
            "SEL-ONBEHALF",
            "on_behalf_of_child_ids",
            f"A mandatory contact is made on behalf of all the children of {where(ctx)}; "
            f"{names(left_out)} {'is' if len(left_out) == 1 else 'are'} left out. Add them unless the "
            "contact really was not on their behalf.",
        )


def sel_partytype(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-PARTYTYPE: follows from the kind; Staff Person/Reporter is never acceptable."""
    entry = kind_entry(contact, ctx)
    if ctx.matter.context not in entry.context:
        yield block(
            "SEL-PARTYTYPE",
            "kind",
            f"A '{entry.label}' is recorded in a {' or '.join(entry.context)}, and this is a "
            f"{ctx.matter.context}; choose the contact kind for a {ctx.matter.context}.",
        )
    if not contact.party_type:
        yield block(
            "SEL-PARTYTYPE", "party_type", f"Select the contact party type: '{_expected(entry, ctx)}'."
        )
        return
    party = ctx.tables.party_types.get(contact.party_type)
    if party is None:
        yield block(
            "SEL-PARTYTYPE",
            "party_type",
            f"{_unknown(ctx, 'party_types', contact.party_type)} A '{entry.label}' has "
            f"'{_expected(entry, ctx)}'.",
        )
    elif not party.offered:
        yield block(
            "SEL-PARTYTYPE",
            "party_type",
            f"'{party.label}' is never used. A reporting party is recorded as a collateral: select "
            "'Staff Person/Collateral' on a collateral contact, and keep the reporter's details off the "
            "narrative.",
        )
    elif contact.party_type != entry.party_type:
        yield block(
            "SEL-PARTYTYPE",
            "party_type",
            f"A '{entry.label}' has the party type '{_expected(entry, ctx)}', not '{party.label}'.",
        )


def _expected(entry: KindEntry, ctx: RuleContext) -> str:
    """The label of the party type a kind of contact has, worded only for a finding that names it."""
    return ctx.tables.label("party_types", entry.party_type)


def sel_services(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-SERVICES (block part): each service is a known code valid in a referral or a case."""
    for code in dict.fromkeys(contact.services):
        service = ctx.tables.services.get(code)
        if service is None:
            yield block("SEL-SERVICES", "services", _unknown(ctx, "services", code))
        elif not service.offered:
            yield block(
                "SEL-SERVICES",
                "services",
                f"'{code}' is not a case management service in the agency's list; choose one from the list.",
            )
        elif ctx.matter.context not in service.context:
            yield block(
                "SEL-SERVICES",
                "services",
                f"'{service.label}' can be marked only in a {' or '.join(service.context)}; remove it here.",
            )


# --------------------------------------------------------------------------- who else, and the medium


@lru_cache(maxsize=8)
def _presence_finders(cues: tuple[PresenceCue, ...]) -> tuple[tuple[Finder, str], ...]:
    return tuple((f, c.term) for c in cues if (f := phrase_finder(c.term)) is not None)


def sel_others(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-OTHERS: every other party present is recorded by name and role.

    Warns on an entry without a real name or role, on someone listed twice, and on a narrative that says
    others were present while none are recorded.
    """
    seen: set[str] = set()
    for i, other in enumerate(contact.others_present, start=1):
        if not other.name.strip() or not other.role.strip():
            yield warn(
                "SEL-OTHERS",
                "others_present",
                f"Other party {i} needs both a name and a role (e.g. 'Pat Doe', 'SET Practice Coach').",
            )
            continue
        key = " ".join(other.name.casefold().split())
        if key in seen:
            yield warn(
                "SEL-OTHERS", "others_present", f"{other.name} is listed twice among the others present."
            )
        seen.add(key)
    if not contact.others_present:
        text = contact.narrative
        low = lowered(text)
        finders = _presence_finders(tuple(ctx.tables.presence_cues))
        cue = next((term for finder, term in finders if next(finder.spans(text, low), None)), None)
        if cue is not None:
            yield warn(
                "SEL-OTHERS",
                "others_present",
                f"The narrative mentions others present ('{cue}'); record each of them under "
                "'Others present' by name and role.",
            )


def sel_medium(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-MEDIUM: fax records what/when/to whom; returned mail its reason; social media is no method."""
    if not contact.method:
        return
    method = ctx.tables.methods.get(contact.method)
    if is_social_media(contact.method, ctx.tables):
        yield block(
            "SEL-MEDIUM",
            "method",
            "Direct contact through social media is not allowed. Information seen on a public page may be "
            "used to reach the person by another method: record that method instead.",
        )
        return
    if method is None:
        return
    if method.fax:
        fax = contact.fax
        missing = []
        if fax is None or not fax.what.strip():
            missing.append("what was faxed")
        if fax is None or fax.sent_at is None:
            missing.append("when it was faxed")
        if fax is None or not fax.to.strip():
            missing.append("to whom")
        if missing:
            yield block("SEL-MEDIUM", "fax", f"For a fax, record {', '.join(missing)}.")
        elif fax is not None and fax.sent_at is not None and fax.sent_at > reference_time(contact, ctx):
            yield block("SEL-MEDIUM", "fax", "The time the fax was sent is in the future; correct it.")
    if method.returned_mail and (contact.returned_mail is None or not contact.returned_mail.reason.strip()):
        yield block(
            "SEL-MEDIUM",
            "returned_mail",
            "For returned mail, record why it was returned (and any forwarding address; update the "
            "address if known).",
        )
