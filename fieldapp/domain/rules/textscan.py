"""Fast whole-word phrase search in narratives, for the text rules that run on every keystroke.

A regex that starts with a word boundary or is case-insensitive defeats the regex engine's literal-prefix
search and walks the text position by position, phrase after phrase, on every keystroke.
Here the text is lower-cased once, a phrase with a word absent from the text is skipped after str.find, and
otherwise a flag-free pattern that starts with a literal is scanned (the regex engine's fast path) and the
word boundaries are checked on each hit. Offsets are those of the original text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def is_digit(ch: str) -> bool:
    return ch.isdigit()


@lru_cache(maxsize=4)
def lowered(text: str) -> str:
    """`text` lower-cased with every offset kept (the few characters that grow when lowered stay as they are).

    Cached because several rules scan the same narrative in one check.
    """
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass(frozen=True, slots=True)
class Finder:
    """Finds one phrase: every match contains all `words` literally; `pattern` matches the whole phrase."""

    words: tuple[str, ...]
    pattern: re.Pattern[str]
    ignore_case: bool = True
    boundary: Callable[[str], bool] = is_word_char

    def spans(self, text: str, low: str) -> Iterator[tuple[int, int]]:
        hay = low if self.ignore_case else text
        n = len(hay)
        if not all(w in hay for w in self.words):  # the common case: a few C-speed scans and done
            return
        for m in self.pattern.finditer(hay):
            i, j = m.span()
            if (i == 0 or not self.boundary(hay[i - 1])) and (j >= n or not self.boundary(hay[j])):
                yield i, j


def phrase_finder(phrase: str, ignore_case: bool = True) -> Finder | None:
    """A whole-word finder for a phrase whose words may be separated by any whitespace."""
    words = (phrase.lower() if ignore_case else phrase).split()
    if not words:
        return None
    return Finder(tuple(words), re.compile(r"\s+".join(re.escape(w) for w in words)), ignore_case)


def digits_finder(number: str, min_digits: int = 7) -> Finder | None:
    """A phone number however it is punctuated: '555-0199', '(555) 01 99', '5550199'."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < min_digits:
        return None
    return Finder((digits[0],), re.compile(r"[\s().-]*".join(digits)), ignore_case=False, boundary=is_digit)
