"""Authorisation of every API endpoint, for every role: a provider never sees another provider's data."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tierspayant.platform.app import create_app
from tierspayant.platform.audit import Channel
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.sftp.mailbox import Area

from .conftest import CODE_A, CODE_B, make_settings, populate

ACTORS = ("anonymous", "alpha", "bravo", "assist", "sender", "agent", "admin")
_names = itertools.count(1)


@dataclass
class Api:
    client: TestClient
    context: PlatformContext
    tokens: dict[str, str]
    deposit_a: int

    def call(self, actor: str, method: str, path: str, **kwargs: object) -> int:
        headers = {} if actor == "anonymous" else {"Authorization": f"Bearer {self.tokens[actor]}"}
        return self.client.request(method, path, headers=headers, **kwargs).status_code  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp: Path = tmp_path_factory.mktemp("api")
    context = PlatformContext.open(make_settings(tmp / "var"))
    populate(context, tmp)
    tokens = {name: context.accounts.issue_token(name, "test") for name in ACTORS if name != "anonymous"}
    alpha = context.accounts.principal("alpha")
    assert alpha is not None
    deposit_a = context.deposit_bytes(alpha, CODE_A, "SEED.xml", b"<seed/>", Channel.API)
    with TestClient(create_app(context)) as client:
        yield Api(client, context, tokens, deposit_a)
    context.close()


def put_out(api: Api, code: str) -> str:
    name = f"RET{next(_names)}.xml"
    (api.context.mailboxes.get(code).folder(Area.OUT) / name).write_bytes(b"<RETAUT/>")
    return name


def unique(prefix: str = "DEP") -> str:
    return f"{prefix}{next(_names)}.xml"


# expected status per actor, in ACTORS order
def row(*codes: int) -> dict[str, int]:
    return dict(zip(ACTORS, codes, strict=True))


PROVIDER_READ = row(401, 200, 403, 200, 200, 403, 403)
PROVIDER_SEND_CREATE = row(401, 201, 403, 403, 201, 403, 403)
PROVIDER_SEND_DELETE = row(401, 204, 403, 403, 204, 403, 403)
FUND_ONLY = row(401, 403, 403, 403, 403, 200, 403)
ADMIN_ONLY = row(401, 403, 403, 403, 403, 403, 200)
ANY_LOGGED_IN = row(401, 200, 200, 200, 200, 200, 200)


@pytest.mark.parametrize("actor", ACTORS)
def test_list_files_of_a(api: Api, actor: str) -> None:
    assert api.call(actor, "GET", f"/api/v1/mailboxes/{CODE_A}/out") == PROVIDER_READ[actor]
    assert api.call(actor, "GET", f"/api/v1/mailboxes/{CODE_A}/in") == PROVIDER_READ[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_fetch_file_of_a(api: Api, actor: str) -> None:
    name = put_out(api, CODE_A)
    assert api.call(actor, "GET", f"/api/v1/mailboxes/{CODE_A}/out/{name}") == PROVIDER_READ[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_deposit_in_a(api: Api, actor: str) -> None:
    status = api.call(actor, "PUT", f"/api/v1/mailboxes/{CODE_A}/in/{unique()}", content=b"<DEMAUT/>")
    assert status == PROVIDER_SEND_CREATE[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_remove_collected_file_of_a(api: Api, actor: str) -> None:
    name = put_out(api, CODE_A)
    assert api.call(actor, "DELETE", f"/api/v1/mailboxes/{CODE_A}/out/{name}") == PROVIDER_SEND_DELETE[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_deposit_status_of_a(api: Api, actor: str) -> None:
    expected = row(401, 200, 404, 200, 200, 200, 404)[actor]
    assert api.call(actor, "GET", f"/api/v1/deposits/{api.deposit_a}") == expected


@pytest.mark.parametrize("actor", ACTORS)
def test_deposits_of_a_by_mailbox(api: Api, actor: str) -> None:
    assert api.call(actor, "GET", "/api/v1/deposits", params={"mailbox": CODE_A}) == PROVIDER_READ[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_me_and_my_lists(api: Api, actor: str) -> None:
    for path in ("/api/v1/me", "/api/v1/mailboxes", "/api/v1/deposits"):
        assert api.call(actor, "GET", path) == ANY_LOGGED_IN[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_fund_endpoints(api: Api, actor: str) -> None:
    for path in ("/api/v1/fund/intake", f"/api/v1/fund/deposits/{api.deposit_a}", "/api/v1/fund/payments"):
        assert api.call(actor, "GET", path) == FUND_ONLY[actor], path


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_endpoints(api: Api, actor: str) -> None:
    assert api.call(actor, "GET", "/api/v1/admin/audit") == ADMIN_ONLY[actor]
    assert api.call(actor, "GET", "/api/v1/admin/accounts") == ADMIN_ONLY[actor]
    username = f"new{next(_names)}"
    body = {"username": username, "password": "long-enough-1", "role": "fund_agent", "display_name": "New"}
    assert api.call(actor, "POST", "/api/v1/admin/accounts", json=body) == row(401, 403, 403, 403, 403, 403, 201)[actor]
    key = {"openssh": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test"}
    assert (
        api.call(actor, "POST", "/api/v1/admin/accounts/alpha/keys", json=key)
        == row(401, 403, 403, 403, 403, 403, 201)[actor]
    )
    delegation = {"rights": ["read"]}
    assert (
        api.call(actor, "PUT", f"/api/v1/admin/accounts/assist/delegations/{CODE_B}", json=delegation)
        == row(401, 403, 403, 403, 403, 403, 204)[actor]
    )
    api.context.accounts.delegate("assist", CODE_B, set())  # undo: the other tests expect no rights on B


def test_every_endpoint_is_covered(api: Api) -> None:
    """A new endpoint must be added to the matrix above (this list) before it can ship."""
    covered = {
        ("GET", "/api/v1/health"),
        ("POST", "/api/v1/tokens"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/mailboxes"),
        ("GET", "/api/v1/mailboxes/{provider_code}/{area}"),
        ("GET", "/api/v1/mailboxes/{provider_code}/{area}/{name}"),
        ("PUT", "/api/v1/mailboxes/{provider_code}/in/{name}"),
        ("DELETE", "/api/v1/mailboxes/{provider_code}/out/{name}"),
        ("GET", "/api/v1/deposits"),
        ("GET", "/api/v1/deposits/{deposit_id}"),
        ("GET", "/api/v1/fund/intake"),
        ("GET", "/api/v1/fund/deposits/{deposit_id}"),
        ("GET", "/api/v1/fund/payments"),
        ("GET", "/api/v1/admin/audit"),
        ("GET", "/api/v1/admin/accounts"),
        ("POST", "/api/v1/admin/accounts"),
        ("POST", "/api/v1/admin/accounts/{username}/keys"),
        ("PUT", "/api/v1/admin/accounts/{username}/delegations/{provider_code}"),
    }
    schema = api.client.get("/api/openapi.json").json()
    routes = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert routes == covered


# -- what each one sees -----------------------------------------------------------------------------------------


def test_lists_show_only_own_data(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['bravo']}"}
    bravo = api.context.accounts.principal("bravo")
    assert bravo is not None
    bravo_deposit = api.context.deposit_bytes(bravo, CODE_B, unique("BRAVO"), b"<x/>", Channel.API)
    mailboxes = api.client.get("/api/v1/mailboxes", headers=headers).json()
    assert [m["provider_code"] for m in mailboxes] == [CODE_B]
    deposits = api.client.get("/api/v1/deposits", headers=headers).json()
    assert {d["mailbox"] for d in deposits} == {CODE_B}
    assert bravo_deposit in {d["id"] for d in deposits}
    alpha = api.client.get("/api/v1/deposits", headers={"Authorization": f"Bearer {api.tokens['alpha']}"}).json()
    assert bravo_deposit not in {d["id"] for d in alpha}
    assert {d["mailbox"] for d in alpha} == {CODE_A}
    for actor in ("agent", "admin"):
        assert api.client.get("/api/v1/deposits", headers={"Authorization": f"Bearer {api.tokens[actor]}"}).json() == []


def test_tokens_from_password_and_revocation(api: Api) -> None:
    assert api.client.post("/api/v1/tokens", json={"username": "alpha", "password": "wrong-pass"}).status_code == 401
    response = api.client.post("/api/v1/tokens", json={"username": "alpha", "password": "alpha-secret-1"})
    assert response.status_code == 201
    token = response.json()["token"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["username"], me["role"], me["provider_code"]) == ("alpha", "provider", CODE_A)
    api.context.accounts.revoke_token(token)
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api.client.get("/api/v1/me", headers={"Authorization": "Bearer tp_forged"}).status_code == 401


def test_personal_data_access_is_audited(api: Api) -> None:
    name = put_out(api, CODE_A)
    assert api.call("assist", "GET", f"/api/v1/mailboxes/{CODE_A}/out/{name}") == 200
    assert api.call("agent", "GET", f"/api/v1/fund/deposits/{api.deposit_a}") == 200
    entries = api.context.audit.entries(limit=50)
    assert any(e.actor == "assist" and e.action == "fetch" and name in e.subject for e in entries)
    assert any(e.actor == "agent" and e.action == "findings" and str(api.deposit_a) in e.subject for e in entries)
    audit = api.client.get("/api/v1/admin/audit", headers={"Authorization": f"Bearer {api.tokens['admin']}"}).json()
    assert any(e["actor"] == "assist" and name in e["subject"] for e in audit)


def test_deposit_limits_over_http(api: Api) -> None:
    api.context.accounts.set_mailbox_limits(CODE_B, quota_bytes=10_000_000, max_file_bytes=1_000)
    headers = {"Authorization": f"Bearer {api.tokens['bravo']}"}
    too_big = api.client.put(f"/api/v1/mailboxes/{CODE_B}/in/{unique()}", content=b"x" * 2_000, headers=headers)
    assert too_big.status_code == 413
    bad_name = api.client.put(f"/api/v1/mailboxes/{CODE_B}/in/.hidden", content=b"x", headers=headers)
    assert bad_name.status_code == 422
    empty = api.client.put(f"/api/v1/mailboxes/{CODE_B}/in/{unique()}", content=b"", headers=headers)
    assert empty.status_code == 422
    name = unique()
    assert api.client.put(f"/api/v1/mailboxes/{CODE_B}/in/{name}", content=b"ok", headers=headers).status_code == 201
    again = api.client.put(f"/api/v1/mailboxes/{CODE_B}/in/{name}", content=b"ok", headers=headers)
    assert again.status_code == 409
    assert list(api.context.mailboxes.get(CODE_B).incoming.iterdir()) == []
