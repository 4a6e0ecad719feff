"""The digital parts started as the platform starts them: the vault's own database, API and pages mounted under
/edocuments in one application, demo tokens and a demo fee note; a second start reuses them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tierspayant.platform.schemes import SchemeHost
from tierspayant.platform.settings import Settings
from tierspayant.schemes.lu_doctors.digital.reader import qr_texts_from_pdf
from tierspayant.schemes.lu_doctors.platform.digital import DEMO_PATIENT, start_digital


def test_start_digital_mounts_the_vault(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    host = SchemeHost(settings, cast(Any, None))  # the digital parts need the settings only
    parts = start_digital(host)
    app = FastAPI()
    for router in parts.routers:
        app.include_router(router)
    tokens = json.loads((tmp_path / "var" / "edocuments" / "tokens.json").read_text())
    by_role = {entry["role"]: token for token, entry in tokens.items()}
    with TestClient(app) as http:
        assert http.get("/edocuments/keys").json()["keys"][0]["issuer"] == "10234567"
        auth = {"Authorization": f"Bearer {by_role['patient']}"}
        [document] = http.get("/edocuments/documents", headers=auth).json()
        assert (document["patient_matricule"], document["status"]) == (DEMO_PATIENT, "available")
        pdf = http.get(f"/edocuments/documents/{document['receipt']}/pdf", headers=auth).content
        assert qr_texts_from_pdf(pdf)[0].startswith("LUFN1:")
        refused = http.get("/edocuments/documents", headers={"Authorization": f"Bearer {by_role['fund']}"})
        assert refused.status_code == 422 and refused.json()["findings"][0]["code"] == "EDOC-SCOPE"
        login = http.post("/edocuments/my/login", data={"token": by_role["patient"]}, follow_redirects=True)
        assert "Mes documents" in login.text and "DEMO-1" in login.text
    parts.close()
    again = start_digital(host)  # a restart: same tokens, the demo note not deposited twice
    assert len(again.vault.documents(next(a for a in again.tokens.values() if a.role.value == "doctor"))) == 1
    again.close()
