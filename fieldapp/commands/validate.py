"""`fieldapp validate`: check one contact document against its referral/case from the command line.

    fieldapp validate --caseload CASELOAD.json CONTACT.json [--text] [--now 2026-11-23T16:00:00-08:00]

Prints the rule findings and the counts-toward verdicts (JSON, or readable text with --text). Exit status:
0 nothing blocks, 1 something blocks the final save, 2 bad input (a file that cannot be read, is not JSON,
does not match the published schema, or holds a code the agency's code tables do not define: the message
names the file, the field and, for a code, the valid codes).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fieldapp.domain.codecheck import UnknownCode, caseload_unknown_codes, contact_unknown_codes
from fieldapp.domain.codetables import CodeTableError, CodeTables, load_codetables
from fieldapp.domain.findings import CountVerdict, Finding, Severity
from fieldapp.domain.records import Caseload, Contact, Matter
from fieldapp.domain.rules import RuleContext, check_contact, counts_toward

EXIT_OK, EXIT_BLOCKED, EXIT_BAD_INPUT = 0, 1, 2

M = TypeVar("M", bound=BaseModel)


class BadInput(Exception):
    """Input the command cannot judge; the message names the file and, where known, the field."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a contact document against the rules",
        description="Check a contact (JSON) in its referral/case from a caseload (JSON) against the agency's "
        "contact rules. Exit 0: nothing blocks; 1: something blocks the final save; 2: bad input.",
    )
    parser.add_argument(
        "--caseload",
        required=True,
        type=Path,
        metavar="CASELOAD.json",
        help="the caseload (JSON) holding the contact's referral or case",
    )
    parser.add_argument("contact", type=Path, metavar="CONTACT.json", help="the contact document (JSON)")
    parser.add_argument("--text", action="store_true", help="readable text instead of JSON")
    parser.add_argument(
        "--now",
        metavar="ISO-DATETIME",
        help="judge a draft as of this moment (with offset, e.g. 2026-11-23T16:00:00-08:00); default: now",
    )
    parser.set_defaults(handler=run)


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def load_document(path: Path, model: type[M]) -> M:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BadInput(f"{path}: cannot read the file: {reason}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}: field '{_field_path(tuple(err['loc']))}': {err['msg']}" for err in exc.errors()[:10]
        ]
        more = len(exc.errors()) - len(problems)
        if more > 0:
            problems.append(f"{path}: ... and {more} more problem(s)")
        raise BadInput(
            f"{path} does not match the {model.__name__.lower()} schema:\n" + "\n".join(problems)
        ) from exc


def refuse_unknown_codes(path: Path, problems: list[UnknownCode]) -> None:
    """Unknown codes are bad input, not rule findings: each is named with its field and the valid codes."""
    if problems:
        lines = [f"{path}: field '{p.field}': {p.message()}" for p in problems]
        raise BadInput(f"{path} holds codes the agency's code tables do not define:\n" + "\n".join(lines))


def parse_now(value: str | None) -> datetime:
    """The `--now` option shared by the commands that judge as of a moment (the rules never read the clock)."""
    if value is None:
        return datetime.now(UTC)  # the command reads the clock; the rules never do
    try:
        now = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"--now: {value!r} is not an ISO date and time") from exc
    if now.tzinfo is None or now.utcoffset() is None:
        raise BadInput(f"--now: {value!r} must include a time zone offset, e.g. 2026-11-23T16:00:00-08:00")
    return now


def _report(
    contact: Contact, matter: Matter, findings: list[Finding], verdicts: list[CountVerdict]
) -> dict[str, object]:
    blocking = [f for f in findings if f.severity is Severity.BLOCK]
    return {
        "contact_id": contact.id,
        "kind": str(contact.kind),
        "context": matter.context,
        "context_id": matter.id,
        "blocks": bool(blocking),
        "block_count": len(blocking),
        "warn_count": len(findings) - len(blocking),
        "findings": [f.to_json() for f in findings],
        "counts_toward": [v.to_json() for v in verdicts],
    }


def _text(
    contact: Contact,
    matter: Matter,
    tables: CodeTables,
    findings: list[Finding],
    verdicts: list[CountVerdict],
) -> str:
    lines = [
        f"Contact {contact.id}: {tables.kinds[contact.kind].label} in {matter.context} {matter.id} "
        f"({matter.name})"
    ]
    if findings:
        lines.append("")
        for f in findings:
            lines.append(f"{f.severity.upper():5}  {f.rule_id:14} {f.field}: {f.message}")
    lines.append("")
    if verdicts:
        lines.append("Counts toward:")
        for v in verdicts:
            who = f" ({v.person_id})" if v.person_id else ""
            state = "counts" if v.counts else f"does not count ({v.blocking_rule_id or 'rule'})"
            lines.append(f"  {v.measure_id}{who}: {state}. {v.reason}")
    else:
        lines.append("Counts toward: no compliance measure.")
    blocking = sum(1 for f in findings if f.severity is Severity.BLOCK)
    warnings = len(findings) - blocking
    if blocking:
        lines.append(
            f"\nCannot be final-saved: {blocking} blocking finding(s), {warnings} warning(s). Fix the blocking "
            "findings first."
        )
    else:
        lines.append(f"\nNothing blocks the final save ({warnings} warning(s)).")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        now = parse_now(args.now)
        tables = load_codetables()
        caseload = load_document(args.caseload, Caseload)
        refuse_unknown_codes(args.caseload, list(caseload_unknown_codes(caseload, tables)))
        contact = load_document(args.contact, Contact)
        refuse_unknown_codes(args.contact, list(contact_unknown_codes(contact, tables)))
        matter = caseload.matter(contact.context_id)
        if matter is None:
            raise BadInput(
                f"{args.contact}: field 'context_id': {contact.context_id!r} is not a referral or case in "
                f"{args.caseload}"
            )
    except (BadInput, CodeTableError) as exc:
        print(f"fieldapp validate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    ctx = RuleContext(caseload=caseload, matter=matter, tables=tables, now=now)
    findings = check_contact(contact, ctx)
    verdicts = counts_toward(contact, ctx)
    if args.text:
        print(_text(contact, matter, tables, findings, verdicts))
    else:
        print(json.dumps(_report(contact, matter, findings, verdicts), indent=2, ensure_ascii=False))
    return EXIT_BLOCKED if any(f.severity is Severity.BLOCK for f in findings) else EXIT_OK
