"""Demo data created on the first start: a joint-invoicing physiotherapy practice with its physiotherapists and
patients, its mailbox and SFTP key, an assistant who prepares but may not send, a fund agent and an administrator.

Passwords are random, generated once and kept (mode 0600) in ``var/demo-credentials.json`` so every start can
print them. The people and codes are the SAMPLE registries the fund engine loads (not real people).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Right, Role
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.practice_link import create_client_key
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.platform.sample_scan import sample_prescription_scan
from tierspayant.schemes.lu_kin.practice.domain import Fund, InvoicingForm
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

PRACTICE_CODE = "70012345"  # the group's facturier code in the fund's SAMPLE registry
PHYSIOTHERAPISTS = (("70023456", "Julie Exemple"), ("70056789", "Lena Beispiel"))
MEMBERS_SINCE = date(2020, 1, 1)
# The group's members as the fund knows them: the SAMPLE registry's (Paul Muster left in 2024), plus Lena.
FUND_MEMBERS = (("70023456", MEMBERS_SINCE, None), ("70034567", MEMBERS_SINCE, date(2024, 3, 15)),
                ("70056789", date(2025, 1, 1), None))  # fmt: skip
PATIENTS = (
    PatientRecord(
        "1956031401288", "Weber", "Marie", date(1956, 3, 14), Fund.CNS, True, "12 rue du Parc", "1234", "Luxembourg"
    ),
    PatientRecord(
        "1990093012358", "Schmit", "Tom", date(1990, 9, 30), Fund.CNS, True, "3 route d'Arlon", "8009", "Strassen"
    ),
)
# In the fund's registry but not yet a patient: the newcomer adds this one in the walk-through.
PATIENT_TO_ADD = PatientRecord("1979122003208", "Muller", "Anne", date(1979, 12, 20), Fund.CMFEP)
CREDENTIALS_FILE = "demo-credentials.json"
PRACTICE_LINK_FILE = "practice-mailbox.json"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    who: str


@dataclass(frozen=True)
class Demo:
    accounts: list[DemoAccount]
    sample_scan: Path
    patient_to_add: str

    def lines(self) -> list[str]:
        lines = [f"  {a.username:<12} {a.password:<22} {a.who}" for a in self.accounts]
        lines.append(f"  sample prescription scan to upload: {self.sample_scan}")
        lines.append(
            f"  a patient to add (in the fund's registry): matricule {self.patient_to_add}, "
            f"{PATIENT_TO_ADD.last_name} {PATIENT_TO_ADD.first_name}, born {PATIENT_TO_ADD.birth_date}, "
            f"{PATIENT_TO_ADD.fund.value}"
        )
        return lines


@dataclass(frozen=True)
class PracticeLinkConfig:
    """Which mailbox account and key the practice's software uses (host and port come from the settings)."""

    username: str
    client_key: str


def practice_link_config(var_dir: Path) -> PracticeLinkConfig | None:
    path = var_dir / "keys" / PRACTICE_LINK_FILE
    if not path.exists():
        return None
    return PracticeLinkConfig(**json.loads(path.read_text(encoding="utf-8")))


def link_practice(context: PlatformContext, username: str) -> PracticeLinkConfig:
    """Give the practice's software its own SFTP key on ``username``'s mailbox account."""
    key_path = context.settings.keys_dir / f"practice_{username}"
    public = create_client_key(key_path)
    context.accounts.add_public_key(username, public)
    config = PracticeLinkConfig(username=username, client_key=str(key_path.resolve()))
    (context.settings.keys_dir / PRACTICE_LINK_FILE).write_text(json.dumps(asdict(config)), encoding="utf-8")
    return config


def ensure_demo(context: PlatformContext, practice: PracticeService, fund: FundService | None = None) -> Demo:
    """Create the demo on first start (no account yet); afterwards just read back what was created."""
    var_dir = context.settings.var_dir
    credentials = var_dir / CREDENTIALS_FILE
    scan = var_dir / "demo" / "sample-prescription.pdf"
    if not context.accounts.list_accounts():
        accounts = _create(context, practice)
        if fund is not None:
            fund.add_provider("70056789", "Lena Beispiel (masseur-kinésithérapeute)", "physiotherapist")
            fund.add_provider(PRACTICE_CODE, "Cabinet de kinésithérapie Sample (facturier)", "group", FUND_MEMBERS)
        descriptor = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump([asdict(a) for a in accounts], handle, indent=2)
        scan.parent.mkdir(parents=True, exist_ok=True)
        scan.write_bytes(sample_prescription_scan())
    stored = json.loads(credentials.read_text(encoding="utf-8")) if credentials.exists() else []
    return Demo([DemoAccount(**a) for a in stored], scan.resolve(), PATIENT_TO_ADD.matricule)


def _create(context: PlatformContext, practice: PracticeService) -> list[DemoAccount]:
    def password() -> str:
        return secrets.token_urlsafe(12)

    accounts = [
        DemoAccount("cabinet", password(), f"provider {PRACTICE_CODE}: the practice (sends and receives files)"),
        DemoAccount("secretariat", password(), "assistant of the practice: prepares, may not send"),
        DemoAccount("agent", password(), "fund agent (CNS): incoming files, anomalies, payments"),
        DemoAccount("admin", password(), "administrator: accounts and the audit log"),
    ]
    by_name = {a.username: a for a in accounts}
    context.create_provider("cabinet", by_name["cabinet"].password, "Cabinet de kinésithérapie Sample", PRACTICE_CODE)
    context.accounts.create_account(
        "secretariat", by_name["secretariat"].password, Role.ASSISTANT, "Secrétariat du cabinet"
    )
    context.accounts.delegate("secretariat", PRACTICE_CODE, {Right.READ, Right.PREPARE})
    context.accounts.set_kind("cabinet", "lu_kin.group")
    context.accounts.create_account("agent", by_name["agent"].password, Role.FUND_AGENT, "Agent CNS")
    context.accounts.set_kind("agent", "lu_kin.fund_agent")
    context.accounts.create_account("admin", by_name["admin"].password, Role.ADMINISTRATOR, "Administrator")
    link_practice(context, "cabinet")
    try:
        practice.practice()
    except FindingsError:
        practice.setup_practice(
            PracticeInfo(
                name="Cabinet de kinésithérapie Sample",
                street="1 place de la Gare",
                postal_code="1616",
                city="Luxembourg",
                invoicing_form=InvoicingForm.GROUP,
                facturier_code=PRACTICE_CODE,
                opened_on=MEMBERS_SINCE,
            )
        )
        for code, name in PHYSIOTHERAPISTS:
            practice.add_physiotherapist(code, name)
        for code, joined, left in FUND_MEMBERS:
            if code in dict(PHYSIOTHERAPISTS):
                practice.add_member(code, joined, left)
        for patient in PATIENTS:
            practice.add_patient(patient, update=True)
    return accounts
