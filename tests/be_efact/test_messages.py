"""Replies: written on the mutuality side, read back on the nurse side, every kind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE
from tierspayant.schemes.be_nursing.formats.frames import read_sending
from tierspayant.schemes.be_nursing.formats.messages import (
    LineError,
    ReplyHeader,
    SettlementTotals,
    read_reply,
    render_reply,
    write_reply,
)


@pytest.fixture
def sending():  # type: ignore[no-untyped-def]
    return read_sending(SAMPLE_FILE)


def test_920099_round_trip(sending, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    errors = {5: LineError(("500545", "500119"), "Hospitalise CHU du 2024-03-01 a 2024-03-10"), 8: (["500119"], "")}
    header = ReplyHeader(error_percentage=Decimal("12.50"), refusal_type=2, mutuality_reference="31000000000042")
    path = write_reply("920099", sending, errors, header, tmp_path / "920099.txt")
    lines = path.read_text().splitlines()
    assert len(lines[0]) == 67 and len(lines[1]) == 160
    assert all(len(line) == 800 for line in lines[2:] if line[:2] not in ("95", "96"))
    assert lines[4][456:463] == "R500545" and lines[4][533:577].startswith("Hospitalise CHU")
    reply = read_reply(path)
    assert reply.kind == "920099" and not reply.findings
    assert reply.error_percentage == Decimal("12.50") and reply.refusal_type == 2
    assert reply.sending_number == 1
    rejected = {r.record_index: r for r in reply.rejected}
    assert set(rejected) == {5, 8}
    assert [j.code for j in rejected[5].rejections] == ["500545", "500119"]
    assert rejected[5].rejections[0].letter == "R"
    assert rejected[5].comment == "Hospitalise CHU du 2024-03-01 a 2024-03-10"
    assert rejected[5].values["nomenclature_code"] == 425014
    assert "hospitalis" in rejected[5].rejections[0].label("fr").lower()
    assert "bloc" in rejected[5].rejections[1].label("fr") and "geheel" in rejected[5].rejections[1].label("nl")


def test_920900_settlement(sending, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paid = date(2024, 4, 16)
    per_mutuality = SettlementTotals(131, requested_account_a=8835, accepted_account_a=6984, rejected_account_a=1851,
                                     record_count=12, check_number=5, collective_invoice_number=1,
                                     payment_reference_account_a="PAY-131-0001", payment_date=paid)
    total = SettlementTotals(199, requested_account_a=8835, accepted_account_a=6984, rejected_account_a=1851,
                             payment_date=paid)
    header = ReplyHeader(settlement=[per_mutuality], settlement_total=total)
    path = write_reply("920900", sending, {5: LineError(("502255",), "")}, header, tmp_path / "920900.txt")
    reply = read_reply(path)
    assert reply.kind == "920900" and reply.payment_date == paid
    (row91,) = reply.totals["91"]
    assert row91["accepted_account_a"] == 6984 and row91["rejected_total"] == 1851
    assert row91["payment_reference_account_a"] == "PAY-131-0001"
    assert reply.totals["92"][0]["requested_total"] == 8835
    assert [r.record_index for r in reply.rejected] == [5]
    assert "95" not in reply.totals  # a settlement replaces the recapitulations


def test_920999_zone_errors(sending, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    header = ReplyHeader(segment_errors={"300": {"sending_number": 40}, "96": {"amount_account_a": 41}})
    reply = read_reply(write_reply("920999", sending, None, header, tmp_path / "920999.txt"))
    assert reply.kind == "920999"
    assert reply.segment_errors == {"300": {"sending_number": 40}, "96": {"amount_account_a": 41}}
    assert reply.records == []


def test_931000_and_920098(sending, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ack = read_reply(write_reply("931000", sending, None, None, tmp_path / "ack.txt"))
    assert ack.kind == "931000" and ack.records == []
    info = read_reply(write_reply("920098", sending, {9: (["500444"], "425036 du 2024-03-04 facturee par X")},
                                  None, tmp_path / "info.txt"))
    assert info.kind == "920098" and [r.record_index for r in info.rejected] == [9]
    assert len(info.totals["95"]) == 1 and len(info.totals["96"]) == 1


def test_reply_validation(sending) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="at most 3"):
        LineError(("1", "2", "3", "4"))
    with pytest.raises(ValueError, match="not a reply"):
        render_reply("920000", sending)  # type: ignore[arg-type]


def test_long_comment_is_cut_to_200(sending, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reply = read_reply(write_reply("920098", sending, {5: (["500444"], "x" * 500)}, None, tmp_path / "r.txt"))
    assert len(reply.rejected[0].comment) == 200


@settings(max_examples=25, deadline=None)
@given(
    comment=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200),
    codes=st.lists(
        st.sampled_from(["500545", "500119", "500118", "502255", "200742", "5004K6", "E301040"]), max_size=3
    ),
)
def test_any_comment_and_codes_round_trip(tmp_path_factory: pytest.TempPathFactory, comment: str,
                                          codes: list[str]) -> None:
    sending = read_sending(SAMPLE_FILE)
    path = tmp_path_factory.mktemp("r") / "reply.txt"
    reply = read_reply(write_reply("920098", sending, {8: (codes, comment)}, None, path))
    record = next(r for r in reply.records if r.record_index == 8)
    assert [j.code for j in record.rejections] == codes
    assert record.comment == comment.strip()


def test_damaged_reply_gives_findings(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("920099" + "0" * 61 + "\n" + "0" * 160 + "\n" + "50" + "0" * 100 + "\n")
    reply = read_reply(path)
    assert any(f.code == "E000003" for f in reply.findings)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert [f.code for f in read_reply(empty).findings] == ["E000001"]
