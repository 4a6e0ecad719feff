"""The reader's parallel parts (check digits by blocks of records on threads, the record types' zone formats and
typed frames on threads) give exactly what the single pass gives: the same errors with the same record indexes,
codes, zones and messages in the same order, the same findings, the same frames — on the examples and on generated
sendings, clean and damaged (hypothesis)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE, generate_sending
from tierspayant.schemes.be_nursing.formats import frames
from tierspayant.schemes.be_nursing.formats.frames import Sending, read_sending
from tierspayant.schemes.be_nursing.mutuality.intake import COLUMNS

BASES = {
    "sample": SAMPLE_FILE.read_bytes(),
    "generated": generate_sending(30, eid=True),
    "generated_plain": generate_sending(25, eid=False, seed=3),
}
DAMAGES = ["truncate", "overlong", "character", "non_ascii", "swap", "drop", "duplicate", "garbage", "check_digits"]


def single_pass(data: bytes, columns: dict[str, list[str]] | None) -> Sending:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frames, "READ_WORKERS", 1)
        patch.setattr(frames, "CHECK_WORKERS", 1)
        patch.setattr(frames, "CHECK_BLOCK_RECORDS", 10**9)
        return read_sending(data, "920000.txt", columns=columns)


def in_parallel(data: bytes, columns: dict[str, list[str]] | None, block: int) -> Sending:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frames, "READ_WORKERS", 2)
        patch.setattr(frames, "CHECK_WORKERS", 2)
        patch.setattr(frames, "CHECK_BLOCK_RECORDS", block)
        return read_sending(data, "920000.txt", columns=columns)


def assert_same(one: Sending, other: Sending) -> None:
    assert_frame_equal(one.errors, other.errors)
    assert one.findings == other.findings
    assert_frame_equal(one.raw, other.raw)
    assert one.frames.keys() == other.frames.keys()
    for record_type in one.frames:
        assert_frame_equal(one.frames[record_type], other.frames[record_type])
    assert (one.segment_200, one.segment_300) == (other.segment_200, other.segment_300)


def damage(data: bytes, what: str, at: int, position: int) -> bytes:
    lines = data.decode("latin-1").split("\n")[:-1]
    body = range(2, len(lines))
    i = body[at % len(body)]
    line = lines[i]
    if what == "truncate":
        lines[i] = line[: position % 349]
    elif what == "overlong":
        lines[i] = line + "0" * (1 + position % 5)
    elif what == "character":
        spot = position % len(line)
        lines[i] = line[:spot] + ("X" if line[spot] != "X" else "7") + line[spot + 1 :]
    elif what == "non_ascii":
        spot = position % len(line)
        lines[i] = line[:spot] + "é" + line[spot + 1 :]
    elif what == "swap":
        j = body[(at + 1) % len(body)]
        lines[i], lines[j] = lines[j], lines[i]
    elif what == "drop":
        del lines[i]
    elif what == "duplicate":
        lines.insert(i, line)
    elif what == "garbage":
        lines.insert(i, "ZZ" + "?" * 348)
    elif what == "check_digits":
        lines[i] = line[:348] + f"{(int(line[348:350]) + 1) % 100:02d}" if line[348:350].isdigit() else line[:348]
    return "".join(f"{x}\n" for x in lines).encode("latin-1")


@pytest.mark.parametrize("base", sorted(BASES))
@pytest.mark.parametrize("block", [1, 2, 5])
def test_examples_read_the_same_in_parallel(base: str, block: int) -> None:
    data = BASES[base]
    assert_same(single_pass(data, COLUMNS), in_parallel(data, COLUMNS, block))
    assert_same(single_pass(data, None), in_parallel(data, None, block))


@settings(max_examples=60, deadline=None)
@given(
    base=st.sampled_from(sorted(BASES)),
    damages=st.lists(
        st.tuples(st.sampled_from(DAMAGES), st.integers(0, 200), st.integers(0, 400)), min_size=1, max_size=4
    ),
    block=st.integers(1, 9),
    limited=st.booleans(),
    layout=st.sampled_from(["lines", "crlf", "stream"]),
)
def test_damaged_sendings_read_the_same_in_parallel(
    base: str, damages: list[tuple[str, int, int]], block: int, limited: bool, layout: str
) -> None:
    data = BASES[base]
    for what, at, position in damages:
        data = damage(data, what, at, position)
    if layout == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif layout == "stream":
        data = data.replace(b"\n", b"")
    columns = COLUMNS if limited else None
    one, other = single_pass(data, columns), in_parallel(data, columns, block)
    assert_same(one, other)


def test_damage_is_found_with_its_line_in_both() -> None:
    """A near miss and a hit: one changed character is reported on its line (the record index) by both."""
    data = BASES["generated"]
    lines = data.decode("ascii").split("\n")
    lines[5] = lines[5][:100] + ("1" if lines[5][100] != "1" else "2") + lines[5][101:]  # line 6 of the file
    damaged = "\n".join(lines).encode("ascii")
    one, other = single_pass(damaged, COLUMNS), in_parallel(damaged, COLUMNS, 2)
    assert_same(one, other)
    assert 6 in one.errors["record_index"].to_list()
    assert in_parallel(data, COLUMNS, 2).errors.height == 0
    assert isinstance(one.errors, pl.DataFrame)
