"""Every read that shows a deposit (or a fund's view of deposits and payments) leaves an audit entry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tierspayant.platform.app import create_app
from tierspayant.platform.audit import Channel

from .conftest import CODE_A, PASSWORD_A, World


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.context)) as test_client:
        yield test_client


def _token(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_reading_deposits_through_the_api_is_audited(client: TestClient, world: World) -> None:
    alpha = world.context.accounts.principal("alpha")
    assert alpha is not None
    deposit_id = world.context.deposit_bytes(alpha, CODE_A, "ONE.xml", b"<x/>", Channel.API)
    headers = _token(client, "alpha", PASSWORD_A)

    assert client.get("/api/v1/deposits", headers=headers).status_code == 200
    assert client.get(f"/api/v1/deposits/{deposit_id}", headers=headers).status_code == 200
    assert client.get("/api/v1/deposits/999999", headers=headers).status_code == 404  # nothing shown, nothing read

    views = [e for e in world.context.audit.entries(actor="alpha") if e.action == "view"]
    assert [(e.channel, e.subject) for e in views] == [
        ("api", f"deposit {deposit_id} mailbox {CODE_A}"),
        ("api", f"deposits of mailboxes {CODE_A}"),
    ]
    assert views[1].detail == str(deposit_id)  # which deposits were shown


def test_the_fund_intake_and_payments_reads_are_audited(client: TestClient, world: World) -> None:
    headers = _token(client, "agent", "agent-secret-5")
    assert client.get("/api/v1/fund/intake", headers=headers).status_code == 200
    assert client.get("/api/v1/fund/payments", headers=headers).status_code == 200
    subjects = {e.subject for e in world.context.audit.entries(actor="agent") if e.action == "view"}
    assert subjects == {"fund intake all", "fund payments due"}
