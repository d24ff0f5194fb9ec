"""Where a narrative needs the worker's attention: NAR-STYLE wording and NAR-RP reporter details.

The wizard's highlighter and hint panel call only `narrative_marks()`. The matching itself belongs to the
rules engine (fieldapp.domain.rules.narrative: `style_matches` / `reporter_matches`, so that the wizard, the
store and the server agree); until that module is on this branch, the fallback below matches the code
tables' style terms and the reporting parties' names and contact details the same way. Swapping is this
one function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Person


@dataclass(frozen=True, slots=True)
class NarrativeMark:
    """A span of the narrative [start, end) and what to tell the worker about it."""

    start: int
    end: int
    rule_id: str  # "NAR-STYLE" or "NAR-RP"
    text: str  # the words matched
    advice: str  # the neutral wording suggested, or why the detail must go


def narrative_marks(text: str, tables: CodeTables, reporters: Sequence[Person]) -> list[NarrativeMark]:
    """All marks in `text`, in order of position; overlapping style terms keep the longest."""
    marks = _style(text, tables) + _reporter(text, reporters)
    marks.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[NarrativeMark] = []
    for mark in marks:
        if kept and mark.start < kept[-1].end and mark.rule_id == kept[-1].rule_id:
            continue
        kept.append(mark)
    return kept


def _style(text: str, tables: CodeTables) -> list[NarrativeMark]:
    return [
        NarrativeMark(m.start(), m.end(), "NAR-STYLE", m.group(0), term.suggestion)
        for term in tables.style_terms
        for m in term.pattern.finditer(text)
    ]


def _reporter(text: str, reporters: Sequence[Person]) -> list[NarrativeMark]:
    out = []
    for person in reporters:
        details = [("name", person.full_name), ("phone", person.phone), ("email", person.email)]
        details.append(("address", person.address))
        for what, value in details:
            if not value or len(value.strip()) < 3:
                continue
            pattern = re.compile(r"\s+".join(re.escape(w) for w in value.split()), re.IGNORECASE)
            for m in pattern.finditer(text):
                advice = (
                    f"This is the reporting party's {what}. Never identify the reporting party in a "
                    "narrative; it belongs only on the reporter page."
                )
                out.append(NarrativeMark(m.start(), m.end(), "NAR-RP", m.group(0), advice))
    return out
