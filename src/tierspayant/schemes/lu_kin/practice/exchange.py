"""Exchange files as the practice records them: references, names, the SHA-256 that recognises a re-import, and
outgoing files written next to their final name and moved into place only after the database commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.store.practice.models import ExchangeFile


@dataclass(frozen=True)
class PendingFile:
    """A file to publish once the transaction that recorded it has committed."""

    path: Path
    data: bytes

    @property
    def staging(self) -> Path:
        return self.path.with_name(self.path.name + ".part")

    def stage(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.staging.write_bytes(self.data)

    def publish(self) -> None:
        self.staging.replace(self.path)

    def discard(self) -> None:
        self.staging.unlink(missing_ok=True)


@dataclass(frozen=True)
class ExchangeFileRecord:
    name: str
    file_type: str
    direction: str  # out (built here) | in (imported)
    facturier_code: str
    reference: str
    recorded_at: datetime
    path: str
    returned_untreated: bool
    payment_due_date: date | None


def list_files(db: Session) -> list[ExchangeFileRecord]:
    return [
        ExchangeFileRecord(
            f.name,
            f.file_type,
            f.direction,
            f.facturier_code,
            f.reference,
            f.recorded_at,
            f.path,
            f.returned_untreated,
            f.payment_due_date,
        )
        for f in db.scalars(select(ExchangeFile).order_by(ExchangeFile.id))
    ]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def next_reference(db: Session, file_type: str, facturier: str, send_date: date) -> str:
    """The provider's unique reference for a new file: ``{TYPE}-{YYYYMMDD}-{n}`` (≤ 30 characters, no ``_``)."""
    prefix = f"{file_type}-{send_date:%Y%m%d}-"
    count = db.scalar(
        select(func.count())
        .select_from(ExchangeFile)
        .where(ExchangeFile.facturier_code == facturier, ExchangeFile.reference.startswith(prefix))
    )
    return f"{prefix}{int(count or 0) + 1}"


def file_name(
    file_type: str, facturier: str, year: int, month: int, send_date: date, reference: str, layout: str = "01"
) -> KinFileName:
    return KinFileName(
        layout=layout,
        provider_code=facturier,
        year=year,
        month=month,
        file_type=file_type,
        send_date=send_date,
        reference=reference,
    )


def record(
    db: Session,
    *,
    name: str,
    file_type: str,
    direction: str,
    facturier: str,
    reference: str,
    data: bytes,
    path: Path,
    now: datetime,
) -> ExchangeFile:
    row = ExchangeFile(
        name=name,
        file_type=file_type,
        direction=direction,
        facturier_code=facturier,
        reference=reference,
        sha256=sha256(data),
        path=str(path),
        recorded_at=now,
    )
    db.add(row)
    db.flush()
    return row


def already_imported(db: Session, data: bytes) -> ExchangeFile | None:
    return db.scalar(select(ExchangeFile).where(ExchangeFile.sha256 == sha256(data)))


def sent_file(db: Session, file_type: str, facturier: str, reference: str) -> ExchangeFile | None:
    return db.scalar(
        select(ExchangeFile).where(
            ExchangeFile.file_type == file_type,
            ExchangeFile.facturier_code == facturier,
            ExchangeFile.reference == reference,
            ExchangeFile.direction == "out",
        )
    )
