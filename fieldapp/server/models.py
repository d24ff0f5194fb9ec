"""The office server's tables. Records travel and are stored as canonical JSON of the domain models (one
definition of a contact everywhere); the columns beside the JSON exist to find, authorize and order them.

Every table here is created by an Alembic migration in fieldapp/server/migrations; a test checks that the
migrations and these models agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite so that an integer primary key is its rowid (autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both SQLite (which has no zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the server database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Server facts: its id (a cursor from another database is unknown), the audit chain head."""

    __tablename__ = "server_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(200), index=True)
    record: Mapped[str] = mapped_column(Text, doc="Canonical JSON of the Worker record.")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class MatterRow(Base):
    """A referral or case from the caseload feed, with the worker it is assigned to now."""

    __tablename__ = "matters"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    assigned_worker_id: Mapped[str] = mapped_column(String(64), index=True)
    record: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Assignment(Base):
    """Every worker a matter was ever assigned to: a contact made before a reassignment still syncs."""

    __tablename__ = "assignments"
    matter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ContactRow(Base):
    """An accepted final contact: written once, never updated or deleted (NAR-IMMUTABLE)."""

    __tablename__ = "contacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    context_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7), doc="YYYY-MM of the start, agency time zone.")
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)
    device_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_contacts_worker_month", "worker_id", "month"),)


class FrozenDraftRow(Base):
    """NAR-SAMEDAY policy exception reported by a laptop: a draft frozen incomplete at the end of its
    business day. Written once, never updated or deleted (the text as it stood is evidence)."""

    __tablename__ = "frozen_drafts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="The contact's client-made ID.")
    worker_id: Mapped[str] = mapped_column(String(64))
    context_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7), doc="YYYY-MM of the start, agency time zone.")
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text, doc="Canonical JSON of the FrozenDraft document.")
    device_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_frozen_drafts_worker_month", "worker_id", "month"),)


class AmendmentRow(Base):
    """NAR-AMEND: append-only; the contact it amends is never touched."""

    __tablename__ = "amendments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    modifier_id: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApprovalRow(Base):
    """SUP-REVIEW: who approved which worker's contacts, and when."""

    __tablename__ = "approvals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    approved_by: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    record: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApprovalItem(Base):
    __tablename__ = "approval_items"
    approval_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Refusal(Base):
    """A pushed contact the server refused (its findings, never its narrative), so that pull can tell a
    laptop that lost the push reply."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64))
    worker_id: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text, doc="ItemResult JSON: id, hash, findings.")
    refused_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("contact_id", "content_hash", name="uq_refusals_contact_hash"),)


class FeedEntry(Base):
    """What changed for whom, in commit order: the pull cursor is a position in this feed."""

    __tablename__ = "feed"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), doc="caseload | approval | amendment | refusal")
    ref_id: Mapped[str] = mapped_column(String(64))
    # AUTOINCREMENT on SQLite: a superseded (deleted) last entry's number is never handed out again.
    __table_args__ = (Index("ix_feed_worker_seq", "worker_id", "seq"), {"sqlite_autoincrement": True})


class AuditEntry(Base):
    """Tamper-evident log of every write: each entry hashes its content and its predecessor's hash."""

    __tablename__ = "audit"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    record_kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class DeviceChainEntry(Base):
    """One entry of a laptop's audit chain as it stood when the laptop synced (sequence number and hash):
    the anchor its later chain must still extend."""

    __tablename__ = "device_chain"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    entry_hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReleaseRow(Base):
    """A copy of a referral's/case's contacts given outside the agency: who, when, how many entries released
    and withheld (NAR-PRIVILEGE). Append-only; its audit entry chains it into the tamper-evident log."""

    __tablename__ = "releases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(64), index=True)
    released_by: Mapped[str] = mapped_column(String(64))
    released_count: Mapped[int] = mapped_column(Integer)
    withheld_count: Mapped[int] = mapped_column(Integer)
    record: Mapped[str] = mapped_column(Text, doc="Canonical JSON: case, period, counts, withheld IDs.")
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffPassword(Base):
    """A supervisor's or manager's console password, as an Argon2id hash (never the password itself)."""

    __tablename__ = "staff_passwords"
    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsoleSession(Base):
    """A signed-in console session: the cookie holds a random secret, the database only its SHA-256.

    Kept in the database (not in memory) so that every server process (`--workers N`) knows it, and so
    that signing out, a new password or the idle timeout ends it for good."""

    __tablename__ = "console_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(64), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
