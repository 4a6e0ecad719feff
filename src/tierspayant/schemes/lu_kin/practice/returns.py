"""Import a return file from the fund (RETAUT or RETFAC): name, hostile-input and XSD checks, then one transaction.

Importing the same file twice changes nothing the second time (recognised by its SHA-256). A file that does not fit
what the practice sent (unknown reference, request or line) is refused whole, with the findings saying where.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.models import Retaut, Retfac
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.reader import read_file, validate_file
from tierspayant.schemes.lu_kin.practice import exchange
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.requests import import_retaut
from tierspayant.schemes.lu_kin.practice.returns_summary import ImportSummary
from tierspayant.schemes.lu_kin.practice.settlement import import_retfac
from tierspayant.schemes.lu_kin.store.practice.models import ExchangeFile, Physiotherapist, Practice

RETURN_TYPES = ("RETAUT", "RETFAC")
MAX_RETURN_BYTES = 512 * 1024 * 1024


def import_return(db: Session, path: Path, now: datetime) -> ImportSummary:
    name = path.name
    if not path.is_file():
        refuse("PRA-RETURN-MISSING", f"{path} is not a file", file=name)
    if path.stat().st_size > MAX_RETURN_BYTES:
        refuse("PRA-RETURN-SIZE", "larger than 512 MB: not a return file of one practice", file=name)
    file_name = KinFileName.parse(name)
    if file_name.file_type not in RETURN_TYPES:
        refuse(
            "PRA-RETURN-TYPE",
            f"a {file_name.file_type} is not a return file: import RETAUT or RETFAC files",
            file=name,
            location="file type (part 3)",
        )
    data = path.read_bytes()
    known = exchange.already_imported(db, data)
    if known is not None:
        return ImportSummary(file_name=name, file_type=file_name.file_type, status="already imported")
    if db.scalar(select(ExchangeFile).where(ExchangeFile.name == name)) is not None:
        refuse(
            "PRA-RETURN-NAME-REUSED",
            "a different file with this name was already imported; ask the CNS which one is right",
            file=name,
        )
    try:  # the bytes already read and hashed: the file on disk may change meanwhile
        model = read_file(data, name)
    except FindingsError as error:  # one pass when the file is good; every problem listed when it is not
        raise FindingsError(validate_file(data, name) or error.findings) from None
    if not isinstance(model, Retaut | Retfac) or model.header.file_type != file_name.file_type:
        refuse("PRA-RETURN-TYPE", f"the name says {file_name.file_type}, the content is another file type", file=name)
    facturier = model.header.billing_provider
    if facturier != file_name.provider_code:
        refuse(
            "PRA-RETURN-MISMATCH",
            f"the name names provider {file_name.provider_code}, the header facturier {facturier}",
            file=name,
            location=f"/{file_name.file_type}/Entete/Facturier",
        )
    if facturier not in practice_facturiers(db):
        refuse("PRA-RETURN-NOT-OURS", f"facturier {facturier} is not a code of this practice", file=name)
    row = exchange.record(
        db,
        name=name,
        file_type=file_name.file_type,
        direction="in",
        facturier=facturier,
        reference=model.header.reference,
        data=data,
        path=path,
        now=now,
    )
    summary = ImportSummary(file_name=name, file_type=file_name.file_type, status="imported")
    if isinstance(model, Retaut):
        import_retaut(db, model, row, summary)
    else:
        import_retfac(db, model, row, summary)
    return summary


def practice_facturiers(db: Session) -> set[str]:
    codes = set(db.scalars(select(Physiotherapist.code)))
    codes.update(code for code in db.scalars(select(Practice.facturier_code)) if code)
    return codes
