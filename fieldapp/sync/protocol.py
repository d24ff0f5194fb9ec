"""The wire protocol between the app and the office server: request and response documents.

Both sides import these models, so a field cannot drift between them. Contacts travel as the domain's own
Contact record; the server identifies a retry by (id, content_hash).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Amendment, Approval, AwareDatetime, Caseload, Contact, Worker

PROTOCOL_VERSION = 1
# A month of the agency's records: the years the calendar arithmetic of the compliance measures is defined
# for (a month's neighbours, a six-month window), refused at the boundary rather than failing inside them.
MONTH_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
MONTH_DESCRIPTION = "YYYY-MM (1900-01 to 2999-12), agency time zone."
SPOKEN_PROTOCOLS = (PROTOCOL_VERSION,)


def _spoken(version: int) -> int:
    """A request in a protocol version the server does not speak is refused with what to do, not guessed at."""
    if version not in SPOKEN_PROTOCOLS:
        spoken = ", ".join(str(v) for v in SPOKEN_PROTOCOLS)
        raise ValueError(
            f"sync protocol version {version} is not one this office server speaks ({spoken}); "
            "update fieldapp on this laptop, or ask your administrator to update the server"
        )
    return version


Protocol = Annotated[int, Field(strict=True, description="Sync protocol version."), AfterValidator(_spoken)]


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

    protocol: Protocol = PROTOCOL_VERSION
    contacts: tuple[Contact, ...] = ()
    amendments: tuple[Amendment, ...] = ()


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # stored now
    DUPLICATE = "duplicate"  # already stored with identical content: a retry; treat as accepted
    REFUSED = "refused"  # the server's rule check found block findings
    CONFLICT = "conflict"  # the ID is known with different content: refused loudly, never overwritten
    FORBIDDEN = "forbidden"  # not the pushing worker's to write (another caseload; amendment by a worker)


class ItemResult(Wire):
    id: str
    outcome: Outcome
    content_hash: str = Field(description="sha256 of the canonical JSON the server compared.")
    findings: tuple[WireFinding, ...] = ()
    message: str = ""
    status: int = Field(default=200, description="HTTP-like status of this item: see ItemStatus.")
    kind: str = Field(default="contact", description="'contact', 'amendment' or 'frozen_draft'.")


class PushResponse(Wire):
    """One result per item, contacts first then amendments, in request order. The HTTP status is 200, or
    409 when every item of the batch is a conflict (the body is this same document)."""

    results: tuple[ItemResult, ...]


class FrozenDraft(Wire):
    """NAR-SAMEDAY policy exception: a draft whose business day ended while a block finding stood. It can
    never become final (the store froze it), so it is not a contact the reports count; the supervisor must
    still learn of it, and the agency keeps its text as it stood."""

    contact: Contact
    frozen_reason: str = Field(min_length=1, max_length=2000, description="Which rules stood, in words.")
    frozen_at: AwareDatetime = Field(description="When the laptop closed the ended day.")

    @property
    def id(self) -> str:
        """Keyed by the contact's client-made ID, like every record in the outbox."""
        return self.contact.id


class FrozenDraftsRequest(Wire):
    """A batch of frozen drafts from the outbox, keyed by the contact's client-made ID."""

    protocol: Protocol = PROTOCOL_VERSION
    drafts: tuple[FrozenDraft, ...] = ()


class StoredFrozenDraft(Wire):
    """A frozen draft as the office holds it, for the supervisor (SUP-ALERTS)."""

    draft: FrozenDraft
    worker_id: str
    content_hash: str
    received_at: AwareDatetime


class UnitFrozenDrafts(Wire):
    unit: str
    month: str = Field(description="YYYY-MM in the agency's time zone (by the draft's start).")
    drafts: tuple[StoredFrozenDraft, ...]


class PullResponse(Wire):
    """Changes since a cursor. `full_resync` means the cursor was unknown: the caseload is sent whole.

    `caseload`, when present, is the worker's whole current caseload and replaces the laptop's copy (a
    matter missing from it was closed out or reassigned away). Approvals, amendments and refusals are
    additive and keyed by ID. Call again with `cursor` while `has_more`.
    """

    cursor: str
    full_resync: bool = False
    caseload: Caseload | None = None
    approvals: tuple[Approval, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    refusals: tuple[ItemResult, ...] = ()
    has_more: bool = False


# --------------------------------------------------------------------------- additions (server v1)
# Everything below was added after the first draft; fields are only ever added, never renamed.


class ItemStatus:
    """HTTP-like status of one item of a push batch (ItemResult.status), so a client can treat an item
    exactly as it would treat a single request: 2xx done, 4xx refused for good (never retried as is)."""

    ACCEPTED = 201
    DUPLICATE = 200
    FORBIDDEN = 403
    CONFLICT = 409
    REFUSED = 422


class FieldError(Wire):
    """One problem with a request, naming the field (a dotted path into the JSON body or a parameter)."""

    field: str
    message: str


class ErrorResponse(Wire):
    """The body of every error the server answers (401, 403, 404, 409, 429, 500...).

    `error` is a stable machine word (e.g. "unauthenticated", "forbidden", "rate_limited"); `message` is for
    people and never contains a token, a code or a narrative.
    """

    error: str
    message: str
    retry_after_seconds: int | None = None
    details: tuple[FieldError, ...] = ()


class HealthResponse(Wire):
    """Reachability only: reveals nothing about the server, its version or its data."""

    status: str = "ok"
    protocol: int = PROTOCOL_VERSION


class EnrollRequest(Wire):
    """A laptop exchanges a one-time enrollment code (from an administrator) for a device token."""

    code: str = Field(min_length=1, max_length=64)
    device_name: str = Field(default="", max_length=200, description="Shown to administrators only.")


class EnrollResponse(Wire):
    """The device token is shown once: the app keeps it in the OS keyring; the server keeps only a hash."""

    token: str
    device_id: str
    worker: Worker
    server_id: str = Field(description="Identifies the server's database; a different one means re-enroll.")
    protocol: int = PROTOCOL_VERSION


class WhoAmI(Wire):
    worker: Worker
    device_id: str


class StoredContact(Wire):
    """A contact as the office holds it, for a supervisor's view of a unit."""

    contact: Contact
    worker_id: str
    content_hash: str
    received_at: AwareDatetime
    approval_ids: tuple[str, ...] = ()
    amendments: tuple[Amendment, ...] = ()


class UnitContacts(Wire):
    unit: str
    month: str = Field(description="YYYY-MM in the agency's time zone (by the contact's start).")
    contacts: tuple[StoredContact, ...]


class ApprovalRequest(Wire):
    """SUP-REVIEW: approve a worker's contact sheet for a month (all its stored contacts, or those listed)."""

    id: str | None = Field(
        default=None, max_length=64, description="Client-made ID; a retry with it is a no-op."
    )
    month: str = Field(pattern=MONTH_PATTERN, description=MONTH_DESCRIPTION)
    contact_ids: tuple[str, ...] | None = Field(
        default=None, description="Omit to approve every contact of the month stored so far."
    )
    note: str = Field(default="", max_length=2000)


class AmendmentRequest(Wire):
    """NAR-AMEND: the server fills in who (full name and title from its staff list) and when."""

    id: str | None = Field(
        default=None, max_length=64, description="Client-made ID; a retry with it is a no-op."
    )
    new_information: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class ReportView(BaseModel):
    """Base of the SUP-REPORTS views: the compliance module's results as JSON. Unknown fields are ignored
    so the compliance module may add figures without breaking older readers."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class TallyView(ReportView):
    measure_id: str
    label: str
    met: int
    due: int
    missed: int
    exempt: int
    required: int
    percent: float | None = Field(description="Share met, 0-100; null when nothing was required.")


class ContactFiguresView(ReportView):
    face_to_face_child_contacts: int
    face_to_face_parent_contacts: int
    referral_contacts: int
    referral_collateral_contacts: int


class WorkerReportView(ReportView):
    rule_id: str
    worker_id: str
    worker_name: str
    unit: str
    month: str
    contacts: ContactFiguresView
    measures: tuple[TallyView, ...]
    residence_12_months: TallyView


class UnitReportView(ReportView):
    """SUP-REPORTS for one unit and month, as of a moment (contacts finalized later do not count yet)."""

    rule_id: str
    unit: str
    month: str
    as_of: AwareDatetime
    workers: tuple[WorkerReportView, ...]
    contacts: ContactFiguresView
    measures: tuple[TallyView, ...]
    residence_12_months: TallyView


MAX_CHAIN_ENTRIES = 5000  # about 0.5 MB of JSON: within the 1 MiB body limit


class ChainEntry(Wire):
    """One entry of a laptop's audit chain, as anchored on the office server: its number and hash only."""

    seq: int = Field(ge=1, le=2**62)
    entry_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class ChainAnchorRequest(Wire):
    """A run of consecutive entries of the laptop's audit chain, from the last one the server anchored (so
    the server checks the chain still extends it) to the laptop's newest, at most MAX_CHAIN_ENTRIES."""

    entries: tuple[ChainEntry, ...] = Field(min_length=1, max_length=MAX_CHAIN_ENTRIES)


class ChainAnchor(Wire):
    """What the office server holds of this device's audit chain: the last anchored entry (seq 0: none yet)
    and, when asked for, anchored entries after `after`."""

    seq: int = 0
    entry_hash: str | None = None
    anchored_at: AwareDatetime | None = None
    entries: tuple[ChainEntry, ...] = ()
    has_more: bool = False
