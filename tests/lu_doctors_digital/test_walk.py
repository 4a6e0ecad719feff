"""The walk: consultation → fee note with QR → eDocuments → the patient's claim with the QR read from the rendered
PDF → reimbursement → statuses on both sides; PID paid and PID falling back; an assistant refused then delegated;
a tampered QR refused; a fee note claimed twice (page and paper) reimbursed once."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_doctors import ActRequest, BillingMode, FeeNote
from tierspayant.schemes.lu_doctors.digital.qr_payload import verify_fee_note_qr
from tierspayant.schemes.lu_doctors.digital.reader import qr_texts_from_pdf
from tierspayant.schemes.lu_doctors.edocuments.model import Status
from tierspayant.schemes.lu_doctors.edocuments.vault import VaultError
from tierspayant.schemes.lu_doctors.practice.feenotes_digital import Right

from .conftest import Parties
from .helpers import ADULT, CHILD, DAY, DOCTOR
from .test_pdf_qr import _forge_amount
from .world import World, build_world


@pytest.fixture
def world(parties: Parties, other_url: Callable[[str], str]) -> Iterator[World]:
    built = build_world(parties, other_url, {ADULT: True, CHILD: True})
    yield built
    built.close()


def consultation(world: World, number: str, matricule: str = ADULT, paid: bool = True) -> FeeNote:
    note = world.practice.new_fee_note(number, DOCTOR, matricule, DAY, [ActRequest("C1", DAY)])
    return note.model_copy(update={"paid_on": DAY}) if paid else note


def test_walk_claim_from_the_page_with_the_qr_read_from_the_pdf(world: World) -> None:
    issued = world.doctor.issue(consultation(world, "FN-1"))
    assert issued.receipt is not None and issued.receipt.status is Status.AVAILABLE
    # the patient's app reads the QR code off the paper (the rendered page), verifies it offline, finds the copy
    patient = world.parties.client("t-patient")
    [text] = qr_texts_from_pdf(issued.pdf)
    qr = verify_fee_note_qr(text, patient.key_set()).qr
    [document] = [d for d in patient.documents() if (d.doctor_code, d.fee_note_number) == (qr.doctor_code, qr.number)]
    assert document.status is Status.AVAILABLE
    assert patient.submit(document.receipt, "page").status is Status.SUBMITTED
    world.parties.clock.value = world.parties.clock.value.replace(day=3)
    [outcome] = world.fund.process_submitted()
    # 58.50 € at 88 % (adult): 51.48 € to the patient
    assert outcome.paid and outcome.amount == Decimal("51.48")
    assert patient.document(document.receipt).status is Status.REIMBURSED
    world.doctor.refresh()
    [row] = world.doctor.statuses()
    assert (row.fee_note_id, row.status, row.with_qr) == ("FN-1", "reimbursed", True)
    assert "51.48 EUR to the patient" in (row.reimbursed_reason or "")
    # the same fee note's paper arrives at the fund by post: reimbursed once
    paper = world.fund.claim_paper(text)
    assert (paper.paid, paper.code) == (False, "DFN-ALREADY-PAID")
    assert len(world.fund_store.payments()) == 1


def test_paper_first_then_page_reimbursed_once(world: World) -> None:
    issued = world.doctor.issue(consultation(world, "FN-2", CHILD))
    [text] = qr_texts_from_pdf(issued.pdf)
    outcome = world.fund.claim_paper(text)
    assert outcome.paid and outcome.amount == Decimal("58.50")  # under 18: 100 %
    assert issued.receipt is not None
    child = world.parties.client("t-child")
    with pytest.raises(VaultError) as again:
        child.submit(issued.receipt.receipt, "page")
    assert again.value.findings[0].code == "EDOC-ALREADY"
    assert world.fund.process_submitted() == []
    assert [p.channel for p in world.fund_store.payments()] == ["paper"]


def test_paper_while_the_page_claim_is_pending(world: World) -> None:
    issued = world.doctor.issue(consultation(world, "FN-3"))
    assert issued.receipt is not None
    world.parties.client("t-patient").submit(issued.receipt.receipt, "page")
    [text] = qr_texts_from_pdf(issued.pdf)
    assert world.fund.claim_paper(text).code == "DFN-ALREADY-CLAIMED"
    assert [o.paid for o in world.fund.process_submitted()] == [True]
    assert len(world.fund_store.payments()) == 1


def test_unpaid_fee_note_deposited_then_claimable_once_paid(world: World) -> None:
    issued = world.doctor.issue(consultation(world, "FN-4", paid=False))
    assert issued.receipt is not None and issued.receipt.status is Status.DEPOSITED
    [text] = qr_texts_from_pdf(issued.pdf)
    assert world.fund.claim_paper(text).code == "DFN-UNPAID"
    world.doctor.record_payment("FN-4", date(2026, 3, 5))
    assert world.fund.claim_paper(text).paid


def test_tampered_qr_refused_by_the_fund(world: World) -> None:
    issued = world.doctor.issue(consultation(world, "FN-5"))
    [text] = qr_texts_from_pdf(issued.pdf)
    outcome = world.fund.claim_paper(_forge_amount(text))
    assert (outcome.paid, outcome.code) == (False, "QR-BAD-SIGNATURE")
    assert world.fund_store.payments() == []


def test_corrected_fee_note_old_paper_refused_new_one_paid(world: World) -> None:
    first = world.doctor.issue(consultation(world, "FN-6"))
    corrected_note = first.fee_note.model_copy(
        update={"acts": (first.fee_note.acts[0].model_copy(update={"quantity": 2, "amount": Decimal("117.00")}),),
                "total": Decimal("117.00")}
    )  # fmt: skip
    second = world.doctor.correct(corrected_note)
    assert second.receipt is not None and first.receipt is not None
    assert (second.receipt.version, second.receipt.lineage) == (2, first.receipt.receipt)
    [old_text] = qr_texts_from_pdf(first.pdf)
    assert world.fund.claim_paper(old_text).code == "DFN-REPLACED"
    [new_text] = qr_texts_from_pdf(second.pdf)
    assert world.fund.claim_paper(new_text).amount == Decimal("102.96")  # 117.00 × 88 %


def test_wrong_fund_and_not_insured_refused(world: World) -> None:
    world.fund_store.add_insured(CHILD, "CMFEP", date(2026, 3, 1))  # changed fund on 1 March
    issued = world.doctor.issue(consultation(world, "FN-7", CHILD))
    [text] = qr_texts_from_pdf(issued.pdf)
    outcome = world.fund.claim_paper(text)
    assert outcome.code == "DFN-WRONG-FUND"
    # near miss: the fee note of the day before the change is paid
    assert world.fund_store.fund_of(CHILD, date(2026, 2, 28)) == "CNS"
    assert world.fund_store.fund_of(CHILD, date(2026, 3, 1)) == "CMFEP"
    assert world.fund_store.fund_of("1999010100000", date(2026, 3, 1)) is None


def test_opted_out_patient_no_qr_not_sent(world: World) -> None:
    world.doctor.record_choice(ADULT, False, date(2026, 3, 1))
    issued = world.doctor.issue(consultation(world, "FN-8"))
    assert issued.qr_text is None and issued.receipt is None
    assert qr_texts_from_pdf(issued.pdf) == []
    assert world.parties.client("t-doctor").documents() == []
    [row] = world.doctor.statuses()
    assert (row.sent, row.status, row.with_qr) == (False, "not_sent", False)
    # the day before the opt-out, the patient was still opted in
    assert world.doctor.opted_in(ADULT, date(2026, 2, 28)) and not world.doctor.opted_in(ADULT, date(2026, 3, 1))


def test_pid_paid_one_transfer(world: World) -> None:
    note = consultation(world, "FN-9", paid=False).model_copy(update={"mode": BillingMode.PID})
    outcome = world.doctor.pid(note, world.pid_http)
    assert outcome.paid and outcome.amount == Decimal("51.48") and outcome.transfer_id
    [payment] = world.fund_store.payments()
    assert (payment.channel, payment.payee, payment.transfer_id) == ("pid", "doctor", outcome.transfer_id)
    [row] = world.doctor.statuses()
    assert (row.pid_state, row.status) == ("paid", "reimbursed")
    # a second PID request for the same fee note is refused: one transfer per fee note
    assert row.receipt is not None
    again = world.pid_http.post("/pid", json={"receipt": row.receipt}).json()
    assert (again["accepted"], again["code"]) == (False, "DFN-STATUS")
    assert len(world.fund_store.payments()) == 1


@pytest.fixture
def silent_fund() -> Iterator[httpx.Client]:
    """A fund endpoint that accepts the connection and never answers (a real socket, a real read timeout)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    with httpx.Client(base_url=f"http://127.0.0.1:{server.getsockname()[1]}") as client:
        yield client
    server.close()


def test_pid_without_answer_falls_back(world: World, silent_fund: httpx.Client) -> None:
    note = consultation(world, "FN-10", paid=False).model_copy(update={"mode": BillingMode.PID})
    outcome = world.doctor.pid(note, silent_fund, timeout=0.3)
    assert (outcome.paid, outcome.fell_back, outcome.code) == (False, True, "DOC-PID-NO-ANSWER")
    [row] = world.doctor.statuses()
    assert row.pid_state == "fallback" and row.version == 2 and "did not answer" in (row.pid_reason or "")
    current = world.parties.client("t-fund").match(DOCTOR, "FN-10")
    assert (current.mode, current.version, current.has_qr) == ("reimbursement", 2, True)
    # the patient pays in full, then is reimbursed the digitalised way
    world.doctor.record_payment("FN-10", DAY)
    [text] = qr_texts_from_pdf(world.doctor.statuses()[0].pdf)
    assert world.fund.claim_paper(text).amount == Decimal("51.48")


def test_pid_refused_by_the_fund_falls_back(world: World) -> None:
    world.fund_store.add_insured(ADULT, "EMCFL", date(2026, 3, 1))
    note = consultation(world, "FN-11", paid=False).model_copy(update={"mode": BillingMode.PID})
    outcome = world.doctor.pid(note, world.pid_http)
    assert (outcome.fell_back, outcome.code) == (True, "DFN-WRONG-FUND")
    assert world.fund_store.payments() == []


def test_assistant_refused_then_delegated(world: World) -> None:
    with pytest.raises(FindingsError) as refused:
        world.assistant.issue(consultation(world, "FN-12"))
    assert refused.value.findings[0].code == "DOC-DELEGATION"
    assert world.practice.fee_note("FN-12") is None  # nothing written
    world.doctor.grant("paul.assistant", {Right.PREPARE, Right.SIGN})
    with pytest.raises(FindingsError) as no_send:
        world.assistant.issue(consultation(world, "FN-12"))
    assert "send" in no_send.value.findings[0].message
    world.doctor.grant("paul.assistant", {Right.SEND})
    issued = world.assistant.issue(consultation(world, "FN-12"))
    assert issued.receipt is not None
    [on_behalf] = world.doctor.prepared_on_behalf()
    assert (on_behalf.fee_note_number, on_behalf.prepared_by) == ("FN-12", "paul.assistant")
    with pytest.raises(FindingsError):
        world.assistant.grant("paul.assistant", {Right.SEND})  # only the doctor delegates
    world.doctor.revoke("paul.assistant", Right.SEND)
    assert not world.assistant.may(Right.SEND) and world.assistant.may(Right.SIGN)


def test_compensation_statement_per_period(world: World) -> None:
    world.doctor.issue(consultation(world, "FN-13"))
    world.doctor.issue(consultation(world, "FN-14", CHILD))
    world.doctor.record_choice(ADULT, False, date(2026, 3, 1))
    world.doctor.issue(consultation(world, "FN-15"))  # opted out: not sent, not compensated
    [line] = world.compensation.make_statements(date(2026, 3, 1), date(2026, 3, 31))
    assert (line.doctor_code, line.documents, line.amount) == (DOCTOR, 2, Decimal("0.80"))  # 2 × 0.40
    with pytest.raises(FindingsError) as twice:
        world.compensation.make_statements(date(2026, 3, 1), date(2026, 3, 31))
    assert twice.value.findings[0].code == "DFN-COMP-DUPLICATE"
    paid = world.compensation.pay(DOCTOR, date(2026, 3, 1), date(2026, 4, 10))
    assert paid.paid_on == date(2026, 4, 10) and paid.transfer_id
    assert world.compensation.csv().splitlines()[1].startswith(f"{DOCTOR},2026-03-01,2026-03-31,2,0.80,2026-04-10,")


def test_reconciliation_for_the_doctor(world: World) -> None:
    from tierspayant.schemes.lu_doctors.practice.digital_reconciliation import (
        by_month,
        month_chart_svg,
        reconcile,
        to_csv,
    )

    pid_note = consultation(world, "FN-20", paid=False).model_copy(update={"mode": BillingMode.PID, "paid_on": DAY})
    assert world.doctor.pid(pid_note, world.pid_http).paid  # fund 51.48 to the doctor, patient paid 7.02
    world.doctor.issue(consultation(world, "FN-21", paid=False))  # unpaid, reimbursement mode: 58.50 due
    world.doctor.issue(consultation(world, "FN-22"))  # paid in full by the patient
    world.doctor.refresh()
    lines = {line.fee_note: line for line in reconcile(world.practice, DOCTOR)}
    assert (lines["FN-20"].received_from_fund, lines["FN-20"].received_from_patient) == (
        Decimal("51.48"),
        Decimal("7.02"),
    )
    assert lines["FN-20"].due_from_patient == Decimal("0.00") and lines["FN-20"].pid_transfer_id
    assert lines["FN-21"].due_from_patient == Decimal("58.50")
    assert (lines["FN-22"].received_from_patient, lines["FN-22"].due_from_patient) == (
        Decimal("58.50"),
        Decimal("0.00"),
    )
    [march] = by_month(list(lines.values()))
    assert (march.month, march.fee_notes, march.invoiced, march.received_from_fund, march.due_from_patients) == (
        "2026-03", 3, Decimal("175.50"), Decimal("51.48"), Decimal("58.50"),
    )  # fmt: skip
    csv_text = to_csv(list(lines.values()))
    assert csv_text.splitlines()[0].startswith("fee_note;issued_on;mode;total")
    assert "FN-21;2026-03-02;reimbursement;58.50;51.48;7.02;;0.00;;0.00;58.50;available" not in csv_text
    assert "FN-21;2026-03-02;reimbursement;58.50;51.48;7.02;;0.00;;0.00;58.50;deposited;EDOC-" in csv_text
    assert month_chart_svg(by_month(list(lines.values()))).count("<rect") == 3


def test_assistant_rights_from_the_platform_delegations(world: World) -> None:
    from tierspayant.platform.accounts import Principal, Role
    from tierspayant.platform.accounts import Right as PlatformRight
    from tierspayant.schemes.lu_doctors.platform.digital import delegated_rights

    def assistant(rights: set[PlatformRight]) -> Principal:
        return Principal(7, "paul.assistant", "Paul", Role.ASSISTANT, delegations={DOCTOR: frozenset(rights)})

    world.assistant.delegated = delegated_rights(assistant({PlatformRight.READ, PlatformRight.PREPARE}), DOCTOR)
    with pytest.raises(FindingsError) as refused:
        world.assistant.issue(consultation(world, "FN-30"))
    assert "sign, send" in refused.value.findings[0].message
    world.assistant.delegated = delegated_rights(assistant({PlatformRight.PREPARE, PlatformRight.SEND}), DOCTOR)
    assert world.assistant.issue(consultation(world, "FN-30")).receipt is not None
    # the same assistant, delegated by another doctor only: no right here
    other = Principal(7, "paul.assistant", "Paul", Role.ASSISTANT, delegations={"10999999": frozenset(PlatformRight)})
    assert not delegated_rights(other, DOCTOR)(Right.PREPARE)
