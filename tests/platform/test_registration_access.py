"""Access to electronic transmission on the running platform (art. 3–4): after the fund agent's accord, the issued
credentials log in over the real SFTP server to the provider's own mailbox; they are shown once; a refusal creates no
account. Every step is in the fund's history and the platform's audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import paramiko
import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Role
from tierspayant.platform.runner import Addresses, PlatformServer
from tierspayant.schemes.lu_kin.fund.registrations import Document, RegistrationError
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.platform.registration_desk import RegistrationDesk

from .conftest import World

FOUR = ("information_sheet", "authorisation", "identity", "bank_details")


def pdf(text: str) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture
def desk(world: World, tmp_path: Path) -> Iterator[RegistrationDesk]:
    fund = FundService(f"sqlite:///{tmp_path / 'fund.sqlite'}")
    fund.init()
    yield RegistrationDesk(world.context, fund, clock=lambda: datetime(2024, 3, 1, 9, 0))
    fund.engine.dispose()


def new_code(desk: RegistrationDesk) -> str:
    applied = desk.apply("Anna Neu", "Anna Neu", "physiotherapist", [Document(r, f"{r}.pdf", pdf(r)) for r in FOUR])
    granted = desk.decide(applied.registration_id, "agent", True)
    assert granted.provider_code is not None
    return granted.provider_code


def test_issued_credentials_log_in_over_sftp_once(
    world: World, desk: RegistrationDesk, running: tuple[PlatformServer, Addresses]
) -> None:
    code = new_code(desk)
    asked = desk.request_access(code, "Anna Neu")
    desk.decide_access(asked.registration_id, "agent", True)
    principal = world.context.accounts.principal(f"kin{code}")
    assert principal is not None and principal.role is Role.PROVIDER and principal.provider_code == code
    assert principal.kind == "lu_kin.physiotherapist"
    credentials = desk.issue_credentials(asked.registration_id, "agent")
    assert (credentials.username, credentials.provider_code) == (f"kin{code}", code)
    transport = paramiko.Transport(("127.0.0.1", running[1].sftp_port))
    try:
        transport.connect(username=credentials.username, password=credentials.password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        assert sorted(sftp.listdir("/")) == ["in", "out"]
        sftp.close()
    finally:
        transport.close()
    with pytest.raises(RegistrationError, match="never shown twice"):
        desk.issue_credentials(asked.registration_id, "agent")
    assert world.context.accounts.authenticate_password(credentials.username, credentials.password) is not None
    history = [(actor, action) for _, actor, action, _ in desk.registration(asked.registration_id).history]  # type: ignore[union-attr]
    assert history == [("Anna Neu", "applied"), ("agent", "granted"), ("agent", "credentials_issued")]


def test_a_refusal_creates_no_account(world: World, desk: RegistrationDesk) -> None:
    code = new_code(desk)
    asked = desk.request_access(code, "Anna Neu")
    refused = desk.decide_access(asked.registration_id, "agent", False, "no HealthNet connection declared")
    assert refused.status == "refused"
    assert world.context.accounts.principal(f"kin{code}") is None
    with pytest.raises(RegistrationError, match="not granted"):
        desk.issue_credentials(asked.registration_id, "agent")


def test_wrong_password_does_not_log_in_after_issue(
    desk: RegistrationDesk, running: tuple[PlatformServer, Addresses]
) -> None:
    code = new_code(desk)
    asked = desk.request_access(code, "Anna Neu")
    desk.decide_access(asked.registration_id, "agent", True)
    credentials = desk.issue_credentials(asked.registration_id, "agent")
    transport = paramiko.Transport(("127.0.0.1", running[1].sftp_port))
    try:
        with pytest.raises(paramiko.AuthenticationException):
            transport.connect(username=credentials.username, password=credentials.password + "x")
    finally:
        transport.close()


def test_an_accord_without_its_account_is_not_recorded(world: World, desk: RegistrationDesk) -> None:
    code = new_code(desk)
    world.context.accounts.create_account(f"kin{code}", "taken-secret-1", Role.ASSISTANT, "someone else")
    asked = desk.request_access(code, "Anna Neu")
    with pytest.raises(FindingsError) as refused:
        desk.decide_access(asked.registration_id, "agent", True)
    assert [f.code for f in refused.value.findings] == ["PLT-ACCOUNT"]
    assert desk.registration(asked.registration_id).status == "pending"  # type: ignore[union-attr]
