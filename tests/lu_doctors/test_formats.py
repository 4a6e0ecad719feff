"""Layout 01: round trips through the real writers and readers, XSD on every read and write, file names, and
hostile input (DTDs, entities, bad ZIPs, wrong roots)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.findings import FindingsError
from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.examples import decommission_declaration, new_device_declaration
from tierspayant.schemes.lu_doctors.formats.messages import (
    Anomaly,
    DeclarationAnswer,
    FlatRateFile,
    FlatRateInvoice,
    InvoiceLine,
    RegisterAnswer,
    Registration,
    ReturnFile,
    ReturnInvoice,
    ReturnLine,
)
from tierspayant.schemes.lu_doctors.formats.naming import DoctorsFileName
from tierspayant.schemes.lu_doctors.formats.reader import (
    read_declaration_xml,
    read_declaration_zip,
    read_flat_rates,
    read_register_answer,
    read_return,
)
from tierspayant.schemes.lu_doctors.formats.writer import (
    declaration_xml,
    declaration_zip,
    flat_rates_bytes,
    register_answer_xml,
    return_bytes,
)

from .helpers import flat, flat_file, invoice

# --- round trips ------------------------------------------------------------------------------------------------


def test_declaration_round_trip() -> None:
    for file in (new_device_declaration(), decommission_declaration("ECHO0000001", date(2025, 6, 30))):
        assert read_declaration_zip(declaration_zip(file), "d.zip") == file


def test_register_answer_round_trip() -> None:
    answer = RegisterAnswer(
        "10234567", "D1", "F10234567202501_MED_DECLAPP_01_20250106_D1.zip", date(2025, 1, 7),
        (
            DeclarationAnswer(1, "enregistre", "ECHO0000001",
                              Registration(date(2025, 1, 1), Decimal("54500.00"), "2", 1800, 9000, "DF21", "DF22"),
                              reasons=(Anomaly("I001", "probe 6 not counted"),)),
            DeclarationAnswer(2, "cloture", "ECHO0000002", closed_on=date(2025, 6, 30)),
            DeclarationAnswer(3, "refuse", reasons=(Anomaly("R002", "facture.jpg is a JPEG image"),)),
        ),
    )  # fmt: skip
    assert read_register_answer(register_answer_xml(answer)) == answer


def test_return_round_trip() -> None:
    file = ReturnFile(
        "20000001", "2025-03", "M1", "F20000001202503_MED_FACFORF_01_20250402_M1.xml", date(2025, 4, 3), "traite",
        (ReturnInvoice("T1", (ReturnLine(1, "DF21", Decimal("36.00"), Decimal("12.00"), "DF22",
                                         (Anomaly("D206", "threshold reached"),)),)),),
        1, 0, Decimal("36.00"), Decimal("12.00"), date(2025, 5, 3),
    )  # fmt: skip
    assert read_return(return_bytes(file)) == file


_codes = st.sampled_from(["DF21", "DF22", "6E21", "6E11"])
_lines = st.builds(
    lambda n, day, code, cents, device, act, note: InvoiceLine(
        n, date(2025, 1, 1) + timedelta(days=day), code, Decimal(cents) / 100, "CAB", device, act, note
    ),
    st.integers(1, 999), st.integers(0, 400), _codes, st.integers(0, 10**8),
    st.one_of(st.none(), st.from_regex(r"[A-Z0-9]{4,20}", fullmatch=True)),
    st.one_of(st.none(), _codes), st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9.\-]{1,30}", fullmatch=True)),
)  # fmt: skip


@st.composite
def _invoices(draw: st.DrawFn) -> tuple[FlatRateInvoice, ...]:
    count = draw(st.integers(1, 4))
    invoices = []
    for number in range(count):
        lines = draw(st.lists(_lines, min_size=1, max_size=4, unique_by=lambda line: line.line))
        matricule = compute_matricule(
            date(1950, 1, 1) + timedelta(days=draw(st.integers(0, 20000))), draw(st.integers(0, 999))
        )
        mode = draw(st.sampled_from(["tiers_payant", "pid"]))
        fund = draw(st.sampled_from(["CNS", "CMFEP", "CMFEC", "EMCFL"]))
        invoices.append(FlatRateInvoice(f"T{number}", mode, "10234567", matricule, fund, tuple(lines)))
    return tuple(invoices)


@settings(max_examples=25, deadline=None)
@given(_invoices())
def test_flat_rates_round_trip(invoices: tuple[FlatRateInvoice, ...]) -> None:
    file = FlatRateFile("20000001", "2025-03", "M1", date(2025, 4, 2), invoices, FlatRateFile.statement_of(invoices))
    assert read_flat_rates(flat_rates_bytes(file)) == file


# --- validated on write ---------------------------------------------------------------------------------------


def test_writer_refuses_what_the_xsd_refuses() -> None:
    with pytest.raises(FindingsError) as caught:
        flat_rates_bytes(flat_file(invoice(flat(), matricule="123")))
    assert caught.value.findings[0].code == "XSD-WRITE"
    with pytest.raises(FindingsError):
        flat_rates_bytes(flat_file(invoice(flat()), invoice(flat())))  # the same invoice number twice


# --- validated on read, hostile input ---------------------------------------------------------------------------


def _good() -> bytes:
    return flat_rates_bytes(flat_file(invoice(flat()), invoice(flat(fee_note="FN-2"), number="T2")))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda b: b.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1), "XML-DTD"),
        (lambda b: b.replace(b"<Matricule>", b"<Matricule>x", 1), "XSD-INVALID"),
        (lambda b: b[: len(b) // 2], "XML-MALFORMED"),
        (lambda b: b.replace(b"facforf:01", b"facforf:02"), "XSD-INVALID"),
        (lambda b: b.replace(b"<Releve", b"<Intrus/><Releve", 1), "XSD-INVALID"),
        (lambda b: b.replace(b"<TypeReleve>forfaits_appareils", b"<TypeReleve>article_60", 1), "XSD-INVALID"),
        (lambda b: b.decode().encode("utf-16"), "XML-ENCODING"),
        (lambda b: b.replace(b"<Facture", b'<Facture xmlns:xi="http://www.w3.org/2001/XInclude"', 1), "XML-XINCLUDE"),
    ],
)
def test_flat_rates_hostile_or_invalid(change, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FindingsError) as caught:
        read_flat_rates(change(_good()), "bad.xml")
    assert caught.value.findings[0].code == code
    assert caught.value.findings[0].file == "bad.xml"


def test_invalid_line_is_named_by_its_line_number() -> None:
    data = _good().replace(b"<Montant>36.00</Montant>", b"<Montant>36.0</Montant>", 1)
    with pytest.raises(FindingsError) as caught:
        read_flat_rates(data, "bad.xml")
    finding = caught.value.findings[0]
    assert finding.code == "XSD-INVALID" and finding.line == data[: data.index(b"36.0<")].count(b"\n") + 1


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([("declaration.xml", b"x"), ("../etc/passwd", b"x")], "ZIP-PATH-TRAVERSAL"),
        ([("declaration.xml", b"x"), ("inner.zip", _zip([("a", b"b")]))], "ZIP-NESTED-ARCHIVE"),
        ([("facture.pdf", b"%PDF-")], "DECL-NO-XML"),
        ([("declaration.xml", b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>")], "XML-DTD"),
        ([("declaration.xml", b"\x00" * 2_000_000)], "ZIP-RATIO"),
    ],
)
def test_hostile_declaration_zip(entries: list[tuple[str, bytes]], code: str) -> None:
    with pytest.raises(FindingsError) as caught:
        read_declaration_zip(_zip(entries), "d.zip")
    assert code in {f.code for f in caught.value.findings}


def test_declaration_xml_is_validated() -> None:
    good = declaration_xml(new_device_declaration())
    assert read_declaration_xml(good).declarant == "10234567"
    with pytest.raises(FindingsError) as caught:
        read_declaration_xml(good.replace(b"<Categorie>sonde", b"<Categorie>chaise", 1))
    assert caught.value.findings[0].code == "XSD-INVALID"
    with pytest.raises(FindingsError) as caught:
        read_declaration_xml(good.replace(b"declapp:01", b"retdecl:01"))
    assert caught.value.findings[0].code == "XSD-ROOT"


def test_not_a_zip() -> None:
    with pytest.raises(FindingsError) as caught:
        read_declaration_zip(b"<html>not a zip</html>", "d.zip")
    assert caught.value.findings[0].code == "ZIP-CORRUPT"


# --- file names -----------------------------------------------------------------------------------------------


def test_names_round_trip_and_answer() -> None:
    name = DoctorsFileName("20000001", 2025, 3, "FACFORF", date(2025, 4, 2), "M1")
    text = name.build()
    assert text == "F20000001202503_MED_FACFORF_01_20250402_M1.xml"
    assert DoctorsFileName.parse(text) == name
    assert name.answer(date(2025, 4, 3)).build() == "F20000001202503_MED_RETFORF_01_20250403_M1.xml"
    assert DoctorsFileName.parse("F10234567202501_MED_DECLAPP_01_20250106_D1.zip").extension == "zip"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("F20000001202503_KIN_FACFORF_01_20250402_M1.xml", "MED-NAME-FRAME"),
        ("F20000001202503_MED_FACFOR_01_20250402_M1.xml", "MED-NAME-TYPE"),
        ("F20000001202513_MED_FACFORF_01_20250402_M1.xml", "MED-NAME-MONTH"),
        ("F00000000202503_MED_FACFORF_01_20250402_M1.xml", "MED-NAME-PROVIDER"),
        ("F20000001202503_MED_FACFORF_02_20250402_M1.xml", "MED-NAME-LAYOUT"),
        ("F20000001202503_MED_FACFORF_01_20250231_M1.xml", "MED-NAME-SEND-DATE"),
        ("F20000001202503_MED_FACFORF_01_20250402_M1.zip", "MED-NAME-EXTENSION"),
        ("F20000001202503_MED_FACFORF_01_20250402_M 1.xml", "MED-NAME-REFERENCE"),
        ("facture.xml", "MED-NAME-FORMAT"),
    ],
)
def test_bad_names(name: str, code: str) -> None:
    with pytest.raises(FindingsError) as caught:
        DoctorsFileName.parse(name)
    assert code in {f.code for f in caught.value.findings}
