"""The versioned reference tables the REFAC rules read, loaded from a directory of CSV files (+ ``manifest.yaml``).

The package ships a labelled SAMPLE set (``schemes/be_nursing/reference/``); a mutuality points
``reference_dir`` at its real tables with the same columns. Every table is a Polars frame registered under its file
name (without ``.csv``) for the rule queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import polars as pl
import yaml

PACKAGE = "tierspayant.schemes.be_nursing"

_DATE = pl.Date
_TEXT = pl.Utf8
_INT = pl.Int64
_BOOL = pl.Boolean

SCHEMAS: dict[str, dict[str, Any]] = {
    "nomenclature": {
        "code": _INT,
        "label": _TEXT,
        "family": _TEXT,
        "limit_group": _TEXT,
        "visit_rank": _INT,
        "eid_required": _BOOL,
        "medical_house_covered": _BOOL,
        "ceiling_counted": _BOOL,
        "norm_statistical": _BOOL,
        "valid_from": _DATE,
        "valid_to": _DATE,
    },
    "cumulation_pairs": {"code_a": _INT, "code_b": _INT, "scope": _TEXT, "valid_from": _DATE, "valid_to": _DATE},
    "prerequisites": {"code": _INT, "required_code": _INT, "valid_from": _DATE, "valid_to": _DATE},
    "limits": {"limit_group": _TEXT, "max_units_per_day": _INT, "valid_from": _DATE, "valid_to": _DATE},
    "ceilings": {"ceiling_cents_per_day": _INT, "valid_from": _DATE, "valid_to": _DATE},
    "insurability": {
        "niss": _TEXT,
        "mutuality": _INT,
        "ct1": _INT,
        "ct2": _INT,
        "valid_from": _DATE,
        "valid_to": _DATE,
    },
    "care_paths": {"niss": _TEXT, "kind": _TEXT, "start_date": _DATE, "end_date": _DATE},
    "medical_house_contracts": {
        "niss": _TEXT,
        "medical_house": _TEXT,
        "disciplines": _TEXT,
        "start_date": _DATE,
        "end_date": _DATE,
    },
    "hospital_stays": {"niss": _TEXT, "hospital": _TEXT, "admission_date": _DATE, "discharge_date": _DATE},
    "palliative_notifications": {"niss": _TEXT, "notifier": _TEXT, "registered_on": _DATE, "effective_from": _DATE},
    # the mutuality's PUCs (points uniques de contact) and the nurse or group each serves, versioned: assignments
    # change four times a year; zone 18 of records 20 and 80 must carry the PUC serving the sending's third party
    "pucs": {"puc": _INT, "name": _TEXT, "third_party": _TEXT, "valid_from": _DATE, "valid_to": _DATE},
}


@dataclass(frozen=True)
class ReferenceData:
    """All reference tables of one version."""

    version: str
    label: str
    tables: dict[str, pl.DataFrame]

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name]

    def replace(self, **tables: pl.DataFrame) -> ReferenceData:
        """A copy with some tables replaced (same columns, checked) — used by tests and benchmarks."""
        merged = dict(self.tables)
        for name, frame in tables.items():
            merged[name] = conform(name, frame)
        return ReferenceData(self.version, self.label, merged)


def sample_dir() -> Traversable:
    return resources.files(PACKAGE).joinpath("reference")


def load_reference(directory: str | Path | Traversable | None = None) -> ReferenceData:
    """Read every table of ``directory`` (default: the packaged SAMPLE set); a missing file or column is an error."""
    root: Traversable = sample_dir() if directory is None else _as_traversable(directory)
    manifest = yaml.safe_load(root.joinpath("manifest.yaml").read_text(encoding="utf-8")) or {}
    tables: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        entry = root.joinpath(f"{name}.csv")
        if not entry.is_file():
            raise FileNotFoundError(f"reference table {name}.csv missing in {root}")
        frame = pl.read_csv(
            entry.read_bytes(),
            comment_prefix="#",
            schema_overrides={k: (pl.Utf8 if v in (_DATE, _BOOL) else v) for k, v in schema.items()},
        )
        tables[name] = conform(name, frame, source=str(entry))
    return ReferenceData(str(manifest.get("version", "unversioned")), str(manifest.get("label", "")), tables)


def conform(name: str, frame: pl.DataFrame, source: str | None = None) -> pl.DataFrame:
    """Check a table's columns and cast them to the declared types (dates ISO ``YYYY-MM-DD``, booleans true/false)."""
    schema = SCHEMAS[name]
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"reference table {source or name}: missing column(s) {', '.join(missing)}")
    casts = []
    for column, dtype in schema.items():
        current = frame.schema[column]
        if current == dtype:
            casts.append(pl.col(column))
        elif dtype == _DATE and current in (pl.Utf8, pl.String):
            casts.append(pl.col(column).str.strip_chars().str.to_date("%Y-%m-%d", strict=True))
        elif dtype == _BOOL and current in (pl.Utf8, pl.String):
            casts.append(pl.col(column).str.strip_chars().str.to_lowercase().is_in(["true", "1", "yes"]))
        elif current == pl.Null:
            casts.append(pl.col(column).cast(dtype))
        else:
            casts.append(pl.col(column).cast(dtype, strict=True))
    return frame.select(casts)


def _as_traversable(directory: str | Path | Traversable) -> Traversable:
    if isinstance(directory, str | Path):
        path = Path(directory)
        if not path.is_dir():
            raise FileNotFoundError(f"reference directory {path} does not exist")
        return path
    return directory
