"""The practice writes the newest KIN layout in force on the day it sends (cahier des charges art. 10 and 16): with
the SAMPLE reference lists, layout 01 until 31 December 2026 and layout 02 (with ``Logiciel``) from 1 January 2027."""

from __future__ import annotations

from datetime import date

import pytest

from tierspayant.schemes.lu_kin.practice.service import PracticeService

from .conftest import PHYSIO_A
from .fund_files import read_demaut
from .helpers import Clock
from .workflow import DUPONT, add_patients, prescription


@pytest.mark.parametrize(
    ("today", "layout", "software"),
    [(date(2026, 12, 31), "01", None), (date(2027, 1, 1), "02", "tierspayant 0.1.0")],
)
def test_the_demaut_is_written_in_the_layout_in_force(
    group_practice: PracticeService, clock: Clock, today: date, layout: str, software: str | None
) -> None:
    clock.set(today)
    add_patients(group_practice)
    group_practice.add_prescription(prescription(DUPONT, PHYSIO_A, on=today))
    package = group_practice.build_request()
    assert f"_KIN_DEMAUT_{layout}_{today:%Y%m%d}_" in package.name
    header = read_demaut(package).header
    assert (header.layout, header.software) == (layout, software)
