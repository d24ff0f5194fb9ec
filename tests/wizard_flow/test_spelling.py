"""Narrative spell checking without Qt (fieldapp.app.spelling): advice under NAR-IMMUTABLE, because a
final narrative can never be corrected, so a misspelling must be caught while the text can still change."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.app.narrative_marks import SPELLING, narrative_marks
from fieldapp.app.spelling import Speller, load_speller, names_in
from fieldapp.domain.codetables import load_codetables
from tests.factories import demo_caseload


@pytest.fixture(scope="module")
def speller() -> Speller:
    caseload = demo_caseload()
    matter = caseload.matter("C-2001")
    assert matter is not None
    return load_speller().with_words(names_in(caseload, matter))


def words(speller: Speller, text: str) -> list[str]:
    return [m.word for m in speller.misspellings(text)]


def test_NAR_IMMUTABLE_misspelled_words_found_with_their_positions(speller: Speller) -> None:
    text = "We dicussed the placment with the caregiver."
    found = speller.misspellings(text)
    assert [m.word for m in found] == ["dicussed", "placment"]
    assert all(text[m.start : m.end] == m.word for m in found)


def test_suggestions_are_one_edit_away_most_common_first_in_the_workers_capitals(speller: Speller) -> None:
    assert speller.suggestions("dicussed") == ("discussed",)
    assert speller.suggestions("recieved")[0] == "received"
    assert speller.suggestions("Recieved")[0] == "Received"
    assert speller.suggestions("Placment's") == ("Placement's",)
    assert speller.suggestions("xqzzvj") == ()


def test_the_caseloads_names_agency_words_acronyms_and_numbers_are_not_flagged(speller: Speller) -> None:
    text = (
        "Nova Quillfeather's SCP met Ana Brightfield at 3pm on the 2nd; the ICPC packet and the MVRs were "
        "reviewed. Her wellbeing was discussed with the collaterals by voicemail and FaceTime. "
        "Mother's email is n@x and the file is a/b."
    )
    assert words(speller, text) == []


def test_a_name_outside_this_referral_or_case_is_flagged(speller: Speller) -> None:
    """Names come from the referral/case in the wizard: a name from nowhere in it is worth a second look."""
    assert words(speller, "Zorbatrix called.") == ["Zorbatrix"]


def test_agency_word_list_is_data_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "agency_words.txt"
    path.write_text("# our words\nzorbatrix  # a made-up program name\n\n", encoding="utf-8")
    custom = load_speller(path)
    assert custom.misspellings("The zorbatrix meeting.") == []
    assert load_speller(path) is custom, "loaded once per word list"


def test_narrative_marks_carry_NAR_IMMUTABLE_for_spelling_only_once_a_speller_is_given(
    speller: Speller,
) -> None:
    caseload = demo_caseload()
    matter = caseload.matter("C-2001")
    assert matter is not None
    tables = load_codetables()
    text = "The mother seemed drunk and we dicussed it."
    without = narrative_marks(text, tables, matter)
    assert [m.rule_id for m in without] == ["NAR-STYLE"]
    marks = narrative_marks(text, tables, matter, speller)
    assert [(m.rule_id, m.text) for m in marks] == [("NAR-STYLE", "seemed drunk"), (SPELLING, "dicussed")]
    assert marks[1].advice == "did you mean “discussed”?"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_spans_that_are_the_flagged_words(text: str) -> None:
    speller = load_speller()
    for m in speller.misspellings(text):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.word
        speller.suggestions(m.word)  # never raises
