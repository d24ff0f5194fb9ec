"""Printing from the laptop, offline: assemble the agency's internal contact sheet from the application
service. The GUI renders what this returns; it never decides what a sheet contains.

Runs on the app's database thread (it reads the encrypted store through the service). Nothing is written
anywhere: the renderer paints straight to the printer or to the PDF path the worker chose.
"""

from __future__ import annotations

from datetime import datetime

from fieldapp.app.service import ContactService, ServiceError, StoredContact
from fieldapp.domain.agency_time import Month
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.contact_sheet import Audience, ContactSheet, Period, SheetSource, build_sheet
from fieldapp.domain.records import Caseload, ContactState, Matter

# Every contact of one referral/case; a referral or case never holds anywhere near this many.
_ALL = 1_000_000


def source_of(stored: StoredContact) -> SheetSource:
    """What the sheet says about a stored contact beside its content: approval, amendments, exceptions."""
    notes = []
    if stored.frozen_reason:
        notes.append(f"Frozen: {stored.frozen_reason}")
    if stored.flagged_for_supervisor:
        notes.append("Flagged for the supervisor.")
    if stored.sync_refusal:
        rules = ", ".join(sorted({f.rule_id for f in stored.sync_refusal}))
        notes.append(f"Refused by the office server ({rules}).")
    return SheetSource(
        contact=stored.contact,
        state=stored.state,
        approvals=(stored.approval,) if stored.approval is not None else (),
        amendments=stored.amendments,
        note=" ".join(notes),
    )


def _matter(caseload: Caseload, matter_id: str) -> Matter:
    matter = caseload.matter(matter_id)
    if matter is None:
        raise ServiceError(f"{matter_id} is not in your caseload.")
    return matter


def _prepared_by(caseload: Caseload) -> str:
    return f"{caseload.worker.full_name}, {caseload.worker.title}"


def month_sheet(
    service: ContactService, tables: CodeTables, matter_id: str, month: Month, *, now: datetime
) -> ContactSheet:
    """The internal contact sheet of a referral/case for one month: every final contact, in date order."""
    caseload = service.caseload()
    matter = _matter(caseload, matter_id)
    stored = service.recent_contacts(matter_id, limit=_ALL)
    return build_sheet(
        matter,
        (source_of(s) for s in stored),
        tables,
        staff=caseload.staff_member,
        audience=Audience.INTERNAL,
        period=Period.month(month),
        prepared_at=now,
        prepared_by=_prepared_by(caseload),
    )


def contact_record(
    service: ContactService, tables: CodeTables, contact_id: str, *, now: datetime
) -> ContactSheet:
    """One contact as the internal record prints it (re-read, so a later approval or amendment shows)."""
    stored = service.get(contact_id)
    if stored.state is ContactState.DRAFT:
        raise ServiceError("A draft is not a record yet: print the contact once it is final.")
    caseload = service.caseload()
    matter = _matter(caseload, stored.contact.context_id)
    return build_sheet(
        matter,
        (source_of(stored),),
        tables,
        staff=caseload.staff_member,
        audience=Audience.INTERNAL,
        period=Period(),
        prepared_at=now,
        prepared_by=_prepared_by(caseload),
        title="Contact record",
        single_contact=True,
    )
