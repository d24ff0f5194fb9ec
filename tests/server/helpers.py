"""Small helpers for the server tests: build final contacts, push and pull through httpx."""

from __future__ import annotations

from typing import Any

import httpx

from fieldapp.domain.records import Amendment, Contact, ContactKind
from fieldapp.sync.protocol import FrozenDraft, FrozenDraftsRequest, PullResponse, PushRequest, PushResponse
from tests.factories import NOW, valid_contact


def final_contact(kind: ContactKind = ContactKind.CHILD_CASE, **changes: Any) -> Contact:
    """A valid contact of the demo caseload, final-saved the same day at noon."""
    changes.setdefault("finalized_at", NOW.replace(hour=12))
    return valid_contact(kind, **changes)


def frozen_draft(**changes: Any) -> FrozenDraft:
    """A draft the laptop froze at the end of its business day with the narrative still missing."""
    contact = valid_contact(ContactKind.CHILD_CASE, narrative="", finalized_at=None, **changes)
    return FrozenDraft(
        contact=contact,
        frozen_reason="NAR-SAMEDAY: the business day 2026-11-23 ended with the contact incomplete (NAR-REQUIRED)",
        frozen_at=NOW.replace(hour=23, minute=59),
    )


def report_frozen(client: httpx.Client, worker_id: str, *drafts: FrozenDraft) -> httpx.Response:
    return client.post(
        f"/v1/workers/{worker_id}/frozen-drafts",
        content=FrozenDraftsRequest(drafts=drafts).model_dump_json(),
        headers={"content-type": "application/json"},
    )


def push(
    client: httpx.Client,
    worker_id: str,
    contacts: tuple[Contact, ...] = (),
    amendments: tuple[Amendment, ...] = (),
) -> httpx.Response:
    body = PushRequest(contacts=contacts, amendments=amendments).model_dump_json()
    return client.post(
        f"/v1/workers/{worker_id}/push", content=body, headers={"content-type": "application/json"}
    )


def push_ok(client: httpx.Client, worker_id: str, *contacts: Contact) -> PushResponse:
    response = push(client, worker_id, contacts)
    assert response.status_code in (200, 409), response.text
    return PushResponse.model_validate_json(response.content)


def pull(
    client: httpx.Client, worker_id: str, cursor: str | None = None, limit: int | None = None
) -> PullResponse:
    params: dict[str, str | int] = {}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    response = client.get(f"/v1/workers/{worker_id}/pull", params=params)
    assert response.status_code == 200, response.text
    return PullResponse.model_validate_json(response.content)


def pull_all(
    client: httpx.Client, worker_id: str, cursor: str | None = None
) -> tuple[str, list[PullResponse]]:
    """Follow has_more to the end (bounded); returns the final cursor and every page."""
    pages = []
    for _ in range(1000):
        page = pull(client, worker_id, cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.has_more:
            return cursor, pages
    raise AssertionError("pull never ended")
