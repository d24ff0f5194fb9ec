"""A contact's selections in plain words for the supervisor's contact page, each with its rule ID (shown
small beside the sentence): labels come from the agency's code tables, people's names from the matter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Contact, Matter, Worker, find_person


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    value: str
    rule_id: str


def day_text(day: date | None) -> str:
    return "" if day is None else f"{day:%a} {day.day} {day:%b %Y}"


def moment_text(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def person_name(matter: Matter | None, person_id: str) -> str:
    person = find_person(matter, person_id) if matter is not None else None
    return person.full_name if person is not None else person_id


def _names(matter: Matter | None, ids: tuple[str, ...]) -> str:
    return ", ".join(person_name(matter, i) for i in ids) or "none"


def _codes(tables: CodeTables, table: str, codes: tuple[str, ...]) -> str:
    return "; ".join(tables.label(table, c) for c in codes) or "none"


def kind_label(tables: CodeTables, contact: Contact) -> str:
    entry = tables.kinds.get(contact.kind)
    return entry.label if entry is not None else str(contact.kind)


def selections(
    contact: Contact, matter: Matter | None, tables: CodeTables, staff: dict[str, Worker], tz: ZoneInfo
) -> list[Line]:
    """Every selection of the contact, in the order the wizard asks for them, as label / plain value."""
    maker = staff.get(contact.staff_person_id or "")
    lines = [
        Line("Kind of contact", kind_label(tables, contact), "SEL-PARTICIPANT"),
        Line(
            "Staff person",
            maker.full_name if maker else (contact.staff_person_id or "not recorded"),
            "SEL-STAFF",
        ),
        Line("Started", moment_text(contact.started_at, tz) or "not recorded", "SEL-DATE"),
        Line("Ended", moment_text(contact.ended_at, tz) or "not recorded", "SEL-DATE"),
        Line("Purposes", _codes(tables, "purposes", contact.purposes), "SEL-PURPOSE"),
        Line("Method", tables.label("methods", contact.method) if contact.method else "none", "SEL-METHOD"),
        Line(
            "Location",
            tables.label("locations", contact.location) if contact.location else "none",
            "SEL-LOCATION",
        ),
        Line("Status", tables.label("statuses", contact.status) if contact.status else "none", "SEL-STATUS"),
        Line("Participants", _names(matter, contact.participant_ids), "SEL-PARTICIPANT"),
        Line("On behalf of (children)", _names(matter, contact.on_behalf_of_child_ids), "SEL-ONBEHALF"),
        Line(
            "Party type",
            tables.label("party_types", contact.party_type) if contact.party_type else "none",
            "SEL-PARTYTYPE",
        ),
        Line("Services", _codes(tables, "services", contact.services), "SEL-SERVICES"),
        Line(
            "Others present",
            "; ".join(f"{o.name} ({o.role})" for o in contact.others_present) or "none",
            "SEL-OTHERS",
        ),
    ]
    if contact.sop_components:
        sop = {e.code: e.label for e in (*tables.sop_all, *tables.sop_hotline)}
        for extras in tables.sop_extras.values():
            sop.update({e.code: e.label for e in extras})
        lines.append(
            Line(
                "Components of the visit", "; ".join(sop.get(c, c) for c in contact.sop_components), "NAR-SOP"
            )
        )
    if contact.fax is not None:
        fax = contact.fax
        lines.append(
            Line(
                "Fax",
                f"{fax.what or 'not said'}, sent {moment_text(fax.sent_at, tz) or 'when not said'} "
                f"to {fax.to or 'not said'}",
                "SEL-MEDIUM",
            )
        )
    if contact.returned_mail is not None:
        mail = contact.returned_mail
        lines.append(
            Line(
                "Returned mail",
                f"{mail.reason or 'no reason given'}; forwarding address: {mail.forwarding_address or 'none'}",
                "SEL-MEDIUM",
            )
        )
    if contact.primary_exception is not None:
        exc = contact.primary_exception
        lines.append(
            Line(
                "Made by someone other than the primary worker",
                f"approved by {exc.approver_name or 'not said'} on {day_text(exc.approved_on) or 'no date'}",
                "SEL-PRIMARY",
            )
        )
    if contact.closure_exception is not None:
        closure = contact.closure_exception
        why = {"nytd": "NYTD survey", "payment_document": "payment document renewal"}.get(
            str(closure.kind), str(closure.kind)
        )
        lines.append(
            Line("After closure, because", why + (f": {closure.note}" if closure.note else ""), "CLS-CLOSED")
        )
    if contact.law_enforcement is not None:
        le = contact.law_enforcement
        lines.append(
            Line(
                "Law enforcement's assessment",
                f"{le.assessment or 'not recorded'}; supporting facts: {le.supporting_facts or 'not recorded'}",
                "NAR-LE",
            )
        )
    return lines
