"""The contact lifecycle over the encrypted store: the concrete ContactService the GUI and CLI use.

draft (interim saves, same business day only: NAR-SAMEDAY) -> final (only with no block finding:
NAR-REQUIRED and every SEL-*; immutable: NAR-IMMUTABLE; queued in the outbox) -> synced -> approved.
Each change commits in one transaction with its audit entry (and its outbox row), so a crash at any
moment leaves either the old state or the new one, never half.

The clock is injected (`clock=`), never read deep inside, so tests can move across midnight.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fieldapp.app.profile import PassphraseProvider
from fieldapp.app.service import ContactLocked, FinalizeRefused, NotAllowed, ServiceError, StoredContact
from fieldapp.domain.agency_time import business_day, end_of_business_day
from fieldapp.domain.canonical import content_hash
from fieldapp.domain.codetables import CodeTables, load_codetables
from fieldapp.domain.findings import Finding, Severity, blocks
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Amendment, Caseload, Contact, ContactKind, ContactState, StaffRole, Worker
from fieldapp.domain.rules import RuleContext, check_contact
from fieldapp.domain.rules.amendment import amendment_length
from fieldapp.store import audit
from fieldapp.store import contacts as repo
from fieldapp.store.profile import Profile, open_profile
from fieldapp.store.sync_store import frozen_draft

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(tz=UTC)


class SqlContactService:
    """ContactService backed by one open Profile. Thread-safe in the sense SQLite is: one call, one transaction."""

    def __init__(
        self,
        profile: Profile,
        *,
        clock: Clock = system_clock,
        acting_as: str | None = None,
        tables: CodeTables | None = None,
    ) -> None:
        self.profile = profile
        self._clock = clock
        self._tables = tables or load_codetables()
        self._acting_as_id = acting_as
        self._caseload_cache: tuple[str, Caseload] | None = None

    # ------------------------------------------------------------------ context

    def now(self) -> datetime:
        moment = self._clock()
        if moment.tzinfo is None:
            raise ValueError("the service clock must return an aware datetime")
        return moment

    @property
    def tables(self) -> CodeTables:
        return self._tables

    def _today(self, now: datetime) -> date:
        return business_day(now, self._tables.agency.time_zone)

    def caseload(self) -> Caseload:
        """The caseload as last pulled; re-read only when a sync (in any thread or process) replaced it."""
        version = self.profile.caseload_version()
        if self._caseload_cache is None or self._caseload_cache[0] != version:
            self._caseload_cache = (version, self.profile.caseload())
        return self._caseload_cache[1]

    def invalidate_caseload(self) -> None:
        """Forget the cached caseload (it is re-read on next use anyway when its version changed)."""
        self._caseload_cache = None

    def signed_in(self) -> Worker:
        """Who is acting: the profile's worker unless the service was opened `acting_as` another staff member."""
        caseload = self.caseload()
        if self._acting_as_id is None:
            return caseload.worker
        person = caseload.staff_member(self._acting_as_id)
        if person is None:
            raise NotAllowed(f"Staff member {self._acting_as_id} is not on this profile's staff list.")
        return person

    def acting_as(self, worker_id: str) -> SqlContactService:
        """The same profile and clock, with another staff member signed in (e.g. a supervisor at the laptop)."""
        return SqlContactService(self.profile, clock=self._clock, acting_as=worker_id, tables=self._tables)

    def rule_context(self, matter_id: str, now: datetime | None = None) -> RuleContext:
        caseload = self.caseload()
        matter = caseload.matter(matter_id)
        if matter is None:
            raise ServiceError(f"Referral or case {matter_id} is not in this caseload.")
        return RuleContext(caseload=caseload, matter=matter, tables=self._tables, now=now or self.now())

    # ------------------------------------------------------------------ lifecycle

    def start_contact(
        self,
        matter_id: str,
        kind: ContactKind,
        on_behalf_of_child_ids: Sequence[str],
        *,
        previous_contact_id: str | None = None,
    ) -> StoredContact:
        now = self.now()
        self.rule_context(matter_id, now)  # the matter must exist
        actor = self.signed_in().id
        if previous_contact_id is not None:
            previous = self.get(previous_contact_id)
            if previous.contact.context_id != matter_id:
                raise ServiceError(
                    "A subsequent contact belongs to the same referral or case as the first one."
                )
        contact = Contact(
            id=new_id(),
            kind=kind,
            context_id=matter_id,
            staff_person_id=actor,
            on_behalf_of_child_ids=tuple(on_behalf_of_child_ids),
            previous_contact_id=previous_contact_id,
            first_saved_at=now,
        )
        with self.profile.write() as conn:
            digest = repo.insert_contact(conn, contact, ContactState.DRAFT, self._today(now), now)
            self._audit(conn, actor, now, "contact_started", contact.id, digest)
        return StoredContact(contact=contact, state=ContactState.DRAFT)

    def start_subsequent(self, previous_contact_id: str) -> StoredContact:
        """NAR-SAMEDAY: information not entered on the first contact's day goes into a new, linked contact."""
        previous = self.get(previous_contact_id).contact
        return self.start_contact(
            previous.context_id,
            previous.kind,
            previous.on_behalf_of_child_ids,
            previous_contact_id=previous.id,
        )

    def interim_save(self, contact: Contact) -> StoredContact:
        now = self.now()
        actor = self.signed_in().id
        with self.profile.write() as conn:
            saved = self._save_draft(conn, contact, now, actor)
        return StoredContact(contact=saved, state=ContactState.DRAFT)

    def _save_draft(self, conn: Any, contact: Contact, now: datetime, actor: str) -> Contact:
        row = repo.load_row(conn, contact.id)
        if row is None:
            _require_uuid7(contact.id)
            saved = contact.model_copy(update={"first_saved_at": now, "finalized_at": None})
            digest = repo.insert_contact(conn, saved, ContactState.DRAFT, self._today(now), now)
            self._audit(conn, actor, now, "contact_started", saved.id, digest)
            return saved
        self._check_editable(row, now)
        stored = Contact.model_validate_json(row.body)
        saved = contact.model_copy(update={"first_saved_at": stored.first_saved_at, "finalized_at": None})
        digest = repo.update_contact(conn, saved, ContactState.DRAFT, now)
        self._audit(conn, actor, now, "interim_save", saved.id, digest)
        return saved

    def _check_editable(self, row: Any, now: datetime) -> None:
        if row.state != ContactState.DRAFT:
            raise ContactLocked("NAR-IMMUTABLE: this contact is final and can no longer be changed.")
        if row.frozen_reason:
            raise ContactLocked(f"NAR-SAMEDAY: this contact is frozen ({row.frozen_reason}).")
        if row.business_day != self._today(now).isoformat():
            raise ContactLocked(
                f"NAR-SAMEDAY: this contact was first saved on {row.business_day}; its business day has ended, "
                "so its text can no longer be edited. Add new information as a subsequent contact."
            )

    def finalize(self, contact: Contact) -> StoredContact:
        now = self.now()
        ctx = self.rule_context(contact.context_id, now)  # outside the write: the caseload read needs no lock
        actor = self.signed_in().id
        with self.profile.write() as conn:
            row = repo.load_row(conn, contact.id)
            if row is not None:
                self._check_editable(row, now)
                first_saved = Contact.model_validate_json(row.body).first_saved_at
            else:
                _require_uuid7(contact.id)
                first_saved = now
            final = contact.model_copy(update={"first_saved_at": first_saved, "finalized_at": now})
            blocking = blocks(check_contact(final, ctx))
            if not blocking:
                self._make_final(conn, final, row is not None, now, "contact_finalized", actor)
                return StoredContact(contact=final, state=ContactState.FINAL)
        # Refused: keep what the worker typed (nothing is lost), then tell them what blocks it.
        self.interim_save(contact)
        raise FinalizeRefused(blocking)

    def _make_final(
        self, conn: Any, final: Contact, exists: bool, now: datetime, action: str, actor: str
    ) -> None:
        if exists:
            digest = repo.update_contact(conn, final, ContactState.FINAL, now)
        else:
            assert final.first_saved_at is not None
            digest = repo.insert_contact(
                conn, final, ContactState.FINAL, self._today(final.first_saved_at), now
            )
        repo.enqueue(conn, "contact", final.id, digest, now)
        self._audit(conn, actor, now, action, final.id, digest)

    def close_ended_days(self) -> list[StoredContact]:
        """NAR-SAMEDAY: drafts from an ended business day become final as they stood, or frozen and flagged."""
        now = self.now()
        today = self._today(now)
        tz = self._tables.agency.time_zone
        caseload = self.caseload()
        actor = self.signed_in().id
        closed: list[StoredContact] = []
        with self.profile.write() as conn:
            for row in repo.drafts(conn, before_day=today):
                contact = Contact.model_validate_json(row.body)
                day = date.fromisoformat(row.business_day)
                day_end = end_of_business_day(day, tz) - timedelta(microseconds=1)
                final = contact.model_copy(update={"finalized_at": day_end})
                matter = caseload.matter(contact.context_id)
                if matter is None:  # the case left the caseload: it cannot be judged complete here
                    blocking = [
                        Finding(
                            "CLS-CLOSED",
                            Severity.BLOCK,
                            "context_id",
                            "The referral or case is no longer in this caseload.",
                        )
                    ]
                else:
                    ctx = RuleContext(caseload=caseload, matter=matter, tables=self._tables, now=day_end)
                    blocking = blocks(check_contact(final, ctx))
                if not blocking:
                    self._make_final(conn, final, True, now, "contact_finalized_at_day_end", actor)
                    closed.append(StoredContact(contact=final, state=ContactState.FINAL))
                else:
                    ids = ", ".join(sorted({f.rule_id for f in blocking}))
                    reason = (
                        f"NAR-SAMEDAY: the business day {day.isoformat()} ended with the contact incomplete "
                        f"({ids}); policy exception for the supervisor"
                    )
                    repo.freeze(conn, contact.id, reason, now)
                    self._audit(conn, actor, now, "contact_frozen", contact.id, repo.body_of(contact)[1])
                    # reported once to the office, so the supervisor sees the exception (SUP-ALERTS)
                    notice = frozen_draft(contact, reason, now)
                    repo.enqueue(conn, "frozen_draft", contact.id, content_hash(notice), now)
                    closed.append(
                        StoredContact(
                            contact=contact,
                            state=ContactState.DRAFT,
                            frozen_reason=reason,
                            flagged_for_supervisor=True,
                        )
                    )
            self._report_frozen_drafts(conn)
        return closed

    @staticmethod
    def _report_frozen_drafts(conn: Any) -> None:
        """SUP-ALERTS: every frozen draft reaches the supervisor, also those frozen before the outbox carried
        reports (the store migration could not build the report: it must not depend on application code).
        The report is dated when the draft was frozen, as if it had been queued then."""
        for row in repo.frozen_unreported(conn):
            frozen_at = datetime.fromisoformat(row.updated_at)
            notice = frozen_draft(Contact.model_validate_json(row.body), row.frozen_reason, frozen_at)
            repo.enqueue(conn, "frozen_draft", row.id, content_hash(notice), frozen_at)

    def amend(self, contact_id: str, new_information: str, reason: str) -> Amendment:
        """NAR-AMEND: a supervisor or manager adds a correction; the original contact is never touched."""
        person = self.signed_in()
        if person.role not in (StaffRole.SUPERVISOR, StaffRole.MANAGER):
            raise NotAllowed(
                f"NAR-AMEND: only a supervisor or manager can amend a contact; {person.full_name} is a {person.role}."
            )
        if not new_information.strip() or not reason.strip():
            raise ServiceError("NAR-AMEND: an amendment needs both the new information and the reason.")
        too_long = amendment_length(new_information, self._tables.agency)
        if too_long is not None:
            raise ServiceError(f"{too_long.rule_id}: {too_long.message}")
        now = self.now()
        with self.profile.write() as conn:
            row = repo.load_row(conn, contact_id)
            if row is None:
                raise ServiceError(f"Contact {contact_id} is not in this profile.")
            if row.state == ContactState.DRAFT and not row.frozen_reason:
                raise ServiceError(
                    "NAR-AMEND: a draft is still edited by its worker; amend it once it is final."
                )
            amendment = Amendment(
                id=new_id(),
                contact_id=contact_id,
                new_information=new_information,
                reason=reason,
                modifier_id=person.id,
                modifier_full_name=person.full_name,
                modifier_title=person.title,
                modified_on=self._today(now),
            )
            digest = repo.insert_amendment(conn, amendment, now)
            repo.enqueue(conn, "amendment", amendment.id, digest, now)
            audit.append(
                conn,
                at=now,
                actor=person.id,
                action="amendment_added",
                record_kind="amendment",
                record_id=amendment.id,
                content_hash=digest,
            )
        return amendment

    # ------------------------------------------------------------------ reading

    def get(self, contact_id: str) -> StoredContact:
        with self.profile.read() as conn:
            row = repo.load_row(conn, contact_id)
            if row is None:
                raise ServiceError(f"Contact {contact_id} is not in this profile.")
            return repo.to_stored(conn, row)

    def open_drafts(self) -> list[StoredContact]:
        today = self._today(self.now())
        with self.profile.read() as conn:
            return [repo.to_stored(conn, row) for row in repo.drafts(conn, on_day=today)]

    def flagged_for_supervisor(self) -> list[StoredContact]:
        """Frozen drafts (NAR-SAMEDAY policy exceptions) the supervisor must see."""
        with self.profile.read() as conn:
            return [repo.to_stored(conn, row) for row in repo.flagged(conn)]

    def recent_contacts(self, matter_id: str, limit: int = 50) -> list[StoredContact]:
        with self.profile.read() as conn:
            return [repo.to_stored(conn, row) for row in repo.recent(conn, matter_id, limit)]

    def outbox_count(self) -> int:
        with self.profile.read() as conn:
            return repo.pending_count(conn)

    # ------------------------------------------------------------------ helpers

    def _audit(self, conn: Any, actor: str, now: datetime, action: str, contact_id: str, digest: str) -> None:
        audit.append(
            conn,
            at=now,
            actor=actor,
            action=action,
            record_kind="contact",
            record_id=contact_id,
            content_hash=digest,
        )


def _require_uuid7(record_id: str) -> None:
    """Records carry a client-made UUIDv7 from birth (sortable, never needs the server); refuse anything else."""
    try:
        parsed = uuid.UUID(record_id)
    except ValueError:
        parsed = None
    if parsed is None or parsed.version != 7 or str(parsed) != record_id:
        raise ServiceError(f"A new contact's ID must be a UUIDv7 made by the app (got {record_id!r}).")


def open_service(
    directory: str | Path | None = None,
    *,
    passphrase_provider: PassphraseProvider | None = None,
    create_with_caseload: Caseload | None = None,
    clock: Clock = system_clock,
    acting_as: str | None = None,
) -> SqlContactService:
    """Open (or create) a profile and return the service over it; `service.profile.close()` when done."""
    profile = open_profile(
        directory,
        passphrase_provider=passphrase_provider,
        create_with_caseload=create_with_caseload,
        clock=clock,
    )
    return SqlContactService(profile, clock=clock, acting_as=acting_as)


def demo_caseload() -> Caseload:
    """The fictional demo caseload a demo profile is created from (resources/demo_caseload.json)."""
    from fieldapp.domain.codetables import resources_dir

    return Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text(encoding="utf-8"))
