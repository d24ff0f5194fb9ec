"""Releases: every copy of a case file's contacts given outside the agency, who made it and what it held
(counts only, never the withheld entries' content). Append-only like the audit log it is chained into.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("matter_id", sa.String(length=64), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=False),
        sa.Column("released_count", sa.Integer(), nullable=False),
        sa.Column("withheld_count", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
    )
    op.create_index(op.f("ix_releases_matter_id"), "releases", ["matter_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER releases_no_{event.lower()} BEFORE {event} ON releases "
                "BEGIN SELECT RAISE(ABORT, 'releases rows are append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER releases_immutable BEFORE UPDATE OR DELETE ON releases "
            "FOR EACH ROW EXECUTE FUNCTION fieldapp_immutable()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER releases_no_{event}")
    else:
        op.execute("DROP TRIGGER releases_immutable ON releases")
    op.drop_index(op.f("ix_releases_matter_id"), table_name="releases")
    op.drop_table("releases")
