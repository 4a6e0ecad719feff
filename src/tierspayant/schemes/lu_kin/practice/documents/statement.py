"""The liberal association's annual statement for one member: the amounts the association billed during the
member's membership (seed 002), month by month, with the member's own sessions shown beside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.platypus import Spacer

from tierspayant.documents.layout import HEADING, SMALL, DocumentMeta, block, day, grid, money, paragraph, render
from tierspayant.schemes.lu_kin.practice.documents.content import StatementContent


def render_statement(content: StatementContent, path: Path) -> Path:
    reference = f"{content.association.facturier_code}-{content.member_code}-{content.year}"
    meta = DocumentMeta(
        title="Relevé annuel d'association",
        subtitle=f"Association libérale de masseurs-kinésithérapeutes — année {content.year}",
        author=content.association.name,
        reference=reference,
    )
    periods = "; ".join(f"du {day(start)} au {day(end) if end else '—'}" for start, end in content.periods)
    story: list[Any] = [
        block(
            "Association",
            [
                ("Nom", content.association.name),
                ("Adresse", ", ".join(content.association.address_lines)),
                ("Code prestataire commun", content.association.facturier_code or ""),
            ],
        ),
        block(
            "Membre",
            [
                ("Nom", content.member_name),
                ("Code prestataire", content.member_code),
                ("Période(s) d'appartenance", periods),
                ("Date du relevé", day(content.issued_on)),
            ],
        ),
        paragraph("Montants facturés par l'association pendant l'appartenance", HEADING),
        grid(
            ["Mois", "Séances", "Facturé", "Pris en charge", "Séances du membre", "Facturé (membre)"],
            [
                [m.month, m.sessions, money(m.billed), money(m.covered), m.own_sessions, money(m.own_billed)]
                for m in content.months
            ],
            widths=[0.14, 0.12, 0.18, 0.18, 0.19, 0.19],
            right_aligned=[1, 2, 3, 4, 5],
            total_row=[
                "Total",
                content.total_sessions,
                money(content.total_billed),
                money(content.total_covered),
                sum(m.own_sessions for m in content.months),
                money(content.total_own_billed),
            ],
        ),
        Spacer(1, 6),
        paragraph(
            "Montants en euros. « Facturé »: montants demandés à la caisse sous le code de l'association pour les "
            "séances réalisées pendant la période d'appartenance; « Pris en charge »: montants retenus par la caisse "
            "(fichiers RETFAC importés).",
            SMALL,
        ),
    ]
    return render(path, meta, story)
