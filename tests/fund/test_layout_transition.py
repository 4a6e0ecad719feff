"""The layout change of cahier des charges art. 10 and 16: layout 02 beside 01, both accepted during the three
months of the transition, then 01 refused with a finding naming the file, its layout and the date (K008).

The calendar is reference data: these tests load one where 02 starts on 1 January 2027 and 01 ends on 31 March 2027
(exactly three months); the SAMPLE set announces 02 from 2027-01-01 and no end for 01 yet.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.examples import example_model
from tierspayant.schemes.lu_kin.formats.models import Demaut, Retaut, Retfac
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.reference import load_reference_files, sample_files

TRANSITION = "layout,valid_from,valid_to\n01,2017-01-01,2027-03-31\n02,2027-01-01,\n"


def reference_folder(folder: Path, layouts: str = TRANSITION) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sample_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "layouts.csv").write_text(layouts, encoding="utf-8")
    return folder


@pytest.fixture
def fund(database_url: str, tmp_path: Path) -> FundService:
    service = FundService(database_url, reference_folder(tmp_path / "reference"))
    service.init()
    return service


def demaut(folder: Path, layout: str, reference: str, sent: date) -> Path:
    """The example DEMAUT as a bare XML file in ``layout`` (its requests wait for their scans: the file is accepted)."""
    model = example_model("DEMAUT")
    assert isinstance(model, Demaut)
    software = None if layout == "01" else "Kine-Soft 4.2"
    header = model.header.model_validate(
        {**model.header.model_dump(), "layout": layout, "software": software, "reference": reference}
    )
    name = KinFileName(
        provider_code=header.billing_provider,
        year=sent.year,
        month=sent.month,
        file_type="DEMAUT",
        layout=layout,
        send_date=sent,
        reference=reference,
        extension="xml",
    ).build()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(to_bytes(Demaut.model_validate({"header": header, "requests": model.requests})))
    return path


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=10)


def test_a_01_file_on_the_last_day_of_the_transition_is_accepted(fund: FundService, tmp_path: Path) -> None:
    outcome = fund.process(
        demaut(tmp_path, "01", "L01LAST", date(2027, 3, 31)), tmp_path / "out", at(date(2027, 3, 31))
    )
    assert outcome.status == "accepted"
    retaut = read_file(next(p for p in outcome.written if "_RETAUT_" in p.name))
    assert isinstance(retaut, Retaut) and retaut.header.layout == "01" and retaut.header.software is None


def test_a_01_file_the_day_after_the_transition_is_refused(fund: FundService, tmp_path: Path) -> None:
    path = demaut(tmp_path, "01", "L01AFTER", date(2027, 3, 31))
    outcome = fund.process(path, tmp_path / "out", at(date(2027, 4, 1)))
    assert outcome.status == "refused"
    [finding] = outcome.findings
    assert finding.code == "KIN-LAYOUT-DATE" and finding.file == path.name
    assert "layout 01 is no longer accepted: its transition ended on 31/03/2027" in finding.message
    assert "received on 01/04/2027; send layout 02" in finding.message
    assert not any("_RETAUT_" in p.name for p in outcome.written)  # nothing decided, nothing recorded


def test_a_refused_01_fac_gets_an_untreated_retfac_with_k008(fund: FundService, tmp_path: Path) -> None:
    fac = example_model("FAC")
    name = KinFileName(
        provider_code=fac.header.billing_provider, year=2027, month=3, file_type="FAC",
        send_date=date(2027, 4, 2), reference=fac.header.reference, extension="xml",
    ).build()  # fmt: skip
    path = tmp_path / name
    path.write_bytes(to_bytes(fac))
    outcome = fund.process(path, tmp_path / "out", at(date(2027, 4, 2)))
    assert outcome.status == "refused"
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac) and retfac.header.layout == "01"
    [anomaly] = retfac.anomalies
    assert anomaly.code == "K008" and anomaly.label == "Layout du fichier non admis à la date de réception"
    assert name in (anomaly.remark or "") and "01/04/2027" not in (anomaly.remark or "")
    assert "02/04/2027" in (anomaly.remark or "")


def test_a_02_file_before_02_starts_is_refused(fund: FundService, tmp_path: Path) -> None:
    outcome = fund.process(
        demaut(tmp_path, "02", "L02EARLY", date(2026, 12, 31)), tmp_path / "out", at(date(2026, 12, 31))
    )
    assert outcome.status == "refused"
    assert "layout 02 is in force from 01/01/2027, not on 31/12/2026: send layout 01" in outcome.findings[0].message


def test_a_02_file_from_its_first_day_is_accepted_and_answered_in_02(fund: FundService, tmp_path: Path) -> None:
    outcome = fund.process(demaut(tmp_path, "02", "L02FIRST", date(2027, 1, 1)), tmp_path / "out", at(date(2027, 1, 1)))
    assert outcome.status == "accepted"
    retaut_path = next(p for p in outcome.written if "_RETAUT_" in p.name)
    assert "_KIN_RETAUT_02_" in retaut_path.name
    retaut = read_file(retaut_path)
    assert isinstance(retaut, Retaut)
    assert (retaut.header.layout, retaut.header.software) == ("02", "tierspayant 0.1.0 (fund)")


def test_both_layouts_are_accepted_during_the_transition(fund: FundService, tmp_path: Path) -> None:
    day = date(2027, 2, 15)
    old = fund.process(demaut(tmp_path, "01", "MID01", day), tmp_path / "out", at(day))
    new = fund.process(demaut(tmp_path, "02", "MID02", day), tmp_path / "out", at(day))
    assert (old.status, new.status) == ("accepted", "accepted")


def test_a_name_and_content_of_different_layouts_are_refused(fund: FundService, tmp_path: Path) -> None:
    path = demaut(tmp_path, "02", "MIXED", date(2027, 2, 15))
    renamed = path.with_name(path.name.replace("_DEMAUT_02_", "_DEMAUT_01_"))
    path.rename(renamed)
    outcome = fund.process(renamed, tmp_path / "out", at(date(2027, 2, 15)))
    assert outcome.status == "refused"
    assert any("the name says layout 01 but the file is written in layout 02" in f.message for f in outcome.findings)


def test_a_transition_shorter_than_three_months_is_refused_as_reference_data() -> None:
    files = dict(sample_files())
    files["layouts.csv"] = "layout,valid_from,valid_to\n01,2017-01-01,2027-03-30\n02,2027-01-01,\n"
    with pytest.raises(FindingsError) as error:
        load_reference_files(files, "test")
    [finding] = error.value.findings
    assert (finding.file, finding.line, finding.location, finding.code) == ("layouts.csv", 2, "valid_to", "REF-LAYOUT")
    assert "the earliest end is 2027-03-31" in finding.message
    files["layouts.csv"] = TRANSITION
    assert load_reference_files(files, "test")["layouts"].height == 2


def test_a_02_fac_on_titres_of_a_01_demaut_gets_its_retfac_in_02(database_url: str, tmp_path: Path) -> None:
    from .files import demaut_package, fac_on_titres

    service = FundService(
        database_url, reference_folder(tmp_path / "ref", "layout,valid_from,valid_to\n01,2017-01-01,\n02,2024-01-01,\n")
    )
    service.init()
    granted = service.process(demaut_package(tmp_path), tmp_path / "out", datetime(2024, 3, 7, 9, 30))
    retaut = read_file(next(p for p in granted.written if "_RETAUT_01_" in p.name))
    assert isinstance(retaut, Retaut)
    titres = {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id is not None}
    fac_01 = fac_on_titres(tmp_path, titres)
    fac = read_file(fac_01)
    header = fac.header.model_validate({**fac.header.model_dump(), "layout": "02", "software": "Kine-Soft 4.2"})
    fac_02 = tmp_path / fac_01.name.replace("_FAC_01_", "_FAC_02_")
    fac_02.write_bytes(to_bytes(type(fac).model_validate({**dict(fac), "header": header})))
    fac_01.unlink()
    outcome = service.process(fac_02, tmp_path / "out", datetime(2024, 4, 2, 9, 30))
    assert outcome.status == "accepted" and outcome.accepted > 0
    retfac_path = next(p for p in outcome.written if "_RETFAC_" in p.name)
    assert "_KIN_RETFAC_02_" in retfac_path.name
    retfac = read_file(retfac_path)  # validated against the layout-02 XSD
    assert isinstance(retfac, Retfac)
    assert (retfac.header.layout, retfac.header.software) == ("02", "tierspayant 0.1.0 (fund)")
    assert retfac.total_covered == outcome.covered
