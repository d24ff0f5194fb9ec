"""Compare the laptop's audit chain with the copy anchored on the office server (for `fieldapp audit
verify`): every anchored entry must still be on the laptop with the same hash. The laptop alone cannot
show that its chain was recomputed from scratch or cut short; the anchors kept outside it can."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from fieldapp.sync.client import ANCHOR_PATH
from fieldapp.sync.protocol import ChainAnchor

PAGE = 5000


@dataclass(frozen=True, slots=True)
class AnchorVerdict:
    """ok None: the server could not be asked (the message says why); False: the chain was altered."""

    ok: bool | None
    message: str
    first_differing_seq: int | None = None


def compare(
    http: httpx.Client,
    worker_id: str,
    local_chain: Callable[[int, int], Sequence[tuple[int, str]]],
    last_local: int,
) -> AnchorVerdict:
    path = ANCHOR_PATH.format(worker_id=worker_id)
    after = 0
    anchored = 0
    try:
        while True:
            response = http.get(path, params={"after": after, "limit": PAGE})
            if response.status_code == 404:
                return AnchorVerdict(None, "the office server does not keep audit anchors (update it)")
            if response.status_code != 200:
                return AnchorVerdict(None, f"the office server answered HTTP {response.status_code}")
            page = ChainAnchor.model_validate_json(response.content)
            if not page.entries:
                break
            local = dict(local_chain(page.entries[0].seq, len(page.entries)))
            for entry in page.entries:
                mine = local.get(entry.seq)
                if mine is None:
                    return AnchorVerdict(
                        False,
                        f"entry #{entry.seq} was anchored on the office server but is no longer on this "
                        "laptop: the audit trail was cut short",
                        entry.seq,
                    )
                if mine != entry.entry_hash:
                    return AnchorVerdict(
                        False,
                        f"it differs from the copy anchored on the office server (the trail was rewritten "
                        f"from entry #{entry.seq} on)",
                        entry.seq,
                    )
            anchored = page.entries[-1].seq
            after = anchored
            if not page.has_more:
                break
    except httpx.HTTPError as error:
        return AnchorVerdict(None, f"the office server could not be reached ({type(error).__name__})")
    waiting = max(0, last_local - anchored)
    return AnchorVerdict(
        True,
        f"entries #1-#{anchored} match the copy anchored on the office server"
        + (f"; {waiting} made since the last sync are not anchored yet" if waiting else ""),
    )
