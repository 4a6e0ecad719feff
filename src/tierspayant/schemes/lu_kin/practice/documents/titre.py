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
    field_block,
    grid,
    paragraph,
    render,
    side_by_side,
)
from tierspayant.schemes.lu_kin.practice.documents.content import TitreContent
from tierspayant.schemes.lu_kin.practice.documents.language import N_, Texts

PATHOLOGY_LABELS = {
    "COMMON": N_("Common pathology"),
    "SERIOUS": N_("Serious pathology (CNS statutes)"),
    "POST_SURGICAL": N_("Post-surgical rehabilitation"),
    "LYMPHATIC_DRAINAGE": N_("Lymphatic drainage"),
}
PRINTED_NOTE = N_(
    "Document printed by the physiotherapist at the request of the protected person, from the data sent by the "
    "CNS (cahier des charges CNS–ALK of 23 November 2016, art. 13). The titre's identifier is to be quoted when "
    "billing."
)
PAPER_NOTE = N_(
    "Paper titre obtained by the insured by post: recorded by the physiotherapist from the paper; no third-party "
    "payment on this titre, the insured pays the practice and is reimbursed by the fund."
)


def render_titre(content: TitreContent, path: Path, language: str = "fr") -> Path:
    t = Texts(language)
    meta = DocumentMeta(
        title=t("Titre de prise en charge"),
        subtitle=t("Physiotherapy — authorisation decision of the Caisse nationale de santé (annex 05)"),
        author=content.provider.name,
        reference=content.identifier,
    )
    category = content.pathology_category
    story: list[Any] = [
        block(
            t("Titre"),
            [
                (t("Titre identifier"), content.identifier),
                (t("Date the titre was issued"), t.day(content.issued_on)),
                (
                    t("Validity"),
                    t("from %(start)s to %(end)s", start=t.day(content.valid_from), end=t.day(content.valid_to)),
                ),
                (t("Coverage rate"), f"{content.coverage_rate} %"),
                (t("Competent fund"), content.fund),
            ],
        ),
        side_by_side(
            field_block(
                t("Protected person"),
                [
                    (t("Name and first name"), content.patient.full_name),
                    (t("Matricule"), content.patient.matricule),
                    (t("Date of birth"), t.day(content.patient.birth_date)),
                ],
                width=HALF_WIDTH,
            ),
            field_block(
                t("Prescription"),
                [
                    (t("Prescriber code"), content.prescriber_code),
                    (t("Date of the prescription"), t.day(content.prescribed_on)),
                    (t("Category"), t(PATHOLOGY_LABELS[category]) if category in PATHOLOGY_LABELS else category),
                ],
                width=HALF_WIDTH,
            ),
        ),
        paragraph(t("Acts and sessions authorised"), HEADING),
        Spacer(1, 2),
        grid(
            [t("Act code"), t("Wording"), t("Sessions authorised")],
            [[a.act_code, a.label or "", a.sessions] for a in content.acts],
            widths=[0.2, 0.55, 0.25],
            right_aligned=[2],
            total_row=[t("Total"), "", sum(a.sessions for a in content.acts)],
        ),
        block(
            t("Physiotherapist"),
            [
                (t("Practice"), content.provider.name),
                (t("Address"), ", ".join(content.provider.address_lines)),
                (t("Billing code"), content.provider.facturier_code or content.performer_code),
                (t("Performer code"), content.performer_code),
            ],
        ),
        Spacer(1, 6),
        paragraph(t(PAPER_NOTE) if content.by_post else t(PRINTED_NOTE), SMALL),
    ]
    return render(path, meta, story)
