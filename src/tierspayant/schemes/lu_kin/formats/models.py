"""Typed models of the four KIN files, layout 01 (DEMAUT, RETAUT, FAC, RETFAC).

English snake_case names; the XML element each field maps to is in docs/kin-formats.md. Amounts are ``Decimal``
euros with at most two decimals (never floats), dates are ``datetime.date``. String constraints mirror the XSD
patterns, so a model that validates always writes a file that validates.

Declared totals and control counts (``total_asked``, ``line_count``, …) may be left out when building a model: they
are then computed from the lines. When given (as when read from a file) they are checked against the lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from tierspayant.core.identifiers.provider import provider_code_problem
from tierspayant.core.money import CENT, ZERO

FileType = Literal["DEMAUT", "RETAUT", "FAC", "RETFAC"]
LAYOUT_01: Final = "01"


class Fund(StrEnum):
    """Competent fund (caisse): the CNS, the public-sector funds, or the accident insurance (AAA)."""

    CNS = "CNS"
    CMFEP = "CMFEP"
    CMFEC = "CMFEC"
    EMCFL = "EMCFL"
    AAA = "AAA"


class Pathology(StrEnum):
    """Pathology category of a prescription: decides the session limit and the coverage rate (fund reference data)."""

    COMMON = "COMMON"  # pathologie courante: 8 sessions, 70 % for adults
    SERIOUS = "SERIOUS"  # pathologie lourde listed in the CNS statutes: 64 sessions, 100 %
    POST_SURGICAL = "POST_SURGICAL"  # rééducation post-chirurgicale: 16 sessions, 100 %
    LYMPHATIC_DRAINAGE = "LYMPHATIC_DRAINAGE"  # drainage lymphatique: 24 sessions


class DecisionOutcome(StrEnum):
    """The fund's decision on an authorisation request."""

    ACCORD = "ACCORD"  # a titre de prise en charge is issued
    REFUS = "REFUS"  # refused, anomaly codes say why
    SUSPENS = "SUSPENS"  # on hold, the motivation says what is awaited


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("amounts are Decimal or decimal text, never float")
    return value


_MAX_AMOUNT = Decimal("9999999999.99")  # MontantType: 10 integer digits, 2 decimals


def _to_cents(value: Decimal) -> Decimal:
    """Refuse more than 2 decimals (never round silently), give exactly 2 (``12.3`` → ``12.30``).

    One quantize instead of pydantic's ``max_digits`` / ``decimal_places`` (Python-level, 10x slower per value).
    """
    if value > _MAX_AMOUNT:  # first: quantize would overflow the decimal context on huge values
        raise ValueError(f"{value} is over {_MAX_AMOUNT}")
    cents = value.quantize(CENT)
    if cents != value:
        raise ValueError(f"{value} has more than 2 decimals")
    return cents.copy_abs() if cents.is_zero() else cents  # -0.00 passes ge=0 but is no wire amount


def _provider_code(code: str) -> str:
    problem = provider_code_problem(code)  # the identifiers module's rule, which CodePrestataireType states too
    if problem:
        raise ValueError(problem)
    return code


def _sender(code: str) -> str:
    return code if code in Fund.__members__ else _provider_code(code)


ProviderCode = Annotated[str, AfterValidator(_provider_code)]
Sender = Annotated[str, AfterValidator(_sender)]
# Patterns copied from xsd/01/common.xsd (anchored: pydantic patterns are searches, XSD patterns are whole-value).
Matricule = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{12}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.\-]{1,30}$")]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.\-/]{1,30}$")]
TitreId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9\-]{0,29}$")]
ActCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,10}$")]
PlaceCategory = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,4}$")]
AnomalyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9\-]{1,10}$")]
DocumentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,95}\.(pdf|PDF)$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# XML 1.0 text: no control characters except tab / newline (CR would not survive a round trip: XML normalises it).
_TEXT = r"^[^\x00-\x08\x0b-\x1f\ufffe\uffff]+$"
Software = Annotated[str, StringConstraints(pattern=r"^\S(?:[^\x00-\x1f\x7f-\x9f]{0,98}\S)?$")]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_TEXT)]
Text1000 = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=_TEXT)]
Amount = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_to_cents),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, le=100, allow_inf_nan=False),
    AfterValidator(_to_cents),
]
Sessions = Annotated[int, Field(ge=1, le=999)]
LineNumber = Annotated[int, Field(ge=1, le=99999)]
Count = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def _fill(data: Any, defaults: dict[str, Any]) -> Any:
    """Fill declared totals the caller left out (only on dict input, before validation)."""
    if isinstance(data, dict):
        for key, compute in defaults.items():
            if data.get(key) is None:
                data = {**data, key: compute(data)}
    return data


def _check(errors: list[str], name: str, declared: object, computed: object) -> None:
    if declared != computed:
        errors.append(f"{name} is {declared} but the content gives {computed}")


def _raise(errors: list[str]) -> None:
    if errors:
        raise ValueError("; ".join(errors))


def _duplicates(values: Iterable[object]) -> list[object]:
    return [value for value, count in Counter(values).items() if count > 1]


# --- common ---


class FileHeader(_Model):
    """Entete: who sends, for which facturier, the provider's reference, when; file type and layout from the root."""

    file_type: FileType
    layout: Literal["01", "02"] = LAYOUT_01
    sender: Sender  # Emetteur: the provider (DEMAUT, FAC) or the fund (RETAUT, RETFAC)
    billing_provider: ProviderCode  # Facturier (code facturier, the CNS creditor)
    reference: Reference  # Reference (référence KINE, ≤ 30, also in the file name)
    send_date: date  # DateEnvoi
    original_reference: Reference | None = None  # ReferenceOrigine: the DEMAUT / FAC a return file answers
    deposit_date: date | None = None  # DateDepot (RETFAC): acknowledgement, starts the payment delay
    payment_due_date: date | None = None  # DateEcheance (RETFAC)
    software: Software | None = None  # Logiciel: the software that wrote the file (layout 02 on, required there)

    @model_validator(mode="after")
    def _fields_of_file_type(self) -> Self:
        if self.layout == "01" and self.software is not None:
            raise ValueError("a layout 01 header has no software (Logiciel came with layout 02)")
        if self.layout != "01" and self.software is None:
            raise ValueError(f"a layout {self.layout} header needs software (Logiciel)")
        is_return = self.file_type in ("RETAUT", "RETFAC")
        if is_return and self.original_reference is None:
            raise ValueError(f"a {self.file_type} header needs original_reference (ReferenceOrigine)")
        if not is_return and self.original_reference is not None:
            raise ValueError(f"a {self.file_type} header has no original_reference")
        has_dates = (self.deposit_date, self.payment_due_date) != (None, None)
        if self.file_type == "RETFAC":
            if self.deposit_date is None or self.payment_due_date is None:
                raise ValueError("a RETFAC header needs deposit_date (DateDepot) and payment_due_date (DateEcheance)")
            if self.payment_due_date < self.deposit_date:
                raise ValueError("payment_due_date is before deposit_date")
        elif has_dates:
            raise ValueError(f"a {self.file_type} header has no deposit_date / payment_due_date")
        return self


class Anomaly(_Model):
    """Anomalie: a code from the fund's list, its label, and an optional remark."""

    code: AnomalyCode
    label: Text200
    remark: Text1000 | None = None


class PrescribedAct(_Model):
    """Acte: an act code and a number of sessions (prescribed in DEMAUT, covered in RETAUT)."""

    act_code: ActCode
    sessions: Sessions


# --- DEMAUT ---


class PrescriptionDocument(_Model):
    """Ordonnance: the scanned prescription's file name inside the ZIP package and its SHA-256 (lower-case hex)."""

    file_name: DocumentName
    sha256: Sha256


class AuthorisationRequest(_Model):
    """Demande: one request for a titre de prise en charge, with its prescription."""

    request_id: Identifier
    matricule: Matricule
    fund: Fund
    prescriber_code: ProviderCode
    prescription_date: date
    acts: list[PrescribedAct] = Field(min_length=1, max_length=20)
    pathology: Pathology
    performer_code: ProviderCode
    place_category: PlaceCategory
    accident: bool = False  # element Accident present: an accident case (AAA)
    accident_date: date | None = None
    prescription: PrescriptionDocument

    @model_validator(mode="after")
    def _accident(self) -> Self:
        if self.accident_date is not None and not self.accident:
            raise ValueError("accident_date given but accident is False")
        return self


class Demaut(_Model):
    """DEMAUT: authorisation requests, physiotherapist → CNS."""

    header: FileHeader
    requests: list[AuthorisationRequest] = Field(min_length=1)
    request_count: Count = 0  # computed when left out; Controle/NombreDemandes

    @model_validator(mode="before")
    @classmethod
    def _fill_counts(cls, data: Any) -> Any:
        return _fill(data, {"request_count": lambda d: len(d.get("requests") or [])})

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        if self.header.file_type != "DEMAUT":
            errors.append(f"header file_type is {self.header.file_type}, expected DEMAUT")
        _check(errors, "request_count", self.request_count, len(self.requests))
        if dup := _duplicates(r.request_id for r in self.requests):
            errors.append(f"request_id not unique: {dup}")
        if dup := _duplicates(r.prescription.file_name for r in self.requests):
            errors.append(f"prescription file_name used by several requests: {dup}")
        _raise(errors)
        return self


# --- RETAUT ---


class AuthorisationDecision(_Model):
    """Decision: accord (a titre), refus (anomalies) or suspens (motivation) on one request."""

    request_id: Identifier
    matricule: Matricule
    decision_date: date
    outcome: DecisionOutcome
    # accord: the titre de prise en charge
    titre_id: TitreId | None = None
    issue_date: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    covered_acts: list[PrescribedAct] = Field(default_factory=list, max_length=20)
    coverage_rate: Rate | None = None
    # suspens
    motivation: Text1000 | None = None
    anomalies: list[Anomaly] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _by_outcome(self) -> Self:
        titre = (self.titre_id, self.issue_date, self.valid_from, self.valid_to, self.coverage_rate)
        if self.outcome is DecisionOutcome.ACCORD:
            if None in titre or not self.covered_acts:
                raise ValueError(
                    "an accord needs titre_id, issue_date, valid_from, valid_to, covered_acts and coverage_rate"
                )
            assert self.valid_from is not None and self.valid_to is not None
            if self.valid_to < self.valid_from:
                raise ValueError("valid_to is before valid_from")
        elif titre != (None,) * 5 or self.covered_acts:
            raise ValueError(f"a {self.outcome.value} carries no titre")
        if self.outcome is DecisionOutcome.REFUS and not self.anomalies:
            raise ValueError("a refus needs at least one anomaly")
        if (self.outcome is DecisionOutcome.SUSPENS) != (self.motivation is not None):
            raise ValueError("a motivation is given with a suspens, and only with a suspens")
        return self


class Retaut(_Model):
    """RETAUT: decisions on the requests of a DEMAUT, CNS → physiotherapist."""

    header: FileHeader
    decisions: list[AuthorisationDecision] = Field(min_length=1)
    decision_count: Count = 0  # computed when left out; Controle/NombreDecisions
    accord_count: Count = 0  # computed when left out
    refus_count: Count = 0  # computed when left out
    suspens_count: Count = 0  # computed when left out

    @model_validator(mode="before")
    @classmethod
    def _fill_counts(cls, data: Any) -> Any:
        def count(outcome: DecisionOutcome) -> Any:
            return lambda d: sum(1 for x in d.get("decisions") or [] if _outcome_of(x) == outcome)

        return _fill(
            data,
            {
                "decision_count": lambda d: len(d.get("decisions") or []),
                "accord_count": count(DecisionOutcome.ACCORD),
                "refus_count": count(DecisionOutcome.REFUS),
                "suspens_count": count(DecisionOutcome.SUSPENS),
            },
        )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        if self.header.file_type != "RETAUT":
            errors.append(f"header file_type is {self.header.file_type}, expected RETAUT")
        outcomes = Counter(d.outcome for d in self.decisions)
        _check(errors, "decision_count", self.decision_count, len(self.decisions))
        _check(errors, "accord_count", self.accord_count, outcomes[DecisionOutcome.ACCORD])
        _check(errors, "refus_count", self.refus_count, outcomes[DecisionOutcome.REFUS])
        _check(errors, "suspens_count", self.suspens_count, outcomes[DecisionOutcome.SUSPENS])
        if dup := _duplicates(d.request_id for d in self.decisions):
            errors.append(f"several decisions for request_id {dup}")
        if dup := _duplicates(d.titre_id for d in self.decisions if d.titre_id is not None):
            errors.append(f"titre_id not unique: {dup}")
        _raise(errors)
        return self


def _outcome_of(decision: Any) -> str | None:
    value = decision.outcome if isinstance(decision, AuthorisationDecision) else decision.get("outcome")
    return None if value is None else str(value)


# --- FAC ---


class BilledLine(_Model):
    """Ligne: one billed session."""

    line_number: LineNumber
    titre_id: TitreId
    service_date: date
    act_code: ActCode
    performer_code: ProviderCode  # code exécutant
    place_category: PlaceCategory
    tariff: Amount  # montant tarif
    insured_share: Amount  # participation statutaire
    amount_asked: Amount  # montant demandé (the fund's part asked for)


class Invoice(_Model):
    """Facture: one mémoire d'honoraires — one patient, the lines billed for them, the invoice totals."""

    invoice_number: Identifier
    matricule: Matricule
    fund: Fund
    lines: list[BilledLine] = Field(min_length=1)
    total_tariff: Amount = ZERO  # computed when left out
    total_insured_share: Amount = ZERO  # computed when left out
    total_asked: Amount = ZERO  # computed when left out

    @model_validator(mode="before")
    @classmethod
    def _fill_totals(cls, data: Any) -> Any:
        return _fill(
            data,
            {
                "total_tariff": lambda d: _total(_amounts(d, "tariff")),
                "total_insured_share": lambda d: _total(_amounts(d, "insured_share")),
                "total_asked": lambda d: _total(_amounts(d, "amount_asked")),
            },
        )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        _check(errors, "total_tariff", self.total_tariff, _total(x.tariff for x in self.lines))
        _check(errors, "total_insured_share", self.total_insured_share, _total(x.insured_share for x in self.lines))
        _check(errors, "total_asked", self.total_asked, _total(x.amount_asked for x in self.lines))
        if dup := _duplicates(x.line_number for x in self.lines):
            errors.append(f"line_number not unique in invoice {self.invoice_number}: {dup}")
        _raise(errors)
        return self


def _amounts(data: dict[str, Any], field: str) -> Iterable[Decimal]:
    for line in data.get("lines") or []:
        value = getattr(line, field) if isinstance(line, BaseModel) else line.get(field, ZERO)
        yield Decimal(value) if not isinstance(value, float) else Decimal(ZERO)  # floats are refused later


class Fac(_Model):
    """FAC: the monthly billing file of one facturier, physiotherapist → CNS."""

    header: FileHeader
    invoices: list[Invoice] = Field(min_length=1)
    invoice_count: Count = 0  # computed when left out; Totaux/NombreFactures
    line_count: Count = 0  # computed when left out; Totaux/NombreLignes
    total_asked: Amount = ZERO  # computed when left out; Totaux/TotalDemande

    @model_validator(mode="before")
    @classmethod
    def _fill_totals(cls, data: Any) -> Any:
        return _fill(
            data,
            {
                "invoice_count": lambda d: len(d.get("invoices") or []),
                "line_count": lambda d: sum(len(_lines_of(i)) for i in d.get("invoices") or []),
                "total_asked": lambda d: _total(_invoice_total(i, "total_asked") for i in d.get("invoices") or []),
            },
        )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        if self.header.file_type != "FAC":
            errors.append(f"header file_type is {self.header.file_type}, expected FAC")
        _check(errors, "invoice_count", self.invoice_count, len(self.invoices))
        _check(errors, "line_count", self.line_count, sum(len(i.lines) for i in self.invoices))
        _check(errors, "total_asked", self.total_asked, _total(i.total_asked for i in self.invoices))
        if dup := _duplicates(i.invoice_number for i in self.invoices):
            errors.append(f"invoice_number not unique: {dup}")
        _raise(errors)
        return self


def _lines_of(invoice: Any) -> list[Any]:
    lines = getattr(invoice, "lines", None) if isinstance(invoice, BaseModel) else invoice.get("lines")
    return list(lines or [])


def _invoice_total(invoice: Any, field: str) -> Decimal:
    """An invoice's declared total, or (for a dict not yet validated) the sum of its lines' amounts."""
    if isinstance(invoice, BaseModel):
        value: Decimal = getattr(invoice, field)
        return value
    if invoice.get(field) is not None and not isinstance(invoice[field], float):
        return Decimal(invoice[field])
    if field == "total_contested":
        return _invoice_total(invoice, "total_asked") - _invoice_total(invoice, "total_covered")
    line_field = {"total_asked": "amount_asked", "total_covered": "amount_covered"}[field]
    return _total(_amounts(invoice, line_field))


# --- RETFAC ---


class ReturnedLine(_Model):
    """Ligne (RETFAC): the outcome of one billed line — asked, covered, insured share, why not all."""

    line_number: LineNumber  # with the invoice number: the reference of the FAC line answered
    amount_asked: Amount
    amount_covered: Amount  # montant pris en charge (montant remboursé / liquidé)
    insured_share: Amount
    anomalies: list[Anomaly] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _covered_within_asked(self) -> Self:
        if self.amount_covered > self.amount_asked:
            raise ValueError(f"amount_covered {self.amount_covered} exceeds amount_asked {self.amount_asked}")
        return self

    @property
    def amount_contested(self) -> Decimal:
        return self.amount_asked - self.amount_covered


class ReturnedInvoice(_Model):
    """Facture (RETFAC): the returned lines of one invoice, invoice-level anomalies and the invoice totals."""

    invoice_number: Identifier
    matricule: Matricule
    lines: list[ReturnedLine] = Field(min_length=1)
    anomalies: list[Anomaly] = Field(default_factory=list, max_length=50)
    total_asked: Amount = ZERO  # computed when left out
    total_covered: Amount = ZERO  # computed when left out
    total_contested: Amount = ZERO  # computed when left out

    @model_validator(mode="before")
    @classmethod
    def _fill_totals(cls, data: Any) -> Any:
        return _fill(
            data,
            {
                "total_asked": lambda d: _total(_amounts(d, "amount_asked")),
                "total_covered": lambda d: _total(_amounts(d, "amount_covered")),
                "total_contested": lambda d: _invoice_total(d, "total_contested"),
            },
        )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        _check(errors, "total_asked", self.total_asked, _total(x.amount_asked for x in self.lines))
        _check(errors, "total_covered", self.total_covered, _total(x.amount_covered for x in self.lines))
        _check(errors, "total_contested", self.total_contested, _total(x.amount_contested for x in self.lines))
        if dup := _duplicates(x.line_number for x in self.lines):
            errors.append(f"line_number not unique in invoice {self.invoice_number}: {dup}")
        _raise(errors)
        return self


class Retfac(_Model):
    """RETFAC: the fund's answer to a FAC — per line the amount covered and the anomalies; totals and counts.

    A file returned untreated has no invoices and its reasons as file-level ``anomalies``.
    """

    header: FileHeader
    anomalies: list[Anomaly] = Field(default_factory=list, max_length=50)
    invoices: list[ReturnedInvoice] = Field(default_factory=list)
    invoice_count: Count = 0  # computed when left out
    line_count: Count = 0  # computed when left out
    total_asked: Amount = ZERO  # computed when left out
    total_covered: Amount = ZERO  # computed when left out
    total_contested: Amount = ZERO  # computed when left out

    @model_validator(mode="before")
    @classmethod
    def _fill_totals(cls, data: Any) -> Any:
        def total(field: str) -> Any:
            return lambda d: _total(_invoice_total(i, field) for i in d.get("invoices") or [])

        return _fill(
            data,
            {
                "invoice_count": lambda d: len(d.get("invoices") or []),
                "line_count": lambda d: sum(len(_lines_of(i)) for i in d.get("invoices") or []),
                "total_asked": total("total_asked"),
                "total_covered": total("total_covered"),
                "total_contested": total("total_contested"),
            },
        )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        if self.header.file_type != "RETFAC":
            errors.append(f"header file_type is {self.header.file_type}, expected RETFAC")
        _check(errors, "invoice_count", self.invoice_count, len(self.invoices))
        _check(errors, "line_count", self.line_count, sum(len(i.lines) for i in self.invoices))
        _check(errors, "total_asked", self.total_asked, _total(i.total_asked for i in self.invoices))
        _check(errors, "total_covered", self.total_covered, _total(i.total_covered for i in self.invoices))
        _check(errors, "total_contested", self.total_contested, _total(i.total_contested for i in self.invoices))
        if not self.invoices and not self.anomalies:
            errors.append("a RETFAC without invoices must say why (file-level anomalies)")
        if dup := _duplicates(i.invoice_number for i in self.invoices):
            errors.append(f"invoice_number not unique: {dup}")
        _raise(errors)
        return self


KinFile = Demaut | Retaut | Fac | Retfac
KinItem = AuthorisationRequest | AuthorisationDecision | Invoice | ReturnedInvoice

__all__ = [
    "LAYOUT_01",
    "Anomaly",
    "AuthorisationDecision",
    "AuthorisationRequest",
    "BilledLine",
    "DecisionOutcome",
    "Demaut",
    "Fac",
    "FileHeader",
    "FileType",
    "Fund",
    "Invoice",
    "KinFile",
    "KinItem",
    "Pathology",
    "PrescribedAct",
    "PrescriptionDocument",
    "Retaut",
    "Retfac",
    "ReturnedInvoice",
    "ReturnedLine",
]
