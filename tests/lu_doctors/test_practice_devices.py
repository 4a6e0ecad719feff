"""The doctor's side of the device flat rates, against the real fund: declare, bill (PID and third party), the
monthly file, the return, the per-device view; and each warning before sending with its near miss."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_doctors import ActRequest, BillingMode, DoctorsPractice
from tierspayant.schemes.lu_doctors.examples import (
    ASSOCIATION,
    COLLEAGUE,
    GYNAECOLOGIST,
    patient,
    purchase_documents,
    sample_pdf,
    scanner,
)
from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
from tierspayant.schemes.lu_doctors.practice.devices import DeviceDesk
from tierspayant.schemes.lu_doctors.reference import ReferenceSet, load_reference_files
from tierspayant.schemes.lu_doctors.reference.loader import sample_files

MARIE, LEA = patient(1), patient(2)


def _reference(threshold: int = 2) -> ReferenceSet:
    files = sample_files()
    files["device_classes.csv"] = files["device_classes.csv"].replace(
        "ECHO,2,30000.01,80000.00,1800,9000", f"ECHO,2,30000.01,80000.00,{threshold},100"
    )
    return load_reference_files(files, source="test")


def _documents() -> dict[str, tuple[str, bytes]]:
    documents, attachments = purchase_documents()
    return {d.nature: (d.file_name, attachments[d.file_name]) for d in documents}


def _setup(url: str, folder: Path, threshold: int = 2) -> tuple[DoctorsPractice, DeviceDesk, DeviceFund, str]:
    reference = _reference(threshold)
    practice = DoctorsPractice(url, reference)
    practice.init()
    practice.add_doctor(GYNAECOLOGIST, "Dr Anne Gyné", "GYN")
    practice.add_doctor(COLLEAGUE, "Dr Paul Écho", "GYN")
    practice.add_association(
        ASSOCIATION, "Cabinet Gyné Sud", [(GYNAECOLOGIST, date(2024, 1, 1)), (COLLEAGUE, date(2024, 1, 1))]
    )
    practice.add_patient(MARIE, "Marie Exemple")
    practice.add_patient(LEA, "Léa Muster", fund="CMFEP")
    desk = DeviceDesk(practice)
    # the fund has its own database (never the practice's): a SQLite file beside; it runs on PostgreSQL in
    # test_fund_service.py
    fund = DeviceFund(f"sqlite:///{folder / 'fund.db'}", reference)
    fund.init()
    out = desk.declare_device(GYNAECOLOGIST, "D1", date(2025, 1, 6), scanner(), _documents())
    answer = fund.receive_declaration(out.data, out.name, date(2025, 1, 7))
    said = desk.import_register_answer(answer.answer, answer.answer_name)
    device_id = desk.devices()[0].device_id
    assert device_id is not None and said == [f"declaration 1: registered as {device_id}"]
    return practice, desk, fund, device_id


def test_declaration_with_a_jpeg_is_refused_before_sending(database_url: str) -> None:
    practice = DoctorsPractice(database_url)
    practice.init()
    desk = DeviceDesk(practice)
    documents = _documents()
    documents["facture_acquittee"] = ("facture.jpg", b"\xff\xd8\xff\xe0 JFIF")
    with pytest.raises(FindingsError) as caught:
        desk.declare_device(GYNAECOLOGIST, "D1", date(2025, 1, 6), scanner(), documents)
    assert [f.code for f in caught.value.findings] == ["DOC-R002"] and "JPEG" in caught.value.findings[0].message
    assert desk.devices() == []


def test_the_whole_month(database_url: str, tmp_path: Path) -> None:
    _, desk, fund, device_id = _setup(database_url, tmp_path, threshold=2)
    # PID: Dr Gyné, technical act and flat rate on one note
    pid, warnings = desk.pid_note(
        "P-1", GYNAECOLOGIST, MARIE, date(2025, 3, 3), "6E21", device_id, [ActRequest("C3", date(2025, 3, 3))]
    )
    assert warnings == [] and [a.act_code for a in pid.acts] == ["C3", "6E21", "DF21"] and pid.mode == BillingMode.PID
    desk.save_flat_rate(pid)
    # third party: Dr Écho, the patient's note and the flat-rate note
    patient_note, flat_note, warnings = desk.third_party_notes(
        "N-2", "F-2", COLLEAGUE, LEA, date(2025, 3, 5), "6E11", device_id
    )
    assert warnings == [] and [a.act_code for a in flat_note.acts] == ["DF21"] and flat_note.total == Decimal("36.00")
    desk.save_flat_rate(flat_note, patient_note)
    fund.record_patient_acts(patient_note)  # the patient's note reaches the fund (reimbursement / digital copy)
    # the threshold (2) is reached: the next flat rate is billed with the reduced code, and the software says so
    view = desk.device_view(device_id, 2025)
    assert (view.full_used_year, view.left_before_threshold, view.by_doctor) == (2, 0, {COLLEAGUE: 1, GYNAECOLOGIST: 1})
    assert desk.flat_rate_code(device_id, date(2025, 3, 6)) == "DF22"
    third, warnings = desk.pid_note("P-3", COLLEAGUE, MARIE, date(2025, 3, 6), "6E21", device_id)
    assert [a.act_code for a in third.acts] == ["6E21", "DF22"] and warnings == []
    desk.save_flat_rate(third)
    monthly = desk.monthly_file(ASSOCIATION, "2025-03", "M1", date(2025, 4, 2))
    assert monthly.name == "F20000001202503_MED_FACFORF_01_20250402_M1.xml"
    result = fund.receive_flat_rates(monthly.data, monthly.name, date(2025, 4, 3))
    assert result.status == "treated" and result.covered == Decimal("36.00") * 2 + Decimal("12.00")
    covered, refused = desk.import_return(result.answer, result.answer_name)
    assert (covered, refused) == (Decimal("84.00"), 0)
    assert desk.import_return(result.answer, result.answer_name) == (Decimal("84.00"), 0)  # twice: nothing changes
    view = desk.device_view(device_id, 2025)
    assert (view.full_used_year, view.left_before_threshold, view.left_over_amortisation) == (2, 0, 98)
    assert fund.usage(device_id, 2025).full_used_year == 2
    with pytest.raises(FindingsError):
        desk.monthly_file(ASSOCIATION, "2025-03", "M2", date(2025, 4, 2))  # nothing left to send


def test_warning_flat_rate_without_its_technical_act(database_url: str, tmp_path: Path) -> None:
    practice, desk, _, device_id = _setup(database_url, tmp_path)
    alone = practice.new_fee_note(
        "P-9",
        GYNAECOLOGIST,
        MARIE,
        date(2025, 3, 3),
        [ActRequest("DF21", date(2025, 3, 3), device_id=device_id)],
        BillingMode.PID,
    )
    assert [w.code for w in desk.warnings(alone)] == ["W-NO-TECHNICAL-ACT"]
    with_act = practice.new_fee_note(
        "P-8",
        GYNAECOLOGIST,
        MARIE,
        date(2025, 3, 3),
        [ActRequest("6E21", date(2025, 3, 3)), ActRequest("DF21", date(2025, 3, 3), device_id=device_id)],
        BillingMode.PID,
    )
    assert desk.warnings(with_act) == []
    wrong_day = practice.new_fee_note(
        "P-7",
        GYNAECOLOGIST,
        MARIE,
        date(2025, 3, 4),
        [ActRequest("6E21", date(2025, 3, 3)), ActRequest("DF21", date(2025, 3, 4), device_id=device_id)],
        BillingMode.PID,
    )
    assert [w.code for w in desk.warnings(wrong_day)] == ["W-NO-TECHNICAL-ACT"]


def test_warning_device_unknown_or_out_of_service(database_url: str, tmp_path: Path) -> None:
    practice, desk, fund, device_id = _setup(database_url, tmp_path)
    unknown = practice.new_fee_note(
        "P-9",
        GYNAECOLOGIST,
        MARIE,
        date(2025, 3, 3),
        [ActRequest("6E21", date(2025, 3, 3)), ActRequest("DF21", date(2025, 3, 3), device_id="ECHO9999999")],
        BillingMode.PID,
    )
    assert "W-DEVICE-UNKNOWN" in [w.code for w in desk.warnings(unknown)]
    out = desk.declare_out_of_service(
        GYNAECOLOGIST,
        "D2",
        device_id,
        date(2025, 3, 10),
        "panne",
        ("hors-service.pdf", sample_pdf("Mise hors service")),
    )
    answer = fund.receive_declaration(out.data, out.name, date(2025, 3, 10))
    assert desk.import_register_answer(answer.answer, answer.answer_name) == [f"{device_id}: closed from 2025-03-10"]
    _, warnings = desk.pid_note("P-1", GYNAECOLOGIST, MARIE, date(2025, 3, 9), "6E21", device_id)
    assert warnings == []
    _, warnings = desk.pid_note("P-2", GYNAECOLOGIST, MARIE, date(2025, 3, 10), "6E21", device_id)
    assert [w.code for w in warnings] == ["W-DEVICE-OUT-OF-SERVICE"]


def test_warning_threshold_reached(database_url: str, tmp_path: Path) -> None:
    practice, desk, _, device_id = _setup(database_url, tmp_path, threshold=2)
    note, _ = desk.pid_note("P-1", GYNAECOLOGIST, MARIE, date(2025, 3, 3), "6E21", device_id)
    desk.save_flat_rate(note)
    # one full rate left: the full code, no warning (near miss)
    full = practice.new_fee_note(
        "P-2",
        COLLEAGUE,
        MARIE,
        date(2025, 3, 4),
        [ActRequest("6E21", date(2025, 3, 4)), ActRequest("DF21", date(2025, 3, 4), device_id=device_id)],
        BillingMode.PID,
    )
    assert desk.warnings(full) == []
    desk.save_flat_rate(full)
    again = practice.new_fee_note(
        "P-3",
        COLLEAGUE,
        MARIE,
        date(2025, 3, 5),
        [ActRequest("6E21", date(2025, 3, 5)), ActRequest("DF21", date(2025, 3, 5), device_id=device_id)],
        BillingMode.PID,
    )
    warnings = desk.warnings(again)
    assert [w.code for w in warnings] == ["W-THRESHOLD"] and "DF22" in warnings[0].message


@pytest.mark.parametrize(("day", "warned"), [(date(2025, 1, 1), True), (date(2024, 12, 31), False)])
def test_warning_x_act(database_url: str, day: date, warned: bool) -> None:
    practice = DoctorsPractice(database_url)
    practice.init()
    practice.add_doctor(GYNAECOLOGIST, "Dr Anne Gyné", "GYN")
    practice.add_patient(MARIE, "Marie Exemple")
    note = practice.new_fee_note("X-1", GYNAECOLOGIST, MARIE, day, [ActRequest("6E21X", day)])
    assert [w.code for w in DeviceDesk(practice).warnings(note)] == (["W-X-ACT"] if warned else [])
