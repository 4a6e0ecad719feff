"""The registrations desk of the running platform: the fund's registrations (``fund.registrations*``,
``fund.paper_requests``) joined to the platform's accounts, for the fund agent's and the practice's pages.

What belongs here and nowhere else: on an accord of electronic access, the mailbox account is created with the
platform's own account creation (``PlatformContext.create_provider``) inside the fund's transaction (no accord without
its account); the password is generated when the credentials are issued, set on the account, returned once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from tierspayant.platform.context import PlatformContext
from tierspayant.schemes.lu_kin.fund import paper_requests as paper
from tierspayant.schemes.lu_kin.fund import registrations as reg
from tierspayant.schemes.lu_kin.fund import registrations_access as access
from tierspayant.schemes.lu_kin.fund import registrations_statement as statement
from tierspayant.schemes.lu_kin.fund.registrations import Document, Result
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.store.fund.models import (
    MemberChange,
    Membership,
    PaperRequest,
    Provider,
    Registration,
    RegistrationDocument,
    RegistrationEvent,
)
from tierspayant.store.database import transaction

PASSWORD_BYTES = 18  # 24 URL-safe characters


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    provider_code: str


@dataclass(frozen=True)
class RegistrationView:
    """A registration as the pages show it: the row, its documents, its history, its member change."""

    id: int
    kind: str
    provider_kind: str
    name: str
    applicant: str
    status: str
    provider_code: str | None
    reason: str | None
    asked_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    documents: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, role, file name, sha256
    history: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # at, actor, action, detail
    change: tuple[str, str, date, str] | None = None  # member, join|leave, date, employment
    credentials_issued: bool = False


def _view(session: Any, r: Registration) -> RegistrationView:
    documents = [
        (d.id, d.role, d.file_name, d.sha256)
        for d in session.scalars(
            select(RegistrationDocument)
            .where(RegistrationDocument.registration_id == r.id)
            .order_by(RegistrationDocument.id)
        )
    ]
    history = [
        (e.at, e.actor, e.action, e.detail)
        for e in session.scalars(
            select(RegistrationEvent).where(RegistrationEvent.registration_id == r.id).order_by(RegistrationEvent.id)
        )
    ]
    change = session.scalar(select(MemberChange).where(MemberChange.registration_id == r.id))
    return RegistrationView(
        r.id, r.kind, r.provider_kind, r.name, r.applicant, r.status, r.provider_code, r.reason, r.asked_at,
        r.decided_by, r.decided_at, documents, history,
        None if change is None else (change.member_code, change.change, change.on_date, change.employment),
        any(action == access.ISSUED for _, _, action, _ in history),
    )  # fmt: skip


class RegistrationDesk:
    def __init__(
        self, context: PlatformContext, fund: FundService, clock: Callable[[], datetime] = datetime.now
    ) -> None:
        self.context = context
        self.fund = fund
        self.clock = clock  # the fund works in local time; a test steps it to the day it plays

    def now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    # --- provider codes ---

    def apply(self, applicant: str, name: str, provider_kind: str, documents: Sequence[Document]) -> Result:
        with transaction(self.fund.sessions) as session:
            return reg.apply(session, applicant, name, provider_kind, documents, self.now())

    def decide(self, registration_id: int, agent: str, grant: bool, reason: str = "", code: str = "") -> Result:
        with transaction(self.fund.sessions) as session:
            return reg.decide(session, registration_id, agent, grant, self.now(), reason or None, code or None)

    # --- electronic access ---

    def request_access(self, code: str, applicant: str) -> Result:
        with transaction(self.fund.sessions) as session:
            return access.request_access(session, code, applicant, self.now())

    def decide_access(self, registration_id: int, agent: str, grant: bool, reason: str = "") -> Result:
        with transaction(self.fund.sessions) as session:
            result = access.decide_access(session, registration_id, agent, grant, self.now(), reason or None)
            if grant:
                code = result.provider_code or ""
                provider = session.get(Provider, code)
                assert provider is not None
                username = access.username_for(code)
                # the password nobody knows until the credentials are issued (a fresh one is set then)
                self.context.create_provider(username, secrets.token_urlsafe(PASSWORD_BYTES), provider.name, code)
                self.context.accounts.set_kind(username, f"lu_kin.{_account_kind(provider.kind)}")
            return result

    def issue_credentials(self, registration_id: int, agent: str) -> Credentials:
        """The credentials, once: the fund marks them issued and the account gets its password in one step."""
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        with transaction(self.fund.sessions) as session:
            username = access.issue_credentials(session, registration_id, agent, self.now())
            self.context.accounts.set_password(username, password)  # fails → nothing marked as issued
            code = session.get(Registration, registration_id).provider_code  # type: ignore[union-attr]
        return Credentials(username, password, code or "")

    # --- groups and associations ---

    def declare_member(
        self,
        group: str,
        member: str,
        change: str,
        on_date: date,
        employment: str,
        declared_by: str,
        signed: Document | None = None,
    ) -> Result:
        with transaction(self.fund.sessions) as session:
            return reg.declare_member(
                session, group, member, change, on_date, employment, declared_by, self.now(), signed
            )

    def confirm(self, registration_id: int, signed: Document, by: str) -> Result:
        with transaction(self.fund.sessions) as session:
            return reg.confirm(session, registration_id, signed, by, self.now())

    def memberships(self, group: str | None = None) -> list[tuple[str, str, str, date, date, str]]:
        """(group, member, kind, from, to, source), by group and member."""
        with self.fund.sessions() as session:
            query = select(Membership).order_by(Membership.group_code, Membership.member_code, Membership.valid_from)
            if group is not None:
                query = query.where(Membership.group_code == group)
            return [
                (m.group_code, m.member_code, m.kind, m.valid_from, m.valid_to, m.source)
                for m in session.scalars(query)
            ]

    def statement(self, association: str, year: int) -> list[statement.MemberStatement]:
        with self.fund.sessions() as session:
            return statement.annual_statement(session, association, year)

    # --- reading ---

    def registrations(
        self, applicant_prefix: str | None = None, provider_code: str | None = None
    ) -> list[RegistrationView]:
        """Newest first; a practice sees those it asked for and the declarations about its own code."""
        with self.fund.sessions() as session:
            query = select(Registration).order_by(Registration.id.desc())
            if applicant_prefix is not None or provider_code is not None:
                mine = Registration.applicant.startswith(applicant_prefix or "\x00", autoescape=True)
                query = query.where(mine | (Registration.provider_code == (provider_code or "\x00")))
            return [_view(session, r) for r in session.scalars(query.limit(500))]

    def registration(self, registration_id: int) -> RegistrationView | None:
        with self.fund.sessions() as session:
            row = session.get(Registration, registration_id)
            return None if row is None else _view(session, row)

    def document(self, document_id: int) -> tuple[str, bytes] | None:
        with self.fund.sessions() as session:
            row = session.get(RegistrationDocument, document_id)
            return None if row is None else (row.file_name, row.content)

    def export_json(self) -> list[dict[str, Any]]:
        with self.fund.sessions() as session:
            return reg.export_json(session)

    def export_csv(self) -> str:
        with self.fund.sessions() as session:
            return reg.export_csv(session)

    # --- the paper channel ---

    def record_paper(
        self,
        matricule: str,
        received_on: date,
        prescriber_code: str,
        prescription_date: date,
        pathology: str,
        acts: Sequence[tuple[str, int]],
        agent: str,
        facturier: str = "",
    ) -> int:
        with transaction(self.fund.sessions) as session:
            return paper.record_request(
                session, matricule, received_on, prescriber_code, prescription_date, pathology, acts, agent,
                self.now(), facturier,
            )  # fmt: skip

    def answer_paper(self, request_id: int, agent: str, grant: bool, reason: str = "") -> paper.PaperAnswer:
        """A paper titre at the reference's rate and validity for the prescription, or a written refusal."""
        reference = self.fund.reference()
        with transaction(self.fund.sessions) as session:
            return paper.answer_by_reference(session, reference, request_id, agent, self.now(), grant, reason or None)

    def paper_requests(self) -> list[PaperRequest]:
        with self.fund.sessions() as session:
            rows = paper.requests(session)
            session.expunge_all()
            return rows

    def export_paper(self) -> list[dict[str, Any]]:
        with self.fund.sessions() as session:
            return paper.export_json(session)

    def letter(self, request_id: int) -> bytes | None:
        with self.fund.sessions() as session:
            return paper.letter_of(session, request_id)


def _account_kind(provider_kind: str) -> str:
    """The platform's account kinds of KIN (registration.SCHEME); an institution bills like a group."""
    return {"institution": "group"}.get(provider_kind, provider_kind)
