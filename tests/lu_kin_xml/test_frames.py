"""The fast columnar path reads exactly what the model-level reader reads, and refuses what it refuses."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.core.money import to_cents
from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats import frames
from tierspayant.schemes.lu_kin.formats.frames import (
    DEMAUT_ACT_SCHEMA,
    FAC_LINE_SCHEMA,
    demaut_requests_frame,
    fac_lines_frame,
)
from tierspayant.schemes.lu_kin.formats.models import Demaut, Fac
from tierspayant.schemes.lu_kin.formats.reader import read_file


def fac_rows(model: Fac) -> pl.DataFrame:
    rows = [
        {
            "invoice_index": i,
            "invoice_number": invoice.invoice_number,
            "matricule": invoice.matricule,
            "fund": invoice.fund.value,
            "line_position": j,
            "line_number": line.line_number,
            "titre_id": line.titre_id,
            "service_date": line.service_date,
            "act_code": line.act_code,
            "performer_code": line.performer_code,
            "place_category": line.place_category,
            "tariff_cents": to_cents(line.tariff),
            "insured_share_cents": to_cents(line.insured_share),
            "amount_asked_cents": to_cents(line.amount_asked),
        }
        for i, invoice in enumerate(model.invoices, start=1)
        for j, line in enumerate(invoice.lines, start=1)
    ]
    return pl.DataFrame(rows, schema=FAC_LINE_SCHEMA)


@pytest.fixture(scope="module")
def big_fac(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fac") / "fac20k.xml"
    return examples.generate_fac(path, n_lines=20_000, n_patients=700, n_performers=40, month=date(2024, 3, 1), seed=7)


def test_streaming_frame_equals_the_model_reading_on_20000_lines(big_fac: Path) -> None:
    header, frame = fac_lines_frame(big_fac)
    model = read_file(big_fac)
    assert isinstance(model, Fac)
    assert header == model.header
    assert frame.height == 20_000 == model.line_count
    assert frame.schema == pl.Schema(FAC_LINE_SCHEMA)
    assert frame.equals(fac_rows(model))
    assert frame["amount_asked_cents"].sum() == to_cents(model.total_asked)


def test_frame_of_the_example() -> None:
    header, frame = fac_lines_frame(examples.example("FAC"), "fac.xml")
    assert header.reference == "FA202403"
    assert frame.equals(fac_rows(examples.example_fac()))


def test_frame_refuses_an_invoice_total_that_does_not_add_up() -> None:
    data = examples.example("FAC").replace(b"<TotalTarif>119.48</TotalTarif>", b"<TotalTarif>119.40</TotalTarif>")
    assert data != examples.example("FAC")
    with pytest.raises(FindingsError) as caught:
        fac_lines_frame(data, "fac.xml")
    [finding] = caught.value.findings
    assert (finding.code, finding.location) == ("KIN-TOTAL", "/FAC/Facture[1]/TotalTarif")
    assert "declares 119.40 but the lines give 119.48" in finding.message


def test_frame_refuses_wrong_file_totals() -> None:
    data = examples.example("FAC").replace(b"<NombreFactures>2<", b"<NombreFactures>3<")
    with pytest.raises(FindingsError) as caught:
        fac_lines_frame(data, "fac.xml")
    assert [(f.code, f.location) for f in caught.value.findings] == [("KIN-TOTAL", "/FAC/Totaux/NombreFactures")]


def test_frame_reports_every_xsd_error() -> None:
    data = examples.example("FAC").replace(b"<CodeActe>ZK21<", b"<CodeActe>z<")
    with pytest.raises(FindingsError) as caught:
        fac_lines_frame(data, "fac.xml")
    assert [f.code for f in caught.value.findings] == ["XSD-FORMAT"] * 3


def test_frame_refuses_another_file_type() -> None:
    with pytest.raises(FindingsError) as caught:
        fac_lines_frame(examples.example("DEMAUT"), "d.xml")
    assert caught.value.findings[0].code == "XML-ROOT"


def test_demaut_frame_equals_the_model() -> None:
    header, frame = demaut_requests_frame(examples.example("DEMAUT"), "d.xml")
    model = examples.example_demaut()
    assert isinstance(model, Demaut) and header == model.header
    assert frame.schema == pl.Schema(DEMAUT_ACT_SCHEMA)
    expected = [
        (i, r.request_id, r.accident, r.accident_date, j, act.act_code, act.sessions, r.prescription.file_name)
        for i, r in enumerate(model.requests, start=1)
        for j, act in enumerate(r.acts, start=1)
    ]
    got = frame.select(
        "request_index", "request_id", "accident", "accident_date", "act_position", "act_code", "sessions",
        "prescription_file",
    ).rows()  # fmt: skip
    assert got == expected


def test_demaut_frame_checks_the_count() -> None:
    data = examples.example("DEMAUT").replace(b"<NombreDemandes>4<", b"<NombreDemandes>5<")
    with pytest.raises(FindingsError) as caught:
        demaut_requests_frame(data, "d.xml")
    assert caught.value.findings[0].location == "/DEMAUT/Controle/NombreDemandes"


def test_a_file_without_indentation_reads_the_same() -> None:
    data = examples.example("FAC")
    compact = re.sub(rb">\s+<", b"><", data)
    assert b"\n" not in compact
    assert fac_lines_frame(compact, "compact.xml")[1].equals(fac_lines_frame(data, "fac.xml")[1])


def test_whitespace_the_xsd_collapses_is_accepted() -> None:
    data = examples.example("FAC").replace(b"<MontantTarif>29.87<", b"<MontantTarif>\n  29.87 <")
    data = data.replace(b"<DatePrestation>2024-03-11<", b"<DatePrestation> 2024-03-11<")
    expected = fac_lines_frame(examples.example("FAC"))[1]
    assert fac_lines_frame(data, "spaced.xml")[1].equals(expected)
    assert read_file(data) == examples.example_fac()


def test_tokens_moved_to_arrow_in_chunks_give_the_same_frame(big_fac: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = fac_lines_frame(big_fac)[1]
    monkeypatch.setattr(frames, "_CHUNK_TOKENS", 1000)  # many chunks, cut in the middle of invoices' neighbours
    assert fac_lines_frame(big_fac)[1].equals(whole)
