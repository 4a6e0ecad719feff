"""Reference data versions kept in the fund database: the files exactly as loaded, the latest one in force.

Keeping the files (not only their parsed rows) means an explanation can always say which version of which list a
decision used, and a later official drop never rewrites history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.reference import ReferenceSet, load_reference_files
from tierspayant.schemes.lu_kin.store.fund.models import ReferenceFile, ReferenceVersion


def store_reference(session: Session, reference: ReferenceSet, now: datetime) -> bool:
    """Record ``reference`` as the version in force; returns False when that exact version was already stored."""
    existing = session.scalar(select(ReferenceVersion).where(ReferenceVersion.version == reference.version))
    if existing is not None:
        existing.loaded_at = now  # loading it again puts it back in force
        return False
    version = ReferenceVersion(
        version=reference.version, source=reference.source[:500], sample=reference.sample, loaded_at=now
    )
    session.add(version)
    session.flush()
    session.add_all(ReferenceFile(version_id=version.id, name=n, content=t) for n, t in reference.files.items())
    return True


def current_version(session: Session) -> str | None:
    return session.scalar(
        select(ReferenceVersion.version).order_by(ReferenceVersion.loaded_at.desc(), ReferenceVersion.id.desc())
    )


def load_version(session: Session, version: str) -> ReferenceSet:
    row = session.scalar(select(ReferenceVersion).where(ReferenceVersion.version == version))
    if row is None:
        raise LookupError(f"reference version {version} is not in this database")
    rows = session.execute(select(ReferenceFile.name, ReferenceFile.content).where(ReferenceFile.version_id == row.id))
    files = {name: content for name, content in rows}
    return load_reference_files(files, source=row.source)
