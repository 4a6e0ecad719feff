"""Test oracle: the first KIN writer, built on lxml ``etree.xmlfile`` (one lxml call per element).

The production writer renders text templates instead (10x faster); the tests check that both give the same bytes
for hypothesis-generated models, so lxml vouches for the templates' escaping and layout. Kept as it was in commit
c9d6499 apart from this docstring.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack, suppress
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from lxml import etree

from tierspayant.core.money import format_euros
from tierspayant.schemes.lu_kin.formats.models import (
    Anomaly,
    AuthorisationDecision,
    AuthorisationRequest,
    DecisionOutcome,
    Demaut,
    FileHeader,
    Invoice,
    KinFile,
    KinItem,
    PrescribedAct,
    Retaut,
    Retfac,
    ReturnedInvoice,
)
from tierspayant.schemes.lu_kin.formats.xsd import namespace

_ITEM_TYPES: dict[str, type[Any]] = {
    "DEMAUT": AuthorisationRequest,
    "RETAUT": AuthorisationDecision,
    "FAC": Invoice,
    "RETFAC": ReturnedInvoice,
}


class KinStreamWriter:
    """Write one KIN file incrementally: the header first, then one request / decision / invoice at a time.

    >>> with KinStreamWriter(path, header) as out:          # doctest: +SKIP
    ...     for invoice in invoices:
    ...         out.write(invoice)

    Memory stays constant: each item is serialised and forgotten. For a RETFAC, file-level anomalies (a file
    returned untreated) are given to the constructor because they come before the invoices.
    """

    def __init__(
        self,
        destination: Path | str | IO[bytes],
        header: FileHeader,
        file_anomalies: Iterable[Anomaly] = (),
    ) -> None:
        self.header = header
        self.file_type = header.file_type
        self._ns = namespace(header.file_type, header.layout)
        self._destination = destination
        self._file_anomalies = list(file_anomalies)
        if self._file_anomalies and self.file_type != "RETFAC":
            raise ValueError("file-level anomalies exist only in a RETFAC")
        self._stack = ExitStack()
        self._xf: Any = None
        self._temp_path: Path | None = None
        # Running control counts and totals (integer cents: exact and cheap).
        self.item_count = 0
        self.line_count = 0
        self._outcomes = dict.fromkeys(DecisionOutcome, 0)
        self._asked = 0
        self._covered = 0

    # --- lifecycle ---

    def __enter__(self) -> Self:
        stream: IO[bytes]
        if isinstance(self._destination, (str, Path)):
            target = Path(self._destination)
            fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
            self._temp_path = Path(temp_name)
            stream = self._stack.enter_context(os.fdopen(fd, "wb"))
        else:
            stream = self._destination
        try:
            self._xf = self._stack.enter_context(etree.xmlfile(stream, encoding="UTF-8"))
            self._xf.write_declaration()
            self._stack.enter_context(
                self._xf.element(self._tag(self.file_type), nsmap={None: self._ns}, Layout=self.header.layout)
            )
            self._write_header()
            for anomaly in self._file_anomalies:
                self._anomaly(anomaly, 1)
        except BaseException:
            self._abort()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            if self.item_count == 0 and not (self.file_type == "RETFAC" and self._file_anomalies):
                raise ValueError(f"a {self.file_type} file needs at least one item")
            self._write_trailer()
            self._stack.close()  # closes the root element, flushes, closes the temporary file
        except BaseException:
            self._abort()
            raise
        if self._temp_path is not None:
            _make_readable(self._temp_path)
            os.replace(self._temp_path, Path(self._destination))  # type: ignore[arg-type]

    def _abort(self) -> None:
        # The original error is what matters; the partial file goes anyway.
        with suppress(Exception):
            self._stack.close()
        if self._temp_path is not None:
            self._temp_path.unlink(missing_ok=True)

    # --- items ---

    def write(self, item: KinItem) -> None:
        """Write one request (DEMAUT), decision (RETAUT), invoice (FAC) or returned invoice (RETFAC)."""
        expected = _ITEM_TYPES[self.file_type]
        if not isinstance(item, expected):
            raise TypeError(f"a {self.file_type} file takes {expected.__name__}, not {type(item).__name__}")
        if isinstance(item, AuthorisationRequest):
            self._request(item)
        elif isinstance(item, AuthorisationDecision):
            self._decision(item)
        elif isinstance(item, Invoice):
            self._invoice(item)
        else:
            self._returned_invoice(item)
        self.item_count += 1

    def write_all(self, items: Iterable[KinItem]) -> None:
        for item in items:
            self.write(item)

    # --- low-level helpers ---

    def _tag(self, name: str) -> str:
        return f"{{{self._ns}}}{name}"

    def _leaf(self, name: str, text: str, depth: int) -> None:
        self._xf.write("\n" + "  " * depth)
        with self._xf.element(self._tag(name)):
            self._xf.write(text)

    def _open(self, name: str, depth: int) -> Any:
        self._xf.write("\n" + "  " * depth)
        return self._xf.element(self._tag(name))

    def _close(self, depth: int) -> None:
        self._xf.write("\n" + "  " * depth)

    def _write_header(self) -> None:
        h = self.header
        with self._open("Entete", 1):
            self._leaf("Emetteur", h.sender, 2)
            self._leaf("Facturier", h.billing_provider, 2)
            self._leaf("Reference", h.reference, 2)
            self._leaf("DateEnvoi", h.send_date.isoformat(), 2)
            if h.original_reference is not None:
                self._leaf("ReferenceOrigine", h.original_reference, 2)
            if h.deposit_date is not None and h.payment_due_date is not None:
                self._leaf("DateDepot", h.deposit_date.isoformat(), 2)
                self._leaf("DateEcheance", h.payment_due_date.isoformat(), 2)
            self._close(1)

    def _anomaly(self, anomaly: Anomaly, depth: int) -> None:
        with self._open("Anomalie", depth):
            self._leaf("Code", anomaly.code, depth + 1)
            self._leaf("Libelle", anomaly.label, depth + 1)
            if anomaly.remark is not None:
                self._leaf("Remarque", anomaly.remark, depth + 1)
            self._close(depth)

    def _act(self, act: PrescribedAct, depth: int) -> None:
        with self._open("Acte", depth):
            self._leaf("CodeActe", act.act_code, depth + 1)
            self._leaf("NombreSeances", str(act.sessions), depth + 1)
            self._close(depth)

    def _request(self, r: AuthorisationRequest) -> None:
        with self._open("Demande", 1):
            self._leaf("IdDemande", r.request_id, 2)
            self._leaf("Matricule", r.matricule, 2)
            self._leaf("Caisse", r.fund.value, 2)
            self._leaf("CodePrescripteur", r.prescriber_code, 2)
            self._leaf("DateOrdonnance", r.prescription_date.isoformat(), 2)
            for act in r.acts:
                self._act(act, 2)
            self._leaf("Pathologie", r.pathology.value, 2)
            self._leaf("CodeExecutant", r.performer_code, 2)
            self._leaf("CategorieLieu", r.place_category, 2)
            if r.accident:
                with self._open("Accident", 2):
                    if r.accident_date is not None:
                        self._leaf("DateAccident", r.accident_date.isoformat(), 3)
                        self._close(2)
            with self._open("Ordonnance", 2):
                self._leaf("NomFichier", r.prescription.file_name, 3)
                self._leaf("Sha256", r.prescription.sha256, 3)
                self._close(2)
            self._close(1)

    def _decision(self, d: AuthorisationDecision) -> None:
        self._outcomes[d.outcome] += 1
        with self._open("Decision", 1):
            self._leaf("IdDemande", d.request_id, 2)
            self._leaf("Matricule", d.matricule, 2)
            self._leaf("DateDecision", d.decision_date.isoformat(), 2)
            if d.outcome is DecisionOutcome.ACCORD:
                assert d.titre_id and d.issue_date and d.valid_from and d.valid_to and d.coverage_rate is not None
                with self._open("Accord", 2):
                    self._leaf("TitreId", d.titre_id, 3)
                    self._leaf("DateEmission", d.issue_date.isoformat(), 3)
                    self._leaf("ValideDu", d.valid_from.isoformat(), 3)
                    self._leaf("ValideAu", d.valid_to.isoformat(), 3)
                    for act in d.covered_acts:
                        self._act(act, 3)
                    self._leaf("TauxPriseEnCharge", format_euros(d.coverage_rate), 3)
                    for anomaly in d.anomalies:
                        self._anomaly(anomaly, 3)
                    self._close(2)
            elif d.outcome is DecisionOutcome.REFUS:
                with self._open("Refus", 2):
                    for anomaly in d.anomalies:
                        self._anomaly(anomaly, 3)
                    self._close(2)
            else:
                assert d.motivation is not None
                with self._open("Suspens", 2):
                    self._leaf("Motivation", d.motivation, 3)
                    for anomaly in d.anomalies:
                        self._anomaly(anomaly, 3)
                    self._close(2)
            self._close(1)

    def _invoice(self, invoice: Invoice) -> None:
        leaf = self._leaf
        with self._open("Facture", 1):
            leaf("NumeroFacture", invoice.invoice_number, 2)
            leaf("Matricule", invoice.matricule, 2)
            leaf("Caisse", invoice.fund.value, 2)
            for line in invoice.lines:
                with self._open("Ligne", 2):
                    leaf("NumeroLigne", str(line.line_number), 3)
                    leaf("TitreId", line.titre_id, 3)
                    leaf("DatePrestation", line.service_date.isoformat(), 3)
                    leaf("CodeActe", line.act_code, 3)
                    leaf("CodeExecutant", line.performer_code, 3)
                    leaf("CategorieLieu", line.place_category, 3)
                    leaf("MontantTarif", format_euros(line.tariff), 3)
                    leaf("Participation", format_euros(line.insured_share), 3)
                    leaf("MontantDemande", format_euros(line.amount_asked), 3)
                    self._close(2)
            leaf("TotalTarif", format_euros(invoice.total_tariff), 2)
            leaf("TotalParticipation", format_euros(invoice.total_insured_share), 2)
            leaf("TotalDemande", format_euros(invoice.total_asked), 2)
            self._close(1)
        self.line_count += len(invoice.lines)
        self._asked += _cents(invoice.total_asked)

    def _returned_invoice(self, invoice: ReturnedInvoice) -> None:
        leaf = self._leaf
        with self._open("Facture", 1):
            leaf("NumeroFacture", invoice.invoice_number, 2)
            leaf("Matricule", invoice.matricule, 2)
            for line in invoice.lines:
                with self._open("Ligne", 2):
                    leaf("NumeroLigne", str(line.line_number), 3)
                    leaf("MontantDemande", format_euros(line.amount_asked), 3)
                    leaf("MontantPrisEnCharge", format_euros(line.amount_covered), 3)
                    leaf("Participation", format_euros(line.insured_share), 3)
                    for anomaly in line.anomalies:
                        self._anomaly(anomaly, 3)
                    self._close(2)
            for anomaly in invoice.anomalies:
                self._anomaly(anomaly, 2)
            leaf("TotalDemande", format_euros(invoice.total_asked), 2)
            leaf("TotalPrisEnCharge", format_euros(invoice.total_covered), 2)
            leaf("TotalConteste", format_euros(invoice.total_contested), 2)
            self._close(1)
        self.line_count += len(invoice.lines)
        self._asked += _cents(invoice.total_asked)
        self._covered += _cents(invoice.total_covered)

    def _write_trailer(self) -> None:
        if self.file_type == "DEMAUT":
            with self._open("Controle", 1):
                self._leaf("NombreDemandes", str(self.item_count), 2)
                self._close(1)
        elif self.file_type == "RETAUT":
            with self._open("Controle", 1):
                self._leaf("NombreDecisions", str(self.item_count), 2)
                self._leaf("NombreAccords", str(self._outcomes[DecisionOutcome.ACCORD]), 2)
                self._leaf("NombreRefus", str(self._outcomes[DecisionOutcome.REFUS]), 2)
                self._leaf("NombreSuspens", str(self._outcomes[DecisionOutcome.SUSPENS]), 2)
                self._close(1)
        else:
            with self._open("Totaux", 1):
                self._leaf("NombreFactures", str(self.item_count), 2)
                self._leaf("NombreLignes", str(self.line_count), 2)
                self._leaf("TotalDemande", _euros(self._asked), 2)
                if self.file_type == "RETFAC":
                    self._leaf("TotalPrisEnCharge", _euros(self._covered), 2)
                    self._leaf("TotalConteste", _euros(self._asked - self._covered), 2)
                self._close(1)
        self._xf.write("\n")


def _make_readable(path: Path) -> None:
    """mkstemp creates 0600 files; give the final file the usual permissions (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)


def _cents(amount: Any) -> int:
    return int(amount * 100)


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _items(model: KinFile) -> list[Any]:
    if isinstance(model, Demaut):
        return list(model.requests)
    if isinstance(model, Retaut):
        return list(model.decisions)
    return list(model.invoices)


def write_file(model: KinFile, destination: Path | str | IO[bytes]) -> None:
    """Write a whole DEMAUT / RETAUT / FAC / RETFAC model to a path (atomically) or a binary stream."""
    anomalies = model.anomalies if isinstance(model, Retfac) else ()
    with KinStreamWriter(destination, model.header, anomalies) as out:
        out.write_all(_items(model))


def to_bytes(model: KinFile) -> bytes:
    """The XML of a whole model, as bytes."""
    buffer = io.BytesIO()
    write_file(model, buffer)
    return buffer.getvalue()


__all__ = ["KinStreamWriter", "to_bytes", "write_file"]
