"""Writers of the four device exchange files; every element written is validated against its XSD first.

Small files (DECLAPP, RETDECL) are built whole and validated whole. FACFORF and RETFORF stream (a month of a large
association, or a million-line benchmark): each ``Entete`` / ``Facture`` / ``Releve`` / ``Totaux`` is built, validated
against its global declaration, then written; nothing invalid reaches the output.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from lxml import etree

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import format_euros
from tierspayant.schemes.lu_doctors.formats.messages import (
    Anomaly,
    DeclarationFile,
    FlatRateFile,
    FlatRateInvoice,
    RegisterAnswer,
    ReturnFile,
    ReturnInvoice,
    Statement,
)
from tierspayant.schemes.lu_doctors.formats.xsd import ROOTS, lxml_schema, namespace

DECLARATION_MEMBER = "declaration.xml"
RULE = "doctors' layout 01 (XSD)"


class _Builder:
    """Element helpers bound to one namespace."""

    def __init__(self, file_type: str) -> None:
        self.ns = namespace(file_type)

    def el(self, tag: str, parent: etree._Element | None = None) -> etree._Element:
        name = f"{{{self.ns}}}{tag}"
        if parent is None:
            return etree.Element(name, nsmap={None: self.ns})  # type: ignore[dict-item]
        return etree.SubElement(parent, name)

    def text(self, parent: etree._Element, tag: str, value: Any) -> None:
        if value is None:
            return
        child = self.el(tag, parent)
        if isinstance(value, bool):
            child.text = "true" if value else "false"
        elif isinstance(value, Decimal):
            child.text = format_euros(value)
        elif isinstance(value, date):
            child.text = value.isoformat()
        else:
            child.text = str(value)

    def anomaly(self, parent: etree._Element, tag: str, anomaly: Anomaly) -> None:
        node = self.el(tag, parent)
        self.text(node, "Code", anomaly.code)
        self.text(node, "Message", anomaly.message)


def _invalid(schema: etree.XMLSchema, what: str) -> FindingsError:
    findings = [
        Finding("XSD-WRITE", f"{what} would not be valid: {error.message}", location=error.path, rule=RULE)
        for error in [e for e in schema.error_log][:20]  # type: ignore[attr-defined]
    ]
    return FindingsError(findings)


def _finish(root: etree._Element, file_type: str) -> bytes:
    schema = lxml_schema(file_type)
    if not schema.validate(root):
        raise _invalid(schema, file_type)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- DECLAPP ----------------------------------------------------------------------------------------------------


def declaration_xml(declaration: DeclarationFile) -> bytes:
    b = _Builder("DECLAPP")
    root = b.el(ROOTS["DECLAPP"])
    head = b.el("Entete", root)
    b.text(head, "Declarant", declaration.declarant)
    b.text(head, "TypeDeclarant", declaration.declarant_type)
    b.text(head, "Reference", declaration.reference)
    b.text(head, "DateEnvoi", declaration.send_date)
    for item in declaration.declarations:
        node = b.el("Declaration", root)
        b.text(node, "NumeroDeclaration", item.number)
        if item.device is not None:
            d = item.device
            device = b.el("Appareil", node)
            b.text(device, "Nature", d.nature)
            b.text(device, "TypeAppareil", d.kind_code)
            b.text(device, "Discipline", d.discipline_code)
            b.text(device, "Marque", d.brand)
            b.text(device, "Modele", d.model)
            b.text(device, "NumeroSerie", d.serial_number)
            place = b.el("Installation", device)
            b.text(place, "Adresse", d.address)
            b.text(place, "Hopital", d.in_hospital)
            b.text(device, "DateMiseEnService", d.in_service_on)
            b.text(device, "ModeAcquisition", d.acquisition)
            b.text(device, "PaysAchat", d.purchase_country)
            values = b.el("Valeurs", device)
            for value in d.values:
                element = b.el("Element", values)
                b.text(element, "Categorie", value.category)
                b.text(element, "Libelle", value.label)
                b.text(element, "Montant", value.amount)
            users = b.el("Utilisateurs", device)
            for user in d.users:
                b.text(users, "Medecin", user)
        elif item.decommission is not None:
            out = b.el("MiseHorsService", node)
            b.text(out, "IdentifiantAppareil", item.decommission.device_id)
            b.text(out, "DateHorsService", item.decommission.out_of_service_on)
            b.text(out, "Motif", item.decommission.reason)
        documents = b.el("Documents", node)
        for document in item.documents:
            doc = b.el("Document", documents)
            b.text(doc, "Nature", document.nature)
            b.text(doc, "Fichier", document.file_name)
    return _finish(root, "DECLAPP")


def declaration_zip(declaration: DeclarationFile) -> bytes:
    """The DECLAPP envelope: ``declaration.xml`` first, then the documents, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DECLARATION_MEMBER, declaration_xml(declaration))
        for name, data in declaration.attachments.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- RETDECL ----------------------------------------------------------------------------------------------------


def register_answer_xml(answer: RegisterAnswer) -> bytes:
    b = _Builder("RETDECL")
    root = b.el(ROOTS["RETDECL"])
    head = b.el("Entete", root)
    b.text(head, "Declarant", answer.declarant)
    b.text(head, "Reference", answer.reference)
    b.text(head, "FichierRecu", answer.received_file)
    b.text(head, "DateTraitement", answer.processed_on)
    for anomaly in answer.file_anomalies:
        b.anomaly(root, "AnomalieFichier", anomaly)
    for item in answer.answers:
        node = b.el("Reponse", root)
        b.text(node, "NumeroDeclaration", item.number)
        b.text(node, "Statut", item.status)
        b.text(node, "IdentifiantAppareil", item.device_id)
        if item.registration is not None:
            r = item.registration
            reg = b.el("Enregistrement", node)
            b.text(reg, "DateDebutUtilisation", r.in_use_from)
            b.text(reg, "ValeurAcquisition", r.acquisition_value)
            b.text(reg, "Classe", r.class_code)
            b.text(reg, "SeuilAnnuel", r.annual_threshold)
            b.text(reg, "TotalAmortissement", r.amortisation_total)
            b.text(reg, "CodeForfaitPlein", r.full_code)
            b.text(reg, "CodeForfaitReduit", r.reduced_code)
        b.text(node, "DateCloture", item.closed_on)
        for reason in item.reasons:
            b.anomaly(node, "Motif", reason)
    return _finish(root, "RETDECL")


# --- streaming writers (FACFORF, RETFORF) -------------------------------------------------------------------


class _Stream:
    """An ``xmlfile`` with one open root; each top-level child is validated, then written."""

    def __init__(self, target: Path | IO[bytes], file_type: str) -> None:
        self.builder = _Builder(file_type)
        self.schema = lxml_schema(file_type)
        self.file_type = file_type
        self._own = isinstance(target, Path)
        self._stream: IO[bytes] = open(target, "wb") if isinstance(target, Path) else target  # noqa: SIM115
        self._xf = etree.xmlfile(self._stream, encoding="UTF-8")
        self._file = self._xf.__enter__()
        self._file.write_declaration()
        self._root = self._file.element(f"{{{self.builder.ns}}}{ROOTS[file_type]}", nsmap={None: self.builder.ns})
        self._root.__enter__()

    def put(self, element: etree._Element) -> None:
        if not self.schema.validate(element):
            raise _invalid(self.schema, f"{self.file_type} {etree.QName(element).localname}")
        self._file.write(element, pretty_print=True)

    def close(self, ok: bool = True) -> None:
        if ok:
            self._root.__exit__(None, None, None)
            self._xf.__exit__(None, None, None)
        if self._own:
            self._stream.close()


class FlatRateWriter:
    """Write a FACFORF invoice by invoice; ``close()`` writes the statement of what was written (or the one given)."""

    def __init__(self, target: Path | IO[bytes], billing_code: str, month: str, reference: str, send_date: date):
        self._stream = _Stream(target, "FACFORF")
        self._seen: set[str] = set()
        self.invoice_count = 0
        self.line_count = 0
        self.total = Decimal("0.00")
        b = self._stream.builder
        head = b.el("Entete")
        b.text(head, "Facturier", billing_code)
        b.text(head, "Mois", month)
        b.text(head, "Reference", reference)
        b.text(head, "DateEnvoi", send_date)
        self._stream.put(head)

    def add(self, invoice: FlatRateInvoice) -> None:
        if invoice.invoice_number in self._seen:
            message = f"invoice {invoice.invoice_number} is written twice in one file"
            raise FindingsError([Finding("XSD-WRITE", message, location="Facture/NumeroFacture", rule=RULE)])
        self._seen.add(invoice.invoice_number)
        b = self._stream.builder
        node = b.el("Facture")
        b.text(node, "NumeroFacture", invoice.invoice_number)
        b.text(node, "Mode", invoice.mode)
        b.text(node, "Medecin", invoice.doctor_code)
        b.text(node, "Matricule", invoice.matricule)
        b.text(node, "Caisse", invoice.fund)
        for line in invoice.lines:
            ln = b.el("Ligne", node)
            b.text(ln, "NumeroLigne", line.line)
            b.text(ln, "DatePrestation", line.service_date)
            b.text(ln, "CodeActe", line.act_code)
            b.text(ln, "IdentifiantAppareil", line.device_id)
            b.text(ln, "LieuPrestation", line.place)
            b.text(ln, "ActeTechnique", line.technical_act)
            b.text(ln, "NoteHonoraires", line.fee_note_ref)
            b.text(ln, "Montant", line.amount)
        b.text(node, "TotalFacture", invoice.total)
        self._stream.put(node)
        self.invoice_count += 1
        self.line_count += len(invoice.lines)
        self.total += invoice.total

    def close(self, statement: Statement | None = None) -> Statement:
        stated = statement or Statement(self.invoice_count, self.line_count, self.total)
        b = self._stream.builder
        node = b.el("Releve")
        b.text(node, "TypeReleve", "forfaits_appareils")
        b.text(node, "NombreFactures", stated.invoice_count)
        b.text(node, "NombreLignes", stated.line_count)
        b.text(node, "MontantTotal", stated.total)
        self._stream.put(node)
        self._stream.close()
        return stated

    def __enter__(self) -> FlatRateWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self._stream.close(ok=False)


def write_flat_rates(file: FlatRateFile, target: Path | IO[bytes]) -> None:
    """A whole FACFORF; the statement written is the one in ``file`` (a test may make it wrong on purpose)."""
    writer = FlatRateWriter(target, file.billing_code, file.month, file.reference, file.send_date)
    with writer:
        for invoice in file.invoices:
            writer.add(invoice)
        writer.close(file.statement)


def flat_rates_bytes(file: FlatRateFile) -> bytes:
    buffer = io.BytesIO()
    write_flat_rates(file, buffer)
    return buffer.getvalue()


class ReturnWriter:
    """Write a RETFORF: header, file anomalies, then invoice by invoice, then the totals."""

    def __init__(self, target: Path | IO[bytes], head: ReturnFile) -> None:
        self._stream = _Stream(target, "RETFORF")
        b = self._stream.builder
        node = b.el("Entete")
        b.text(node, "Facturier", head.billing_code)
        b.text(node, "Mois", head.month)
        b.text(node, "Reference", head.reference)
        b.text(node, "FichierRecu", head.received_file)
        b.text(node, "DateTraitement", head.processed_on)
        b.text(node, "Statut", head.status)
        b.text(node, "DatePaiement", head.payment_date)
        self._stream.put(node)
        for anomaly in head.file_anomalies:
            element = b.el("AnomalieFichier")
            b.text(element, "Code", anomaly.code)
            b.text(element, "Message", anomaly.message)
            self._stream.put(element)

    def add(self, invoice: ReturnInvoice) -> None:
        b = self._stream.builder
        node = b.el("Facture")
        b.text(node, "NumeroFacture", invoice.invoice_number)
        for line in invoice.lines:
            ln = b.el("Ligne", node)
            b.text(ln, "NumeroLigne", line.line)
            b.text(ln, "CodeActe", line.act_code)
            b.text(ln, "CodePaye", line.paid_code)
            b.text(ln, "MontantDemande", line.claimed)
            b.text(ln, "MontantPrisEnCharge", line.covered)
            for anomaly in line.anomalies:
                b.anomaly(ln, "Anomalie", anomaly)
        self._stream.put(node)

    def close(self, line_count: int, refused_count: int, claimed: Decimal, covered: Decimal) -> None:
        b = self._stream.builder
        node = b.el("Totaux")
        b.text(node, "NombreLignes", line_count)
        b.text(node, "NombreLignesRefusees", refused_count)
        b.text(node, "MontantDemande", claimed)
        b.text(node, "MontantPrisEnCharge", covered)
        self._stream.put(node)
        self._stream.close()

    def __enter__(self) -> ReturnWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self._stream.close(ok=False)


def write_return(file: ReturnFile, target: Path | IO[bytes]) -> None:
    writer = ReturnWriter(target, file)
    with writer:
        for invoice in file.invoices:
            writer.add(invoice)
        writer.close(file.line_count, file.refused_count, file.claimed, file.covered)


def return_bytes(file: ReturnFile) -> bytes:
    buffer = io.BytesIO()
    write_return(file, buffer)
    return buffer.getvalue()
