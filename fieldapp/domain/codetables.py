"""The agency's code tables, loaded from data (resources/codetables.toml) and checked once at start.

Why data and not enums: an agency changes labels, adds services or SOP components, and maps codes to its
state system without a release. A malformed table must stop the app with a message naming the file and the
entry, never half-load.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldapp.domain.records import ContactKind, PersonRole, Program

# Re-exported (their home is fieldapp.domain.resources, which the unlock screen imports without the records).
from fieldapp.domain.resources import default_codetables_path as default_codetables_path
from fieldapp.domain.resources import resources_dir as resources_dir

# Direct contact through social media is never a method of contact (policy 001, "Social media"; SEL-MEDIUM).
_SOCIAL_MEDIA = re.compile(
    r"social[\s_-]*(media|network)|facebook|instagram|twitter|tiktok|snapchat|linkedin|friend[\s_-]*request",
    re.IGNORECASE,
)


def names_social_media(text: str) -> bool:
    return _SOCIAL_MEDIA.search(text) is not None


class CodeTableError(ValueError):
    """A code table file is unreadable or an entry in it is malformed."""


@dataclass(frozen=True, slots=True)
class CodeEntry:
    code: str
    label: str
    context: tuple[str, ...] = ("referral", "case")
    cws_code: str | None = None
    offered: bool = True
    in_person: bool = False
    written: bool = False
    fax: bool = False
    returned_mail: bool = False
    child_residence: bool = False
    group: str = ""


@dataclass(frozen=True, slots=True)
class KindEntry:
    code: ContactKind
    label: str
    context: tuple[str, ...]
    participant_role: PersonRole
    party_type: str
    mandatory_purposes: tuple[str, ...]
    mandatory: bool


@dataclass(frozen=True, slots=True)
class StyleTerm:
    term: str
    suggestion: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class PresenceCue:
    """A phrase in a narrative that says others were present (SEL-OTHERS), matched as whole words."""

    term: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Agency:
    name: str
    time_zone: ZoneInfo
    narrative_record_chars: int
    narrative_continuation_chars: int
    privilege_line: str
    consultation_sentence: str
    urgent_consultation_sentence: str
    idle_lock_minutes: int

    @property
    def narrative_max_chars(self) -> int:
        """NAR-LENGTH: the state record's narrative field and its continuation together."""
        return self.narrative_record_chars + self.narrative_continuation_chars


@dataclass(frozen=True)
class CodeTables:
    source: Path
    agency: Agency
    kinds: Mapping[ContactKind, KindEntry]
    purposes: Mapping[str, CodeEntry]
    methods: Mapping[str, CodeEntry]
    locations: Mapping[str, CodeEntry]
    statuses: Mapping[str, CodeEntry]
    party_types: Mapping[str, CodeEntry]
    services: Mapping[str, CodeEntry]
    sop_hotline: tuple[CodeEntry, ...]
    sop_all: tuple[CodeEntry, ...]
    sop_extras: Mapping[str, tuple[CodeEntry, ...]]
    style_terms: tuple[StyleTerm, ...] = field(default=())
    presence_cues: tuple[PresenceCue, ...] = field(default=())
    narrative_templates: tuple[str, ...] = field(default=())
    """The narrative templates the wizard offers (templates/*.txt beside the code tables): NAR-REQUIRED
    must know their headings, so a narrative that is only an inserted template counts as empty."""

    def sop_checklist(self, program: Program | str) -> tuple[CodeEntry, ...]:
        """The SOP components to record for a program (NAR-SOP): Hotline's own list, or the nine plus extras."""
        program = str(program)
        if program == Program.HOTLINE:
            return self.sop_hotline
        return self.sop_all + self.sop_extras.get(program, ())

    def label(self, table: str, code: str) -> str:
        entry = getattr(self, table).get(code)
        return entry.label if entry is not None else code

    @cached_property
    def in_person_methods(self) -> frozenset[str]:
        return frozenset(c for c, e in self.methods.items() if e.in_person)

    @cached_property
    def child_residence_locations(self) -> frozenset[str]:
        return frozenset(c for c, e in self.locations.items() if e.child_residence)

    @cached_property
    def social_media_methods(self) -> frozenset[str]:
        """Methods whose code or label names social media (SEL-MEDIUM): none in tables read from a file,
        which the loader refuses; the rules ask this of every contact instead of matching the words."""
        return frozenset(
            c for c, e in self.methods.items() if names_social_media(c) or names_social_media(e.label)
        )

    @cached_property
    def sop_checklist_codes(self) -> Mapping[str, frozenset[str]]:
        """Each program's SOP checklist codes (NAR-SOP asks of every child and parent contact)."""
        return {str(p): frozenset(e.code for e in self.sop_checklist(p)) for p in Program}


_LOADED: dict[Path, CodeTables] = {}


def load_codetables(path: Path | None = None) -> CodeTables:
    """Load and check the code tables; cached per path because every rule check needs them."""
    path = (path or default_codetables_path()).resolve()
    cached = _LOADED.get(path)
    if cached is None:
        cached = _LOADED[path] = _parse(path)
    return cached


# --------------------------------------------------------------------------- parsing


def _parse(path: Path) -> CodeTables:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CodeTableError(f"{path}: code table file not found") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CodeTableError(f"{path}: cannot read code tables: {exc}") from exc
    p = _Parser(path, data)
    return p.tables()


class _Parser:
    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, where: str, why: str) -> CodeTableError:
        return CodeTableError(f"{self.path}: {where}: {why}")

    def _list(self, name: str) -> list[dict[str, Any]]:
        value = self.data.get(name)
        if not isinstance(value, list) or not value:
            raise self.fail(f"[[{name}]]", "table is missing or empty")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{name}[{i}]", "entry must be a table")
        return value

    def _str(self, where: str, entry: Mapping[str, Any], key: str) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"'{key}' must be a non-empty string")
        return value

    def _entry(self, table: str, i: int, raw: Mapping[str, Any]) -> CodeEntry:
        where = f"{table}[{i}]" + (f" (code {raw['code']!r})" if isinstance(raw.get("code"), str) else "")
        code = self._str(where, raw, "code")
        label = self._str(where, raw, "label")
        context = raw.get("context", ["referral", "case"])
        if not isinstance(context, list) or not set(context) <= {"referral", "case"} or not context:
            raise self.fail(where, "'context' must be a list drawn from 'referral' and 'case'")
        known = {
            "code",
            "label",
            "context",
            "cws_code",
            "offered",
            "in_person",
            "written",
            "fax",
            "returned_mail",
            "child_residence",
            "group",
        }
        unknown = set(raw) - known
        if unknown:
            raise self.fail(where, f"unknown key(s): {', '.join(sorted(unknown))}")
        flags = {}
        for flag in ("offered", "in_person", "written", "fax", "returned_mail", "child_residence"):
            value = raw.get(flag, flag == "offered")
            if not isinstance(value, bool):
                raise self.fail(where, f"'{flag}' must be true or false")
            flags[flag] = value
        cws = raw.get("cws_code")
        return CodeEntry(
            code=code,
            label=label,
            context=tuple(context),
            cws_code=None if cws is None else str(cws),
            group=str(raw.get("group", "")),
            **flags,
        )

    def _table(self, name: str) -> dict[str, CodeEntry]:
        out: dict[str, CodeEntry] = {}
        for i, raw in enumerate(self._list(name)):
            entry = self._entry(name, i, raw)
            if entry.code in out:
                raise self.fail(f"{name}[{i}] (code {entry.code!r})", "duplicate code")
            out[entry.code] = entry
        return out

    def _sop(self, where: str, value: Any) -> tuple[CodeEntry, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list of {code, label}")
        return tuple(self._entry(where, i, raw) for i, raw in enumerate(value))

    def tables(self) -> CodeTables:
        agency_raw = self.data.get("agency")
        if not isinstance(agency_raw, dict):
            raise self.fail("[agency]", "table is missing")
        tz_name = self._str("[agency]", agency_raw, "time_zone")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise self.fail("[agency] time_zone", f"unknown time zone {tz_name!r}") from exc
        record_chars = agency_raw.get("narrative_record_chars", 32700)
        continuation_chars = agency_raw.get("narrative_continuation_chars", 32700)
        lock = agency_raw.get("idle_lock_minutes", 15)
        if not isinstance(record_chars, int) or record_chars < 100:
            raise self.fail("[agency] narrative_record_chars", "must be a whole number of at least 100")
        if not isinstance(continuation_chars, int) or continuation_chars < 0:
            raise self.fail("[agency] narrative_continuation_chars", "must be a whole number, 0 or more")
        if not isinstance(lock, int) or lock < 1:
            raise self.fail("[agency] idle_lock_minutes", "must be a whole number of minutes, at least 1")
        agency = Agency(
            name=self._str("[agency]", agency_raw, "name"),
            time_zone=tz,
            narrative_record_chars=record_chars,
            narrative_continuation_chars=continuation_chars,
            privilege_line=self._str("[agency]", agency_raw, "privilege_line"),
            consultation_sentence=self._str("[agency]", agency_raw, "consultation_sentence"),
            urgent_consultation_sentence=self._str("[agency]", agency_raw, "urgent_consultation_sentence"),
            idle_lock_minutes=lock,
        )
        purposes = self._table("purposes")
        methods = self._table("methods")
        for i, (code, entry) in enumerate(methods.items()):
            if names_social_media(code) or names_social_media(entry.label):
                raise self.fail(
                    f"methods[{i}] (code {code!r})",
                    "direct contact through social media is not a method of contact (SEL-MEDIUM)",
                )
        locations = self._table("locations")
        statuses = self._table("statuses")
        party_types = self._table("party_types")
        services = self._table("services")
        if "SW_PLAN_CONTACT" not in services:
            raise self.fail("[[services]]", "the 'SW_PLAN_CONTACT' service is required (SEL-SERVICES)")
        if not any(m.in_person for m in methods.values()):
            raise self.fail("[[methods]]", "one method must be marked in_person = true")
        for code in ("COMPLETED", "ATTEMPTED"):
            if code not in statuses:
                raise self.fail("[[statuses]]", f"status {code!r} is required (SEL-STATUS)")
        kinds = self._kinds(purposes, party_types)
        sop = self.data.get("sop")
        if not isinstance(sop, dict):
            raise self.fail("[sop]", "table is missing")
        extras_raw = sop.get("extras", {})
        if not isinstance(extras_raw, dict):
            raise self.fail("[sop.extras]", "must be a table of program = [entries]")
        programs = {p.value for p in Program}
        extras: dict[str, tuple[CodeEntry, ...]] = {}
        for program, entries in extras_raw.items():
            if program not in programs:
                raise self.fail(
                    f"[sop.extras] {program!r}", f"unknown program; expected one of {sorted(programs)}"
                )
            extras[program] = self._sop(f"sop.extras.{program}", entries)
        return CodeTables(
            source=self.path,
            agency=agency,
            kinds=kinds,
            purposes=purposes,
            methods=methods,
            locations=locations,
            statuses=statuses,
            party_types=party_types,
            services=services,
            sop_hotline=self._sop("sop.hotline", sop.get("hotline")),
            sop_all=self._sop("sop.all", sop.get("all")),
            sop_extras=extras,
            style_terms=self._style_terms(),
            presence_cues=self._presence_cues(),
            narrative_templates=self._templates(),
        )

    def _kinds(
        self, purposes: Mapping[str, CodeEntry], party_types: Mapping[str, CodeEntry]
    ) -> dict[ContactKind, KindEntry]:
        out: dict[ContactKind, KindEntry] = {}
        for i, raw in enumerate(self._list("kinds")):
            where = f"kinds[{i}]" + (f" (code {raw['code']!r})" if isinstance(raw.get("code"), str) else "")
            try:
                kind = ContactKind(self._str(where, raw, "code"))
                role = PersonRole(self._str(where, raw, "participant_role"))
            except ValueError as exc:
                raise self.fail(where, str(exc)) from exc
            party = self._str(where, raw, "party_type")
            if party not in party_types or not party_types[party].offered:
                raise self.fail(where, f"party_type {party!r} is not an offered party type")
            mandatory = raw.get("mandatory_purposes", [])
            if not isinstance(mandatory, list) or any(m not in purposes for m in mandatory):
                raise self.fail(where, "mandatory_purposes must list codes of [[purposes]]")
            context = raw.get("context")
            if not isinstance(context, list) or not context or not set(context) <= {"referral", "case"}:
                raise self.fail(where, "'context' must be a list drawn from 'referral' and 'case'")
            out[kind] = KindEntry(
                code=kind,
                label=self._str(where, raw, "label"),
                context=tuple(context),
                participant_role=role,
                party_type=party,
                mandatory_purposes=tuple(mandatory),
                mandatory=bool(raw.get("mandatory", False)),
            )
        missing = set(ContactKind) - set(out)
        if missing:
            raise self.fail("[[kinds]]", f"missing kind(s): {', '.join(sorted(missing))}")
        return out

    def _style_terms(self) -> tuple[StyleTerm, ...]:
        raw_terms = self.data.get("style_terms", [])
        if not isinstance(raw_terms, list):
            raise self.fail("[[style_terms]]", "must be a list of {term, suggestion}")
        terms = []
        for i, raw in enumerate(raw_terms):
            where = f"style_terms[{i}]"
            if not isinstance(raw, dict):
                raise self.fail(where, "entry must be a table")
            term = self._str(where, raw, "term")
            terms.append(StyleTerm(term, self._str(where, raw, "suggestion"), _phrase_pattern(term)))
        return tuple(terms)

    def _templates(self) -> tuple[str, ...]:
        """The narrative templates in templates/ beside the code table file, by file name."""
        folder = self.path.parent / "templates"
        try:
            files = sorted(folder.glob("*.txt"))
            return tuple(f.read_text(encoding="utf-8") for f in files)
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail(f"templates ({folder})", f"cannot read the narrative templates: {exc}") from exc

    def _presence_cues(self) -> tuple[PresenceCue, ...]:
        """Optional [recording] presence_cues: phrases that mean someone else was at the contact."""
        recording = self.data.get("recording", {})
        if not isinstance(recording, dict):
            raise self.fail("[recording]", "must be a table")
        raw_cues = recording.get("presence_cues", [])
        if not isinstance(raw_cues, list):
            raise self.fail("[recording] presence_cues", "must be a list of phrases")
        cues = []
        for i, raw in enumerate(raw_cues):
            if not isinstance(raw, str) or not raw.strip():
                raise self.fail(f"[recording] presence_cues[{i}]", "must be a non-empty phrase")
            cues.append(PresenceCue(raw, _phrase_pattern(raw)))
        return tuple(cues)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"\b{words}\b", re.IGNORECASE)


def codes(entries: Sequence[CodeEntry]) -> tuple[str, ...]:
    return tuple(e.code for e in entries)
