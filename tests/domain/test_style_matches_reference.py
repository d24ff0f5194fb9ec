"""NAR-STYLE matching (one fast finder per term, then no overlaps) against its plain definition.

The reference here is the obvious, slow definition: every whole-word, case-insensitive occurrence of every
term at every start, then earliest start first, longest first, no overlaps (table order among equals).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.domain.codetables import load_codetables
from fieldapp.domain.rules.narrative import TextMatch, style_matches
from fieldapp.domain.rules.textscan import is_word_char, lowered

TABLES = load_codetables()
TERMS = tuple(TABLES.style_terms)
TERM_WORDS = sorted({w for t in TERMS for w in t.term.split()})


def reference(text: str, phrases: tuple[str, ...]) -> list[tuple[int, int, int]]:
    low = lowered(text)
    found: list[tuple[int, int, int]] = []
    for k, phrase in enumerate(phrases):
        words = phrase.lower().split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        for i in range(len(low)):
            m = pattern.match(low, i)
            if m is None:
                continue
            j = m.end()
            if (i == 0 or not is_word_char(low[i - 1])) and (j >= len(low) or not is_word_char(low[j])):
                found.append((i, j, k))
    kept: list[tuple[int, int, int]] = []
    for i, j, k in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]), f[2])):
        if kept and i < kept[-1][1]:
            continue
        kept.append((i, j, k))
    return kept


pieces = st.one_of(
    st.sampled_from(TERM_WORDS),
    st.sampled_from([t.term.upper() for t in TERMS] + [t.term.title() for t in TERMS]),
    st.sampled_from([" ", "  ", "\n", ".", ",", "x", "_", "9", "é", "-", "'", "İ"]),
    st.text(alphabet="abcdeghilnorstuwy ", max_size=6),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=40).map("".join))
def test_nar_style_matches_equal_the_plain_definition(text: str) -> None:
    """NAR-STYLE: the agency's terms are found as the plain definition finds them, spans and terms alike."""
    phrases = tuple(t.term for t in TERMS)
    expected = [TextMatch(i, j, TERMS[k].term, TERMS[k].suggestion) for i, j, k in reference(text, phrases)]
    assert style_matches(text, TABLES) == expected
