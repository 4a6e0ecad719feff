"""The fund end to end on SQLite and PostgreSQL: register, intake, return, never paid twice; and the property that
the annual threshold pays exactly its number of full rates whatever order two doctors' files arrive in."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.lu_doctors.examples import (
    COLLEAGUE,
    GYNAECOLOGIST,
    declaration_name,
    decommission_declaration,
    flat_rates_name,
    new_device_declaration,
    patient,
    third_party_invoice,
)
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote, FeeNoteAct
from tierspayant.schemes.lu_doctors.formats.messages import FlatRateFile, FlatRateInvoice
from tierspayant.schemes.lu_doctors.formats.reader import read_register_answer, read_return
from tierspayant.schemes.lu_doctors.formats.writer import declaration_zip, flat_rates_bytes
from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
from tierspayant.schemes.lu_doctors.reference import load_reference_files
from tierspayant.schemes.lu_doctors.reference.loader import sample_files

THRESHOLD = 5


def _reference_with_threshold(threshold: int, total: int = 1000):  # type: ignore[no-untyped-def]
    """The SAMPLE set with class-2 scanners given a small threshold (the loader for official files at work)."""
    files = sample_files()
    files["device_classes.csv"] = files["device_classes.csv"].replace(
        "ECHO,2,30000.01,80000.00,1800,9000", f"ECHO,2,30000.01,80000.00,{threshold},{total}"
    )
    return load_reference_files(files, source="test")


def _fund(url: str, threshold: int = THRESHOLD, total: int = 1000) -> tuple[DeviceFund, str]:
    fund = DeviceFund(url, _reference_with_threshold(threshold, total))
    fund.init()
    declaration = new_device_declaration()
    result = fund.receive_declaration(declaration_zip(declaration), declaration_name(declaration), date(2025, 1, 7))
    device_id = read_register_answer(result.answer).answers[0].device_id
    assert device_id is not None
    return fund, device_id


def _note(fee_note: str, doctor: str, matricule: str, day: date) -> FeeNote:
    act = FeeNoteAct(line=1, act_code="6E21", service_date=day, unit_amount=Decimal("51.20"), amount=Decimal("51.20"))
    return FeeNote(fee_note_id=fee_note, doctor_code=doctor, patient_matricule=matricule, patient_name="Patient",
                   issued_on=day, acts=(act,), total=Decimal("51.20"))  # fmt: skip


def _month_file(fund: DeviceFund, device_id: str, doctor: str, days: list[int], reference: str) -> FlatRateFile:
    """One doctor's month of third-party flat rates (full code), the patients' fee notes told to the fund."""
    invoices: list[FlatRateInvoice] = []
    for n, day in enumerate(days):
        when = date(2025, 3, day)
        matricule = patient(n + 1)
        note = f"{reference}-N{n}"
        fund.record_patient_acts(_note(note, doctor, matricule, when))
        invoices.append(third_party_invoice(f"{reference}-{n}", doctor, matricule, when, device_id, "DF21",
                                            Decimal("36.00"), note))  # fmt: skip
    billing = doctor
    return FlatRateFile(billing, "2025-03", reference, date(2025, 4, 2), tuple(invoices),
                        FlatRateFile.statement_of(tuple(invoices)))  # fmt: skip


def test_register_intake_return_and_no_double_payment(database_url: str) -> None:
    fund, device_id = _fund(database_url)
    assert fund.device_users(device_id) == [GYNAECOLOGIST, COLLEAGUE]
    file = _month_file(fund, device_id, GYNAECOLOGIST, [3, 4, 5], "M1")
    data = flat_rates_bytes(file)
    first = fund.receive_flat_rates(data, flat_rates_name(file), date(2025, 4, 3))
    assert (first.status, first.covered, first.payment_date) == ("treated", Decimal("108.00"), date(2025, 5, 3))
    back = read_return(first.answer)
    assert back.status == "traite" and back.covered == Decimal("108.00") and back.refused_count == 0
    again = fund.receive_flat_rates(data, flat_rates_name(file), date(2025, 4, 4))
    assert again.status == "duplicate" and again.covered == Decimal("0.00")
    assert [a.code for a in read_return(again.answer).file_anomalies] == ["D003"]
    # the same invoices under a new reference: refused line by line as already paid
    renamed = FlatRateFile(file.billing_code, file.month, "M2", file.send_date, file.invoices, file.statement)
    third = fund.receive_flat_rates(flat_rates_bytes(renamed), flat_rates_name(renamed), date(2025, 4, 5))
    assert third.covered == Decimal("0.00")
    assert {a.code for i in read_return(third.answer).invoices for line in i.lines for a in line.anomalies} == {"D211"}
    # the same invoices again with other service dates: found by invoice and line, refused, never a second payment
    moved = tuple(
        FlatRateInvoice(i.invoice_number, i.mode, i.doctor_code, i.matricule, i.fund,
                        tuple(dataclasses.replace(line, service_date=date(2025, 3, 20)) for line in i.lines))
        for i in file.invoices
    )  # fmt: skip
    redated = FlatRateFile(file.billing_code, file.month, "M3", file.send_date, moved, file.statement)
    fourth = fund.receive_flat_rates(flat_rates_bytes(redated), flat_rates_name(redated), date(2025, 4, 6))
    assert fourth.covered == Decimal("0.00") and "D211" in {f.code for f in fourth.findings}
    usage = fund.usage(device_id, 2025)
    assert (usage.full_used_year, usage.left_before_threshold, usage.left_over_amortisation) == (3, 2, 997)
    assert fund.payments() == [(date(2025, 5, 3), GYNAECOLOGIST, Decimal("108.00"), flat_rates_name(file))]
    assert [f.code for f in third.findings] == ["D211"] * 3 and third.findings[0].rule == "already_paid"


def test_invalid_file_is_returned_untreated(database_url: str) -> None:
    fund, device_id = _fund(database_url)
    file = _month_file(fund, device_id, GYNAECOLOGIST, [3], "M1")
    data = flat_rates_bytes(file).replace(b"<Caisse>CNS", b"<Caisse>XYZ")
    result = fund.receive_flat_rates(data, flat_rates_name(file), date(2025, 4, 3))
    back = read_return(result.answer)
    assert back.status == "rejete" and [a.code for a in back.file_anomalies] == ["D002"]
    assert fund.usage(device_id, 2025).full_used_year == 0


def test_decommission_then_flat_rate_refused(database_url: str) -> None:
    fund, device_id = _fund(database_url)
    closing = decommission_declaration(device_id, date(2025, 3, 4))
    result = fund.receive_declaration(declaration_zip(closing), declaration_name(closing), date(2025, 3, 4))
    assert read_register_answer(result.answer).answers[0].status == "cloture"
    file = _month_file(fund, device_id, GYNAECOLOGIST, [3, 4], "M1")
    back = read_return(fund.receive_flat_rates(flat_rates_bytes(file), flat_rates_name(file), date(2025, 4, 3)).answer)
    assert [[a.code for a in line.anomalies] for i in back.invoices for line in i.lines] == [[], ["D202"]]


def test_hostile_declaration_answered_with_the_reason(database_url: str) -> None:
    fund, _ = _fund(database_url)
    name = "F10234567202501_MED_DECLAPP_01_20250108_D2.zip"
    result = fund.receive_declaration(b"PK\x03\x04 broken", name, date(2025, 1, 8))
    answer = read_register_answer(result.answer)
    assert result.status == "rejected" and answer.file_anomalies[0].code == "D002" and answer.answers == ()


# --- the property: order of arrival does not change what the threshold pays ------------------------------------

_days = st.lists(st.integers(1, 28), min_size=0, max_size=7)


@settings(max_examples=20, deadline=None)
@given(first=_days, second=_days, reverse=st.booleans())
def test_threshold_pays_exactly_its_number_whatever_the_order(
    first: list[int], second: list[int], reverse: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        fund, device_id = _fund(f"sqlite:///{Path(folder) / 'fund.db'}")
        files = [
            _month_file(fund, device_id, GYNAECOLOGIST, first, "A"),
            _month_file(fund, device_id, COLLEAGUE, second, "B"),
        ]
        if reverse:
            files.reverse()
        covered = Decimal("0.00")
        for file in files:
            if file.invoices:
                covered += fund.receive_flat_rates(
                    flat_rates_bytes(file), flat_rates_name(file), date(2025, 4, 3)
                ).covered
        usage = fund.usage(device_id, 2025)
        total = len(first) + len(second)
        expected_full = min(THRESHOLD, total)
        assert usage.full_used_year == expected_full
        assert usage.reduced_used_year == total - expected_full
        # full 36.00 (DF21), reduced 12.00 (DF22): the amount does not depend on the order either
        assert covered == Decimal("36.00") * expected_full + Decimal("12.00") * (total - expected_full)


@pytest.mark.parametrize("total", [3, 4])
def test_amortisation_total_across_two_files(total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        fund, device_id = _fund(f"sqlite:///{Path(folder) / 'fund.db'}", threshold=5, total=total)
        for doctor, days, reference in ((GYNAECOLOGIST, [1, 2, 3], "A"), (COLLEAGUE, [4, 5, 6, 7], "B")):
            file = _month_file(fund, device_id, doctor, days, reference)
            fund.receive_flat_rates(flat_rates_bytes(file), flat_rates_name(file), date(2025, 4, 3))
        usage = fund.usage(device_id, 2025)
        # the amortisation total (3 or 4) is the tighter bound: then only reduced flat rates, for good
        assert (usage.full_used_year, usage.reduced_used_year) == (total, 7 - total)
        assert usage.left_over_amortisation == 0
