"""The retry policy on its own: exponential ceiling with full jitter, transient vs permanent, cancel."""

from __future__ import annotations

import random
import threading

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldapp.sync.retry import (
    Backoff,
    Cancelled,
    NotAuthorized,
    RetriesExhausted,
    ServerRefused,
    TransientError,
    classify,
)


@given(
    base=st.floats(0.001, 5),
    factor=st.floats(1.0, 4),
    cap=st.floats(0.01, 60),
    attempt=st.integers(0, 40),
    seed=st.integers(0, 2**32),
)
def test_delay_stays_under_the_exponential_ceiling_and_the_cap(
    base: float, factor: float, cap: float, attempt: int, seed: int
) -> None:
    backoff = Backoff(base=base, factor=factor, cap=cap, rng=random.Random(seed))
    assert 0.0 <= backoff.delay(attempt) <= min(cap, base * factor**attempt)


def test_delays_are_jittered_so_laptops_do_not_retry_in_lock_step() -> None:
    a, b = Backoff(rng=random.Random(1)), Backoff(rng=random.Random(2))
    assert [a.delay(5) for _ in range(5)] != [b.delay(5) for _ in range(5)]
    ceilings = [min(30.0, 0.5 * 2**n) for n in range(8)]
    assert ceilings == sorted(ceilings)  # the ceiling grows until the cap


def _response(code: int) -> httpx.Response:
    return httpx.Response(
        code, json={"error": "x", "message": f"said {code}"}, request=httpx.Request("GET", "http://x")
    )


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_5xx_is_transient(code: int) -> None:
    assert isinstance(
        classify(
            httpx.HTTPStatusError("", request=httpx.Request("GET", "http://x"), response=_response(code))
        ),
        TransientError,
    )


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 413, 422, 429])
def test_4xx_is_permanent_and_says_what_the_server_said(code: int) -> None:
    error = classify(
        httpx.HTTPStatusError("", request=httpx.Request("GET", "http://x"), response=_response(code))
    )
    assert isinstance(error, ServerRefused) and not isinstance(error, TransientError)
    assert error.status_code == code and f"said {code}" in str(error)
    assert isinstance(error, NotAuthorized) is (code in (401, 403))


def test_call_stops_at_the_first_permanent_error() -> None:
    calls = []

    def op() -> None:
        calls.append(1)
        raise ServerRefused(422, "no")

    with pytest.raises(ServerRefused):
        Backoff(base=0.001, max_attempts=5).call(op, threading.Event())
    assert len(calls) == 1


def test_call_retries_transient_errors_up_to_max_attempts() -> None:
    calls, waits = [], []

    def op() -> None:
        calls.append(1)
        raise httpx.ConnectError("refused")

    with pytest.raises(RetriesExhausted):
        Backoff(base=0.001, cap=0.002, max_attempts=4).call(
            op, threading.Event(), lambda attempt, _error, wait: waits.append((attempt, wait))
        )
    assert len(calls) == 4 and [a for a, _ in waits] == [1, 2, 3]


def test_a_cancelled_event_stops_before_the_first_try() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        Backoff().call(lambda: pytest.fail("must not run"), cancel)
