"""Pull: cursors, full resync for an unknown cursor, pagination, and what reaches the worker (caseload
changes, reassignment, approvals, amendments, refusals)."""

from __future__ import annotations

import json
from datetime import date

from fieldapp.domain.records import Caseload
from fieldapp.server.caseload import load_caseload
from fieldapp.sync.protocol import Outcome
from tests.factories import demo_caseload
from tests.server.conftest import Org
from tests.server.helpers import final_contact, pull, pull_all, push_ok


def test_first_pull_is_a_full_resync_with_the_workers_whole_caseload(org: Org) -> None:
    with org.client("w-ana") as ana:
        cursor, pages = pull_all(ana, "w-ana")
    first = pages[0]
    assert first.full_resync is True
    assert first.caseload is not None
    demo = demo_caseload()
    assert first.caseload.worker.id == "w-ana"
    assert {c.id for c in first.caseload.cases} == {c.id for c in demo.cases}
    assert {r.id for r in first.caseload.referrals} == {r.id for r in demo.referrals}
    assert {"s-lee", "w-ben", "m-kim"} <= {s.id for s in first.caseload.staff}
    assert "w-other" not in {s.id for s in first.caseload.staff}  # another unit's worker is not listed
    # Nothing changed since: an empty, incremental page, same position.
    with org.client("w-ana") as ana:
        again = pull(ana, "w-ana", cursor)
    assert again.full_resync is False and again.caseload is None and not again.approvals
    assert again.cursor == cursor


def test_unknown_or_foreign_cursor_gets_a_full_resync_never_silent_loss(org: Org) -> None:
    with org.client("w-ana") as ana:
        cursor, _ = pull_all(ana, "w-ana")
        server_id = cursor.split(".")[1]
        for bad in (
            "garbage",
            "v1.0000000000000000.5",
            f"v1.{server_id}.999999999",
            "v2.x.1",
            f"v1.{server_id}.-1",
        ):
            page = pull(ana, "w-ana", bad)
            assert page.full_resync is True, bad
            assert page.caseload is not None and page.caseload.worker.id == "w-ana"


def test_refusal_reaches_the_worker_on_pull_without_the_narrative(org: Org) -> None:
    bad = final_contact(narrative="")
    with org.client("w-ana") as ana:
        cursor, _ = pull_all(ana, "w-ana")
        push_ok(ana, "w-ana", bad)
        push_ok(ana, "w-ana", bad)  # the same refusal again is not a second feed entry
        _, pages = pull_all(ana, "w-ana", cursor)
    refusals = [r for p in pages for r in p.refusals]
    assert [r.id for r in refusals] == [bad.id]
    assert refusals[0].outcome is Outcome.REFUSED and refusals[0].findings


def test_pagination_follows_has_more_and_loses_nothing(org: Org) -> None:
    """Many refusals on the feed, pulled one per page: each arrives exactly once."""
    bads = [final_contact(narrative="") for _ in range(7)]
    with org.client("w-ana") as ana:
        cursor, _ = pull_all(ana, "w-ana")
        push_ok(ana, "w-ana", *bads)
        seen: list[str] = []
        for _ in range(20):
            page = pull(ana, "w-ana", cursor, limit=2)
            seen += [r.id for r in page.refusals]
            cursor = page.cursor
            if not page.has_more:
                break
    assert sorted(seen) == sorted(b.id for b in bads)


def test_changed_closure_date_and_reassignment_reach_workers_on_next_pull_cls_closed(org: Org) -> None:
    """CLS-CLOSED input: a closure date loaded on the server reaches the worker's caseload; a reassigned
    case leaves the old worker's caseload and appears in the new worker's."""
    db = org.server.database_handle()
    with org.client("w-ana") as ana, org.client("w-ben") as ben:
        ana_cursor, _ = pull_all(ana, "w-ana")
        ben_cursor, _ = pull_all(ben, "w-ben")
        demo = demo_caseload()
        referral = next(r for r in demo.referrals if r.id == "R-1003")
        closed = referral.model_copy(update={"closed_on": date(2026, 11, 20)})
        report = load_caseload(
            db,
            demo.model_copy(update={"referrals": (*[r for r in demo.referrals if r.id != "R-1003"], closed)}),
        )
        assert report.matters_changed == 1 and report.workers_notified == ("w-ana",)
        ana_cursor, pages = pull_all(ana, "w-ana", ana_cursor)
        caseload = next(p.caseload for p in pages if p.caseload is not None)
        got = caseload.matter("R-1003")
        assert got is not None and got.closed_on == date(2026, 11, 20)
        # Idempotent: loading the same again tells nobody.
        again = load_caseload(
            db,
            demo.model_copy(update={"referrals": (*[r for r in demo.referrals if r.id != "R-1003"], closed)}),
        )
        assert again.matters_changed == 0 and again.workers_notified == ()
        assert pull(ana, "w-ana", ana_cursor).caseload is None
        # Reassign C-2003 to w-ben.
        case = next(c for c in demo.cases if c.id == "C-2003")
        ben_doc = Caseload(worker=next(s for s in demo.staff if s.id == "w-ben"), cases=(case,))
        report = load_caseload(db, ben_doc)
        assert set(report.workers_notified) == {"w-ana", "w-ben"}
        _, ana_pages = pull_all(ana, "w-ana", ana_cursor)
        _, ben_pages = pull_all(ben, "w-ben", ben_cursor)
        ana_now = next(p.caseload for p in ana_pages if p.caseload is not None)
        ben_now = next(p.caseload for p in ben_pages if p.caseload is not None)
        assert ana_now.matter("C-2003") is None
        assert ben_now.matter("C-2003") is not None
        # Put it back for the other tests of this module.
        load_caseload(db, demo)


def test_pull_cursor_json_is_opaque_but_stable(org: Org) -> None:
    with org.client("w-ana") as ana:
        page = pull(ana, "w-ana")
    assert json.loads(page.model_dump_json())["cursor"].startswith("v1.")
