"""Hypothesis strategies for valid KIN models (layout 01)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_kin.formats.models import (
    Anomaly,
    AuthorisationDecision,
    AuthorisationRequest,
    BilledLine,
    DecisionOutcome,
    Demaut,
    Fac,
    FileHeader,
    Fund,
    Invoice,
    Pathology,
    PrescribedAct,
    PrescriptionDocument,
    Retaut,
    Retfac,
    ReturnedInvoice,
    ReturnedLine,
)


def regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


provider_codes = regex(r"[0-9]{8}").filter(lambda code: code != "00000000")
references = regex(r"[A-Za-z0-9.\-]{1,30}")
identifiers = regex(r"[A-Za-z0-9.\-/]{1,30}")
titre_ids = regex(r"[A-Z0-9][A-Z0-9\-]{0,29}")
act_codes = regex(r"[A-Z0-9]{2,10}")
places = regex(r"[A-Z0-9]{1,4}")
anomaly_codes = regex(r"[A-Z0-9\-]{1,10}")
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31))
matricules = st.builds(
    compute_matricule, st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)), st.integers(0, 999)
)
# XML 1.0 characters that survive a round trip: no C0 controls but tab and newline (CR is normalised), no U+FFFE/F.
_xml_chars = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(32) if c not in (9, 10)) + "\ufffe\uffff",
)


def texts(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_xml_chars, min_size=1, max_size=max_size)


amounts = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
rates = st.decimals(min_value=0, max_value=100, places=2)
anomalies = st.builds(Anomaly, code=anomaly_codes, label=texts(200), remark=st.none() | texts(1000))
acts = st.builds(PrescribedAct, act_code=act_codes, sessions=st.integers(1, 999))


def headers(file_type: str) -> st.SearchStrategy[FileHeader]:
    is_return = file_type in ("RETAUT", "RETFAC")
    deposit = dates if file_type == "RETFAC" else st.none()
    return st.builds(
        lambda sender, billing, reference, sent, original, deposit_date, delay: FileHeader(
            file_type=file_type,  # type: ignore[arg-type]
            sender=sender,
            billing_provider=billing,
            reference=reference,
            send_date=sent,
            original_reference=original,
            deposit_date=deposit_date,
            payment_due_date=None if deposit_date is None else deposit_date + timedelta(days=delay),
        ),
        (st.sampled_from(["CNS", "CMFEP", "AAA"]) | provider_codes) if is_return else provider_codes,
        provider_codes,
        references,
        dates,
        references if is_return else st.none(),
        deposit,
        st.integers(0, 60),
    )


@st.composite
def requests(draw: st.DrawFn) -> AuthorisationRequest:
    accident = draw(st.booleans())
    return AuthorisationRequest(
        request_id=draw(identifiers),
        matricule=draw(matricules),
        fund=draw(st.sampled_from(Fund)),
        prescriber_code=draw(provider_codes),
        prescription_date=draw(dates),
        acts=draw(st.lists(acts, min_size=1, max_size=4)),
        pathology=draw(st.sampled_from(Pathology)),
        performer_code=draw(provider_codes),
        place_category=draw(places),
        accident=accident,
        accident_date=draw(st.none() | dates) if accident else None,
        prescription=PrescriptionDocument(
            file_name=draw(regex(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,20}\.(pdf|PDF)")),
            sha256=draw(regex(r"[0-9a-f]{64}")),
        ),
    )


@st.composite
def demauts(draw: st.DrawFn) -> Demaut:
    items = draw(
        st.lists(
            requests(), min_size=1, max_size=5, unique_by=(lambda r: r.request_id, lambda r: r.prescription.file_name)
        )
    )
    return Demaut(header=draw(headers("DEMAUT")), requests=items)


@st.composite
def decisions(draw: st.DrawFn) -> AuthorisationDecision:
    outcome = draw(st.sampled_from(DecisionOutcome))
    common = {"request_id": draw(identifiers), "matricule": draw(matricules), "decision_date": draw(dates)}
    if outcome is DecisionOutcome.ACCORD:
        start = draw(dates)
        return AuthorisationDecision(
            **common,
            outcome=outcome,
            titre_id=draw(titre_ids),
            issue_date=draw(dates),
            valid_from=start,
            valid_to=start + timedelta(days=draw(st.integers(0, 400))),
            covered_acts=draw(st.lists(acts, min_size=1, max_size=3)),
            coverage_rate=draw(rates),
            anomalies=draw(st.lists(anomalies, max_size=2)),
        )
    if outcome is DecisionOutcome.REFUS:
        return AuthorisationDecision(
            **common, outcome=outcome, anomalies=draw(st.lists(anomalies, min_size=1, max_size=3))
        )
    return AuthorisationDecision(
        **common, outcome=outcome, motivation=draw(texts(1000)), anomalies=draw(st.lists(anomalies, max_size=2))
    )


@st.composite
def retauts(draw: st.DrawFn) -> Retaut:
    items = draw(
        st.lists(
            decisions(),
            min_size=1,
            max_size=5,
            unique_by=(lambda d: d.request_id, lambda d: d.titre_id or d.request_id),
        )
    )
    return Retaut(header=draw(headers("RETAUT")), decisions=items)


@st.composite
def billed_lines(draw: st.DrawFn, number: int) -> BilledLine:
    return BilledLine(
        line_number=number,
        titre_id=draw(titre_ids),
        service_date=draw(dates),
        act_code=draw(act_codes),
        performer_code=draw(provider_codes),
        place_category=draw(places),
        tariff=draw(amounts),
        insured_share=draw(amounts),
        amount_asked=draw(amounts),
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    numbers = draw(st.lists(st.integers(1, 99999), min_size=1, max_size=6, unique=True))
    return Invoice(
        invoice_number=draw(identifiers),
        matricule=draw(matricules),
        fund=draw(st.sampled_from(Fund)),
        lines=[draw(billed_lines(n)) for n in numbers],
    )


@st.composite
def facs(draw: st.DrawFn) -> Fac:
    items = draw(st.lists(invoices(), min_size=1, max_size=4, unique_by=lambda i: i.invoice_number))
    return Fac(header=draw(headers("FAC")), invoices=items)


@st.composite
def returned_lines(draw: st.DrawFn, number: int) -> ReturnedLine:
    asked = draw(amounts)
    return ReturnedLine(
        line_number=number,
        amount_asked=asked,
        amount_covered=draw(st.decimals(min_value=0, max_value=asked, places=2)),
        insured_share=draw(amounts),
        anomalies=draw(st.lists(anomalies, max_size=2)),
    )


@st.composite
def returned_invoices(draw: st.DrawFn) -> ReturnedInvoice:
    numbers = draw(st.lists(st.integers(1, 99999), min_size=1, max_size=5, unique=True))
    return ReturnedInvoice(
        invoice_number=draw(identifiers),
        matricule=draw(matricules),
        lines=[draw(returned_lines(n)) for n in numbers],
        anomalies=draw(st.lists(anomalies, max_size=2)),
    )


@st.composite
def retfacs(draw: st.DrawFn) -> Retfac:
    items = draw(st.lists(returned_invoices(), max_size=4, unique_by=lambda i: i.invoice_number))
    file_anomalies = draw(st.lists(anomalies, min_size=0 if items else 1, max_size=3))
    return Retfac(header=draw(headers("RETFAC")), anomalies=file_anomalies, invoices=items)


FILES = {"DEMAUT": demauts(), "RETAUT": retauts(), "FAC": facs(), "RETFAC": retfacs()}
