"""The migration trees match the models (no drift): eDocuments, the fund's reimbursement tables, and the doctor's
digital tables on the practice store; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from tierspayant.schemes.lu_doctors import DoctorsPractice
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault
from tierspayant.schemes.lu_doctors.fund.digital_store import FundDigitalStore
from tierspayant.schemes.lu_doctors.store.edocuments.models import Base as EDocumentsBase
from tierspayant.schemes.lu_doctors.store.practice import digital_models  # noqa: F401  (its tables join Base)
from tierspayant.schemes.lu_doctors.store.practice import models as practice_models
from tierspayant.schemes.lu_doctors.store.reimbursement.models import Base as FundBase


def _diff(engine: Any, metadata: MetaData, tables: set[str] | None = None) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        changes = compare_metadata(context, metadata)
    if tables is None:
        return [c for c in changes if "alembic_version" not in str(c)]
    return [c for c in changes if any(name in str(c) for name in tables)]


def test_edocuments_tree_matches_models(database_url: str) -> None:
    vault = EDocumentsVault(database_url)
    vault.init()
    assert _diff(vault.engine, EDocumentsBase.metadata) == []
    vault.engine.dispose()


def test_fund_tree_matches_models(database_url: str) -> None:
    store = FundDigitalStore(database_url)
    store.init()
    assert _diff(store.engine, FundBase.metadata) == []
    store.engine.dispose()


def test_practice_digital_tables_match_models(database_url: str) -> None:
    practice = DoctorsPractice(database_url)
    practice.init()
    mine = {"digital_choice", "assistant_right", "digital_fee_note"}
    assert mine <= set(practice_models.Base.metadata.tables)
    assert _diff(practice.engine, practice_models.Base.metadata, mine) == []
    practice.engine.dispose()
