"""RefacService end to end: real 920000 files in, real replies out (read back with the nurse side's reader),
the registry on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tierspayant.schemes.be_nursing.formats.messages import read_reply
from tierspayant.schemes.be_nursing.formats.zones import RECORDS
from tierspayant.schemes.be_nursing.mutuality.service import RefacService
from tierspayant.schemes.be_nursing.store.mutuality.registry import SendingKey

from . import files
from .helpers import FIRST_VISIT, HOSPITAL_KNOWN, NEXT_VISIT, NURSE_2, OTHER, PLAIN

RECEIVED = datetime(2025, 4, 2, 9, 30)


@pytest.fixture
def refac(database_url: str) -> Iterator[RefacService]:
    service = RefacService(database_url)
    yield service
    service.close()


def _codes(path: Path) -> dict[int, list[str]]:
    reply = read_reply(path)
    return {r.record_index: [x.code for x in r.rejections] for r in reply.records if r.rejections}


def test_clean_file_is_settled_with_payment_two_weeks_after_reception(refac: RefacService, tmp_path: Path) -> None:
    model = files.sending(
        files.invoice(PLAIN, files.service(FIRST_VISIT), files.service(424255, amount="12.34")),
        files.invoice(OTHER, files.service(FIRST_VISIT, amount="20.00"), number=2),
    )
    outcome = refac.process(files.write(model, tmp_path), tmp_path / "out", received_at=RECEIVED)
    assert (outcome.status, outcome.reply_kind, outcome.replies) == ("accepted", "920900", ("920900",))
    assert outcome.payment_date == date(2025, 4, 16) and outcome.payment_order == 1
    assert outcome.counts.accepted_lines == 3 and outcome.counts.accepted_amount == Decimal("42.34")
    assert outcome.error_percentage == Decimal("0.00")
    assert outcome.acknowledgement is not None
    acknowledgement = read_reply(outcome.acknowledgement)
    assert (acknowledgement.kind, acknowledgement.sending_number, acknowledgement.records) == ("931000", 7, [])
    settlement = read_reply(outcome.written[0])
    assert settlement.kind == "920900" and settlement.rejected == [] and settlement.findings == []
    assert settlement.payment_date == date(2025, 4, 16)
    assert settlement.totals["92"][0]["accepted_total"] == 4234
    assert refac.registry.service_count() == 3


def test_rejected_line_with_propagation_and_informative_codes(refac: RefacService, tmp_path: Path) -> None:
    # 40 clean lines; a day in hospital (rejected); a day with an unknown code next to a first visit (500118);
    # a second visit without a first that day (informative 500452)
    model = files.sending(
        files.days_of_visits(PLAIN, 40),
        files.invoice(
            HOSPITAL_KNOWN,
            files.service(424255, day=date(2025, 3, 15)),
            files.service(999999, day=date(2025, 3, 22)),
            files.service(FIRST_VISIT, day=date(2025, 3, 22)),
            files.service(NEXT_VISIT, day=date(2025, 3, 25)),
            number=2,
        ),
    )
    outcome = refac.process(files.write(model, tmp_path), tmp_path / "out", received_at=RECEIVED)
    assert outcome.status == "accepted" and outcome.replies == ("920098", "920900")
    assert outcome.counts.rejected_lines == 3 and outcome.counts.lines_in_error == 2
    assert outcome.error_percentage == Decimal("4.55")  # 2 of 44
    informative, settlement = outcome.written
    settled = _codes(settlement)
    hospital_line = next(k for k, v in settled.items() if v == ["500545"])
    unknown_line = next(k for k, v in settled.items() if v == ["500420"])
    assert settled[hospital_line + 1] == ["500119"]  # its record 52 shares its fate
    assert settled[unknown_line + 2] == ["500118"]  # the first visit of that day (after the 52 of the faulty line)
    assert any("500452" in codes for codes in _codes(informative).values())
    assert not any("500452" in codes for codes in settled.values())  # informative codes never in the 920900
    comments = {r.record_index: r.comment for r in read_reply(settlement).records}
    assert comments[hospital_line] == "Hospitalise 71099901 du 10/03/2025 a 20/03/2025"
    assert comments[unknown_line + 2] == f"Erreur dans l'enregistrement {unknown_line} du meme jour"


def test_more_than_five_percent_rejects_the_file_and_the_number_can_be_used_again(
    refac: RefacService, tmp_path: Path
) -> None:
    bad = [files.service(424255, day=date(2025, 3, 12 + i), eid=False) for i in range(3)]
    model = files.sending(files.days_of_visits(PLAIN, 40), files.invoice(OTHER, *bad, number=2))
    outcome = refac.process(files.write(model, tmp_path, "first.txt"), tmp_path / "out", received_at=RECEIVED)
    assert (outcome.status, outcome.reply_kind, outcome.refusal_type) == ("rejected", "920099", "02")
    assert outcome.error_percentage == Decimal("6.98")  # 3 of 43
    reply = read_reply(outcome.written[0])
    assert reply.refusal_type == 2 and reply.error_percentage == Decimal("6.98")
    assert refac.registry.service_count() == 0
    assert refac.registry.accepted_with_number(SendingKey(files.THIRD_PARTY, 2025, 7)) is None

    still_bad = refac.process(tmp_path / "first.txt", tmp_path / "out", received_at=RECEIVED)
    assert still_bad.written == (tmp_path / "out" / "first.2.920099",)  # the first rejection is kept

    fixed = files.sending(files.days_of_visits(PLAIN, 40), files.invoice(OTHER, *bad[:2], number=2))
    again = refac.process(files.write(fixed, tmp_path, "second.txt"), tmp_path / "out", received_at=RECEIVED)
    assert again.status == "accepted" and again.error_percentage == Decimal("4.76")  # 2 of 42


def test_duplicate_of_an_accepted_sending_gets_a_920098_saying_so(refac: RefacService, tmp_path: Path) -> None:
    path = files.write(files.sending(files.invoice(PLAIN, files.service(FIRST_VISIT))), tmp_path)
    first = refac.process(path, tmp_path / "out", received_at=RECEIVED)
    again = refac.process(path, tmp_path / "out2", received_at=RECEIVED + timedelta(days=1))
    assert first.status == "accepted"
    assert (again.status, again.reply_kind) == ("duplicate", "920098")
    assert "déjà accepté le 02/04/2025" in again.findings[0].message
    assert any(r.comment.startswith("Envoi 007 deja accepte") for r in read_reply(again.written[0]).records)
    reply = read_reply(again.written[0])
    assert reply.segment_errors == {"300": {"sending_number": 40}}
    assert refac.registry.service_count() == 1  # nothing billed twice


def test_reused_sending_number_is_refused_even_after_cancellation(refac: RefacService, tmp_path: Path) -> None:
    first = files.sending(files.invoice(PLAIN, files.service(FIRST_VISIT)))
    refac.process(files.write(first, tmp_path, "a.txt"), tmp_path / "out", received_at=RECEIVED)
    refac.registry.cancel(SendingKey(files.THIRD_PARTY, 2025, 7), datetime(2025, 5, 1))
    other = files.sending(files.invoice(OTHER, files.service(FIRST_VISIT)))
    outcome = refac.process(files.write(other, tmp_path, "b.txt"), tmp_path / "out", received_at=RECEIVED)
    assert (outcome.status, outcome.reply_kind) == ("refused", "920999")
    assert outcome.findings[0].code == "E301040" and "annulé depuis" in outcome.findings[0].message
    assert read_reply(outcome.written[0]).segment_errors == {"300": {"sending_number": 40}}
    assert refac.registry.service_count() == 1


def test_history_of_accepted_sendings_is_checked(refac: RefacService, tmp_path: Path) -> None:
    first = files.sending(files.days_of_visits(PLAIN, 30), number=1)
    assert refac.process(files.write(first, tmp_path, "a.txt"), tmp_path / "o", received_at=RECEIVED).status == (
        "accepted"
    )
    second = files.sending(
        files.days_of_visits(OTHER, 30),
        files.invoice(PLAIN, files.service(FIRST_VISIT, provider=NURSE_2), number=9),
        number=2,
    )
    outcome = refac.process(files.write(second, tmp_path, "b.txt"), tmp_path / "o", received_at=RECEIVED)
    assert outcome.status == "accepted" and outcome.payment_order == 2
    rejected = [f for f in outcome.findings if f.code == "502255"]
    assert [f.message for f in rejected] == ["425014 du 03/03/2025 facturée par 10000000001"]


def test_wrong_check_digits_of_a_line_block_the_file(refac: RefacService, tmp_path: Path) -> None:
    path = files.write(files.sending(files.invoice(PLAIN, files.service(FIRST_VISIT))), tmp_path)
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("50"))
    lines[index] = lines[index][:-2] + ("00" if lines[index][-2:] != "00" else "01")
    path.write_text("\n".join(lines) + "\n")
    outcome = refac.process(path, tmp_path / "out", received_at=RECEIVED)
    assert (outcome.status, outcome.refusal_type) == ("rejected", "01")
    assert _codes(outcome.written[0]) == {index + 1: ["509902"], index + 2: ["500119"]}  # its record 52 too


def test_broken_totals_record_96_is_refused_at_preliminary_control(refac: RefacService, tmp_path: Path) -> None:
    path = files.write(files.sending(files.invoice(PLAIN, files.service(FIRST_VISIT))), tmp_path)
    lines = path.read_text().splitlines()
    assert lines[-1].startswith("96")
    zone = RECORDS["96"].zone("record_count")
    lines[-1] = lines[-1][: zone.offset] + "9" * zone.length + lines[-1][zone.end :]  # wrong number of records
    path.write_text("\n".join(lines) + "\n")
    outcome = refac.process(path, tmp_path / "out", received_at=RECEIVED)
    assert (outcome.status, outcome.reply_kind) == ("refused", "920999")
    assert outcome.findings[0].code == "E960720"
    assert read_reply(outcome.written[0]).segment_errors == {"96": {"record_count": 20}}
    assert refac.registry.service_count() == 0


@pytest.mark.parametrize("content", [b"", b"200000 garbage", b"\x00\xff" * 400])
def test_unreadable_files_are_refused_and_leave_nothing(refac: RefacService, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    outcome = refac.process(path, tmp_path / "out", received_at=RECEIVED)
    assert outcome.status == "refused" and outcome.reply_kind == "920999"
    assert outcome.findings and all(f.file == "bad.txt" for f in outcome.findings)
    assert refac.registry.service_count() == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bad.920999", "bad.931000"]  # nothing staged left


def test_same_invoices_under_a_new_sending_number_are_never_paid_twice(refac: RefacService, tmp_path: Path) -> None:
    invoice = files.days_of_visits(PLAIN, 20)
    first = refac.process(files.write(files.sending(invoice, number=1), tmp_path, "a.txt"), tmp_path / "o", RECEIVED)
    again = refac.process(files.write(files.sending(invoice, number=2), tmp_path, "b.txt"), tmp_path / "o", RECEIVED)
    assert first.status == "accepted" and first.counts.accepted_lines == 20
    assert (again.status, again.refusal_type, again.error_percentage) == ("rejected", "02", Decimal("100.00"))
    assert {f.code for f in again.findings} >= {"500423"}
    assert refac.registry.service_count() == 20


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        # the truncated record no longer adds up in the records 95/96: caught at the preliminary control
        ("truncated", ("refused", "920999", None)),
        ("out_of_order", ("rejected", "920099", "01")),
    ],
)
def test_broken_structure_rejects_the_whole_file(
    refac: RefacService, tmp_path: Path, damage: str, expected: tuple[str, str, str | None]
) -> None:
    model = files.sending(files.invoice(PLAIN, files.service(FIRST_VISIT), files.service(424255)))
    path = files.write(model, tmp_path)
    lines = path.read_text().splitlines()
    first_50 = next(i for i, line in enumerate(lines) if line.startswith("50"))
    if damage == "truncated":
        lines[first_50] = lines[first_50][:200]
    else:  # the invoice trailer 80 before the last record 52 of its invoice
        trailer = next(i for i, line in enumerate(lines) if line.startswith("80"))
        lines[trailer - 1], lines[trailer] = lines[trailer], lines[trailer - 1]
    path.write_text("\n".join(lines) + "\n")
    outcome = refac.process(path, tmp_path / "out", received_at=RECEIVED)
    assert (outcome.status, outcome.reply_kind, outcome.refusal_type) == expected
    assert outcome.findings and all(f.file == path.name for f in outcome.findings)
    assert refac.registry.service_count() == 0
    assert refac.registry.accepted_with_number(SendingKey(files.THIRD_PARTY, 2025, 7)) is None
    reply = read_reply(outcome.written[0])
    if damage == "out_of_order":
        assert reply.refusal_type == 1
        misplaced = next(i for i, line in enumerate(lines) if line.startswith("80"))
        assert any(r.record_index == misplaced + 2 and r.rejections for r in reply.records)  # the 52 after it
    else:
        assert reply.segment_errors["95"] == {"record_count": 20, "check_number": 20}
