"""The platform as ``make run`` starts it (demo on): the eDocuments vault answers under /edocuments (its public key
set, the patient's pages with the demo fee note, its refusals); the doctor issues a fee note from the practice
software through the running vault and follows it on the doctor's digital page (fr/de/en) and its CSV export."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tierspayant.platform.launch import launched
from tierspayant.platform.settings import load_settings
from tierspayant.schemes.lu_doctors import ActRequest, BillingMode
from tierspayant.schemes.lu_doctors.digital.keys import load_or_create_key
from tierspayant.schemes.lu_doctors.digital.reader import qr_texts_from_pdf
from tierspayant.schemes.lu_doctors.edocuments.client import EDocumentsClient
from tierspayant.schemes.lu_doctors.practice.feenotes_digital import DigitalDesk, User
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

from .helpers import ADULT, DAY, DOCTOR


@pytest.mark.slow
def test_vault_and_doctor_page_on_the_running_platform(tmp_path: Path) -> None:
    var = tmp_path / "var"
    settings = load_settings(environ={}, var_dir=var, http_port=0, sftp_port=0, demo=True)
    with launched(settings) as (launch, addresses):
        tokens = json.loads((var / "edocuments" / "tokens.json").read_text())
        by_role = {entry["role"]: token for token, entry in tokens.items()}
        with httpx.Client(base_url=addresses.base_url, timeout=30) as http:
            assert http.get("/edocuments/keys").json()["format"] == "tierspayant-keyset/1"
            patient = {"Authorization": f"Bearer {by_role['patient']}"}
            assert [d["fee_note_number"] for d in http.get("/edocuments/documents", headers=patient).json()] == [
                "DEMO-1"
            ]
            assert http.get("/edocuments/documents").status_code == 401
            http.post("/edocuments/my/login", data={"token": by_role["patient"]})
            page = http.get("/edocuments/my/documents?lang=de")
            assert page.status_code == 200 and "Meine Dokumente" in page.text and "DEMO-1" in page.text
        runtime = launch.scheme("lu_doctors")
        assert any("eDocuments" in line for line in runtime.demo_lines)

        # the doctor's software (the demo gynaecologist) issues a fee note through the running vault
        practice = runtime.desk.practice  # type: ignore[attr-defined]
        practice.add_patient(ADULT, "Marie Exemple", "CNS")
        with httpx.Client(base_url=f"{addresses.base_url}/edocuments", timeout=30) as vault_http:
            desk = DigitalDesk(
                practice, User("gyneco", DOCTOR, True), EDocumentsClient(vault_http, by_role["doctor"]),
                load_or_create_key(var / "edocuments" / "keys", DOCTOR),
                (var / "edocuments" / "pseudonymisation.key").read_bytes(), DigitalReference.sample(),
            )  # fmt: skip
            desk.record_choice(ADULT, True, date(2026, 1, 1))
            note = practice.new_fee_note("FN-P1", DOCTOR, ADULT, DAY, [ActRequest("C3", DAY)])
            issued = desk.issue(note)
            assert issued.receipt is not None
            # PID through the fund's web service on the platform: 66.20 × 88 % = 58.26 to the doctor at once
            pid_note = practice.new_fee_note("FN-P2", DOCTOR, ADULT, DAY, [ActRequest("C3", DAY)])
            doctor_auth = {"Authorization": f"Bearer {by_role['doctor']}"}
            with httpx.Client(base_url=f"{addresses.base_url}/cns", headers=doctor_auth, timeout=30) as fund_http:
                outcome = desk.pid(pid_note.model_copy(update={"mode": BillingMode.PID}), fund_http)
            assert outcome.paid and outcome.amount == Decimal("58.26")
            # the patient pays FN-P1; its paper arrives at the fund, whose agent scans the QR code
            desk.record_payment("FN-P1", DAY)
        [qr_text] = qr_texts_from_pdf(issued.pdf)
        fund_auth = {"Authorization": f"Bearer {by_role['fund']}"}
        with httpx.Client(base_url=addresses.base_url, headers=fund_auth, timeout=30) as fund_agent:
            paid = fund_agent.post("/cns/digital/paper", json={"qr_text": qr_text}).json()
            assert (paid["paid"], paid["amount"]) == (True, "58.26")
            again = fund_agent.post("/cns/digital/paper", json={"qr_text": qr_text}).json()
            assert (again["paid"], again["code"]) == (False, "DFN-ALREADY-PAID")
            assert fund_agent.post("/cns/digital/process").json() == []

        with httpx.Client(base_url=addresses.base_url, timeout=30, follow_redirects=False) as web:
            password = next(a.password for a in runtime.demo.accounts if a.username == "gyneco")  # type: ignore[attr-defined]
            login_page = web.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', login_page)
            assert token is not None
            form = {"csrf": token.group(1), "username": "gyneco", "password": password, "next": "/"}
            assert web.post("/login", data=form).status_code == 303
            page = web.get("/doctors/digital?lang=en")
            assert page.status_code == 200, page.text
            assert "Digital fee notes" in page.text and 'id="fn-FN-P1"' in page.text and "reimbursed" in page.text
            assert "Honorarnote" in web.get("/doctors/digital?lang=de").text
            csv_text = web.get("/doctors/digital/reconciliation.csv").text
            assert csv_text.splitlines()[1].startswith("FN-P1;")
        entries = launch.context.audit.entries(actor="gyneco", subject_contains="fee notes of 10234567")
        assert [e.action for e in entries][-1] == "read"
