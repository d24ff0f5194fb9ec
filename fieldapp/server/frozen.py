"""Frozen drafts: NAR-SAMEDAY policy exceptions, from the laptop that froze them to the supervisor.

When a business day ends with a draft still blocked by a rule, the laptop freezes it: it can never become
final, and what was not written that day belongs in a new, linked contact. The policy makes that an
exception the supervisor must see (SUP-ALERTS: supervisors are alerted to what is overdue), so the
laptop reports each frozen draft once, and the office keeps its text exactly as it stood.

Same guarantees as a pushed contact: only the worker's own caseload, stored once per ID with its audit
entry in one transaction, an identical retry acknowledged, different content under a known ID refused as
a conflict and logged, never overwritten. The rules are not run again: the draft is known to be
incomplete, and it is not a contact that counts toward any measure.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from sqlalchemy import select

from fieldapp.domain.canonical import canonical_json
from fieldapp.domain.codetables import CodeTables
from fieldapp.server.auth import Caller
from fieldapp.server.db import Database
from fieldapp.server.models import Assignment, FrozenDraftRow
from fieldapp.server.push import _result, month_of
from fieldapp.server.supervision import require_unit_reader, unit_members
from fieldapp.sync.protocol import (
    FrozenDraft,
    FrozenDraftsRequest,
    ItemResult,
    Outcome,
    PushResponse,
    StoredFrozenDraft,
    UnitFrozenDrafts,
)

log = logging.getLogger("fieldapp.server.frozen")
KIND = "frozen_draft"


def receive(db: Database, tables: CodeTables, caller: Caller, request: FrozenDraftsRequest) -> PushResponse:
    """One result per draft, in request order."""
    worker_id = caller.worker.id
    bodies = [canonical_json(d) for d in request.drafts]
    digests = [hashlib.sha256(b).hexdigest() for b in bodies]
    results: list[ItemResult] = []
    with db.write() as w:
        ids = [d.contact.id for d in request.drafts]
        stored = dict(
            w.session.execute(
                select(FrozenDraftRow.id, FrozenDraftRow.content_hash).where(FrozenDraftRow.id.in_(ids))
            ).all()
        )
        wanted = {d.contact.context_id for d in request.drafts}
        mine = set(
            w.session.execute(
                select(Assignment.matter_id).where(
                    Assignment.worker_id == worker_id, Assignment.matter_id.in_(wanted)
                )
            ).scalars()
        )
        for draft, body, digest in zip(request.drafts, bodies, digests, strict=True):
            contact_id = draft.contact.id
            known = stored.get(contact_id)
            if known == digest:
                results.append(_result(contact_id, KIND, Outcome.DUPLICATE, digest, message="already stored"))
                continue
            if known is not None:
                log.warning(
                    "frozen draft conflict: %s from worker %s (device %s) has hash %s, stored hash is %s",
                    contact_id,
                    worker_id,
                    caller.device_id,
                    digest,
                    known,
                )
                results.append(
                    _result(
                        contact_id,
                        KIND,
                        Outcome.CONFLICT,
                        digest,
                        message="a different frozen draft with this ID is already stored; never overwritten",
                    )
                )
                continue
            if draft.contact.context_id not in mine:
                results.append(
                    _result(
                        contact_id,
                        KIND,
                        Outcome.FORBIDDEN,
                        digest,
                        message=f"referral/case {draft.contact.context_id!r} is not in your caseload",
                    )
                )
                continue
            moment = draft.contact.started_at or draft.contact.first_saved_at or draft.frozen_at
            w.session.add(
                FrozenDraftRow(
                    id=contact_id,
                    worker_id=worker_id,
                    context_id=draft.contact.context_id,
                    month=month_of(moment, tables.agency.time_zone),
                    content_hash=digest,
                    record=body.decode(),
                    device_id=caller.device_id,
                    received_at=datetime.now(UTC),
                )
            )
            w.session.flush()
            w.audit(
                actor_id=worker_id,
                action="frozen_draft_reported",
                record_kind=KIND,
                record_id=contact_id,
                content_hash=digest,
            )
            stored[contact_id] = digest
            results.append(_result(contact_id, KIND, Outcome.ACCEPTED, digest, message="stored"))
    return PushResponse(results=tuple(results))


def unit_frozen_drafts(db: Database, caller: Caller, unit: str, month: str) -> UnitFrozenDrafts:
    """The unit's frozen drafts of a month, oldest first: for its supervisor and for managers."""
    require_unit_reader(db, caller, unit)
    with db.read() as session:
        rows = list(
            session.execute(
                select(FrozenDraftRow)
                .where(FrozenDraftRow.worker_id.in_(unit_members(unit)), FrozenDraftRow.month == month)
                .order_by(FrozenDraftRow.received_at, FrozenDraftRow.id)
            ).scalars()
        )
    return UnitFrozenDrafts(
        unit=unit,
        month=month,
        drafts=tuple(
            StoredFrozenDraft(
                draft=FrozenDraft.model_validate_json(r.record),
                worker_id=r.worker_id,
                content_hash=r.content_hash,
                received_at=r.received_at,
            )
            for r in rows
        ),
    )
