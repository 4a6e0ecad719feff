"""The one reply writer against a plain record-by-record oracle written from the fact sheet's positions, on clean,
damaged and streamed sendings, with and without the received file's bytes, in small and large chunks."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE, generate_sending
from tierspayant.schemes.be_nursing.formats import error_codes, reply_writer
from tierspayant.schemes.be_nursing.formats.frames import Sending, read_sending
from tierspayant.schemes.be_nursing.formats.records import format_record
from tierspayant.schemes.be_nursing.formats.reply_writer import (
    ERRORS_SCHEMA,
    ReplyHeader,
    SettlementTotals,
    render_reply,
    reply_chunks,
    reply_comment,
    reply_comments,
    write_reply,
)
from tierspayant.schemes.be_nursing.formats.zones import RECORDS, SEGMENT_200, SEGMENT_300

KINDS = ["931000", "920999", "920098", "920099", "920900"]
CODES = ["500545", "500119", "500118", "502255", "200742", "5004K6", "E301040", "509902"]
COMMENTS = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    st.text(alphabet="aéèàçôüÉ Hospitalisé du 12/03 …“”œÿ\t", max_size=260),
)
GENERATED = generate_sending(40, eid=True)
DAMAGES = ["none", "truncated", "accent_same_length", "accent_short", "crlf", "stream", "totals_early"]
TOTALS = SettlementTotals(131, requested_account_a=3000, accepted_account_a=2000, rejected_account_a=1000,
                          payment_reference_account_a="REFAC 1", payment_date=date(2025, 4, 16))
HEADER = ReplyHeader(error_percentage=Decimal("4.55"), refusal_type=2, mutuality_reference="31000000000042",
                     settlement=[TOTALS], settlement_total=TOTALS,
                     segment_errors={"300": {"sending_number": 40}, "96": {"record_count": 20}})


# --- the oracle ---------------------------------------------------------------------------------------------------


def folded(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = "".join(c if " " <= c <= "~" else "?" for c in plain)
    return plain if len(plain) <= 200 else plain[:197] + "..."


def rejection(code: str) -> str:
    entry = error_codes.lookup(code)
    if entry is None:
        return f"R{code}"
    return f"{entry.type}{code}" if entry.official else code.ljust(7)


def error_part(codes: list[str], comment: str) -> str:
    """Positions 351-800: rejections at 457, 464, 471 (7 characters each), the comment at 534-733."""
    part = [" "] * 450
    for number, code in enumerate(codes):
        at = 457 + 7 * number - 351
        part[at : at + 7] = rejection(code)
    part[534 - 351 : 534 - 351 + 200] = folded(comment).ljust(200)
    return "".join(part)


def with_zone_error(layout_type: str, text: str, zone: str, error: int) -> str:
    spot = RECORDS[layout_type].zone(zone).end  # the 2-digit error zone right after the zone
    return text[:spot] + f"{error:02d}" + text[spot + 2 :]


def oracle(kind: str, sending: Sending, errors: dict[int, tuple[list[str], str]], header: ReplyHeader) -> bytes:
    def data(layout_type: str, values: dict[str, object]) -> dict[str, object]:
        layout = RECORDS[layout_type]
        return {z.name: values[z.name] for z in layout.data_zones() if values.get(z.name) is not None}

    seg200 = data("200", sending.segment_200) | {"message_name": int(kind), "mutuality_reference": 31000000000042}
    seg300 = data("300", sending.segment_300) | {"error_percentage": 455, "refusal_type": 2}
    lines = [
        format_record(SEGMENT_200, seg200),
        with_zone_error("300", format_record(SEGMENT_300, seg300), "sending_number", 40),
    ]
    for index, record_type, line in sending.raw.select("record_index", "record_type", "line").iter_rows():
        fixed = line[:350].ljust(350)
        if kind == "920999":
            if record_type in ("95", "96"):
                lines.append(with_zone_error("96", fixed, "record_count", 20) if record_type == "96" else fixed)
        elif kind != "931000":
            if record_type in ("95", "96"):
                if kind != "920900":
                    lines.append(fixed)
            else:
                lines.append(fixed + error_part(*errors.get(index, ([], ""))))
    if kind == "920900":
        lines += [format_record(RECORDS["91"], TOTALS.values("91")), format_record(RECORDS["92"], TOTALS.values("92"))]
    return "".join(f"{line}\n" for line in lines).encode("ascii", errors="replace")


# --- damaged sendings ---------------------------------------------------------------------------------------------


def damaged(data: bytes, damage: str) -> bytes:
    lines = data.decode("latin-1").split("\n")[:-1]
    first_50 = next(i for i, line in enumerate(lines) if i > 1 and line.startswith("50"))
    if damage == "truncated":
        lines[first_50] = lines[first_50][:200]
    elif damage == "accent_same_length":
        lines[first_50] = lines[first_50][:150] + "é" + lines[first_50][151:]
    elif damage == "accent_short":  # 349 characters, yet 350 bytes once in UTF-8
        lines[first_50] = lines[first_50][:150] + "é" + lines[first_50][152:]
    elif damage == "totals_early":
        at_95 = next(i for i, line in enumerate(lines) if line.startswith("95"))
        lines.insert(first_50, lines.pop(at_95))
    elif damage == "crlf":
        return "".join(f"{line}\r\n" for line in lines).encode("latin-1")
    elif damage == "stream":
        return "".join(lines).encode("latin-1")
    return "".join(f"{line}\n" for line in lines).encode("latin-1")


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    base=st.sampled_from(["sample", "generated"]),
    damage=st.sampled_from(DAMAGES),
    chunk=st.sampled_from([3, 500_000]),
    from_source=st.booleans(),
    said=st.dictionaries(
        st.integers(1, 130), st.tuples(st.lists(st.sampled_from(CODES), max_size=3, unique=True), COMMENTS),
        max_size=12,
    ),
)
def test_the_writer_gives_the_oracles_bytes(
    kind: str, base: str, damage: str, chunk: int, from_source: bool, said: dict[int, tuple[list[str], str]]
) -> None:
    data = damaged(SAMPLE_FILE.read_bytes() if base == "sample" else GENERATED, damage)
    sending = read_sending(data, "920000.txt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reply_writer, "BODY_CHUNK_RECORDS", chunk)
        written = b"".join(reply_chunks(kind, sending, said, HEADER, data if from_source else b""))
    assert written == oracle(kind, sending, said, HEADER)


def test_bytes_of_another_file_are_not_taken_for_the_body() -> None:
    sending = read_sending(GENERATED, "920000.txt")
    other = generate_sending(40, eid=True, seed=7, sending_number=2)
    assert len(other) == len(GENERATED) and other != GENERATED
    said = {10: (["500545"], "Hospitalisé")}
    written = b"".join(reply_chunks("920098", sending, said, HEADER, other))
    assert written == oracle("920098", sending, said, HEADER)


def test_errors_as_a_frame_or_a_mapping_write_the_same() -> None:
    sending = read_sending(SAMPLE_FILE)
    said = {5: (["500545", "500119"], "Hospitalisé"), 8: (["500119"], "")}
    frame = pl.DataFrame([(k, c, m) for k, (c, m) in said.items()], schema=ERRORS_SCHEMA, orient="row")
    assert render_reply("920099", sending, frame, HEADER) == render_reply("920099", sending, said, HEADER)


@pytest.mark.parametrize(
    ("errors", "problem"),
    [
        (pl.DataFrame([(5, ["1", "2", "3", "4"], "")], schema=ERRORS_SCHEMA, orient="row"), "at most 3"),
        (pl.DataFrame([(5, ["1"], "a"), (5, ["2"], "b")], schema=ERRORS_SCHEMA, orient="row"), "more than one row"),
        ({5: (["1", "2", "3", "4"], "")}, "at most 3"),
    ],
)
def test_bad_errors_are_refused_and_nothing_is_written(errors: object, problem: str, tmp_path: Path) -> None:
    sending = read_sending(SAMPLE_FILE)
    with pytest.raises(ValueError, match=problem):
        write_reply("920098", sending, errors, None, tmp_path / "reply.txt")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not a reply"):
        reply_chunks("920000", read_sending(SAMPLE_FILE))


def test_a_write_that_fails_leaves_nothing(tmp_path: Path) -> None:
    sending = read_sending(SAMPLE_FILE)
    broken = ReplyHeader(segment_errors={"300": {"no_such_zone": 1}})
    with pytest.raises(KeyError):
        write_reply("920099", sending, None, broken, tmp_path / "reply.txt")
    assert list(tmp_path.iterdir()) == []


def test_damaged_header_zones_go_back_empty() -> None:
    lines = SAMPLE_FILE.read_text("ascii").split("\n")
    lines[1] = "20240X" + lines[1][6:]  # invoiced period not numeric
    sending = read_sending("\n".join(lines).encode(), "bad.txt")
    segment_300 = render_reply("920999", sending, None, ReplyHeader())[1]
    assert segment_300[:6] == "000000" and segment_300[8:11] == "001"  # the period emptied, the number kept


# --- zone 149 -----------------------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.lists(COMMENTS, max_size=8))
def test_comments_column_wise_equal_the_one_by_one_folding_and_the_oracle(texts: list[str]) -> None:
    assert reply_comments(pl.Series(texts, dtype=pl.Utf8)).to_list() == [reply_comment(t) for t in texts]
    assert [reply_comment(t) for t in texts] == [folded(t) for t in texts]


def test_reply_comment_is_folded_and_cut_with_a_mark() -> None:
    assert reply_comment("Hospitalisé à") == "Hospitalise a"
    cut = reply_comment("Hospitalisé " + "é" * 250)
    assert len(cut) == 200 and cut.endswith("...") and cut.isascii()
