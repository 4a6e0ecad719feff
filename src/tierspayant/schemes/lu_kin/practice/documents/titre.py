"""Titre de prise en charge (annex 05): the printed form of the CNS accord, on the patient's request."""

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
    paragraph,
    render,
    side_by_side,
)
from tierspayant.schemes.lu_kin.practice.documents.content import TitreContent

PATHOLOGY_LABELS = {
    "COMMON": "Pathologie courante",
    "SERIOUS": "Pathologie lourde (statuts CNS)",
    "POST_SURGICAL": "Rééducation post-chirurgicale",
    "LYMPHATIC_DRAINAGE": "Drainage lymphatique",
}


def render_titre(content: TitreContent, path: Path) -> Path:
    meta = DocumentMeta(
        title="Titre de prise en charge",
        subtitle="Kinésithérapie — décision d'autorisation de la Caisse nationale de santé (annexe 05)",
        author=content.provider.name,
        reference=content.identifier,
    )
    story: list[Any] = [
        block(
            "Titre",
            [
                ("Identifiant du titre", content.identifier),
                ("Date d'établissement du titre", day(content.issued_on)),
                ("Validité", f"du {day(content.valid_from)} au {day(content.valid_to)}"),
                ("Taux de prise en charge", f"{content.coverage_rate} %"),
                ("Caisse compétente", content.fund),
            ],
        ),
        side_by_side(
            field_block(
                "Personne protégée",
                [
                    ("Nom et prénom", content.patient.full_name),
                    ("Matricule", content.patient.matricule),
                    ("Date de naissance", day(content.patient.birth_date)),
                ],
                width=HALF_WIDTH,
            ),
            field_block(
                "Ordonnance",
                [
                    ("Code prescripteur", content.prescriber_code),
                    ("Date de l'ordonnance", day(content.prescribed_on)),
                    ("Catégorie", PATHOLOGY_LABELS.get(content.pathology_category, content.pathology_category)),
                ],
                width=HALF_WIDTH,
            ),
        ),
        paragraph("Actes et séances autorisés", HEADING),
        Spacer(1, 2),
        grid(
            ["Code de l'acte", "Libellé", "Séances autorisées"],
            [[a.act_code, a.label or "", a.sessions] for a in content.acts],
            widths=[0.2, 0.55, 0.25],
            right_aligned=[2],
            total_row=["Total", "", sum(a.sessions for a in content.acts)],
        ),
        block(
            "Masseur-kinésithérapeute",
            [
                ("Cabinet", content.provider.name),
                ("Adresse", ", ".join(content.provider.address_lines)),
                ("Code facturier", content.provider.facturier_code or content.performer_code),
                ("Code exécutant", content.performer_code),
            ],
        ),
        Spacer(1, 6),
        paragraph(
            "Document imprimé par le masseur-kinésithérapeute à la demande de la personne protégée, sur base des "
            "données transmises par la CNS (cahier des charges CNS–ALK du 23 novembre 2016, art. 13). "
            "L'identifiant du titre est à rappeler lors de la facturation.",
            SMALL,
        ),
    ]
    return render(path, meta, story)
