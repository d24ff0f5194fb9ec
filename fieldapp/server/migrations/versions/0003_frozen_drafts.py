"""Frozen drafts: NAR-SAMEDAY policy exceptions reported by the laptops, for the supervisors (SUP-ALERTS).
Immutable like contacts (NAR-IMMUTABLE): the text as it stood when its day ended is evidence.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frozen_drafts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("context_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_drafts")),
    )
    op.create_index("ix_frozen_drafts_worker_month", "frozen_drafts", ["worker_id", "month"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER frozen_drafts_no_{event.lower()} BEFORE {event} ON frozen_drafts "
                "BEGIN SELECT RAISE(ABORT, 'frozen_drafts rows are immutable (NAR-IMMUTABLE)'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER frozen_drafts_immutable BEFORE UPDATE OR DELETE ON frozen_drafts "
            "FOR EACH ROW EXECUTE FUNCTION fieldapp_immutable()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER frozen_drafts_no_{event}")
    else:
        op.execute("DROP TRIGGER frozen_drafts_immutable ON frozen_drafts")
    op.drop_index("ix_frozen_drafts_worker_month", table_name="frozen_drafts")
    op.drop_table("frozen_drafts")
