"""Anchoring each laptop's audit chain outside the laptop.

A key holder can rewrite a laptop's records and recompute its hash chain from scratch: nothing on the
laptop can tell. At each sync the laptop sends the entries of its chain the server has not anchored yet,
starting with the last one it has (so every sync re-proves the anchored head); the server keeps each
entry's number and hash per device, append-only. A chain that no longer extends what was anchored (an
entry rewritten, a tail cut, a gap) is refused with the first entry that differs, logged, and recorded in
the server's own audit chain; `fieldapp audit verify` compares the laptop's chain with the same anchors.
What a key holder can still hide: entries made after the last sync, which no one outside has seen.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, func, select

from fieldapp.server.auth import Caller
from fieldapp.server.db import Database, insert_many
from fieldapp.server.models import DeviceChainEntry
from fieldapp.sync.protocol import ChainAnchor, ChainAnchorRequest, ChainEntry

log = logging.getLogger("fieldapp.server.anchors")
MAX_PAGE = 5000


class Diverged(Exception):
    """The laptop's chain no longer extends the anchored one; the message names the first entry."""


class Invalid(Exception):
    """The request does not describe a run of consecutive entries."""


def head(db: Database, device_id: str, after: int | None = None, limit: int = MAX_PAGE) -> ChainAnchor:
    """The last anchored entry of a device (seq 0 when none), and the anchored entries after `after`."""
    with db.read() as session:
        last = session.execute(
            select(DeviceChainEntry)
            .where(DeviceChainEntry.device_id == device_id)
            .order_by(DeviceChainEntry.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        entries: list[DeviceChainEntry] = []
        if after is not None:
            entries = list(
                session.execute(
                    select(DeviceChainEntry)
                    .where(DeviceChainEntry.device_id == device_id, DeviceChainEntry.seq > after)
                    .order_by(DeviceChainEntry.seq)
                    .limit(limit + 1)
                ).scalars()
            )
    if last is None:
        return ChainAnchor()
    return ChainAnchor(
        seq=last.seq,
        entry_hash=last.entry_hash,
        anchored_at=last.anchored_at,
        entries=tuple(ChainEntry(seq=e.seq, entry_hash=e.entry_hash) for e in entries[:limit]),
        has_more=len(entries) > limit,
    )


def anchor(db: Database, caller: Caller, request: ChainAnchorRequest) -> ChainAnchor:
    """Check that `request` extends the device's anchored chain and store its new entries; raise Diverged
    (recorded in the server's audit chain) when it does not."""
    entries = request.entries
    for before, after in itertools.pairwise(entries):
        if after.seq != before.seq + 1:
            raise Invalid(f"entries must be consecutive: #{after.seq} follows #{before.seq}")
    device = caller.device_id
    now = datetime.now(UTC)
    problem: str | None = None
    with db.write() as w:
        session = w.session
        last = (
            session.execute(
                select(func.max(DeviceChainEntry.seq)).where(DeviceChainEntry.device_id == device)
            ).scalar_one_or_none()
            or 0
        )
        stored = {
            int(row.seq): str(row.entry_hash)
            for row in session.execute(
                select(DeviceChainEntry.seq, DeviceChainEntry.entry_hash).where(
                    DeviceChainEntry.device_id == device,
                    DeviceChainEntry.seq >= entries[0].seq,
                    DeviceChainEntry.seq <= entries[-1].seq,
                )
            )
        }
        if entries[0].seq > last + 1:
            problem = (
                f"the laptop's audit trail skips entries #{last + 1} to #{entries[0].seq - 1}: "
                "they were never anchored here"
            )
        else:
            for entry in entries:
                anchored = stored.get(entry.seq)
                if anchored is not None and anchored != entry.entry_hash:
                    problem = (
                        f"entry #{entry.seq} of the laptop's audit trail differs from the copy anchored on "
                        "the office server: the trail was rewritten from there on"
                    )
                    break
            if problem is None and entries[-1].seq < last:
                problem = (
                    f"the laptop's audit trail ends at entry #{entries[-1].seq}, but the office server "
                    f"anchored entries up to #{last}: entry #{entries[-1].seq + 1} and later were removed"
                )
        if problem is not None:
            w.audit(
                actor_id=caller.worker.id,
                action="device_chain_diverged",
                record_kind="device",
                record_id=device,
                content_hash=hashlib.sha256(problem.encode("utf-8")).hexdigest(),
            )
        else:
            new = [
                {"device_id": device, "seq": e.seq, "entry_hash": e.entry_hash, "anchored_at": now}
                for e in entries
                if e.seq > last
            ]
            # one statement: a laptop's first sync anchors thousands of entries
            insert_many(w.conn, cast(Table, DeviceChainEntry.__table__), new)
    if problem is not None:
        log.warning("audit chain of device %s (worker %s) diverged: %s", device, caller.worker.id, problem)
        raise Diverged(problem)
    return ChainAnchor(seq=max(last, entries[-1].seq), entry_hash=entries[-1].entry_hash, anchored_at=now)
