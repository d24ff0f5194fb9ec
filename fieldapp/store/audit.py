"""The tamper-evident audit trail: every change to a record appends one entry, hash-chained to the last.

entry_hash = sha256(canonical JSON of {seq, at, actor, action, record_kind, record_id, content_hash,
prev_hash}). Editing, removing or reordering any entry breaks the chain from that entry on, and
`verify` names the first entry that does not hold. Triggers also refuse UPDATE/DELETE on the table, so
the chain is the second line of defence, for someone who drops the triggers with the key in hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from fieldapp.store.schema import audit_log, contacts

GENESIS = "0" * 64


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    record_kind: str,
    record_id: str,
    content_hash: str,
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "record_kind": record_kind,
        "record_id": record_id,
        "content_hash": content_hash,
        "prev_hash": prev_hash,
    }
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Change:
    """One change to record: what `append_many` chains, in order, after the current last entry."""

    action: str
    record_kind: str
    record_id: str
    content_hash: str


def append(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    record_kind: str,
    record_id: str,
    content_hash: str,
) -> int:
    """Append one entry in the caller's (write) transaction, so the entry and the change commit together."""
    return append_many(
        conn, at=at, actor=actor, changes=[Change(action, record_kind, record_id, content_hash)]
    )


def append_many(conn: Connection, *, at: datetime, actor: str, changes: Sequence[Change]) -> int:
    """Append one entry per change, chained in the given order, with one read of the chain's end and one
    bulk INSERT, in the caller's (write) transaction; returns the last seq written (0 when nothing was).

    Why bulk: marking a 100-record batch synced wrote 100 entries one statement pair at a time. The chain is the same either way: each entry still links to the one before it, and
    the caller's BEGIN IMMEDIATE keeps another writer from slipping an entry in between."""
    if not changes:
        return 0
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (0, GENESIS) if last is None else (int(last.seq), str(last.entry_hash))
    at_text = at.isoformat()
    rows = []
    for change in changes:
        seq += 1
        digest = entry_hash(
            seq,
            at_text,
            actor,
            change.action,
            change.record_kind,
            change.record_id,
            change.content_hash,
            prev,
        )
        rows.append(
            {
                "seq": seq,
                "at": at_text,
                "actor": actor,
                "action": change.action,
                "record_kind": change.record_kind,
                "record_id": change.record_id,
                "content_hash": change.content_hash,
                "prev_hash": prev,
                "entry_hash": digest,
            }
        )
        prev = digest
    conn.execute(insert(audit_log), rows)
    return seq


@dataclass(frozen=True, slots=True)
class AuditReport:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            noun = "entry" if self.entries == 1 else "entries"
            return f"Audit trail intact: {self.entries} {noun}, every link verified."
        where = f"entry #{self.first_broken_seq}" if self.first_broken_seq is not None else "the profile"
        return f"Audit trail BROKEN at {where}: {self.problem}"


def verify(conn: Connection) -> AuditReport:
    """Walk the chain in order; then check each final contact's stored content against its last entry."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    last_hash_of: dict[str, str] = {}
    for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)):
        count += 1
        if row.seq != expected_seq:
            return AuditReport(
                False, count, int(row.seq), f"expected entry #{expected_seq} next: entries are missing"
            )
        if row.prev_hash != prev:
            return AuditReport(False, count, int(row.seq), "its link to the previous entry does not match")
        digest = entry_hash(
            int(row.seq),
            row.at,
            row.actor,
            row.action,
            row.record_kind,
            row.record_id,
            row.content_hash,
            row.prev_hash,
        )
        if digest != row.entry_hash:
            return AuditReport(
                False,
                count,
                int(row.seq),
                f"its content was altered ({row.action} of {row.record_kind} {row.record_id})",
            )
        if row.record_kind == "contact":
            last_hash_of[row.record_id] = row.content_hash
        prev = row.entry_hash
        expected_seq += 1
    for contact in conn.execute(select(contacts.c.id, contacts.c.body, contacts.c.content_hash)):
        actual = hashlib.sha256(contact.body.encode("utf-8")).hexdigest()
        recorded = last_hash_of.get(contact.id)
        if actual != contact.content_hash or recorded != actual:
            return AuditReport(
                False,
                count,
                None,
                f"contact {contact.id} does not match its last audit entry (its content was changed outside the app)",
            )
    return AuditReport(True, count)
