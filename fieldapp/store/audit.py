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

from fieldapp.store.schema import amendments, approvals, audit_log, contacts

GENESIS = "0" * 64

# The immutability triggers as the migrations ship them (store revision 0005): name -> sha256 of the
# trigger's SQL with whitespace collapsed. `verify` reports one that is missing, changed or added, since
# a key holder who drops them can then rewrite rows and recompute the chain. A test checks these against
# a freshly migrated profile; a migration that changes a trigger updates them.
SHIPPED_TRIGGERS = {
    "amendments_append_only_delete": "1c6575c027fd10c381d6dcc55c102ccd8721f5255bd2b3a6b5ab891b4548b21c",
    "amendments_append_only_update": "6089060fbc6504082c582a8c7a84036c3abca1a42499994bfc9f865ed6a2ab21",
    "amendments_not_replaced": "883ba943c35e2012fcf6ebf79555b1288b293dce8adc8646c8ecb70b38a6f541",
    "approvals_immutable_delete": "91c64f58c804aed90e49a79d48f402ee8375842251f37dbb9f9e1214d1de4d31",
    "approvals_immutable_update": "d7316426894da47b2875cd1944058584eb5b08ea32323442325aa3c91f49539a",
    "approvals_not_replaced": "6c456025499dceccf3975b7485ef83eaa92b39c165073de20eb4cda40df52e4f",
    "audit_log_append_only_delete": "d4fc38d4fd42a23d2d1c832421242f7cac0ab8287d41e8d78b8de5fa38eb23c4",
    "audit_log_append_only_update": "f438de5cf2f555d5d6f148e2b14032afc79bebcd7298b864453aff701604ee74",
    "audit_log_not_replaced": "2378d7cb53c85bf26fa1359c998f3566fe17a2cfc0a81a4c2c8dd8dbe13ef32c",
    "contacts_draft_moves_only_to_final": "23cc7df5033d50cbc31cc1561fd90165a6f4181d714d051283eb690583c2e1ab",
    "contacts_final_content_immutable": "46c4ec60d023649a6c1cb9120ae1724819c3304e6a141563d9692c5559bb0b9f",
    "contacts_final_needs_finalized_at": "15ae93962e091cc302906bb0b3a9039fc56610cc069f53573520f1ee54c538bb",
    "contacts_final_not_deleted": "979fcf881fc5c60dc0c65d17438e59b5dec69f66d4fcf58bf1bd99e647aadb83",
    "contacts_final_not_replaced": "24f48c6730a3964ffc5d8571d2fe41881e6b008512cdcae22def03869891b12d",
    "contacts_id_fixed": "dde987a8692216c8600a3245338a64f1b910216471683cd31b2b5475c1a56cd2",
}
# Actions that leave a contact final, frozen or approved: such a contact must still exist, as recorded.
_FINAL_ACTIONS = frozenset(
    {"contact_finalized", "contact_finalized_at_day_end", "contact_frozen", "contact_approved"}
)


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


def trigger_problem(conn: Connection) -> str | None:
    """What differs between the database's triggers and the shipped immutability triggers, or None."""
    present = {
        str(name): hashlib.sha256(" ".join(str(sql).split()).encode("utf-8")).hexdigest()
        for name, sql in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    for name, digest in SHIPPED_TRIGGERS.items():
        if name not in present:
            return f"the immutability trigger {name} is missing: the records were unprotected"
        if present[name] != digest:
            return f"the immutability trigger {name} is not as shipped"
    extra = sorted(set(present) - set(SHIPPED_TRIGGERS))
    if extra:
        return f"a trigger that fieldapp does not ship is present ({', '.join(extra)})"
    return None


def verify(conn: Connection) -> AuditReport:
    """Walk the chain in order; check that every record the chain names is there with the content of its
    last entry (a contact, draft or final: none is ever deleted; an amendment; an approval); then that the
    immutability triggers are as shipped."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    last_hash_of: dict[str, str] = {}
    finalized: set[str] = set()
    named: dict[str, dict[str, str]] = {"amendment": {}, "approval": {}}
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
            if row.action in _FINAL_ACTIONS:
                finalized.add(row.record_id)
        elif row.record_kind in named:
            named[row.record_kind].setdefault(row.record_id, row.content_hash)
        prev = row.entry_hash
        expected_seq += 1
    present: set[str] = set()
    for contact in conn.execute(select(contacts.c.id, contacts.c.body, contacts.c.content_hash)):
        present.add(contact.id)
        actual = hashlib.sha256(contact.body.encode("utf-8")).hexdigest()
        recorded = last_hash_of.get(contact.id)
        if actual != contact.content_hash or recorded != actual:
            return AuditReport(
                False,
                count,
                None,
                f"contact {contact.id} does not match its last audit entry (its content was changed outside the app)",
            )
    missing = sorted(set(last_hash_of) - present, key=lambda cid: (cid not in finalized, cid))
    if missing:
        state = "a final contact" if missing[0] in finalized else "a contact"
        return AuditReport(
            False, count, None, f"{state} the audit trail records, {missing[0]}, is missing: it was deleted"
        )
    for kind, table in (("amendment", amendments), ("approval", approvals)):
        rows = {str(r.id): str(r.body) for r in conn.execute(select(table.c.id, table.c.body))}
        for record_id, recorded in named[kind].items():
            body = rows.get(record_id)
            if body is None:
                return AuditReport(False, count, None, f"the {kind} {record_id} is missing: it was deleted")
            if kind == "amendment" and hashlib.sha256(body.encode("utf-8")).hexdigest() != recorded:
                return AuditReport(
                    False, count, None, f"the amendment {record_id} does not match its audit entry"
                )
    problem = trigger_problem(conn)
    if problem is not None:
        return AuditReport(False, count, None, problem)
    return AuditReport(True, count)
