"""SQL for contacts, amendments and the outbox. Callers pass the connection of their transaction, so a
change, its audit entry and its outbox row always commit (or vanish) together."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Connection, Row, func, insert, select, update

from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Amendment, Approval, Contact, ContactState
from fieldapp.domain.stored import StoredContact
from fieldapp.store.schema import amendments, approvals, contacts, outbox

_COLUMNS = (
    contacts.c.id,
    contacts.c.state,
    contacts.c.body,
    contacts.c.business_day,
    contacts.c.frozen_reason,
    contacts.c.flagged_for_supervisor,
    contacts.c.approval_id,
    contacts.c.sync_refusal,
)


def body_of(record: Contact | Amendment) -> tuple[str, str]:
    """(canonical JSON text, its sha256): the stored body's hash is what the audit chain and server compare."""
    return canonical_json(record).decode("utf-8"), content_hash(record)


def load_row(conn: Connection, contact_id: str) -> Row | None:
    return conn.execute(select(*_COLUMNS).where(contacts.c.id == contact_id)).first()


def insert_contact(
    conn: Connection, contact: Contact, state: ContactState, business_day: date, now: datetime
) -> str:
    body, digest = body_of(contact)
    assert contact.first_saved_at is not None
    conn.execute(
        insert(contacts).values(
            id=contact.id,
            kind=str(contact.kind),
            context_id=contact.context_id,
            state=str(state),
            body=body,
            content_hash=digest,
            business_day=business_day.isoformat(),
            first_saved_at=contact.first_saved_at.isoformat(),
            finalized_at=contact.finalized_at.isoformat() if contact.finalized_at else None,
            previous_contact_id=contact.previous_contact_id,
            flagged_for_supervisor=0,
            updated_at=now.isoformat(),
        )
    )
    return digest


def update_contact(conn: Connection, contact: Contact, state: ContactState, now: datetime) -> str:
    """Rewrite a draft (interim save) or make it final; the database triggers refuse it on a final row."""
    body, digest = body_of(contact)
    conn.execute(
        update(contacts)
        .where(contacts.c.id == contact.id)
        .values(
            kind=str(contact.kind),
            context_id=contact.context_id,
            state=str(state),
            body=body,
            content_hash=digest,
            finalized_at=contact.finalized_at.isoformat() if contact.finalized_at else None,
            previous_contact_id=contact.previous_contact_id,
            updated_at=now.isoformat(),
        )
    )
    return digest


def freeze(conn: Connection, contact_id: str, reason: str, now: datetime) -> None:
    conn.execute(
        update(contacts)
        .where(contacts.c.id == contact_id)
        .values(frozen_reason=reason, flagged_for_supervisor=1, updated_at=now.isoformat())
    )


def frozen_unreported(conn: Connection) -> list[Row]:
    """Frozen drafts with no report in the outbox: profiles frozen before the outbox carried reports
    (store revision 0004) hold some. `updated_at` is when the draft was frozen: nothing writes it after."""
    reported = select(outbox.c.record_id).where(outbox.c.kind == "frozen_draft")
    query = (
        select(*_COLUMNS, contacts.c.updated_at)
        .where(contacts.c.frozen_reason.is_not(None), contacts.c.id.not_in(reported))
        .order_by(contacts.c.first_saved_at, contacts.c.id)
    )
    return list(conn.execute(query))


def enqueue(conn: Connection, kind: str, record_id: str, digest: str, now: datetime) -> None:
    conn.execute(
        insert(outbox).values(kind=kind, record_id=record_id, content_hash=digest, queued_at=now.isoformat())
    )


def insert_amendment(conn: Connection, amendment: Amendment, now: datetime) -> str:
    body, digest = body_of(amendment)
    conn.execute(
        insert(amendments)
        .values(
            id=amendment.id,
            contact_id=amendment.contact_id,
            body=body,
            content_hash=digest,
            created_at=now.isoformat(),
        )
        .prefix_with("OR IGNORE")
    )
    return digest


def amendments_of(conn: Connection, contact_id: str) -> tuple[Amendment, ...]:
    rows = conn.execute(
        select(amendments.c.body)
        .where(amendments.c.contact_id == contact_id)
        .order_by(amendments.c.created_at, amendments.c.id)
    )
    return tuple(Amendment.model_validate_json(r.body) for r in rows)


def refusal_findings(raw: str | None) -> tuple[Finding, ...]:
    if not raw:
        return ()
    data = json.loads(raw)
    return tuple(
        Finding(f["rule_id"], Severity(f["severity"]), f["field"], f["message"])
        for f in data.get("findings", [])
    )


def to_stored(conn: Connection, row: Row) -> StoredContact:
    approval = None
    if row.approval_id:
        found = conn.execute(select(approvals.c.body).where(approvals.c.id == row.approval_id)).first()
        approval = Approval.model_validate_json(found.body) if found else None
    return StoredContact(
        contact=Contact.model_validate_json(row.body),
        state=ContactState(row.state),
        frozen_reason=row.frozen_reason,
        flagged_for_supervisor=bool(row.flagged_for_supervisor),
        amendments=amendments_of(conn, row.id),
        approval=approval,
        sync_refusal=refusal_findings(row.sync_refusal),
    )


def drafts(conn: Connection, *, before_day: date | None = None, on_day: date | None = None) -> list[Row]:
    query = select(*_COLUMNS).where(contacts.c.state == "draft", contacts.c.frozen_reason.is_(None))
    if before_day is not None:
        query = query.where(contacts.c.business_day < before_day.isoformat())
    if on_day is not None:
        query = query.where(contacts.c.business_day == on_day.isoformat())
    return list(conn.execute(query.order_by(contacts.c.first_saved_at, contacts.c.id)))


def recent(conn: Connection, matter_id: str, limit: int) -> list[Row]:
    query = (
        select(*_COLUMNS)
        .where(contacts.c.context_id == matter_id)
        .order_by(contacts.c.first_saved_at.desc(), contacts.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query))


def pending_count(conn: Connection) -> int:
    query = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.synced_at.is_(None), outbox.c.refused_at.is_(None))
    )
    return int(conn.execute(query).scalar_one())


def ids_present(conn: Connection, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    if not wanted:
        return set()
    return {r.id for r in conn.execute(select(contacts.c.id).where(contacts.c.id.in_(wanted)))}


def flagged(conn: Connection) -> list[Row]:
    query = (
        select(*_COLUMNS).where(contacts.c.flagged_for_supervisor == 1).order_by(contacts.c.first_saved_at)
    )
    return list(conn.execute(query))
