"""NAR-* rules on the narrative of one contact (RULES.md section 3, policy 001), and the text matching the
wizard uses to highlight words live while the worker types.

`style_matches` and `reporter_matches` are pure functions over plain text so the wizard can call them on
every keystroke (no Qt here); the NAR-STYLE and NAR-RP rules are built on the same functions, so the
highlight and the finding can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from fieldapp.domain.agency_time import business_day
from fieldapp.domain.codecheck import unknown_code
from fieldapp.domain.codetables import CodeTables, StyleTerm
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import CollateralType, Contact, ContactKind, Matter, PersonRole, find_person
from fieldapp.domain.rules.common import block, human_day, warn
from fieldapp.domain.rules.textscan import Finder, digits_finder, lowered, phrase_finder

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

# Purpose codes the narrative rules recognise (codes are stable across agencies; labels are not).
CASE_CONSULTATION = "CASE_CONSULTATION"
LEGAL_CONSULTATION = "LEGAL_CONSULTATION"

SOP_KINDS = frozenset(
    {ContactKind.CHILD_REFERRAL, ContactKind.CHILD_CASE, ContactKind.PARENT_REFERRAL, ContactKind.PARENT_CASE}
)

RP_SUGGESTION = (
    "Do not identify the reporting party: write 'the reporting party' (or leave it out). Reporter "
    "details belong on the Reporter page only."
)


@dataclass(frozen=True, slots=True)
class TextMatch:
    """A span of narrative text to highlight: [start, end) of the text, what matched, and what to do."""

    start: int
    end: int
    term: str
    suggestion: str


def _non_overlapping(matches: Iterable[TextMatch]) -> list[TextMatch]:
    """Keep the longest match where matches overlap ('seemed drunk' over 'seemed'), in text order."""
    kept: list[TextMatch] = []
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


@lru_cache(maxsize=8)
def _style_finders(terms: tuple[StyleTerm, ...]) -> tuple[tuple[Finder, StyleTerm], ...]:
    return tuple((f, t) for t in terms if (f := phrase_finder(t.term)) is not None)


def style_matches(text: str, tables: CodeTables) -> list[TextMatch]:
    """NAR-STYLE: every flagged label or judgmental term in `text`, with the agency's suggestion."""
    if not text:
        return []
    low = lowered(text)
    found = (
        TextMatch(start, end, term.term, term.suggestion)
        for finder, term in _style_finders(tuple(tables.style_terms))
        for start, end in finder.spans(text, low)
    )
    return _non_overlapping(found)


# --------------------------------------------------------------------------- reporting party (NAR-RP)

_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
ReporterKey = tuple[tuple[str, str, str, str], ...]


@lru_cache(maxsize=256)
def _reporter_finders(reporters: ReporterKey, other_tokens: frozenset[str]) -> tuple[tuple[Finder, str], ...]:
    """Finders for the reporting parties' names and contact details (cached per referral/case)."""
    out: list[tuple[Finder | None, str]] = []
    for full_name, phone, email, address in reporters:
        out.append((phrase_finder(full_name), "name"))
        for token in _NAME_TOKEN.findall(full_name):
            # A single name is flagged only when no one else in the referral/case carries it: a reporter
            # who shares the family's surname must not turn every mention of the family into a warning.
            if len(token) >= 3 and token.casefold() not in other_tokens:
                out.append((phrase_finder(token, ignore_case=False), "name"))
        out.append((digits_finder(phone), "phone number"))
        out.append((phrase_finder(email), "email"))
        out.append((phrase_finder(address), "address"))
        street = address.split(",")[0].strip()
        if len(street) >= 6 and street != address.strip():
            out.append((phrase_finder(street), "address"))
    return tuple((f, what) for f, what in out if f is not None)


def _reporter_key(matter: Matter) -> tuple[ReporterKey, frozenset[str]]:
    reporters = []
    others: set[str] = set()
    for person in matter.people:
        if person.has_role(PersonRole.REPORTING_PARTY):
            reporters.append((person.full_name, person.phone or "", person.email or "", person.address or ""))
        else:
            others.update(t.casefold() for t in _NAME_TOKEN.findall(person.full_name))
    return tuple(reporters), frozenset(others)


def reporter_matches(text: str, matter: Matter) -> list[TextMatch]:
    """NAR-RP: where `text` names the reporting party or gives their phone, email or address."""
    reporters, others = _reporter_key(matter)
    if not reporters or not text:
        return []
    low = lowered(text)
    found = (
        TextMatch(start, end, f"reporting party's {what}: {text[start:end]}", RP_SUGGESTION)
        for finder, what in _reporter_finders(reporters, others)
        for start, end in finder.spans(text, low)
    )
    return _non_overlapping(found)


# --------------------------------------------------------------------------- who the contact was with


def _collateral_participants(contact: Contact, matter: Matter, ctype: CollateralType) -> list[str]:
    out = []
    for pid in contact.participant_ids:
        person = find_person(matter, pid)
        if person is not None and person.collateral_type is ctype:
            out.append(person.full_name)
    return out


def _with_collateral(contact: Contact, matter: Matter, ctype: CollateralType) -> bool:
    """Whether a participant is a collateral of `ctype` (asked of every contact: no list of names built)."""
    for pid in contact.participant_ids:
        person = find_person(matter, pid)
        if person is not None and person.collateral_type is ctype:
            return True
    return False


_COUNSEL_ROLE = re.compile(r"county\s+counsel", re.IGNORECASE)
_LAW_ENFORCEMENT_ROLE = re.compile(
    r"law\s+enforcement|police|sheriff|deputy|detective|officer", re.IGNORECASE
)


def _others_present_as(contact: Contact, role: re.Pattern[str]) -> list[str]:
    return [o.name for o in contact.others_present if role.search(o.role)]


def involves_county_counsel(contact: Contact, matter: Matter) -> bool:
    """A contact with County Counsel: counsel as participant or among those present, or the purpose is
    to consult counsel. The release filter (fieldapp.domain.release) withholds exactly these."""
    return (
        LEGAL_CONSULTATION in contact.purposes
        or _with_collateral(contact, matter, CollateralType.COUNTY_COUNSEL)
        or any(_COUNSEL_ROLE.search(o.role) for o in contact.others_present)
    )


def is_supervisor_consultation(contact: Contact, matter: Matter) -> bool:
    """A case consultation with the supervisor (PSS): its purpose, or the supervisor as participant."""
    return CASE_CONSULTATION in contact.purposes or _with_collateral(
        contact, matter, CollateralType.SUPERVISOR
    )


def begins_with_privilege_line(narrative: str, tables: CodeTables) -> bool:
    return narrative.lstrip().startswith(tables.agency.privilege_line)


# --------------------------------------------------------------------------- rules


def only_template(narrative: str, templates: Iterable[str], fixed_lines: Iterable[str] = ()) -> bool:
    """True when `narrative` holds nothing but lines of the templates (their headings and prompts) and
    `fixed_lines` (the privilege line): an inserted template with nothing written under it. A prompt line
    with words typed after it is content.

    Asked of every contact on every check, and almost always false at the narrative's first written line:
    a line that is not even part of a template's text is content, found without splitting the templates.
    """
    texts = (*templates, *fixed_lines)
    given: set[str] | None = None
    for raw in narrative.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not any(line in text for text in texts):
            return False
        if given is None:
            given = _stripped_lines(texts)
        if line not in given:
            return False
    return bool(given if given is not None else _stripped_lines(texts))


def _stripped_lines(texts: Iterable[str]) -> set[str]:
    given = {line.strip() for text in texts for line in text.splitlines()}
    given.discard("")
    return given


def nar_required(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-REQUIRED: no final save without a narrative; the template's headings alone are no narrative
    (the day-end close would otherwise finalize a contact with no content)."""
    if not contact.narrative.strip():
        yield block(
            "NAR-REQUIRED", "narrative", "Write the narrative: no contact is saved as final without one."
        )
    elif only_template(
        contact.narrative, ctx.tables.narrative_templates, (ctx.tables.agency.privilege_line,)
    ):
        yield block(
            "NAR-REQUIRED",
            "narrative",
            "The narrative is only the template's headings: write what happened under them. No contact "
            "is saved as final without a narrative.",
        )


def nar_length(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-LENGTH: the narrative fits the state system's contact record (the narrative and its
    continuation); a longer one is refused with the limit stated, never treated as missing."""
    agency = ctx.tables.agency
    if len(contact.narrative) > agency.narrative_max_chars:
        over = len(contact.narrative) - agency.narrative_max_chars
        yield block(
            "NAR-LENGTH",
            "narrative",
            f"The narrative has {len(contact.narrative):,} characters, {over:,} more than the state "
            f"record holds: at most {agency.narrative_max_chars:,} ({agency.narrative_record_chars:,} "
            f"plus a {agency.narrative_continuation_chars:,}-character continuation). Shorten it.",
        )


def nar_sameday(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-SAMEDAY: the narrative is completed within the business day the contact is first saved."""
    tz = ctx.tables.agency.time_zone
    if contact.previous_contact_id is not None and contact.previous_contact_id == contact.id:
        yield block(
            "NAR-SAMEDAY",
            "previous_contact_id",
            "A subsequent contact must link to the earlier contact, not to itself.",
        )
    if contact.first_saved_at is None:
        return  # never saved yet (or finalized at its first save): the day has not started to run
    first_day = business_day(contact.first_saved_at, tz)
    if contact.finalized_at is None:
        if business_day(ctx.now, tz) > first_day:
            yield block(
                "NAR-SAMEDAY",
                "narrative",
                f"This contact was first saved on {human_day(first_day)}; the business day to complete its "
                "narrative has ended and it can no longer be changed. Record anything further in a new, "
                "subsequent contact linked to this one.",
            )
        return
    if contact.finalized_at < contact.first_saved_at:
        yield block(
            "NAR-SAMEDAY",
            "finalized_at",
            "The contact is recorded as finalized before it was first saved; the save times are wrong.",
        )
    elif business_day(contact.finalized_at, tz) != first_day:
        yield block(
            "NAR-SAMEDAY",
            "narrative",
            f"This contact was first saved on {human_day(first_day)} but finalized on "
            f"{human_day(business_day(contact.finalized_at, tz))}; the narrative must be completed the day it "
            "is first saved. Anything added later belongs in a subsequent contact linked to this one.",
        )


def nar_privilege(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-PRIVILEGE: a contact with County Counsel begins with the privilege line, in capitals."""
    if not involves_county_counsel(contact, ctx.matter):
        return
    line = ctx.tables.agency.privilege_line
    if begins_with_privilege_line(contact.narrative, ctx.tables):
        return
    if contact.narrative.lstrip().casefold().startswith(line.casefold()):
        message = f"The first line must be written in capitals, exactly: {line}"
    else:
        message = f"A contact with County Counsel must begin with the line: {line}"
    yield block("NAR-PRIVILEGE", "narrative", message)


def nar_rp(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-RP: warn when the narrative names the reporting party or gives their contact details."""
    seen: set[str] = set()
    for match in reporter_matches(contact.narrative, ctx.matter):
        if match.term in seen:
            continue
        seen.add(match.term)
        yield warn(
            "NAR-RP",
            "narrative",
            f"The narrative contains the {match.term!s}. {RP_SUGGESTION}",
        )


def _normalise_sentence(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".").strip()


def nar_consult(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-CONSULT: a consultation with the supervisor records only the fixed sentence, never details."""
    if not is_supervisor_consultation(contact, ctx.matter):
        return
    agency = ctx.tables.agency
    text = contact.narrative.lstrip()
    if text.startswith(agency.privilege_line):
        text = text[len(agency.privilege_line) :]
    allowed = {
        _normalise_sentence(agency.consultation_sentence),
        _normalise_sentence(agency.urgent_consultation_sentence),
    }
    if _normalise_sentence(text) not in allowed:
        yield block(
            "NAR-CONSULT",
            "narrative",
            "A case consultation with the supervisor is confidential: record only "
            f'"{agency.consultation_sentence}" or, if urgent, "{agency.urgent_consultation_sentence}" '
            "and no details.",
        )


def nar_style(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-STYLE: one warning per flagged term, with the agency's suggestion."""
    seen: set[str] = set()
    for match in style_matches(contact.narrative, ctx.tables):
        if match.term in seen:
            continue
        seen.add(match.term)
        yield warn(
            "NAR-STYLE",
            "narrative",
            f'"{match.term}" is a label or a judgement. {match.suggestion}',
        )


def nar_le(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-LE: a contact with law enforcement records the assessment given and the facts supporting it."""
    officers = _collateral_participants(contact, ctx.matter, CollateralType.LAW_ENFORCEMENT)
    officers += _others_present_as(contact, _LAW_ENFORCEMENT_ROLE)
    if not officers:
        return
    le = contact.law_enforcement
    missing = []
    if le is None or not le.assessment.strip():
        missing.append("the assessment law enforcement gave")
    if le is None or not le.supporting_facts.strip():
        missing.append("the facts supporting it")
    if missing:
        yield warn(
            "NAR-LE",
            "law_enforcement",
            f"For the contact with {', '.join(officers)}, record {' and '.join(missing)}, and only that.",
        )


def nar_sop(contact: Contact, ctx: RuleContext) -> Iterator[Finding]:
    """NAR-SOP: child and parent contacts record the SOP components used, from the program's checklist."""
    tables = ctx.tables
    program = str(ctx.matter.program)
    checklist = tables.sop_checklist_codes.get(program)
    if checklist is None:
        checklist = frozenset(e.code for e in tables.sop_checklist(program))
    for code in dict.fromkeys(contact.sop_components):
        if code in checklist:
            continue  # the usual case: every checklist code is a known one, so nothing more to look up
        known = {e.code for e in tables.sop_hotline} | {e.code for e in tables.sop_all}
        for extras in tables.sop_extras.values():
            known |= {e.code for e in extras}
        if code not in known:
            problem = unknown_code(tables, "sop", "sop_components", code)
            yield block(
                "NAR-SOP",
                "sop_components",
                f"{problem.message() if problem else code} Choose from the {program} checklist.",
            )
        else:
            yield warn(
                "NAR-SOP",
                "sop_components",
                f"'{code}' is not on the SOP checklist for {program}; choose the component from that list.",
            )
    if contact.kind in SOP_KINDS and not contact.sop_components and contact.status != "ATTEMPTED":
        yield warn(
            "NAR-SOP",
            "sop_components",
            f"Record the Safety Organized Practice components you used, from the {program} checklist.",
        )
