"""Frozen drafts on the server: NAR-SAMEDAY policy exceptions reported by laptops, kept once and shown to
the unit's supervisor (SUP-ALERTS). Runs against SQLite and PostgreSQL, like the rest of the server suite."""

from __future__ import annotations

from fieldapp.sync.protocol import Outcome, PushResponse, UnitFrozenDrafts
from tests.server.conftest import Org
from tests.server.helpers import frozen_draft, report_frozen

UNIT = "Unit 7 (demo)"


def unit_drafts(org: Org, who: str = "s-lee", month: str = "2026-11") -> UnitFrozenDrafts:
    with org.client(who) as client:
        response = client.get(f"/v1/units/{UNIT}/frozen-drafts", params={"month": month})
    assert response.status_code == 200, response.text
    return UnitFrozenDrafts.model_validate_json(response.content)


def test_NAR_SAMEDAY_frozen_draft_stored_once_and_a_retry_acknowledged(org: Org) -> None:
    draft = frozen_draft()
    with org.client("w-ana") as ana:
        first = PushResponse.model_validate_json(report_frozen(ana, "w-ana", draft).content)
        again = PushResponse.model_validate_json(report_frozen(ana, "w-ana", draft).content)
    assert [r.outcome for r in first.results] == [Outcome.ACCEPTED]
    assert [r.outcome for r in again.results] == [Outcome.DUPLICATE]
    assert first.results[0].content_hash == again.results[0].content_hash
    held = [d for d in unit_drafts(org).drafts if d.draft.id == draft.id]
    assert len(held) == 1 and held[0].draft == draft and held[0].worker_id == "w-ana"


def test_NAR_IMMUTABLE_a_different_frozen_draft_under_a_known_id_is_a_conflict(org: Org) -> None:
    draft = frozen_draft()
    changed = draft.model_copy(update={"frozen_reason": draft.frozen_reason + " (edited)"})
    with org.client("w-ana") as ana:
        assert report_frozen(ana, "w-ana", draft).status_code == 200
        response = report_frozen(ana, "w-ana", changed)
    assert response.status_code == 409
    [result] = PushResponse.model_validate_json(response.content).results
    assert result.outcome is Outcome.CONFLICT and result.kind == "frozen_draft"
    [held] = [d for d in unit_drafts(org).drafts if d.draft.id == draft.id]
    assert held.draft == draft, "never overwritten"


def test_a_frozen_draft_outside_the_workers_caseload_is_forbidden(org: Org) -> None:
    stranger = frozen_draft(context_id="C-9999")
    with org.client("w-ana") as ana:
        response = report_frozen(ana, "w-ana", stranger)
    [result] = PushResponse.model_validate_json(response.content).results
    assert result.outcome is Outcome.FORBIDDEN and "not in your caseload" in result.message
    assert all(d.draft.id != stranger.id for d in unit_drafts(org).drafts)


def test_SUP_ALERTS_supervisors_see_their_units_frozen_drafts_by_month_only(org: Org) -> None:
    draft = frozen_draft()
    with org.client("w-ana") as ana:
        assert report_frozen(ana, "w-ana", draft).status_code == 200
    assert any(d.draft.id == draft.id for d in unit_drafts(org).drafts)
    assert not any(d.draft.id == draft.id for d in unit_drafts(org, month="2026-10").drafts)
    with org.client("s-other") as other:
        refused = other.get(f"/v1/units/{UNIT}/frozen-drafts", params={"month": "2026-11"})
    assert refused.status_code == 403
