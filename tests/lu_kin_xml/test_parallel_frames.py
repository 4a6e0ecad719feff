"""The FAC read in parallel parts gives exactly what the single pass gives: the same header and lines frame, or the
same findings (code, file, line, path, message) in the same order.

The oracle is the single pass itself (``frames.fac_lines_frame``, tested against the model reader in
test_frames.py). Files: the example FAC, generated FACs (hypothesis over the model strategies and the benchmark's
generator), and the same files damaged — a bad value, a bad element, a truncated file, a duplicated invoice, a wrong
total, text or an unknown element between invoices, a cut hidden in a comment, a hostile marker, Windows line ends,
no indentation, lines past 65,535 (where libxml2 numbers elements from their first child).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats import fac_parallel
from tierspayant.schemes.lu_kin.formats.fac_parallel import read_fac_lines
from tierspayant.schemes.lu_kin.formats.frames import fac_lines_frame
from tierspayant.schemes.lu_kin.formats.writer import to_bytes

from .strategies import facs

NAME = "F70012345202403_KIN_FAC_01_20240401_REF.xml"
Outcome = tuple[object, pl.DataFrame | None, list[Finding] | None]


def single(path: Path) -> Outcome:
    try:
        header, frame = fac_lines_frame(path)
    except FindingsError as error:
        return None, None, error.findings
    return header, frame, None


def parallel(path: Path, processes: int) -> Outcome:
    try:
        header, frame = read_fac_lines(path, processes=processes, min_bytes=0)
    except FindingsError as error:
        return None, None, error.findings
    return header, frame, None


def assert_same(path: Path, processes: int = 2) -> fac_parallel.ReadStats:
    expected, got = single(path), parallel(path, processes)
    stats = fac_parallel.last_read
    assert got[0] == expected[0]
    if expected[1] is None:
        assert got[1] is None
    else:
        assert got[1] is not None
        assert_frame_equal(got[1], expected[1])
    as_rows = [
        [(f.code, f.file, f.line, f.location, f.message) for f in findings] if findings is not None else None
        for findings in (expected[2], got[2])
    ]
    assert as_rows[1] == as_rows[0]
    return stats


# --- damage done to a well-formed FAC (each takes the file's text and a random choice) ---

_FACTURE = re.compile(r"<Facture>.*?</Facture>", re.S)


def _nth(text: str, pattern: str, pick: int) -> re.Match[str] | None:
    found = list(re.finditer(pattern, text, re.S))
    return found[pick % len(found)] if found else None


def bad_value(text: str, pick: int) -> str:
    match = _nth(text, r"<MontantTarif>[^<]*</MontantTarif>", pick)
    assert match is not None
    return text[: match.start()] + "<MontantTarif>12,5x</MontantTarif>" + text[match.end() :]


def bad_element(text: str, pick: int) -> str:
    match = _nth(text, r"<Matricule>([^<]*)</Matricule>", pick)
    assert match is not None
    return text[: match.start()] + f"<Matricul>{match.group(1)}</Matricul>" + text[match.end() :]


def truncated(text: str, pick: int) -> str:
    return text[: len(text) * (pick % 97 + 1) // 100]


def duplicated_invoice(text: str, pick: int) -> str:
    match = _nth(text, _FACTURE.pattern, pick)
    assert match is not None
    last = list(_FACTURE.finditer(text))[-1]
    return text[: last.end()] + "\n  " + match.group(0) + text[last.end() :]


def wrong_total(text: str, pick: int) -> str:
    match = _nth(text, r"<TotalDemande>([0-9.]+)</TotalDemande>", pick)
    assert match is not None
    return text[: match.start()] + "<TotalDemande>99999.99</TotalDemande>" + text[match.end() :]


def text_between(text: str, pick: int) -> str:
    match = _nth(text, r"</Facture>", pick)
    assert match is not None
    return text[: match.end()] + "stray text" + text[match.end() :]


def unknown_element(text: str, pick: int) -> str:
    match = _nth(text, r"</Facture>", pick)
    assert match is not None
    return text[: match.end()] + "\n  <Remarque>x</Remarque>" + text[match.end() :]


def cut_in_comment(text: str, pick: int) -> str:
    """A comment full of ``</Facture>`` before the middle invoice, three times the file's size: every cut lands in
    it, and the part that ends inside it does not parse on its own."""
    found = list(_FACTURE.finditer(text))
    match = found[len(found) // 2]
    comment = "<!-- " + "</Facture> " * (len(text) * 3 // 11) + "-->"
    return text[: match.start()] + comment + "\n  " + text[match.start() :]


def hostile(text: str, pick: int) -> str:
    match = _nth(text, r"</Facture>", pick)
    assert match is not None
    return text[: match.end()] + '<!-- <!ENTITY x "y"> -->' + text[match.end() :]


def crlf(text: str, pick: int) -> str:
    return text.replace("\n", "\r\n")


def compact(text: str, pick: int) -> str:
    return re.sub(r">\s+<", "><", text)


def far_lines(text: str, pick: int) -> str:
    """Every invoice past line 65,535: libxml2 then numbers an element from its first child's text."""
    return text.replace("</Entete>", "</Entete>" + "\n" * 70_000, 1)


def far_lines_bad_value(text: str, pick: int) -> str:
    return bad_value(far_lines(text, pick), pick)


def far_lines_duplicate(text: str, pick: int) -> str:
    return duplicated_invoice(far_lines(text, pick), pick)


DAMAGE: dict[str, Callable[[str, int], str]] = {
    "none": lambda text, pick: text,
    "bad value": bad_value,
    "bad element": bad_element,
    "truncated": truncated,
    "duplicated invoice": duplicated_invoice,
    "wrong total": wrong_total,
    "text between invoices": text_between,
    "unknown element": unknown_element,
    "cut in a comment": cut_in_comment,
    "hostile marker": hostile,
    "CRLF": crlf,
    "no indentation": compact,
    "past line 65535": far_lines,
    "past line 65535, bad value": far_lines_bad_value,
    "past line 65535, duplicate": far_lines_duplicate,
}
# Damage confined to invoices is merged from the parts (no second reading): the machinery, not the fallback.
MERGED = {"none", "bad value", "bad element", "duplicated invoice", "wrong total", "CRLF", "no indentation"}
MERGED |= {"past line 65535", "past line 65535, bad value", "past line 65535, duplicate"}


def generated_fac(seed: int, lines: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = examples.generate_fac(
            Path(folder) / NAME,
            n_lines=lines,
            n_patients=max(2, lines // 8),
            n_performers=5,
            month=date(2024, 3, 1),
            seed=seed,
            reference="REF",
        )
        return path.read_text(encoding="utf-8")


def check(text: str, processes: int) -> fac_parallel.ReadStats:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / NAME
        path.write_bytes(text.encode("utf-8"))
        return assert_same(path, processes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fac=facs(),
    damage=st.sampled_from(sorted(DAMAGE)),
    pick=st.integers(0, 1000),
    processes=st.integers(2, 4),
)
def test_generated_models_read_in_parts_as_in_one_pass(fac: object, damage: str, pick: int, processes: int) -> None:
    text = to_bytes(fac).decode("utf-8")  # type: ignore[arg-type]
    try:
        damaged = DAMAGE[damage](text, pick)
    except AssertionError:
        return  # nothing to damage that way in this file
    check(damaged, processes)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    lines=st.integers(20, 400),
    damage=st.sampled_from(sorted(DAMAGE)),
    pick=st.integers(0, 1000),
    processes=st.integers(2, 4),
)
def test_generated_facs_read_in_parts_as_in_one_pass(
    seed: int, lines: int, damage: str, pick: int, processes: int
) -> None:
    stats = check(DAMAGE[damage](generated_fac(seed, lines), pick), processes)
    if damage in MERGED:
        assert stats.parts >= 2 and stats.fallback is None, stats


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("processes", [2, 3])
def test_every_damage_on_a_generated_fac(damage: str, processes: int) -> None:
    stats = check(DAMAGE[damage](generated_fac(11, 300), 5), processes)
    if damage in MERGED:
        assert stats.parts >= 2 and stats.fallback is None, stats
    else:
        assert stats.fallback is not None  # the single pass read it, so its findings are the single pass's


def test_a_hostile_marker_in_a_part_is_seen_before_that_part_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fac_parallel, "_HEAD", 4096)  # the marker lies beyond the head this process checks
    text = generated_fac(3, 300)
    last = list(_FACTURE.finditer(text))[-1]
    stats = check(text[: last.start()] + "<!-- <!DOCTYPE x> -->\n  " + text[last.start() :], 2)
    assert stats.parts == 2 and stats.fallback == "hostile marker"


def test_the_example_fac(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(examples.example("FAC"))
    assert_same(path, 2)


def test_small_files_and_bytes_take_the_single_pass(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(examples.example("FAC"))
    header, frame = read_fac_lines(path)
    assert fac_parallel.last_read.fallback == "small file"
    assert (header, frame.height) == (fac_lines_frame(path)[0], fac_lines_frame(path)[1].height)
    read_fac_lines(path.read_bytes(), NAME, min_bytes=0, processes=2)
    assert fac_parallel.last_read.fallback == "contents given as bytes"
    read_fac_lines(path, processes=1, min_bytes=0)
    assert fac_parallel.last_read.fallback == "one process"


def test_a_parts_frames_cross_the_pipe_unchanged() -> None:
    import pickle

    from tierspayant.core.xmlsafe import XmlLimits

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fac.xml"
        examples.generate_fac(path, 3_000, 40, 7, date(2024, 3, 1), seed=3, reference="PICKLE")
        jobs = fac_parallel._plan(path, path.name, 2, XmlLimits())
        assert isinstance(jobs, list) and len(jobs) == 2
        part = fac_parallel.read_part(jobs[0], pooled=False)
    assert part.lines is not None and part.lines.height > 0 and part.invoices is not None
    back = pickle.loads(pickle.dumps(part))
    assert back.lines is not None and back.invoices is not None
    assert_frame_equal(back.lines, part.lines)  # values and types
    assert_frame_equal(back.invoices, part.invoices)
    assert (back.items, back.keys, back.findings) == (part.items, part.keys, part.findings)
