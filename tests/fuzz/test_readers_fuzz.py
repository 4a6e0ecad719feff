"""Bounded fuzzing of every reader of outside input: a crash (any exception other than the reader's own
``FindingsError`` refusal, or a hang past the deadline) is a failure.

Each reader gets a valid seed file mutated by hypothesis (bytes flipped, runs replaced, cut short, spliced) and
plain random bytes. The runs are small (``max_examples``) so that each stays well under 20 s on a loaded machine;
``make test`` runs them like any other test, and a failing input is printed by hypothesis to be kept as a test.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.core.envelope import read_zip
from tierspayant.core.findings import FindingsError
from tierspayant.core.pdf_scan import check_scan
from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.mutuality.intake import read_intake
from tierspayant.schemes.lu_kin.examples import example
from tierspayant.schemes.lu_kin.formats.frames import fac_lines_frame
from tierspayant.schemes.lu_kin.formats.package import read_package
from tierspayant.schemes.lu_kin.formats.reader import read_file

from ..be_refac import files as refac_files
from ..be_refac.helpers import FIRST_VISIT, PLAIN
from ..fund.files import demaut_package, scan_pdf

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@cache
def seeds() -> dict[str, bytes]:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-seeds-"))
    sending = refac_files.sending(refac_files.invoice(PLAIN, refac_files.service(FIRST_VISIT)))
    return {
        "fac": example("FAC"),
        "demaut": example("DEMAUT"),
        "package": demaut_package(folder).read_bytes(),
        "pdf": scan_pdf(),
        "efact": write_920000(sending, folder / "920000.txt").read_bytes(),
    }


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    """The seed with a few edits: a byte replaced, a run overwritten, cut short, or a chunk repeated."""
    data = bytearray(seeds()[seed])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["byte", "run", "cut", "repeat"]))
        if edit == "byte":
            data[at] = draw(st.integers(0, 255))
        elif edit == "run":
            run = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(run)] = run
        elif edit == "cut":
            del data[at:]
        else:
            length = draw(st.integers(1, 64))
            data[at:at] = data[at : at + length] * draw(st.integers(1, 4))
    return bytes(data)


def inputs(seed: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seed), st.binary(max_size=512))


def refused_or_read(reader: Callable[[bytes], object], data: bytes) -> None:
    try:
        reader(data)
    except FindingsError as error:
        assert error.findings, "a refusal names its reasons"


NAME_FAC = "F70012345202403_KIN_FAC_01_20240402_FA202403.xml"

READERS: dict[str, tuple[str, Callable[[bytes], object]]] = {
    "KIN XML (DEMAUT model)": ("demaut", lambda data: read_file(data, "F.xml")),
    "KIN FAC lines frame": ("fac", lambda data: fac_lines_frame(data, NAME_FAC)),
    "ZIP envelope": ("package", lambda data: read_zip(data, "P.zip")),
    "KIN package": ("package", lambda data: read_package(data, "P.zip")),
    "PDF scan": ("pdf", lambda data: check_scan(data, "scan.pdf")),
    "eFact 920000 records": ("efact", lambda data: read_intake(data, "920000.txt")),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_reader_never_crashes_on_hostile_input(reader: str) -> None:
    seed, read = READERS[reader]

    @FUZZ
    @given(inputs(seed))
    def run(data: bytes) -> None:
        refused_or_read(read, data)

    run()


def test_the_seeds_are_read_without_findings() -> None:  # near miss: the unmutated seeds are valid
    read_file(seeds()["demaut"], "F.xml")
    assert fac_lines_frame(seeds()["fac"], NAME_FAC)[1].height > 0
    read_package(seeds()["package"], "F70012345202403_KIN_DEMAUT_01_20240307_DA202403A.zip")
    assert [f.code for f in check_scan(seeds()["pdf"], "scan.pdf")] == []
    assert read_intake(seeds()["efact"], "920000.txt").preliminary.height == 0
