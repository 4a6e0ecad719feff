"""Read KIN layout-01 files: validated, streaming, constant memory whatever the size.

- ``read_file(path)`` → the whole model (``Demaut | Retaut | Fac | Retfac``), for files that fit in memory;
- ``iter_file(path)`` → ``(FileHeader, KinItems)``: the header at once, then one request / decision / invoice at a
  time; the declared counts and totals are checked when the iteration ends;
- ``validate_file(path_or_bytes, name)`` → every problem as a ``Finding`` (file, line, element path, plain message).

Every file read is validated against its XSD in the same pass (see ``scan.py``) and refused before parsing when
hostile (``core/xmlsafe.py``). Problems raise ``FindingsError``; ``validate_file`` returns them instead.
Codes beyond the XML/XSD ones: ``KIN-TOTAL`` (a declared total or count does not match the content) and
``KIN-CONSISTENCY`` (a cross-field rule of the models, e.g. an amount covered above the amount asked).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import ZERO
from tierspayant.core.xmlsafe import Source, XmlLimits
from tierspayant.schemes.lu_kin.formats.models import (
    Anomaly,
    AuthorisationDecision,
    AuthorisationRequest,
    DecisionOutcome,
    Demaut,
    Fac,
    FileHeader,
    Invoice,
    KinFile,
    KinItem,
    Retaut,
    Retfac,
    ReturnedInvoice,
)
from tierspayant.schemes.lu_kin.formats.scan import KinScan, Part, local


class _Elements:
    """Element → plain dict conversions for one namespace (the model validates the values)."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self._paths: dict[str, str] = {}

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def text(self, element: Any, path: str, strip: bool = True) -> str | None:
        """The text of a descendant. Stripped by default: the XSD collapses whitespace around numbers and dates
        (``<MontantTarif> 12.30 </MontantTarif>`` is valid) and forbids it in codes; free text keeps it."""
        qualified = self._paths.get(path)
        if qualified is None:
            qualified = self._paths[path] = "/".join(self.q(step) for step in path.split("/"))
        value = element.findtext(qualified)
        if value is None:
            return None
        return str(value).strip() if strip else str(value)

    def all(self, element: Any, name: str) -> list[Any]:
        return list(element.iterfind(self.q(name)))

    def header(self, element: Any, file_type: str, layout: str) -> dict[str, Any]:
        t = self.text
        return {
            "file_type": file_type,
            "layout": layout,
            "sender": t(element, "Emetteur"),
            "billing_provider": t(element, "Facturier"),
            "reference": t(element, "Reference"),
            "send_date": t(element, "DateEnvoi"),
            "original_reference": t(element, "ReferenceOrigine"),
            "deposit_date": t(element, "DateDepot"),
            "payment_due_date": t(element, "DateEcheance"),
            "software": t(element, "Logiciel"),  # layout 02
        }

    def anomaly(self, element: Any) -> dict[str, Any]:
        return {
            "code": self.text(element, "Code"),
            "label": self.text(element, "Libelle", strip=False),
            "remark": self.text(element, "Remarque", strip=False),
        }

    def acts(self, element: Any) -> list[dict[str, Any]]:
        return [
            {"act_code": self.text(act, "CodeActe"), "sessions": self.text(act, "NombreSeances")}
            for act in self.all(element, "Acte")
        ]

    def request(self, element: Any) -> dict[str, Any]:
        t = self.text
        accident = element.find(self.q("Accident"))
        return {
            "request_id": t(element, "IdDemande"),
            "matricule": t(element, "Matricule"),
            "fund": t(element, "Caisse"),
            "prescriber_code": t(element, "CodePrescripteur"),
            "prescription_date": t(element, "DateOrdonnance"),
            "acts": self.acts(element),
            "pathology": t(element, "Pathologie"),
            "performer_code": t(element, "CodeExecutant"),
            "place_category": t(element, "CategorieLieu"),
            "accident": accident is not None,
            "accident_date": None if accident is None else t(accident, "DateAccident"),
            "prescription": {
                "file_name": t(element, "Ordonnance/NomFichier"),
                "sha256": t(element, "Ordonnance/Sha256"),
            },
        }

    def decision(self, element: Any) -> dict[str, Any]:
        t = self.text
        data: dict[str, Any] = {
            "request_id": t(element, "IdDemande"),
            "matricule": t(element, "Matricule"),
            "decision_date": t(element, "DateDecision"),
        }
        for outcome in DecisionOutcome:
            body = element.find(self.q(outcome.value.capitalize()))
            if body is None:
                continue
            data["outcome"] = outcome
            data["anomalies"] = [self.anomaly(a) for a in self.all(body, "Anomalie")]
            if outcome is DecisionOutcome.ACCORD:
                data.update(
                    titre_id=t(body, "TitreId"),
                    issue_date=t(body, "DateEmission"),
                    valid_from=t(body, "ValideDu"),
                    valid_to=t(body, "ValideAu"),
                    covered_acts=self.acts(body),
                    coverage_rate=t(body, "TauxPriseEnCharge"),
                )
            elif outcome is DecisionOutcome.SUSPENS:
                data["motivation"] = t(body, "Motivation", strip=False)
        return data

    def invoice(self, element: Any) -> dict[str, Any]:
        t = self.text
        # A validated Ligne has exactly its 9 children in XSD order: take them by position (hot path).
        lines = [
            dict(zip(_BILLED_LINE_FIELDS, (str(leaf.text).strip() for leaf in line), strict=True))
            for line in self.all(element, "Ligne")
        ]
        return {
            "invoice_number": t(element, "NumeroFacture"),
            "matricule": t(element, "Matricule"),
            "fund": t(element, "Caisse"),
            "lines": lines,
            "total_tariff": t(element, "TotalTarif"),
            "total_insured_share": t(element, "TotalParticipation"),
            "total_asked": t(element, "TotalDemande"),
        }

    def returned_invoice(self, element: Any) -> dict[str, Any]:
        t = self.text
        lines = [
            {
                "line_number": t(line, "NumeroLigne"),
                "amount_asked": t(line, "MontantDemande"),
                "amount_covered": t(line, "MontantPrisEnCharge"),
                "insured_share": t(line, "Participation"),
                "anomalies": [self.anomaly(a) for a in self.all(line, "Anomalie")],
            }
            for line in self.all(element, "Ligne")
        ]
        return {
            "invoice_number": t(element, "NumeroFacture"),
            "matricule": t(element, "Matricule"),
            "lines": lines,
            "anomalies": [self.anomaly(a) for a in self.all(element, "Anomalie")],
            "total_asked": t(element, "TotalDemande"),
            "total_covered": t(element, "TotalPrisEnCharge"),
            "total_contested": t(element, "TotalConteste"),
        }

    def trailer(self, element: Any) -> dict[str, tuple[str, int]]:
        """Declared counts and totals: element name → (text, line)."""
        return {local(str(child.tag)): (str(child.text).strip(), child.sourceline or 0) for child in element}


_BILLED_LINE_FIELDS = (
    "line_number",  # NumeroLigne
    "titre_id",  # TitreId
    "service_date",  # DatePrestation
    "act_code",  # CodeActe
    "performer_code",  # CodeExecutant
    "place_category",  # CategorieLieu
    "tariff",  # MontantTarif
    "insured_share",  # Participation
    "amount_asked",  # MontantDemande
)

_ITEM_MODELS: dict[str, tuple[type[Any], str]] = {
    "DEMAUT": (AuthorisationRequest, "request"),
    "RETAUT": (AuthorisationDecision, "decision"),
    "FAC": (Invoice, "invoice"),
    "RETFAC": (ReturnedInvoice, "returned_invoice"),
}


def validation_findings(error: ValidationError, scan: KinScan, line: int, path: str) -> list[Finding]:
    """A model's ValidationError as findings at the item's line and path."""
    findings = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in problem["loc"])
        code = "KIN-TOTAL" if " but the content gives " in message else "KIN-CONSISTENCY"
        text = f"{where}: {message}" if where else message
        findings.append(Finding(code, text, file=scan.label, line=line or None, location=path))
    return findings


class _Totals:
    """What the items add up to, to compare with the declared trailer."""

    def __init__(self) -> None:
        self.items = 0
        self.lines = 0
        self.asked = ZERO
        self.covered = ZERO
        self.outcomes: Counter[DecisionOutcome] = Counter()

    def add(self, item: KinItem) -> None:
        self.items += 1
        if isinstance(item, AuthorisationDecision):
            self.outcomes[item.outcome] += 1
        elif isinstance(item, Invoice):
            self.lines += len(item.lines)
            self.asked += item.total_asked
        elif isinstance(item, ReturnedInvoice):
            self.lines += len(item.lines)
            self.asked += item.total_asked
            self.covered += item.total_covered

    def expected(self, file_type: str) -> dict[str, object]:
        """Trailer element → the value the content gives."""
        if file_type == "DEMAUT":
            return {"NombreDemandes": self.items}
        if file_type == "RETAUT":
            return {
                "NombreDecisions": self.items,
                "NombreAccords": self.outcomes[DecisionOutcome.ACCORD],
                "NombreRefus": self.outcomes[DecisionOutcome.REFUS],
                "NombreSuspens": self.outcomes[DecisionOutcome.SUSPENS],
            }
        totals: dict[str, object] = {
            "NombreFactures": self.items,
            "NombreLignes": self.lines,
            "TotalDemande": self.asked,
        }
        if file_type == "RETFAC":
            totals.update(TotalPrisEnCharge=self.covered, TotalConteste=self.asked - self.covered)
        return totals


def check_trailer(
    scan: KinScan, declared: dict[str, tuple[str, int]], expected: dict[str, object], trailer_path: str
) -> list[Finding]:
    """Compare the declared trailer values with what the content gives (numbers compared as numbers)."""
    findings = []
    for name, computed in expected.items():
        if name not in declared:
            continue  # absent → already an XSD finding
        text, line = declared[name]
        value: object = Decimal(text) if isinstance(computed, Decimal) else int(text)
        if value != computed:
            findings.append(
                Finding(
                    "KIN-TOTAL",
                    f"<{name}> declares {text} but the content gives {computed}",
                    file=scan.label,
                    line=line or None,
                    location=f"{trailer_path}/{name}",
                )
            )
    return findings


class KinItems(Iterator[Any]):
    """The items of a KIN file, one at a time (requests, decisions, invoices or returned invoices).

    ``header`` and ``file_anomalies`` (RETFAC) are read before the first item. ``declared`` holds the trailer once
    the iteration has ended. With ``fail_fast`` (the default for ``iter_file``) the first problem raises
    ``FindingsError`` — the items yielded before it were valid; otherwise problems collect in ``findings``.
    """

    def __init__(self, scan: KinScan, fail_fast: bool = True) -> None:
        self.scan = scan
        self.fail_fast = fail_fast
        self.header: FileHeader | None = None
        self.file_anomalies: list[Anomaly] = []
        self.declared: dict[str, tuple[str, int]] | None = None
        self.totals = _Totals()
        self.unreadable = 0  # items refused: the declared totals cannot be compared with what is left
        self._parts = scan.parts()
        self._pending: KinItem | None = None
        self._done = False
        self._elements: _Elements | None = None
        self._prime()

    @property
    def findings(self) -> list[Finding]:
        return self.scan.findings

    def _check(self) -> None:
        if self.fail_fast and self.scan.findings:
            self._done = True
            raise FindingsError(list(self.scan.findings))

    def _prime(self) -> None:
        """Read up to the first item, so that the header (and RETFAC file anomalies) are known."""
        for part in self._parts:
            item = self._take(part)
            self._check()
            if item is not None:
                self._pending = item
                return
        self._finish()

    def _take(self, part: Part) -> KinItem | None:
        scan = self.scan
        assert scan.file_type is not None and scan.layout is not None and scan.namespace is not None
        if self._elements is None:
            self._elements = _Elements(scan.namespace)
        elements = self._elements
        if not part.valid:
            self.unreadable += part.kind == "item"
            return None
        try:
            if part.kind == "header":
                self.header = FileHeader.model_validate(elements.header(part.element, scan.file_type, scan.layout))
            elif part.kind == "anomaly":
                self.file_anomalies.append(Anomaly.model_validate(elements.anomaly(part.element)))
            elif part.kind == "trailer":
                self.declared = elements.trailer(part.element)
            else:
                model, convert = _ITEM_MODELS[scan.file_type]
                item: KinItem = model.model_validate(getattr(elements, convert)(part.element))
                self.totals.add(item)
                return item
        except ValidationError as error:
            self.unreadable += part.kind == "item"
            scan.findings.extend(validation_findings(error, scan, part.line, part.path))
        return None

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        scan = self.scan
        if scan.file_type is not None and self.declared is not None and not scan.stopped and not self.unreadable:
            trailer = "Controle" if scan.file_type in ("DEMAUT", "RETAUT") else "Totaux"
            scan.findings.extend(
                check_trailer(scan, self.declared, self.totals.expected(scan.file_type), f"/{scan.file_type}/{trailer}")
            )
        if self.header is None and not scan.findings:
            scan.add("XSD-MISSING", "the file has no readable <Entete>")
        nothing_returned = not (self.totals.items or self.file_anomalies or self.unreadable)
        if scan.file_type == "RETFAC" and not scan.stopped and nothing_returned:
            scan.add(
                "KIN-CONSISTENCY", "a RETFAC without invoices must say why (file-level <Anomalie>)", location="/RETFAC"
            )
        self._check()

    def __next__(self) -> Any:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        if self._done:
            raise StopIteration
        for part in self._parts:
            item = self._take(part)
            self._check()
            if item is not None:
                return item
        self._finish()
        raise StopIteration


def iter_file(
    source: Source, name: str | None = None, limits: XmlLimits = XmlLimits(), expected_type: str | None = None
) -> tuple[FileHeader, KinItems]:
    """The header, then the items one at a time (constant memory). Raises ``FindingsError`` on the first problem —
    also while iterating, and at the end when a declared count or total does not match the content."""
    items = KinItems(KinScan(source, name, limits, expected_type), fail_fast=True)
    assert items.header is not None  # _prime raised otherwise
    return items.header, items


def read_file(
    source: Source, name: str | None = None, limits: XmlLimits = XmlLimits(), expected_type: str | None = None
) -> KinFile:
    """The whole file as its model (``Demaut | Retaut | Fac | Retfac``); ``FindingsError`` when it is not valid."""
    header, items = iter_file(source, name, limits, expected_type)
    content = list(items)
    declared = {key: text for key, (text, _line) in (items.declared or {}).items()}
    try:
        if header.file_type == "DEMAUT":
            return Demaut(header=header, requests=content, request_count=int(declared["NombreDemandes"]))
        if header.file_type == "RETAUT":
            return Retaut(
                header=header,
                decisions=content,
                decision_count=int(declared["NombreDecisions"]),
                accord_count=int(declared["NombreAccords"]),
                refus_count=int(declared["NombreRefus"]),
                suspens_count=int(declared["NombreSuspens"]),
            )
        if header.file_type == "FAC":
            return Fac(
                header=header,
                invoices=content,
                invoice_count=int(declared["NombreFactures"]),
                line_count=int(declared["NombreLignes"]),
                total_asked=Decimal(declared["TotalDemande"]),
            )
        return Retfac(
            header=header,
            anomalies=items.file_anomalies,
            invoices=content,
            invoice_count=int(declared["NombreFactures"]),
            line_count=int(declared["NombreLignes"]),
            total_asked=Decimal(declared["TotalDemande"]),
            total_covered=Decimal(declared["TotalPrisEnCharge"]),
            total_contested=Decimal(declared["TotalConteste"]),
        )
    except ValidationError as error:
        raise FindingsError(validation_findings(error, items.scan, 0, f"/{header.file_type}")) from None


def validate_file(
    source: Source, name: str | None = None, limits: XmlLimits = XmlLimits(), expected_type: str | None = None
) -> list[Finding]:
    """Every problem of a KIN file (hostile input, XML, XSD, totals) as findings; empty when the file is valid.

    ``source`` is a path or the file's bytes; ``name`` names it in the findings (default: the file name).
    Constant memory; stops after ``MAX_FINDINGS`` problems.
    """
    items = KinItems(KinScan(source, name, limits, expected_type), fail_fast=False)
    for _item in items:
        pass
    return list(items.findings)


__all__ = ["KinItems", "iter_file", "read_file", "validate_file"]
