"""Mémoire d'honoraires (annex 06): the patient's fee note — sessions with dates, acts, tariffs, the insured share
and the fund share (paid directly to the practice under third-party payment), with totals."""

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
    day,
    field_block,
    grid,
    money,
    paragraph,
    render,
    side_by_side,
)
from tierspayant.schemes.lu_kin.practice.documents.content import MemoireContent

OUTCOME_LABELS = {
    "paid": "Prise en charge",
    "reduced": "Prise en charge réduite",
    "awaiting": "En attente de décision",
    "to_correct": "Refusée — sera présentée à nouveau",
    "patient_pays": "Refusée — à charge de l'assuré",
    "already_paid": "Refusée — déjà payée",
    "patient": "Paiement par l'assuré",
}


def _totals(content: MemoireContent) -> list[tuple[str, object]]:
    """The amounts as the fund decided them; a line appears only when something is in it."""
    rows: list[tuple[str, object]] = [
        ("Montant total des honoraires (tarif)", money(content.total_tariff) + " EUR"),
    ]
    if content.third_party:
        rows.append(("Prise en charge statutaire par la caisse", money(content.total_fund_share) + " EUR"))
        optional = [
            ("Demandé à la caisse, en attente de décision", content.total_awaiting),
            ("Refusé par la caisse, présenté à nouveau après correction", content.total_tariff_of("to_correct")),
            ("Refusé par la caisse, à charge de la personne protégée", content.total_tariff_of("patient_pays")),
            ("Refusé par la caisse, déjà payé", content.total_tariff_of("already_paid")),
            ("Titre obtenu par voie postale: pas de tiers payant", content.total_tariff_of("patient")),
        ]
        rows += [(label, money(amount) + " EUR") for label, amount in optional if amount]
    rows.append(("Montant à payer par la personne protégée", money(content.total_due) + " EUR"))
    return rows


def render_memoire(content: MemoireContent, path: Path) -> Path:
    meta = DocumentMeta(
        title="Mémoire d'honoraires",
        subtitle="Masseur-kinésithérapeute — mémoire du mois " + content.month + " (annexe 06)",
        author=content.provider.name,
        reference=content.number,
    )
    provider_rows: list[tuple[str, object]] = [
        ("Cabinet", content.provider.name),
        *(("Adresse" if i == 0 else "", line) for i, line in enumerate(content.provider.address_lines)),
        ("Code facturier", content.provider.facturier_code or "—"),
    ]
    provider_rows += [("Code exécutant", f"{code} {name}") for code, name in content.performers]
    patient_rows: list[tuple[str, object]] = [
        ("Nom et prénom", content.patient.full_name),
        ("Matricule", content.patient.matricule),
        ("Date de naissance", day(content.patient.birth_date)),
        ("Caisse", content.patient.fund),
        *(("Adresse" if i == 0 else "", line) for i, line in enumerate(content.patient.address_lines)),
    ]
    lines = sorted(content.lines, key=lambda x: (x.performed_on, x.act_code))
    story: list[Any] = [
        block("Mémoire", [("Numéro", content.number), ("Date", day(content.issued_on)), ("Mois", content.month)]),
        side_by_side(
            field_block("Prestataire", provider_rows, width=HALF_WIDTH),
            field_block("Personne protégée", patient_rows, width=HALF_WIDTH),
        ),
        paragraph("Prestations", HEADING),
        grid(
            ["Date", "Acte", "Exécutant", "Titre", "Tarif", "Décision de la caisse", "Part caisse", "À payer"],
            [
                [
                    day(x.performed_on),
                    x.act_code,
                    x.performer_code,
                    x.titre,
                    money(x.tariff),
                    OUTCOME_LABELS.get(x.outcome, x.outcome),
                    money(x.fund_share) if x.outcome in ("paid", "reduced", "awaiting") else "—",
                    money(x.due),
                ]
                for x in lines
            ],
            widths=[0.12, 0.07, 0.11, 0.17, 0.09, 0.22, 0.11, 0.11],
            right_aligned=[4, 6, 7],
            total_row=[
                "Total",
                "",
                "",
                f"{len(lines)} séance(s)",
                money(content.total_tariff),
                "",
                money(content.total_fund_share),
                money(content.total_due),
            ],
        ),
        Spacer(1, 6),
        block("Totaux", _totals(content)),
        Spacer(1, 6),
        paragraph(
            (
                "Tiers payant: la part de la caisse est facturée directement à la CNS par le prestataire; "
                "seule la participation statutaire est à régler par la personne protégée. Une prestation refusée "
                "par la caisse pour une erreur du prestataire est corrigée et présentée à nouveau: elle n'est pas "
                "à charge de la personne protégée."
            )
            if content.third_party
            else (
                "Paiement par la personne protégée: le montant total est à régler au prestataire; la part de la "
                "caisse est ensuite remboursée par la caisse compétente sur présentation de ce mémoire."
            ),
            SMALL,
        ),
    ]
    return render(path, meta, story)
