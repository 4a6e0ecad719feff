"""Prescriptions → DEMAUT package → RETAUT import: titres, refusals, suspensions, idempotence, hostile returns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.package import read_package
from tierspayant.schemes.lu_kin.practice.domain import Fund, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct
from tierspayant.schemes.lu_kin.practice.service import PracticeService

from .conftest import GROUP_FACTURIER, PHYSIO_A
from .fund_files import Accord, Refus, Suspens, read_demaut, retaut_for
from .helpers import Clock, matricule, scan_pdf
from .workflow import DUPONT, KLEIN, MARTIN, TITRE_DUPONT, TITRE_MARTIN, add_patients, prescription


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


def test_bad_scan_is_refused_with_the_reason(group_practice: PracticeService) -> None:
    add_patients(group_practice)
    bad = prescription(DUPONT, PHYSIO_A)
    for scan, code in [(scan_pdf(dpi=150), "PDF-RESOLUTION"), (scan_pdf(pdfa=False), "PDF-NOT-PDFA")]:
        with pytest.raises(FindingsError) as error:
            group_practice.add_prescription(type(bad)(**{**bad.__dict__, "scan": scan}))
        assert code in codes(error)
    assert group_practice.prescriptions() == []


def test_prescription_warnings_from_the_reference_lists(group_practice: PracticeService) -> None:
    add_patients(group_practice)
    record = group_practice.add_prescription(prescription(DUPONT, PHYSIO_A, sessions=12, prescriber="99999990"))
    assert {w.code for w in record.warnings} == {"PRA-W-PRESCRIBER", "PRA-W-SESSIONS"}
    assert record.status is PrescriptionStatus.PENDING
    late = group_practice.add_prescription(prescription(MARTIN, PHYSIO_A, on=date(2024, 1, 15)))  # today: 03-01
    assert [w.code for w in late.warnings] == ["PRA-W-DELAY"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"prescribed_on": date(2016, 12, 31)}, "PRA-PRESCRIPTION-DATE"),
        ({"prescribed_on": date(2024, 3, 2)}, "PRA-PRESCRIPTION-DATE"),  # after "today" (2024-03-01)
        ({"acts": []}, "PRA-PRESCRIPTION-ACTS"),
        ({"prescriber_code": "12AB"}, "PRA-PROVIDER-CODE"),
        ({"place_category": "??"}, "PRA-PLACE"),
        ({"place_category": "É1"}, "PRA-PLACE"),  # a letter, but not one the XSD allows
        ({"acts": [PrescribedAct("ÉA1", 8)]}, "PRA-PRESCRIPTION-ACTS"),
        ({"scan_name": "s" * 197 + ".pdf"}, "PRA-TEXT"),  # 201 characters: more than the column keeps
        ({"matricule": "1980010112303"}, "PRA-MATRICULE"),
    ],
)
def test_prescription_refusals(group_practice: PracticeService, change: dict[str, object], code: str) -> None:
    add_patients(group_practice)
    base = prescription(DUPONT, PHYSIO_A)
    with pytest.raises(FindingsError) as error:
        group_practice.add_prescription(type(base)(**{**base.__dict__, **change}))
    assert codes(error) == [code]


def test_demaut_package_carries_every_pending_prescription(group_practice: PracticeService, clock: Clock) -> None:
    add_patients(group_practice)
    clock.set(date(2024, 2, 27))
    group_practice.add_prescription(prescription(DUPONT, PHYSIO_A))
    group_practice.add_prescription(prescription(MARTIN, PHYSIO_A))
    package = group_practice.build_request()
    assert package.parent == group_practice.outbox_dir and package.exists()
    assert not list(package.parent.glob("*.part"))
    name = KinFileName.parse(package.name)
    assert (name.file_type, name.provider_code, name.extension) == ("DEMAUT", GROUP_FACTURIER, "zip")
    content = read_package(package.read_bytes(), package.name)  # the fund's own package checks
    demaut = read_demaut(package)
    assert [r.matricule for r in demaut.requests] == [DUPONT, MARTIN]
    assert demaut.header.reference == name.reference == "DEMAUT-20240227-1"
    assert sorted(content.documents) == ["ORD-P1-1.pdf", "ORD-P2-1.pdf"]
    assert all(p.status is PrescriptionStatus.REQUESTED for p in group_practice.prescriptions())
    with pytest.raises(FindingsError) as error:
        group_practice.build_request()
    assert codes(error) == ["PRA-NOTHING-TO-REQUEST"]


def test_retaut_import_makes_titres_and_shows_refusals(
    group_practice: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    add_patients(group_practice)
    clock.set(date(2024, 2, 27))
    for number in (DUPONT, MARTIN, KLEIN):
        group_practice.add_prescription(prescription(number, PHYSIO_A))
    package = group_practice.build_request()
    retaut = retaut_for(
        package,
        {"P1-1": Accord(TITRE_DUPONT), "P2-1": Refus(remark="code 99999990"), "P3-1": Suspens()},
        tmp_path / "inbox",
        date(2024, 2, 28),
    )
    summary = group_practice.import_return(retaut)
    assert (summary.status, summary.accords, summary.refusals, summary.suspensions) == ("imported", 1, 1, 1)
    assert summary.titres == [TITRE_DUPONT]
    refusal = next(n for n in summary.notices if n.code == "PRA-N-REFUS")
    assert "K102 Médecin prescripteur inconnu (code 99999990)" in refusal.message and "new request" in refusal.message
    assert any(n.code == "PRA-N-SUSPENS" and "Bilan" in n.message for n in summary.notices)
    [titre] = group_practice.titres()
    assert (titre.identifier, titre.matricule, titre.acts[0].sessions) == (TITRE_DUPONT, DUPONT, 8)
    assert [s[0] for s in group_practice.suspended_requests()] == ["P3-1"]
    statuses = {p.matricule: p.status for p in group_practice.prescriptions()}
    assert statuses == {
        DUPONT: PrescriptionStatus.ACCEPTED,
        MARTIN: PrescriptionStatus.REFUSED,
        KLEIN: PrescriptionStatus.SUSPENDED,
    }
    # the same file again changes nothing
    again = group_practice.import_return(retaut)
    assert (again.status, again.accords, again.changed) == ("already imported", 0, False)
    assert len(group_practice.titres()) == 1
    # the suspended request is decided later, in another RETAUT answering the same DEMAUT
    clock.set(date(2024, 3, 5))
    later = retaut_for(
        package,
        {"P1-1": Accord(TITRE_DUPONT), "P2-1": Refus(), "P3-1": Accord(TITRE_MARTIN)},
        tmp_path / "inbox2",
        date(2024, 3, 5),
    )
    summary = group_practice.import_return(later)
    assert (summary.accords, summary.refusals) == (1, 0)
    assert sum(n.code == "PRA-W-ALREADY-DECIDED" for n in summary.notices) == 2
    assert {t.identifier for t in group_practice.titres()} == {TITRE_DUPONT, TITRE_MARTIN}


def test_return_that_does_not_fit_is_refused_whole(
    group_practice: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    add_patients(group_practice)
    clock.set(date(2024, 2, 27))
    group_practice.add_prescription(prescription(DUPONT, PHYSIO_A))
    package = group_practice.build_request()
    good = retaut_for(package, {"P1-1": Accord(TITRE_DUPONT)}, tmp_path / "a", date(2024, 2, 28))
    text = good.read_text(encoding="utf-8")
    cases = {
        "unknown request": (text.replace("P1-1", "P9-1"), "PRA-RETURN-UNKNOWN-REQUEST"),
        "unknown reference": (
            text.replace("<ReferenceOrigine>DEMAUT-20240227-1", "<ReferenceOrigine>X-1"),
            "PRA-RETURN-UNKNOWN-FILE",
        ),
        "truncated": (text[: len(text) // 2], None),
        "entity": (text.replace("?>", "?><!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>", 1), None),
    }
    for label, (content, code) in cases.items():
        bad = tmp_path / label.replace(" ", "-") / good.name
        bad.parent.mkdir()
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(FindingsError) as error:
            group_practice.import_return(bad)
        if code:
            assert codes(error) == [code], label
        assert all(f.file == good.name for f in error.value.findings), label
        assert group_practice.titres() == [], label
    two_faults = tmp_path / "two-faults" / good.name
    two_faults.parent.mkdir()
    faulty = text.replace("<DateDecision>2024-02-28", "<DateDecision>2024-02-30")
    two_faults.write_text(faulty.replace(f"<Matricule>{DUPONT}", "<Matricule>X"), encoding="utf-8")
    with pytest.raises(FindingsError) as error:
        group_practice.import_return(two_faults)
    assert sorted(codes(error)) == ["XSD-DATE", "XSD-FORMAT"]  # every problem of the file, not only the first
    with pytest.raises(FindingsError) as error:
        group_practice.import_return(package)  # a DEMAUT is not a return
    assert codes(error) == ["PRA-RETURN-TYPE"]
    renamed = tmp_path / "renamed.xml"
    renamed.write_bytes(good.read_bytes())
    with pytest.raises(FindingsError) as error:
        group_practice.import_return(renamed)
    assert codes(error)[0].startswith("KIN-NAME")
    assert group_practice.import_return(good).accords == 1


def test_refused_prescription_sent_again_with_a_new_scan(
    group_practice: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    add_patients(group_practice)
    clock.set(date(2024, 2, 27))
    record = group_practice.add_prescription(prescription(DUPONT, PHYSIO_A))
    with pytest.raises(FindingsError) as error:
        group_practice.resubmit_prescription(record.id)  # still waiting for its request
    assert codes(error) == ["PRA-RESUBMIT"]
    first = group_practice.build_request()
    group_practice.import_return(
        retaut_for(
            first, {"P1-1": Refus("K108", "Ordonnance numérisée non conforme")}, tmp_path / "a", date(2024, 2, 28)
        )
    )
    with pytest.raises(FindingsError) as error:
        group_practice.resubmit_prescription(record.id, scan_pdf(dpi=600), "rescan.pdf")
    assert codes(error) == ["PDF-RESOLUTION"]
    group_practice.resubmit_prescription(record.id, scan_pdf(dpi=300), "rescan.pdf")
    second = group_practice.build_request()
    assert [r.request_id for r in read_demaut(second).requests] == ["P1-2"]
    group_practice.import_return(retaut_for(second, {"P1-2": Accord(TITRE_DUPONT)}, tmp_path / "b", date(2024, 3, 1)))
    assert [t.identifier for t in group_practice.titres()] == [TITRE_DUPONT]
    files = group_practice.files()
    assert [(f.file_type, f.direction) for f in files] == [
        ("DEMAUT", "out"),
        ("RETAUT", "in"),
        ("DEMAUT", "out"),
        ("RETAUT", "in"),
    ]


def test_work_accident_goes_to_the_aaa_with_its_date(group_practice: PracticeService, clock: Clock) -> None:
    number = matricule(date(1985, 5, 5), 55)
    group_practice.add_patient(PatientRecord(number, "Reuter", "Tom", date(1985, 5, 5), Fund.AAA, third_party=False))
    base = prescription(number, PHYSIO_A)
    group_practice.add_prescription(type(base)(**{**base.__dict__, "accident_date": date(2024, 2, 10)}))
    [request] = read_demaut(group_practice.build_request()).requests
    assert (request.fund, request.accident, request.accident_date) == ("AAA", True, date(2024, 2, 10))
