"""Close the REPLACE and UPSERT paths around the immutability triggers of revision 0002.

SQLite's REPLACE conflict resolution (`REPLACE INTO`, `INSERT OR REPLACE`, `UPDATE OR REPLACE`) removes
the conflicting row without firing its delete triggers unless the connection turned `recursive_triggers`
on, and a connection holding the key chooses its own pragmas. So the refusal cannot live in the delete
triggers: these BEFORE INSERT triggers run before any conflict is resolved and refuse an insert whose key
already names an immutable row (a final or frozen contact, an amendment, an approval, an audit entry),
whatever conflict clause the statement carries. `INSERT ... ON CONFLICT DO UPDATE` is refused by the same
triggers (and its update would meet the 0002 update triggers). A contact's ID never changes, so
`UPDATE OR REPLACE` cannot move a draft onto a final contact's ID either.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TRIGGER contacts_final_not_replaced
        BEFORE INSERT ON contacts
        WHEN EXISTS (SELECT 1 FROM contacts AS old
                     WHERE old.id = NEW.id AND (old.state <> 'draft' OR old.frozen_reason IS NOT NULL))
        BEGIN
          SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a final or frozen contact cannot be replaced');
        END""",
    """CREATE TRIGGER contacts_id_fixed
        BEFORE UPDATE OF id ON contacts
        WHEN NEW.id IS NOT OLD.id
        BEGIN
          SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a contact keeps its ID');
        END""",
    """CREATE TRIGGER amendments_not_replaced
        BEFORE INSERT ON amendments
        WHEN EXISTS (SELECT 1 FROM amendments AS old WHERE old.id = NEW.id)
        BEGIN
          SELECT RAISE(ABORT, 'NAR-AMEND: an amendment is append-only and cannot be replaced');
        END""",
    """CREATE TRIGGER approvals_not_replaced
        BEFORE INSERT ON approvals
        WHEN EXISTS (SELECT 1 FROM approvals AS old WHERE old.id = NEW.id)
        BEGIN
          SELECT RAISE(ABORT, 'SUP-REVIEW: an approval cannot be replaced');
        END""",
    """CREATE TRIGGER audit_log_not_replaced
        BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log AS old WHERE old.seq = NEW.seq)
        BEGIN
          SELECT RAISE(ABORT, 'audit log is append-only: an entry cannot be replaced');
        END""",
]

TRIGGERS = [
    "contacts_final_not_replaced",
    "contacts_id_fixed",
    "amendments_not_replaced",
    "approvals_not_replaced",
    "audit_log_not_replaced",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
