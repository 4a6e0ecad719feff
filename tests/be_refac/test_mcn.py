"""The MyCareNet messages besides eFact, both ends: layouts round-trip; the mutuality answers 801000 (801900, its
payment commitment valid 30 days, carried by the next sending), 420900 (10 days back-dating, the doctor's
notification, its regularisation within 30 days) and agreement requests; the platform engine routes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tierspayant.platform.deposits import DepositStatus
from tierspayant.schemes.be_nursing.formats import mcn
from tierspayant.schemes.be_nursing.formats.frames import read_sending
from tierspayant.schemes.be_nursing.formats.messages import read_reply
from tierspayant.schemes.be_nursing.formats.naming import is_sending_name
from tierspayant.schemes.be_nursing.formats.zones import RECORD_LENGTH
from tierspayant.schemes.be_nursing.mutuality.service import RefacService
from tierspayant.schemes.be_nursing.nurse import mcn as nurse_mcn
from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger
from tierspayant.schemes.be_nursing.nurse.visits import GroupSettings, PatientRecord, Visit, VisitBook
from tierspayant.schemes.be_nursing.platform.engine import RefacEngine

from .helpers import MEDICAL_HOUSE, PALLIATIVE, PLAIN

GROUP = "30012345001"
NURSE = "10234567001"
UNKNOWN_ANYWHERE = "85010100313"  # a valid NISS no mutuality registry knows


@pytest.fixture
def refac(database_url: str) -> Iterator[RefacService]:
    service = RefacService(database_url)
    yield service
    service.close()


# --- layouts ---------------------------------------------------------------------------------------------------


def test_every_layout_is_one_checked_record_and_round_trips(tmp_path: Path) -> None:
    assert set(mcn.LAYOUTS) == {"801000", "801900", "420900", "420990", "430000", "430900"}
    for code, layout in mcn.LAYOUTS.items():
        assert layout.length == RECORD_LENGTH and layout.zones[0].name == "record_type"
        written = mcn.write(code, {"third_party": int(GROUP), "niss": int(PLAIN), "reference": "REF-1"},
                            tmp_path / f"{code}.txt")
        message = mcn.read(written)
        assert (message.code, message["niss"], message["reference"]) == (code, int(PLAIN), "REF-1")
    answer = mcn.LAYOUTS["801900"]
    assert [answer.zone(n).number for n in ("mutuality", "ct1", "ct2")] == ["327", "328", "329"]
    assert [answer.zone(n).number for n in ("medical_house_contract", "medical_house_start_date",
                                            "medical_house_end_date")] == ["380", "381", "382"]


def test_a_damaged_message_is_refused_with_where(tmp_path: Path) -> None:
    good = mcn.render("801000", {"third_party": int(GROUP), "niss": int(PLAIN), "consultation_date": date(2025, 3, 3)})
    with pytest.raises(mcn.MessageError, match="record check"):
        mcn.read((good[:40] + "X" + good[41:]).encode())
    with pytest.raises(mcn.MessageError, match="unknown message code"):
        mcn.read(("999999" + good[6:]).encode())
    with pytest.raises(mcn.MessageError, match="350 characters"):
        mcn.read(good[:-1].encode())


def test_the_mailbox_takes_the_requests_not_the_answers() -> None:
    assert is_sending_name(mcn.name_for("801000", GROUP, PLAIN, date(2025, 3, 3)))
    assert is_sending_name("420900_30012345001_85010100115_20250303_001.txt")
    assert is_sending_name("430000_30012345001_85010100115_20250303_001.txt")
    assert not is_sending_name("801900_30012345001_85010100115_20250303_001.txt")


# --- 801000 → 801900 ----------------------------------------------------------------------------------------------


def _consult(refac: RefacService, tmp_path: Path, niss: str, day: date) -> mcn.Message:
    request = nurse_mcn.consultation(GROUP, niss, day, day, tmp_path / "nurse")
    outcome = refac.mcn.process(request, tmp_path / "out", datetime.combine(day, datetime.min.time()))
    assert outcome.answer is not None
    return mcn.read(outcome.answer)


def test_insurability_answer_with_a_payment_commitment_valid_30_days(refac: RefacService, tmp_path: Path) -> None:
    answer = _consult(refac, tmp_path, PLAIN, date(2025, 3, 3))
    v = answer.values
    assert (answer.code, v["status"], v["mutuality"], v["ct1"], v["ct2"]) == ("801900", 0, 319, 110, 110)
    assert v["medical_house_contract"] == 0
    assert (v["commitment_part_a"], v["insurability_start_date"], v["insurability_end_date"]) == (
        2, date(2025, 3, 3), date(2025, 4, 1))  # 30 days: 3 March … 1 April
    assert v["communication_date"] == date(2025, 3, 3)


def test_insurability_of_an_unknown_patient_and_of_a_medical_house_member(refac: RefacService, tmp_path: Path) -> None:
    unknown = _consult(refac, tmp_path, UNKNOWN_ANYWHERE, date(2025, 3, 3))
    assert unknown["status"] == 1 and unknown["commitment_part_a"] == 0
    assert nurse_mcn.insurability_answer(unknown) is None
    member = _consult(refac, tmp_path, MEDICAL_HOUSE, date(2025, 3, 3))
    assert (member["medical_house_contract"], member["medical_house_start_date"],
            member["medical_house_disciplines"]) == (1, date(2022, 1, 1), "MKI")


def _visit(day: date) -> Visit:
    return Visit(patient=PLAIN, date=day, time=800, nurse=NURSE, code=425014, amount="20.00",  # type: ignore[arg-type]
                 eid_read_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=8))


def test_the_answer_goes_into_the_next_sending_and_refac_accepts_it(refac: RefacService, tmp_path: Path) -> None:
    ledger = NurseLedger(f"sqlite:///{tmp_path / 'nurse.db'}")  # the nurse's own database, never the mutuality's
    group = GroupSettings(third_party_number=GROUP)
    patient = PatientRecord(niss=PLAIN, sex=1, affiliation_mutuality=319, destination_mutuality=319)
    day = date(2025, 3, 3)
    last_day, day_after = day + timedelta(days=29), day + timedelta(days=30)
    month = [_visit(day + timedelta(days=n)) for n in range(31)]  # 3 March … 2 April: the last one is day 31
    ledger.record_book(VisitBook(group=group, patients=[patient], visits=month))
    request = nurse_mcn.consultation(GROUP, PLAIN, day, day, tmp_path / "nurse")
    outcome = refac.mcn.process(request, tmp_path / "out", datetime(2025, 3, 3, 9))
    assert outcome.answer is not None and ledger.apply_insurability(outcome.answer) is not None

    path, _ = ledger.build(group, 202504, tmp_path / "920000.txt", creation_date=date(2025, 4, 5))
    header = read_sending(path).frames["20"].row(0, named=True)
    assert (header["payment_commitment_part_a"], header["insurability_start_date"],
            header["insurability_end_date"]) == (2, day, last_day)
    assert header["ct1_ct2"] == 110110
    settled = refac.process(path, tmp_path / "replies", datetime(2025, 4, 6, 9))
    assert settled.status == "accepted"
    reply = read_reply(next(p for p in settled.written if p.suffix == ".920900"))
    rejected = {r.values["first_service_date"]: [j.code for j in r.rejections] for r in reply.rejected
                if r.record_type == "50"}
    assert rejected == {day_after: ["500525"]}  # the 30th day (last_day) is covered, the 31st is not
    assert last_day not in rejected


# --- 420900 ---------------------------------------------------------------------------------------------------------


def _notify(refac: RefacService, tmp_path: Path, niss: str, start: date, sent: date) -> tuple[str, mcn.Message]:
    request = nurse_mcn.palliative_notification(GROUP, niss, NURSE, start, sent, tmp_path / "nurse")
    outcome = refac.mcn.process(request, tmp_path / "out", datetime.combine(sent, datetime.min.time()))
    assert outcome.answer is not None
    return outcome.status, mcn.read(outcome.answer)


def test_palliative_notification_back_dated_at_most_ten_days(refac: RefacService, tmp_path: Path) -> None:
    sent = date(2025, 3, 11)
    status, answer = _notify(refac, tmp_path, PALLIATIVE, sent - timedelta(days=10), sent)
    assert (status, answer["decision"]) == ("accepted", 0)
    status, answer = _notify(refac, tmp_path, PALLIATIVE, sent - timedelta(days=11), sent)
    assert (status, answer["decision"]) == ("refused", 10) and "10 jours" in answer["comment"]


def test_refused_without_the_doctors_notification_then_accepted_when_the_doctor_regularises(
    refac: RefacService, tmp_path: Path
) -> None:
    sent = date(2025, 3, 11)
    status, answer = _notify(refac, tmp_path, PLAIN, sent, sent)
    assert (status, answer["decision"]) == ("pending", 20) and "medecin" in answer["comment"]
    written = refac.mcn.register_doctor_notification(PLAIN, sent + timedelta(days=30), sent, tmp_path / "out")
    (regularised,) = written
    assert mcn.read(regularised)["decision"] == 0
    notes = refac.mcn.palliative_notifications()
    assert notes.filter(notes["niss"] == PLAIN)["notifier"].sort().to_list() == ["doctor", "nurse"]


def test_a_doctor_regularising_after_30_days_is_too_late(refac: RefacService, tmp_path: Path) -> None:
    sent = date(2025, 3, 11)
    _notify(refac, tmp_path, PLAIN, sent, sent)
    assert refac.mcn.register_doctor_notification(PLAIN, sent + timedelta(days=31), sent, tmp_path / "out") == []
    assert [m.status for m in refac.mcn.messages() if m.kind == "420900"] == ["refused"]


# --- 430000 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(mcn.AGREEMENT_KINDS))
def test_agreement_requests_are_acknowledged(refac: RefacService, tmp_path: Path, kind: str) -> None:
    request = nurse_mcn.agreement_request(GROUP, PLAIN, NURSE, kind, date(2025, 3, 3), date(2025, 6, 30),
                                          date(2025, 3, 1), tmp_path / "nurse")
    outcome = refac.mcn.process(request, tmp_path / "out", datetime(2025, 3, 1, 10))
    assert outcome.answer is not None
    answer = mcn.read(outcome.answer)
    assert (answer.code, answer["decision"], answer["agreement_kind"]) == ("430900", 0, kind)
    assert answer["agreement_number"] > 0 and answer["received_date"] == date(2025, 3, 1)


def test_an_agreement_for_an_unknown_patient_is_refused(refac: RefacService, tmp_path: Path) -> None:
    request = nurse_mcn.agreement_request(GROUP, UNKNOWN_ANYWHERE, NURSE, "A", date(2025, 3, 3), None,
                                          date(2025, 3, 1), tmp_path / "nurse")
    outcome = refac.mcn.process(request, tmp_path / "out", datetime(2025, 3, 1, 10))
    assert outcome.answer is not None
    answer = mcn.read(outcome.answer)
    assert answer["decision"] == 10 and "non connu" in answer["comment"]


# --- the platform's engine routes by message code ----------------------------------------------------------------


def test_the_engine_answers_a_consultation_in_the_mailbox(refac: RefacService, tmp_path: Path) -> None:
    engine = RefacEngine(refac)
    request = nurse_mcn.consultation(GROUP, PLAIN, date(2025, 3, 3), date(2025, 3, 3), tmp_path / "in")
    result = engine.process(request, tmp_path / "out", datetime(2025, 3, 3, 9).astimezone(), GROUP)
    assert (result.status, result.file_type) == (DepositStatus.ACCEPTED, "801000")
    assert [p.suffix for p in result.written] == [".801900"]
    other = engine.process(request, tmp_path / "out2", datetime(2025, 3, 3, 9).astimezone(), "30012345999")
    assert other.status is DepositStatus.REFUSED and other.findings[0].code == "PLT-SENDER"
