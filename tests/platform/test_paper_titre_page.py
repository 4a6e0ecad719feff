"""The practice's page for a titre the patient brought on paper: recorded, audited, marked "by post" in the titres
table, kept out of third-party billing; a wrong number is refused and what was typed stays in the form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from tierspayant.platform.launch import Launch, assemble
from tierspayant.schemes.lu_kin.practice.domain import PathologyCategory
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.titres import PaperTitre
from tierspayant.schemes.lu_kin.titre import make_titre_id

from .conftest import make_settings
from .test_web import client_for, csrf

PATIENT = "1990093012358"  # a demo patient
PAPER = make_titre_id(2026, 4242)


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launch]:
    assembled = assemble(make_settings(tmp_path_factory.mktemp("paper") / "var", demo=True))
    yield assembled
    assembled.close()


def a_prescription(launch: Launch) -> int:
    runtime = launch.scheme("lu_kin")
    practice, demo = runtime.practice, runtime.demo
    assert demo is not None
    reference = practice.reference.reference
    today = practice.today()
    record = practice.add_prescription(
        PrescriptionInput(
            matricule=PATIENT,
            prescriber_code=str(reference["prescribers"]["prescriber_code"][0]),
            prescribed_on=today - timedelta(days=3),
            pathology_category=PathologyCategory.COMMON,
            acts=[PrescribedAct("ZK11", 8)],
            performer_code="70023456",
            place_category=str(reference["places"]["place_code"][0]),
            scan=demo.sample_scan.read_bytes(),
            scan_name="scan.pdf",
        )
    )
    return record.id


def form(prescription_id: int, launch: Launch, **changes: str) -> dict[str, str]:
    today = launch.scheme("lu_kin").practice.today()
    return {
        "identifier": PAPER,
        "prescription_id": str(prescription_id),
        "issued_on": (today - timedelta(days=2)).isoformat(),
        "valid_from": (today - timedelta(days=1)).isoformat(),
        "valid_to": (today + timedelta(days=60)).isoformat(),
        "coverage_rate": "70",
        "act_code": "ZK11",
        "sessions": "8",
        "obtained_by_insured": "true",
        **changes,
    }


def test_a_paper_titre_is_recorded_from_the_page(launch: Launch) -> None:
    prescription = a_prescription(launch)
    client = client_for(launch, "cabinet")
    client.cookies.delete("tierspayant_lang")
    page = client.get("/practice/requests")
    assert "Enregistrer un titre apporté sur papier par le patient" in page.text

    wrong = PAPER[:-1] + str((int(PAPER[-1]) + 1) % 10)
    typed = {"csrf": csrf(page.text), **form(prescription, launch, identifier=wrong)}
    refused = client.post("/practice/titres/paper", data=typed)
    assert refused.status_code == 303
    again = client.get("/practice/requests").text
    assert "PRA-PAPER-TITRE" in again and f'value="{wrong}"' in again  # what was typed stays

    done = client.post("/practice/titres/paper", data={"csrf": csrf(again), **form(prescription, launch)})
    assert done.status_code == 303 and done.headers["location"] == "/practice/requests"
    listed = client.get("/practice/requests").text
    assert "Titre papier" in listed and "jamais facturé en tiers payant" in listed
    titres = listed.split('id="titres"')[1].split("</table>")[0]
    assert PAPER in titres and "papier, par voie postale : pas de tiers payant" in titres
    practice = launch.scheme("lu_kin").practice
    [titre] = [t for t in practice.titres() if t.identifier == PAPER]
    assert titre.by_post and titre.matricule == PATIENT
    entries = launch.context.audit.entries(actor="cabinet")
    assert any(e.action == "paper titre" and PAPER in e.subject for e in entries)
    assert any(e.action == "refused" and "PRA-PAPER-TITRE" in e.detail for e in entries)


def test_the_form_is_only_for_those_who_prepare(launch: Launch) -> None:
    client = client_for(launch, "secretariat")  # prepares: sees the form (when a prescription is open)
    page = client.get("/practice/requests")
    assert page.status_code == 200


def test_the_patient_s_documents_language_is_chosen_on_the_patient_page(launch: Launch) -> None:
    practice = launch.scheme("lu_kin").practice
    today = practice.today()
    paper = make_titre_id(2026, 4343)
    practice.record_paper_titre(
        PaperTitre(paper, a_prescription(launch), today - timedelta(days=2), today, today + timedelta(days=30),
                   Decimal("70.00"), {"ZK11": 4})
    )  # fmt: skip
    client = client_for(launch, "cabinet")
    client.cookies.delete("tierspayant_lang")
    page = client.get(f"/practice/patients/{PATIENT}")
    assert "Langue des documents imprimés" in page.text
    try:
        chosen = client.post(f"/practice/patients/{PATIENT}/language", data={"csrf": csrf(page.text), "language": "de"})
        assert chosen.status_code == 303
        after = client.get(f"/practice/patients/{PATIENT}").text
        assert '<option value="de" selected>' in after
        pdf = client.get(f"/practice/documents/titre/{paper}.pdf")  # a French user prints: the patient's German
        text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
        assert "Kennung des Titre" in text and "Identifiant du titre" not in text
        assert any(e.action == "patient language" for e in launch.context.audit.entries(actor="cabinet"))
        refused = client.post(f"/practice/patients/{PATIENT}/language", data={"csrf": csrf(after), "language": "nl"})
        assert refused.status_code == 303 and "PRA-LANGUAGE" in client.get(f"/practice/patients/{PATIENT}").text
    finally:
        launch.scheme("lu_kin").practice.set_patient_language(PATIENT, None)
    pdf = client.get(f"/practice/documents/titre/{paper}.pdf")
    assert "Identifiant du titre" in "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
