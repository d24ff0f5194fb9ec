"""The words the main window shows for a referral/case, a person and a contact, from plain values.

Plain values in, words out (no Qt), so tests assert exactly what a worker reads; fieldapp.gui.models
adapts the records to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fieldapp.domain.agency_time import business_day, end_of_business_day

ROLE_WORDS = {
    "child": "child",
    "parent": "parent/guardian",
    "scp": "substitute care provider",
    "alleged_perpetrator": "alleged perpetrator",
    "reporting_party": "reporting party",
    "collateral": "collateral",
}


def roles_words(roles: Iterable[str], collateral_type: str | None) -> str:
    roles = [str(r) for r in roles]
    words = [ROLE_WORDS.get(r, r) for r in roles]
    if collateral_type is not None and "collateral" in roles:
        words.append(str(collateral_type).replace("_", " "))
    return ", ".join(words)


def person_words(full_name: str, roles: Iterable[str], collateral_type: str | None) -> str:
    """A person under their referral or case in the caseload tree: "Name — roles"."""
    return f"{full_name} — {roles_words(roles, collateral_type)}"


def matter_words(name: str, context: str, matter_id: str, program: str, ends_on: date | None) -> str:
    kind = "Case" if context == "case" else "Referral"
    closed = f", closed {ends_on:%b %d, %Y}" if ends_on else ""
    return f"{name} — {kind} {matter_id} · {program}{closed}"


def state_words(state: str, *, amended: bool, frozen: bool, flagged: bool, refused: bool) -> str:
    """draft, final, synced, approved, amended – plus why a draft is frozen or refused."""
    base = "amended" if amended else state
    notes = []
    if state == "draft" and frozen:
        notes.append("frozen")
    if flagged:
        notes.append("flagged for supervisor")
    if refused:
        notes.append("refused by server")
    return f"{base} ({', '.join(notes)})" if notes else base


STATE_MEANINGS = {
    "draft": "Draft: still being written; editable until the end of the day it was first saved, then "
    "finalized as it stands or, if incomplete, frozen for your supervisor.",
    "final": "Final: checked and kept as it is; goes to the office at the next sync.",
    "synced": "Synced: the office has it; your supervisor reviews it there next.",
    "approved": "Approved: your supervisor has approved it.",
    "amended": "Amended: a supervisor added an amendment; the original text is kept.",
}
"""What each record state means and what happens next, for a legend or a tooltip. The record state is not
the contact's status (Completed or Attempted), which says whether the contact took place."""


def state_meaning(state: str) -> str:
    return STATE_MEANINGS.get(state, state)


def deadline_of(
    first_saved_at: datetime | None, started_at: datetime | None, tz: ZoneInfo
) -> datetime | None:
    """When a draft's business day ends (NAR-SAMEDAY): the day of its first save, else of its start."""
    anchor = first_saved_at or started_at
    if anchor is None:
        return None
    return end_of_business_day(business_day(anchor, tz), tz)


def time_left_words(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "not saved yet"
    left = deadline - now
    if left <= timedelta(0):
        return "day ended"
    minutes = int(left.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min left"
    return f"{minutes} min left"


def draft_due_words(
    first_saved_at: datetime | None, started_at: datetime | None, tz: ZoneInfo, now: datetime
) -> str:
    """A draft's one deadline, the nearest that applies, in the words every list uses: it must be
    finalized before its business day ends (NAR-SAMEDAY), long before the month's end that timely entry
    (CMP-TIMELY) would allow, so the month's end is never shown for a draft."""
    deadline = deadline_of(first_saved_at, started_at, tz)
    if deadline is not None and deadline <= now:
        return "its day ended, so it can no longer be finalized"
    left = time_left_words(deadline, now)
    if deadline is None or business_day(deadline - timedelta(microseconds=1), tz) == business_day(now, tz):
        return f"finalize it today ({left})"
    last = (deadline - timedelta(microseconds=1)).astimezone(tz)
    return f"finalize it by the end of {last:%a} {last.day} {last:%b} ({left})"


def names_words(participant_ids: Sequence[str], people: dict[str, str]) -> str:
    """`people`: person ID -> full name in the contact's referral/case (empty when it is not known)."""
    if not participant_ids:
        return "—"
    return ", ".join(people.get(pid, pid) for pid in participant_ids)


def when_words(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%a %b %d, %H:%M")


def pending_words(pending: int) -> str:
    return f"{pending} contact{'s' if pending != 1 else ''} waiting to sync"


def last_sync_words(last: datetime | None, tz: ZoneInfo) -> str:
    return "Last sync: never" if last is None else f"Last sync: {last.astimezone(tz):%b %d, %H:%M}"
