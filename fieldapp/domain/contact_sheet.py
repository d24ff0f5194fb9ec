"""A contact sheet as a reader sees it: the entries of one referral or case, in date order, in plain words.

One model feeds every renderer (the app's print/PDF through Qt, the server's PDF through ReportLab), so
what a page says — the selections as the code tables word them, who was there, the narrative, the record's
state, who approved it and when, and each amendment beside the original it amends — is decided once.

Two audiences:
- INTERNAL: the agency's own copy (the worker's file, the supervisor's review). Nothing is withheld.
- RELEASE: a copy for someone outside the agency. The release filter (fieldapp.domain.release) withholds
  County Counsel contacts (NAR-PRIVILEGE, fail safe); the sheet says how many were withheld and under which
  rule, never what they held; the reporting party is never identified (policy 001, NAR-RP): as a
  participant they show only as "reporting party (confidential)", and their name or contact details are
  blanked wherever they appear in the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from fieldapp.domain.agency_time import Month
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import (
    Amendment,
    Approval,
    Caseload,
    Contact,
    ContactState,
    Initiator,
    Matter,
    Person,
    PersonRole,
    Worker,
)
from fieldapp.domain.release import select_for_release
from fieldapp.domain.rules.narrative import reporter_matches

PRIVILEGE_RULE = "NAR-PRIVILEGE"
REPORTING_PARTY = "reporting party (confidential)"
REDACTED_REPORTER = "[reporting party (confidential)]"
INTERNAL_MARK = "Confidential – internal"
RELEASE_MARK = "Released copy"

_ROLE_WORDS = {
    PersonRole.CHILD: "child",
    PersonRole.PARENT: "parent/guardian",
    PersonRole.SCP: "substitute care provider",
    PersonRole.ALLEGED_PERPETRATOR: "alleged perpetrator",
    PersonRole.REPORTING_PARTY: "reporting party",
    PersonRole.COLLATERAL: "collateral",
}
_INITIATOR_WORDS = {
    Initiator.WORKER: "the worker",
    Initiator.CLIENT: "the client (called, wrote or came in)",
}
_STATE_WORDS = {
    ContactState.DRAFT: "Draft (not a final record)",
    ContactState.FINAL: "Final",
    ContactState.SYNCED: "Final, received by the office",
    ContactState.APPROVED: "Final, approved by the supervisor",
}


class Audience(StrEnum):
    INTERNAL = "internal"
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class Period:
    """The days a sheet covers, in the agency's calendar; open ends mean "from the start" / "to date"."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def month(cls, month: Month) -> Period:
        return cls(month.first, month.last)

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def label(self) -> str:
        if self.start is not None and self.end is not None:
            whole_month = Month.of(self.start)
            if self.start == whole_month.first and self.end == whole_month.last:
                return whole_month.label
        if self.start is None and self.end is None:
            return "All contacts on file"
        if self.start is None:
            return f"All contacts up to {_day(self.end)}"
        if self.end is None:
            return f"All contacts from {_day(self.start)}"
        return f"{_day(self.start)} to {_day(self.end)}"


@dataclass(frozen=True, slots=True)
class SheetSource:
    """One contact as a store holds it, with what was recorded about it afterwards."""

    contact: Contact
    state: ContactState
    approvals: tuple[Approval, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class SheetApproval:
    approved_by: str
    approved_at: datetime
    note: str = ""

    @property
    def line(self) -> str:
        text = f"Approved by {self.approved_by} on {_moment(self.approved_at)}"
        return f"{text}. Note: {self.note}" if self.note else text


@dataclass(frozen=True, slots=True)
class SheetAmendment:
    """NAR-AMEND: printed beside the original, which stays as it was recorded."""

    modified_on: date
    modifier: str
    reason: str
    new_information: str

    @property
    def heading(self) -> str:
        return f"Amendment of {_day(self.modified_on)} by {self.modifier}"


@dataclass(frozen=True, slots=True)
class SheetEntry:
    contact_id: str
    when: str
    kind: str
    state: str
    fields: tuple[tuple[str, str], ...]
    narrative: str
    approvals: tuple[SheetApproval, ...] = ()
    amendments: tuple[SheetAmendment, ...] = ()
    note: str = ""

    @property
    def heading(self) -> str:
        return f"{self.when} — {self.kind}"


@dataclass(frozen=True)
class ContactSheet:
    """Everything a printed sheet says, in reading order."""

    audience: Audience
    title: str
    agency: str
    matter_label: str
    matter_id: str
    matter_name: str
    program: str
    primary_worker: str
    period: Period
    prepared_at: datetime
    prepared_by: str
    entries: tuple[SheetEntry, ...]
    withheld_count: int = 0
    notices: tuple[str, ...] = field(default=())
    single_contact: bool = False

    @property
    def mark(self) -> str:
        """What every page carries, beside the case, page number and print date."""
        return INTERNAL_MARK if self.audience is Audience.INTERNAL else RELEASE_MARK

    @property
    def printed_on(self) -> str:
        return _day(self.prepared_at.date())

    def footer(self, page: int, pages: int) -> str:
        verb = "Printed" if self.audience is Audience.INTERNAL else "Released"
        return (
            f"{self.mark} · {self.matter_label} {self.matter_id} · Page {page} of {pages} · "
            f"{verb} {self.printed_on}"
        )

    @property
    def summary_rows(self) -> tuple[tuple[str, str], ...]:
        matter = (self.matter_label, f"{self.matter_id} — {self.matter_name} ({self.program})")
        prepared = ("Prepared", f"{_moment(self.prepared_at)} by {self.prepared_by}")
        if self.single_contact:
            return (matter, ("Primary worker", self.primary_worker), prepared)
        return (
            matter,
            ("Primary worker", self.primary_worker),
            ("Period", self.period.label),
            ("Entries", str(len(self.entries))),
            prepared,
        )


def withheld_notice(count: int) -> str:
    """The first page of a release: how many entries were withheld and why, never what they held."""
    entries = "entry was" if count == 1 else "entries were"
    return (
        f"{count} {entries} withheld from this copy under rule {PRIVILEGE_RULE}: communication with "
        "County Counsel is attorney-client privileged and is not released to anyone requesting a copy of "
        "the case file (policy 001)."
    )


REPORTER_NOTICE = (
    "The identity of the reporting party is confidential and is not disclosed: wherever the record names "
    f"them, this copy reads “{REPORTING_PARTY}”."
)


# --------------------------------------------------------------------------- building


StaffLookup = Callable[[str], Worker | None] | Mapping[str, Worker]


def build_sheet(
    matter: Matter,
    sources: Iterable[SheetSource],
    tables: CodeTables,
    *,
    staff: StaffLookup,
    audience: Audience,
    period: Period,
    prepared_at: datetime,
    prepared_by: str,
    title: str = "Contact sheet",
    single_contact: bool = False,
) -> ContactSheet:
    """The sheet of `matter` for `period`: drafts never appear (they are not records yet); a release
    passes through the privilege filter first and never shows what it withheld."""
    tz = tables.agency.time_zone
    find_staff = staff.get if isinstance(staff, Mapping) else staff
    chosen = [
        s
        for s in sources
        if s.contact.context_id == matter.id
        and s.state is not ContactState.DRAFT
        and s.contact.started_at is not None
        and period.contains(s.contact.started_at.astimezone(tz).date())
    ]
    withheld = 0
    notices: list[str] = []
    if audience is Audience.RELEASE:
        caseload = _caseload_of(matter, find_staff)
        selection = select_for_release((s.contact for s in chosen), caseload, tables)
        released_ids = {c.id for c in selection.released}
        chosen = [s for s in chosen if s.contact.id in released_ids]
        withheld = len(selection.withheld)
        notices.append(withheld_notice(withheld))
        notices.append(REPORTER_NOTICE)
    chosen.sort(key=lambda s: (s.contact.started_at or prepared_at, s.contact.id))
    shown_ids = {s.contact.id for s in chosen}
    entries = tuple(_entry(s, matter, tables, find_staff, audience, shown_ids) for s in chosen)
    primary = find_staff(matter.primary_worker_id)
    return ContactSheet(
        audience=audience,
        title=title if audience is Audience.INTERNAL else f"{title} — copy for release",
        agency=tables.agency.name,
        matter_label="Case" if matter.context == "case" else "Referral",
        matter_id=matter.id,
        matter_name=matter.name,
        program=str(matter.program),
        primary_worker=_staff_words(primary, matter.primary_worker_id),
        period=period,
        prepared_at=prepared_at.astimezone(tz),
        prepared_by=prepared_by,
        entries=entries,
        withheld_count=withheld,
        notices=tuple(notices),
        single_contact=single_contact,
    )


def _caseload_of(matter: Matter, find_staff: Callable[[str], Worker | None]) -> Caseload:
    """The release filter judges a contact in its referral/case; it needs only that matter."""
    worker = find_staff(matter.primary_worker_id) or Worker(
        id=matter.primary_worker_id, full_name=matter.primary_worker_id, title="-", unit="-"
    )
    if matter.context == "case":
        return Caseload(worker=worker, cases=(matter,))
    return Caseload(worker=worker, referrals=(matter,))


def _entry(
    source: SheetSource,
    matter: Matter,
    tables: CodeTables,
    find_staff: Callable[[str], Worker | None],
    audience: Audience,
    shown_ids: set[str],
) -> SheetEntry:
    c = source.contact
    release = audience is Audience.RELEASE
    people = {p.id: p for p in matter.people}

    def text(value: str) -> str:
        return _blank_reporter(value, matter) if release else value

    def person(pid: str) -> str:
        p = people.get(pid)
        if p is None:
            return f"person {pid} (not in this {matter.context})"
        if release and p.has_role(PersonRole.REPORTING_PARTY):
            return REPORTING_PARTY
        return f"{p.full_name} ({_roles(p)})"

    tz = tables.agency.time_zone
    started = c.started_at.astimezone(tz) if c.started_at else None
    when = _moment(started) if started else "No start time recorded"
    if started and c.ended_at:
        ended = c.ended_at.astimezone(tz)
        if ended.date() == started.date():
            when = f"{_day(started.date())}, {started:%H:%M}–{ended:%H:%M} {started.tzname() or ''}".rstrip()
    kind_entry = tables.kinds.get(c.kind)
    rows: list[tuple[str, str]] = []

    def add(label: str, value: str) -> None:
        if value:
            rows.append((label, value))

    staff = find_staff(c.staff_person_id) if c.staff_person_id else None
    add("Staff person", _staff_words(staff, c.staff_person_id or ""))
    add("Participants", "; ".join(person(pid) for pid in c.participant_ids))
    add("On behalf of", "; ".join(person(pid) for pid in c.on_behalf_of_child_ids))
    add("Party type", tables.label("party_types", c.party_type) if c.party_type else "")
    add("Purpose", "; ".join(tables.label("purposes", p) for p in c.purposes))
    add("Method", tables.label("methods", c.method) if c.method else "")
    add("Location", tables.label("locations", c.location) if c.location else "")
    add("Status", tables.label("statuses", c.status) if c.status else "")
    add("Initiated by", _INITIATOR_WORDS.get(c.initiated_by, "") if c.initiated_by else "")
    add("Services", "; ".join(tables.label("services", s) for s in c.services))
    add("Others present", "; ".join(text(f"{o.name} ({o.role})") for o in c.others_present))
    sop = _sop_labels(tables, str(matter.program))
    add("SOP components", "; ".join(sop.get(code, code) for code in c.sop_components))
    if c.fax is not None:
        sent = _moment(c.fax.sent_at.astimezone(tz)) if c.fax.sent_at else "time not recorded"
        add("Fax", text(f"{c.fax.what} sent {sent} to {c.fax.to}".strip()))
    if c.returned_mail is not None:
        add("Returned mail", text(f"{c.returned_mail.reason} {c.returned_mail.forwarding_address}".strip()))
    if c.law_enforcement is not None:
        add(
            "Law enforcement assessment",
            text(f"{c.law_enforcement.assessment}. Supporting facts: {c.law_enforcement.supporting_facts}"),
        )
    if c.primary_exception is not None:
        exception = c.primary_exception
        on = _day(exception.approved_on) if exception.approved_on else "date not given"
        approver = find_staff(exception.approver_id) if exception.approver_id else None
        who = _staff_words(approver, exception.approver_name or exception.approver_id or "not named")
        add("Primary worker exception", f"approved by {who} on {on}")
    if c.closure_exception is not None:
        add(
            "After closure",
            f"{c.closure_exception.kind.value.replace('_', ' ')}: {text(c.closure_exception.note)}",
        )
    if c.previous_contact_id and c.previous_contact_id in shown_ids:
        add("Continues", f"contact {c.previous_contact_id}")
    if c.finalized_at:
        add("Finalized", _moment(c.finalized_at.astimezone(tz)))
    add("Record ID", c.id)
    state = _STATE_WORDS[source.state]
    if source.amendments:
        state += f"; amended ({len(source.amendments)})"
    approvals = tuple(
        SheetApproval(
            approved_by=_staff_words(find_staff(a.approved_by), a.approved_by),
            approved_at=a.approved_at.astimezone(tz),
            note=text(a.note),
        )
        for a in sorted(source.approvals, key=lambda a: a.approved_at)
    )
    amendments = tuple(
        SheetAmendment(
            modified_on=a.modified_on,
            modifier=f"{a.modifier_full_name}, {a.modifier_title}",
            reason=text(a.reason),
            new_information=text(a.new_information),
        )
        for a in sorted(source.amendments, key=lambda a: (a.modified_on, a.id))
    )
    return SheetEntry(
        contact_id=c.id,
        when=when,
        kind=kind_entry.label if kind_entry else str(c.kind),
        state=state,
        fields=tuple(rows),
        narrative=text(c.narrative),
        approvals=approvals,
        amendments=amendments,
        note="" if release else source.note,
    )


def _blank_reporter(text: str, matter: Matter) -> str:
    """Replace every mention of the reporting party (name, phone, email, address) — fail safe for NAR-RP,
    which only warns when a worker writes them."""
    if not text:
        return text
    spans = reporter_matches(text, matter)
    for m in sorted(spans, key=lambda m: m.start, reverse=True):
        text = text[: m.start] + REDACTED_REPORTER + text[m.end :]
    return text


def _sop_labels(tables: CodeTables, program: str) -> dict[str, str]:
    return {e.code: e.label for e in tables.sop_checklist(program)}


def _roles(person: Person) -> str:
    words = [_ROLE_WORDS.get(r, str(r)) for r in person.roles]
    if person.collateral_type is not None and PersonRole.COLLATERAL in person.roles:
        words = [
            w if w != "collateral" else f"collateral: {person.collateral_type.value.replace('_', ' ')}"
            for w in words
        ]
    return ", ".join(words)


def _staff_words(worker: Worker | None, worker_id: str) -> str:
    if worker is None:
        return worker_id
    return f"{worker.full_name}, {worker.title}"


def _day(day: date | None) -> str:
    return "" if day is None else f"{day:%B} {day.day}, {day.year}"


def _moment(moment: datetime) -> str:
    zone = moment.tzname() or ""
    return f"{_day(moment.date())} at {moment:%H:%M} {zone}".rstrip()
