"""Access to electronic transmission (convention annex, art. 3–4): a provider with a code asks for access; a fund agent
decides accord or refus (the refus says its reasons); on accord the mailbox account's credentials are issued, once.

The fund store keeps the request, the decision and the fact that the credentials were issued (``registration`` rows of
kind ``e_access`` with their events); the account itself is the platform's (``PlatformContext.create_provider``), made
by the caller inside the same fund transaction so that an accord never stands without its account. The password is
never stored here: it is generated when the credentials are issued, set on the account, shown in that one answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.fund.registrations import RegistrationError, Result, _event
from tierspayant.schemes.lu_kin.fund.registries import _provider_code as provider_code
from tierspayant.schemes.lu_kin.store.fund.models import Provider, Registration, RegistrationEvent

RULE_ACCESS = "convention annex, art. 3-4: access to electronic transmission"
KIND = "e_access"
ISSUED = "credentials_issued"


def username_for(code: str) -> str:
    """The mailbox account of a provider code (the platform's usernames start with a letter)."""
    return f"kin{code.lower()}"


def request_access(session: Session, code: str, applicant: str, at: datetime) -> Result:
    """A provider's request for access; one open or granted request per code."""
    normalized = provider_code(code)
    provider = session.get(Provider, normalized)
    if provider is None:
        raise RegistrationError(f"{normalized} is not a registered provider code: apply for a code first")
    open_request = session.scalar(
        select(Registration.id).where(
            Registration.kind == KIND,
            Registration.provider_code == normalized,
            Registration.status.in_(("pending", "granted")),
        )
    )
    if open_request is not None:
        raise RegistrationError(f"{normalized} already has an access request ({open_request}) pending or granted")
    registration = Registration(
        kind=KIND,
        applicant=applicant,
        provider_kind=provider.kind,
        name=provider.name,
        status="pending",
        provider_code=normalized,
        asked_at=at,
    )
    session.add(registration)
    session.flush()
    _event(session, registration, applicant, "applied", at, f"electronic access for {normalized}")
    session.flush()
    return Result(registration.id, "pending", normalized)


def _access(session: Session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id, with_for_update=True)
    if registration is None or registration.kind != KIND:
        raise RegistrationError(f"no electronic-access request {registration_id}")
    return registration


def decide_access(
    session: Session, registration_id: int, agent: str, grant: bool, at: datetime, reason: str | None = None
) -> Result:
    """Accord or refus (with its reasons). On accord the caller creates the mailbox account in this transaction."""
    registration = _access(session, registration_id)
    if registration.status != "pending":
        raise RegistrationError(f"access request {registration_id} is already {registration.status}")
    registration.decided_by, registration.decided_at = agent, at
    if not grant:
        if not reason or not reason.strip():
            raise RegistrationError("a refusal of access says its reasons (art. 4)")
        registration.status, registration.reason = "refused", reason.strip()
        _event(session, registration, agent, "refused", at, registration.reason)
        session.flush()
        return Result(registration.id, "refused", registration.provider_code)
    registration.status = "granted"
    code = registration.provider_code or ""
    _event(session, registration, agent, "granted", at, f"mailbox account {username_for(code)}")
    session.flush()
    return Result(registration.id, "granted", code)


def credentials_issued(session: Session, registration_id: int) -> bool:
    return (
        session.scalar(
            select(RegistrationEvent.id).where(
                RegistrationEvent.registration_id == registration_id, RegistrationEvent.action == ISSUED
            )
        )
        is not None
    )


def issue_credentials(session: Session, registration_id: int, by: str, at: datetime) -> str:
    """Mark the credentials of a granted access as issued and return the account's username; a second issue is
    refused (the row is locked, so two viewers at once get one answer). The caller sets the new password on the
    account inside this transaction: if that fails, nothing is marked."""
    registration = _access(session, registration_id)
    if registration.status != "granted":
        raise RegistrationError(f"access request {registration_id} is {registration.status}, not granted")
    if credentials_issued(session, registration_id):
        raise RegistrationError(
            f"the credentials of access request {registration_id} were already issued; they are never shown twice"
        )
    username = username_for(registration.provider_code or "")
    _event(session, registration, by, ISSUED, at, f"credentials of {username} issued")
    session.flush()
    return username
