"""Accounts, roles, delegated rights, SSH public keys and API tokens of the platform.

Passwords are argon2-hashed; API tokens are long random strings of which only the SHA-256 is stored (a token is
checked on every API call, argon2 there would make the API slow for no gain in safety).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import asyncssh
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.store.models import Account, ApiToken, Delegation, Mailbox, PublicKey
from tierspayant.store.database import transaction

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
PROVIDER_CODE = re.compile(r"^[0-9A-Z]{5,11}$")  # LU codes have 8, BE third-party numbers 11
TOKEN_PREFIX = "tp_"
MIN_PASSWORD_LENGTH = 8
PLATFORM_LANGUAGES = ("fr", "de", "en", "nl")  # an account of no scheme (an administrator) may read any of them


class Role(StrEnum):
    PROVIDER = "provider"  # a physiotherapist / billing party: its own mailbox and practice data
    ASSISTANT = "assistant"  # acts for named providers with the rights they delegated
    FUND_AGENT = "fund_agent"  # the fund's staff: intake queue, findings, payments
    ADMINISTRATOR = "administrator"  # accounts and the audit log, no personal data


class Right(StrEnum):
    READ = "read"  # see files, statuses and practice data
    PREPARE = "prepare"  # enter data and build files
    SEND = "send"  # deposit files in the mailbox (the act with legal effect)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting, and on which providers' data they may act with which rights."""

    account_id: int
    username: str
    display_name: str
    role: Role
    provider_code: str | None = None
    delegations: dict[str, frozenset[Right]] = field(default_factory=dict)
    kind: str | None = None  # "<scheme>.<kind>" (lu_kin.physiotherapist, be_nursing.mutuality_agent…)
    language: str | None = None  # the pages' language the user chose (None: not chosen)

    @property
    def scheme(self) -> str | None:
        return None if self.kind is None else self.kind.partition(".")[0]

    def rights_for(self, provider_code: str) -> frozenset[Right]:
        if self.role is Role.PROVIDER and provider_code == self.provider_code:
            return frozenset(Right)
        if self.role is Role.ASSISTANT:
            return self.delegations.get(provider_code, frozenset())
        return frozenset()

    def may(self, right: Right, provider_code: str) -> bool:
        return right in self.rights_for(provider_code)

    def providers_with(self, right: Right) -> list[str]:
        """The provider codes on which this principal holds ``right`` (sorted)."""
        if self.role is Role.PROVIDER and self.provider_code:
            return [self.provider_code]
        return sorted(code for code, rights in self.delegations.items() if right in rights)


def _principal(account: Account) -> Principal:
    delegations = {
        d.provider_code: frozenset(
            r for r, ok in ((Right.READ, d.can_read), (Right.PREPARE, d.can_prepare), (Right.SEND, d.can_send)) if ok
        )
        for d in account.delegations
    }
    return Principal(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        provider_code=account.provider_code,
        delegations=delegations,
        kind=account.kind,
        language=account.language,
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def key_fingerprint(openssh_line: str) -> str:
    return str(asyncssh.import_public_key(openssh_line).get_fingerprint("sha256"))


class AccountStore:
    """Every read and write of accounts goes through here (one short transaction each)."""

    def __init__(
        self, sessions: sessionmaker[Session], hasher: PasswordHasher | None = None, token_cache_seconds: float = 5.0
    ) -> None:
        self._sessions = sessions
        self._hasher = hasher or PasswordHasher()
        # Every API call checks its token; a few seconds of memory spare the database most of those reads. Changes
        # made through this store clear it at once; one made by another process shows within the TTL.
        self._token_cache: dict[str, tuple[float, Principal | None]] = {}
        self._token_ttl = token_cache_seconds
        # Verified when the username is unknown, so a wrong user costs as much time as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    # -- accounts ---------------------------------------------------------------------------------------------
    def create_account(
        self,
        username: str,
        password: str,
        role: Role,
        display_name: str,
        provider_code: str | None = None,
    ) -> Principal:
        problems = []
        if not USERNAME.match(username):
            problems.append("a username is 2-64 characters: lower-case letters, digits, '.', '_' or '-'")
        if len(password) < MIN_PASSWORD_LENGTH:
            problems.append(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
        if role is Role.PROVIDER and (provider_code is None or not PROVIDER_CODE.match(provider_code)):
            problems.append("a provider account needs its provider code (5-11 digits or capital letters)")
        if role is not Role.PROVIDER and provider_code is not None:
            problems.append("only a provider account carries a provider code")
        with transaction(self._sessions) as session:
            if session.scalar(select(Account.id).where(Account.username == username)) is not None:
                problems.append(f"the username {username!r} is taken")
            if problems:
                raise FindingsError(
                    [Finding(code="PLT-ACCOUNT", message=p, location=username, rule="accounts") for p in problems]
                )
            account = Account(
                username=username,
                display_name=display_name,
                role=role.value,
                provider_code=provider_code,
                password_hash=self._hasher.hash(password),
                active=True,
            )
            session.add(account)
            session.flush()
            return _principal(account)

    def set_password(self, username: str, password: str) -> None:
        self._token_cache.clear()
        if len(password) < MIN_PASSWORD_LENGTH:
            raise FindingsError([Finding(code="PLT-ACCOUNT", message="password too short", location=username)])
        with transaction(self._sessions) as session:
            account = self._account(session, username)
            account.password_hash = self._hasher.hash(password)

    def set_kind(self, username: str, kind: str | None) -> None:
        """Say which kind of account this is, in which scheme (one of the registered schemes' kinds)."""
        from tierspayant.platform.schemes import account_kinds  # the schemes load only when a kind is set

        if kind is not None and kind not in account_kinds():
            known = ", ".join(sorted(account_kinds()))
            problem = f"unknown account kind {kind!r}; known: {known}"
            raise FindingsError([Finding(code="PLT-ACCOUNT", message=problem, location=username)])
        self._token_cache.clear()
        with transaction(self._sessions) as session:
            self._account(session, username).kind = kind

    def set_language(self, username: str, language: str | None) -> None:
        """The pages' language of this user; one of the languages of the user's scheme (None: forget the choice)."""
        from tierspayant.platform.schemes import registered_schemes  # the schemes load only when a language is set

        self._token_cache.clear()
        with transaction(self._sessions) as session:
            account = self._account(session, username)
            scheme = None if account.kind is None else account.kind.partition(".")[0]
            offered = next((s.languages for s in registered_schemes() if s.name == scheme), PLATFORM_LANGUAGES)
            if language is not None and language not in offered:
                problem = f"the language {language!r} is not offered here; offered: {', '.join(offered)}"
                raise FindingsError([Finding(code="PLT-ACCOUNT", message=problem, location=username, rule="language")])
            account.language = language

    def deactivate(self, username: str) -> None:
        self._token_cache.clear()
        with transaction(self._sessions) as session:
            self._account(session, username).active = False

    def principal(self, username: str) -> Principal | None:
        with self._sessions() as session:
            account = session.scalar(self._query().where(Account.username == username, Account.active.is_(True)))
            return None if account is None else _principal(account)

    def list_accounts(self) -> list[tuple[Principal, bool]]:
        with self._sessions() as session:
            accounts = session.scalars(self._query().order_by(Account.username)).all()
            return [(_principal(a), a.active) for a in accounts]

    def authenticate_password(self, username: str, password: str) -> Principal | None:
        """The principal when the password is right and the account active, else None (never says which)."""
        with self._sessions() as session:
            account = session.scalar(self._query().where(Account.username == username))
            stored = account.password_hash if account is not None else self._dummy_hash
            try:
                self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if account is None or not account.active:
                return None
            return _principal(account)

    # -- delegations ------------------------------------------------------------------------------------------
    def delegate(self, assistant: str, provider_code: str, rights: set[Right]) -> None:
        """Give (or replace) an assistant's rights on a provider's data; an empty set removes the delegation."""
        self._token_cache.clear()
        with transaction(self._sessions) as session:
            account = self._account(session, assistant)
            if account.role != Role.ASSISTANT:
                raise FindingsError(
                    [Finding(code="PLT-ACCOUNT", message="only an assistant receives delegations", location=assistant)]
                )
            existing = next((d for d in account.delegations if d.provider_code == provider_code), None)
            if not rights:
                if existing is not None:
                    account.delegations.remove(existing)
                return
            if existing is None:
                existing = Delegation(provider_code=provider_code)
                account.delegations.append(existing)
            existing.can_read = Right.READ in rights or bool(rights)
            existing.can_prepare = Right.PREPARE in rights
            existing.can_send = Right.SEND in rights

    # -- SSH keys ---------------------------------------------------------------------------------------------
    def add_public_key(self, username: str, openssh_line: str) -> str:
        """Accept an OpenSSH public key line for the account's SFTP login; returns its SHA-256 fingerprint."""
        try:
            key = asyncssh.import_public_key(openssh_line.strip())
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise FindingsError(
                [Finding(code="PLT-KEY", message=f"not an OpenSSH public key: {exc}", location=username)]
            ) from exc
        fingerprint = str(key.get_fingerprint("sha256"))
        with transaction(self._sessions) as session:
            account = self._account(session, username)
            if any(k.fingerprint == fingerprint for k in account.public_keys):
                return fingerprint
            account.public_keys.append(
                PublicKey(
                    openssh=key.export_public_key("openssh").decode("ascii").strip(),
                    fingerprint=fingerprint,
                    comment=(key.get_comment() or "")[:200],
                )
            )
        return fingerprint

    def public_keys(self, username: str) -> list[str]:
        """The OpenSSH lines accepted for an active account (empty when unknown or inactive)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(PublicKey.openssh).join(Account).where(Account.username == username, Account.active.is_(True))
            ).all()
            return list(rows)

    # -- API tokens -------------------------------------------------------------------------------------------
    def issue_token(self, username: str, label: str = "", ttl: timedelta | None = timedelta(days=30)) -> str:
        """A new bearer token for the account; the caller sees it once, the store keeps only its digest."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with transaction(self._sessions) as session:
            account = self._account(session, username)
            session.add(
                ApiToken(
                    account_id=account.id,
                    token_hash=token_digest(token),
                    label=label[:100],
                    expires_at=None if ttl is None else datetime.now(UTC) + ttl,
                    revoked=False,
                )
            )
        return token

    def revoke_token(self, token: str) -> None:
        self._token_cache.clear()
        with transaction(self._sessions) as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
            if row is not None:
                row.revoked = True

    def cached_principal_for_token(self, token: str) -> tuple[bool, Principal | None]:
        """(found in the cache, principal) without touching the database: the async fast path of the API."""
        cached = self._token_cache.get(token_digest(token))
        if cached is not None and cached[0] > time.monotonic():
            return True, cached[1]
        return False, None

    def principal_for_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        found, principal = self.cached_principal_for_token(token)
        if found:
            return principal
        digest = token_digest(token)
        now = time.monotonic()
        principal = self._principal_for_digest(digest)
        if len(self._token_cache) > 10_000:
            self._token_cache.clear()
        self._token_cache[digest] = (now + self._token_ttl, principal)
        return principal

    def _principal_for_digest(self, digest: str) -> Principal | None:
        with self._sessions() as session:
            row = session.scalar(
                select(ApiToken)
                .options(selectinload(ApiToken.account).selectinload(Account.delegations))
                .where(ApiToken.token_hash == digest)
            )
            if row is None or row.revoked or not row.account.active:
                return None
            if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
                return None
            return _principal(row.account)

    # -- mailboxes --------------------------------------------------------------------------------------------
    def ensure_mailbox(self, provider_code: str, quota_bytes: int, max_file_bytes: int) -> None:
        with transaction(self._sessions) as session:
            if session.get(Mailbox, provider_code) is None:
                session.add(
                    Mailbox(provider_code=provider_code, quota_bytes=quota_bytes, max_file_bytes=max_file_bytes)
                )

    def set_mailbox_limits(self, provider_code: str, quota_bytes: int, max_file_bytes: int) -> None:
        with transaction(self._sessions) as session:
            mailbox = session.get(Mailbox, provider_code)
            if mailbox is None:
                session.add(
                    Mailbox(provider_code=provider_code, quota_bytes=quota_bytes, max_file_bytes=max_file_bytes)
                )
            else:
                mailbox.quota_bytes = quota_bytes
                mailbox.max_file_bytes = max_file_bytes

    def mailbox_limits(self, provider_code: str) -> tuple[int, int] | None:
        with self._sessions() as session:
            mailbox = session.get(Mailbox, provider_code)
            return None if mailbox is None else (mailbox.quota_bytes, mailbox.max_file_bytes)

    # -- helpers ----------------------------------------------------------------------------------------------
    @staticmethod
    def _query() -> Select[Account]:
        return select(Account).options(selectinload(Account.delegations))

    @staticmethod
    def _account(session: Session, username: str) -> Account:
        account = session.scalar(select(Account).where(Account.username == username))
        if account is None:
            raise FindingsError([Finding(code="PLT-ACCOUNT", message="no such account", location=username)])
        return account
