"""The contact wizard's flow as a Qt-free state machine: steps, what each page owns, what it offers.

Why here and not in the widgets: the order of the steps, which fields a page is responsible for, which
choices are valid for a kind in a referral or case, and whether a page may be left are policy (RULES.md
sections 1-3), and must be testable without a display. The Qt wizard (fieldapp.gui.wizard) only asks this
module and shows the answers; it never decides anything itself.

The life of a new contact in the flow:

    ON_BEHALF  (SEL-ONBEHALF: the children, all preselected, chosen before anything else)
    KIND       (only kinds valid for a referral or a case; SCP only in a case)
    BASICS     staff person, date/time, purposes, on-behalf children, primary-worker / closure exceptions
    METHOD     method, location only for In-Person, status, fax / returned-mail details
    PARTICIPANTS  people of the kind's role, the fixed party type, others present
    SERVICES   SW Plan Contact / FEE / other services, the program's SOP checklist
    NARRATIVE  the text (privilege line, consultation sentence), law-enforcement assessment
    REVIEW     the whole contact and whether it counts toward each measure

A page may be left forward only when no *block* finding of the rules engine names a field the page owns;
the contact may be finalized only when no block finding stands at all.
"""

from __future__ import annotations

import dataclasses
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from fieldapp.app.texts import roles_words
from fieldapp.domain.codetables import CodeEntry, CodeTables, KindEntry
from fieldapp.domain.compliance.model import MEASURE_LABELS
from fieldapp.domain.findings import CountVerdict, Finding, Severity
from fieldapp.domain.records import (
    Case,
    Contact,
    ContactKind,
    Matter,
    Person,
    PersonRole,
    find_person,
    people_with_role,
)
from fieldapp.domain.rules import RuleContext, check_contact, counts_toward
from fieldapp.domain.rules.narrative import involves_county_counsel, is_supervisor_consultation, nar_le

Checker = Callable[[Contact, RuleContext], list[Finding]]
Counter = Callable[[Contact, RuleContext], list[CountVerdict]]


class Step(IntEnum):
    """Every step of a new contact, in order. The Qt wizard uses these values as its page IDs."""

    ON_BEHALF = 0
    KIND = 1
    BASICS = 2
    METHOD = 3
    PARTICIPANTS = 4
    SERVICES = 5
    NARRATIVE = 6
    REVIEW = 7


WIZARD_PAGES: tuple[Step, ...] = (
    Step.BASICS,
    Step.METHOD,
    Step.PARTICIPANTS,
    Step.SERVICES,
    Step.NARRATIVE,
    Step.REVIEW,
)

PAGE_TITLES: Mapping[Step, str] = {
    Step.ON_BEHALF: "On behalf of",
    Step.KIND: "Kind of contact",
    Step.BASICS: "Who, when and why",
    Step.METHOD: "How the contact was made",
    Step.PARTICIPANTS: "Participants",
    Step.SERVICES: "Services and Safety Organized Practice",
    Step.NARRATIVE: "Narrative",
    Step.REVIEW: "Review and finalize",
}


def step_title(step: Step) -> str:
    """The page title with where the worker is: "3 of 6: Participants"."""
    if step not in WIZARD_PAGES:
        return PAGE_TITLES[step]
    return f"{WIZARD_PAGES.index(step) + 1} of {len(WIZARD_PAGES)}: {PAGE_TITLES[step]}"


PAGE_FIELDS: Mapping[Step, frozenset[str]] = {
    Step.ON_BEHALF: frozenset({"on_behalf_of_child_ids"}),
    Step.KIND: frozenset({"kind"}),
    Step.BASICS: frozenset(
        {
            "staff_person_id",
            "started_at",
            "ended_at",
            "purposes",
            "on_behalf_of_child_ids",
            "primary_exception",
            "closure_exception",
            "initiated_by",
            "context_id",
        }
    ),
    Step.METHOD: frozenset({"method", "location", "status", "fax", "returned_mail"}),
    Step.PARTICIPANTS: frozenset({"participant_ids", "party_type", "others_present"}),
    Step.SERVICES: frozenset({"services", "sop_components"}),
    Step.NARRATIVE: frozenset({"narrative", "law_enforcement"}),
    Step.REVIEW: frozenset(),
}
"""Which contact fields each page edits. A finding's field is matched on its first dotted part
("fax.to" belongs to METHOD); a finding on a field no page owns is shown on the review page."""


FIELD_WORDS: Mapping[str, str] = {
    "staff_person_id": "Staff person",
    "started_at": "Contact started",
    "ended_at": "End time",
    "purposes": "Contact purposes",
    "on_behalf_of_child_ids": "On behalf of",
    "primary_exception": "Primary-worker exception",
    "closure_exception": "Closure exception",
    "context_id": "Referral/case",
    "method": "Method of contact",
    "location": "Location",
    "status": "Status",
    "fax": "Fax details",
    "returned_mail": "Returned mail",
    "participant_ids": "Participants",
    "party_type": "Party type",
    "others_present": "Others present",
    "services": "Services",
    "sop_components": "Safety Organized Practice components",
    "narrative": "Narrative",
    "law_enforcement": "Law-enforcement assessment",
}
"""What each field is called on its page, for the banner that links to it."""


def field_words(field: str) -> str:
    root = field_root(field)
    return FIELD_WORDS.get(root, root.replace("_", " ").capitalize())


def field_root(field: str) -> str:
    """`fax.sent_at` and `others_present[1].name` both belong to the control of their first part."""
    return field.split(".", 1)[0].split("[", 1)[0]


def page_of_field(field: str) -> Step:
    root = field_root(field)
    for step in WIZARD_PAGES:
        if root in PAGE_FIELDS[step]:
            return step
    return Step.REVIEW


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the worker can pick: a stored code (or person ID) and the label shown."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class KindChoice:
    kind: ContactKind
    label: str
    mandatory: bool
    available: bool
    reason: str = ""


class NarrativeMode(StrEnum):
    FREE = "free"
    PRIVILEGED = "privileged"  # NAR-PRIVILEGE: county counsel, the privilege line first and protected
    CONSULTATION = "consultation"  # NAR-CONSULT: the fixed sentence only


# --------------------------------------------------------------------------- before the contact exists


def on_behalf_choices(matter: Matter) -> tuple[Choice, ...]:
    """SEL-ONBEHALF: the children of the referral or case, in the order the matter lists them."""
    return tuple(Choice(p.id, p.full_name) for p in people_with_role(matter, PersonRole.CHILD))


def default_on_behalf(matter: Matter) -> tuple[str, ...]:
    """All children are preselected: the kind is not chosen yet, and a mandatory contact needs them all."""
    return tuple(c.code for c in on_behalf_choices(matter))


def on_behalf_problem(matter: Matter, chosen: Sequence[str]) -> str | None:
    """Why the on-behalf choice cannot be accepted, or None. At least one child is required (SEL-ONBEHALF)."""
    if not on_behalf_choices(matter):
        return None  # a matter without children (rare; collateral-only) cannot name one
    if not chosen:
        return "Choose at least one child on whose behalf the contact is made. (SEL-ONBEHALF)"
    return None


def on_behalf_left_out(matter: Matter, chosen: Sequence[str]) -> tuple[Choice, ...]:
    """Children left out: a warning for a mandatory contact (SEL-ONBEHALF), shown in the dialog."""
    return tuple(c for c in on_behalf_choices(matter) if c.code not in set(chosen))


def kind_choices(tables: CodeTables, matter: Matter) -> tuple[KindChoice, ...]:
    """The kinds valid in this referral or case; a kind nobody in the matter can be the participant of is
    listed but unavailable, with the reason, so the worker is not left wondering where it went."""
    out = []
    for entry in tables.kinds.values():
        if matter.context not in entry.context:
            continue
        roles = _participant_roles(entry)
        has_person = any(p for p in matter.people if set(p.roles) & roles)
        reason = "" if has_person else f"No {entry.participant_role.value} is recorded in {matter.name}."
        out.append(KindChoice(entry.code, entry.label, entry.mandatory, has_person, reason))
    return tuple(out)


def kind_for_person(tables: CodeTables, matter: Matter, person_id: str | None) -> ContactKind | None:
    """The kind a contact with this person would be (the child's, the parent's, the SCP's, a collateral),
    to preselect when the worker started the contact from a person in the caseload; None if not one."""
    person = find_person(matter, person_id) if person_id else None
    if person is None:
        return None
    for choice in kind_choices(tables, matter):
        if choice.available and set(person.roles) & _participant_roles(tables.kinds[choice.kind]):
            return choice.kind
    return None


def _participant_roles(entry: KindEntry) -> set[PersonRole]:
    # A reporting party is contacted as a Collateral (NAR-RP, SEL-PARTYTYPE), never as "Reporter".
    if entry.participant_role is PersonRole.COLLATERAL:
        return {PersonRole.COLLATERAL, PersonRole.REPORTING_PARTY}
    return {entry.participant_role}


# --------------------------------------------------------------------------- the flow of one contact


@dataclass(frozen=True)
class ContactFlow:
    """The flow of one contact of one kind in one referral or case.

    `check` and `count` default to the rules engine; tests of the flow's own logic pass small stand-ins.
    """

    ctx: RuleContext
    kind: ContactKind
    check: Checker = check_contact
    count: Counter = counts_toward

    @property
    def tables(self) -> CodeTables:
        return self.ctx.tables

    @property
    def matter(self) -> Matter:
        return self.ctx.matter

    @property
    def kind_entry(self) -> KindEntry:
        return self.tables.kinds[self.kind]

    def at(self, now: datetime) -> ContactFlow:
        """The same flow judged at another moment (rules take `now` as data, never from the clock)."""
        return dataclasses.replace(self, ctx=dataclasses.replace(self.ctx, now=now))

    # ----------------------------------------------------------------- order

    def first_page(self) -> Step:
        return Step.BASICS

    def pages(self) -> tuple[Step, ...]:
        return WIZARD_PAGES

    def next_page(self, page: Step) -> Step | None:
        """The page after `page`, or None after the review. Every kind sees every page: a page with no
        choice for the kind still shows what was fixed for it (e.g. the party type)."""
        pages = self.pages()
        i = pages.index(page)
        return pages[i + 1] if i + 1 < len(pages) else None

    def previous_page(self, page: Step) -> Step | None:
        pages = self.pages()
        i = pages.index(page)
        return pages[i - 1] if i > 0 else None

    # ----------------------------------------------------------------- findings

    def findings(self, contact: Contact) -> list[Finding]:
        return self.check(contact, self.ctx)

    def page_findings(
        self, page: Step, contact: Contact, findings: Sequence[Finding] | None = None
    ) -> list[Finding]:
        found = self.findings(contact) if findings is None else findings
        if page is Step.REVIEW:
            return list(found)
        return [f for f in found if page_of_field(f.field) is page]

    def blocking(
        self, page: Step, contact: Contact, findings: Sequence[Finding] | None = None
    ) -> list[Finding]:
        return [f for f in self.page_findings(page, contact, findings) if f.severity is Severity.BLOCK]

    def can_leave(self, page: Step, contact: Contact, findings: Sequence[Finding] | None = None) -> bool:
        """Forward only when no block finding names a field this page owns (review: none at all)."""
        return not self.blocking(page, contact, findings)

    def can_finalize(self, contact: Contact, findings: Sequence[Finding] | None = None) -> bool:
        return not self.blocking(Step.REVIEW, contact, findings)

    def first_blocked_page(self, contact: Contact, findings: Sequence[Finding] | None = None) -> Step | None:
        """Where to send the worker when finalizing is refused: the earliest page with a block finding."""
        found = self.findings(contact) if findings is None else findings
        pages = [page_of_field(f.field) for f in found if f.severity is Severity.BLOCK]
        return min(pages) if pages else None

    def verdicts(self, contact: Contact) -> list[CountVerdict]:
        return self.count(contact, self.ctx)

    # ----------------------------------------------------------------- choices

    def staff_choices(self) -> tuple[Choice, ...]:
        """SEL-STAFF: the signed-in worker first (the default), then the rest of the staff list."""
        caseload = self.ctx.caseload
        staff = (caseload.worker, *(w for w in caseload.staff if w.id != caseload.worker.id))
        return tuple(Choice(w.id, f"{w.full_name} ({w.title})") for w in staff)

    def approver_choices(self) -> tuple[Choice, ...]:
        """SEL-PRIMARY: who may approve a mandatory contact by someone else: the bureau program managers of
        the staff list (picked, never typed, so the rules can check who approved)."""
        caseload = self.ctx.caseload
        staff = (caseload.worker, *(w for w in caseload.staff if w.id != caseload.worker.id))
        return tuple(Choice(w.id, f"{w.full_name} ({w.title})") for w in staff if w.is_bureau_program_manager)

    def purpose_choices(self) -> tuple[Choice, ...]:
        """SEL-PURPOSE: purposes valid in a referral or a case; the kind's mandatory ones first."""
        mandatory = self.kind_entry.mandatory_purposes
        valid = [e for e in self.tables.purposes.values() if self.matter.context in e.context and e.offered]
        valid.sort(key=lambda e: (e.code not in mandatory, list(self.tables.purposes).index(e.code)))
        return tuple(Choice(e.code, e.label) for e in valid)

    def mandatory_purposes(self) -> tuple[str, ...]:
        return self.kind_entry.mandatory_purposes

    def method_choices(self) -> tuple[Choice, ...]:
        """SEL-METHOD / SEL-MEDIUM: the table's methods (social media is not among them, by policy)."""
        return _offered(self.tables.methods.values())

    def shows_location(self, contact: Contact) -> bool:
        """SEL-LOCATION: a location is asked for when, and only when, the method is In-Person."""
        return contact.method in self.tables.in_person_methods

    def location_choices(self, contact: Contact) -> tuple[Choice, ...]:
        return _offered(self.tables.locations.values()) if self.shows_location(contact) else ()

    def shows_fax(self, contact: Contact) -> bool:
        entry = self.tables.methods.get(contact.method or "")
        return bool(entry and entry.fax)

    def shows_returned_mail(self, contact: Contact) -> bool:
        entry = self.tables.methods.get(contact.method or "")
        return bool(entry and entry.returned_mail)

    def status_choices(self) -> tuple[Choice, ...]:
        return _offered(self.tables.statuses.values())

    def participant_choices(self) -> tuple[Choice, ...]:
        """SEL-PARTICIPANT: only people holding the kind's role in this referral or case; a substitute
        care provider is shown with the children placed with them, so the worker picks the right one."""
        roles = _participant_roles(self.kind_entry)
        people = [p for p in self.matter.people if set(p.roles) & roles]
        return tuple(Choice(p.id, self._participant_label(p)) for p in people)

    def _participant_label(self, person: Person) -> str:
        children = self.children_cared_for(person.id)
        if not person.has_role(PersonRole.SCP) or not isinstance(self.matter, Case):
            return _person_label(person)
        cares = ", ".join(_name(self.matter, c) for c in children) or "no child placed with them"
        return f"{person.full_name} (substitute care provider of {cares})"

    def children_cared_for(self, scp_id: str) -> tuple[str, ...]:
        """The children placed with this substitute care provider (the case's placements)."""
        if not isinstance(self.matter, Case):
            return ()
        return tuple(dict.fromkeys(p.child_id for p in self.matter.placements if p.scp_id == scp_id))

    def scp_mismatch(self, contact: Contact) -> str | None:
        """A warning (SEL-PARTICIPANT) when the chosen substitute care provider cares for none of the
        children the contact is made on behalf of: most likely the wrong caregiver, or the wrong children."""
        if self.kind_entry.participant_role is not PersonRole.SCP or not isinstance(self.matter, Case):
            return None
        wanted = set(contact.on_behalf_of_child_ids)
        for scp_id in contact.participant_ids:
            cared = self.children_cared_for(scp_id)
            if wanted and not wanted & set(cared):
                children = ", ".join(_name(self.matter, c) for c in contact.on_behalf_of_child_ids)
                return (
                    f"Check: {_name(self.matter, scp_id)} does not care for {children}, on whose behalf "
                    "this contact is made. Choose their caregiver, or change the children on the first page."
                )
        return None

    def people_present_choices(self) -> tuple[Choice, ...]:
        """Others present (SEL-OTHERS) can be picked from the referral/case's people: full name -> role in
        words. The kind's own participants are left out: they are chosen above, not "others"."""
        own = {c.code for c in self.participant_choices()}
        return tuple(
            Choice(p.full_name, roles_words((r.value for r in p.roles), _collateral(p)))
            for p in self.matter.people
            if p.id not in own
        )

    def party_type(self) -> Choice:
        """SEL-PARTYTYPE: fixed by the kind, never chosen (so Staff Person/Reporter cannot be picked)."""
        code = self.kind_entry.party_type
        return Choice(code, self.tables.label("party_types", code))

    def party_type_words(self) -> str:
        """The party type in words, with the state's code label after it: the state's "Staff Person/Sub
        Care Provider" is what the report needs, not what a worker calls it."""
        role = role_words(self.kind_entry.participant_role)
        return f"You with the {role} (state code “{self.party_type().label}”, set by the kind of contact)"

    def service_choices(self) -> tuple[tuple[str, tuple[Choice, ...]], ...]:
        """SEL-SERVICES grouped as the worker thinks of them; SW Plan Contact only in a case."""
        groups = (
            ("case_management", "Case management"),
            ("fee", "Family Engagement Efforts (FEE)"),
            ("other", "Other services"),
        )
        out = []
        for group, title in groups:
            entries = [
                e
                for e in self.tables.services.values()
                if e.group == group and self.matter.context in e.context and e.offered
            ]
            if entries:
                out.append((title, tuple(Choice(e.code, e.label) for e in entries)))
        return tuple(out)

    def suggests_sw_plan_contact(self) -> bool:
        """In a case a mandatory contact is marked SW Plan Contact (SEL-SERVICES); preselected for one."""
        return isinstance(self.matter, Case) and self.kind_entry.mandatory

    def sop_choices(self) -> tuple[Choice, ...]:
        """NAR-SOP: the checklist of the matter's program."""
        return tuple(Choice(e.code, e.label) for e in self.tables.sop_checklist(self.matter.program))

    # ----------------------------------------------------------------- narrative

    def narrative_mode(self, contact: Contact) -> NarrativeMode:
        """Supervisor consultation (NAR-CONSULT) and county counsel (NAR-PRIVILEGE) constrain the text;
        the same predicates as the rules, so the editor and the findings agree on when they apply."""
        if is_supervisor_consultation(contact, self.matter):
            return NarrativeMode.CONSULTATION
        if involves_county_counsel(contact, self.matter):
            return NarrativeMode.PRIVILEGED
        return NarrativeMode.FREE

    def privilege_line(self) -> str:
        return self.tables.agency.privilege_line

    def consultation_sentences(self) -> tuple[str, str]:
        """The standard sentence and the urgent one; nothing else may be written (NAR-CONSULT)."""
        agency = self.tables.agency
        return (agency.consultation_sentence, agency.urgent_consultation_sentence)

    def narrative_max_chars(self) -> int:
        return self.tables.agency.narrative_max_chars

    def asks_law_enforcement(self, contact: Contact) -> bool:
        """NAR-LE: the assessment and its facts are asked for exactly when the rule applies (an officer as
        participant or among those present): the rule itself decides, so the two never disagree."""
        probe = contact.model_copy(update={"law_enforcement": None})
        return any(True for _ in nar_le(probe, self.ctx))

    # ----------------------------------------------------------------- consequences of a change

    def normalize(self, contact: Contact) -> Contact:
        """Apply what follows from the selections so no stale value hides behind a hidden control:
        the party type from the kind, no location unless In-Person, fax / returned-mail details only for
        those methods, and the privilege line at the top of a county-counsel narrative."""
        update: dict[str, object] = {}
        party = self.kind_entry.party_type
        if contact.party_type != party:
            update["party_type"] = party
        if contact.location is not None and not self.shows_location(contact):
            update["location"] = None
        if contact.fax is not None and not self.shows_fax(contact):
            update["fax"] = None
        if contact.returned_mail is not None and not self.shows_returned_mail(contact):
            update["returned_mail"] = None
        if contact.law_enforcement is not None and not self.asks_law_enforcement(contact):
            update["law_enforcement"] = None
        mode = self.narrative_mode(contact)
        if mode is NarrativeMode.PRIVILEGED:
            line = self.privilege_line()
            if not contact.narrative.startswith(line):
                update["narrative"] = with_privilege_line(contact.narrative, line)
        return contact.model_copy(update=update) if update else contact

    def initial(self, contact: Contact) -> Contact:
        """A fresh draft as the wizard first shows it: a mandatory kind's first mandatory purpose,
        SW Plan Contact preselected for a mandatory case contact, the only possible participant chosen."""
        update: dict[str, object] = {}
        mandatory = self.mandatory_purposes()
        if not contact.purposes and self.kind_entry.mandatory and mandatory:
            update["purposes"] = mandatory[:1]  # every mandatory kind alike: its first mandatory purpose
        if not contact.services and self.suggests_sw_plan_contact():
            update["services"] = ("SW_PLAN_CONTACT",)
        people = self.participant_choices()
        if not contact.participant_ids and len(people) == 1 and self.kind is not ContactKind.COLLATERAL:
            update["participant_ids"] = (people[0].code,)
        changed = contact.model_copy(update=update) if update else contact
        return self.normalize(changed)

    # ----------------------------------------------------------------- review

    def verdict_lines(self, contact: Contact) -> list[str]:
        """The counts-toward verdicts as the sentences the rules write ("Counts as November's monthly visit
        for Nova Quillfeather.", "Does not count: ..."), each with the measure and the blocking rule ID."""
        verdicts = self.verdicts(contact)
        seen = Tally(v.reason.strip() for v in verdicts)
        lines = []
        for v in verdicts:
            reason = v.reason.strip()
            lead = "Counts" if v.counts else "Does not count"
            repeated = seen[reason] > 1
            if not reason.startswith(lead):
                reason = f"{lead}: {reason}"
            if repeated:  # the same sentence for two measures: say which measure each line is about
                reason = f"{reason.rstrip('.')} – for “{MEASURE_LABELS.get(v.measure_id, v.measure_id)}”."
            ids = v.measure_id + (f", {v.blocking_rule_id}" if v.blocking_rule_id else "")
            lines.append(f"{reason} ({ids})")
        return lines

    def summary(self, contact: Contact) -> list[tuple[str, str]]:
        """The whole contact as label/value rows for the review page."""
        t = self.tables
        caseload = self.ctx.caseload

        def people(ids: Sequence[str]) -> str:
            return ", ".join(_name(self.matter, i) for i in ids) or "—"

        staff = caseload.staff_member(contact.staff_person_id or "")
        rows = [
            ("Referral/case", f"{self.matter.name} ({self.matter.id})"),
            ("Kind", self.kind_entry.label),
            ("On behalf of", people(contact.on_behalf_of_child_ids)),
            ("Staff person", staff.full_name if staff else "—"),
            ("Started", _when(contact.started_at, t)),
            ("Ended", _when(contact.ended_at, t)),
            ("Purposes", ", ".join(t.label("purposes", c) for c in contact.purposes) or "—"),
            ("Method", t.label("methods", contact.method) if contact.method else "—"),
        ]
        if self.shows_location(contact):
            rows.append(("Location", t.label("locations", contact.location) if contact.location else "—"))
        if contact.fax is not None:
            rows.append(("Fax", f"{contact.fax.what} to {contact.fax.to} at {_when(contact.fax.sent_at, t)}"))
        if contact.returned_mail is not None:
            rm = contact.returned_mail
            rows.append(
                ("Returned mail", f"{rm.reason}; forwarding: {rm.forwarding_address or 'none known'}")
            )
        rows += [
            ("Status", t.label("statuses", contact.status) if contact.status else "—"),
            ("Participants", people(contact.participant_ids)),
            ("Party type", self.party_type_words()),
            ("Others present", ", ".join(f"{o.name} ({o.role})" for o in contact.others_present) or "none"),
            ("Services", ", ".join(t.label("services", c) for c in contact.services) or "none"),
            ("SOP components", ", ".join(_sop_label(self, c) for c in contact.sop_components) or "none"),
            ("Narrative", f"{len(contact.narrative):,} characters"),
        ]
        if contact.primary_exception is not None:
            pe = contact.primary_exception
            approver = caseload.staff_member(pe.approver_id) if pe.approver_id else None
            by = f"{approver.full_name} ({approver.title})" if approver else pe.approver_name or "—"
            rows.append(("Primary-worker exception", f"approved by {by} on {pe.approved_on or '—'}"))
        if contact.initiated_by is not None:
            rows.append(("Initiated by", "the client" if contact.initiated_by == "client" else "the worker"))
        if contact.previous_contact_id:
            rows.append(("Follows contact", contact.previous_contact_id))
        return rows


def with_privilege_line(narrative: str, line: str) -> str:
    """NAR-PRIVILEGE: the line first, on its own line, whatever was typed kept below it."""
    rest = narrative[len(line) :] if narrative.startswith(line) else narrative
    return f"{line}\n{rest.lstrip(chr(10))}"


def _offered(entries: Iterable[CodeEntry]) -> tuple[Choice, ...]:
    return tuple(Choice(e.code, e.label) for e in entries if e.offered)


def _collateral(person: Person) -> str | None:
    return person.collateral_type.value if person.collateral_type else None


def _person_label(person: Person) -> str:
    return f"{person.full_name} ({roles_words((r.value for r in person.roles), _collateral(person))})"


def role_words(role: PersonRole) -> str:
    """A role as a worker says it ("substitute care provider", never "scp")."""
    return roles_words((role.value,), None)


def _name(matter: Matter, person_id: str) -> str:
    person = find_person(matter, person_id)
    return person.full_name if person else person_id


def _when(moment: datetime | None, tables: CodeTables) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(tables.agency.time_zone).strftime("%a %d %b %Y %H:%M")


def _sop_label(flow: ContactFlow, code: str) -> str:
    return next((c.label for c in flow.sop_choices() if c.code == code), code)
