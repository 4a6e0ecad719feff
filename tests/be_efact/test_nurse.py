"""The nurse's cycle: visits → 920000 → the mutuality's replies → rejected lines → corrected → next sending."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.be_nursing.formats.frames import read_sending
from tierspayant.schemes.be_nursing.formats.messages import LineError, ReplyHeader, SettlementTotals, write_reply
from tierspayant.schemes.be_nursing.nurse.billing import eid_missing
from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger
from tierspayant.schemes.be_nursing.nurse.visits import GroupSettings, VisitBook, load_book
from tierspayant.schemes.be_nursing.store.nurse.models import Base

BOOK = Path(__file__).parent / "data" / "visits_small.yaml"  # six visits: the expectations below count them


def record_index_of(sending_path: Path, reference: str) -> int:
    sending = read_sending(sending_path)
    lines = sending.frames["50"]
    return int(lines.filter(lines["institution_reference"] == reference)["record_index"][0])


@pytest.fixture
def ledger(database_url: str) -> NurseLedger:
    return NurseLedger(database_url)


def test_migrations_match_the_models(ledger: NurseLedger) -> None:
    with ledger.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_example_book_builds_a_clean_920000(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    assert len(ledger.record_book(book)) == 6
    assert ledger.record_book(book) == []  # the same visits twice are recorded once
    path, _ = ledger.build(book.group, 202403, tmp_path / "920000.txt", creation_date=date(2024, 4, 2))
    sending = read_sending(path)
    assert sending.ok, sending.findings
    assert sending.sending_number == 1
    assert sending.frames["50"].height == 6
    assert sending.frames["52"].height == 6  # every visit had its eID read
    assert sending.frames["51"].height == 4  # the payment commitment covers the first patient's March visits
    headers = {row["niss"]: row for row in sending.frames["20"].iter_rows(named=True)}
    committed = headers[41061512339]
    assert committed["payment_commitment_part_a"] == 2
    assert committed["insurability_end_date"] == date(2024, 3, 31)
    plain = headers[3010224684]
    assert plain["payment_commitment_part_a"] == 0 and plain["insurability_start_date"] is None
    assert ledger.visits({"invoiced"}) and not ledger.visits({"pending"})


def test_full_cycle_with_settlement_and_correction(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    refs = ledger.record_book(book)
    path, _ = ledger.build(book.group, 202403, tmp_path / "s1.txt", creation_date=date(2024, 4, 2))
    sending = read_sending(path)
    faulty, same_day = refs[0], refs[1]
    errors = {
        record_index_of(path, faulty): LineError(("502255",), "425014 2024-03-04 facturee par 10234569003"),
        record_index_of(path, same_day): LineError(("500118",), ""),
    }
    header = ReplyHeader(settlement=[SettlementTotals(131, payment_date=date(2024, 4, 16))])
    reply = write_reply("920900", sending, errors, header, tmp_path / "920900.txt")
    result = ledger.import_reply(reply)
    assert (result.kind, result.accepted, result.rejected, result.requeued) == ("920900", 4, 1, 1)
    assert ledger.import_reply(reply).already_imported  # the same reply twice changes nothing
    assert ledger.sendings() == [(1, "settled")]

    (line,) = ledger.rejected_lines()
    assert line.reference == faulty and line.codes == ("502255",)
    assert "unités" in line.labels_fr[0].lower() or "maximum" in line.labels_fr[0].lower()
    assert line.labels_nl[0] and line.labels_nl[0] != line.labels_fr[0]
    assert line.comment.startswith("425014 2024-03-04")
    assert line.sending_number == 1

    ledger.correct(faulty, code=425036)
    path2, model2 = ledger.build(book.group, 202404, tmp_path / "s2.txt", creation_date=date(2024, 5, 2))
    assert model2.sending_number == 2  # a new number: never the one already used
    resent = read_sending(path2).frames["50"]
    assert sorted(resent["institution_reference"].to_list()) == sorted([faulty, same_day])
    assert 425036 in resent["nomenclature_code"].to_list()
    assert ledger.rejected_lines() == []


def test_rejected_file_is_resent_with_its_number(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    ledger.record_book(book)
    path, _ = ledger.build(book.group, 202403, tmp_path / "s1.txt")
    sending = read_sending(path)
    index = int(sending.frames["50"]["record_index"][0])
    header = ReplyHeader(error_percentage=__import__("decimal").Decimal("16.67"), refusal_type=2)
    result = ledger.import_reply(write_reply("920099", sending, {index: (["500545"], "Hospitalise")}, header,
                                             tmp_path / "920099.txt"))
    assert (result.rejected, result.requeued) == (1, 5)
    assert ledger.sendings() == [(1, "rejected")]
    with pytest.raises(FindingsError):
        ledger.build(book.group, 202403, tmp_path / "again.txt", resend=2)  # 2 was never sent
    reference = ledger.rejected_lines()[0].reference
    ledger.correct(reference, date="2024-03-12")
    path2, model2 = ledger.build(book.group, 202403, tmp_path / "s1bis.txt", resend=1)
    assert model2.sending_number == 1 and read_sending(path2).frames["50"].height == 6
    # once settled, number 1 can never be used again
    ledger.import_reply(write_reply("920900", read_sending(path2), {}, ReplyHeader(), tmp_path / "ok.txt"))
    assert ledger.sendings() == [(1, "settled")]
    ledger.record_book(VisitBook(group=book.group, patients=book.patients, visits=[
        book.visits[0].model_copy(update={"date": date(2024, 4, 2)})]))
    with pytest.raises(FindingsError, match="never re-used"):
        ledger.build(book.group, 202404, tmp_path / "s3.txt", resend=1)
    assert ledger.build(book.group, 202404, tmp_path / "s3.txt")[1].sending_number == 2


def test_nothing_half_done_when_the_file_cannot_be_written(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    ledger.record_book(book)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        ledger.build(book.group, 202403, blocker / "920000.txt")
    assert ledger.sendings() == [] and len(ledger.visits({"pending"})) == 6


def test_reply_for_another_sending_changes_nothing(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    ledger.record_book(book)
    ledger.build(book.group, 202403, tmp_path / "s1.txt")
    other = load_book(BOOK)
    other_ledger_path = tmp_path / "elsewhere.txt"
    from tierspayant.schemes.be_nursing.formats.messages import render_920000, write_lines
    from tierspayant.schemes.be_nursing.nurse.billing import build_sending

    patients = {p.niss: p for p in other.patients}
    model = build_sending(other.group, patients, [("X1", other.visits[0])], 202403, 7, date(2024, 4, 2))
    write_lines(render_920000(model), other_ledger_path)
    reply = write_reply("920900", read_sending(other_ledger_path), {}, ReplyHeader(), tmp_path / "r.txt")
    with pytest.raises(FindingsError):
        ledger.import_reply(reply)
    assert ledger.sendings() == [(1, "sent")]


def test_csv_visits(tmp_path: Path) -> None:
    csv_path = tmp_path / "visits.csv"
    csv_path.write_text(
        "patient,sex,affiliation_mutuality,destination_mutuality,date,time,nurse,code,amount,eid_read_at\n"
        "41061512339,1,131,131,2024-03-04,08:00,10234567001,425014,18.51,2024-03-04T08:02:00\n"
        "41061512339,1,131,131,2024-03-05,08:00,10234567001,425014,18.51,\n"
    )
    book = load_book(csv_path, GroupSettings(third_party_number="30012345001"))
    assert len(book.patients) == 1 and len(book.visits) == 2
    assert [v.date for v in eid_missing(book.visits)] == [date(2024, 3, 5)]
    with pytest.raises(ValueError, match="group"):
        load_book(csv_path)


def test_invalid_niss_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BOOK.read_text().replace("41061512339", "41061512338"))
    with pytest.raises(ValueError, match="niss"):
        load_book(bad)


def test_the_same_visit_twice_in_one_book_is_recorded_once(ledger: NurseLedger) -> None:
    book = load_book(BOOK)
    doubled = VisitBook(group=book.group, patients=book.patients + book.patients, visits=book.visits + book.visits)
    assert len(ledger.record_book(doubled)) == len(book.visits)
    assert len(ledger.visits({"pending"})) == len(book.visits)


def test_invoice_and_eid_rejections_reach_their_lines(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    ledger.record_book(book)
    path, _ = ledger.build(book.group, 202403, tmp_path / "s1.txt", creation_date=date(2024, 4, 2))
    sending = read_sending(path)
    first_invoice = int(sending.frames["20"]["record_index"][0])
    in_first = sending.frames["50"].filter(sending.frames["50"]["invoice_index"] == 1)
    eid_of_other = sending.frames["52"].filter(sending.frames["52"]["service_record_index"] > int(
        sending.frames["20"]["record_index"][1]))
    errors = {
        first_invoice: LineError(("200742",), "NISS inconnu"),
        int(eid_of_other["record_index"][0]): LineError(("529902",), ""),
    }
    reply = write_reply("920900", sending, errors, ReplyHeader(), tmp_path / "920900.txt")
    result = ledger.import_reply(reply)
    rejected = {line.reference: line.codes for line in ledger.rejected_lines()}
    assert set(in_first["institution_reference"]) <= set(rejected)
    assert all(rejected[ref] == ("200742",) for ref in in_first["institution_reference"])
    eid_line = sending.frames["50"].filter(
        sending.frames["50"]["record_index"] == int(eid_of_other["service_record_index"][0])
    )["institution_reference"][0]
    assert rejected[eid_line] == ("529902",)
    assert result.rejected == in_first.height + 1 and result.accepted == 6 - result.rejected


def test_a_truncated_reply_is_refused_and_changes_nothing(ledger: NurseLedger, tmp_path: Path) -> None:
    book = load_book(BOOK)
    ledger.record_book(book)
    path, _ = ledger.build(book.group, 202403, tmp_path / "s1.txt")
    settlement = ReplyHeader(settlement=[SettlementTotals(131, payment_date=date(2024, 4, 16))])
    reply = write_reply("920900", read_sending(path), {}, settlement, tmp_path / "r.txt")
    reply.write_bytes(reply.read_bytes()[:-500])  # cut inside the last record, the settlement 91
    with pytest.raises(FindingsError) as refused:
        ledger.import_reply(reply)
    assert {f.code for f in refused.value.findings} == {"E000003"}
    assert ledger.sendings() == [(1, "sent")] and len(ledger.visits({"invoiced"})) == 6
