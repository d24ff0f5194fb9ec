"""The records of the domain: workers, referrals, cases, the people in them, case plans and contacts.

Records are immutable pydantic models so that one definition gives validation with messages that name
the field, JSON (de)serialisation for the store and the wire, and the published JSON Schemas
(docs/schemas/). Codes (purposes, methods, locations, services...) are plain strings checked against the
agency's code tables at run time, because an agency may replace the tables without touching code.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def _aware(value: datetime) -> datetime:
    """Timestamps without a zone are ambiguous in court: every datetime must carry its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone offset, e.g. 2026-06-03T10:15:00-07:00")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
RecordId = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64)]


def _unset(value: object) -> bool:
    """Fields added after records were first stored are left out of the JSON while unset.

    A final contact's stored JSON is hashed (audit chain, sync retries) and can never change
    (NAR-IMMUTABLE): a field added later must not add `"field": null` to the canonical form of a record
    made before it existed, or the laptop and the server would disagree about the same contact.
    """
    return value is None or value is False


class Record(BaseModel):
    """Base of all records: frozen (changes go through model_copy) and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


# --------------------------------------------------------------------------- staff


class StaffRole(StrEnum):
    WORKER = "worker"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


class Worker(Record):
    """A member of staff: social worker, supervisor or manager."""

    id: RecordId
    full_name: str = Field(min_length=1)
    title: str = Field(
        min_length=1, description="Job title as it appears on an amendment, e.g. 'Social Worker III'."
    )
    role: StaffRole = StaffRole.WORKER
    unit: str = Field(min_length=1, description="Unit the worker belongs to; a supervisor sees their unit.")
    supervisor_id: RecordId | None = None

    @property
    def is_bureau_program_manager(self) -> bool:
        """SEL-PRIMARY: only the bureau program manager approves a mandatory contact by someone else.

        Known from the staff list: the manager role and a title naming a program manager ("Bureau Program
        Manager", "Social Services Program Manager II"); a supervisor or a deputy director is not one.
        """
        return self.role is StaffRole.MANAGER and "program manager" in " ".join(self.title.casefold().split())


# --------------------------------------------------------------------------- people


class PersonRole(StrEnum):
    CHILD = "child"
    PARENT = "parent"  # parent or legal guardian
    SCP = "scp"  # substitute care provider
    ALLEGED_PERPETRATOR = "alleged_perpetrator"
    REPORTING_PARTY = "reporting_party"
    COLLATERAL = "collateral"


class CollateralType(StrEnum):
    CLINICIAN = "clinician"
    COUNTY_COUNSEL = "county_counsel"
    LAW_ENFORCEMENT = "law_enforcement"
    SCHOOL = "school"
    PROVIDER = "provider"
    SUPERVISOR = "supervisor"  # the worker's supervisor (PSS) in a case consultation
    RELATIVE = "relative"
    OTHER = "other"


class Person(Record):
    """A person in one referral or case, with the roles they hold there.

    One person may hold several roles (a parent who is also the alleged perpetrator). Contact details
    are kept for the reporting party because NAR-RP must recognise them in a narrative.
    """

    id: RecordId
    full_name: str = Field(min_length=1)
    roles: tuple[PersonRole, ...] = Field(min_length=1)
    birth_date: date | None = None
    collateral_type: CollateralType | None = Field(
        default=None, description="For role 'collateral' (and a reporting party): who they are."
    )
    named_in_allegation: bool = Field(default=False, description="A child named in a referral allegation.")
    caci_listing: bool = Field(
        default=False, description="Alleged perpetrator whose name is to be sent for listing on CACI."
    )
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    court_ordered_therapy: bool = Field(
        default=False, description="Parent ordered by the court into therapy."
    )
    nytd_cohort: bool = Field(
        default=False,
        exclude_if=_unset,
        description="A youth in a National Youth in Transition Database cohort (CLS-CLOSED exception). The "
        "exception is the youth's own: it never opens contact with a sibling.",
    )

    def has_role(self, role: PersonRole) -> bool:
        return role in self.roles


# --------------------------------------------------------------------------- referrals and cases


class Program(StrEnum):
    HOTLINE = "Hotline"
    ER = "ER/Investigations"
    VS = "VS"
    FM = "FM"
    FR = "FR"
    PP = "PP"
    EFC = "EFC"
    ADOPTIONS = "Adoptions"


class ScheduleExceptionKind(StrEnum):
    CONTACT_WAIVER = "contact_waiver"
    RUNAWAY = "runaway"
    ICPC = "icpc"


class ScheduleException(Record):
    """An entry in the case plan's Schedule for Services that changes what a month requires (CLS-SCHEDULE)."""

    kind: ScheduleExceptionKind
    person_id: RecordId = Field(description="The child (or parent) the exception applies to.")
    starts_on: date
    ends_on: date | None = None
    note: str = ""


class SwPlanContact(Record):
    """A 'SW Plan Contact' set up in the case plan for the child, a parent or the SCP."""

    person_id: RecordId
    party_type: Code
    method: Code


class CasePlan(Record):
    """An approved case plan; a case is in compliance only in months an approved plan covers (CLS-CASEPLAN)."""

    id: RecordId
    approved_on: date | None = Field(description="Date the plan was approved; None while still a draft.")
    covers_from: date
    covers_to: date
    sw_plan_contacts: tuple[SwPlanContact, ...] = ()
    schedule_exceptions: tuple[ScheduleException, ...] = ()
    scp_in_person_every_months: int = Field(
        default=6, ge=1, le=6, description="SCP in-person frequency set by the plan; never less than every 6."
    )
    scp_in_person_visits_per_month: int | None = Field(
        default=None,
        ge=1,
        le=31,
        description="In-person SCP visits the plan requires in every calendar month, when it sets them more "
        "often than monthly (000: 'as determined in the child's case plan'); replaces the every-N-months "
        "frequency.",
    )
    ends_reunification: bool = Field(default=False, description="Plan changed to terminate reunification.")


class CourtHearing(Record):
    """A hearing of a court-involved case: every contact sheet entry made before it must be approved before
    it (SUP-REVIEW). Hearings held stay on the case, so whether they were prepared in time stays known."""

    held_on: date
    note: str = ""


class VisitationRequirement(Record):
    """The minimum visitation requirement (MVR) a supervisor sets from the case's risk level (CMP-MVR)."""

    risk_level: Literal["low", "moderate", "high", "very_high"]
    in_person_visits: int = Field(ge=1)
    period_days: int = Field(ge=1, description="Length of the period the visits must fall in.")
    set_by: RecordId
    set_on: date


class Placement(Record):
    """An out-of-home placement of a child (CMP-PLACEMENT-5)."""

    child_id: RecordId
    placed_on: date
    scp_id: RecordId | None = None
    icpc: bool = False


class Referral(Record):
    """An emergency-response referral under investigation."""

    id: RecordId
    name: str = Field(min_length=1, description="How the worker knows it, usually the family name.")
    program: Program = Program.ER
    primary_worker_id: RecordId
    start_date: date
    closed_on: date | None = None
    people: tuple[Person, ...] = ()
    nytd_cohort: bool = Field(
        default=False,
        description="Kept so older caseload documents load; opens no exception. The NYTD cohort is a "
        "youth's (Person.nytd_cohort), not the whole referral's (CLS-CLOSED).",
    )
    court_involved: bool = False
    next_court_date: date | None = None

    @property
    def context(self) -> Literal["referral"]:
        return "referral"

    @property
    def ends_on(self) -> date | None:
        """The last day on which contact is allowed (CLS-CLOSED)."""
        return self.closed_on


class Case(Record):
    """An open child-welfare case."""

    id: RecordId
    name: str = Field(min_length=1)
    program: Program
    primary_worker_id: RecordId
    start_date: date
    assigned_on: date | None = Field(default=None, description="Date assigned/transferred (CMP-ASSIGN-10).")
    closed_on: date | None = None
    jurisdiction_terminated_on: date | None = None
    jurisdiction_terminated_at: AwareDatetime | None = Field(
        default=None,
        exclude_if=_unset,
        description="Time of the hearing at which the court terminated jurisdiction: no contact is made after "
        "it, even the same day (CLS-CLOSED). Written with the agency's local offset; falls on "
        "jurisdiction_terminated_on.",
    )
    planned_closure_on: date | None = Field(
        default=None, description="Date the case is to close (CMP-CLOSE-30)."
    )
    people: tuple[Person, ...] = ()
    nytd_cohort: bool = Field(
        default=False,
        description="Kept so older caseload documents load; opens no exception. The NYTD cohort is a "
        "youth's (Person.nytd_cohort), not the whole case's (CLS-CLOSED).",
    )
    court_involved: bool = False
    next_court_date: date | None = None
    court_hearings: tuple[CourtHearing, ...] = Field(
        default=(), description="Hearings held (and scheduled); SUP-REVIEW judges each one's approvals."
    )
    six_month_review_on: date | None = Field(
        default=None, description="Next six-month status review hearing."
    )
    case_plans: tuple[CasePlan, ...] = ()
    visitation_requirement: VisitationRequirement | None = None
    placements: tuple[Placement, ...] = ()

    @model_validator(mode="after")
    def _hearing_on_its_day(self) -> Case:
        at = self.jurisdiction_terminated_at
        if at is not None and at.date() != self.jurisdiction_terminated_on:
            raise ValueError(
                "jurisdiction_terminated_at must fall on jurisdiction_terminated_on (the hearing's day, "
                f"{at.date().isoformat()} as written), and that date must be recorded too; write the time with "
                "the agency's local offset, e.g. 2026-10-28T09:30:00-07:00"
            )
        return self

    @property
    def context(self) -> Literal["case"]:
        return "case"

    @property
    def ends_on(self) -> date | None:
        """Contact ends with the earlier of closure and the court terminating jurisdiction (CLS-CLOSED)."""
        ends = [d for d in (self.closed_on, self.jurisdiction_terminated_on) if d is not None]
        return min(ends) if ends else None


Matter = Referral | Case
"""A referral or a case: the context a contact is made in."""


def people_with_role(matter: Matter, role: PersonRole) -> tuple[Person, ...]:
    return tuple(p for p in matter.people if role in p.roles)


def find_person(matter: Matter, person_id: str) -> Person | None:
    for person in matter.people:  # a loop, not next(generator): the rules ask this several times a contact
        if person.id == person_id:
            return person
    return None


# --------------------------------------------------------------------------- contacts


class ContactKind(StrEnum):
    CHILD_REFERRAL = "CHILD_REFERRAL"
    CHILD_CASE = "CHILD_CASE"
    PARENT_REFERRAL = "PARENT_REFERRAL"
    PARENT_CASE = "PARENT_CASE"
    SCP_CASE = "SCP_CASE"
    COLLATERAL = "COLLATERAL"


class ContactState(StrEnum):
    DRAFT = "draft"
    FINAL = "final"
    SYNCED = "synced"
    APPROVED = "approved"


class OtherParty(Record):
    """Someone else present at the contact (SEL-OTHERS): provider, coach, relative, supervisor..."""

    name: str = Field(min_length=1)
    role: str = Field(min_length=1)


class FaxDetails(Record):
    """SEL-MEDIUM: what was faxed, when, and to whom."""

    what: str = ""
    sent_at: AwareDatetime | None = None
    to: str = ""


class ReturnedMail(Record):
    """SEL-MEDIUM: why mail came back and any forwarding address."""

    reason: str = ""
    forwarding_address: str = ""


class PrimaryWorkerException(Record):
    """SEL-PRIMARY: a mandatory contact by someone other than the primary worker, approved by the bureau PM.

    The approver is a staff ID from the caseload, so the rules can tell a bureau program manager from a
    supervisor, the worker themself or a typed "x". Contacts recorded before approver IDs carry only the
    typed name; they are kept as they were and do not count until a manager amends them.
    """

    approver_id: RecordId | None = Field(
        default=None,
        exclude_if=_unset,
        description="Staff ID (caseload staff list) of the bureau program manager who approved the exception.",
    )
    approver_name: str = Field(
        default="", description="The approver's name as shown when it was recorded (kept for the record)."
    )
    approved_on: date | None = None


class Initiator(StrEnum):
    """Who started a phone, written or electronic contact (CLS-CLOSED)."""

    WORKER = "worker"
    CLIENT = "client"  # the client called, wrote or came to the worker


class ClosureExceptionKind(StrEnum):
    NYTD = "nytd"
    PAYMENT_DOCUMENT = "payment_document"  # AAP, Kin-GAP renewal documents


class ClosureException(Record):
    """CLS-CLOSED: why a contact after closure is allowed."""

    kind: ClosureExceptionKind
    note: str = ""


class LawEnforcementAssessment(Record):
    """NAR-LE: the assessment law enforcement gave and the facts supporting it."""

    assessment: str = ""
    supporting_facts: str = ""


class Contact(Record):
    """One contact with every selection the catalog names.

    A contact under construction has empty selections (None / empty tuple); the rules engine reports
    what is missing. The same record is stored, synced and re-checked by the server.
    """

    id: RecordId = Field(description="Client-made UUIDv7, fixed from birth.")
    kind: ContactKind
    context_id: RecordId = Field(description="The referral or case the contact belongs to.")
    staff_person_id: RecordId | None = None
    started_at: AwareDatetime | None = Field(default=None, description="Start date and time of the contact.")
    ended_at: AwareDatetime | None = None
    purposes: tuple[Code, ...] = ()
    method: Code | None = None
    location: Code | None = None
    status: Code | None = None
    initiated_by: Initiator | None = Field(
        default=None,
        exclude_if=_unset,
        description="Who initiated a phone, written or electronic contact. After closure the worker may not "
        "initiate contact, but a client who calls or writes is listened to (CLS-CLOSED).",
    )
    participant_ids: tuple[RecordId, ...] = ()
    on_behalf_of_child_ids: tuple[RecordId, ...] = ()
    party_type: Code | None = None
    services: tuple[Code, ...] = ()
    others_present: tuple[OtherParty, ...] = ()
    fax: FaxDetails | None = None
    returned_mail: ReturnedMail | None = None
    sop_components: tuple[Code, ...] = ()
    narrative: str = ""
    primary_exception: PrimaryWorkerException | None = None
    closure_exception: ClosureException | None = None
    law_enforcement: LawEnforcementAssessment | None = None
    previous_contact_id: RecordId | None = Field(
        default=None, description="For a subsequent contact: the contact whose day ended (NAR-SAMEDAY)."
    )
    first_saved_at: AwareDatetime | None = Field(
        default=None,
        description="First (interim) save: starts the business day the narrative must finish in.",
    )
    finalized_at: AwareDatetime | None = None


class Amendment(Record):
    """NAR-AMEND: a supervisor's or manager's append-only correction; the original contact stays as it was."""

    id: RecordId
    contact_id: RecordId
    new_information: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    modifier_id: RecordId
    modifier_full_name: str = Field(min_length=1)
    modifier_title: str = Field(min_length=1)
    modified_on: date


class Approval(Record):
    """SUP-REVIEW: a supervisor's electronic approval of a worker's contact sheet."""

    id: RecordId
    worker_id: RecordId
    approved_by: RecordId
    approved_at: AwareDatetime
    contact_ids: tuple[RecordId, ...]
    note: str = ""


# --------------------------------------------------------------------------- documents


class Caseload(Record):
    """Everything a worker's laptop holds about their work: the caseload document of `fieldapp validate`,
    the demo caseload, and what sync pulls."""

    schema_version: Literal[1] = 1
    worker: Worker
    staff: tuple[Worker, ...] = Field(default=(), description="Other staff who may be named on a contact.")
    referrals: tuple[Referral, ...] = ()
    cases: tuple[Case, ...] = ()

    def matter(self, matter_id: str) -> Matter | None:
        for referral in self.referrals:
            if referral.id == matter_id:
                return referral
        for case in self.cases:
            if case.id == matter_id:
                return case
        return None

    def staff_member(self, worker_id: str) -> Worker | None:
        if worker_id == self.worker.id:
            return self.worker
        return next((w for w in self.staff if w.id == worker_id), None)
