"""Backup and restore of every party's database and of the platform's files (archive, mailboxes).

``backup(settings, destination)`` writes into an empty folder:

* each party's database (``platform``, and the schemes' ``fund``, ``practice``, ``mutuality``, ``nurse`` when they
  exist): SQLite through its online backup API (a consistent copy while the platform runs) as ``<party>.db``;
  PostgreSQL through ``pg_dump --format=custom`` of the party's schema as ``<party>.dump``;
* the folders ``archive/`` (every deposit as received) and ``mailboxes/`` (what providers have not collected);
* ``manifest.json``: every file with its SHA-256, checked again by ``restore`` before anything is overwritten.

``restore(settings, source)`` puts them back (the platform stopped): SQLite files replaced through the backup API,
PostgreSQL schemas dropped and restored with ``pg_restore``, folders replaced. Deposits interrupted at backup time
are picked up again by the worker, which is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import make_url

from tierspayant.platform.settings import Settings

PARTIES = ("platform", "fund", "practice", "mutuality", "nurse")
FOLDERS = ("archive", "mailboxes")
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class _Database:
    party: str
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        database = make_url(self.url).database
        assert database
        return Path(database)

    @property
    def schema(self) -> str | None:
        """The PostgreSQL schema the URL selects (``options=-csearch_path=…``), or None for the default."""
        options = unquote(make_url(self.url).query.get("options", "") or "")  # type: ignore[arg-type]
        for option in options.split():
            if option.startswith("-csearch_path="):
                return option.removeprefix("-csearch_path=").split(",")[0]
        return None

    @property
    def libpq_url(self) -> str:
        url = make_url(self.url).set(drivername="postgresql")
        return url.set(query={}).render_as_string(hide_password=False)


def _databases(settings: Settings, parties: tuple[str, ...]) -> list[_Database]:
    return [_Database(party, settings.url_for(party)) for party in parties]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(settings: Settings, destination: Path, parties: tuple[str, ...] = PARTIES) -> list[str]:
    """Back up into ``destination`` (created, must be empty); returns the parties whose database was saved."""
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: a backup goes into a folder of its own")
    saved: list[str] = []
    for database in _databases(settings, parties):
        if database.is_sqlite:
            if not database.sqlite_path.exists():
                continue
            source = sqlite3.connect(database.sqlite_path)
            target = sqlite3.connect(destination / f"{database.party}.db")
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            command = ["pg_dump", "--format=custom", "--no-owner", f"--file={destination / database.party}.dump"]
            if database.schema:
                command.append(f"--schema={database.schema}")
            if not _pg_schema_exists(database):
                continue
            _run([*command, database.libpq_url])
        saved.append(database.party)
    for folder in FOLDERS:
        if (settings.var_dir / folder).exists():
            shutil.copytree(settings.var_dir / folder, destination / folder, symlinks=True)
    files = sorted(p for p in destination.rglob("*") if p.is_file())
    manifest = {
        "parties": saved,
        "schemas": {d.party: d.schema for d in _databases(settings, tuple(saved)) if not d.is_sqlite},
        "files": {str(p.relative_to(destination)): _sha256(p) for p in files},
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return saved


def verify(source: Path) -> dict[str, object]:
    """The backup's manifest, after checking every file's SHA-256 (``BackupError`` naming the first bad one)."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup")
    manifest: dict[str, object] = json.loads(manifest_path.read_text())
    files = manifest["files"]
    assert isinstance(files, dict)
    for name, digest in files.items():
        path = source / name
        if not path.exists() or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or altered in the backup (SHA-256 differs)")
    return manifest


def restore(settings: Settings, source: Path) -> list[str]:
    """Restore a backup made by :func:`backup` (the platform stopped); returns the parties restored."""
    manifest = verify(source)
    parties = manifest["parties"]
    assert isinstance(parties, list)
    for database in _databases(settings, tuple(parties)):
        if database.is_sqlite:
            database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            for stale in (Path(f"{database.sqlite_path}-wal"), Path(f"{database.sqlite_path}-shm")):
                stale.unlink(missing_ok=True)
            saved = sqlite3.connect(source / f"{database.party}.db")
            target = sqlite3.connect(database.sqlite_path)
            try:
                with target:
                    saved.backup(target)
            finally:
                saved.close()
                target.close()
        else:
            if database.schema:
                _run(["psql", "-q", "-c", f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE', database.libpq_url])
            _run(["pg_restore", "--no-owner", f"--dbname={database.libpq_url}", str(source / f"{database.party}.dump")])
    for folder in FOLDERS:
        shutil.rmtree(settings.var_dir / folder, ignore_errors=True)
        if (source / folder).exists():
            shutil.copytree(source / folder, settings.var_dir / folder, symlinks=True)
    return [str(p) for p in parties]


def _pg_schema_exists(database: _Database) -> bool:
    schema = database.schema or "public"
    query = f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{schema.replace(chr(39), '')}'"
    done = _run(["psql", "-tA", "-c", query, database.libpq_url])
    return done.stdout.strip() == "1"


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")
    return done
