"""Mémoire d'honoraires (annex 06): the patient's fee note — sessions with dates, acts, tariffs, the insured share
and the fund share (paid directly to the practice under third-party payment), with totals; in French, German or
English (:mod:`.language`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.platypus import Spacer

from tierspayant.documents.layout import (
    HALF_WIDTH,
    HEADING,
    SMALL,
    DocumentMeta,
    block,
    field_block,
    grid,
    money,
    paragraph,
    render,
    side_by_side,
)
from tierspayant.schemes.lu_kin.practice.documents.content import MemoireContent
from tierspayant.schemes.lu_kin.practice.documents.language import N_, Texts

OUTCOME_LABELS = {
    "paid": N_("Covered"),
    "reduced": N_("Covered, reduced"),
    "awaiting": N_("Awaiting decision"),
    "to_correct": N_("Refused — will be presented again"),
    "patient_pays": N_("Refused — payable by the insured"),
    "already_paid": N_("Refused — already paid"),
    "patient": N_("Paid by the insured"),
}


THIRD_PARTY_NOTE = N_(
    "Third-party payment: the fund's share is billed directly to the CNS by the provider; only the statutory "
    "contribution is payable by the protected person. A service the fund refused for an error of the provider is "
    "corrected and presented again: it is not payable by the protected person."
)
PATIENT_PAYS_NOTE = N_(
    "Payment by the protected person: the whole amount is payable to the provider; the fund's share is then "
    "reimbursed by the competent fund on presentation of this fee note."
)


def _totals(content: MemoireContent, t: Texts) -> list[tuple[str, object]]:
    """The amounts as the fund decided them; a line appears only when something is in it."""
    rows: list[tuple[str, object]] = [
        (t("Total fees (tariff)"), money(content.total_tariff) + " EUR"),
    ]
    if content.third_party:
        rows.append((t("Statutory cover by the fund"), money(content.total_fund_share) + " EUR"))
        optional = [
            (t("Asked of the fund, awaiting decision"), content.total_awaiting),
            (t("Refused by the fund, presented again after correction"), content.total_tariff_of("to_correct")),
            (t("Refused by the fund, payable by the protected person"), content.total_tariff_of("patient_pays")),
            (t("Refused by the fund, already paid"), content.total_tariff_of("already_paid")),
            (t("Titre obtained by post: no third-party payment"), content.total_tariff_of("patient")),
        ]
        rows += [(label, money(amount) + " EUR") for label, amount in optional if amount]
    rows.append((t("Amount payable by the protected person"), money(content.total_due) + " EUR"))
    return rows


def render_memoire(content: MemoireContent, path: Path, language: str = "fr") -> Path:
    t = Texts(language)
    meta = DocumentMeta(
        title=t("Fee note"),
        subtitle=t("Physiotherapist — fee note for the month %(month)s (annex 06)", month=content.month),
        author=content.provider.name,
        reference=content.number,
    )
    address = t("Address")
    provider_rows: list[tuple[str, object]] = [
        (t("Practice"), content.provider.name),
        *((address if i == 0 else "", line) for i, line in enumerate(content.provider.address_lines)),
        (t("Billing code"), content.provider.facturier_code or "—"),
    ]
    provider_rows += [(t("Performer code"), f"{code} {name}") for code, name in content.performers]
    patient_rows: list[tuple[str, object]] = [
        (t("Name and first name"), content.patient.full_name),
        (t("Matricule"), content.patient.matricule),
        (t("Date of birth"), t.day(content.patient.birth_date)),
        (t("Fund"), content.patient.fund),
        *((address if i == 0 else "", line) for i, line in enumerate(content.patient.address_lines)),
    ]
    lines = sorted(content.lines, key=lambda x: (x.performed_on, x.act_code))
    story: list[Any] = [
        block(
            t("Fee note"),
            [(t("Number"), content.number), (t("Date"), t.day(content.issued_on)), (t("Month"), content.month)],
        ),
        side_by_side(
            field_block(t("Provider"), provider_rows, width=HALF_WIDTH),
            field_block(t("Protected person"), patient_rows, width=HALF_WIDTH),
        ),
        paragraph(t("Services"), HEADING),
        grid(
            [
                t("Date"),
                t("Act"),
                t("Performer"),
                t("Titre"),
                t("Tariff"),
                t("Fund's decision"),
                t("Fund share"),
                t("To pay"),
            ],
            [
                [
                    t.day(x.performed_on),
                    x.act_code,
                    x.performer_code,
                    x.titre,
                    money(x.tariff),
                    t(OUTCOME_LABELS[x.outcome]) if x.outcome in OUTCOME_LABELS else x.outcome,
                    money(x.fund_share) if x.outcome in ("paid", "reduced", "awaiting") else "—",
                    money(x.due),
                ]
                for x in lines
            ],
            widths=[0.12, 0.07, 0.11, 0.17, 0.09, 0.22, 0.11, 0.11],
            right_aligned=[4, 6, 7],
            total_row=[
                t("Total"),
                "",
                "",
                t("%(num)d session(s)", num=len(lines)),
                money(content.total_tariff),
                "",
                money(content.total_fund_share),
                money(content.total_due),
            ],
        ),
        Spacer(1, 6),
        block(t("Totals"), _totals(content, t)),
        Spacer(1, 6),
        paragraph(t(THIRD_PARTY_NOTE) if content.third_party else t(PATIENT_PAYS_NOTE), SMALL),
    ]
    return render(path, meta, story)
