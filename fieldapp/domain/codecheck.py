"""Codes that are not in the agency's code tables: bad input, told with the codes that are.

A contact document names its method, location, status, purposes, party type, services and SOP components
by code (`IN_PERSON`), and a worker writing one by hand reaches for the word on the screen ("In-Person").
Such a value is not a rule finding about a real contact but input the product cannot read, so
`fieldapp validate` refuses it with the field and the valid codes, and the rules engine, which must still
refuse it on every other path (wizard, server), says the same thing in the same words.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from fieldapp.domain.codetables import CodeEntry, CodeTables
from fieldapp.domain.records import Caseload, Contact

CONTACT_CODE_FIELDS: Mapping[str, str] = {
    "purposes": "purposes",
    "method": "methods",
    "location": "locations",
    "status": "statuses",
    "party_type": "party_types",
    "services": "services",
    "sop_components": "sop",
}
"""Contact field -> code table; a tuple field holds several codes."""

SW_PLAN_CONTACT_CODE_FIELDS: Mapping[str, str] = {"party_type": "party_types", "method": "methods"}
"""Case plan SW Plan Contact field -> code table (in a caseload document)."""

_NOUNS = {
    "purposes": "contact purpose",
    "methods": "method of contact",
    "locations": "location",
    "statuses": "status",
    "party_types": "contact party type",
    "services": "case management service",
    "sop": "Safety Organized Practice component",
}


def table_entries(tables: CodeTables, table: str) -> tuple[CodeEntry, ...]:
    """Every entry of a table, offered or not (a code kept only for imported data is still a code)."""
    if table == "sop":
        entries = {e.code: e for e in (*tables.sop_hotline, *tables.sop_all)}
        for extras in tables.sop_extras.values():
            entries.update({e.code: e for e in extras if e.code not in entries})
        return tuple(entries.values())
    return tuple(getattr(tables, table).values())


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class UnknownCode:
    """One value that is not a code of its table."""

    field: str  # "method", "purposes[1]", "cases[0].case_plans[0].sw_plan_contacts[0].method"
    value: str
    table: str
    valid: tuple[CodeEntry, ...]  # the codes a worker may use (offered ones)

    @property
    def meant(self) -> CodeEntry | None:
        """The code the value most likely stands for: its label or code written another way ("In-Person",
        "in person", "in_person"), else a close spelling ("TELEPHON")."""
        squashed = _squash(self.value)
        for entry in self.valid:
            if squashed and squashed in (_squash(entry.code), _squash(entry.label)):
                return entry
        by_code = {e.code: e for e in self.valid}
        close = difflib.get_close_matches(
            self.value.upper().replace(" ", "_"), list(by_code), n=1, cutoff=0.75
        )
        return by_code[close[0]] if close else None

    def message(self) -> str:
        noun = _NOUNS.get(self.table, "code")
        meant = self.meant
        hint = f" For '{meant.label}' the code is {meant.code}." if meant is not None else ""
        valid = ", ".join(f"{e.code} ({e.label})" for e in self.valid)
        return f"'{self.value}' is not a {noun} code in the agency's tables.{hint} Valid codes: {valid}."


def unknown_code(tables: CodeTables, table: str, field: str, value: str) -> UnknownCode | None:
    """The problem with one value, or None when it is a code of `table`."""
    entries = table_entries(tables, table)
    if any(e.code == value for e in entries):
        return None
    return UnknownCode(field, value, table, tuple(e for e in entries if e.offered))


def contact_unknown_codes(contact: Contact, tables: CodeTables) -> Iterator[UnknownCode]:
    """Every value of the contact's code fields that is not a code of its table, in field order."""
    for field, table in CONTACT_CODE_FIELDS.items():
        value = getattr(contact, field)
        if value is None:
            continue
        values = (
            [(f"{field}[{i}]", v) for i, v in enumerate(value)]
            if isinstance(value, tuple)
            else [(field, value)]
        )
        for where, code in values:
            problem = unknown_code(tables, table, where, code)
            if problem is not None:
                yield problem


def caseload_unknown_codes(caseload: Caseload, tables: CodeTables) -> Iterator[UnknownCode]:
    """Codes in a caseload document (the case plans' SW Plan Contacts) that are not in the tables."""
    for ci, case in enumerate(caseload.cases):
        for pi, plan in enumerate(case.case_plans):
            for si, sw in enumerate(plan.sw_plan_contacts):
                for field, table in SW_PLAN_CONTACT_CODE_FIELDS.items():
                    where = f"cases[{ci}].case_plans[{pi}].sw_plan_contacts[{si}].{field}"
                    problem = unknown_code(tables, table, where, getattr(sw, field))
                    if problem is not None:
                        yield problem
