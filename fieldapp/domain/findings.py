"""What the rules engine says about a contact: findings, and whether it counts toward each measure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"  # cannot be final-saved until fixed
    WARN = "warn"  # saved, but shown to the worker and the supervisor


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule says about one contact.

    `field` names the contact field (the record's attribute name, e.g. "method", "narrative") so the
    wizard can show the finding next to the control that edits it.
    """

    rule_id: str
    severity: Severity
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "severity": str(self.severity),
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class CountVerdict:
    """Whether a contact counts toward one compliance measure, for one person, and if not, why.

    `blocking_rule_id` names the rule that stops it counting ("SEL-STATUS" for an Attempted contact).
    """

    measure_id: str
    person_id: str | None
    counts: bool
    reason: str
    blocking_rule_id: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "measure_id": self.measure_id,
            "person_id": self.person_id,
            "counts": self.counts,
            "reason": self.reason,
            "blocking_rule_id": self.blocking_rule_id,
        }


def blocks(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.BLOCK]
