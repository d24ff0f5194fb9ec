"""The published JSON Schemas of the documents `fieldapp validate` reads, generated from the records.

    python -m fieldapp.domain.schemas          # rewrite docs/schemas/*.schema.json
    python -m fieldapp.domain.schemas --check  # exit 1 if they are out of date (CI and tests)

Generated, never hand-edited: the records are the single definition, so a change to a record shows up as
a diff in the schemas and a failing sync test until they are regenerated.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from fieldapp.domain.records import Caseload, Contact

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOCUMENTS: dict[str, type[BaseModel]] = {
    "caseload.schema.json": Caseload,
    "contact.schema.json": Contact,
}


def default_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "schemas"


def render(model: type[BaseModel]) -> str:
    schema = {"$schema": SCHEMA_DIALECT, **model.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name -> schema text, for every published document."""
    return {name: render(model) for name, model in DOCUMENTS.items()}


def out_of_date(directory: Path) -> list[str]:
    """The schema files in `directory` that are missing or differ from the records."""
    stale = []
    for name, text in generate().items():
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
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date(args.dir)
        for name in stale:
            print(
                f"{args.dir / name} is out of date; run: python -m fieldapp.domain.schemas", file=sys.stderr
            )
        return 1 if stale else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (args.dir / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
