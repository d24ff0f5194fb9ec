"""The profile's tables as SQLAlchemy Core objects, for queries. The DDL itself lives in the Alembic
migrations (fieldapp/store/migrations/versions), which are the only thing that creates or changes tables."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, Text

metadata = MetaData()

caseload = Table(
    "caseload",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("context_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("business_day", Text, nullable=False),
    Column("first_saved_at", Text, nullable=False),
    Column("finalized_at", Text),
    Column("previous_contact_id", Text),
    Column("frozen_reason", Text),
    Column("flagged_for_supervisor", Integer, nullable=False, default=0),
    Column("updated_at", Text, nullable=False),
    # sync bookkeeping: the only columns that may change on a final contact
    Column("synced_at", Text),
    Column("approval_id", Text),
    Column("sync_refusal", Text),
)

amendments = Table(
    "amendments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("contact_id", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Text, primary_key=True),
    Column("body", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("record_kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("entry_hash", Text, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("queued_at", Text, nullable=False),
    Column("synced_at", Text),
    Column("refused_at", Text),
    Column("refusal", Text),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
