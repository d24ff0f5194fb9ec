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
from fieldapp.domain.codetables import CodeEntry, PresenceCue, names_social_media
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Contact, ContactKind, PersonRole, people_with_role
from fieldapp.domain.rules.common import (
    block,
    kind_entry,
    local_text,
    names,
    people_by_id,
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


def is_social_media(code: str, entry: CodeEntry | None) -> bool:
    """Direct contact through social media is never a method (policy 001, "Social media")."""
    return names_social_media(code) or (entry is not None and names_social_media(entry.label))


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


def sel_primary(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-PRIMARY (warn part): a mandatory contact by someone else needs a recorded, approved exception."""
    if not kind_entry(contact, ctx).mandatory or not contact.staff_person_id:
        return
    primary_id = ctx.matter.primary_worker_id
    if contact.staff_person_id == primary_id:
        return
    primary = ctx.caseload.staff_member(primary_id)
    primary_name = primary.full_name if primary is not None else primary_id
    exc = contact.primary_exception
    missing = []
    if exc is None or not exc.approver_name.strip():
        missing.append("the name of the bureau program manager who approved it")
    if exc is None or exc.approved_on is None:
        missing.append("the date it was approved")
    if missing:
        yield warn(
            "SEL-PRIMARY",
            "primary_exception",
            f"{primary_name} is the primary social worker of {where(ctx)}. A mandatory contact made by "
            f"someone else counts only with an exception approved by the bureau program manager: record "
            f"{' and '.join(missing)}.",
        )
        return
    assert exc is not None and exc.approved_on is not None
    ref_day = business_day(reference_time(contact, ctx), ctx.tables.agency.time_zone)
    if exc.approved_on > ref_day:
        yield warn(
            "SEL-PRIMARY",
            "primary_exception",
            f"The exception is dated {exc.approved_on.isoformat()}, which is in the future; record the date "
            "the bureau program manager actually approved it.",
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
            yield block(
                "SEL-PURPOSE",
                "purposes",
                f"'{code}' is not a contact purpose in the agency's list; choose one from the list.",
            )
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
    if is_social_media(contact.method, entry):
        return  # sel_medium says why, in the policy's words
    if entry is None:
        yield block(
            "SEL-METHOD",
            "method",
            f"'{contact.method}' is not a method of contact in the agency's list; choose one from the list.",
        )


def sel_location(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-LOCATION: a location when, and only when, the method is In-Person."""
    method = ctx.tables.methods.get(contact.method) if contact.method else None
    if contact.location is not None and contact.location not in ctx.tables.locations:
        yield block(
            "SEL-LOCATION",
            "location",
            f"'{contact.location}' is not a location in the agency's list; choose one from the list.",
        )
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
    elif contact.status not in (COMPLETED, ATTEMPTED) or contact.status not in ctx.tables.statuses:
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
    people = people_by_id(ctx)
    for pid in dict.fromkeys(contact.participant_ids):
        person = people.get(pid)
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
    """SEL-ONBEHALF: chosen children of this referral/case; a mandatory contact covers all of them."""
    if not contact.on_behalf_of_child_ids:
        yield block(
            "SEL-ONBEHALF",
            "on_behalf_of_child_ids",
            "Choose the child or children on whose behalf the contact is made.",
        )
        return
    people = people_by_id(ctx)
    for pid in dict.fromkeys(contact.on_behalf_of_child_ids):
        person = people.get(pid)
        if person is None or not person.has_role(PersonRole.CHILD):
            who = person.full_name if person is not None else f"'{pid}'"
            yield block(
                "SEL-ONBEHALF",
                "on_behalf_of_child_ids",
                f"{who} is not a child in {where(ctx)}; choose only children of {where(ctx)}.",
            )
    if kind_entry(contact, ctx).mandatory:
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
    expected = ctx.tables.label("party_types", entry.party_type)
    if not contact.party_type:
        yield block("SEL-PARTYTYPE", "party_type", f"Select the contact party type: '{expected}'.")
        return
    party = ctx.tables.party_types.get(contact.party_type)
    if party is None:
        yield block(
            "SEL-PARTYTYPE",
            "party_type",
            f"'{contact.party_type}' is not a contact party type in the agency's list; select '{expected}'.",
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
            f"A '{entry.label}' has the party type '{expected}', not '{party.label}'.",
        )


def sel_services(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """SEL-SERVICES (block part): each service is a known code valid in a referral or a case."""
    for code in dict.fromkeys(contact.services):
        service = ctx.tables.services.get(code)
        if service is None or not service.offered:
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
    if is_social_media(contact.method, method):
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
