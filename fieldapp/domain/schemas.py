"""The published JSON Schemas of the documents `fieldapp validate` reads, generated from the records.

    python -m fieldapp.domain.schemas          # rewrite docs/schemas/*.schema.json
    python -m fieldapp.domain.schemas --check  # exit 1 if they are out of date (CI and tests)

Generated, never hand-edited: the records are the single definition, so a change to a record shows up as
a diff in the schemas and a failing sync test until they are regenerated. The code fields (method,
location, status, purposes, party type, services, SOP components) enumerate the codes of the agency's code
tables shipped in resources/codetables.toml, so a schema validator refuses "In-Person" where the code is
IN_PERSON; an agency that replaces the tables regenerates the schemas with `--codetables` pointing at them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fieldapp.domain.codecheck import CONTACT_CODE_FIELDS, SW_PLAN_CONTACT_CODE_FIELDS, table_entries
from fieldapp.domain.codetables import CodeTables, load_codetables
from fieldapp.domain.records import Caseload, Contact
from fieldapp.domain.resources import resources_dir

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOCUMENTS: dict[str, type[BaseModel]] = {
    "caseload.schema.json": Caseload,
    "contact.schema.json": Contact,
}


def default_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "schemas"


def shipped_codetables() -> CodeTables:
    """The code tables the published schemas enumerate: the ones shipped with the product."""
    return load_codetables(resources_dir() / "codetables.toml")


def _enumerate(prop: dict[str, Any], codes: list[str]) -> None:
    """Put the codes on the string schema of a code field (a plain, nullable or array-of-codes field)."""
    if prop.get("type") == "array":
        _enumerate(prop["items"], codes)
    elif "anyOf" in prop:
        for branch in prop["anyOf"]:
            if branch.get("type") == "string":
                _enumerate(branch, codes)
    elif prop.get("type") == "string":
        prop["enum"] = codes


def _with_codes(model: type[BaseModel], schema: dict[str, Any], tables: CodeTables) -> dict[str, Any]:
    targets: list[tuple[dict[str, Any], Mapping[str, str]]] = []
    if model is Contact:
        targets.append((schema, CONTACT_CODE_FIELDS))
    if "SwPlanContact" in schema.get("$defs", {}):
        targets.append((schema["$defs"]["SwPlanContact"], SW_PLAN_CONTACT_CODE_FIELDS))
    for where, fields in targets:
        for field, table in fields.items():
            _enumerate(where["properties"][field], [e.code for e in table_entries(tables, table)])
    return schema


def render(model: type[BaseModel], tables: CodeTables | None = None) -> str:
    tables = tables or shipped_codetables()
    schema = {"$schema": SCHEMA_DIALECT, **_with_codes(model, model.model_json_schema(), tables)}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate(tables: CodeTables | None = None) -> dict[str, str]:
    """File name -> schema text, for every published document."""
    tables = tables or shipped_codetables()
    return {name: render(model, tables) for name, model in DOCUMENTS.items()}


def out_of_date(directory: Path, tables: CodeTables | None = None) -> list[str]:
    """The schema files in `directory` that are missing or differ from the records and code tables."""
    stale = []
    for name, text in generate(tables).items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fieldapp.domain.schemas", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--dir", type=Path, default=default_dir(), help="where the schemas live")
    parser.add_argument("--check", action="store_true", help="only report whether they are up to date")
    parser.add_argument(
        "--codetables",
        type=Path,
        metavar="CODETABLES.toml",
        help="enumerate the codes of these tables instead of the shipped resources/codetables.toml",
    )
    args = parser.parse_args(argv)
    tables = load_codetables(args.codetables) if args.codetables else shipped_codetables()
    if args.check:
        stale = out_of_date(args.dir, tables)
        for name in stale:
            print(
                f"{args.dir / name} is out of date; run: python -m fieldapp.domain.schemas", file=sys.stderr
            )
        return 1 if stale else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, text in generate(tables).items():
        (args.dir / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
