"""Request for the annual flat rate for IT costs (annex 07): €1,600 per practice and year, for at least 2,000
covered services, both prorated for a partial year; asked between 1 January and 31 March of the following year."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from tierspayant.documents.layout import (
    CONTENT_WIDTH,
    HEADING,
    RULE,
    SMALL,
    DocumentMeta,
    block,
    day,
    grid,
    money,
    paragraph,
    render,
)
from tierspayant.schemes.lu_kin.practice.documents.content import ItFormContent


def signature_box(on: date) -> Table:
    """Date and a box to sign in: the request is signed by the provider before it is sent."""
    table = Table(
        [[paragraph(f"Date: {day(on)}", SMALL), paragraph("Signature du prestataire", SMALL)], ["", ""]],
        colWidths=[CONTENT_WIDTH * 0.4, CONTENT_WIDTH * 0.6],
        rowHeights=[None, 22 * mm],
        hAlign="LEFT",
    )
    table.setStyle(TableStyle([("BOX", (1, 0), (1, 1), 0.6, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render_it_form(content: ItFormContent, path: Path) -> Path:
    meta = DocumentMeta(
        title="Demande de forfait pour frais informatiques",
        subtitle=f"Masseurs-kinésithérapeutes — forfait annuel, année {content.year} (annexe 07, art. 38 de la "
        "convention)",
        author=content.practice.name,
        reference=f"IT-{content.year}-{content.practice.facturier_code or content.provider_codes[0][0]}",
    )
    story: list[Any] = [
        block(
            "Cabinet",
            [
                ("Nom", content.practice.name),
                ("Adresse postale", ", ".join(content.practice.address_lines)),
                ("Code facturier", content.practice.facturier_code or "facturation séparée"),
            ],
        ),
        paragraph("Masseurs-kinésithérapeutes exerçant au cabinet", HEADING),
        grid(["Code prestataire", "Nom"], [[code, name] for code, name in content.provider_codes], widths=[0.3, 0.7]),
        block(
            "Activité de l'année",
            [
                ("Année", content.year),
                ("Période d'activité", f"du {day(content.active_from)} au {day(content.active_to)}"),
                ("Jours d'activité", f"{content.days_active} / {content.days_in_year}"),
                ("Prestations prises en charge", content.services_counted),
                ("Seuil (proratisé)", content.threshold),
                ("Montant du forfait (proratisé)", money(content.amount) + " EUR"),
                ("Condition remplie", "oui" if content.eligible else "non"),
            ],
        ),
        Spacer(1, 6),
        paragraph(
            "Le forfait est limité à un par adresse postale, sauf preuve de cabinets séparés aux frais informatiques "
            "indépendants. Demande à introduire entre le 1er janvier et le 31 mars de l'année suivante; paiement en "
            "juin après vérification par la CNS.",
            SMALL,
        ),
        Spacer(1, 18),
        signature_box(content.requested_on),
    ]
    return render(path, meta, story)
