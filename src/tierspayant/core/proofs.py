"""The archive of digital proofs (KIN cahier des charges art. 8): every file sent or received, kept with its
SHA-256 in an append-only, tamper-evident register — at each end (the fund's platform, the provider's practice).

Layout of an archive folder::

    register.jsonl            one JSON entry per line, never rewritten: seq, at, direction, kind, party, name,
                              sha256, size, retain_until, previous (the hash of the entry before), hash
    files/ab/abcdef….bin      each distinct content once, named by its SHA-256

``hash`` is the SHA-256 of the entry's other fields (canonical JSON) — which include the previous entry's hash: a
changed, removed or re-ordered entry breaks the chain from there on, and a changed file no longer has its hash.
:func:`verify` checks both and names the first entry that differs. Appends are serialised by ``flock`` and each is
flushed to disk (``fsync``) before the call returns.

Retention: each kind of document has a period (``RETENTION_YEARS``; the default applies to any other kind);
``expired`` lists what may be destroyed — the register itself is never shortened.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tierspayant.core.outbox import write_atomic

REGISTER = "register.jsonl"
GENESIS = "0" * 64
# Years each kind of document is kept (SAMPLE values: billing and authorisation documents as accounting records,
# 10 years; receipts and notifications 5). The fund's legal department confirms them.
RETENTION_YEARS: dict[str, int] = {
    "authorisation": 10,
    "billing": 10,
    "prescription": 10,
    "reply": 10,
    "receipt": 5,
}
DEFAULT_RETENTION_YEARS = 10
FIELDS = ("seq", "at", "direction", "kind", "party", "name", "sha256", "size", "retain_until", "previous")


@dataclass(frozen=True)
class Proof:
    seq: int
    at: str
    direction: str  # "received" or "sent"
    kind: str
    party: str  # the provider (mailbox) the file came from or went to
    name: str
    sha256: str
    size: int
    retain_until: str
    previous: str
    hash: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> Proof:
        return cls(**{key: data[key] for key in (*FIELDS, "hash")})


def _entry_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps({key: fields[key] for key in FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ProofArchive:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def stored(self, sha256: str) -> Path:
        return self.folder / "files" / sha256[:2] / f"{sha256}.bin"

    def keep(self, path: Path, direction: str, kind: str, party: str, at: datetime | None = None) -> Proof:
        """Keep a copy of the file and append its entry; returns the entry."""
        sha256, size = _sha256(path)
        stored = self.stored(sha256)
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(stored, path.read_bytes())
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        years = RETENTION_YEARS.get(kind, DEFAULT_RETENTION_YEARS)
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / REGISTER, "a+", encoding="utf-8") as register:
            fcntl.flock(register, fcntl.LOCK_EX)
            try:
                register.seek(0)
                last = None
                for line in register:
                    if line.strip():
                        last = line
                previous = json.loads(last) if last else None
                fields: dict[str, Any] = {
                    "seq": previous["seq"] + 1 if previous else 1,
                    "at": moment.isoformat(timespec="seconds"),
                    "direction": direction,
                    "kind": kind,
                    "party": party,
                    "name": path.name,
                    "sha256": sha256,
                    "size": size,
                    "retain_until": _add_years(moment.date(), years).isoformat(),
                    "previous": previous["hash"] if previous else GENESIS,
                }
                fields["hash"] = _entry_hash(fields)
                register.seek(0, os.SEEK_END)
                register.write(json.dumps(fields, ensure_ascii=False) + "\n")
                register.flush()
                os.fsync(register.fileno())
            finally:
                fcntl.flock(register, fcntl.LOCK_UN)
        return Proof.of(fields)

    def entries(self) -> Iterator[Proof]:
        register = self.folder / REGISTER
        if not register.exists():
            return
        with register.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield Proof.of(json.loads(line))

    def verify(self) -> list[str]:
        """Every problem found (empty: the archive is intact): broken chain, altered entry, missing or altered file."""
        problems: list[str] = []
        previous, expected_seq = GENESIS, 1
        register = self.folder / REGISTER
        if not register.exists():
            return problems
        with register.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    fields = json.loads(line)
                    proof = Proof.of(fields)
                except (ValueError, KeyError, TypeError):
                    problems.append(f"line {number}: not a register entry")
                    break
                if proof.seq != expected_seq or proof.previous != previous:
                    problems.append(f"line {number} (entry {proof.seq}): the chain is broken before it")
                if _entry_hash(fields) != proof.hash:
                    problems.append(f"line {number} (entry {proof.seq}, {proof.name}): the entry was altered")
                stored = self.stored(proof.sha256)
                if not stored.exists():
                    problems.append(f"entry {proof.seq} ({proof.name}): its file is missing")
                elif _sha256(stored)[0] != proof.sha256:
                    problems.append(f"entry {proof.seq} ({proof.name}): its file was altered")
                previous, expected_seq = proof.hash, proof.seq + 1
        return problems

    def expired(self, on: date) -> list[Proof]:
        return [p for p in self.entries() if date.fromisoformat(p.retain_until) < on]

    def export(self, destination: Path, party: str | None = None, mentions: str | None = None) -> list[Proof]:
        """Copy the files of one provider (``party``) and/or whose content mentions an identifier (a patient's
        matricule or NISS) into ``destination`` (``<seq>-<direction>-<name>``), with their register entries."""
        chosen = []
        needle = mentions.encode() if mentions else None
        for proof in self.entries():
            if party is not None and proof.party != party:
                continue
            stored = self.stored(proof.sha256)
            if needle is not None and (not stored.exists() or needle not in stored.read_bytes()):
                continue
            chosen.append(proof)
        destination.mkdir(parents=True, exist_ok=True)
        for proof in chosen:
            shutil.copyfile(self.stored(proof.sha256), destination / f"{proof.seq:08d}-{proof.direction}-{proof.name}")
        lines = [json.dumps(proof.__dict__, ensure_ascii=False) for proof in chosen]
        (destination / "entries.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return chosen


# The kind of a file from its name, for its retention period: KIN names carry their type between underscores
# (``…_KIN_DEMAUT_…``), eFact replies their message number as the suffix (``920000.920900``).
_KINDS = (
    ((".deposit.json", ".ack.json", "acknowledg", ".931000"), "receipt"),
    (("_DEMAUT_", "_RETAUT_"), "authorisation"),
    ((".9200", ".9209"), "reply"),
    (("_FAC_", "_RETFAC_", "920000"), "billing"),
    ((".pdf",), "prescription"),
)


def kind_of(name: str) -> str:
    lowered = name.lower()
    for tokens, kind in _KINDS:
        if any(token.lower() in lowered for token in tokens):
            return kind
    return "file"
