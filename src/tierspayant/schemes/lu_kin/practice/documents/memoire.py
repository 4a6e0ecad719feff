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
            ["Date", "Acte", "Exécutant", "Titre", "Tarif", "Part assuré", "Part caisse"],
            [
                [
                    day(x.performed_on),
                    x.act_code,
                    x.performer_code,
                    x.titre,
                    money(x.tariff),
                    money(x.insured_share),
                    money(x.fund_share),
                ]
                for x in lines
            ],
            widths=[0.14, 0.09, 0.12, 0.21, 0.14, 0.15, 0.15],
            right_aligned=[4, 5, 6],
            total_row=[
                "Total",
                "",
                "",
                f"{len(lines)} séance(s)",
                money(content.total_tariff),
                money(content.total_insured_share),
                money(content.total_fund_share),
            ],
        ),
        Spacer(1, 6),
        block(
            "Totaux",
            [
                ("Montant total des honoraires (tarif)", money(content.total_tariff) + " EUR"),
                ("Participation statutaire (personne protégée)", money(content.total_insured_share) + " EUR"),
                ("Prise en charge statutaire par la caisse", money(content.total_fund_share) + " EUR"),
                (
                    "Montant à payer par la personne protégée",
                    money(content.total_insured_share if content.third_party else content.total_tariff) + " EUR",
                ),
            ],
        ),
        Spacer(1, 6),
        paragraph(
            (
                "Tiers payant: la part de la caisse est facturée directement à la CNS par le prestataire; "
                "seule la participation statutaire est à régler par la personne protégée."
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
