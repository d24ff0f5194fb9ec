"""The schema revisions this app knows, oldest first; the last is the one it writes.

Plain constants (no SQLAlchemy, no Alembic) so the first paint's read-only check (fieldapp.store.quick_read)
can tell a current profile from one that must be migrated first. tests/store/test_migrations.py checks that
KNOWN_REVISIONS matches the migration scripts.
"""

KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005")
HEAD = KNOWN_REVISIONS[-1]
