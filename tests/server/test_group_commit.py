"""Group commit (`Database.write_grouped`): concurrent writers of one process may share a transaction, but
each one's work is applied exactly once, the audit chain stays one unbroken chain, and a work that fails
takes nothing of the others down with it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fieldapp.server import migrate
from fieldapp.server.db import Database, Writer, _Job, verify_audit_chain


def _audit(record_id: str) -> object:
    def work(w: Writer) -> str:
        w.audit(actor_id="test", action="t", record_kind="x", record_id=record_id, content_hash="")
        return record_id

    return work


def _entries(db: Database) -> list[str]:
    with db.read_connection() as conn:
        return [r for (r,) in conn.exec_driver_sql("SELECT record_id FROM audit WHERE actor_id = 'test'")]


def test_concurrent_writers_each_get_their_own_result_and_one_unbroken_chain(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)
    results: dict[str, str] = {}
    start = threading.Barrier(24)

    def writer(i: int) -> None:
        start.wait()
        results[f"r{i}"] = db.write_grouped(_audit(f"r{i}"))  # type: ignore[arg-type]

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {f"r{i}": f"r{i}" for i in range(24)}
    assert sorted(_entries(db)) == sorted(results)
    assert verify_audit_chain(db)[0]
    db.dispose()


def test_a_failing_work_in_a_shared_transaction_fails_alone(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)

    def broken(w: Writer) -> str:
        w.audit(actor_id="test", action="t", record_kind="x", record_id="broken", content_hash="")
        raise ValueError("this batch cannot be stored")

    jobs = [_Job(_audit("a")), _Job(broken), _Job(_audit("c"))]
    with db._write_lock:
        db._run_group(jobs)
    assert [j.done for j in jobs] == [True, True, True]
    assert (jobs[0].result, jobs[2].result) == ("a", "c")
    assert isinstance(jobs[1].error, ValueError)
    assert sorted(_entries(db)) == ["a", "c"]  # each once; nothing of the failed one
    assert verify_audit_chain(db)[0]
    with pytest.raises(ValueError, match="cannot be stored"):
        db.write_grouped(broken)
    assert db.write_grouped(_audit("d")) == "d"
    db.dispose()
