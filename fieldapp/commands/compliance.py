"""`fieldapp compliance`: a month's compliance measures for a caseload, from the command line.

    fieldapp compliance --caseload CASELOAD.json [--contacts CONTACTS.json] [--approvals APPROVALS.json]
                        [--month 2026-11] [--worker w-ana] [--now 2026-11-23T16:00:00-08:00] [--text]

CONTACTS.json and APPROVALS.json are JSON arrays of contact and approval documents (the published
schemas). Prints court dates ahead whose entries still need approval (SUP-REVIEW, first), the worker's due
list (SUP-ALERTS), what is overdue (without --month: of the previous month too), the worker's report (SUP-REPORTS),
approval coverage (SUP-REVIEW), clinician reminders (SUP-CLINICIAN) and every measure result, as JSON or as
readable text. Exit status 0, or 2 on bad input (the message names the file and the field).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import RootModel

from fieldapp.commands.validate import BadInput, load_document, parse_now
from fieldapp.domain.agency_time import Month, business_day
from fieldapp.domain.codetables import CodeTableError, load_codetables
from fieldapp.domain.compliance import (
    ClinicianReminder,
    DueList,
    MeasureStatus,
    MonthReport,
    ReviewReport,
    SupervisorAlerts,
    WorkerReport,
    alert_months,
    approval_coverages,
    clinician_reminders,
    evaluate_months,
    supervisor_alerts,
    to_json,
    worker_due_list,
    worker_report,
)
from fieldapp.domain.records import Approval, Caseload, Contact

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class ContactList(RootModel[list[Contact]]):
    """A JSON array of contact documents."""


class ApprovalList(RootModel[list[Approval]]):
    """A JSON array of approval documents."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compliance",
        help="a month's compliance measures, due list and supervisor figures",
        description="Compute the compliance measures (CMP-*) and the supervision views (SUP-*) of a caseload "
        "for one month. Exit 0, or 2 on bad input.",
    )
    parser.add_argument(
        "--caseload",
        required=True,
        type=Path,
        metavar="CASELOAD.json",
        help="the caseload (JSON, docs/schemas)",
    )
    parser.add_argument(
        "--contacts", type=Path, metavar="CONTACTS.json", help="JSON array of contacts (default: none)"
    )
    parser.add_argument(
        "--approvals", type=Path, metavar="APPROVALS.json", help="JSON array of approvals (default: none)"
    )
    parser.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="default: the agency's current month, with what the previous month left overdue",
    )
    parser.add_argument("--worker", metavar="WORKER-ID", help="default: the caseload's worker")
    parser.add_argument(
        "--now", metavar="ISO-DATETIME", help="judge as of this moment (with offset); default: now"
    )
    parser.add_argument("--text", action="store_true", help="readable text instead of JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        now = parse_now(args.now)
        tables = load_codetables()
        caseload = load_document(args.caseload, Caseload)
        contacts = load_document(args.contacts, ContactList).root if args.contacts else []
        approvals = load_document(args.approvals, ApprovalList).root if args.approvals else []
        try:
            month = (
                Month.parse(args.month)
                if args.month
                else Month.of(business_day(now, tables.agency.time_zone))
            )
        except ValueError as exc:
            raise BadInput(f"--month: {exc}") from exc
        worker = caseload.staff_member(args.worker or caseload.worker.id)
        if worker is None:
            raise BadInput(f"--worker: {args.worker!r} is not on the staff list of {args.caseload}")
    except (BadInput, CodeTableError) as exc:
        print(f"fieldapp compliance: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    today = business_day(now, tables.agency.time_zone)
    # Without --month: the current month, and the previous one for what it left overdue (SUP-ALERTS).
    months = [month] if args.month else list(alert_months(today))
    reports = evaluate_months(caseload, contacts, months, tables=tables, now=now)
    reviews = approval_coverages(caseload, contacts, approvals, months, tables=tables, now=now)
    report, review = reports[-1], reviews[-1]
    due = worker_due_list(report, worker.id)
    overdue = supervisor_alerts(reports, reviews, worker_ids=[worker.id])
    figures = worker_report(report, worker)
    reminders = [
        r for r in clinician_reminders(caseload, contacts, tables=tables, now=now) if r.worker_id == worker.id
    ]
    if args.text:
        print(_text(worker.full_name, month, report, review, due, overdue, figures, reminders))
    else:
        document = {
            "month": str(month),
            "as_of": report.as_of.isoformat(),
            "worker_id": worker.id,
            "court_dates": to_json(overdue.court_dates),
            "due": to_json(due),
            "overdue": to_json(overdue),
            "worker_report": to_json(figures),
            "review": to_json(review),
            "clinician_reminders": to_json(reminders),
            "measures": to_json([m for m in report.measures if m.status is not MeasureStatus.NOT_APPLICABLE]),
            "plan_coverage": to_json(report.plan_coverage),
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    return EXIT_OK


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _text(
    name: str,
    month: Month,
    report: MonthReport,
    review: ReviewReport,
    due: DueList,
    alerts: SupervisorAlerts,
    figures: WorkerReport,
    reminders: list[ClinicianReminder],
) -> str:
    """The report as a supervisor reads it: what to act on first (court dates ahead, then what is
    overdue, with how long), then what is still due, why anything is exempt, and the month's figures."""
    lines = [f"{name}, {month.label} (as of {report.as_of.isoformat()})"]
    if alerts.court_dates:
        lines += ["", "Approve before court (SUP-REVIEW):"]
        lines += [f"  {court.message}" for court in alerts.court_dates]  # the message says how long is left
    lines += ["", "Overdue:"]
    lines += [
        f"  [{_days(i.days_overdue)} overdue] {i.message}" if i.days_overdue else f"  {i.message}"
        for i in alerts.items
    ] or ["  nothing"]
    lines += ["", "Still due:"]
    if report.month < Month.of(report.as_of):
        lines.append(f"  nothing: {month.label} is over; what is still open is in this month's report")
    else:
        # An undated item already overdue (a month without an approved case plan) shows there only.
        overdue = {(i.source_id, i.matter_id, i.person_name) for i in alerts.items}
        lines += [
            f"  [{i.measure_id}] {i.message}"
            for i in due.items
            if i.due_by is not None or (i.measure_id, i.matter_id, i.person_name) not in overdue
        ] or ["  nothing"]
    exempt = [m for m in report.for_worker(figures.worker_id) if m.status is MeasureStatus.EXEMPT]
    lines += ["", "Exempt (why nothing is required):"]
    lines += [f"  [{m.measure_id}, {m.reason_rule_id or 'CLS-SCHEDULE'}] {m.detail}" for m in exempt] or [
        "  nothing"
    ]
    lines += ["", "Clinician reminders:"]
    lines += [f"  [{r.status.value}] {r.message}" for r in reminders] or ["  none"]
    lines += ["", "Measures (met / required, exempt):"]
    for t in figures.measures:
        pct = "-" if t.percent is None else f"{t.percent:.0f}%"
        lines.append(
            f"  {t.measure_id:16} {t.met:3} / {t.required:<3} {pct:>5}  exempt {t.exempt}  {t.label}"
        )
    c = figures.contacts
    lines += [
        "",
        f"Face-to-face child contacts: {c.face_to_face_child_contacts}; parent: "
        f"{c.face_to_face_parent_contacts}; referral contacts: {c.referral_contacts}; referral collateral "
        f"contacts: {c.referral_collateral_contacts}",
    ]
    unapproved = sum(
        len(m.unapproved_contact_ids) for m in review.monthly if m.worker_id == figures.worker_id
    )
    lines.append(f"Contacts awaiting the supervisor's approval this month: {unapproved}")
    return "\n".join(lines)
