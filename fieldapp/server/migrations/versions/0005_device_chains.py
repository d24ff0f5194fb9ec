"""Each laptop's audit chain, as anchored at its syncs: the sequence number and hash of every entry. A
laptop's chain that no longer extends what was anchored here (an entry rewritten, removed or the tail cut)
is reported, naming the first entry that differs. Append-only: an anchor is evidence.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_chain",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_device_chain")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER device_chain_no_{event.lower()} BEFORE {event} ON device_chain "
                "BEGIN SELECT RAISE(ABORT, 'device_chain rows are append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER device_chain_immutable BEFORE UPDATE OR DELETE ON device_chain "
            "FOR EACH ROW EXECUTE FUNCTION fieldapp_immutable()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER device_chain_no_{event}")
    else:
        op.execute("DROP TRIGGER device_chain_immutable ON device_chain")
    op.drop_table("device_chain")
