"""NAR-IMMUTABLE in the database itself: triggers refuse changes to final contacts, amendments, approvals and
the audit log, whatever path (app, sync, a raw SQL session with the key) the change comes through.

On a final (or frozen) contact only the forward state change final -> synced -> approved and the sync
bookkeeping columns (synced_at, approval_id, sync_refusal, updated_at) may change.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_RANK = "CASE {0}.state WHEN 'draft' THEN 0 WHEN 'final' THEN 1 WHEN 'synced' THEN 2 ELSE 3 END"

STATEMENTS = [
    f"""CREATE TRIGGER contacts_final_content_immutable
        BEFORE UPDATE ON contacts
        WHEN OLD.state <> 'draft' OR OLD.frozen_reason IS NOT NULL
        BEGIN
          SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a final or frozen contact cannot be changed')
          WHERE NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind OR NEW.context_id IS NOT OLD.context_id
             OR NEW.body IS NOT OLD.body OR NEW.content_hash IS NOT OLD.content_hash
             OR NEW.business_day IS NOT OLD.business_day OR NEW.first_saved_at IS NOT OLD.first_saved_at
             OR NEW.finalized_at IS NOT OLD.finalized_at
             OR NEW.previous_contact_id IS NOT OLD.previous_contact_id
             OR NEW.frozen_reason IS NOT OLD.frozen_reason
             OR NEW.flagged_for_supervisor IS NOT OLD.flagged_for_supervisor
             OR ({_RANK.format("NEW")}) < ({_RANK.format("OLD")})
             OR (OLD.state = 'draft' AND NEW.state <> 'draft');
        END""",
    """CREATE TRIGGER contacts_draft_moves_only_to_final
        BEFORE UPDATE OF state ON contacts
        WHEN OLD.state = 'draft' AND NEW.state NOT IN ('draft', 'final')
        BEGIN
          SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a draft becomes final before it can be synced or approved');
        END""",
    """CREATE TRIGGER contacts_final_needs_finalized_at
        BEFORE UPDATE OF state ON contacts
        WHEN NEW.state <> 'draft' AND NEW.finalized_at IS NULL
        BEGIN
          SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a final contact carries the time it was finalized');
        END""",
    """CREATE TRIGGER contacts_final_not_deleted
        BEFORE DELETE ON contacts
        WHEN OLD.state <> 'draft' OR OLD.frozen_reason IS NOT NULL
        BEGIN
          SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a final or frozen contact cannot be deleted');
        END""",
    """CREATE TRIGGER amendments_append_only_update
        BEFORE UPDATE ON amendments
        BEGIN SELECT RAISE(ABORT, 'NAR-AMEND: an amendment is append-only and cannot be changed'); END""",
    """CREATE TRIGGER amendments_append_only_delete
        BEFORE DELETE ON amendments
        BEGIN SELECT RAISE(ABORT, 'NAR-AMEND: an amendment is append-only and cannot be deleted'); END""",
    """CREATE TRIGGER approvals_immutable_update
        BEFORE UPDATE ON approvals
        BEGIN SELECT RAISE(ABORT, 'SUP-REVIEW: an approval cannot be changed'); END""",
    """CREATE TRIGGER approvals_immutable_delete
        BEFORE DELETE ON approvals
        BEGIN SELECT RAISE(ABORT, 'SUP-REVIEW: an approval cannot be deleted'); END""",
    """CREATE TRIGGER audit_log_append_only_update
        BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    """CREATE TRIGGER audit_log_append_only_delete
        BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
]

TRIGGERS = [
    "contacts_final_content_immutable",
    "contacts_draft_moves_only_to_final",
    "contacts_final_needs_finalized_at",
    "contacts_final_not_deleted",
    "amendments_append_only_update",
    "amendments_append_only_delete",
    "approvals_immutable_update",
    "approvals_immutable_delete",
    "audit_log_append_only_update",
    "audit_log_append_only_delete",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
