"""The nurse's month through the pages, without a browser but with the real platform: the demo group logs in,
consults a patient's insurability (801000 → 801900 by the mutuality's engine behind the mailbox), records visits in
the calendar (audited), sends the month after a confirmation, collects the 920900, corrects the rejected line, sends
again and is accepted; the mutuality agent reads the payments in reception order and the payment letter with its M38
regularisation; the pages speak French and Dutch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tierspayant.platform.launch import Launch, assemble
from tierspayant.platform.settings import load_settings
from tierspayant.platform.worker import MailboxWorker
from tierspayant.schemes.be_nursing.platform.runtime import NursingRuntime

GROUP = "30012345001"
PATIENT = "85010100214"  # a demo patient (member of mutuality 319), no stored insurability answer
NURSE, OTHER_NURSE = "10234567001", "10234568002"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    settings = load_settings(environ={}, var_dir=tmp_path / "var", http_port=0, sftp_port=0, demo=True)
    assembled = assemble(settings)
    yield assembled
    assembled.close()


def runtime(launch: Launch) -> NursingRuntime:
    found = launch.scheme("be_nursing")
    assert isinstance(found, NursingRuntime) and found.demo is not None and found.nurse is not None
    return found


def login(launch: Launch, username: str, language: str = "fr") -> TestClient:
    client = TestClient(launch.app, follow_redirects=False)
    client.cookies.set("tierspayant_lang", language)
    password = next(a.password for a in runtime(launch).demo.accounts if a.username == username)  # type: ignore[union-attr]
    page = client.get("/login")
    response = client.post("/login", data={"csrf": csrf(page.text), "username": username, "password": password})
    assert response.status_code == 303, response.text
    return client


def csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def post(client: TestClient, page: str, action: str, data: dict[str, str]) -> str:
    token = csrf(client.get(page).text)
    response = client.post(action, data={"csrf": token, **data})
    assert response.status_code == 303, response.text
    return str(client.get(page).text)


def process(launch: Launch) -> None:
    MailboxWorker(launch.context, launch.dispatcher).run_once()


def visit(client: TestClient, day: str, time: str, nurse: str, code: str, amount: str) -> None:
    post(client, "/nurse/visits?month=2025-03", "/nurse/visits",
         {"niss": PATIENT, "day": day, "time": time, "nurse": nurse, "code": code, "amount": amount})


def test_a_nurses_month_and_the_mutualitys_payment_pages(launch: Launch) -> None:
    client = login(launch, "infirmiere")
    # 1. insurability: 801000 deposited, answered by the mutuality's engine, collected onto the patient
    post(client, "/nurse", "/nurse/insurability", {"niss": PATIENT, "day": "2025-03-03"})
    process(launch)
    page = post(client, "/nurse", "/nurse/collect", {})
    row = re.search(rf'<tr id="patient-{PATIENT}">.*?</tr>', page, re.S)
    assert row is not None and "2025-03-03 → 2025-04-01" in row.group(0)  # the commitment, valid 30 days

    # 2. visits in the calendar: a first visit + hygiene on 20 days, and an evening first visit billed twice
    for day in range(3, 23):
        visit(client, f"2025-03-{day:02d}", "09:00", NURSE, "425014", "18.51")
        visit(client, f"2025-03-{day:02d}", "09:05", NURSE, "425110", "10.23")
    visit(client, "2025-03-10", "19:00", OTHER_NURSE, "425014", "18.51")
    calendar = client.get("/nurse/visits?month=2025-03").text
    assert calendar.count('class="visit status-pending"') == 41
    audited = [e for e in launch.context.audit.entries() if e.action == "visit_recorded"]
    assert len(audited) == 41

    # 3. the monthly sending, only after the confirmation
    refused = post(client, "/nurse/sending", "/nurse/sending", {"period": "202503"})
    assert "41" in refused and not runtime(launch).nurse.ledger.sending_rows()  # type: ignore[union-attr]
    post(client, "/nurse/sending", "/nurse/sending", {"period": "202503", "confirm": "yes"})
    process(launch)
    replies = post(client, "/nurse/replies", "/nurse/collect", {})
    assert "502255" in replies and "facturee par 10234567001" in replies  # code, comment of zone 149
    assert "Nombre d&#39;unités maximum" in replies or "Nombre d'unités maximum" in replies  # the French label

    # 4. the queue: the evening line to correct, the day's other lines come back by themselves
    queue = client.get("/nurse/corrections").text
    (reference,) = re.findall(r'<tr id="correct-(V\d+)">', queue)
    assert "500118" in queue
    post(client, "/nurse/corrections", f"/nurse/visits/{reference}/correct", {"code": "425036"})
    assert any(e.action == "visit_corrected" for e in launch.context.audit.entries())

    # 5. the next sending is accepted whole
    post(client, "/nurse/sending", "/nurse/sending", {"period": "202503", "confirm": "yes"})
    process(launch)
    post(client, "/nurse/replies", "/nurse/collect", {})
    statuses = [s.status for s in runtime(launch).nurse.ledger.sending_rows()]  # type: ignore[union-attr]
    assert statuses == ["settled", "settled"]
    second = client.get("/nurse/replies?sending=2").text
    assert second.count('class="status-accepted"') == 3 and "502255" not in second
    reconciliation = client.get("/nurse/reconciliation").text
    assert "2025-03" in reconciliation and "<svg" in reconciliation
    assert client.get("/nurse/reconciliation.csv").text.startswith("scope,key,billed,accepted,rejected,paid")

    # 6. Dutch
    dutch = login(launch, "infirmiere", "nl").get("/nurse/corrections").text
    assert "Wat te verbeteren" in dutch

    # 7. the mutuality: payments in reception order, the payment letter with an M38 regularisation
    refac = runtime(launch).refac
    assert refac is not None
    refac.service.registry.add_regularisation(GROUP, 500, "M38: 425014 du 04/03 payee deux fois", datetime(2025, 1, 1))
    agent = login(launch, "mutualite")
    payments = agent.get("/mutuality/payments").text
    ranks = re.findall(r'<tr id="payment-(\d+)"><td>(\d+)</td>', payments)
    assert [rank for _, rank in ranks] == ["1", "2"]
    letter = agent.get(f"/mutuality/payments/{ranks[0][0]}").text
    assert "Lettre de paiement" in letter and "Aucune" in letter  # compensated on the next accepted sending only
    assert date.today().year > 2000 and agent.get("/mutuality/rules").status_code == 200
    assert "801000" in agent.get("/mutuality/messages").text


def test_the_nurse_pages_are_the_groups_only(launch: Launch) -> None:
    agent = login(launch, "mutualite")
    assert agent.get("/nurse").status_code == 403
    nurse = login(launch, "infirmiere")
    assert nurse.get("/mutuality/payments").status_code in (303, 403)
