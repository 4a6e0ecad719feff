"""The vault called in-process with a fixed caller, with the same methods as :class:`EDocumentsClient`: how the
fund's services reach eDocuments when both run in one platform process (same rights, same audit)."""

from __future__ import annotations

from datetime import date

from tierspayant.core.signing import KeySet
from tierspayant.schemes.lu_doctors.edocuments.model import Actor, DocumentView, Status
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault


class LocalVault:
    def __init__(self, vault: EDocumentsVault, actor: Actor) -> None:
        self.vault = vault
        self.actor = actor

    def key_set(self) -> KeySet:
        return self.vault.key_set()

    def documents(
        self, doctor: str | None = None, matricule: str | None = None, status: Status | None = None
    ) -> list[DocumentView]:
        return self.vault.documents(self.actor, doctor, matricule, status)

    def document(self, receipt: str) -> DocumentView:
        return self.vault.document(self.actor, receipt)

    def submit(self, receipt: str, channel: str) -> DocumentView:
        return self.vault.submit(self.actor, receipt, channel)

    def decide(self, receipt: str, status: Status, reason: str | None = None) -> DocumentView:
        return self.vault.decide(self.actor, receipt, status, reason)

    def match(self, doctor: str, number: str) -> DocumentView:
        return self.vault.current(self.actor, doctor, number)

    def counts(self, start: date, end: date) -> dict[str, int]:
        return self.vault.deposit_counts(self.actor, start, end)
