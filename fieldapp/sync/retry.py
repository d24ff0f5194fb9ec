"""When to try a request again, and how long to wait first.

Only failures that can go away by themselves are retried: the network (connection refused or reset, a
dropped reply), timeouts, and 5xx answers. A 4xx means the server understood and said no; sending the same
request again would get the same answer, so it is reported at once. Retrying a push is always safe because
the server deduplicates by record ID and content hash.

Waits grow exponentially with "full jitter" (a uniform draw below the exponential ceiling), so a room of
laptops that lost the office network together do not come back in lock-step.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

T = TypeVar("T")


class SyncError(Exception):
    """Base of errors a sync reports to the worker; every message is written for a person."""


class TransientError(SyncError):
    """The request may succeed if tried again (network error, timeout, 5xx)."""


class ServerRefused(SyncError):
    """A 4xx: the server understood the request and said no. Never retried."""

    def __init__(self, status_code: int, message: str) -> None:
        self.status_code = status_code
        super().__init__(message)


class NotAuthorized(ServerRefused):
    """401/403: the device token is missing, revoked or not allowed; the laptop must be enrolled again."""


class RetriesExhausted(SyncError):
    """The server stayed unreachable (or kept failing) through every retry; the outbox keeps its records."""


class Cancelled(SyncError):
    """The worker cancelled the sync; nothing half-done is lost, the next sync carries on."""


class ProtocolViolation(SyncError):
    """The server's answer does not fit the wire protocol (e.g. a record missing from a push result)."""


def classify(exc: BaseException) -> SyncError:
    """Turn an httpx failure into transient (retry) or permanent (report) in domain words."""
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(f"The server did not answer in time ({type(exc).__name__}).")
    if isinstance(exc, httpx.TransportError):
        return TransientError(f"The server could not be reached ({type(exc).__name__}).")
    if isinstance(exc, httpx.HTTPStatusError):
        return for_status(exc.response)
    return SyncError(str(exc))


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        # The server's ErrorResponse says it in `message`; FastAPI's own errors in `detail`.
        for key in ("message", "detail"):
            if key in body:
                text = body[key]
                return text if isinstance(text, str) else str(text)[:200]
    return str(body)[:200]


def for_status(response: httpx.Response) -> SyncError:
    """The error for a non-2xx answer: 5xx is transient; every 4xx is permanent, 429 included (the server
    sends it only after repeated failed authentications, which no amount of retrying fixes)."""
    code = response.status_code
    if code >= 500:
        return TransientError(f"The server had a temporary problem (HTTP {code}).")
    if code in (401, 403):
        return NotAuthorized(
            code,
            f"The server did not accept this laptop's enrollment (HTTP {code}): {_detail(response)}. "
            "Enroll the laptop again with a new code from your administrator.",
        )
    return ServerRefused(code, f"The server refused the request (HTTP {code}): {_detail(response)}")


@dataclass
class Backoff:
    """Exponential backoff with full jitter: wait uniform(0, min(cap, base * factor**attempt))."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    max_attempts: int = 8
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """The wait before retry number `attempt` (0 = the wait after the first failure)."""
        ceiling = min(self.cap, self.base * self.factor**attempt)
        return self.rng.uniform(0.0, ceiling)

    def call(
        self,
        operation: Callable[[], T],
        cancel: threading.Event,
        on_retry: Callable[[int, SyncError, float], None] | None = None,
    ) -> T:
        """Run `operation`, retrying transient failures; raises the permanent error, Cancelled or
        RetriesExhausted. Waiting is done on `cancel`, so a cancel interrupts a long wait at once."""
        last: SyncError | None = None
        for attempt in range(self.max_attempts):
            if cancel.is_set():
                raise Cancelled("Sync cancelled.")
            try:
                return operation()
            except Exception as exc:
                error = classify(exc)
                if not isinstance(error, TransientError):
                    raise error from exc
                last = error
            if attempt + 1 == self.max_attempts:
                break
            wait = self.delay(attempt)
            if on_retry is not None:
                on_retry(attempt + 1, last, wait)
            if cancel.wait(wait):
                raise Cancelled("Sync cancelled.")
        raise RetriesExhausted(
            f"Gave up after {self.max_attempts} attempts: {last} Your records are safe in the outbox "
            "and will be sent at the next sync."
        )
