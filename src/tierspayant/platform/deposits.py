"""The register of deposits: every file that entered a mailbox, its state and what the fund engine answered."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tierspayant.core.findings import Finding
from tierspayant.platform.sftp.mailbox import CompletedUpload
from tierspayant.platform.store.models import Deposit
from tierspayant.store.database import transaction


class DepositStatus(StrEnum):
    RECEIVED = "received"  # complete in in/, waiting for the worker
    PROCESSING = "processing"
    ACCEPTED = "accepted"
    REFUSED = "refused"  # returned untreated, with the reasons
    DUPLICATE = "duplicate"  # the same file was already processed
    ERROR = "error"  # the engine failed; the file is kept for the fund's staff


FINAL_STATUSES = frozenset(
    {DepositStatus.ACCEPTED, DepositStatus.REFUSED, DepositStatus.DUPLICATE, DepositStatus.ERROR}
)


class DepositInfo(BaseModel):
    """A deposit as the API and the pages show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    mailbox: str
    name: str
    size: int
    sha256: str
    channel: str
    depositor: str | None
    received_at: datetime
    status: DepositStatus
    file_type: str | None
    processed_at: datetime | None
    summary: dict[str, Any]
    findings: list[dict[str, Any]]
    written: list[str]


class DepositStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, upload: CompletedUpload, channel: str, depositor: str | None) -> int:
        """Register a complete upload (called just before it becomes visible in ``in/``)."""
        with transaction(self._sessions) as session:
            row = Deposit(
                mailbox=upload.mailbox,
                name=upload.name,
                size=upload.size,
                sha256=upload.sha256,
                channel=channel,
                depositor=depositor,
                status=DepositStatus.RECEIVED.value,
                summary={},
                findings=[],
                written=[],
            )
            session.add(row)
            session.flush()
            return row.id

    def claim(self, upload: CompletedUpload) -> DepositInfo:
        """Mark the waiting deposit for this file as being processed (registering it if it came in another way)."""
        with transaction(self._sessions) as session:
            row = session.scalar(
                select(Deposit)
                .where(
                    Deposit.mailbox == upload.mailbox,
                    Deposit.name == upload.name,
                    Deposit.status == DepositStatus.RECEIVED.value,
                )
                .order_by(Deposit.id.desc())
                .limit(1)
            )
            if row is None:
                row = Deposit(
                    mailbox=upload.mailbox,
                    name=upload.name,
                    size=upload.size,
                    sha256=upload.sha256,
                    channel="disk",
                    depositor=None,
                    summary={},
                    findings=[],
                    written=[],
                )
                session.add(row)
            row.status = DepositStatus.PROCESSING.value
            session.flush()
            return DepositInfo.model_validate(row)

    def finish(
        self,
        deposit_id: int,
        status: DepositStatus,
        file_type: str | None,
        summary: dict[str, Any],
        findings: list[Finding],
        written: list[str],
    ) -> None:
        with transaction(self._sessions) as session:
            row = session.get_one(Deposit, deposit_id)
            row.status = status.value
            row.file_type = file_type
            row.summary = summary
            row.findings = [f.to_dict() for f in findings]
            row.written = written
            row.processed_at = datetime.now(UTC)

    def interrupted(self) -> list[DepositInfo]:
        """Deposits left in ``processing`` by a stop in the middle of a file (the worker runs them again)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Deposit).where(Deposit.status == DepositStatus.PROCESSING.value).order_by(Deposit.id)
            )
            return [DepositInfo.model_validate(r) for r in rows]

    def get(self, deposit_id: int) -> DepositInfo | None:
        with self._sessions() as session:
            row = session.get(Deposit, deposit_id)
            return None if row is None else DepositInfo.model_validate(row)

    def list(
        self,
        mailboxes: list[str] | None = None,
        status: DepositStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[DepositInfo]:
        """Newest first; ``mailboxes=None`` means all (fund side), an empty list means none."""
        query = select(Deposit).order_by(Deposit.id.desc()).limit(limit).offset(offset)
        if mailboxes is not None:
            if not mailboxes:
                return []
            query = query.where(Deposit.mailbox.in_(mailboxes))
        if status is not None:
            query = query.where(Deposit.status == status.value)
        with self._sessions() as session:
            return [DepositInfo.model_validate(r) for r in session.scalars(query)]

    def counts_by_status(self) -> dict[str, int]:
        with self._sessions() as session:
            rows = session.execute(select(Deposit.status, func.count()).group_by(Deposit.status)).all()
            return {status: count for status, count in rows}
