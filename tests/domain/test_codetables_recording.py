"""The [recording] table added for SEL-OTHERS: agency-configurable, and a malformed entry names file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.domain.codetables import CodeTableError, load_codetables


def _write(tmp_path: Path, replacement: str) -> Path:
    text = load_codetables().source.read_text(encoding="utf-8")
    start = text.index("[recording]")
    path = tmp_path / "codetables.toml"
    path.write_text(text[:start] + replacement, encoding="utf-8")
    return path


def test_presence_cues_are_loaded_from_the_table() -> None:
    assert "was present" in {c.term for c in load_codetables().presence_cues}


def test_agency_may_replace_presence_cues(tmp_path: Path) -> None:
    tables = load_codetables(_write(tmp_path, '[recording]\npresence_cues = ["estaba presente"]\n'))
    [cue] = tables.presence_cues
    assert cue.pattern.search("La tía ESTABA  presente.")


def test_malformed_presence_cue_names_file_and_entry(tmp_path: Path) -> None:
    path = _write(tmp_path, '[recording]\npresence_cues = ["was present", 7]\n')
    with pytest.raises(CodeTableError) as err:
        load_codetables(path)
    assert str(path) in str(err.value) and "presence_cues[1]" in str(err.value)
