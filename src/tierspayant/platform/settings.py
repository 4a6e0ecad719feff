"""Platform settings: embedded defaults, then one optional TOML file, then ``TIERSPAYANT_*`` environment variables.

Everything lives under ``var_dir`` by default (SQLite files, mailboxes, keys, documents), so ``make run`` needs
nothing installed. ``TIERSPAYANT_DATABASE_URL=postgresql://…`` moves all three parties to PostgreSQL: each gets
its own schema (``tp_platform``, ``tp_fund``, ``tp_practice``; the prefix is ``schema_prefix``) because practice
and fund never share tables.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tierspayant.core.findings import Finding, FindingsError

ENV_PREFIX = "TIERSPAYANT_"
SETTINGS_FILE_ENV = "TIERSPAYANT_SETTINGS"
DEFAULT_SETTINGS_FILE = Path("tierspayant.toml")
MEBIBYTE = 1024 * 1024
_SEARCH_PATH = re.compile(r"search_path=([A-Za-z_][A-Za-z0-9_]*)")

Party = str  # platform, or one of a scheme's parties: fund, practice, mutuality, nurse…


class Settings(BaseModel):
    """Every knob of the platform, with the embedded default a newcomer gets from ``make run``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    var_dir: Path = Path("var")
    database_url: str | None = Field(None, description="Platform store; a PostgreSQL URL moves every party there.")
    fund_database_url: str | None = None
    practice_database_url: str | None = None
    party_database_urls: dict[str, str] = Field(
        default_factory=dict, description="Any party's own URL (mutuality, nurse…), by party name"
    )
    schema_prefix: str = Field("tp", pattern=r"^[a-z][a-z0-9_]{0,20}$", description="PostgreSQL: <prefix>_<party>")
    http_host: str = "127.0.0.1"
    http_port: int = Field(8000, ge=0, le=65535)
    sftp_host: str = "127.0.0.1"
    sftp_port: int = Field(2222, ge=0, le=65535)
    mailbox_quota_bytes: int = Field(200 * MEBIBYTE, gt=0)
    max_file_bytes: int = Field(50 * MEBIBYTE, gt=0)
    worker_poll_seconds: float = Field(2.0, gt=0)
    token_ttl_hours: int = Field(24 * 30, gt=0)
    secret_key: str | None = Field(None, description="Signs web session cookies; generated under var_dir if unset.")
    demo: bool = Field(True, description="Create demo data (practice, patients, accounts) on first start.")

    # Folders derived from var_dir.
    @property
    def mailbox_root(self) -> Path:
        return self.var_dir / "mailboxes"

    @property
    def archive_dir(self) -> Path:
        return self.var_dir / "archive"

    @property
    def work_dir(self) -> Path:
        return self.var_dir / "work"

    @property
    def documents_dir(self) -> Path:
        return self.var_dir / "documents"

    @property
    def keys_dir(self) -> Path:
        return self.var_dir / "keys"

    @property
    def host_key_path(self) -> Path:
        return self.keys_dir / "ssh_host_ed25519_key"

    def url_for(self, party: Party) -> str:
        """The database URL of one party (platform, fund or practice)."""
        explicit = {"fund": self.fund_database_url, "practice": self.practice_database_url}.get(party)
        explicit = explicit or self.party_database_urls.get(party)
        if explicit:
            return explicit
        if self.database_url and _is_postgres(self.database_url):
            if party != "platform" and _SEARCH_PATH.search(unquote(self.database_url)):
                # The URL chose the platform's schema: each other party gets its own beside it (never shared:
                # every party has its own migration history).
                return _SEARCH_PATH.sub(lambda m: f"search_path={m.group(1)}_{party}", unquote(self.database_url))
            return _with_schema(self.database_url, f"{self.schema_prefix}_{party}")
        if self.database_url and party == "platform":
            return self.database_url
        return f"sqlite:///{(self.var_dir / f'{party}.db').resolve()}"

    def session_secret(self) -> str:
        """The cookie-signing key: the configured one, or one generated once and kept in ``var_dir``."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key)
        return key


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql:", "postgresql+", "postgres:"))


def _with_schema(url: str, schema: str) -> str:
    """Point a PostgreSQL URL at the party's own schema (unless the URL already chooses a search_path)."""
    if "search_path" in url:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def load_settings(
    environ: Mapping[str, str] | None = None, settings_file: Path | None = None, **overrides: Any
) -> Settings:
    """Defaults ← settings file (``TIERSPAYANT_SETTINGS`` or ``./tierspayant.toml``) ← environment ← overrides.

    A bad value gives a :class:`FindingsError` naming the source and the key.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = settings_file or (Path(environ[SETTINGS_FILE_ENV]) if SETTINGS_FILE_ENV in environ else None)
    if path is None and DEFAULT_SETTINGS_FILE.exists():
        path = DEFAULT_SETTINGS_FILE
    if path is not None:
        values.update(_read_settings_file(path))
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in environ and environ[key] != "":
            values[name] = environ[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise FindingsError(
            [
                Finding(
                    code="PLT-SETTINGS",
                    message=f"{error['msg']} (got {error.get('input')!r})",
                    file=str(path) if path else "environment",
                    location=ENV_PREFIX + ".".join(str(p) for p in error["loc"]).upper(),
                    rule="settings",
                )
                for error in exc.errors()
            ]
        ) from exc
    # Anchored once: the worker and the engine hand paths to each other, relative ones would drift.
    return settings.model_copy(update={"var_dir": settings.var_dir.resolve()})


def _read_settings_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FindingsError(
            [Finding(code="PLT-SETTINGS", message=f"cannot read the settings file: {exc}", file=str(path))]
        ) from exc
    # Accept either top-level keys or a [tierspayant] table.
    table = data.get("tierspayant", data)
    if not isinstance(table, dict):
        raise FindingsError([Finding(code="PLT-SETTINGS", message="[tierspayant] must be a table", file=str(path))])
    return dict(table)
