"""The ledger test: the real sync client, the real encrypted store as its outbox, and a real server process
(SQLite and PostgreSQL), with the fault proxy between client and server.

Over TRIALS randomized trials (seeded: FIELDAPP_LEDGER_SEED replays a run), each trial final-saves a few
contacts in the laptop's store and runs one sync through the proxy, which drops requests, drops replies after
the server committed, delays past the client's timeout, answers 5xx before and after committing, duplicates
requests and kills/restarts the server mid-batch. Some contacts are on a referral the server does not give this
worker, so they are refused (forbidden) while the rest of their batch goes through. At the end, with faults off,
one more sync drains what is left, and the ledger must balance:

- every final contact the laptop made is on the server exactly once (one stored row, one "accept" audit entry),
  with the content hash the laptop final-saved (NAR-IMMUTABLE: never altered on the way);
- no contact the client was told was accepted (mark_synced) is missing from the server;
- every refused contact is kept visible on the laptop with the server's message, and is not on the server;
- the server's audit chain is intact; every fault kind actually happened.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.records import Caseload, ContactKind, ContactState
from fieldapp.server.db import verify_audit_chain
from fieldapp.server.models import AuditEntry, ContactRow
from fieldapp.store.profile import open_profile
from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient
from fieldapp.sync.retry import Backoff
from tests.factories import NOW, demo_caseload, valid_contact
from tests.support.fault_proxy import DEFAULT_RATES, Fault, FaultProxy
from tests.support.memory_keyring import MemoryKeyring
from tests.support.server import ServerProcess

TRIALS = int(os.environ.get("FIELDAPP_LEDGER_TRIALS", "1000"))
SEED = int(os.environ.get("FIELDAPP_LEDGER_SEED", "20261123"))
CLIENT_TIMEOUT = 0.4
FOREIGN_CASE = "C-NOT-YOURS"
# A restart costs seconds (a new server process) and a delay costs the client's timeout: rarer than the rest.
RATES = {**DEFAULT_RATES, Fault.RESTART: 0.0025, Fault.DELAY: 0.012}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class LedgerStore:
    """The real store's sync side, recording every ID the client was told the server holds."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.told_accepted: list[str] = []

    def mark_synced(self, ids: object) -> None:
        ids = list(ids)  # type: ignore[call-overload]
        self.told_accepted.extend(ids)
        self._inner.mark_synced(ids)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def with_foreign_case(caseload: Caseload) -> Caseload:
    """The laptop's caseload plus a case the server never assigned to this worker (its contacts are refused)."""
    base = caseload.matter("C-2001")
    assert base is not None
    foreign = base.model_copy(update={"id": FOREIGN_CASE, "name": "Not-yours family"})
    return caseload.model_copy(update={"cases": (*caseload.cases, foreign)})


def test_every_final_contact_reaches_the_server_exactly_once_through_faults(
    server_database: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    backend = "postgresql" if server_database.startswith("postgresql") else "sqlite"
    context = f"(seed {SEED}, {TRIALS} trials; replay with FIELDAPP_LEDGER_SEED={SEED})"
    clock = FixedClock(NOW.replace(hour=12))
    server = ServerProcess.start(tmp_path / "server", database=server_database, demo=True)
    profile = open_profile(tmp_path / "laptop", create_with_caseload=demo_caseload(), clock=clock)
    try:
        service = SqlContactService(profile, clock=clock)
        vault = MemoryKeyring()
        enrolled = enrollment.enroll(
            server.url, server.issue_code("w-ana"), device_name="ledger laptop", vault=vault
        )
        proxy = FaultProxy(
            lambda: ("127.0.0.1", server.port),
            seed=SEED,
            delay=CLIENT_TIMEOUT * 1.5,  # past the client timeout: it retries while this copy is still on its way
            restart=lambda: server.restart(kill=True),
            rates=RATES,
            paths=("/v1/workers/",),
        ).start()
        store = LedgerStore(profile.sync_store())
        client = SyncClient(
            proxy.url,
            enrolled.token,
            enrolled.worker_id,
            store,  # type: ignore[arg-type]
            batch_size=3,
            timeout=CLIENT_TIMEOUT,
            backoff=Backoff(base=0.02, cap=0.4, max_attempts=10, rng=random.Random(SEED + 1)),
        )

        # First contact with the server (no faults): the caseload comes down; then the laptop also holds
        # a case the server never gave this worker, so contacts on it are refused as forbidden.
        proxy.enabled = False
        assert client.sync().ok
        with profile.write() as conn:
            profile.replace_caseload(conn, with_foreign_case(profile.caseload()), clock.now, "test")
        service.invalidate_caseload()
        proxy.enabled = True

        made: dict[str, str] = {}  # contact id -> local content hash, for contacts the server should keep
        foreign: set[str] = set()
        reports: Counter[str] = Counter()
        kinds = [ContactKind.CHILD_CASE, ContactKind.PARENT_CASE, ContactKind.CHILD_REFERRAL]
        started = time.monotonic()
        spent: Counter[str] = Counter()
        for _trial in range(TRIALS):
            t0 = time.monotonic()
            for _ in range(rng.randint(1, 4)):
                kind = rng.choice(kinds)
                if kind is ContactKind.CHILD_CASE and rng.random() < 0.04:
                    stored = service.finalize(valid_contact(kind, context_id=FOREIGN_CASE))
                    foreign.add(stored.contact.id)
                else:
                    stored = service.finalize(valid_contact(kind))
                    made[stored.contact.id] = ""
            t1 = time.monotonic()
            report = client.sync()
            spent["finalize"] += t1 - t0
            spent["sync"] += time.monotonic() - t1
            reports["ok" if report.ok else "unreachable" if report.unreachable else "error"] += 1
            assert not report.needs_enrollment, f"{report.error} {context}"
            assert not report.conflicts, f"a retry was taken for a conflict: {report.conflicts} {context}"
        faulty_seconds = time.monotonic() - started

        # Faults off: one more sync drains whatever the last trials left behind.
        proxy.enabled = False
        final = client.sync()
        assert final.ok, f"{final.error} {context}"
        assert store.pending_count() == 0

        local = {c: h for c, h in _local_hashes(profile).items() if c in made or c in foreign}
        db = server.database_handle()
        with db.read() as session:
            on_server = dict(session.execute(select(ContactRow.id, ContactRow.content_hash)).all())
            accepts = dict(
                session.execute(
                    select(AuditEntry.record_id, func.count())
                    .where(AuditEntry.action == "accept", AuditEntry.record_kind == "contact")
                    .group_by(AuditEntry.record_id)
                ).all()
            )

        print(
            f"\nledger {backend}: {TRIALS} trials in {faulty_seconds:.0f}s, "
            f"{len(made)} contacts + {len(foreign)} refused, syncs {dict(reports)}, "
            f"time {dict((k, round(v, 1)) for k, v in spent.items())}, faults {dict((k.value, n) for k, n in proxy.counts.items())}"
        )
        # every final contact exactly once, with the content the laptop final-saved
        assert set(on_server) == set(made), (
            f"missing {len(set(made) - set(on_server))}, unexpected {len(set(on_server) - set(made))} {context}"
        )
        assert all(on_server[c] == local[c] for c in made), f"content changed on the way {context}"
        assert {c: n for c, n in accepts.items() if n != 1} == {}, f"stored more than once {context}"
        assert set(accepts) == set(made)
        # nothing the client was told was accepted is missing
        assert set(store.told_accepted) <= set(on_server), context
        assert set(store.told_accepted) == set(made)
        # refused contacts stay visible on the laptop with the server's reason, never on the server
        refused = {r.record_id: r for r in store.refused()}
        assert set(refused) == foreign and not foreign & set(on_server), context
        assert all("not in your caseload" in r.message for r in refused.values())
        assert all(_state(service, c) is ContactState.SYNCED for c in made)
        # the server's audit chain survived the kills
        intact, _entries = verify_audit_chain(db)
        assert intact, context

        # the faults really happened, each kind several times
        assert all(proxy.counts[kind] >= 3 for kind in Fault if kind is not Fault.NONE), (
            proxy.counts,
            context,
        )
        assert len(made) >= TRIALS
        proxy.stop()
        client.close()
    finally:
        profile.close()
        server.close()


def _local_hashes(profile: object) -> dict[str, str]:
    from fieldapp.store.schema import outbox

    with profile.read() as conn:  # type: ignore[attr-defined]
        return dict(conn.execute(select(outbox.c.record_id, outbox.c.content_hash)).all())


def _state(service: SqlContactService, contact_id: str) -> ContactState:
    return service.get(contact_id).state
