"""The doctors' demo of ``make run``: an association of two gynaecologists sharing one ultrasound scanner (Dr Anne
Gyné declares it, Dr Paul Écho uses it with the identifier), two patients, and a CNS agent for the register.
Everything is fictitious; the tariffs are the SAMPLE reference's."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass

from tierspayant.platform.accounts import Role
from tierspayant.platform.context import PlatformContext
from tierspayant.schemes.lu_doctors.examples import ASSOCIATION, COLLEAGUE, GYNAECOLOGIST, patient
from tierspayant.schemes.lu_doctors.practice.service import DoctorsPractice

CREDENTIALS_FILE = "demo-credentials-lu-doctors.json"
PATIENTS = ((patient(1), "Marie Exemple", "CNS"), (patient(2), "Léa Muster", "CMFEP"))


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    who: str


@dataclass(frozen=True)
class DoctorsDemo:
    accounts: list[DemoAccount]

    def lines(self) -> list[str]:
        lines = [f"  {a.username:<12} {a.password:<22} {a.who}" for a in self.accounts]
        lines.append("  doctors: /doctors/devices — declare the shared scanner, bill, send the month, see what is left")
        lines.append("  CNS agent: /doctors/register — the register; incoming files and payments on /fund")
        return lines


def ensure_doctors_demo(context: PlatformContext, practice: DoctorsPractice) -> DoctorsDemo:
    """Create the demo on first start; afterwards read back what was created."""
    credentials = context.settings.var_dir / CREDENTIALS_FILE
    if not credentials.exists() and context.accounts.principal("gyneco") is None:
        accounts = [
            DemoAccount("gyneco", secrets.token_urlsafe(12), f"Dr Anne Gyné {GYNAECOLOGIST}: declares the scanner"),
            DemoAccount("echo", secrets.token_urlsafe(12), f"Dr Paul Écho {COLLEAGUE}: uses it too"),
            DemoAccount("cns-appareils", secrets.token_urlsafe(12), "CNS agent: device register, intake, payments"),
        ]
        context.create_provider("gyneco", accounts[0].password, "Dr Anne Gyné", GYNAECOLOGIST)
        context.accounts.set_kind("gyneco", "lu_doctors.doctor")
        context.create_provider("echo", accounts[1].password, "Dr Paul Écho", COLLEAGUE)
        context.accounts.set_kind("echo", "lu_doctors.doctor")
        context.accounts.create_account("cns-appareils", accounts[2].password, Role.FUND_AGENT, "CNS — appareils")
        context.accounts.set_kind("cns-appareils", "lu_doctors.cns_agent")
        descriptor = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump([asdict(a) for a in accounts], handle, indent=2)
    if practice.doctor(GYNAECOLOGIST) is None:
        practice.add_doctor(GYNAECOLOGIST, "Dr Anne Gyné", "GYN")
        practice.add_doctor(COLLEAGUE, "Dr Paul Écho", "GYN")
        from datetime import date

        practice.add_association(ASSOCIATION, "Cabinet de gynécologie Démo",
                                 [(GYNAECOLOGIST, date(2024, 1, 1)), (COLLEAGUE, date(2024, 1, 1))])  # fmt: skip
        for matricule, name, fund in PATIENTS:
            practice.add_patient(matricule, name, fund)
    stored = json.loads(credentials.read_text(encoding="utf-8")) if credentials.exists() else []
    return DoctorsDemo([DemoAccount(**a) for a in stored])
