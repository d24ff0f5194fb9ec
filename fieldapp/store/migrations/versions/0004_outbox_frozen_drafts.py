"""The outbox also carries frozen drafts: NAR-SAMEDAY policy exceptions reported once to the office so the
supervisor sees them (SUP-ALERTS). SQLite cannot alter a CHECK constraint, so the table is rebuilt with
its rows, sequence and indexes.

Drafts frozen before this version are not queued here: their report needs the same document the app builds
when it freezes one, and a migration must not depend on application code that changes. The app queues them
the next time it closes ended days (`SqlContactService.close_ended_days`).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLE = """CREATE TABLE {name} (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ({kinds})),
        record_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        synced_at TEXT,
        refused_at TEXT,
        refusal TEXT,
        UNIQUE (kind, record_id))"""
_COLUMNS = "seq, kind, record_id, content_hash, queued_at, synced_at, refused_at, refusal"


def _rebuild(kinds: str, keep: str) -> None:
    op.execute("DROP INDEX ix_outbox_record")
    op.execute("DROP INDEX ix_outbox_pending")
    op.execute(_TABLE.format(name="outbox_rebuilt", kinds=kinds))
    op.execute(f"INSERT INTO outbox_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM outbox WHERE {keep}")
    op.execute("DROP TABLE outbox")
    op.execute("ALTER TABLE outbox_rebuilt RENAME TO outbox")
    op.execute(
        "CREATE INDEX ix_outbox_pending ON outbox (seq) WHERE synced_at IS NULL AND refused_at IS NULL"
    )
    op.execute("CREATE INDEX ix_outbox_record ON outbox (record_id)")


def upgrade() -> None:
    _rebuild("'contact', 'amendment', 'frozen_draft'", "1")


def downgrade() -> None:
    _rebuild("'contact', 'amendment'", "kind IN ('contact', 'amendment')")
