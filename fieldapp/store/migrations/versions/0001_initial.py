"""The first profile schema: caseload, contacts, amendments, approvals, audit log, outbox, sync state.

Revision ID: 0001
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TABLE caseload (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE contacts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        context_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('draft', 'final', 'synced', 'approved')),
        body TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        business_day TEXT NOT NULL,
        first_saved_at TEXT NOT NULL,
        finalized_at TEXT,
        previous_contact_id TEXT,
        frozen_reason TEXT,
        flagged_for_supervisor INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        synced_at TEXT,
        approval_id TEXT,
        sync_refusal TEXT)""",
    "CREATE INDEX contacts_by_matter ON contacts (context_id, first_saved_at)",
    "CREATE INDEX contacts_by_state ON contacts (state, business_day)",
    """CREATE TABLE amendments (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id),
        body TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX amendments_by_contact ON amendments (contact_id)",
    """CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL)""",
    """CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        record_kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        entry_hash TEXT NOT NULL)""",
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('contact', 'amendment')),
        record_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        synced_at TEXT,
        refused_at TEXT,
        refusal TEXT,
        UNIQUE (kind, record_id))""",
    """CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("sync_state", "outbox", "audit_log", "approvals", "amendments", "contacts", "caseload"):
        op.execute(f"DROP TABLE {table}")
