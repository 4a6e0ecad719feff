"""The 920000 reader: a good file reads clean into typed frames; each structural fault gives its eFact code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE, generate_sending, sample_model
from tierspayant.schemes.be_nursing.formats.checks import WITH_51_52, record_check, record_check_ok, with_record_check
from tierspayant.schemes.be_nursing.formats.frames import iter_records, read_sending, record_checks_of_uniform
from tierspayant.schemes.be_nursing.formats.messages import render_920000

from .strategies import record_values


def sample_lines() -> list[str]:
    return render_920000(sample_model())


def read_lines(lines: list[str]) -> object:
    return read_sending(("\n".join(lines) + "\n").encode("latin-1"), "test.txt")


def codes(lines: list[str]) -> set[str]:
    sending = read_sending(("\n".join(lines) + "\n").encode("latin-1"), "test.txt")
    return set(sending.errors["code"].to_list())


def index_of(lines: list[str], record_type: str, nth: int = 0) -> int:
    return [i for i, line in enumerate(lines) if i >= 2 and line[:2] == record_type][nth]


def refresh_check(line: str) -> str:
    return with_record_check(line[:348])


# --- the good file -------------------------------------------------------------------------------------------------


def test_example_file_is_built_by_the_writer() -> None:
    assert SAMPLE_FILE.read_text("ascii").splitlines() == sample_lines()


def test_example_file_reads_clean() -> None:
    sending = read_sending(SAMPLE_FILE)
    assert sending.ok and not sending.findings, sending.findings
    assert sending.name == "920000_sample.txt"
    assert sending.sending_number == 1 and sending.invoiced_period == 202403 and sending.is_test
    assert {k: v.height for k, v in sending.frames.items()} == {
        "10": 1, "20": 2, "50": 4, "51": 1, "52": 4, "80": 2, "90": 1, "95": 1, "96": 1,
    }


def test_frames_are_typed_and_placed() -> None:
    sending = read_sending(SAMPLE_FILE)
    lines = sending.frames["50"]
    assert lines.schema["nomenclature_code"] == pl.Int64
    assert lines.schema["first_service_date"] == pl.Date
    assert lines.schema["insurance_amount"] == pl.Int64
    assert lines.schema["institution_reference"] == pl.Utf8
    assert lines["record_index"].to_list() == [5, 8, 10, 14]
    assert lines["invoice_index"].to_list() == [1, 1, 1, 2]
    assert lines["insurance_amount"].to_list() == [1851, 2950, 1851, 1023]
    assert lines["first_service_date"][0] == date(2024, 3, 4)
    eid = sending.frames["52"]
    assert eid["service_record_index"].to_list() == [5, 8, 10, 14]
    assert sending.frames["51"]["payment_commitment_number"][0] == "COMMIT-2024-0001"
    header = sending.frames["20"].row(0, named=True)
    assert header["payment_commitment_part_a"] == 2
    assert header["insurability_start_date"] == date(2024, 3, 1)
    assert header["destination_mutuality"] == 319


def test_columns_can_be_limited() -> None:
    sending = read_sending(SAMPLE_FILE, columns={"50": ["nomenclature_code", "niss"]})
    assert sending.frames["50"].columns == ["record_index", "invoice_index", "service_record_index",
                                            "nomenclature_code", "niss", "insurance_amount", "account_reference"]


def test_line_ends_and_continuous_stream_read_the_same() -> None:
    lines = sample_lines()
    plain = read_sending(("\n".join(lines) + "\n").encode(), "a")
    crlf = read_sending(("\r\n".join(lines) + "\r\n").encode(), "b")
    stream = read_sending("".join(lines).encode(), "c")
    no_final_newline = read_sending("\n".join(lines).encode(), "d")
    for other in (crlf, stream, no_final_newline):
        assert other.ok, other.findings
        assert other.frames["50"].equals(plain.frames["50"])


def test_iter_records_streams_both_layouts() -> None:
    import io

    lines = sample_lines()
    for data in (("\n".join(lines) + "\n").encode(), "".join(lines).encode()):
        records = list(iter_records(io.BytesIO(data), chunk_size=100))
        assert [r.text for r in records] == lines
        assert [r.index for r in records] == list(range(1, len(lines) + 1))


def test_generated_sending_reads_clean_under_both_check_number_policies() -> None:
    default = generate_sending(500, eid=True)
    assert read_sending(default).ok
    counted = generate_sending(500, eid=True, policy=WITH_51_52)
    assert read_sending(counted, policy=WITH_51_52).ok
    wrong = read_sending(counted)  # the other reading: every invoice and the sending disagree
    assert {"809802", "909802", "E950820", "E960820"} <= set(wrong.errors["code"].to_list())


def test_generated_sending_writes_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "big.txt"
    data = generate_sending(100, target)
    assert target.read_bytes() == data
    assert read_sending(target).frames["50"].height == 100


# --- structural faults, each with its code -----------------------------------------------------------------------


def test_missing_96() -> None:
    lines = sample_lines()[:-1]
    assert "E960010" in codes(lines)


def test_missing_95_and_90() -> None:
    lines = [line for line in sample_lines() if line[:2] not in ("90", "95")]
    found = codes(lines)
    assert {"900104", "E950010"} <= found


def test_50_before_20() -> None:
    lines = sample_lines()
    i20, i50 = index_of(lines, "20"), index_of(lines, "50")
    lines[i20], lines[i50] = lines[i50], lines[i20]
    found = codes(lines)
    assert "500110" in found  # record 50 not preceded by 20, 50, 51 or 52


def test_truncated_record() -> None:
    lines = sample_lines()
    i = index_of(lines, "50")
    lines[i] = lines[i][:200]
    sending = read_sending(("\n".join(lines) + "\n").encode(), "t.txt")
    wrong = sending.errors.filter(pl.col("code") == "E000003")
    assert wrong["record_index"].to_list() == [i + 1]
    assert "200 characters instead of 350" in wrong["message"][0]
    finding = next(f for f in sending.findings if f.code == "E000003")
    assert finding.file == "t.txt" and finding.line == i + 1


def test_overlong_record() -> None:
    lines = sample_lines()
    i = index_of(lines, "20")
    lines[i] = lines[i] + "0"
    assert "E000003" in codes(lines)


def test_truncated_file_in_the_middle_of_a_record() -> None:
    data = ("\n".join(sample_lines())).encode()[:1500]
    sending = read_sending(data, "cut.txt")
    found = set(sending.errors["code"].to_list())
    assert {"E000003", "E960010", "900104"} <= found


def test_bad_check_digits() -> None:
    lines = sample_lines()
    i = index_of(lines, "50")
    good = int(lines[i][348:])
    lines[i] = lines[i][:348] + f"{good % 97 + 1:02d}"
    sending = read_sending(("\n".join(lines) + "\n").encode(), "c.txt")
    bad = sending.errors.filter(pl.col("code") == "509902")
    assert bad.height == 1 and bad["location"][0] == "record 50 zone 99 (positions 349–350)"


def test_non_numeric_n_zone() -> None:
    lines = sample_lines()
    i = index_of(lines, "50")
    lines[i] = refresh_check(lines[i][:9] + "42A014" + lines[i][15:])
    sending = read_sending(("\n".join(lines) + "\n").encode(), "n.txt")
    bad = sending.errors.filter(pl.col("code") == "500401")
    assert bad.height == 1
    assert bad["location"][0] == "record 50 zone 4 (positions 10–16)"
    assert bad["record_index"][0] == i + 1


def test_bad_sign() -> None:
    lines = sample_lines()
    i = index_of(lines, "50")
    lines[i] = refresh_check(lines[i][:87] + "*" + lines[i][88:])
    assert "501905" in codes(lines)


def test_reserve_not_zero() -> None:
    lines = sample_lines()
    i = index_of(lines, "10")
    lines[i] = refresh_check(lines[i][:49] + "7" + lines[i][50:])  # zone 11, reserve
    assert "101101" in codes(lines)


def test_sequence_not_previous_plus_one() -> None:
    lines = sample_lines()
    i = index_of(lines, "50", 1)
    lines[i] = refresh_check(lines[i][:2] + "000099" + lines[i][8:])
    assert "500210" in codes(lines)


def test_duplicated_record() -> None:
    lines = sample_lines()
    i = index_of(lines, "50")
    lines.insert(i, lines[i])
    found = codes(lines)
    assert "500210" in found and "809802" in found and "801910" in found


def test_unknown_record_type() -> None:
    lines = sample_lines()
    i = index_of(lines, "50")
    lines.insert(i + 1, refresh_check("77" + lines[i][2:348]))
    found = codes(lines)
    assert "500111" in found  # record 50 not followed by 50, 51, 52 or 80


def test_invoice_amount_and_check_number() -> None:
    lines = sample_lines()
    i = index_of(lines, "80")
    line = lines[i]
    lines[i] = refresh_check(line[:87] + "+00000000001" + line[99:346] + "01")
    found = codes(lines)
    assert {"801910", "809802"} <= found


def test_unreadable_invoice_check_number_is_a_mismatch() -> None:
    lines = sample_lines()
    i = index_of(lines, "80")
    lines[i] = refresh_check(lines[i][:346] + "XX")
    sending = read_sending(("\n".join(lines) + "\n").encode(), "x.txt")
    wrong = sending.errors.filter(pl.col("code") == "809802")
    assert set(wrong["record_index"].to_list()) == {i + 1}  # the zone's format, and the comparison:
    assert any(message.startswith("invoice check number None where") for message in wrong["message"])


def test_totals_95_96() -> None:
    lines = sample_lines()
    i95 = index_of(lines, "95")
    line = lines[i95]
    lines[i95] = line[:23] + "+00000000001" + line[35:]
    found = codes(lines)
    assert {"E950441", "E950620", "E960441"} <= found


def test_empty_and_blank_files() -> None:
    for data in (b"", b"\n\n  \n"):
        sending = read_sending(data, "empty.txt")
        assert [f.code for f in sending.findings] == ["E000001"]


def test_not_a_920000() -> None:
    lines = sample_lines()
    lines[0] = "931000" + lines[0][6:]
    assert "E200020" in codes(lines)


def test_non_ascii_bytes_are_findings_not_crashes() -> None:
    lines = sample_lines()
    i = index_of(lines, "20")
    lines[i] = lines[i][:150] + "é" + lines[i][151:]  # a space (10) becomes "other" (37)
    sending = read_sending(("\n".join(lines) + "\n").encode("latin-1"), "x.txt")
    assert "209902" in set(sending.errors["code"].to_list())
    assert sending.frames["50"].height == 4


def test_hostile_garbage() -> None:
    sending = read_sending(bytes(range(256)) * 40, "garbage.bin")
    assert sending.findings and sending.blocking


def test_file_size_limit(tmp_path: Path) -> None:
    target = tmp_path / "big.txt"
    target.write_bytes(b"0" * 1000)
    with pytest.raises(ValueError, match="limit"):
        read_sending(target, max_bytes=100)


def test_findings_are_capped_per_code() -> None:
    data = generate_sending(300)
    text = data.decode().replace("\n50", "\n5X")  # every record 50 loses its type
    sending = read_sending(text.encode(), "capped.txt", max_findings_per_code=5)
    assert sending.errors.height > 300
    per_code: dict[str, int] = {}
    for finding in sending.findings:
        per_code[finding.code] = per_code.get(finding.code, 0) + 1
    assert max(per_code.values()) <= 6
    assert any("more records" in f.message for f in sending.findings)


# --- check digits ----------------------------------------------------------------------------------------------------

VALUE_CLASSES = "0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ+"  # distinct character values (a-z count as A-Z)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), record_type=st.sampled_from(["10", "20", "50", "51", "52", "80", "90"]))
def test_any_single_character_change_is_caught(data: st.DataObject, record_type: str) -> None:
    from tierspayant.schemes.be_nursing.formats.records import format_record
    from tierspayant.schemes.be_nursing.formats.zones import RECORDS

    line = format_record(RECORDS[record_type], data.draw(record_values(RECORDS[record_type])))
    assert record_check_ok(line)
    position = data.draw(st.integers(0, 349))
    replacement = data.draw(st.sampled_from(VALUE_CLASSES).filter(lambda c: c.upper() != line[position].upper()))
    changed = line[:position] + replacement + line[position + 1 :]
    assert not record_check_ok(changed)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet=VALUE_CLASSES + "abc-/.'*", min_size=348, max_size=348), min_size=1, max_size=20))
def test_vectorised_checks_equal_the_scalar_ones(bodies: list[str]) -> None:
    data = "".join(b + "\n" for b in bodies).encode()
    vectorised = record_checks_of_uniform(data, 349, len(bodies)).to_list()
    assert vectorised == [record_check(b) for b in bodies]


def test_check_value_of_characters() -> None:
    assert record_check("0" * 348) == 97
    assert record_check("1" + "0" * 347) == 1
    assert record_check(" " + "0" * 347) == 10
    assert record_check("A" + "0" * 347) == 11 and record_check("Z" + "0" * 347) == 36
    assert record_check("+" + "0" * 347) == 37 and record_check("a" + "0" * 347) == 11


def test_segments_200_and_300_on_one_line() -> None:
    import io

    lines = sample_lines()
    joined = [lines[0] + lines[1], *lines[2:]]
    data = ("\n".join(joined) + "\n").encode()
    sending = read_sending(data, "one-line-header.txt")
    assert sending.ok, sending.findings
    assert sending.frames["50"]["record_index"].to_list() == [5, 8, 10, 14]
    assert [r.text for r in iter_records(io.BytesIO(data))] == lines
