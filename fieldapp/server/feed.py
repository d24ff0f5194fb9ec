"""Pull: what changed for a worker since their cursor, a page at a time.

The cursor is a position in the server's feed ("v1.<server id>.<seq>"). Feed entries are written under the
writer lock, so sequence numbers become visible in commit order and a cursor never jumps over a change
committed late. A cursor the server does not know (garbage, another server's, or ahead of the feed) gets
a full resync: the whole caseload and every approval, amendment and refusal again, never silent loss.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Connection, Table, bindparam, func, select

from fieldapp.domain.records import Amendment, Approval
from fieldapp.server.caseload import snapshot_in
from fieldapp.server.db import Database, Query
from fieldapp.server.models import AmendmentRow, ApprovalRow, FeedEntry, Refusal
from fieldapp.sync.protocol import ItemResult, PullResponse

DEFAULT_PAGE = 500
MAX_PAGE = 5000

_FEED = cast(Table, FeedEntry.__table__)
_REFUSALS = cast(Table, Refusal.__table__)
# Every pull runs these: compiled once, run on the driver's cursor (see db.Query), or as Core (the rest).
_HEAD = Query(select(func.max(_FEED.c.seq)))
_ENTRIES = Query(
    select(_FEED.c.seq, _FEED.c.kind, _FEED.c.ref_id)
    .where(
        _FEED.c.worker_id == bindparam("worker_id"),
        _FEED.c.seq > bindparam("start"),
        _FEED.c.seq <= bindparam("head"),
    )
    .order_by(_FEED.c.seq)
    .limit(bindparam("limit"))
)
_REFUSAL_RESULTS = (
    select(_REFUSALS.c.result)
    .where(_REFUSALS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_REFUSALS.c.id)
)
_RECORDS = {
    table: select(table.__table__.c.id, table.__table__.c.record).where(
        table.__table__.c.id.in_(bindparam("ids", expanding=True))
    )
    for table in (ApprovalRow, AmendmentRow)
}


def make_cursor(server_id: str, seq: int) -> str:
    return f"v1.{server_id}.{seq}"


def parse_cursor(cursor: str | None, server_id: str) -> int | None:
    """The feed position of a cursor this server issued, or None if it is not one."""
    if not cursor:
        return None
    parts = cursor.split(".")
    if len(parts) != 3 or parts[0] != "v1" or parts[1] != server_id or not parts[2].isdigit():
        return None
    return int(parts[2])


def pull(
    db: Database, server_id: str, worker_id: str, cursor: str | None, limit: int = DEFAULT_PAGE
) -> PullResponse:
    limit = max(1, min(limit, MAX_PAGE))
    position = parse_cursor(cursor, server_id)
    with db.read_connection() as session:
        found = _HEAD.first(session)
        head = (found[0] if found else None) or 0
        full = position is None or position > head
        start = 0 if full else position
        assert start is not None
        entries: list[tuple[int, str, str]] = [
            (seq, kind, ref_id)
            for seq, kind, ref_id in _ENTRIES.rows(
                session, {"worker_id": worker_id, "start": start, "head": head, "limit": limit + 1}
            )
        ]
        has_more = len(entries) > limit
        entries = entries[:limit]
        by_kind: dict[str, list[str]] = {}
        for _seq, kind, ref_id in entries:
            by_kind.setdefault(kind, []).append(ref_id)
        approvals = _load(session, ApprovalRow, by_kind.get("approval", []))
        amendments = _load(session, AmendmentRow, by_kind.get("amendment", []))
        refusal_ids = [int(r) for r in by_kind.get("refusal", [])]
        refusals = (
            list(session.execute(_REFUSAL_RESULTS, {"ids": refusal_ids}).scalars()) if refusal_ids else []
        )
        # In the same read transaction as the feed: the caseload is the one as of `head`.
        caseload = snapshot_in(session, worker_id) if full or "caseload" in by_kind else None
    next_seq = entries[-1][0] if has_more else head
    return PullResponse(
        cursor=make_cursor(server_id, next_seq),
        full_resync=full,
        caseload=caseload,
        approvals=tuple(Approval.model_validate_json(r) for r in approvals),
        amendments=tuple(Amendment.model_validate_json(r) for r in amendments),
        refusals=tuple(ItemResult.model_validate_json(r) for r in refusals),
        has_more=has_more,
    )


def _load(session: Connection, table: type[ApprovalRow] | type[AmendmentRow], ids: list[str]) -> list[str]:
    """The stored JSON of the records `ids`, in feed order."""
    if not ids:
        return []
    found = session.execute(_RECORDS[table], {"ids": ids}).all()
    rows = {row_id: record for row_id, record in found}
    return [rows[i] for i in ids if i in rows]
