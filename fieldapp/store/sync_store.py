"""What the sync client (fieldapp.sync) asks of the local store: the outbox to push, and where a pull lands.

The sync engine never writes SQL; it calls these methods, which implement its SyncStore protocol
(fieldapp.sync.store_port; tests/store/test_sync_store.py checks the fit). Each call is one transaction: a pull's caseload,
approvals, amendments, refusals and new cursor are saved together or not at all, so a dropped connection
mid-pull cannot leave half a caseload behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, and_, insert, select, update

from fieldapp.domain.canonical import content_hash
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Amendment, Contact, ContactState
from fieldapp.store import audit
from fieldapp.store import contacts as repo
from fieldapp.store.schema import amendments, approvals, contacts, outbox, sync_state
from fieldapp.sync.protocol import FrozenDraft, PullResponse


def frozen_draft(contact: Contact, reason: str, frozen_at: datetime) -> FrozenDraft:
    """The document a frozen draft is reported as. Built the same way when it is queued (its content hash
    goes in the outbox) and when it is pushed, so the server's hash of it matches the laptop's."""
    return FrozenDraft(contact=contact, frozen_reason=reason, frozen_at=frozen_at)


if TYPE_CHECKING:
    from fieldapp.store.profile import Profile

OutboxKind = Literal["contact", "amendment", "frozen_draft"]
SYNCED_KINDS = ("contact", "amendment", "frozen_draft")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One record waiting to be pushed. `content_hash` is the sha256 of its canonical JSON, as stored."""

    kind: OutboxKind
    record: Contact | Amendment | FrozenDraft
    content_hash: str

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True, slots=True)
class RefusedItem:
    """A record the server refused: shown to the worker until handled (fits store_port.RefusalEntry)."""

    kind: OutboxKind
    record_id: str
    findings: tuple[Finding, ...]
    message: str
    refused_at: str


class SyncStore:
    def __init__(self, profile: Profile, *, clock: Callable[[], datetime] | None = None) -> None:
        self._profile = profile
        self._clock = clock or (lambda: datetime.now(tz=UTC))

    # ------------------------------------------------------------------ push side

    def pending_outbox(self, limit: int = 100) -> list[OutboxItem]:
        """The oldest records still waiting (neither synced nor refused), at most `limit`, each with its kind
        and the content hash stored when it was queued. A contact is queued before amendments to it.

        One query per batch: the outbox rows joined to their bodies (a query per row made a batch slow)."""
        query = (
            select(
                outbox.c.kind,
                outbox.c.record_id,
                outbox.c.content_hash,
                outbox.c.queued_at,
                contacts.c.body.label("contact_body"),
                contacts.c.frozen_reason,
                amendments.c.body.label("amendment_body"),
            )
            .select_from(
                outbox.outerjoin(
                    contacts,
                    and_(outbox.c.kind.in_(("contact", "frozen_draft")), contacts.c.id == outbox.c.record_id),
                ).outerjoin(
                    amendments, and_(outbox.c.kind == "amendment", amendments.c.id == outbox.c.record_id)
                )
            )
            .where(outbox.c.synced_at.is_(None), outbox.c.refused_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(limit)
        )
        with self._profile.read() as conn:
            rows = conn.execute(query).all()
        items: list[OutboxItem] = []
        for row in rows:
            if row.kind == "contact" and row.contact_body is not None:
                items.append(
                    OutboxItem("contact", Contact.model_validate_json(row.contact_body), row.content_hash)
                )
            elif row.kind == "frozen_draft" and row.contact_body is not None and row.frozen_reason:
                draft = frozen_draft(
                    Contact.model_validate_json(row.contact_body),
                    row.frozen_reason,
                    datetime.fromisoformat(row.queued_at),
                )
                items.append(OutboxItem("frozen_draft", draft, row.content_hash))
            elif row.kind == "amendment" and row.amendment_body is not None:
                items.append(
                    OutboxItem(
                        "amendment", Amendment.model_validate_json(row.amendment_body), row.content_hash
                    )
                )
            else:
                # Triggers refuse deleting a final contact or an amendment, so this is a damaged profile;
                # say which record rather than push a batch without it.
                raise LookupError(f"The outbox holds {row.kind} {row.record_id}, but the profile does not.")
        return items

    def pending_count(self) -> int:
        with self._profile.read() as conn:
            return repo.pending_count(conn)

    def mark_synced(self, ids: Iterable[str]) -> None:
        """The server accepted (or already had) these records: contacts move final -> synced.

        One transaction, a constant number of statements per batch: the outbox rows, their audit entries
        (one bulk append, still chained entry by entry) and the contacts' forward state change. A retry for
        records already marked changes nothing and writes no entry."""
        wanted = list(ids)
        if not wanted:
            return
        moment = self._clock()
        now = moment.isoformat()
        # `kind IN (...)` lets SQLite use the outbox's UNIQUE (kind, record_id) index instead of a scan.
        waiting = and_(
            outbox.c.kind.in_(SYNCED_KINDS),
            outbox.c.record_id.in_(wanted),
            outbox.c.synced_at.is_(None),
        )
        with self._profile.write() as conn:
            newly = conn.execute(
                select(outbox.c.kind, outbox.c.record_id, outbox.c.content_hash)
                .where(waiting)
                .order_by(outbox.c.seq)
            ).all()
            if not newly:
                return
            conn.execute(update(outbox).where(waiting).values(synced_at=now))
            audit.append_many(
                conn,
                at=moment,
                actor="sync",
                changes=[
                    audit.Change(f"{row.kind}_synced", row.kind, row.record_id, row.content_hash)
                    for row in newly
                ],
            )
            conn.execute(
                update(contacts)
                .where(
                    contacts.c.id.in_([row.record_id for row in newly if row.kind == "contact"]),
                    contacts.c.state == str(ContactState.FINAL),
                )
                .values(state=str(ContactState.SYNCED), synced_at=now, sync_refusal=None, updated_at=now)
            )

    def mark_refused(self, record_id: str, findings: Sequence[Finding], message: str) -> None:
        """The server refused this record (block findings or an ID conflict). It stays visible, not re-pushed."""
        moment = self._clock()
        refusal = json.dumps({"findings": [f.to_json() for f in findings], "message": message})
        with self._profile.write() as conn:
            self._refuse(conn, record_id, refusal, moment)

    @staticmethod
    def _refuse(conn: Connection, record_id: str, refusal: str, moment: datetime) -> None:
        now = moment.isoformat()
        row = conn.execute(
            select(outbox.c.kind, outbox.c.content_hash).where(
                outbox.c.record_id == record_id, outbox.c.synced_at.is_(None)
            )
        ).first()
        if row is not None:
            audit.append(
                conn,
                at=moment,
                actor="sync",
                action="sync_refused",
                record_kind=row.kind,
                record_id=record_id,
                content_hash=row.content_hash,
            )
        conn.execute(
            update(outbox)
            .where(outbox.c.record_id == record_id, outbox.c.synced_at.is_(None))
            .values(refused_at=now, refusal=refusal)
        )
        conn.execute(
            update(contacts).where(contacts.c.id == record_id).values(sync_refusal=refusal, updated_at=now)
        )

    def refused(self) -> list[RefusedItem]:
        with self._profile.read() as conn:
            rows = conn.execute(
                select(outbox.c.kind, outbox.c.record_id, outbox.c.refusal, outbox.c.refused_at)
                .where(outbox.c.refused_at.is_not(None), outbox.c.synced_at.is_(None))
                .order_by(outbox.c.seq)
            ).all()
        result = []
        for row in rows:
            data = json.loads(row.refusal or "{}")
            result.append(
                RefusedItem(
                    kind=row.kind,
                    record_id=row.record_id,
                    findings=repo.refusal_findings(row.refusal),
                    message=data.get("message", ""),
                    refused_at=row.refused_at,
                )
            )
        return result

    def retry_refused(self, record_id: str) -> None:
        """Put a refused record back in the queue (e.g. after the server's rules were corrected)."""
        with self._profile.write() as conn:
            conn.execute(
                update(outbox).where(outbox.c.record_id == record_id).values(refused_at=None, refusal=None)
            )

    # ------------------------------------------------------------------ pull side

    def cursor(self) -> str | None:
        return self._get("cursor")

    def last_sync_at(self) -> datetime | None:
        value = self._get("last_sync_at")
        return datetime.fromisoformat(value) if value else None

    def record_sync_attempt(self) -> None:
        """A whole sync succeeded (outbox drained, every pull page applied): what "last sync" shows the worker.

        The sync client calls this once, after its last pull page; `apply_pull` does not stamp it, so a sync
        that fails on a later page leaves "last sync" at the last sync that really completed."""
        with self._profile.write() as conn:
            self._put(conn, "last_sync_at", self._clock().isoformat())

    def apply_pull(self, response: PullResponse) -> None:
        """Save everything a pull brought, and the new cursor, in one transaction."""
        now = self._clock()
        stamp = now.isoformat()
        with self._profile.write() as conn:
            if response.caseload is not None:
                self._profile.replace_caseload(conn, response.caseload, now, "sync")
            for approval in response.approvals:
                exists = conn.execute(select(approvals.c.id).where(approvals.c.id == approval.id)).first()
                if exists is None:
                    conn.execute(
                        insert(approvals).values(
                            id=approval.id, body=approval.model_dump_json(), received_at=stamp
                        )
                    )
                    audit.append(
                        conn,
                        at=now,
                        actor=approval.approved_by,
                        action="approval_received",
                        record_kind="approval",
                        record_id=approval.id,
                        content_hash=content_hash(approval),
                    )
                approved = conn.execute(
                    select(contacts.c.id, contacts.c.content_hash)
                    .where(
                        contacts.c.id.in_(approval.contact_ids),
                        contacts.c.state.in_((str(ContactState.FINAL), str(ContactState.SYNCED))),
                    )
                    .order_by(contacts.c.id)
                ).all()
                for row in approved:
                    audit.append(
                        conn,
                        at=now,
                        actor=approval.approved_by,
                        action="contact_approved",
                        record_kind="contact",
                        record_id=row.id,
                        content_hash=row.content_hash,
                    )
                conn.execute(
                    update(contacts)
                    .where(
                        contacts.c.id.in_(approval.contact_ids),
                        contacts.c.state.in_((str(ContactState.FINAL), str(ContactState.SYNCED))),
                    )
                    .values(state=str(ContactState.APPROVED), approval_id=approval.id, updated_at=stamp)
                )
            for amendment in response.amendments:
                known = conn.execute(select(amendments.c.id).where(amendments.c.id == amendment.id)).first()
                if known is None and repo.ids_present(conn, [amendment.contact_id]):
                    digest = repo.insert_amendment(conn, amendment, now)
                    audit.append(
                        conn,
                        at=now,
                        actor=amendment.modifier_id,
                        action="amendment_received",
                        record_kind="amendment",
                        record_id=amendment.id,
                        content_hash=digest,
                    )
            for refusal in response.refusals:
                payload = json.dumps(
                    {
                        "findings": [f.to_finding().to_json() for f in refusal.findings],
                        "message": refusal.message,
                    }
                )
                self._refuse(conn, refusal.id, payload, now)
            self._put(conn, "cursor", response.cursor)

    # ------------------------------------------------------------------ helpers

    def _get(self, key: str) -> str | None:
        with self._profile.read() as conn:
            row = conn.execute(select(sync_state.c.value).where(sync_state.c.key == key)).first()
        return None if row is None else str(row.value)

    @staticmethod
    def _put(conn: Connection, key: str, value: str) -> None:
        conn.execute(insert(sync_state).values(key=key, value=value).prefix_with("OR REPLACE"))
