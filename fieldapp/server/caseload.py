"""The server's copy of the organisation and its caseloads: staff, referrals and cases, who holds what.

`load_caseload` stands in for the feed from the state system. It is idempotent: loading the same file
twice changes nothing and tells nobody; a changed matter (a closure date, a new case plan) or a
reassignment is written once and put on the feed of every worker who must hear of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.records import Case, Caseload, Matter, Referral, StaffRole, Worker
from fieldapp.server.db import Database, Query, Writer
from fieldapp.server.models import Assignment, FeedEntry, MatterRow, Staff

_STAFF = cast(Table, Staff.__table__)
_MATTERS = cast(Table, MatterRow.__table__)
# The snapshot's statements, compiled once and run on the driver's cursor (see db.Query). Rows are tagged
# (tag, id, kind, record) so that one statement answers several questions (a push adds its own).


def unit_staff_rows(unit: ColumnElement[str]) -> Select[tuple[str, str, None, str]]:
    """Staff every snapshot lists whatever its matters: the unit `unit` (its worker included) and the
    managers, tagged "staff"."""
    return select(
        literal_column("'staff'").label("tag"),
        _STAFF.c.id.label("id"),
        null().label("kind"),
        _STAFF.c.record.label("record"),
    ).where((_STAFF.c.unit == unit) | (_STAFF.c.role == str(StaffRole.MANAGER)))


# The worker's matters now (the caseload), tagged "current".
CURRENT_MATTERS = select(
    literal_column("'current'"), _MATTERS.c.id, _MATTERS.c.kind, _MATTERS.c.record
).where(_MATTERS.c.assigned_worker_id == bindparam("worker_id"))
_ME = _STAFF.alias("me")
_SNAPSHOT_UNION = union_all(
    unit_staff_rows(select(_ME.c.unit).where(_ME.c.id == bindparam("worker_id")).scalar_subquery()),
    CURRENT_MATTERS,
)
_SNAPSHOT = Query(
    _SNAPSHOT_UNION.order_by(_SNAPSHOT_UNION.selected_columns.tag, _SNAPSHOT_UNION.selected_columns.id)
)
# Staff named by the matters or as supervisor who are neither in the unit nor managers (rare).
_STAFF_BY_ID = Query(
    select(_STAFF.c.id, _STAFF.c.record).where(_STAFF.c.id.in_(bindparam("ids", expanding=True)))
)


# Stored records are immutable JSON text and the models are frozen, so one parsed model per distinct text
# can be shared by every request: a push or pull re-reads the same staff and matters over and over, and
# parsing a whole caseload each time is the dearest part of such a request. Keyed by the exact text, so a changed record (a new
# closure date) is a different key and is parsed afresh; bounded, so memory stays flat.
@lru_cache(maxsize=8192)
def parse_worker(record: str) -> Worker:
    return Worker.model_validate_json(record)


@lru_cache(maxsize=8192)
def _parse_matter(kind: str, record: str) -> Referral | Case:
    return Referral.model_validate_json(record) if kind == "referral" else Case.model_validate_json(record)


@dataclass(frozen=True, slots=True)
class LoadReport:
    staff_changed: int
    matters_changed: int
    matters_unchanged: int
    workers_notified: tuple[str, ...]


def put_feed(w: Writer, worker_id: str, kind: str, ref_id: str) -> None:
    """Tell `worker_id`'s next pull about a change. A caseload change supersedes older ones: the pull sends
    the whole current caseload, so only the newest caseload entry per worker needs to stay."""
    if kind == "caseload":
        w.session.execute(
            delete(FeedEntry).where(FeedEntry.worker_id == worker_id, FeedEntry.kind == "caseload")
        )
    w.session.add(FeedEntry(worker_id=worker_id, kind=kind, ref_id=ref_id))


def upsert_staff(w: Writer, worker: Worker, actor: str = "admin") -> bool:
    """Create or update a staff member; True if anything changed."""
    body = canonical_json(worker).decode()
    row = w.session.get(Staff, worker.id)
    if row is not None and row.record == body:
        return False
    now = datetime.now(UTC)
    if row is None:
        w.session.add(
            Staff(id=worker.id, role=str(worker.role), unit=worker.unit, record=body, updated_at=now)
        )
    else:
        row.role, row.unit, row.record, row.updated_at = str(worker.role), worker.unit, body, now
    w.audit(
        actor_id=actor,
        action="staff",
        record_kind="staff",
        record_id=worker.id,
        content_hash=content_hash(worker),
    )
    # Everyone in the unit sees staff on their caseload document: tell them.
    for (member_id,) in w.session.execute(select(Staff.id).where(Staff.unit == worker.unit)).all():
        put_feed(w, member_id, "caseload", worker.id)
    return True


def add_staff(db: Database, worker: Worker) -> bool:
    with db.write() as w:
        return upsert_staff(w, worker)


def get_staff(db: Database, worker_id: str) -> Worker | None:
    with db.read() as session:
        row = session.get(Staff, worker_id)
        return None if row is None else Worker.model_validate_json(row.record)


def list_staff(db: Database) -> list[Worker]:
    with db.read() as session:
        rows = session.execute(select(Staff.record).order_by(Staff.unit, Staff.id)).scalars()
        return [Worker.model_validate_json(r) for r in rows]


def load_caseload(db: Database, caseload: Caseload, actor: str = "admin") -> LoadReport:
    """Store the caseload of `caseload.worker`: its staff, and every referral and case in it, assigned to
    that worker. One transaction: a file is loaded whole or not at all."""
    notified: set[str] = set()
    staff_changed = changed = unchanged = 0
    now = datetime.now(UTC)
    owner = caseload.worker.id
    with db.write() as w:
        for worker in (caseload.worker, *caseload.staff):
            if upsert_staff(w, worker, actor):
                staff_changed += 1
        matters: list[Matter] = [*caseload.referrals, *caseload.cases]
        for matter in matters:
            row = w.session.get(MatterRow, matter.id)
            if row is not None:
                matter = keep_supervisors_requirement(matter, row)
            body = canonical_json(matter).decode()
            digest = content_hash(matter)
            if row is not None and row.content_hash == digest and row.assigned_worker_id == owner:
                unchanged += 1
                continue
            changed += 1
            kind = matter.context
            if row is None:
                w.session.add(
                    MatterRow(
                        id=matter.id,
                        kind=kind,
                        assigned_worker_id=owner,
                        record=body,
                        content_hash=digest,
                        updated_at=now,
                    )
                )
            else:
                if row.assigned_worker_id != owner:
                    notified.add(row.assigned_worker_id)  # reassigned away: it leaves their caseload
                    put_feed(w, row.assigned_worker_id, "caseload", matter.id)
                row.kind, row.assigned_worker_id, row.record, row.content_hash, row.updated_at = (
                    kind,
                    owner,
                    body,
                    digest,
                    now,
                )
            if w.session.get(Assignment, (matter.id, owner)) is None:
                w.session.add(Assignment(matter_id=matter.id, worker_id=owner))
            w.audit(
                actor_id=actor,
                action="load_matter",
                record_kind=kind,
                record_id=matter.id,
                content_hash=digest,
            )
            put_feed(w, owner, "caseload", matter.id)
            notified.add(owner)
    return LoadReport(staff_changed, changed, unchanged, tuple(sorted(notified)))


def keep_supervisors_requirement(matter: Matter, row: MatterRow) -> Matter:
    """CMP-MVR: a case's minimum visitation requirement is set by its supervisor on this server (the
    console); a caseload load that brings none, or an older one, keeps the supervisor's."""
    if not isinstance(matter, Case) or row.kind != "case":
        return matter
    stored = _parse_matter(row.kind, row.record)
    kept = stored.visitation_requirement if isinstance(stored, Case) else None
    incoming = matter.visitation_requirement
    if kept is None or (incoming is not None and incoming.set_on >= kept.set_on):
        return matter
    return matter.model_copy(update={"visitation_requirement": kept})


def matters_of(rows: Iterable[MatterRow] | Iterable[tuple[str, str]]) -> tuple[list[Referral], list[Case]]:
    """Records of matter rows, given as ORM rows or as (kind, record) pairs (cheaper: no ORM objects)."""
    referrals: list[Referral] = []
    cases: list[Case] = []
    for row in rows:
        kind, record = (row.kind, row.record) if isinstance(row, MatterRow) else row
        matter = _parse_matter(kind, record)
        if isinstance(matter, Referral):
            referrals.append(matter)
        else:
            cases.append(matter)
    return referrals, cases


def caseload_snapshot(db: Database, worker_id: str) -> Caseload | None:
    """The worker's whole current caseload as the laptop should hold it, or None for unknown staff."""
    with db.read() as session:
        return snapshot_in(session, worker_id)


def snapshot_in(session: Session | Connection, worker_id: str) -> Caseload | None:
    """`caseload_snapshot` inside an open transaction (a push reads it with the rest of its questions).

    Staff listed: everyone in the worker's unit, their supervisor, the managers, and the primary workers of
    their matters, so that every staff person a contact may name is known to the rules on both sides.
    Prepared Core statements and shared parsed records: this runs once per push and per pull, under load.
    """
    conn = session.connection() if isinstance(session, Session) else session
    record: str | None = None
    staff: list[tuple[str, str]] = []
    matters: list[tuple[str, str]] = []
    for tag, row_id, kind, text in _SNAPSHOT.rows(conn, {"worker_id": worker_id}):
        if tag == "current":
            matters.append((kind, text))
        else:
            staff.append((row_id, text))
            if row_id == worker_id:
                record = text
    if record is None:
        return None
    return snapshot_of(conn, parse_worker(record), matters, staff)


def snapshot_of(
    conn: Connection, worker: Worker, matters: list[tuple[str, str]], staff_rows: list[tuple[str, str]]
) -> Caseload:
    """The caseload of `worker` from its current matters' (kind, record) rows and the (id, record) rows of
    its unit and the managers (`unit_staff_rows`), all read in the transaction of `conn`: reads only the
    staff its matters name, or its supervisor, outside those (usually none, so no statement)."""
    worker_id = worker.id
    referrals, cases = matters_of(matters)
    wanted = {r.primary_worker_id for r in referrals} | {c.primary_worker_id for c in cases}
    if worker.supervisor_id:
        wanted.add(worker.supervisor_id)
    missing = wanted.difference(sid for sid, _ in staff_rows)
    if missing:
        staff_rows = [*staff_rows, *_STAFF_BY_ID.rows(conn, {"ids": sorted(missing)})]
    # Sorted here, not by ORDER BY: PostgreSQL's collation may order IDs differently from SQLite's.
    staff = tuple(parse_worker(rec) for sid, rec in sorted(set(staff_rows)) if sid != worker_id)
    return Caseload(worker=worker, staff=staff, referrals=tuple(referrals), cases=tuple(cases))
