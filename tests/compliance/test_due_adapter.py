"""The main window's "what is still due" rows (SUP-ALERTS) through fieldapp.app.due."""

from __future__ import annotations

from datetime import date

from fieldapp.app.due import due_list
from fieldapp.app.service import StoredContact
from fieldapp.domain.records import Contact, ContactKind, ContactState
from tests.compliance.helpers import visit
from tests.factories import NOW, demo_caseload, tables


class FakeStore:
    """Only what due_list reads: the stored contacts of a referral or case."""

    def __init__(self, contacts: list[Contact]) -> None:
        self.contacts = contacts
        self.asked: list[str] = []

    def recent_contacts(self, matter_id: str, limit: int = 50) -> list[StoredContact]:
        self.asked.append(matter_id)
        return [
            StoredContact(c, ContactState.FINAL if c.finalized_at else ContactState.DRAFT)
            for c in self.contacts
            if c.context_id == matter_id
        ][:limit]


def test_sup_alerts_due_rows_for_the_main_window() -> None:
    """SUP-ALERTS: Nova's visit is done, so her row is gone; Kit's row says what is due and the days left."""
    store = FakeStore([visit(ContactKind.CHILD_CASE, date(2026, 11, 3))])
    rows = due_list(store, demo_caseload(), tables(), NOW)
    assert set(store.asked) >= {"R-1001", "C-2001", "C-2002"}
    assert (
        "Quillfeather (C-2001)",
        "Kit Quillfeather",
        "Kit Quillfeather still needs November's monthly visit. 7 days left (by Mon 30 Nov 2026).",
    ) in rows
    assert not [r for r in rows if r[1] == "Nova Quillfeather" and "monthly visit" in r[2]]
    assert not [r for r in rows if r[1] in ("Ezra Ashgrove", "Noor Ashgrove")]  # Ben's case, not Ana's
