"""Where a narrative needs the worker's attention: NAR-STYLE wording and NAR-RP reporter details.

The wizard's highlighter and hint panel call only `narrative_marks()`. The matching belongs to the rules
engine (`fieldapp.domain.rules.narrative.style_matches` / `reporter_matches`), which the NAR-STYLE and
NAR-RP findings are built on too, so a highlight and a finding can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Matter
from fieldapp.domain.rules.narrative import reporter_matches, style_matches


@dataclass(frozen=True, slots=True)
class NarrativeMark:
    """A span of the narrative [start, end) and what to tell the worker about it."""

    start: int
    end: int
    rule_id: str  # "NAR-STYLE" or "NAR-RP"
    text: str  # the words matched
    advice: str  # the neutral wording suggested, or why the detail must go


def narrative_marks(text: str, tables: CodeTables, matter: Matter) -> list[NarrativeMark]:
    """All marks in `text`, in order of position."""
    marks = [
        NarrativeMark(m.start, m.end, "NAR-STYLE", text[m.start : m.end], m.suggestion)
        for m in style_matches(text, tables)
    ]
    marks += [
        NarrativeMark(m.start, m.end, "NAR-RP", text[m.start : m.end], m.suggestion)
        for m in reporter_matches(text, matter)
    ]
    marks.sort(key=lambda m: (m.start, m.end))
    return marks
