"""Compliance: the monthly measures (RULES.md section 5) and what supervisors and workers see of them
(section 6). Plain Python; the server and the GUI render the results as they are.

    report = evaluate_month(caseload, contacts, Month(2026, 11), tables=tables, now=now)
    due = worker_due_list(report, "w-ana")                                   # SUP-ALERTS, the worker
    review = approval_coverage(caseload, contacts, approvals, month, tables=tables, now=now)  # SUP-REVIEW
    reports = evaluate_months(caseload, contacts, alert_months(today), tables=tables, now=now)
    reports = evaluate_months(..., memo=memo)  # a JudgmentMemo kept per caseload between evaluations
    alerts = supervisor_alerts(reports, reviews, worker_ids=unit_ids)       # SUP-ALERTS + SUP-REVIEW:
    alerts.court_dates, alerts.items     # court dates ahead with entries to approve first, then overdue
    figures = worker_report(report, worker)                                  # SUP-REPORTS
    unit = unit_report([report], [caseload], "Unit 7 (demo)")                # SUP-REPORTS
    reminders = clinician_reminders(caseload, contacts, tables=tables, now=now)  # SUP-CLINICIAN
    data = to_json(unit)                                                     # plain JSON for the server
"""

from fieldapp.domain.agency_time import Month
from fieldapp.domain.caseplans import PlanCoverage
from fieldapp.domain.compliance.alerts import (
    CourtDateAlert,
    DueItem,
    DueList,
    OverdueItem,
    SupervisorAlerts,
    alert_months,
    supervisor_alerts,
    worker_due_list,
)
from fieldapp.domain.compliance.clinician import ClinicianReminder, clinician_reminders
from fieldapp.domain.compliance.judgments import Judgment, JudgmentMemo, judge
from fieldapp.domain.compliance.measures import (
    ContactIndex,
    build_report,
    evaluate_month,
    evaluate_months,
)
from fieldapp.domain.compliance.model import (
    MEASURE_IDS,
    MEASURE_LABELS,
    ContactActivity,
    MeasureResult,
    MeasureStatus,
    MonthReport,
    to_json,
)
from fieldapp.domain.compliance.reports import (
    ContactFigures,
    Tally,
    UnitReport,
    WorkerReport,
    activity_figures,
    tallied_results,
    unit_report,
    worker_report,
)
from fieldapp.domain.compliance.review import (
    ApprovalNote,
    CourtReview,
    MonthlyReview,
    ReviewReport,
    approval_coverage,
    approval_coverages,
)

__all__ = [
    "MEASURE_IDS",
    "MEASURE_LABELS",
    "ApprovalNote",
    "ClinicianReminder",
    "ContactActivity",
    "ContactFigures",
    "ContactIndex",
    "CourtDateAlert",
    "CourtReview",
    "DueItem",
    "DueList",
    "Judgment",
    "JudgmentMemo",
    "MeasureResult",
    "MeasureStatus",
    "Month",
    "MonthReport",
    "MonthlyReview",
    "OverdueItem",
    "PlanCoverage",
    "ReviewReport",
    "SupervisorAlerts",
    "Tally",
    "UnitReport",
    "WorkerReport",
    "activity_figures",
    "alert_months",
    "approval_coverage",
    "approval_coverages",
    "build_report",
    "clinician_reminders",
    "evaluate_month",
    "evaluate_months",
    "judge",
    "supervisor_alerts",
    "tallied_results",
    "to_json",
    "unit_report",
    "worker_due_list",
    "worker_report",
]
