"""The demo nurse of ``make run``: a nursing group's account with its mailbox, a mutuality agent, and a month of
visits written as a ready 920000 (which the packaged SAMPLE REFAC accepts) with the command that sends it.

The people and numbers are the SAMPLE reference's (not real people): patients known at mutuality 319.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tierspayant.platform.accounts import Role
from tierspayant.platform.context import PlatformContext
from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.formats.models import EidReading, Invoice, SendingModel, ServiceLine
from tierspayant.schemes.be_nursing.formats.naming import sending_name

GROUP = "30012345001"  # the nursing group's third-party number (INAMI), zone 14 of record 10
NURSE = "10000000001"
MUTUALITY = 319
PATIENTS = ("85010100115", "85010100214")  # known at mutuality 319 in the SAMPLE reference, no care path
FIRST_VISIT, INJECTION = 425014, 424255
PERIOD = 202503
CREDENTIALS_FILE = "demo-credentials-be.json"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    who: str


@dataclass(frozen=True)
class NurseDemo:
    accounts: list[DemoAccount]
    sending: Path

    def lines(self) -> list[str]:
        lines = [f"  {a.username:<12} {a.password:<22} {a.who}" for a in self.accounts]
        lines.append(f"  a month of visits to send (920000): {self.sending}")
        lines.append(f"    sftp -P <port> infirmiere@127.0.0.1, then: put {self.sending} in/")
        return lines


def demo_sending(sending_number: int = 1, first_day: date = date(2025, 3, 3)) -> SendingModel:
    """Two patients visited on ten days each: a first visit and an injection a day, each read with the eID."""
    invoices = []
    for number, niss in enumerate(PATIENTS, start=1):
        lines = []
        for offset in range(10):
            day = first_day + timedelta(days=offset)
            reading = EidReading(reading_date=day, reading_time=830)
            for code, amount in ((FIRST_VISIT, "20.00"), (INJECTION, "10.00")):
                lines.append(
                    ServiceLine(
                        nomenclature_code=code,
                        service_date=day,
                        care_provider=NURSE,
                        insurance_amount=Decimal(amount),
                        eid=reading,
                    )
                )
        invoices.append(
            Invoice(
                niss=niss,
                sex=1,
                affiliation_mutuality=MUTUALITY,
                destination_mutuality=MUTUALITY,
                invoice_number=number,
                ct1_ct2=110110,
                lines=lines,
            )
        )
    return SendingModel(
        message_type=92,
        provider_reference="DEMO-2025-03",
        invoiced_period=PERIOD,
        sending_number=sending_number,
        creation_date=date(2025, 4, 1),
        invoice_reference="DEMO-202503",
        third_party_number=GROUP,
        iban="BE68539007547034",
        bic="BBRUBEBB",
        invoices=invoices,
    )


def ensure_nurse_demo(context: PlatformContext) -> NurseDemo:
    """Create the demo nurse on first start; afterwards read back what was created."""
    var_dir = context.settings.var_dir
    credentials = var_dir / CREDENTIALS_FILE
    sending = var_dir / "demo" / sending_name(GROUP, PERIOD, 1)
    if not credentials.exists() and context.accounts.principal("infirmiere") is None:
        accounts = [
            DemoAccount("infirmiere", secrets.token_urlsafe(12), f"nursing group {GROUP}: sends 920000, gets replies"),
            DemoAccount("mutualite", secrets.token_urlsafe(12), "mutuality agent (REFAC): intake, findings, payments"),
        ]
        context.create_provider("infirmiere", accounts[0].password, "Groupe de soins infirmiers Démo", GROUP)
        context.accounts.set_kind("infirmiere", "be_nursing.nursing_group")
        context.accounts.create_account("mutualite", accounts[1].password, Role.FUND_AGENT, "Agent mutualité 319")
        context.accounts.set_kind("mutualite", "be_nursing.mutuality_agent")
        descriptor = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump([asdict(a) for a in accounts], handle, indent=2)
    if not sending.exists():
        sending.parent.mkdir(parents=True, exist_ok=True)
        write_920000(demo_sending(), sending)
    stored = json.loads(credentials.read_text(encoding="utf-8")) if credentials.exists() else []
    return NurseDemo([DemoAccount(**a) for a in stored], sending.resolve())
