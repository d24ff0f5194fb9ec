"""The worker's "what is still due this month" list (SUP-ALERTS) for the main window, from the contacts the
contact service holds on the laptop.

The main window calls `due_list(service, caseload, tables, now)` on its worker thread and shows the rows
(referral/case, who, what is still due) as they are; the measures themselves are computed by
fieldapp.domain.compliance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from fieldapp.app.service import StoredContact
from fieldapp.app.texts import deadline_of, draft_due_words
from fieldapp.domain.agency_time import Month, business_day
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance import evaluate_month, worker_due_list
from fieldapp.domain.records import Caseload, Contact

TIMELY = "CMP-TIMELY"
RECENT_LIMIT = 500
"""Contacts read per referral/case: far more than a month's worth, enough for a 30-day MVR period and the
SCP's in-person visit every few months."""


class RecentContacts(Protocol):
    """The one part of ContactService the due list needs."""

    def recent_contacts(self, matter_id: str, limit: int = 50) -> list[StoredContact]: ...


def due_list(
    service: RecentContacts, caseload: Caseload, tables: CodeTables, now: datetime
) -> list[tuple[str, str, str]]:
    """Rows of (referral or case, who, what is still due and by when) for the signed-in worker, soonest first.

    One deadline per thing: a draft's row gives the end of its business day (NAR-SAMEDAY) in the words of
    Today's drafts (fieldapp.app.texts.draft_due_words), never the month's end of timely entry
    (CMP-TIMELY), which a worker trusting it would miss by weeks."""
    tz = tables.agency.time_zone
    month = Month.of(business_day(now, tz))
    stored = caseload_stored(service, caseload)
    report = evaluate_month(caseload, [s.contact for s in stored], month, tables=tables, now=now)
    # drafts first, the one lost soonest at the top: a draft is lost when its business day ends, before
    # any measure's deadline; the measures follow soonest first (worker_due_list)
    drafts = sorted(
        (s.contact for s in stored if s.editable),
        key=lambda c: deadline_of(c.first_saved_at, c.started_at, tz) or now,
    )
    rows = [_draft_row(contact, caseload, tables, now) for contact in drafts]
    for item in worker_due_list(report, caseload.worker.id).items:
        if item.measure_id == TIMELY:
            continue  # a contact not yet final is a draft: its row above says its one deadline
        rows.append((_where(caseload, item.matter_id), item.person_name, item.message))
    return rows


def caseload_stored(
    service: RecentContacts, caseload: Caseload, limit: int = RECENT_LIMIT
) -> list[StoredContact]:
    """Every stored contact of the caseload's referrals and cases (drafts included: CMP-TIMELY)."""
    ids = [r.id for r in caseload.referrals] + [c.id for c in caseload.cases]
    return [stored for matter_id in ids for stored in service.recent_contacts(matter_id, limit)]


def _where(caseload: Caseload, matter_id: str) -> str:
    matter = caseload.matter(matter_id)
    return f"{matter.name} ({matter.id})" if matter else matter_id


def _draft_row(
    contact: Contact, caseload: Caseload, tables: CodeTables, now: datetime
) -> tuple[str, str, str]:
    tz = tables.agency.time_zone
    matter = caseload.matter(contact.context_id)
    names = {p.id: p.full_name for p in matter.people} if matter else {}
    who = ", ".join(names.get(i, i) for i in contact.participant_ids)
    started = contact.started_at or contact.first_saved_at
    local = started.astimezone(tz) if started else None
    day = f"{local:%a} {local.day} {local:%b}" if local else "today"
    when = draft_due_words(contact.first_saved_at, contact.started_at, tz, now)
    where = _where(caseload, contact.context_id)
    if not who:  # say which contact it is by its kind, and that nobody is chosen yet
        kind = tables.kinds[contact.kind].label
        return (where, "no participant yet", f"{kind} of {day} is a draft: {when}.")
    return (where, who, f"Contact of {day} with {who} is a draft: {when}.")
