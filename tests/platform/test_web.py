"""The pages' guards, without a browser: login redirects, CSRF, roles and delegated rights, the audit trail."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tierspayant.platform.launch import Launch, assemble

from .conftest import make_settings


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launch]:
    assembled = assemble(make_settings(tmp_path_factory.mktemp("web") / "var", demo=True))
    yield assembled
    assembled.close()


def client_for(launch: Launch, username: str | None) -> TestClient:
    client = TestClient(launch.app, follow_redirects=False)
    client.cookies.set("tierspayant_lang", "en")  # these tests read the English pages; test_i18n reads the others
    if username is not None:
        assert launch.scheme("lu_kin").demo is not None
        password = next(a.password for a in launch.scheme("lu_kin").demo.accounts if a.username == username)
        page = client.get("/login")
        response = client.post(
            "/login", data={"csrf": csrf(page.text), "username": username, "password": password, "next": "/"}
        )
        assert response.status_code == 303, response.text
    return client


def csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_pages_need_a_login(launch: Launch) -> None:
    client = client_for(launch, None)
    response = client.get("/practice/patients")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/practice/patients"
    assert client.get("/fund").headers["location"].startswith("/login")


def test_wrong_password_is_refused_and_audited(launch: Launch) -> None:
    client = client_for(launch, None)
    page = client.get("/login")
    response = client.post("/login", data={"csrf": csrf(page.text), "username": "cabinet", "password": "guess"})
    assert response.status_code == 401 and "Wrong username or password" in response.text
    assert any(e.action == "login_refused" and e.actor == "cabinet" for e in launch.context.audit.entries())


def test_login_never_redirects_to_another_site(launch: Launch) -> None:
    client = client_for(launch, None)
    page = client.get("/login")
    assert launch.scheme("lu_kin").demo is not None
    password = next(a.password for a in launch.scheme("lu_kin").demo.accounts if a.username == "agent")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login", data={"csrf": csrf(page.text), "username": "agent", "password": password, "next": target}
        )
        assert response.headers["location"] == "/fund", target
        page = client.get("/login")


def test_forms_need_the_csrf_token(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    response = client.post("/practice/requests/build", data={"csrf": "forged"})
    assert response.status_code == 403 and "form expired" in response.text


@pytest.mark.parametrize(
    ("username", "path", "allowed"),
    [
        ("cabinet", "/practice/patients", True),
        ("secretariat", "/practice/patients", True),
        ("agent", "/practice/patients", False),
        ("admin", "/practice/patients", False),
        ("agent", "/fund", True),
        ("cabinet", "/fund", False),
        ("secretariat", "/fund/payments", False),
        ("admin", "/admin/audit", True),
        ("agent", "/admin/audit", False),
        ("cabinet", "/admin/accounts", False),
    ],
)
def test_each_role_sees_its_pages(launch: Launch, username: str, path: str, allowed: bool) -> None:
    response = client_for(launch, username).get(path)
    assert response.status_code == (200 if allowed else 403), response.text[:300]


def test_the_assistant_may_prepare_but_not_send(launch: Launch) -> None:
    client = client_for(launch, "secretariat")
    page = client.get("/practice/billing")
    assert "build-bill" in page.text and 'button type="submit" class="send"' not in page.text
    # A crafted send is refused on the server, not only hidden in the page.
    response = client.post("/practice/outbox/send", data={"csrf": csrf(page.text), "name": "ANY.xml"})
    assert response.status_code == 403 and "may not send" in response.text
    response = client.post("/practice/mailbox/receive", data={"csrf": csrf(page.text)})
    assert response.status_code == 303  # receiving is preparing work: allowed


def test_viewing_personal_data_is_audited(launch: Launch) -> None:
    client = client_for(launch, "secretariat")
    assert client.get("/practice/patients").status_code == 200
    entry = next(e for e in launch.context.audit.entries() if e.actor == "secretariat" and e.action == "view")
    assert (entry.subject, entry.channel, entry.role) == ("practice patients", "web", "assistant")
    admin = client_for(launch, "admin").get("/admin/audit", params={"actor": "secretariat"})
    assert "practice patients" in admin.text


def test_bad_form_input_gives_a_clear_message(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    page = client.get("/practice/patients")
    response = client.post(
        "/practice/patients",
        data={"csrf": csrf(page.text), "matricule": "1979122003209", "last_name": "X", "first_name": "Y",
              "birth_date": "1979-12-20", "fund": "CNS"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Not done (patient)" in response.text and "PRA-MATRICULE" in response.text
    assert "1979122003209" not in response.text.split('id="patients"')[1].split("</table>")[0]
    # the form keeps what was typed (once), and the refusal is in the audit log
    assert 'name="last_name" required value="X"' in response.text
    assert 'value="1979122003209"' in response.text.split('id="add-patient"')[1]
    assert any(e.action == "refused" and "PRA-MATRICULE" in e.detail for e in launch.context.audit.entries())


def test_the_administrator_manages_accounts_and_delegations(launch: Launch) -> None:
    client = client_for(launch, "admin")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and 'id="new-account"' in page.text
    token = csrf(page.text)
    created = client.post(
        "/admin/accounts",
        data={"csrf": token, "username": "helper2", "display_name": "Second helper", "role": "assistant",
              "password": "helper-secret-9"},
    )  # fmt: skip
    assert created.status_code == 303
    accounts = launch.context.accounts
    assert accounts.principal("helper2") is not None
    client.post("/admin/delegations", data={"csrf": token, "assistant": "helper2", "provider_code": "70012345",
                                            "rights": ["read", "prepare"]})  # fmt: skip
    helper = accounts.principal("helper2")
    assert helper is not None and {r.value for r in helper.delegations["70012345"]} == {"read", "prepare"}
    client.post("/admin/accounts/helper2/deactivate", data={"csrf": token})
    assert accounts.principal("helper2") is None
    # a refused creation (a short password) is said and audited, and the form keeps what was typed
    refused = client.post(
        "/admin/accounts",
        data={"csrf": token, "username": "helper3", "display_name": "Third", "role": "assistant", "password": "x"},
        follow_redirects=True,
    )
    assert "Not done" in refused.text and 'value="helper3"' in refused.text
    entries = launch.context.audit.entries(actor="admin")
    assert {"create", "delegate", "deactivate", "refused"} <= {e.action for e in entries}
