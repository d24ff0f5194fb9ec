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
from fieldapp.domain.agency_time import Month, business_day
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance import evaluate_month, worker_due_list
from fieldapp.domain.records import Caseload, Contact

RECENT_LIMIT = 500
"""Contacts read per referral/case: far more than a month's worth, enough for a 30-day MVR period and the
SCP's in-person visit every few months."""


class RecentContacts(Protocol):
    """The one part of ContactService the due list needs."""

    def recent_contacts(self, matter_id: str, limit: int = 50) -> list[StoredContact]: ...


def caseload_contacts(
    service: RecentContacts, caseload: Caseload, limit: int = RECENT_LIMIT
) -> list[Contact]:
    """Every stored contact of the caseload's referrals and cases (drafts included: CMP-TIMELY)."""
    ids = [r.id for r in caseload.referrals] + [c.id for c in caseload.cases]
    return [stored.contact for matter_id in ids for stored in service.recent_contacts(matter_id, limit)]


def due_list(
    service: RecentContacts, caseload: Caseload, tables: CodeTables, now: datetime
) -> list[tuple[str, str, str]]:
    """Rows of (referral or case, who, what is still due and by when) for the signed-in worker, soonest first."""
    month = Month.of(business_day(now, tables.agency.time_zone))
    report = evaluate_month(caseload, caseload_contacts(service, caseload), month, tables=tables, now=now)
    rows = []
    for item in worker_due_list(report, caseload.worker.id).items:
        matter = caseload.matter(item.matter_id)
        where = f"{matter.name} ({matter.id})" if matter else item.matter_id
        rows.append((where, item.person_name, item.message))
    return rows
