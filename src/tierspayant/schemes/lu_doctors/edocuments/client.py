"""The eDocuments API as the doctor's software, the patient's app and the fund call it (httpx)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tierspayant.core.findings import Finding
from tierspayant.core.signing import KeySet, PublishedKey
from tierspayant.schemes.lu_doctors.edocuments.model import Deposit, DocumentView, Receipt, Status
from tierspayant.schemes.lu_doctors.edocuments.vault import VaultError


class EDocumentsClient:
    """One caller's connection: ``http`` has the vault's base URL; ``token`` says who calls."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, "Content-Type": "application/json"} if "content" in kwargs else self.headers
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code < 400:
            return response
        try:
            first = response.json()["findings"][0]
            finding = Finding(**{k: v for k, v in first.items() if k != "effect"})
        except (ValueError, KeyError, IndexError, TypeError):
            finding = Finding("EDOC-HTTP", f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        raise VaultError(finding.code, finding.message, response.status_code)

    def key_set(self) -> KeySet:
        return KeySet.from_json(self._call("GET", "/keys").text)

    def publish_key(self, key: PublishedKey) -> None:
        self._call("POST", "/keys", json=key.to_json())

    def deposit(self, deposit: Deposit) -> Receipt:
        return Receipt.model_validate_json(self._call("POST", "/documents", content=deposit.model_dump_json()).content)

    def replace(self, receipt: str, deposit: Deposit) -> Receipt:
        response = self._call("POST", f"/documents/{receipt}/replace", content=deposit.model_dump_json())
        return Receipt.model_validate_json(response.content)

    def mark_paid(self, receipt: str, paid_on: date) -> DocumentView:
        response = self._call("POST", f"/documents/{receipt}/paid", json={"paid_on": paid_on.isoformat()})
        return DocumentView.model_validate_json(response.content)

    def documents(
        self, doctor: str | None = None, matricule: str | None = None, status: Status | None = None
    ) -> list[DocumentView]:
        pairs = (("doctor", doctor), ("matricule", matricule), ("status", status.value if status else None))
        params = {k: v for k, v in pairs if v}
        return [DocumentView.model_validate(item) for item in self._call("GET", "/documents", params=params).json()]

    def document(self, receipt: str) -> DocumentView:
        return DocumentView.model_validate_json(self._call("GET", f"/documents/{receipt}").content)

    def pdf(self, receipt: str) -> bytes:
        return self._call("GET", f"/documents/{receipt}/pdf").content

    def submit(self, receipt: str, channel: str) -> DocumentView:
        response = self._call("POST", f"/documents/{receipt}/submit", json={"channel": channel})
        return DocumentView.model_validate_json(response.content)

    def decide(self, receipt: str, status: Status, reason: str | None = None) -> DocumentView:
        body = {"status": status.value, "reason": reason}
        return DocumentView.model_validate_json(self._call("POST", f"/documents/{receipt}/decision", json=body).content)

    def match(self, doctor: str, number: str) -> DocumentView:
        response = self._call("GET", "/match", params={"doctor": doctor, "number": number})
        return DocumentView.model_validate_json(response.content)

    def counts(self, start: date, end: date) -> dict[str, int]:
        params = {"start": start.isoformat(), "end": end.isoformat()}
        return {str(k): int(v) for k, v in self._call("GET", "/counts", params=params).json().items()}
