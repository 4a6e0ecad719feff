"""The audit log: every access to personal data (who, when, what), readable by the administrator only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tierspayant.platform.accounts import Principal
from tierspayant.platform.store.models import AuditEvent
from tierspayant.store.database import transaction


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    SFTP = "sftp"
    CLI = "cli"
    WORKER = "worker"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    role: str
    channel: str
    action: str
    subject: str
    detail: str


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(
        self, who: Principal | str, channel: Channel, action: str, subject: str, detail: str = "", role: str = ""
    ) -> None:
        """Write one event; ``subject`` names what was accessed (``patient 1980010112302``, ``file out/…``)."""
        actor, actor_role = (who.username, who.role.value) if isinstance(who, Principal) else (who, role or "system")
        with transaction(self._sessions) as session:
            session.add(
                AuditEvent(
                    actor=actor[:64],
                    role=actor_role[:20],
                    channel=channel.value,
                    action=action[:40],
                    subject=subject[:300],
                    detail=detail[:1000],
                )
            )

    def entries(
        self,
        limit: int = 200,
        actor: str | None = None,
        subject_contains: str | None = None,
        before_id: int | None = None,
    ) -> list[AuditEntry]:
        """Newest first."""
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        if subject_contains:
            query = query.where(AuditEvent.subject.contains(subject_contains, autoescape=True))
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        with self._sessions() as session:
            return [
                AuditEntry(e.id, e.at, e.actor, e.role, e.channel, e.action, e.subject, e.detail)
                for e in session.scalars(query)
            ]
