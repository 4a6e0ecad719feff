"""Readers of the four device exchange files: hostile-safe, validated against the XSD on every read.

Before parsing, ``core.xmlsafe`` refuses DTDs, entities, XInclude, non-UTF-8 and oversize files; a DECLAPP ZIP goes
through ``core.envelope`` first (traversal, bombs, nested archives…). Small files are validated whole. A FACFORF is
streamed: each ``Entete`` / ``Facture`` / ``Releve`` is validated against its global declaration as it ends, then
turned into columns and cleared, so a million-line month is read in bounded memory straight into a Polars frame
(what the fund's rules run on). Every problem is a ``Finding`` with file, line and element path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from lxml import etree

from tierspayant.core.envelope import ZipLimits, read_zip
from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import from_cents
from tierspayant.core.xmlsafe import (
    Source,
    XmlLimits,
    check_source,
    malformed_finding,
    open_source,
    parse_document,
    safe_iterparse,
    source_name,
)
from tierspayant.schemes.lu_doctors.formats.messages import (
    Anomaly,
    Declaration,
    DeclarationAnswer,
    DeclarationFile,
    DeclaredDocument,
    Decommission,
    DeviceDetails,
    FlatRateFile,
    FlatRateInvoice,
    InvoiceLine,
    RegisterAnswer,
    Registration,
    ReturnFile,
    ReturnInvoice,
    ReturnLine,
    Statement,
    ValueItem,
)
from tierspayant.schemes.lu_doctors.formats.writer import DECLARATION_MEMBER
from tierspayant.schemes.lu_doctors.formats.xsd import ROOTS, lxml_schema, namespace

RULE = "doctors' layout 01 (XSD)"
MAX_ERRORS = 50
DECLARATION_ZIP_LIMITS = ZipLimits(max_archive_bytes=64 * 1024**2, max_entries=60, max_entry_bytes=32 * 1024**2,
                                   max_total_bytes=128 * 1024**2)  # fmt: skip
LINE_COLUMNS: dict[str, Any] = {
    "row_id": pl.Int64,
    "invoice_number": pl.Utf8,
    "mode": pl.Utf8,
    "doctor_code": pl.Utf8,
    "matricule": pl.Utf8,
    "fund": pl.Utf8,
    "line": pl.Int64,
    "service_date": pl.Date,
    "act_code": pl.Utf8,
    "device_id": pl.Utf8,
    "place": pl.Utf8,
    "technical_act": pl.Utf8,
    "fee_note_ref": pl.Utf8,
    "amount_cents": pl.Int64,
    "invoice_total_cents": pl.Int64,
    "source_line": pl.Int64,
}


def _errors(schema: etree.XMLSchema) -> list[Any]:
    return [error for error in schema.error_log]  # type: ignore[attr-defined]


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _xsd_findings(schema: etree.XMLSchema, name: str) -> list[Finding]:
    return [
        Finding("XSD-INVALID", error.message, file=name, line=error.line, location=error.path, rule=RULE)
        for error in _errors(schema)[:MAX_ERRORS]
    ]


def _root_findings(root: etree._Element, file_type: str, name: str) -> list[Finding]:
    expected = f"{{{namespace(file_type)}}}{ROOTS[file_type]}"
    if root.tag != expected:
        message = f"the root element is {root.tag!r}; a {file_type} layout 01 file has {expected!r}"
        return [Finding("XSD-ROOT", message, file=name, line=_line(root), location="/", rule=RULE)]
    return []


def parse_validated(source: Source, file_type: str, name: str | None = None) -> etree._Element:
    """Parse a whole (small) file safely and validate it; ``FindingsError`` otherwise."""
    label = source_name(source, name)
    root = parse_document(source, label)
    findings = _root_findings(root, file_type, label)
    if findings:
        raise FindingsError(findings)
    schema = lxml_schema(file_type)
    if not schema.validate(root):
        raise FindingsError(_xsd_findings(schema, label))
    return root


class _Tree:
    """Read children by local name (the namespace is fixed by the validated root)."""

    def __init__(self, file_type: str) -> None:
        self.ns = "{" + namespace(file_type) + "}"

    def text(self, node: etree._Element, tag: str) -> str | None:
        child = node.find(self.ns + tag)
        return None if child is None else (child.text or "")

    def req(self, node: etree._Element, tag: str) -> str:
        value = self.text(node, tag)
        if value is None:  # the XSD already guarantees it; a guard for type checkers and bugs
            raise FindingsError([Finding("XSD-INVALID", f"{tag} is missing", line=_line(node), rule=RULE)])
        return value

    def all(self, node: etree._Element, tag: str) -> list[etree._Element]:
        return list(node.iterfind(self.ns + tag))

    def anomalies(self, node: etree._Element, tag: str) -> tuple[Anomaly, ...]:
        return tuple(Anomaly(self.req(a, "Code"), self.req(a, "Message")) for a in self.all(node, tag))


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


# --- DECLAPP ----------------------------------------------------------------------------------------------------


def read_declaration_zip(data: bytes | Path, name: str) -> DeclarationFile:
    """A DECLAPP envelope: the ZIP checked by ``core.envelope``, ``declaration.xml`` validated, the rest attachments.

    The attachments are returned as bytes, unchecked: whether each is a readable PDF is the register's decision
    (a refusal with its reason, not a broken file)."""
    members = read_zip(data, name, DECLARATION_ZIP_LIMITS)
    xml = [m for m in members if m.name == DECLARATION_MEMBER]
    if not xml:
        message = f"the archive has no {DECLARATION_MEMBER}; put the declaration XML at its top level"
        raise FindingsError([Finding("DECL-NO-XML", message, file=name, rule=RULE)])
    attachments = {m.name: m.data for m in members if m.name != DECLARATION_MEMBER}
    declaration = read_declaration_xml(xml[0].data, f"{name}!{DECLARATION_MEMBER}")
    return DeclarationFile(
        declarant=declaration.declarant,
        declarant_type=declaration.declarant_type,
        reference=declaration.reference,
        send_date=declaration.send_date,
        declarations=declaration.declarations,
        attachments=attachments,
    )


def read_declaration_xml(source: Source, name: str | None = None) -> DeclarationFile:
    root = parse_validated(source, "DECLAPP", name)
    t = _Tree("DECLAPP")
    head = root.find(t.ns + "Entete")
    assert head is not None
    items = []
    for node in t.all(root, "Declaration"):
        documents = tuple(
            DeclaredDocument(t.req(d, "Nature"), t.req(d, "Fichier"))  # type: ignore[arg-type]
            for d in t.all(node.find(t.ns + "Documents"), "Document")  # type: ignore[arg-type]
        )
        device = node.find(t.ns + "Appareil")
        out = node.find(t.ns + "MiseHorsService")
        details = None
        if device is not None:
            place = device.find(t.ns + "Installation")
            assert place is not None
            details = DeviceDetails(
                nature=t.req(device, "Nature"),  # type: ignore[arg-type]
                kind_code=t.req(device, "TypeAppareil"),
                discipline_code=t.req(device, "Discipline"),
                brand=t.req(device, "Marque"),
                model=t.req(device, "Modele"),
                serial_number=t.req(device, "NumeroSerie"),
                address=t.req(place, "Adresse"),
                in_hospital=t.req(place, "Hopital") in ("true", "1"),
                in_service_on=date.fromisoformat(t.req(device, "DateMiseEnService")),
                acquisition=t.req(device, "ModeAcquisition"),  # type: ignore[arg-type]
                purchase_country=t.text(device, "PaysAchat"),
                values=tuple(
                    ValueItem(t.req(e, "Categorie"), t.req(e, "Libelle"), Decimal(t.req(e, "Montant")))  # type: ignore[arg-type]
                    for e in t.all(device.find(t.ns + "Valeurs"), "Element")  # type: ignore[arg-type]
                ),
                users=tuple(u.text or "" for u in t.all(device.find(t.ns + "Utilisateurs"), "Medecin")),  # type: ignore[arg-type]
            )
        decommission = None
        if out is not None:
            decommission = Decommission(
                device_id=t.req(out, "IdentifiantAppareil"),
                out_of_service_on=date.fromisoformat(t.req(out, "DateHorsService")),
                reason=t.req(out, "Motif"),  # type: ignore[arg-type]
            )
        items.append(Declaration(int(t.req(node, "NumeroDeclaration")), documents, details, decommission))
    return DeclarationFile(
        declarant=t.req(head, "Declarant"),
        declarant_type=t.req(head, "TypeDeclarant"),  # type: ignore[arg-type]
        reference=t.req(head, "Reference"),
        send_date=date.fromisoformat(t.req(head, "DateEnvoi")),
        declarations=tuple(items),
    )


# --- RETDECL ----------------------------------------------------------------------------------------------------


def read_register_answer(source: Source, name: str | None = None) -> RegisterAnswer:
    root = parse_validated(source, "RETDECL", name)
    t = _Tree("RETDECL")
    head = root.find(t.ns + "Entete")
    assert head is not None
    answers = []
    for node in t.all(root, "Reponse"):
        reg = node.find(t.ns + "Enregistrement")
        registration = None
        if reg is not None:
            registration = Registration(
                in_use_from=date.fromisoformat(t.req(reg, "DateDebutUtilisation")),
                acquisition_value=Decimal(t.req(reg, "ValeurAcquisition")),
                class_code=t.req(reg, "Classe"),
                annual_threshold=int(t.req(reg, "SeuilAnnuel")),
                amortisation_total=int(t.req(reg, "TotalAmortissement")),
                full_code=t.req(reg, "CodeForfaitPlein"),
                reduced_code=t.req(reg, "CodeForfaitReduit"),
            )
        answers.append(
            DeclarationAnswer(
                number=int(t.req(node, "NumeroDeclaration")),
                status=t.req(node, "Statut"),  # type: ignore[arg-type]
                device_id=t.text(node, "IdentifiantAppareil"),
                registration=registration,
                closed_on=_date(t.text(node, "DateCloture")),
                reasons=t.anomalies(node, "Motif"),
            )
        )
    return RegisterAnswer(
        declarant=t.req(head, "Declarant"),
        reference=t.req(head, "Reference"),
        received_file=t.req(head, "FichierRecu"),
        processed_on=date.fromisoformat(t.req(head, "DateTraitement")),
        answers=tuple(answers),
        file_anomalies=t.anomalies(root, "AnomalieFichier"),
    )


# --- FACFORF (streaming, into a frame) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FlatRateBatch:
    """A FACFORF as the fund uses it: the header, one row per line (``LINE_COLUMNS``), and the statement."""

    name: str
    billing_code: str
    month: str
    reference: str
    send_date: date
    lines: pl.DataFrame
    statement: Statement


def read_flat_rates_frame(source: Source, name: str | None = None, limits: XmlLimits | None = None) -> FlatRateBatch:
    """Stream a FACFORF, validating each top-level element as it ends; ``FindingsError`` on the first bad one."""
    label = source_name(source, name)
    limits = limits or XmlLimits(huge_tree=True)
    problems = check_source(source, label, limits)
    if problems:
        raise FindingsError(problems)
    ns = "{" + namespace("FACFORF") + "}"
    root_tag, head_tag, invoice_tag, statement_tag = (ns + t for t in (ROOTS["FACFORF"], "Entete", "Facture", "Releve"))
    tags = {
        ns + "NumeroLigne": "line",
        ns + "DatePrestation": "service_date",
        ns + "CodeActe": "act_code",
        ns + "IdentifiantAppareil": "device_id",
        ns + "LieuPrestation": "place",
        ns + "ActeTechnique": "technical_act",
        ns + "NoteHonoraires": "fee_note_ref",
        ns + "Montant": "amount",
    }
    line_tag = ns + "Ligne"
    schema = lxml_schema("FACFORF")
    columns: dict[str, list[Any]] = {c: [] for c in LINE_COLUMNS}
    head: dict[str, str] = {}
    statement: Statement | None = None
    state = "start"  # start → head → invoices → statement
    row_id = 0

    def fail(message: str, element: etree._Element, code: str = "XSD-INVALID") -> FindingsError:
        return FindingsError([Finding(code, message, file=label, line=_line(element), rule=RULE)])

    with open_source(source) as stream:
        try:
            wanted = (root_tag, head_tag, invoice_tag, statement_tag)
            events = safe_iterparse(stream, events=("start", "end"), tag=wanted, limits=limits)
            for event, element in events:
                if event == "start":
                    if state == "start" and element.tag != root_tag:
                        raise fail(f"the first element is not {ROOTS['FACFORF']} of layout 01", element, "XSD-ROOT")
                    if state == "start":
                        state = "root"
                    continue
                if element.tag == root_tag:
                    if state != "statement":
                        raise fail("the file ends without its monthly statement (Releve)", element)
                    _check_siblings(element, label)
                    continue
                parent = element.getparent()
                if parent is None or parent.tag != root_tag:
                    raise fail(f"{etree.QName(element).localname} is not a child of {ROOTS['FACFORF']}", element)
                _check_siblings(element, label)
                if not schema.validate(element):
                    raise FindingsError(_xsd_findings(schema, label))
                if element.tag == head_tag:
                    if state != "root":
                        raise fail("Entete comes once, first", element)
                    head = {etree.QName(c).localname: c.text or "" for c in element}
                    state = "head"
                elif element.tag == invoice_tag:
                    if state not in ("head", "invoices"):
                        raise fail("Facture comes after Entete and before Releve", element)
                    state = "invoices"
                    values = [c.text or "" for c in element[:5]]
                    total = _cents(element[-1].text or "0.00")
                    for ligne in element:
                        if ligne.tag != line_tag:
                            continue
                        row_id += 1
                        cells: dict[str, str | None] = {"device_id": None, "technical_act": None, "fee_note_ref": None}
                        for cell in ligne:
                            cells[tags[cell.tag]] = cell.text
                        columns["row_id"].append(row_id)
                        columns["invoice_number"].append(values[0])
                        columns["mode"].append(values[1])
                        columns["doctor_code"].append(values[2])
                        columns["matricule"].append(values[3])
                        columns["fund"].append(values[4])
                        columns["line"].append(int(cells["line"] or 0))
                        columns["service_date"].append(cells["service_date"])
                        columns["act_code"].append(cells["act_code"])
                        columns["device_id"].append(cells["device_id"])
                        columns["place"].append(cells["place"])
                        columns["technical_act"].append(cells["technical_act"])
                        columns["fee_note_ref"].append(cells["fee_note_ref"])
                        columns["amount_cents"].append(_cents(cells["amount"] or "0.00"))
                        columns["invoice_total_cents"].append(total)
                        columns["source_line"].append(ligne.sourceline)
                else:
                    if state != "invoices":
                        raise fail("Releve comes once, after the invoices", element)
                    stated = {etree.QName(c).localname: c.text or "" for c in element}
                    statement = Statement(
                        int(stated["NombreFactures"]), int(stated["NombreLignes"]), Decimal(stated["MontantTotal"])
                    )
                    state = "statement"
                element.clear(keep_tail=False)
        except etree.XMLSyntaxError as exc:
            raise FindingsError([malformed_finding(exc, label, source)]) from None
    if statement is None or not head:
        raise FindingsError([Finding("XSD-INVALID", "the file has no Entete or no Releve", file=label, rule=RULE)])
    read_schema: dict[str, Any] = {**LINE_COLUMNS, "service_date": pl.Utf8}  # dates are cast once, as a column
    frame = pl.DataFrame(columns, schema=read_schema).with_columns(pl.col("service_date").str.to_date("%Y-%m-%d"))
    return FlatRateBatch(
        name=label,
        billing_code=head["Facturier"],
        month=head["Mois"],
        reference=head["Reference"],
        send_date=date.fromisoformat(head["DateEnvoi"]),
        lines=frame,
        statement=statement,
    )


def _cents(text: str) -> int:
    """``"12.34"`` → 1234 (the XSD pattern guarantees digits, a point and two decimals)."""
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int(fraction or 0)


_KNOWN_CHILDREN = {ROOTS["FACFORF"], "Entete", "Facture", "Releve"}


def _check_siblings(element: etree._Element, label: str) -> None:
    """Delete what came before ``element`` (memory stays flat); anything not a known child is refused first."""
    while (previous := element.getprevious()) is not None:
        if not isinstance(previous.tag, str) or etree.QName(previous).localname not in _KNOWN_CHILDREN:
            message = f"unexpected element {previous.tag!r} in the file"
            raise FindingsError([Finding("XSD-INVALID", message, file=label, line=_line(previous), rule=RULE)])
        parent = previous.getparent()
        assert parent is not None
        del parent[0]
    if element.tag.endswith(ROOTS["FACFORF"]):
        for child in element:
            if etree.QName(child).localname not in _KNOWN_CHILDREN:
                message = f"unexpected element {child.tag!r} in the file"
                raise FindingsError([Finding("XSD-INVALID", message, file=label, line=_line(child), rule=RULE)])


def read_flat_rates(source: Source, name: str | None = None) -> FlatRateFile:
    """A FACFORF as messages (for the doctor's side and tests); the fund reads the frame."""
    batch = read_flat_rates_frame(source, name)
    invoices: list[FlatRateInvoice] = []
    for key, rows in batch.lines.group_by("invoice_number", maintain_order=True):
        first = rows.row(0, named=True)
        invoices.append(
            FlatRateInvoice(
                invoice_number=str(key[0]),
                mode=first["mode"],
                doctor_code=first["doctor_code"],
                matricule=first["matricule"],
                fund=first["fund"],
                lines=tuple(
                    InvoiceLine(
                        line=r["line"],
                        service_date=r["service_date"],
                        act_code=r["act_code"],
                        amount=from_cents(r["amount_cents"]),
                        place=r["place"],
                        device_id=r["device_id"],
                        technical_act=r["technical_act"],
                        fee_note_ref=r["fee_note_ref"],
                    )
                    for r in rows.iter_rows(named=True)
                ),
            )
        )
    return FlatRateFile(batch.billing_code, batch.month, batch.reference, batch.send_date, tuple(invoices),
                        batch.statement)  # fmt: skip


# --- RETFORF ----------------------------------------------------------------------------------------------------


def read_return(source: Source, name: str | None = None) -> ReturnFile:
    root = parse_validated(source, "RETFORF", name)
    t = _Tree("RETFORF")
    head = root.find(t.ns + "Entete")
    totals = root.find(t.ns + "Totaux")
    assert head is not None and totals is not None
    invoices = tuple(
        ReturnInvoice(
            t.req(node, "NumeroFacture"),
            tuple(
                ReturnLine(
                    line=int(t.req(ln, "NumeroLigne")),
                    act_code=t.req(ln, "CodeActe"),
                    paid_code=t.text(ln, "CodePaye"),
                    claimed=Decimal(t.req(ln, "MontantDemande")),
                    covered=Decimal(t.req(ln, "MontantPrisEnCharge")),
                    anomalies=t.anomalies(ln, "Anomalie"),
                )
                for ln in t.all(node, "Ligne")
            ),
        )
        for node in t.all(root, "Facture")
    )
    return ReturnFile(
        billing_code=t.req(head, "Facturier"),
        month=t.req(head, "Mois"),
        reference=t.req(head, "Reference"),
        received_file=t.req(head, "FichierRecu"),
        processed_on=date.fromisoformat(t.req(head, "DateTraitement")),
        status=t.req(head, "Statut"),  # type: ignore[arg-type]
        payment_date=_date(t.text(head, "DatePaiement")),
        invoices=invoices,
        line_count=int(t.req(totals, "NombreLignes")),
        refused_count=int(t.req(totals, "NombreLignesRefusees")),
        claimed=Decimal(t.req(totals, "MontantDemande")),
        covered=Decimal(t.req(totals, "MontantPrisEnCharge")),
        file_anomalies=t.anomalies(root, "AnomalieFichier"),
    )
