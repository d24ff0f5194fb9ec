"""The wire protocol between the app and the office server: request and response documents.

Both sides import these models, so a field cannot drift between them. Contacts travel as the domain's own
Contact record; the server identifies a retry by (id, content_hash).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Amendment, Approval, Caseload, Contact

PROTOCOL_VERSION = 1


class Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WireFinding(Wire):
    rule_id: str
    severity: Severity
    field: str
    message: str

    @classmethod
    def of(cls, f: Finding) -> WireFinding:
        return cls(rule_id=f.rule_id, severity=f.severity, field=f.field, message=f.message)

    def to_finding(self) -> Finding:
        return Finding(self.rule_id, self.severity, self.field, self.message)


class PushRequest(Wire):
    """A batch of final contacts and amendments from the outbox, each keyed by its client-made ID."""

    protocol: int = PROTOCOL_VERSION
    contacts: tuple[Contact, ...] = ()
    amendments: tuple[Amendment, ...] = ()


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # stored now
    DUPLICATE = "duplicate"  # already stored with identical content: a retry; treat as accepted
    REFUSED = "refused"  # the server's rule check found block findings
    CONFLICT = "conflict"  # the ID is known with different content: refused loudly, never overwritten


class ItemResult(Wire):
    id: str
    outcome: Outcome
    content_hash: str = Field(description="sha256 of the canonical JSON the server compared.")
    findings: tuple[WireFinding, ...] = ()
    message: str = ""


class PushResponse(Wire):
    results: tuple[ItemResult, ...]


class PullResponse(Wire):
    """Changes since a cursor. `full_resync` means the cursor was unknown: the caseload is sent whole."""

    cursor: str
    full_resync: bool = False
    caseload: Caseload | None = None
    approvals: tuple[Approval, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    refusals: tuple[ItemResult, ...] = ()
    has_more: bool = False
