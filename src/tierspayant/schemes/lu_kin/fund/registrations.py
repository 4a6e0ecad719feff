"""Registrations at the fund (seed 002 "My procedures for starting my activity", "Liberal association", "Declaration
of a group of physical therapists with joint invoicing"): how a provider gets into the registries the rules read.

- **Provider code**: an application with its documents, PDF only. A missing document or one that is not a readable
  PDF (no ``%PDF-`` header, encrypted, unreadable, active content: ``core.pdf_scan``) refuses the application at once
  with the reason; a complete one waits for a fund agent, who grants a code (written to ``provider``) or refuses
  with a reason.
- **Joint-invoicing group** (group or institution): the facturier declares in advance (on or before the date) each
  performer joining or leaving, employee or freelance; the declaration writes the ``membership`` periods at once.
- **Liberal association**: the same declarations, but a change counts only once the member confirmed it by a signed
  document (a PDF); an unconfirmed member is not a member.

Dates: a join date is the member's first day in; a leave date is the first day out (the period ends the day before).
Every registration keeps its history (``registration_event``: who, what, when) and its documents as received;
``export_json`` / ``export_csv`` give them out. Memberships written here carry ``source='registration'``; an import of
official files (``registries.add_provider``) replaces only what an import wrote.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tierspayant.core.envelope import MiB, ZipLimits, read_zip
from tierspayant.core.findings import Finding
from tierspayant.core.pdf_scan import inspect_scan
from tierspayant.schemes.lu_kin.fund.registries import MEMBERSHIP_KIND, PROVIDER_KINDS
from tierspayant.schemes.lu_kin.fund.registries import _provider_code as provider_code
from tierspayant.schemes.lu_kin.reference import OPEN_END
from tierspayant.schemes.lu_kin.store.fund.models import (
    Counter,
    MemberChange,
    Membership,
    Provider,
    Registration,
    RegistrationDocument,
    RegistrationEvent,
)

RULE_START = "seed 002: My procedures for starting my activity"
RULE_GROUP = "seed 002: Declaration of a group of physical therapists with joint invoicing"
RULE_ASSOCIATION = "seed 002: Liberal association"

# The seed's list for a physiotherapist starting out; a group, association or institution bills under its own code
# and sends what identifies the establishment and where to pay it.
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "physiotherapist": ("information_sheet", "authorisation", "identity", "bank_details"),
    "association": ("information_sheet", "bank_details"),
    "group": ("information_sheet", "bank_details"),
    "institution": ("information_sheet", "bank_details"),
}
DOCUMENT_ROLES = ("information_sheet", "authorisation", "identity", "bank_details", "signed_confirmation")
# What makes a document unusable; PDF/A, A4 and DPI are requirements on prescription scans, not on these documents.
PDF_REFUSALS = frozenset({"PDF-NOT-PDF", "PDF-ENCRYPTED", "PDF-UNREADABLE", "PDF-ACTIVE-CONTENT"})
MAX_DOCUMENT_BYTES = 16 * MiB  # a scanned page or a few: more is refused before it is parsed or stored
PACKAGE_LIMITS = ZipLimits(max_archive_bytes=64 * MiB, max_entries=20, max_entry_bytes=MAX_DOCUMENT_BYTES)
CHANGES = ("join", "leave")
EMPLOYMENTS = ("employee", "freelance")
CODE_COUNTER = "kin.provider_code"
FIRST_GRANTED_CODE = 70_500_000  # granted codes are allocated upwards from here, skipping codes already known


class RegistrationError(ValueError):
    """The operation cannot be done at all (unknown registration or provider, already decided…); nothing is written."""


@dataclass(frozen=True, slots=True)
class Document:
    role: str
    file_name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Result:
    """What became of a registration step: its id, its status and, when refused, why."""

    registration_id: int
    status: str
    provider_code: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(f.message for f in self.findings)


def _event(session: Session, registration: Registration, actor: str, action: str, at: datetime, detail: str) -> None:
    session.add(RegistrationEvent(registration_id=registration.id, at=at, actor=actor, action=action, detail=detail))


def document_findings(document: Document, rule: str) -> list[Finding]:
    """Why ``document`` cannot be accepted (empty when it is a usable PDF)."""
    if len(document.content) > MAX_DOCUMENT_BYTES:
        message = f"{document.role}: {len(document.content)} bytes, over the limit of {MAX_DOCUMENT_BYTES}"
        return [Finding("REG-DOC-TOO-LARGE", message, file=document.file_name, rule=rule)]
    report = inspect_scan(document.content, document.file_name)
    return [
        Finding("REG-DOC-NOT-PDF", f"{document.role}: {f.message}", file=document.file_name, rule=rule)
        for f in report.findings
        if f.code in PDF_REFUSALS
    ]


def documents_from_package(data: bytes, name: str) -> list[Document]:
    """The documents of a ZIP package, each named after its role (``identity.pdf`` → ``identity``); the envelope is
    checked by ``core.envelope`` (``FindingsError`` when it is refused: nothing is recorded)."""
    return [
        Document(PurePosixPath(member.name).stem, PurePosixPath(member.name).name, member.data)
        for member in read_zip(data, name, PACKAGE_LIMITS)
    ]


def _store_documents(
    session: Session, registration: Registration, documents: Sequence[Document], at: datetime
) -> list[RegistrationDocument]:
    stored = [
        RegistrationDocument(
            registration_id=registration.id,
            role=d.role,
            file_name=d.file_name,
            sha256=hashlib.sha256(d.content).hexdigest(),
            content=d.content,
            received_at=at,
        )
        for d in documents
    ]
    session.add_all(stored)
    session.flush()
    return stored


# --- provider codes ---


def apply(
    session: Session, applicant: str, name: str, provider_kind: str, documents: Sequence[Document], at: datetime
) -> Result:
    """Record an application for a provider code; refused at once (with the reasons) when a document is missing or
    is not a usable PDF, pending for a fund agent otherwise."""
    if provider_kind not in REQUIRED_DOCUMENTS:
        raise RegistrationError(f"provider kind {provider_kind!r} is not one of {', '.join(PROVIDER_KINDS)}")
    findings: list[Finding] = []
    for document in documents:
        if document.role not in DOCUMENT_ROLES:
            message = f"document role {document.role!r} is not one of {', '.join(DOCUMENT_ROLES)}"
            findings.append(Finding("REG-DOC-ROLE", message, file=document.file_name, rule=RULE_START))
        else:
            findings += document_findings(document, RULE_START)
    given = {d.role for d in documents}
    for role in REQUIRED_DOCUMENTS[provider_kind]:
        if role not in given:
            message = f"the {role.replace('_', ' ')} is missing (a {provider_kind} sends: "
            message += ", ".join(r.replace("_", " ") for r in REQUIRED_DOCUMENTS[provider_kind]) + ")"
            findings.append(Finding("REG-DOC-MISSING", message, rule=RULE_START))
    registration = Registration(
        kind="provider_code", applicant=applicant, provider_kind=provider_kind, name=name, status="pending", asked_at=at
    )
    session.add(registration)
    session.flush()
    stored = _store_documents(session, registration, documents, at)
    _event(session, registration, applicant, "applied", at, ", ".join(f"{d.role}={d.file_name}" for d in stored))
    if findings:
        registration.status, registration.reason = "refused", "; ".join(f.message for f in findings)
        registration.decided_by, registration.decided_at = "completeness check", at
        _event(session, registration, "completeness check", "refused", at, registration.reason)
    session.flush()
    return Result(registration.id, registration.status, findings=findings)


def decide(
    session: Session,
    registration_id: int,
    agent: str,
    grant: bool,
    at: datetime,
    reason: str | None = None,
    code: str | None = None,
) -> Result:
    """A fund agent's decision on a pending application: grant (``code``, or the next free one) or refuse (``reason``
    required)."""
    registration = session.get(Registration, registration_id, with_for_update=True)
    if registration is None or registration.kind != "provider_code":
        raise RegistrationError(f"no provider-code application {registration_id}")
    if registration.status != "pending":
        raise RegistrationError(f"application {registration_id} is already {registration.status}")
    registration.decided_by, registration.decided_at = agent, at
    if not grant:
        if not reason or not reason.strip():
            raise RegistrationError("a refusal says its reason")
        registration.status, registration.reason = "refused", reason.strip()
        _event(session, registration, agent, "refused", at, registration.reason)
        return Result(registration.id, "refused", findings=[Finding("REG-REFUSED", registration.reason)])
    granted = provider_code(code) if code else _next_code(session)
    if session.get(Provider, granted) is not None:
        raise RegistrationError(f"provider code {granted} is already given")
    session.add(Provider(code=granted, name=registration.name, kind=registration.provider_kind))
    registration.status, registration.provider_code = "granted", granted
    _event(session, registration, agent, "granted", at, f"provider code {granted}")
    session.flush()
    return Result(registration.id, "granted", granted)


def _next_code(session: Session) -> str:
    counter = session.get(Counter, CODE_COUNTER, with_for_update=True)
    if counter is None:
        counter = Counter(name=CODE_COUNTER, value=FIRST_GRANTED_CODE)
        session.add(counter)
    while True:
        counter.value += 1
        candidate = f"{counter.value:08d}"
        if session.get(Provider, candidate) is None:
            return candidate


# --- members of groups and associations ---


def declare_member(
    session: Session,
    group_code: str,
    member_code: str,
    change: str,
    on_date: date,
    employment: str,
    declared_by: str,
    at: datetime,
    signed: Document | None = None,
) -> Result:
    """A performer joining or leaving a group or association from ``on_date``. A group's declaration made after that
    date is refused; an association's counts once confirmed by the member's signed document (``signed`` now, or
    ``confirm`` later)."""
    group = session.get(Provider, provider_code(group_code))
    member = session.get(Provider, provider_code(member_code))
    if group is None or group.kind not in MEMBERSHIP_KIND:
        raise RegistrationError(f"{group_code} is not a registered group, institution or association")
    if member is None or member.kind != "physiotherapist":
        raise RegistrationError(f"{member_code} is not a registered physiotherapist: it applies for a code first")
    if change not in CHANGES or employment not in EMPLOYMENTS:
        raise RegistrationError(f"change is one of {CHANGES}, employment one of {EMPLOYMENTS}")
    association = group.kind == "association"
    registration = Registration(
        kind="member_declaration",
        applicant=declared_by,
        provider_kind=group.kind,
        name=f"{change} {member.code} ({employment}) on {on_date}",
        status="declared",
        provider_code=group.code,
        asked_at=at,
    )
    session.add(registration)
    session.flush()
    session.add(
        MemberChange(
            registration_id=registration.id,
            group_code=group.code,
            member_code=member.code,
            change=change,
            on_date=on_date,
            employment=employment,
        )
    )
    _event(session, registration, declared_by, "declared", at, registration.name)
    findings: list[Finding] = []
    if not association and on_date < at.date():
        message = f"the {change} of {member.code} on {on_date} is declared on {at.date()}: declare it in advance"
        findings.append(Finding("REG-NOT-IN-ADVANCE", message, rule=RULE_GROUP))
    elif not association:
        findings = _apply_changes(session, group, member.code, RULE_GROUP)
    if findings:
        _refuse(session, registration, at, findings)
        return Result(registration.id, "refused", findings=findings)
    session.flush()
    if association and signed is not None:
        return confirm(session, registration.id, signed, member.code, at)
    return Result(registration.id, registration.status)


def confirm(session: Session, registration_id: int, signed: Document, by: str, at: datetime) -> Result:
    """The member's signed document confirming an association change; only then does the change count."""
    registration = session.get(Registration, registration_id, with_for_update=True)
    change = session.scalar(select(MemberChange).where(MemberChange.registration_id == registration_id))
    if registration is None or change is None or registration.provider_kind != "association":
        raise RegistrationError(f"no association member declaration {registration_id}")
    if registration.status != "declared":
        raise RegistrationError(f"declaration {registration_id} is already {registration.status}")
    signed = Document("signed_confirmation", signed.file_name, signed.content)
    (stored,) = _store_documents(session, registration, [signed], at)
    findings = document_findings(signed, RULE_ASSOCIATION)
    if findings:  # the declaration stays unconfirmed: the member can send a usable document
        _event(session, registration, by, "not_confirmed", at, "; ".join(f.message for f in findings))
        return Result(registration.id, "declared", findings=findings)
    change.document_id = stored.id
    registration.status, registration.decided_by, registration.decided_at = "confirmed", by, at
    _event(session, registration, by, "confirmed", at, f"signed document {signed.file_name}")
    session.flush()
    group = session.get(Provider, change.group_code)
    assert group is not None
    findings = _apply_changes(session, group, change.member_code, RULE_ASSOCIATION)
    if findings:
        _refuse(session, registration, at, findings)
        return Result(registration.id, "refused", findings=findings)
    return Result(registration.id, "confirmed")


def _refuse(session: Session, registration: Registration, at: datetime, findings: list[Finding]) -> None:
    registration.status, registration.reason = "refused", "; ".join(f.message for f in findings)
    registration.decided_by, registration.decided_at = "fund rules", at
    _event(session, registration, "fund rules", "refused", at, registration.reason)
    session.flush()
    member_code = session.scalars(
        select(MemberChange.member_code).where(MemberChange.registration_id == registration.id)
    ).one()
    _rebuild(session, registration.provider_code or "", member_code)  # the refused change no longer counts


def _effective_changes(session: Session, group: Provider, member_code: str) -> list[MemberChange]:
    counted = ("confirmed",) if group.kind == "association" else ("declared",)
    query = (
        select(MemberChange)
        .join(Registration, Registration.id == MemberChange.registration_id)
        .where(
            MemberChange.group_code == group.code,
            MemberChange.member_code == member_code,
            Registration.status.in_(counted),
        )
        .order_by(MemberChange.on_date, MemberChange.id)
    )
    return list(session.scalars(query))


def _periods(changes: Sequence[MemberChange], rule: str) -> tuple[list[tuple[date, date]], list[Finding]]:
    periods: list[tuple[date, date]] = []
    start: date | None = None
    for change in changes:
        if change.change == "join":
            if start is not None:
                message = f"{change.member_code} joins {change.group_code} on {change.on_date} but is a member since"
                return [], [Finding("REG-ALREADY-MEMBER", f"{message} {start}", rule=rule)]
            start = change.on_date
        else:
            if start is None or change.on_date <= start:
                message = f"{change.member_code} leaves {change.group_code} on {change.on_date} but is not a member"
                return [], [Finding("REG-NOT-MEMBER", message, rule=rule)]
            periods.append((start, change.on_date - timedelta(days=1)))
            start = None
    if start is not None:
        periods.append((start, OPEN_END))
    return periods, []


def _apply_changes(session: Session, group: Provider, member_code: str, rule: str) -> list[Finding]:
    _, findings = _periods(_effective_changes(session, group, member_code), rule)
    if not findings:
        _rebuild(session, group.code, member_code)
    return findings


def _rebuild(session: Session, group_code: str, member_code: str) -> None:
    """Write the member's periods in ``membership`` from the changes that count (what the billing rules read)."""
    group = session.get(Provider, group_code)
    assert group is not None
    periods, _ = _periods(_effective_changes(session, group, member_code), "")
    session.execute(
        delete(Membership).where(
            Membership.group_code == group_code,
            Membership.member_code == member_code,
            Membership.source == "registration",
        )
    )
    session.add_all(
        Membership(
            group_code=group_code,
            member_code=member_code,
            kind=MEMBERSHIP_KIND[group.kind],
            valid_from=start,
            valid_to=end,
            source="registration",
        )
        for start, end in periods
    )
    session.flush()


# --- history and export ---


def export_json(session: Session) -> list[dict[str, Any]]:
    """Every registration with its history, documents (name, role, SHA-256) and member change."""
    events: dict[int, list[dict[str, Any]]] = {}
    for e in session.scalars(select(RegistrationEvent).order_by(RegistrationEvent.id)):
        events.setdefault(e.registration_id, []).append(
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
        )
    documents: dict[int, list[dict[str, Any]]] = {}
    for d in session.scalars(select(RegistrationDocument).order_by(RegistrationDocument.id)):
        documents.setdefault(d.registration_id, []).append(
            {"role": d.role, "file_name": d.file_name, "sha256": d.sha256, "received_at": d.received_at.isoformat()}
        )
    changes = {c.registration_id: c for c in session.scalars(select(MemberChange))}
    out: list[dict[str, Any]] = []
    for r in session.scalars(select(Registration).order_by(Registration.id)):
        change = changes.get(r.id)
        out.append(
            {
                "id": r.id,
                "kind": r.kind,
                "provider_kind": r.provider_kind,
                "name": r.name,
                "applicant": r.applicant,
                "status": r.status,
                "provider_code": r.provider_code,
                "reason": r.reason,
                "asked_at": r.asked_at.isoformat(),
                "decided_by": r.decided_by,
                "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                "member_change": None
                if change is None
                else {
                    "member_code": change.member_code,
                    "change": change.change,
                    "on_date": change.on_date.isoformat(),
                    "employment": change.employment,
                },
                "documents": documents.get(r.id, []),
                "history": events.get(r.id, []),
            }
        )
    return out


CSV_COLUMNS = ("registration", "kind", "provider_code", "status", "at", "actor", "action", "detail")


def export_csv(session: Session) -> str:
    """The history as CSV, one row per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in export_json(session):
        for e in r["history"]:
            head = [r["id"], r["kind"], r["provider_code"] or "", r["status"]]
            writer.writerow([*head, e["at"], e["actor"], e["action"], e["detail"]])
    return buffer.getvalue()
