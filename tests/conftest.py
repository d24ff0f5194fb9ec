"""Session-wide test settings: headless Qt, a test keyring, the agency clock fixed where a test asks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FIELDAPP_TESTING", "1")

# Shared fixtures (a private PostgreSQL cluster, a database per backend): see tests/support/fixtures.py.
from tests.support.fixtures import postgres_cluster, server_database  # noqa: F401
