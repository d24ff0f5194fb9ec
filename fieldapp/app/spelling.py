"""Spelling in the narrative: words no dictionary knows, and what the worker may have meant.

Why it is here: a narrative cannot be corrected once it is final (NAR-IMMUTABLE; the agency's policy asks
the worker to get names and grammar right on the day, because only a supervisor's amendment can add to the
text afterwards). So misspellings are pointed out while the text can still change, as advice only: they
never block finalizing.

The check runs on the laptop only: pyspellchecker's English word list, the agency's own words
(`resources/spelling/agency_words.txt`, agency-configurable data like the code tables) and the names of the
people in the referral or case. Nothing is sent anywhere and nothing is written to disk.

Loading the word list is slow next to a keystroke, so the GUI loads it once per app, off the GUI thread
(`load_speller()` is cached per word-list path, like the code tables); checking a narrative is then a set
lookup per word and suggestions are limited to one edit away, so both stay cheap enough for every
keystroke.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spellchecker import SpellChecker

from fieldapp.domain.codetables import resources_dir
from fieldapp.domain.records import Caseload, Matter

# A word: letters, optionally joined by apostrophes (don't, O'Brien). Digits and underscores end a word.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Acronyms and their plurals (SCP, SCPs, CWS, ICPC) are the agency's vocabulary, not misspellings.
_ACRONYM = re.compile(r"[A-Z]{2,}s?")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Misspelling:
    """A word [start, end) of the text that neither the dictionary nor the agency's words know."""

    start: int
    end: int
    word: str


class Speller:
    """Read-only after construction, so one instance serves every wizard of the app on any thread."""

    def __init__(self, checker: SpellChecker, known: frozenset[str] = frozenset()) -> None:
        self._checker = checker
        self._known = known  # lower-case words beyond the dictionary: agency words, people's names
        self._suggestions: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def with_words(self, words: Iterable[str]) -> Speller:
        """The same dictionary knowing `words` too (the names in one referral or case): shares the word list,
        so a wizard adds its people's names without loading anything again."""
        extra = {part.lower() for word in words for part in _WORD.findall(word)}
        return Speller(self._checker, self._known | extra)

    def is_known(self, word: str) -> bool:
        if len(word) < 2 or _ACRONYM.fullmatch(word):
            return True
        key = _POSSESSIVE.sub("", word.replace("’", "'")).lower()
        if key in self._known:
            return True
        return bool(self._checker.known([key]))

    def misspellings(self, text: str) -> list[Misspelling]:
        return [
            Misspelling(m.start(), m.end(), m.group())
            for m in _WORD.finditer(text)
            if not _is_code(text, m.start(), m.end()) and not self.is_known(m.group())
        ]

    def suggestions(self, word: str) -> tuple[str, ...]:
        """Known words one edit away (a letter added, dropped, changed or two swapped), most common first,
        in the capitalisation the worker used. One edit covers most typing slips; two edits cost up to a
        second per long word, which a context menu must not."""
        key = _POSSESSIVE.sub("", word.replace("’", "'")).lower()
        with self._lock:
            cached = self._suggestions.get(key)
        if cached is None:
            candidates = self._checker.known(self._checker.edit_distance_1(key))
            ranked = sorted(candidates, key=lambda w: (-self._checker.word_usage_frequency(w), w))
            cached = tuple(ranked[:MAX_SUGGESTIONS])
            with self._lock:
                self._suggestions[key] = cached
        suffix = word[len(_POSSESSIVE.sub("", word)) :]
        return tuple(_same_case(word, s) + suffix for s in cached)


def _is_code(text: str, start: int, end: int) -> bool:
    """Part of a time, a number, an address or a file name (3pm, 2nd, 4B, name@host, a/b): not prose."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isdigit() or after.isdigit() or before in "@/\\_" or after in "@/\\_"


def _same_case(original: str, suggestion: str) -> str:
    if original.isupper() and len(original) > 1:
        return suggestion.upper()
    if original[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


def names_in(caseload: Caseload, matter: Matter) -> list[str]:
    """The names a narrative about `matter` may contain: its people and the worker."""
    return [p.full_name for p in matter.people] + [caseload.worker.full_name]


_LOADED: dict[Path, Speller] = {}
_LOAD_LOCK = threading.Lock()


def agency_words_path() -> Path:
    return resources_dir() / "spelling" / "agency_words.txt"


def load_speller(agency_words: Path | None = None) -> Speller:
    """The English dictionary plus the agency's words, loaded once per word-list path.

    The agency's file holds one word per line; `#` starts a comment. A missing file is an error (a broken
    installation), not silently an empty list."""
    path = agency_words or agency_words_path()
    with _LOAD_LOCK:
        speller = _LOADED.get(path)
        if speller is None:
            words = frozenset(
                word.lower()
                for line in path.read_text(encoding="utf-8").splitlines()
                if (word := line.split("#", 1)[0].strip())
            )
            speller = _LOADED[path] = Speller(SpellChecker(language="en", distance=1), words)
        return speller


def loaded_speller(agency_words: Path | None = None) -> Speller | None:
    """The speller if it is already loaded (no waiting), so a second wizard underlines at once."""
    return _LOADED.get(agency_words or agency_words_path())
