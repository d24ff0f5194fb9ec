"""A final contact's judgment (what it counts toward, and whether anything blocks it), and a memo of them
for a caller that evaluates the same caseload again and again.

The supervisors' console evaluates every worker of a unit on each page it shows, and a year of contacts is
judged each time for the child's-residence look-back (CMP-RESIDENCE), although no judgment has changed since
the last page. A judgment reads the contact, its caseload and the code tables, as of the contact's final
save and never the clock, so it stays true exactly as long as those three stay as they were: the memo checks
all three on every use and keeps no other state that could go stale.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.findings import CountVerdict
from fieldapp.domain.records import Caseload, Contact, Matter
from fieldapp.domain.rules import RuleContext, engine
from fieldapp.domain.rules import counting as cnt


@dataclass(frozen=True, slots=True)
class Judgment:
    """A final contact judged as of its final save."""

    verdicts: tuple[CountVerdict, ...]
    """One per (measure, person) it could count toward, each saying whether it counts and why not."""
    clean: bool
    """No block finding: the people it was with were seen (the measures that ask who was seen use it)."""


def judge(contact: Contact, caseload: Caseload, matter: Matter, tables: CodeTables) -> Judgment:
    """Block findings first (only the rules that may block), then the verdicts that reuse them."""
    assert contact.finalized_at is not None, "only a final contact is judged"
    ctx = RuleContext(caseload, matter, tables, contact.finalized_at)
    blocking = engine.blocking(contact, ctx)
    return Judgment(tuple(cnt.verdicts(contact, ctx, findings=blocking)), clean=not blocking)


class JudgmentMemo:
    """One caseload's judged contacts, kept between evaluations.

    `judgments_for` hands out the judgments made under a caseload equal to the one given and the same code
    tables, or a fresh, empty set when either differs (a case plan approved, a child added, a case
    reassigned: the next evaluation judges again). An entry holds the contact object it judged and answers
    only for that very object; the console's parsed contacts are shared objects keyed by content hash, so a
    stored contact is the same object until it is read afresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._caseload: Caseload | None = None
        self._tables: CodeTables | None = None
        self._judged: dict[str, tuple[Contact, Judgment]] = {}

    def judgments_for(self, caseload: Caseload, tables: CodeTables) -> dict[str, tuple[Contact, Judgment]]:
        """{contact ID: (contact, judgment)} under this caseload and these tables, to read and add to.

        Equality, not identity, for the caseload: each page reads it afresh, and its parts are shared parsed
        records, so comparing an unchanged caseload stops at the first level."""
        with self._lock:
            if tables is not self._tables or caseload != self._caseload:
                self._caseload, self._tables, self._judged = caseload, tables, {}
            return self._judged
