"""Push: a batch of final contacts and amendments, each judged and answered on its own.

The order of questions for one item is fixed: is it the caller's to write (else FORBIDDEN) → is the ID
already stored (same content: DUPLICATE, a retry after a lost reply; other content: CONFLICT, logged and
never overwritten) → does the rules engine, run here on the server's copy of the caseload, find a block
(REFUSED with its findings) → ACCEPTED, stored in the same transaction as its audit entry.

The server asks the rules one question, "is there a block?": it runs every rule of the engine except
those that can only ever warn (`engine.NEVER_BLOCK`, held to that by a test that reads their source), because a
warning never refuses a contact and the laptop showed the worker its warnings when the contact was made.
A refused contact is answered with the engine's complete findings, warnings included (refusals are rare,
so only they pay for the full run), so the worker sees on the refusal everything the rules say about it; an
accepted one carries no findings the laptop did not already have. Rules added to the engine later are run
here by default.

A duplicate is recognised before the rules run again, so a retry is acknowledged even when the caseload
changed in between (a closure date loaded after the contact was made never turns an accepted contact into
a refused one).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, bindparam, literal_column, null, select, union_all

from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Amendment, Caseload, Contact, Matter, StaffRole, Worker
from fieldapp.domain.rules import RuleContext, check_contact, engine
from fieldapp.domain.rules.amendment import amendment_length
from fieldapp.domain.rules.common import Rule
from fieldapp.server.auth import Caller
from fieldapp.server.caseload import CURRENT_MATTERS, matters_of, put_feed, snapshot_of, unit_staff_rows
from fieldapp.server.db import Database, Query, Writer, insert_many
from fieldapp.server.models import AmendmentRow, Assignment, ContactRow, MatterRow, Refusal, Staff
from fieldapp.server.oversight import may_supervise
from fieldapp.sync.protocol import ItemResult, ItemStatus, Outcome, PushRequest, PushResponse, WireFinding

log = logging.getLogger("fieldapp.server.push")

# Rules that only ever give warnings (none can refuse a contact): about half of the rules' time per contact.
WARN_ONLY: frozenset[Rule] = engine.NEVER_BLOCK
"""The engine's own list of rules that only warn: one list, so a rule added to it is skipped here too."""
# The engine's rules in the engine's order, less the warn-only ones.
REFUSING_RULES: tuple[Rule, ...] = tuple(rule for rule in engine.RULES if rule not in WARN_ONLY)


def server_findings(contact: Contact, ctx: RuleContext) -> tuple[Finding, ...]:
    """No findings when nothing blocks (the laptop already showed its warnings); otherwise every finding of
    the engine, in its order, so a refusal is answered with the whole picture."""
    for rule in REFUSING_RULES:
        if any(finding.severity is Severity.BLOCK for finding in rule(contact, ctx)):
            return tuple(check_contact(contact, ctx))
    return ()


_CONTACTS = cast(Table, ContactRow.__table__)
_MATTERS = cast(Table, MatterRow.__table__)
_ASSIGNMENTS = cast(Table, Assignment.__table__)
# A push's statements, compiled once and run on the driver's cursor (see db.Query): set-based queries for
# the whole batch, never one per contact. The judge's questions are one statement (one round trip, one
# execution's worth of Python): rows tagged "assigned" are the asked-for matters the worker holds or held
# (may write to), "current" the worker's caseload now and "staff" the unit and managers (the caseload the
# rules need), "known" the contact IDs already stored.
_QUESTIONS_UNION = union_all(
    select(
        literal_column("'assigned'").label("tag"),
        _MATTERS.c.id.label("id"),
        _MATTERS.c.kind.label("kind"),
        _MATTERS.c.record.label("record"),
    )
    .join(_ASSIGNMENTS, _ASSIGNMENTS.c.matter_id == _MATTERS.c.id)
    .where(
        _ASSIGNMENTS.c.worker_id == bindparam("worker_id"),
        _ASSIGNMENTS.c.matter_id.in_(bindparam("wanted", expanding=True)),
    ),
    CURRENT_MATTERS,
    unit_staff_rows(bindparam("unit")),
    select(literal_column("'known'"), _CONTACTS.c.id, null(), null()).where(
        _CONTACTS.c.id.in_(bindparam("ids", expanding=True))
    ),
)
_QUESTIONS = Query(
    _QUESTIONS_UNION.order_by(_QUESTIONS_UNION.selected_columns.tag, _QUESTIONS_UNION.selected_columns.id)
)
_STORED = Query(
    select(_CONTACTS.c.id, _CONTACTS.c.content_hash).where(
        _CONTACTS.c.id.in_(bindparam("ids", expanding=True))
    )
)


@dataclass(slots=True)
class _Verdict:
    """What the checks outside the write transaction decided for a new item."""

    outcome: Outcome
    findings: tuple[Finding, ...] = ()
    message: str = ""


@dataclass(slots=True)
class Judged:
    """A push batch judged outside the write transaction (`Pusher.judge`), ready for `Pusher.store`."""

    request: PushRequest
    bodies: list[bytes]
    digests: list[str]
    verdicts: dict[tuple[str, str], _Verdict]
    prepared: list[tuple[dict[str, object], ItemResult] | None]


def _result(
    item_id: str,
    kind: str,
    outcome: Outcome,
    digest: str,
    findings: tuple[Finding, ...] = (),
    message: str = "",
) -> ItemResult:
    status = {
        Outcome.ACCEPTED: ItemStatus.ACCEPTED,
        Outcome.DUPLICATE: ItemStatus.DUPLICATE,
        Outcome.REFUSED: ItemStatus.REFUSED,
        Outcome.CONFLICT: ItemStatus.CONFLICT,
        Outcome.FORBIDDEN: ItemStatus.FORBIDDEN,
    }[outcome]
    return ItemResult(
        id=item_id,
        kind=kind,
        outcome=outcome,
        status=status,
        content_hash=digest,
        findings=tuple(WireFinding.of(f) for f in findings),
        message=message,
    )


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m")


class Pusher:
    """Judges and stores one push batch for one caller."""

    def __init__(self, db: Database, tables: CodeTables, caller: Caller) -> None:
        self.db = db
        self.tables = tables
        self.caller = caller

    # ------------------------------------------------------------------ contacts

    def _judge_contacts(
        self, conn: Connection, contacts: tuple[Contact, ...], digests: list[str]
    ) -> dict[tuple[str, str], _Verdict]:
        """Verdicts for the new items, keyed by (id, content hash): one ID twice in a batch with two
        contents is judged twice (the second then meets the first inside the transaction).

        Every question for the whole batch is asked on the read connection `conn` (the one the token was
        checked on): assigned matters, already-stored IDs and the worker's caseload (matters, unit and
        managers) in one statement; then, only if a new contact needs the rules and the caseload names
        staff outside those (a supervisor or primary worker elsewhere), one more for them."""
        worker = self.caller.worker
        wanted = sorted({c.context_id for c in contacts})
        known: set[str] = set()
        rows: list[tuple[str, str]] = []
        current: list[tuple[str, str]] = []
        staff: list[tuple[str, str]] = []
        params = {
            "worker_id": worker.id,
            "unit": worker.unit,
            "wanted": wanted,
            "ids": [c.id for c in contacts],
        }
        for tag, row_id, kind, record in _QUESTIONS.rows(conn, params):
            if tag == "known":
                known.add(row_id)
            elif tag == "assigned":
                rows.append((kind, record))
            elif tag == "current":
                current.append((kind, record))
            else:
                staff.append((row_id, record))
        fresh = any(c.id not in known for c in contacts)
        snapshot = snapshot_of(conn, worker, current, staff) if rows and fresh else None
        referrals, cases = matters_of(rows)
        matters: dict[str, Matter] = {r.id: r for r in referrals}
        matters.update({c.id: c for c in cases})
        caseload: Caseload | None = None
        now = datetime.now(self.tables.agency.time_zone)
        contexts: dict[str, RuleContext] = {}  # one per matter for the whole batch
        verdicts: dict[tuple[str, str], _Verdict] = {}
        for contact, digest in zip(contacts, digests, strict=True):
            key = (contact.id, digest)
            if contact.id in known or key in verdicts:
                continue  # decided against the stored row inside the transaction
            matter = matters.get(contact.context_id)
            if matter is None:
                verdicts[key] = _Verdict(
                    Outcome.FORBIDDEN,
                    message=f"referral/case {contact.context_id!r} is not in your caseload",
                )
                continue
            if contact.finalized_at is None:
                verdicts[key] = _Verdict(
                    Outcome.REFUSED,
                    (
                        Finding(
                            "NAR-SAMEDAY",
                            Severity.BLOCK,
                            "finalized_at",
                            "Only final contacts are synced: this one has no finalization time.",
                        ),
                    ),
                    "refused: not final",
                )
                continue
            if caseload is None:
                caseload = snapshot
                assert caseload is not None
            ctx = contexts.get(matter.id)
            if ctx is None:
                rule_caseload = caseload
                if caseload.matter(matter.id) is None:  # reassigned away since the contact was made
                    rule_caseload = caseload.model_copy(
                        update={
                            "referrals": (*caseload.referrals, *[m for m in referrals if m.id == matter.id]),
                            "cases": (*caseload.cases, *[m for m in cases if m.id == matter.id]),
                        }
                    )
                ctx = RuleContext(caseload=rule_caseload, matter=matter, tables=self.tables, now=now)
                contexts[matter.id] = ctx
            findings = server_findings(contact, ctx)
            if any(f.severity is Severity.BLOCK for f in findings):
                verdicts[key] = _Verdict(Outcome.REFUSED, findings, "refused: the rules found a block")
            else:
                verdicts[key] = _Verdict(Outcome.ACCEPTED, findings)
        return verdicts

    def _store_contact(
        self,
        w: Writer,
        contact: Contact,
        body: bytes,
        digest: str,
        verdict: _Verdict | None,
        stored: dict[str, str],
        new_rows: list[dict[str, object]],
        prepared: tuple[dict[str, object], ItemResult] | None,
    ) -> ItemResult:
        """Decide one contact inside the write transaction. `stored` maps IDs already in the database (or
        accepted earlier in this batch) to their content hash; accepted rows are appended to `new_rows`
        and inserted together."""
        worker_id = self.caller.worker.id
        stored_hash = stored.get(contact.id)
        if stored_hash is not None:
            if stored_hash == digest:
                return _result(contact.id, "contact", Outcome.DUPLICATE, digest, message="already stored")
            log.warning(
                "push conflict: contact %s from worker %s (device %s) has hash %s, stored hash is %s; refused",
                contact.id,
                worker_id,
                self.caller.device_id,
                digest,
                stored_hash,
            )
            return _result(
                contact.id,
                "contact",
                Outcome.CONFLICT,
                digest,
                message="a different contact with this ID is already stored; contacts are never overwritten",
            )
        if verdict is None:  # stored when judged, gone now: cannot happen (nothing deletes contacts)
            raise RuntimeError(f"contact {contact.id} vanished during push")
        if verdict.outcome is Outcome.FORBIDDEN:
            return _result(contact.id, "contact", Outcome.FORBIDDEN, digest, message=verdict.message)
        if verdict.outcome is Outcome.REFUSED:
            result = _result(
                contact.id, "contact", Outcome.REFUSED, digest, verdict.findings, verdict.message
            )
            self._record_refusal(w, contact.id, digest, result)
            return result
        assert prepared is not None  # every accepted verdict was prepared before the lock
        row, result = prepared
        new_rows.append(row)
        stored[contact.id] = digest
        w.audit(
            actor_id=worker_id,
            action="accept",
            record_kind="contact",
            record_id=contact.id,
            content_hash=digest,
        )
        return result

    def _prepare_accepted(
        self, contact: Contact, body: bytes, digest: str, verdict: _Verdict, received_at: datetime
    ) -> tuple[dict[str, object], ItemResult]:
        """The row and the reply of a contact judged acceptable, built before the writer lock is taken:
        the lock is held only to check what is stored, chain the audit entries and insert."""
        moment = contact.started_at or contact.finalized_at or received_at
        row: dict[str, object] = dict(
            id=contact.id,
            worker_id=self.caller.worker.id,
            context_id=contact.context_id,
            month=month_of(moment, self.tables.agency.time_zone),
            content_hash=digest,
            record=body.decode(),
            device_id=self.caller.device_id,
            received_at=received_at,
        )
        return row, _result(contact.id, "contact", Outcome.ACCEPTED, digest, verdict.findings, "stored")

    def _record_refusal(self, w: Writer, item_id: str, digest: str, result: ItemResult) -> None:
        exists = w.session.execute(
            select(Refusal.id).where(Refusal.contact_id == item_id, Refusal.content_hash == digest)
        ).first()
        if exists is not None:
            return
        refusal = Refusal(
            contact_id=item_id,
            worker_id=self.caller.worker.id,
            content_hash=digest,
            result=result.model_dump_json(),
            refused_at=datetime.now(UTC),
        )
        w.session.add(refusal)
        w.session.flush()
        w.audit(
            actor_id=self.caller.worker.id,
            action="refuse",
            record_kind=result.kind,
            record_id=item_id,
            content_hash=digest,
        )
        put_feed(w, self.caller.worker.id, "refusal", str(refusal.id))

    # ------------------------------------------------------------------ amendments

    def _judge_amendment(self, w: Writer, amendment: Amendment, digest: str) -> ItemResult:
        me = self.caller.worker
        stored = w.session.get(AmendmentRow, amendment.id)
        if stored is not None:
            if stored.content_hash == digest:
                return _result(amendment.id, "amendment", Outcome.DUPLICATE, digest, message="already stored")
            log.warning(
                "push conflict: amendment %s from %s has hash %s, stored hash is %s; refused",
                amendment.id,
                me.id,
                digest,
                stored.content_hash,
            )
            return _result(
                amendment.id,
                "amendment",
                Outcome.CONFLICT,
                digest,
                message="a different amendment with this ID is already stored; amendments are append-only",
            )
        if me.role not in (StaffRole.SUPERVISOR, StaffRole.MANAGER) or amendment.modifier_id != me.id:
            return _result(
                amendment.id,
                "amendment",
                Outcome.FORBIDDEN,
                digest,
                message="NAR-AMEND: only a supervisor or manager amends, in their own name",
            )
        contact = w.session.get(ContactRow, amendment.contact_id)
        owner = None if contact is None else w.session.get(Staff, contact.worker_id)
        if contact is None or owner is None:
            finding = Finding(
                "NAR-AMEND", Severity.BLOCK, "contact_id", "The contact to amend is not on the server."
            )
            result = _result(amendment.id, "amendment", Outcome.REFUSED, digest, (finding,), "refused")
            self._record_refusal(w, amendment.id, digest, result)
            return result
        if not may_supervise(w.session, me, Worker.model_validate_json(owner.record)):
            return _result(
                amendment.id,
                "amendment",
                Outcome.FORBIDDEN,
                digest,
                message="the contact is not in your unit",
            )
        if (amendment.modifier_full_name, amendment.modifier_title) != (me.full_name, me.title):
            finding = Finding(
                "NAR-AMEND",
                Severity.BLOCK,
                "modifier_full_name",
                f"The amendment must carry the modifier's full name and title as on the staff list: "
                f"{me.full_name}, {me.title}.",
            )
            result = _result(amendment.id, "amendment", Outcome.REFUSED, digest, (finding,), "refused")
            self._record_refusal(w, amendment.id, digest, result)
            return result
        too_long = amendment_length(amendment.new_information, self.tables.agency)
        if too_long is not None:
            result = _result(amendment.id, "amendment", Outcome.REFUSED, digest, (too_long,), "refused")
            self._record_refusal(w, amendment.id, digest, result)
            return result
        store_amendment(w, amendment, digest, contact.worker_id)
        return _result(amendment.id, "amendment", Outcome.ACCEPTED, digest, message="stored")

    # ------------------------------------------------------------------ batch

    def push(self, request: PushRequest) -> PushResponse:
        """Judge and store `request` (the token checked earlier, on a connection of its own)."""
        with self.db.read_connection() as conn:
            judged = self.judge(conn, request)
        return self.store(judged)

    def judge(self, conn: Connection, request: PushRequest) -> Judged:
        """Everything decided before the writer lock, on the read connection `conn`: each contact's
        canonical bytes (both what is stored and what is hashed), its verdict, and the row and reply of
        each accepted one."""
        bodies = [canonical_json(c) for c in request.contacts]
        digests = [hashlib.sha256(b).hexdigest() for b in bodies]
        verdicts = self._judge_contacts(conn, request.contacts, digests)
        received_at = datetime.now(UTC)
        prepared: list[tuple[dict[str, object], ItemResult] | None] = []
        for contact, body, digest in zip(request.contacts, bodies, digests, strict=True):
            verdict = verdicts.get((contact.id, digest))
            if verdict is not None and verdict.outcome is Outcome.ACCEPTED:
                prepared.append(self._prepare_accepted(contact, body, digest, verdict, received_at))
            else:
                prepared.append(None)
        return Judged(request, bodies, digests, verdicts, prepared)

    def store(self, judged: Judged) -> PushResponse:
        """Store what `judge` accepted, under the writer lock (the read connection given back first)."""
        request, bodies, digests, verdicts, prepared = (
            judged.request,
            judged.bodies,
            judged.digests,
            judged.verdicts,
            judged.prepared,
        )

        def store(w: Writer) -> list[ItemResult]:
            # Under the writer lock: what is stored now is final for this batch (a racing duplicate
            # request either committed before us, and is seen here, or waits for us). The transaction
            # may be shared with other batches (group commit): each runs this whole function in turn.
            results: list[ItemResult] = []
            ids = [c.id for c in request.contacts]
            stored: dict[str, str] = (
                {row_id: digest for row_id, digest in _STORED.rows(w.conn, {"ids": ids})} if ids else {}
            )
            new_rows: list[dict[str, object]] = []
            for contact, body, digest, ready in zip(request.contacts, bodies, digests, prepared, strict=True):
                verdict = verdicts.get((contact.id, digest))
                results.append(
                    self._store_contact(w, contact, body, digest, verdict, stored, new_rows, ready)
                )
            if new_rows:
                insert_many(w.conn, _CONTACTS, new_rows)  # Core, one statement: no ORM bookkeeping
            for amendment in request.amendments:
                results.append(self._judge_amendment(w, amendment, content_hash(amendment)))
                w.session.flush()
            return results

        return PushResponse(results=tuple(self.db.write_grouped(store)))


def store_amendment(w: Writer, amendment: Amendment, digest: str, contact_worker_id: str) -> None:
    """Append an amendment (never touching the contact) with its audit entry; it reaches the worker on pull."""
    w.session.add(
        AmendmentRow(
            id=amendment.id,
            contact_id=amendment.contact_id,
            modifier_id=amendment.modifier_id,
            content_hash=digest,
            record=canonical_json(amendment).decode(),
            received_at=datetime.now(UTC),
        )
    )
    w.audit(
        actor_id=amendment.modifier_id,
        action="amend",
        record_kind="amendment",
        record_id=amendment.id,
        content_hash=digest,
    )
    put_feed(w, contact_worker_id, "amendment", amendment.id)
