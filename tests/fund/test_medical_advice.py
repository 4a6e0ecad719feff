"""Rule (c): a serious-pathology request beyond the statutes' sessions is suspended for the Contrôle médical's
advice (K112), then decided — an accord with its titre or a refusal (K113) — in a later RETAUT the practice reads.
Through the real engine, files and reader; the near miss (64 sessions) is granted at once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.examples import example_model
from tierspayant.schemes.lu_kin.formats.models import DecisionOutcome, Demaut, PrescriptionDocument, Retaut
from tierspayant.schemes.lu_kin.formats.package import build_package
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.fund.service import FundService

from .files import kin_name, scan_pdf

SERIOUS_REQUEST = "DA-2024-0003"  # the example's serious pathology, 64 sessions asked
DEMAUT_DAY = datetime(2024, 3, 7, 9, 30)


@pytest.fixture
def fund(database_url: str) -> FundService:
    service = FundService(database_url)
    service.init()
    return service


def demaut_asking(folder: Path, sessions: int, reference: str = "DA202403A") -> Path:
    demaut = example_model("DEMAUT")
    assert isinstance(demaut, Demaut)
    documents: dict[str, bytes] = {}
    requests = []
    for request in demaut.requests:
        pdf = scan_pdf()
        documents[request.prescription.file_name] = pdf
        update: dict[str, object] = {
            "prescription": PrescriptionDocument(
                file_name=request.prescription.file_name, sha256=hashlib.sha256(pdf).hexdigest()
            )
        }
        if request.request_id == SERIOUS_REQUEST:
            update["acts"] = [request.acts[0].model_copy(update={"sessions": sessions})]
        requests.append(request.model_copy(update=update))
    header = demaut.header.model_copy(update={"reference": reference})
    xml = to_bytes(Demaut.model_validate({"header": header, "requests": requests}))
    path = folder / kin_name("DEMAUT", reference, date(2024, 3, 7), extension="zip")
    path.write_bytes(build_package(kin_name("DEMAUT", reference, date(2024, 3, 7)), xml, documents))
    return path


def decision_of(retaut_path: Path, request_id: str = SERIOUS_REQUEST) -> object:
    retaut = read_file(retaut_path)
    assert isinstance(retaut, Retaut)
    return next(d for d in retaut.decisions if d.request_id == request_id)


def first_retaut(fund: FundService, tmp_path: Path, sessions: int) -> Path:
    outcome = fund.process(demaut_asking(tmp_path, sessions), tmp_path / "out", DEMAUT_DAY)
    return next(p for p in outcome.written if "_RETAUT_" in p.name)


def test_65_sessions_wait_for_the_advice_then_are_granted(fund: FundService, tmp_path: Path) -> None:
    suspended = decision_of(first_retaut(fund, tmp_path, 65))
    assert suspended.outcome is DecisionOutcome.SUSPENS  # type: ignore[attr-defined]
    assert "Contrôle médical" in (suspended.motivation or "")  # type: ignore[attr-defined]
    later = tmp_path / "later"
    retaut = fund.decide_after_advice(SERIOUS_REQUEST, True, later, date(2024, 3, 21), sessions=40)
    granted = decision_of(retaut)
    assert granted.outcome is DecisionOutcome.ACCORD and granted.titre_id  # type: ignore[attr-defined]
    assert [(a.act_code, a.sessions) for a in granted.covered_acts] == [("ZK31", 40)]  # type: ignore[attr-defined]
    assert granted.valid_from == date(2024, 3, 5) and granted.decision_date == date(2024, 3, 21)  # type: ignore[attr-defined]
    with pytest.raises(FindingsError):  # decided once
        fund.decide_after_advice(SERIOUS_REQUEST, True, tmp_path / "again", date(2024, 3, 22))


def test_an_unfavourable_advice_is_a_refusal(fund: FundService, tmp_path: Path) -> None:
    first_retaut(fund, tmp_path, 65)
    retaut = fund.decide_after_advice(SERIOUS_REQUEST, False, tmp_path / "later", date(2024, 3, 21), remark="bilan")
    refused = decision_of(retaut)
    assert refused.outcome is DecisionOutcome.REFUS  # type: ignore[attr-defined]
    assert [(a.code, a.remark) for a in refused.anomalies] == [("K113", "bilan")]  # type: ignore[attr-defined]


def test_64_sessions_are_granted_at_once(fund: FundService, tmp_path: Path) -> None:
    granted = decision_of(first_retaut(fund, tmp_path, 64))
    assert granted.outcome is DecisionOutcome.ACCORD  # type: ignore[attr-defined]
    with pytest.raises(FindingsError):  # nothing waits for an advice
        fund.decide_after_advice(SERIOUS_REQUEST, True, tmp_path / "later", date(2024, 3, 21))
