"""Alembic environment for the office server; run through fieldapp.server.migrate, not alembic.ini."""

from __future__ import annotations

from alembic import context

from fieldapp.server.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
