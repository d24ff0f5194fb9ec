"""Where a narrative needs the worker's attention: NAR-STYLE wording, NAR-RP reporter details, spelling.

The wizard's highlighter and hint panel call only `narrative_marks()`. The matching belongs to the rules
engine (`fieldapp.domain.rules.narrative.style_matches` / `reporter_matches`), which the NAR-STYLE and
NAR-RP findings are built on too, so a highlight and a finding can never disagree. Spelling marks carry
NAR-IMMUTABLE: they are advice (never a finding, never blocking) given because the text cannot be
corrected once final (fieldapp.app.spelling).
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.app.spelling import Speller
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Matter
from fieldapp.domain.rules.narrative import reporter_matches, style_matches


@dataclass(frozen=True, slots=True)
class NarrativeMark:
    """A span of the narrative [start, end) and what to tell the worker about it."""

    start: int
    end: int
    rule_id: str  # "NAR-STYLE", "NAR-RP", or "NAR-IMMUTABLE" for a word to spell-check
    text: str  # the words matched
    advice: str  # the neutral wording suggested, or why the detail must go


SPELLING = "NAR-IMMUTABLE"


def narrative_marks(
    text: str, tables: CodeTables, matter: Matter, speller: Speller | None = None
) -> list[NarrativeMark]:
    """All marks in `text`, in order of position; spelling only once a speller is loaded."""
    marks = [
        NarrativeMark(m.start, m.end, "NAR-STYLE", text[m.start : m.end], m.suggestion)
        for m in style_matches(text, tables)
    ]
    marks += [
        NarrativeMark(m.start, m.end, "NAR-RP", text[m.start : m.end], m.suggestion)
        for m in reporter_matches(text, matter)
    ]
    if speller is not None:
        marks += [
            NarrativeMark(m.start, m.end, SPELLING, m.word, spelling_advice(speller.suggestions(m.word)))
            for m in speller.misspellings(text)
        ]
    marks.sort(key=lambda m: (m.start, m.end))
    return marks


def spelling_advice(suggestions: tuple[str, ...]) -> str:
    if not suggestions:
        return "not in the dictionary; check the spelling."
    return "did you mean " + " or ".join(f"“{w}”" for w in suggestions[:3]) + "?"


SPELLING_WHY = "Not in the dictionary. Correct it before finalizing: a final narrative can never be changed (NAR-IMMUTABLE)."
