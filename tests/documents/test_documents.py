"""Printed documents: real PDFs read back (pypdf text extraction) with identifiers and amounts, rendered to PNG."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import Flowable

from tierspayant.documents.layout import DocumentMeta, render
from tierspayant.schemes.lu_kin.practice.documents.content import (
    ActRow,
    ItFormContent,
    MemoireContent,
    MemoireLine,
    PatientBlock,
    ProviderBlock,
    StatementContent,
    StatementMonth,
    TitreContent,
)
from tierspayant.schemes.lu_kin.practice.documents.it_form import render_it_form
from tierspayant.schemes.lu_kin.practice.documents.memoire import render_memoire
from tierspayant.schemes.lu_kin.practice.documents.statement import render_statement
from tierspayant.schemes.lu_kin.practice.documents.titre import render_titre

PROVIDER = ProviderBlock("Kiné Centre Gare", ["12, rue de Strasbourg", "L-2560 Luxembourg"], "11110001")
PATIENT = PatientBlock("DUPONT Jeanne", "1980010112302", date(1980, 1, 1), "CNS", ["3, rue Large", "L-1917 Luxembourg"])


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages)


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def a4(path: Path) -> bool:
    box = PdfReader(path).pages[0].mediabox
    return abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1


def render_png(pdf: Path) -> Path | None:
    """First page as PNG at 60 DPI (poppler's pdftoppm); None when poppler is not installed."""
    if shutil.which("pdftoppm") is None:
        return None
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    pngs = sorted(pdf.parent.glob(prefix.name + "-*.png"))
    return pngs[0] if pngs else None


def assert_renders(pdf: Path) -> None:
    png = render_png(pdf)
    if png is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: PNG rendering not checked")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 2000  # a blank page at 60 DPI compresses to far less


def titre_content(identifier: str = "T2024000000421") -> TitreContent:
    return TitreContent(
        identifier=identifier,
        issued_on=date(2024, 3, 2),
        valid_from=date(2024, 3, 2),
        valid_to=date(2024, 6, 1),
        coverage_rate=Decimal("70.00"),
        patient=PATIENT,
        prescriber_code="33330001",
        prescribed_on=date(2024, 2, 20),
        pathology_category="COMMON",
        acts=[ActRow("ZK11", 8, "Séance de kinésithérapie, pathologie courante"), ActRow("ZK12", 4)],
        provider=PROVIDER,
        performer_code="22220001",
        fund="CNS",
    )


def test_titre_shows_annex_05_content(tmp_path: Path) -> None:
    pdf = render_titre(titre_content(), tmp_path / "titre.pdf")
    text = pdf_text(pdf)
    for expected in [
        "Titre de prise en charge",
        "T2024000000421",
        "DUPONT Jeanne",
        "1980010112302",
        "33330001",
        "20/02/2024",
        "du 02/03/2024 au 01/06/2024",
        "70.00 %",
        "ZK11",
        "ZK12",
        "Total",
        "12",
        "22220001",
        "11110001",
        "Pathologie courante",
    ]:
        assert expected in text, expected
    assert a4(pdf)
    assert PdfReader(pdf).metadata is not None and PdfReader(pdf).metadata.title == "Titre de prise en charge"
    assert_renders(pdf)


def test_same_content_gives_same_bytes(tmp_path: Path) -> None:
    first = render_titre(titre_content(), tmp_path / "a.pdf").read_bytes()
    second = render_titre(titre_content(), tmp_path / "b.pdf").read_bytes()
    other = render_titre(titre_content("T2024000000439"), tmp_path / "c.pdf").read_bytes()
    assert first == second != other


def memoire(lines: int, third_party: bool = True) -> MemoireContent:
    return MemoireContent(
        number="M-2024-03-0001",
        issued_on=date(2024, 4, 2),
        month="2024-03",
        provider=PROVIDER,
        performers=[("22220001", "Paul Weber")],
        patient=PATIENT,
        third_party=third_party,
        lines=[
            MemoireLine(
                date(2024, 3, 1) + timedelta(days=i % 31),
                "ZK11",
                "22220001",
                "T2024000000421",
                Decimal("37.17"),
                Decimal("11.15"),
                Decimal("26.02"),
            )
            for i in range(lines)
        ],
    )


def test_memoire_shows_annex_06_content_and_totals(tmp_path: Path) -> None:
    pdf = render_memoire(memoire(8), tmp_path / "memoire.pdf")
    text = pdf_text(pdf)
    for expected in [
        "Mémoire d'honoraires",
        "M-2024-03-0001",
        "Kiné Centre Gare",
        "11110001",
        "22220001 Paul Weber",
        "DUPONT Jeanne",
        "1980010112302",
        "01/03/2024",
        "08/03/2024",
        "T2024000000421",
        "37.17",
        "11.15",
        "26.02",
        "8 séance(s)",
        "297.36",
        "89.20",
        "208.16",
    ]:
        assert expected in text, expected
    assert "Montant à payer par la personne protégée\n89.20 EUR" in text or "89.20 EUR" in text
    assert_renders(pdf)


def test_memoire_without_third_party_asks_the_whole_tariff(tmp_path: Path) -> None:
    text = pdf_text(render_memoire(memoire(2, third_party=False), tmp_path / "m.pdf"))
    assert "Paiement par la personne protégée" in text
    assert text.count("74.34 EUR") == 2  # total tariff, and the amount to pay


def test_long_memoire_spans_pages_and_keeps_every_line(tmp_path: Path) -> None:
    pdf = render_memoire(memoire(120), tmp_path / "long.pdf")
    assert page_count(pdf) >= 3
    text = pdf_text(pdf)
    assert text.count("T2024000000421") == 120
    assert "4460.40" in text and "1338.00" in text and "3122.40" in text  # 120 × 37.17, × 11.15, × 26.02
    assert text.count("Date") >= page_count(pdf)  # the table header repeats on every page


def test_statement(tmp_path: Path) -> None:
    months = [
        StatementMonth(f"2024-{m:02d}", 40, Decimal("1486.80"), Decimal("1040.76"), 10, Decimal("371.70"))
        for m in range(3, 13)
    ]
    content = StatementContent(
        2024,
        date(2025, 1, 15),
        ProviderBlock("Association Kiné Nord", ["5, Grand-Rue"], "44440001"),
        "22220001",
        "Paul Weber",
        [(date(2024, 3, 1), None)],
        months,
    )
    text = pdf_text(render_statement(content, tmp_path / "s.pdf"))
    for expected in [
        "44440001",
        "22220001",
        "Paul Weber",
        "du 01/03/2024 au —",
        "2024-03",
        "2024-12",
        "14868.00",
        "10407.60",
        "3717.00",
        "400",
    ]:
        assert expected in text, expected


def test_it_form(tmp_path: Path) -> None:
    content = ItFormContent(
        2024,
        date(2025, 2, 10),
        PROVIDER,
        [("22220001", "Paul Weber")],
        date(2024, 3, 1),
        date(2024, 12, 31),
        306,
        366,
        1800,
        1672,
        Decimal("1337.70"),
        True,
    )
    pdf = render_it_form(content, tmp_path / "it.pdf")
    text = pdf_text(pdf)
    for expected in [
        "Demande de forfait pour frais informatiques",
        "2024",
        "1337.70 EUR",
        "1672",
        "1800",
        "306 / 366",
        "oui",
        "10/02/2025",
        "IT-2024-11110001",
    ]:
        assert expected in text, expected
    assert_renders(pdf)


def test_no_partial_file_left_when_rendering_fails(tmp_path: Path) -> None:
    class Exploding(Flowable):  # type: ignore[misc]
        def wrap(self, *_: object) -> tuple[float, float]:
            raise RuntimeError("layout failed")

    meta = DocumentMeta("T", "S", "A", "R")
    with pytest.raises(RuntimeError):
        render(tmp_path / "broken.pdf", meta, [Exploding()])
    assert list(tmp_path.iterdir()) == []
