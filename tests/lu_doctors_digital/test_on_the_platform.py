"""The platform as ``make run`` starts it (demo on): the eDocuments vault answers under /edocuments (its public key
set, the patient's pages with the demo fee note, its refusals), beside the doctors' device pages."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tierspayant.platform.launch import launched
from tierspayant.platform.settings import load_settings


@pytest.mark.slow
def test_vault_on_the_running_platform(tmp_path: Path) -> None:
    settings = load_settings(environ={}, var_dir=tmp_path / "var", http_port=0, sftp_port=0, demo=True)
    with launched(settings) as (launch, addresses):
        tokens = json.loads((tmp_path / "var" / "edocuments" / "tokens.json").read_text())
        patient = next(token for token, entry in tokens.items() if entry["role"] == "patient")
        with httpx.Client(base_url=addresses.base_url, timeout=30) as http:
            assert http.get("/edocuments/keys").json()["format"] == "tierspayant-keyset/1"
            documents = http.get("/edocuments/documents", headers={"Authorization": f"Bearer {patient}"}).json()
            assert [d["fee_note_number"] for d in documents] == ["DEMO-1"]
            assert http.get("/edocuments/documents").status_code == 401
            http.post("/edocuments/my/login", data={"token": patient})
            page = http.get("/edocuments/my/documents?lang=de")
            assert page.status_code == 200 and "Meine Dokumente" in page.text and "DEMO-1" in page.text
        assert any("eDocuments" in line for line in launch.scheme("lu_doctors").demo_lines)
