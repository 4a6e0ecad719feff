"""The eDocuments vault behind its real HTTP API (FastAPI TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from tierspayant.schemes.lu_doctors.edocuments.api import create_app
from tierspayant.schemes.lu_doctors.edocuments.client import EDocumentsClient
from tierspayant.schemes.lu_doctors.edocuments.model import Actor, Role
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault

from .helpers import ADULT, CHILD, DOCTOR

TOKENS = {
    "t-doctor": Actor(Role.DOCTOR, "dr.anne", DOCTOR),
    "t-assistant": Actor(Role.ASSISTANT, "paul.assistant", DOCTOR),
    "t-other-doctor": Actor(Role.DOCTOR, "dr.other", "10999999"),
    "t-patient": Actor(Role.PATIENT, ADULT),
    "t-child": Actor(Role.PATIENT, CHILD),
    "t-fund": Actor(Role.FUND, "CNS"),
}


class Clock:
    """The vault's clock, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.value = datetime(2026, 3, 2, 9, 0)

    def __call__(self) -> datetime:
        return self.value


@dataclass
class Parties:
    vault: EDocumentsVault
    http: TestClient
    clock: Clock

    def client(self, token: str) -> EDocumentsClient:
        return EDocumentsClient(self.http, token)


@pytest.fixture
def parties(database_url: str) -> Iterator[Parties]:
    clock = Clock()
    vault = EDocumentsVault(database_url, now=clock)
    vault.init()
    with TestClient(create_app(vault, TOKENS)) as http:
        yield Parties(vault, http, clock)
    vault.engine.dispose()


@pytest.fixture
def other_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Returns a function giving each further party (practice, fund) its own database on the same backend."""
    import uuid

    import psycopg

    created: list[str] = []

    def make(party: str) -> str:
        if database_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path_factory.mktemp(party) / f'{party}.db'}"
        base, _, _options = database_url.partition("?options=")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        created.append(schema)
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options=-csearch_path%3D{schema}"

    yield make
    if created:
        base = database_url.partition("?options=")[0].replace("+psycopg", "")
        with psycopg.connect(base, autocommit=True) as conn:
            for schema in created:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
