"""The CNS register: identifier, class from the acquisition value, documents in PDF only, closing, refusals."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from tierspayant.schemes.lu_doctors.examples import (
    COLLEAGUE,
    GYNAECOLOGIST,
    decommission_declaration,
    new_device_declaration,
    purchase_documents,
    sample_pdf,
    scanner,
)
from tierspayant.schemes.lu_doctors.formats.messages import (
    Declaration,
    DeclarationFile,
    DeclaredDocument,
    DeviceDetails,
    ValueItem,
)
from tierspayant.schemes.lu_doctors.fund.register import OpenDevice, Register, acquisition_value
from tierspayant.schemes.lu_doctors.reference import load_sample_reference

REGISTER = Register(load_sample_reference())


def _file(device: DeviceDetails, send: date = date(2025, 1, 6), documents: tuple[DeclaredDocument, ...] | None = None,
          attachments: dict[str, bytes] | None = None) -> DeclarationFile:  # fmt: skip
    docs, files = purchase_documents()
    return DeclarationFile(GYNAECOLOGIST, "medecin", "D1", send, (Declaration(1, documents or docs, device=device),),
                           attachments if attachments is not None else files)  # fmt: skip


def _priced(amount: str) -> DeviceDetails:
    return dataclasses.replace(scanner(), values=(ValueItem("appareil", "Échographe", Decimal(amount)),))


def _codes(file: DeclarationFile, known: dict[str, OpenDevice] | None = None) -> list[str]:
    """The refusal reasons (information notes such as "probe 6 not counted" left out); none ⇔ registered."""
    answer = REGISTER.decide(file, known or {})[0].answer
    refusals = [r.code for r in answer.reasons if r.code.startswith("R")]
    assert (answer.status == "refuse") == bool(refusals)
    return refusals


def test_new_device_registered_with_its_class() -> None:
    decision = REGISTER.decide(new_device_declaration(), {})[0]
    registration = decision.registration
    assert decision.answer.status == "enregistre" and registration is not None
    # 42000 device + 5 probes × 2500; the sixth probe, the desk and the monitor do not count
    assert registration.acquisition_value == Decimal("54500.00")
    assert (registration.class_code, registration.annual_threshold, registration.amortisation_total) == (
        "2",
        1800,
        9000,
    )
    assert (registration.full_code, registration.reduced_code) == ("DF21", "DF22")
    assert registration.in_use_from == date(2025, 1, 1)  # in place since 2024: used from the first day of flat rates
    assert [r.code for r in decision.answer.reasons] == ["I001", "I002", "I002"]


@pytest.mark.parametrize(
    ("amount", "klass"), [("30000.00", "1"), ("30000.01", "2"), ("80000.00", "2"), ("80000.01", "3")]
)
def test_class_boundaries(amount: str, klass: str) -> None:
    registration = REGISTER.decide(_file(_priced(amount)), {})[0].registration
    assert registration is not None and registration.class_code == klass


def test_five_probes_count_the_sixth_does_not() -> None:
    five = dataclasses.replace(scanner(), values=scanner().values[:6])  # device + 5 probes
    assert acquisition_value(five, 5)[0] == Decimal("54500.00")
    assert acquisition_value(scanner(), 5)[0] == Decimal("54500.00")


def test_device_in_service_after_2025_is_used_from_that_day() -> None:
    later = dataclasses.replace(scanner(), in_service_on=date(2025, 2, 14))
    registration = REGISTER.decide(_file(later), {})[0].registration
    assert registration is not None and registration.in_use_from == date(2025, 2, 14)


def test_missing_delivery_note() -> None:
    docs = (DeclaredDocument("facture_acquittee", "facture.pdf"),)
    assert _codes(_file(scanner(), documents=docs)) == ["R001"]


def test_leasing_needs_the_signed_contract() -> None:
    leased = dataclasses.replace(scanner(), acquisition="leasing")
    assert _codes(_file(leased)) == ["R001"]
    docs = (DeclaredDocument("contrat_leasing", "facture.pdf"), DeclaredDocument("bon_livraison", "livraison.pdf"))
    assert _codes(_file(leased, documents=docs)) == []


def test_document_named_but_absent() -> None:
    _, files = purchase_documents()
    del files["livraison.pdf"]
    assert _codes(_file(scanner(), attachments=files)) == ["R001"]


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("facture.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100, "JPEG"),
        ("facture.pdf", b"<!DOCTYPE html><html><body>paid</body></html>", "HTML"),
        ("facture.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100, "JPEG"),
        ("facture.pdf", b"%PDF-1.7\n garbage that is not a PDF body", "cannot be read"),
    ],
)
def test_documents_must_be_readable_pdf(name: str, data: bytes, fragment: str) -> None:
    _, files = purchase_documents()
    files[name] = data
    docs = (DeclaredDocument("facture_acquittee", name), DeclaredDocument("bon_livraison", "livraison.pdf"))
    reasons = REGISTER.decide(_file(scanner(), documents=docs, attachments=files), {})[0].answer.reasons
    assert [r.code for r in reasons] == ["R002"] and fragment in reasons[0].message


def test_second_hand_from_2025_01_02() -> None:
    used = dataclasses.replace(scanner(), nature="occasion")
    docs = (
        DeclaredDocument("formulaire_occasion", "facture.pdf"),
        DeclaredDocument("facture_acquittee", "livraison.pdf"),
    )
    assert _codes(_file(used, send=date(2025, 1, 1), documents=docs)) == ["R003"]
    assert _codes(_file(used, send=date(2025, 1, 2), documents=docs)) == []
    assert _codes(_file(used, send=date(2025, 1, 2))) == ["R001"]  # the second-hand form is missing


def test_kind_not_covered_in_the_discipline() -> None:
    assert _codes(_file(dataclasses.replace(scanner(), kind_code="AUDIO"))) == ["R004"]  # an audiometer in gynaecology
    assert _codes(_file(dataclasses.replace(scanner(), kind_code="CTG"))) == []


def test_hospital_device_refused() -> None:
    assert _codes(_file(dataclasses.replace(scanner(), in_hospital=True))) == ["R005"]


def test_no_device_item() -> None:
    only_probes = dataclasses.replace(scanner(), values=(ValueItem("sonde", "Sonde", Decimal("100.00")),))
    assert "R006" in _codes(_file(only_probes))


def test_shared_device_declared_once() -> None:
    known = {
        "ECHO0000001": OpenDevice("ECHO0000001", GYNAECOLOGIST, "ECHO", "US-2024-000731", date(2025, 1, 1), None, ())
    }
    assert _codes(_file(scanner()), known) == ["R008"]
    closed = {k: dataclasses.replace(v, closed_on=date(2025, 2, 1)) for k, v in known.items()}
    assert _codes(_file(scanner()), closed) == []


def _known(declarant: str = GYNAECOLOGIST, users: tuple[str, ...] = (COLLEAGUE,)) -> dict[str, OpenDevice]:
    return {"ECHO0000001": OpenDevice("ECHO0000001", declarant, "ECHO", "S", date(2025, 1, 1), None, users)}


def test_decommission_closes_the_identifier() -> None:
    decision = REGISTER.decide(decommission_declaration("ECHO0000001", date(2025, 6, 30)), _known())[0]
    assert decision.answer.status == "cloture" and decision.close == ("ECHO0000001", date(2025, 6, 30), "vente")


def test_decommission_refusals() -> None:
    file = decommission_declaration("ECHO0000001", date(2025, 6, 30))
    assert _codes(file, {}) == ["R010"]
    assert _codes(file, {k: dataclasses.replace(v, closed_on=date(2025, 3, 1)) for k, v in _known().items()}) == [
        "R010"
    ]
    assert _codes(file, _known(declarant="10999999", users=())) == ["R012"]
    assert _codes(file, _known(declarant="10999999", users=(GYNAECOLOGIST,))) == []
    early = decommission_declaration("ECHO0000001", date(2024, 12, 31))
    assert _codes(early, _known()) == ["R011"]
    no_form = dataclasses.replace(file, attachments={"hors-service.pdf": b"<html></html>"})
    assert _codes(no_form, _known()) == ["R002"]


def test_sample_pdf_is_a_real_pdf() -> None:
    from io import BytesIO

    from pypdf import PdfReader

    assert "Facture" in PdfReader(BytesIO(sample_pdf("Facture acquittée"))).pages[0].extract_text()


def test_encrypted_pdf_is_refused() -> None:
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(BytesIO(sample_pdf("Facture acquittée"))).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    buffer = BytesIO()
    writer.write(buffer)
    _, files = purchase_documents()
    files["facture.pdf"] = buffer.getvalue()
    reasons = REGISTER.decide(_file(scanner(), attachments=files), {})[0].answer.reasons
    assert [r.code for r in reasons] == ["R002"] and "encrypted" in reasons[0].message
