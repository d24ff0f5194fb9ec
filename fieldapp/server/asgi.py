"""The ASGI application built from environment settings, for server processes started by uvicorn's
multi-process supervisor (`fieldapp-server serve --workers N`), which imports the app by name in each
worker. The parent has already migrated the database and loaded any demo data."""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from fieldapp.domain.codetables import load_codetables
from fieldapp.server.api import ServerState, create_app
from fieldapp.server.auth import FailureLimiter
from fieldapp.server.db import Database

ENV_DATABASE = "FIELDAPP_SERVER_DATABASE"
ENV_LIMIT = "FIELDAPP_SERVER_AUTH_FAILURE_LIMIT"
ENV_WINDOW = "FIELDAPP_SERVER_AUTH_FAILURE_WINDOW"
ENV_THREADS = "FIELDAPP_SERVER_THREADS"
ENV_DOCS = "FIELDAPP_SERVER_PUBLIC_DOCS"
ENV_CONSOLE_IDLE = "FIELDAPP_SERVER_CONSOLE_IDLE_MINUTES"


YOUNG_GENERATION_THRESHOLD = 50_000
"""Allocations between two collections of the youngest generation, in a serving process (CPython: 700)."""


def tune_collector() -> None:
    """Collect the youngest generation less often in a process that serves requests.

    A console page or a push builds many short-lived container objects (measure results, parsed records).
    With CPython's default threshold they are still alive at several young collections while the request
    runs, get promoted, and soon set off a full collection that walks the whole heap: the libraries and the
    records the console keeps parsed. Every other dashboard paid for one. Raising only the first threshold
    keeps the collector on (cyclic garbage is still collected, and a young collection stays cheap) while
    requests no longer promote their temporaries. Called once by the serving process (`serve`, and each of
    its `--workers`), never on import, so tests and the laptop app keep Python's defaults.
    """
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


def per_process_limit(limit: int, workers: int) -> int:
    """Failed authentications each of `workers` processes allows, so that together they allow at most
    `limit` (+ rounding) per window: the counts are per process, and a guesser's connections are spread
    over all of them. Stricter for one address that lands on one process, never looser."""
    return max(1, -(-limit // max(1, workers)))


def build_app(
    database: str,
    failure_limit: int,
    failure_window: float,
    threads: int = 0,
    public_docs: bool = True,
    console_idle_minutes: float = 30.0,
) -> FastAPI:
    db = Database(database)
    state = ServerState(
        db=db,
        tables=load_codetables(),
        limiter=FailureLimiter(failure_limit, failure_window),
        server_id=db.server_id(),
        threads=threads,
        public_docs=public_docs,
        console_idle_minutes=console_idle_minutes,
    )
    return create_app(state)


def app_from_env() -> FastAPI:
    """Each worker process has its own connections and its own failed-authentication counts (the parent
    gives each its share of the limit: per_process_limit)."""
    tune_collector()
    return build_app(
        os.environ[ENV_DATABASE],
        int(os.environ.get(ENV_LIMIT, "20")),
        float(os.environ.get(ENV_WINDOW, "60")),
        int(os.environ.get(ENV_THREADS, "0")),
        os.environ.get(ENV_DOCS, "0") == "1",
        float(os.environ.get(ENV_CONSOLE_IDLE, "30")),
    )
