"""Index the outbox by what sync asks of it: the rows still pending, and a record's row by its ID.

Every synced contact keeps its outbox row (the sync bookkeeping), so after months of use the outbox holds
every contact the laptop ever made; without these indexes each sync batch and every pending count in the
status bar scanned all of it.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_outbox_pending ON outbox (seq) WHERE synced_at IS NULL AND refused_at IS NULL"
    )
    op.execute("CREATE INDEX ix_outbox_record ON outbox (record_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_outbox_record")
    op.execute("DROP INDEX ix_outbox_pending")
