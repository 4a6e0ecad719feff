"""Brute-force throttling of password logins — web, API tokens, SFTP — per account name and per address.

No test sleeps: the throttle's clock is a counter the test moves forward.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import paramiko
import pytest
from fastapi.testclient import TestClient

from tierspayant.platform.app import create_app
from tierspayant.platform.runner import Addresses, PlatformServer
from tierspayant.platform.throttle import Limits, LoginThrottle, Throttled

from .conftest import PASSWORD_A, World


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(world: World) -> Clock:
    ticking = Clock()
    world.context.throttle = LoginThrottle(clock=ticking)
    return ticking


def test_five_failures_are_free_the_sixth_attempt_waits_and_the_lock_doubles() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, account=Limits(free=5, first_lock=30, max_lock=3600))
    for _ in range(4):
        throttle.failure("alpha", None)
    throttle.check("alpha", None)  # 4 failures: still free (near miss)
    throttle.failure("alpha", None)
    with pytest.raises(Throttled) as locked:
        throttle.check("Alpha ", None)  # the same account however typed
    assert locked.value.retry_after == 30 and locked.value.key == "account"
    clock.now += 29.5
    with pytest.raises(Throttled):
        throttle.check("alpha", None)
    clock.now += 0.5
    throttle.check("alpha", None)  # the lock is over
    throttle.failure("alpha", None)
    with pytest.raises(Throttled) as doubled:
        throttle.check("alpha", None)
    assert doubled.value.retry_after == 60
    throttle.check("bravo", None)  # another account is not concerned
    throttle.success("alpha")
    throttle.check("alpha", None)


def test_an_address_trying_many_accounts_is_locked() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, address=Limits(free=20, first_lock=30))
    for number in range(19):
        throttle.failure(f"user{number}", "192.0.2.7")
    throttle.check("someone", "192.0.2.7")  # 19: still free
    throttle.failure("user19", "192.0.2.7")
    with pytest.raises(Throttled) as locked:
        throttle.check("someone", "192.0.2.7")
    assert locked.value.key == "address"
    throttle.check("someone", "198.51.100.1")  # another address is not concerned
    throttle.success("user1")  # a valid login does not reset the address
    with pytest.raises(Throttled):
        throttle.check("user1", "192.0.2.7")


@pytest.fixture
def client(world: World, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(world.context)) as test_client:
        yield test_client


def _tokens(client: TestClient, username: str, password: str) -> tuple[int, str | None]:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    return response.status_code, response.headers.get("retry-after")


def test_token_requests_get_429_with_retry_after_known_or_unknown_alike(
    client: TestClient, world: World, clock: Clock
) -> None:
    known = [_tokens(client, "alpha", "wrong") for _ in range(5)] + [_tokens(client, "alpha", PASSWORD_A)]
    unknown = [_tokens(client, "nobody", "wrong") for _ in range(5)] + [_tokens(client, "nobody", PASSWORD_A)]
    assert known == unknown == [(401, None)] * 5 + [(429, "30")]  # the right password too: not even checked
    entries = world.context.audit.entries()
    assert {e.actor for e in entries if e.action == "login_throttled"} == {"alpha", "nobody"}
    clock.now += 30
    assert _tokens(client, "alpha", PASSWORD_A)[0] == 201


def _web_login(client: TestClient, username: str, password: str) -> tuple[int, str | None]:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"csrf": token.group(1), "username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    return response.status_code, response.headers.get("retry-after")


def test_web_logins_are_throttled(client: TestClient, world: World, clock: Clock) -> None:
    attempts = [_web_login(client, "alpha", "guess") for _ in range(5)] + [_web_login(client, "alpha", PASSWORD_A)]
    assert attempts == [(401, None)] * 5 + [(429, "30")]
    assert [_web_login(client, "ghost", "guess")[0] for _ in range(6)] == [401] * 5 + [429]
    clock.now += 30
    assert _web_login(client, "alpha", PASSWORD_A)[0] == 303
    assert any(e.action == "login_throttled" and e.channel == "web" for e in world.context.audit.entries())


def _sftp_login(port: int, password: str) -> bool:
    transport = paramiko.Transport(("127.0.0.1", port))
    try:
        transport.connect(username="alpha", password=password)
        return True
    except paramiko.AuthenticationException:
        return False
    finally:
        transport.close()


def test_sftp_passwords_are_throttled(world: World, clock: Clock, running: tuple[PlatformServer, Addresses]) -> None:
    port = running[1].sftp_port
    assert [_sftp_login(port, "guess") for _ in range(5)] == [False] * 5
    assert not _sftp_login(port, PASSWORD_A)  # locked: the right password is refused too
    assert any(e.action == "login_throttled" and e.channel == "sftp" for e in world.context.audit.entries())
    clock.now += 30
    assert _sftp_login(port, PASSWORD_A)
