"""The demo nurse of ``make run``: a nursing group's account with its mailbox, a mutuality agent, and the packaged
example month of visits (``examples/visits_202403.yaml``) written as a ready 920000, which the packaged SAMPLE REFAC
accepts (920900) with a few realistic rejections, and the command that sends it.

The people and numbers are the SAMPLE reference's (not real people): patients known at mutuality 319, whose PUC 319
serves the demo group.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from tierspayant.platform.accounts import Role
from tierspayant.platform.context import PlatformContext
from tierspayant.schemes.be_nursing.examples import EXAMPLES_DIR
from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.formats.models import SendingModel
from tierspayant.schemes.be_nursing.formats.naming import sending_name
from tierspayant.schemes.be_nursing.nurse.billing import build_sending
from tierspayant.schemes.be_nursing.nurse.visits import load_book

VISIT_BOOK = EXAMPLES_DIR / "visits_202403.yaml"  # the packaged example: the demo sends exactly that month
GROUP = "30012345001"  # the nursing group's third-party number (INAMI), zone 14 of record 10 — the book's
PERIOD = 202403
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


def demo_sending(sending_number: int = 1, creation_date: date = date(2024, 4, 1)) -> SendingModel:
    """The example month of visits (``examples/visits_202403.yaml``) as the nurse's ledger first invoices it: visit
    references V00000001… in the book's order. The SAMPLE REFAC accepts it with a few realistic rejections."""
    book = load_book(VISIT_BOOK)
    patients = {p.niss: p for p in book.patients}
    visits = [(f"V{n:08d}", visit) for n, visit in enumerate(book.visits, start=1)]
    return build_sending(book.group, patients, visits, PERIOD, sending_number, creation_date)


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
