"""Fixtures of the practice tests: a fresh practice database (SQLite and PostgreSQL) behind the real facade."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

from .helpers import Clock

GROUP_FACTURIER = "11110001"
PHYSIO_A = "22220001"
PHYSIO_B = "22220002"
PHYSIO_C = "22220003"  # works in the practice but never declared in the group


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 3, 1, 9))


@pytest.fixture
def service(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[PracticeService]:
    practice = PracticeService(database_url, tmp_path / "documents", clock=clock)
    practice.init()
    yield practice
    practice.close()


@pytest.fixture
def group_practice(service: PracticeService) -> PracticeService:
    """A joint-invoicing group: facturier 11110001 (also a physiotherapist), members A and B; C is not declared."""
    service.setup_practice(
        PracticeInfo(
            name="Kiné Centre Gare",
            street="12, rue de Strasbourg",
            postal_code="2560",
            city="Luxembourg",
            invoicing_form=InvoicingForm.GROUP,
            facturier_code=GROUP_FACTURIER,
            opened_on=date(2020, 1, 1),
        )
    )
    service.add_physiotherapist(GROUP_FACTURIER, "Anne Muller")
    service.add_physiotherapist(PHYSIO_A, "Paul Weber")
    service.add_physiotherapist(PHYSIO_B, "Marie Schmit")
    service.add_physiotherapist(PHYSIO_C, "Luc Hoffmann")
    service.add_member(PHYSIO_A, date(2020, 1, 1))
    service.add_member(PHYSIO_B, date(2023, 6, 1))
    return service
