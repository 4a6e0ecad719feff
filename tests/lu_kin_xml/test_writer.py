"""The writer leaves nothing half-written and computes the trailer itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.models import Fac, Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import KinStreamWriter, write_file


def test_a_failure_while_streaming_leaves_no_file(tmp_path: Path) -> None:
    fac = examples.example_fac()
    target = tmp_path / "fac.xml"
    with pytest.raises(RuntimeError), KinStreamWriter(target, fac.header) as out:
        out.write(fac.invoices[0])
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "fac.xml"
    write_file(examples.example_fac(), target)
    before = target.read_bytes()
    with pytest.raises(TypeError), KinStreamWriter(target, examples.example_fac().header) as out:
        out.write(examples.example_demaut().requests[0])
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["fac.xml"]


def test_an_empty_fac_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="at least one item"),
        KinStreamWriter(tmp_path / "f.xml", examples.example_fac().header),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_streamed_file_reads_back_with_the_trailer_the_writer_computed(tmp_path: Path) -> None:
    fac = examples.example_fac()
    with KinStreamWriter(tmp_path / "fac.xml", fac.header) as out:
        for invoice in fac.invoices:
            out.write(invoice)
    back = read_file(tmp_path / "fac.xml")
    assert isinstance(back, Fac) and back == fac


def test_a_retfac_returned_untreated_has_only_file_anomalies(tmp_path: Path) -> None:
    retfac = examples.example_retfac()
    untreated = Retfac(header=retfac.header, anomalies=retfac.invoices[1].lines[2].anomalies, invoices=[])
    write_file(untreated, tmp_path / "r.xml")
    assert read_file(tmp_path / "r.xml") == untreated


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    write_file(examples.example_fac(), tmp_path / "fac.xml")
    assert (tmp_path / "fac.xml").stat().st_mode & 0o044  # not the 0600 of the temporary file
