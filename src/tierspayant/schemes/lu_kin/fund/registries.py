"""The fund's own registries: insured persons (birth date, fund affiliation periods) and providers (codes, kind,
association and joint-invoicing memberships with periods). Rules read them as frames fetched once per file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from importlib import resources

import polars as pl
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tierspayant.core.identifiers.matricule import check_matricule
from tierspayant.core.identifiers.provider import ProviderCodeError, normalize_provider_code
from tierspayant.schemes.lu_kin.reference import OPEN_END
from tierspayant.schemes.lu_kin.store.fund.models import Affiliation, Insured, Membership, Provider

FUNDS = ("CNS", "CMFEP", "CMFEC", "EMCFL", "AAA")
PROVIDER_KINDS = ("physiotherapist", "association", "group", "institution")
# A liberal association bills under its common code; groups and institutions bill for declared members.
MEMBERSHIP_KIND = {"association": "association", "group": "joint_invoicing", "institution": "joint_invoicing"}

AffiliationSpec = tuple[str, date, date | None]  # (fund, valid_from, valid_to or None = still affiliated)
MembershipSpec = tuple[str, date, date | None]  # (member provider code, valid_from, valid_to or None)


def add_insured(session: Session, matricule: str, birth_date: date, affiliations: Sequence[AffiliationSpec]) -> None:
    """Register (or update) a person and replace their affiliation periods."""
    check = check_matricule(matricule)
    if not check.valid:
        raise ValueError(f"matricule {matricule}: {'; '.join(check.reasons)}")
    for fund, valid_from, valid_to in affiliations:
        if fund not in FUNDS:
            raise ValueError(f"fund {fund!r} is not one of {', '.join(FUNDS)}")
        if valid_to is not None and valid_to < valid_from:
            raise ValueError(f"affiliation to {fund}: {valid_to} is before {valid_from}")
    person = session.get(Insured, matricule)
    if person is None:
        session.add(Insured(matricule=matricule, birth_date=birth_date))
    else:
        person.birth_date = birth_date
    session.flush()
    session.execute(delete(Affiliation).where(Affiliation.matricule == matricule))
    session.add_all(
        Affiliation(matricule=matricule, fund=fund, valid_from=start, valid_to=end or OPEN_END)
        for fund, start, end in affiliations
    )


def add_provider(session: Session, code: str, name: str, kind: str, memberships: Sequence[MembershipSpec] = ()) -> str:
    """Register (or update) a provider code; for an association or group, replace its members. Returns the code."""
    normalized = _provider_code(code)
    if kind not in PROVIDER_KINDS:
        raise ValueError(f"provider kind {kind!r} is not one of {', '.join(PROVIDER_KINDS)}")
    if memberships and kind not in MEMBERSHIP_KIND:
        raise ValueError(f"a {kind} has no members (only {', '.join(MEMBERSHIP_KIND)} do)")
    provider = session.get(Provider, normalized)
    if provider is None:
        session.add(Provider(code=normalized, name=name, kind=kind))
    else:
        provider.name, provider.kind = name, kind
    session.flush()
    # an import replaces what an import wrote; the members declared through fund.registrations stay
    session.execute(delete(Membership).where(Membership.group_code == normalized, Membership.source == "import"))
    for member, valid_from, valid_to in memberships:
        member_code = _provider_code(member)
        if session.get(Provider, member_code) is None:
            raise ValueError(f"member {member_code} of {normalized} is not a registered provider: add it first")
        if valid_to is not None and valid_to < valid_from:
            raise ValueError(f"membership of {member_code}: {valid_to} is before {valid_from}")
        session.add(
            Membership(
                group_code=normalized,
                member_code=member_code,
                kind=MEMBERSHIP_KIND[kind],
                valid_from=valid_from,
                valid_to=valid_to or OPEN_END,
            )
        )
    session.flush()
    return normalized


def _provider_code(code: str) -> str:
    try:
        return normalize_provider_code(code)
    except ProviderCodeError as exc:
        raise ValueError(f"provider code {code!r}: {exc}") from exc


def registries_empty(session: Session) -> bool:
    insured = session.scalar(select(func.count()).select_from(Insured)) or 0
    providers = session.scalar(select(func.count()).select_from(Provider)) or 0
    return insured == 0 and providers == 0


def load_sample_registries(session: Session) -> None:
    """The SAMPLE insured persons and providers that match ``tierspayant.schemes.lu_kin.examples``."""
    folder = resources.files("tierspayant.schemes.lu_kin.fund").joinpath("sample_registries")

    def rows(name: str) -> Iterable[dict[str, str]]:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        return csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))

    people: dict[tuple[str, date], list[AffiliationSpec]] = {}
    for row in rows("insured.csv"):
        periods = people.setdefault((row["matricule"], date.fromisoformat(row["birth_date"])), [])
        periods.append((row["fund"], date.fromisoformat(row["valid_from"]), _optional_date(row["valid_to"])))
    for (matricule, birth), periods in people.items():
        add_insured(session, matricule, birth, periods)
    members: dict[str, list[MembershipSpec]] = {}
    for row in rows("memberships.csv"):
        members.setdefault(row["group_code"], []).append(
            (row["member_code"], date.fromisoformat(row["valid_from"]), _optional_date(row["valid_to"]))
        )
    providers = list(rows("providers.csv"))
    for row in providers:  # members first, so that groups can name them
        add_provider(session, row["code"], row["name"], row["kind"])
    for row in providers:
        if row["code"] in members:
            add_provider(session, row["code"], row["name"], row["kind"], members[row["code"]])


def _optional_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# --- frames for the rules (fetched once per file) ---

AFFILIATION_SCHEMA = {"matricule": pl.Utf8, "fund": pl.Utf8, "valid_from": pl.Date, "valid_to": pl.Date}
INSURED_SCHEMA = {"matricule": pl.Utf8, "birth_date": pl.Date}
MEMBERSHIP_SCHEMA = {
    "group_code": pl.Utf8,
    "member_code": pl.Utf8,
    "kind": pl.Utf8,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
}
PROVIDER_SCHEMA = {"code": pl.Utf8, "name": pl.Utf8, "kind": pl.Utf8}
