"""Bring the server's database to the current schema (Alembic) and give it its identity."""

from __future__ import annotations

import secrets
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from fieldapp.server.db import Database
from fieldapp.server.models import Meta

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(db: Database) -> None:
    """Apply pending migrations, then make sure the server id and the audit chain head exist."""
    config = alembic_config()
    with db.write_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    with db.write() as w:
        existing = w.session.execute(select(Meta).where(Meta.key == "server_id")).scalar_one_or_none()
        if existing is None:
            w.session.add(Meta(key="server_id", value=secrets.token_hex(8)))
