"""Settings sources and precedence; accounts, passwords, keys, tokens and delegations on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import AccountStore, Right, Role
from tierspayant.platform.database import open_platform_store
from tierspayant.platform.settings import load_settings

from .conftest import make_key


def test_defaults_are_embedded(tmp_path: Path) -> None:
    settings = load_settings(environ={}, var_dir=tmp_path)
    assert (settings.http_host, settings.http_port, settings.sftp_port) == ("127.0.0.1", 8000, 2222)
    assert settings.url_for("platform") == f"sqlite:///{tmp_path.resolve() / 'platform.db'}"
    assert settings.url_for("fund").endswith("/fund.db")
    assert settings.url_for("practice").endswith("/practice.db")


def test_file_then_environment(tmp_path: Path) -> None:
    file = tmp_path / "tierspayant.toml"
    file.write_text('[tierspayant]\nhttp_port = 9000\nsftp_port = 2300\nvar_dir = "/srv/tp"\n')
    settings = load_settings(environ={"TIERSPAYANT_SETTINGS": str(file), "TIERSPAYANT_SFTP_PORT": "2400"})
    assert (settings.http_port, settings.sftp_port, settings.var_dir) == (9000, 2400, Path("/srv/tp"))


def test_postgres_url_gives_each_party_its_schema(tmp_path: Path) -> None:
    settings = load_settings(environ={"TIERSPAYANT_DATABASE_URL": "postgresql://tp@db/tp"}, var_dir=tmp_path)
    assert settings.url_for("platform") == "postgresql://tp@db/tp?options=-csearch_path%3Dtp_platform"
    assert settings.url_for("fund") == "postgresql://tp@db/tp?options=-csearch_path%3Dtp_fund"
    explicit = load_settings(
        environ={"TIERSPAYANT_DATABASE_URL": "postgresql://tp@db/tp", "TIERSPAYANT_FUND_DATABASE_URL": "sqlite:///f.db"}
    )
    assert explicit.url_for("fund") == "sqlite:///f.db"


@pytest.mark.parametrize(
    ("environ", "location"),
    [({"TIERSPAYANT_HTTP_PORT": "eighty"}, "TIERSPAYANT_HTTP_PORT"), ({"TIERSPAYANT_SFTP_PORT": "70000"}, "SFTP_PORT")],
)
def test_bad_setting_is_a_finding(environ: dict[str, str], location: str) -> None:
    with pytest.raises(FindingsError) as error:
        load_settings(environ=environ)
    [finding] = error.value.findings
    assert finding.code == "PLT-SETTINGS" and location in (finding.location or "")


def test_unknown_key_in_file_refused(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text("htp_port = 1\n")
    with pytest.raises(FindingsError) as error:
        load_settings(environ={}, settings_file=file)
    assert error.value.findings[0].file == str(file)


def test_accounts_on_both_databases(database_url: str, tmp_path: Path) -> None:
    engine, sessions = open_platform_store(database_url)
    try:
        accounts = AccountStore(sessions)
        accounts.create_account("alpha", "alpha-secret-1", Role.PROVIDER, "Alpha", "70000011")
        accounts.create_account("assist", "assist-secret-1", Role.ASSISTANT, "Assistant")
        stored = accounts.list_accounts()[0][0]
        assert stored.username == "alpha"
        # Passwords: argon2, never stored in clear.
        with engine.connect() as connection:
            hashes = [row[0] for row in connection.exec_driver_sql("SELECT password_hash FROM accounts")]
        assert all(h.startswith("$argon2id$") for h in hashes)
        assert accounts.authenticate_password("alpha", "alpha-secret-1") is not None
        assert accounts.authenticate_password("alpha", "alpha-secret-2") is None
        assert accounts.authenticate_password("ghost", "alpha-secret-1") is None
        # Delegated rights: prepare but not send.
        accounts.delegate("assist", "70000011", {Right.PREPARE})
        assistant = accounts.principal("assist")
        assert assistant is not None
        assert assistant.may(Right.PREPARE, "70000011") and assistant.may(Right.READ, "70000011")
        assert not assistant.may(Right.SEND, "70000011") and not assistant.may(Right.READ, "70000029")
        # Keys.
        key = make_key(tmp_path, "k")
        fingerprint = accounts.add_public_key("alpha", key.public_line)
        assert fingerprint.startswith("SHA256:") and accounts.public_keys("alpha") != []
        with pytest.raises(FindingsError):
            accounts.add_public_key("alpha", "ssh-ed25519 not-base64")
        # Tokens: expiry, deactivation.
        expired = accounts.issue_token("alpha", ttl=timedelta(seconds=-1))
        assert accounts.principal_for_token(expired) is None
        token = accounts.issue_token("alpha")
        assert accounts.principal_for_token(token) is not None
        accounts.deactivate("alpha")
        assert accounts.principal_for_token(token) is None
        assert accounts.authenticate_password("alpha", "alpha-secret-1") is None
        assert accounts.public_keys("alpha") == []
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("username", "password", "role", "code"),
    [
        ("Alpha", "long-enough", Role.FUND_AGENT, None),
        ("alpha", "short", Role.FUND_AGENT, None),
        ("alpha", "long-enough", Role.PROVIDER, None),
        ("alpha", "long-enough", Role.ADMINISTRATOR, "70000011"),
        ("alpha", "long-enough", Role.PROVIDER, "12/45"),
    ],
)
def test_bad_accounts_refused(tmp_path: Path, username: str, password: str, role: Role, code: str | None) -> None:
    engine, sessions = open_platform_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with pytest.raises(FindingsError) as error:
            AccountStore(sessions).create_account(username, password, role, "x", code)
        assert error.value.findings[0].code == "PLT-ACCOUNT"
        assert AccountStore(sessions).list_accounts() == []
    finally:
        engine.dispose()


def test_one_postgres_url_gives_three_schemas(tmp_path: Path) -> None:
    """``TIERSPAYANT_DATABASE_URL`` alone moves the platform, the fund and the practice to PostgreSQL, each in its
    own schema, migrated by its own Alembic tree."""
    from tests.conftest import PG_URL, postgres_reachable

    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    import uuid

    import psycopg

    from tierspayant.platform.launch import assemble

    prefix = f"t{uuid.uuid4().hex[:10]}"
    parties = (
        "platform",
        "fund",
        "practice",
        "mutuality",
        "doctors_fund",
        "doctors_practice",
        "edocuments",
        "doctors_reimbursement",
    )
    settings = load_settings(
        environ={"TIERSPAYANT_DATABASE_URL": PG_URL, "TIERSPAYANT_SCHEMA_PREFIX": prefix}, var_dir=tmp_path, demo=True
    )
    plain = PG_URL.replace("+psycopg", "")
    try:
        launch = assemble(settings)
        try:
            assert launch.scheme("lu_kin").demo is not None and len(launch.scheme("lu_kin").demo.accounts) == 4
        finally:
            launch.close()
        with psycopg.connect(plain) as connection:
            tables = connection.execute(
                "SELECT table_schema, count(*) FROM information_schema.tables WHERE table_schema LIKE %s "
                "GROUP BY table_schema",
                (f"{prefix}_%",),
            ).fetchall()
        assert {schema for schema, _ in tables} == {f"{prefix}_{party}" for party in parties}
        assert not (tmp_path / "platform.db").exists()
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            for party in parties:
                connection.execute(f'DROP SCHEMA IF EXISTS "{prefix}_{party}" CASCADE')
