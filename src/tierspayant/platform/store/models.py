"""SQLAlchemy tables of the platform store (one Alembic tree: ``store/platform/migrations``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (SQLite has no time zones), always hands back an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the platform store; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


metadata = Base.metadata


class Account(Base):
    """A person or system that logs in: provider, assistant, fund agent or administrator."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # For a provider: the provider code (code prestataire) of its mailbox. Assistants act through delegations.
    provider_code: Mapped[str | None] = mapped_column(String(16), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Which kind of account in which scheme ("lu_kin.physiotherapist", "be_nursing.nurse"…); None: not said.
    kind: Mapped[str | None] = mapped_column(String(64))
    # The language the user chose for the pages ("fr", "de", "en", "nl"); None: the browser's, else the scheme's.
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    public_keys: Mapped[list[PublicKey]] = relationship(back_populates="account", cascade="all, delete-orphan")
    delegations: Mapped[list[Delegation]] = relationship(back_populates="assistant", cascade="all, delete-orphan")


class PublicKey(Base):
    """An SSH public key accepted for an account's SFTP login (OpenSSH one-line form)."""

    __tablename__ = "public_keys"
    __table_args__ = (UniqueConstraint("account_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    openssh: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="public_keys")


class Delegation(Base):
    """What a provider lets an assistant do in its name (e.g. prepare files but not send them)."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("assistant_id", "provider_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    provider_code: Mapped[str] = mapped_column(String(16))
    can_read: Mapped[bool] = mapped_column(Boolean, default=True)
    can_prepare: Mapped[bool] = mapped_column(Boolean, default=False)
    can_send: Mapped[bool] = mapped_column(Boolean, default=False)

    assistant: Mapped[Account] = relationship(back_populates="delegations")


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored (tokens are long random strings)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    account: Mapped[Account] = relationship()


class Mailbox(Base):
    """One provider's mailbox (``in/`` and ``out/``) with its limits."""

    __tablename__ = "mailboxes"

    provider_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    quota_bytes: Mapped[int] = mapped_column(BigInteger)
    max_file_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Deposit(Base):
    """A file deposited in a mailbox's ``in/`` and what the fund engine made of it."""

    __tablename__ = "deposits"
    __table_args__ = (Index("ix_deposits_mailbox_status", "mailbox", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))  # sftp | api | web
    depositor: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), index=True)
    file_type: Mapped[str | None] = mapped_column(String(10))
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    written: Mapped[list[str]] = mapped_column(JSON, default=list)


class AuditEvent(Base):
    """One access to personal data (or a security-relevant action): who, when, what."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))  # web | api | sftp | cli | worker
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(String(1000), default="")
