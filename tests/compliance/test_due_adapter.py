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


def test_a_draft_has_one_deadline_the_nearest_worded_as_todays_drafts_word_it() -> None:
    """SUP-ALERTS with NAR-SAMEDAY: a draft started today is due before its business day ends, in the same
    words as Today's drafts ("8 h 00 min left"); the month's end of CMP-TIMELY is never shown for it."""
    from fieldapp.app.texts import deadline_of, time_left_words

    draft = visit(ContactKind.CHILD_CASE, NOW.date(), final=False, participant_ids=("p-kit",))
    rows = due_list(FakeStore([draft]), demo_caseload(), tables(), NOW)
    todays_drafts = time_left_words(deadline_of(draft.first_saved_at, draft.started_at, NOW.tzinfo), NOW)
    assert todays_drafts == "8 h 00 min left"
    mine = [r for r in rows if "is a draft" in r[2]]
    assert mine == [
        (
            "Quillfeather (C-2001)",
            "Kit Quillfeather",
            f"Contact of Mon 23 Nov with Kit Quillfeather is a draft: finalize it today ({todays_drafts}).",
        )
    ]
    assert rows[0] == mine[0], "the nearest deadline comes first"
    assert not [r for r in rows if "final-saved" in r[2]], "one deadline per draft, not the month's end too"
