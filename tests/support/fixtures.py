"""pytest fixtures over tests/support: a session PostgreSQL cluster and a database URL per backend.

Imported by tests/conftest.py so every area can use them:

    def test_something(server_database):      # runs twice: a SQLite file and a fresh PostgreSQL database
        with ServerProcess.start(tmp_path, database=server_database) as server: ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.pg import PostgresCluster, PostgresMissing

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster, stopped afterwards; FAILS the test (never skips) if PostgreSQL is
    missing: the test command installs it."""
    try:
        cluster = PostgresCluster.start()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One private PostgreSQL cluster for the whole session."""
    with running_cluster() as cluster:
        yield cluster


def database_for(backend: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty server database: a SQLite file in `folder`, or a new database in the cluster."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / "server.db")
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()


@pytest.fixture(params=BACKENDS)
def server_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_for(request.param, tmp_path / "db", request)
