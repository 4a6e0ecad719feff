"""KIN: a committed deposit always ends with all its answers, whatever moment the process was killed.

For every crash point the fund engine declares, a child process processes the file and is killed there (SIGKILL),
then the same file is processed again. The outbox must then hold exactly what a run without a crash writes — the
same names and the same bytes: the return files and the receipts of a first delivery, acknowledgement included —
and the fund must owe the facturier exactly one payment. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from tempfile import mkdtemp

import pytest
from sqlalchemy import func, select

from tierspayant.core.crashpoints import declared
from tierspayant.schemes.lu_kin.formats.models import Retaut
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.fund import service as fund_service
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.store.fund.models import Deposit, LedgerEntry, Payment

from ..fund.files import demaut_package, fac_on_titres
from .crashing import hidden_leftovers, run_killed, visible_files

DEMAUT_DAY = datetime(2024, 3, 7, 9, 30)
FAC_DAY = datetime(2024, 4, 2, 9, 30)
SECOND_DAY = datetime(2024, 4, 3, 9, 30)

# Every crash point of the fund engine, and the file that reaches it: the FAC that is accepted, or a second FAC of
# the same month (refused K004, returned untreated with a RETFAC).
SCENARIOS = {
    fund_service.STAGED: "accepted",
    fund_service.COMMITTED: "accepted",
    fund_service.PUBLISHED: "accepted",
    fund_service.NOTIFIED: "accepted",
    fund_service.RECEIPTS: "accepted",
    fund_service.REFUSAL_PUBLISHED: "refused",
}


def test_every_crash_point_of_the_engine_is_exercised() -> None:
    assert set(declared("kin.")) == set(SCENARIOS)


def _prepared(url: str, folder: Path) -> tuple[FundService, dict[str, Path]]:
    """A fund with the example DEMAUT granted, and the FACs on its titres (the accepted one, a second one)."""
    fund = FundService(url)
    fund.init()
    outcome = fund.process(demaut_package(folder), folder / "demaut-out", DEMAUT_DAY)
    retaut = read_file(next(p for p in outcome.written if "_RETAUT_" in p.name))
    assert isinstance(retaut, Retaut)
    titres = {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id is not None}
    files = {"accepted": fac_on_titres(folder, titres), "refused": fac_on_titres(folder, titres, reference="FA202403B")}
    return fund, files


def _run(fund: FundService, files: dict[str, Path], scenario: str, outbox: Path) -> None:
    """What the outbox receives in each scenario: the refused FAC comes the day after the accepted one."""
    if scenario == "accepted":
        fund.process(files["accepted"], outbox, FAC_DAY)
    else:
        fund.process(files["refused"], outbox, SECOND_DAY)


@cache
def _expected(scenario: str) -> dict[str, bytes]:
    """The oracle: the outbox of a run that no crash interrupts (SQLite, a folder of its own)."""
    folder = Path(mkdtemp(prefix="kin-oracle-"))
    fund, files = _prepared(f"sqlite:///{folder / 'fund.db'}", folder)
    if scenario == "refused":
        fund.process(files["accepted"], folder / "first", FAC_DAY)
    _run(fund, files, scenario, folder / "out")
    fund.engine.dispose()
    return visible_files(folder / "out")


def _count(fund: FundService, model: type[object]) -> int:
    with fund.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("point", list(SCENARIOS))
def test_killed_at_any_step_then_rerun_gives_the_first_delivery_once(
    point: str, database_url: str, tmp_path: Path
) -> None:
    scenario = SCENARIOS[point]
    fund, files = _prepared(database_url, tmp_path)
    if scenario == "refused":
        fund.process(files["accepted"], tmp_path / "first", FAC_DAY)
    outbox = tmp_path / "out"
    path, day = (files["accepted"], FAC_DAY) if scenario == "accepted" else (files["refused"], SECOND_DAY)
    arguments = {"url": database_url, "path": str(path), "outbox": str(outbox), "received_at": day.isoformat()}

    run_killed("kin", point, arguments)
    _run(fund, files, scenario, outbox)

    assert visible_files(outbox) == _expected(scenario)  # nothing missing, nothing twice, "accepted" not "duplicate"
    assert hidden_leftovers(outbox) == []
    assert _count(fund, Deposit) == 2 and _count(fund, Payment) == 1 and _count(fund, LedgerEntry) == 6
    assert [p.file_name for p in fund.payments_due(include_paid=True)] == [files["accepted"].name]
    with fund.sessions() as session:
        assert all(d.answers_published for d in session.scalars(select(Deposit)))
    again = fund.process(files["accepted"], tmp_path / "again", FAC_DAY)
    assert again.status == "duplicate"
    fund.engine.dispose()
