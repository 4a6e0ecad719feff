"""Load and check a reference set of the doctors' scheme (a folder of CSV files, one per table of ``tables.SPECS``).

The shipped set is SAMPLE (its files say so on their first line): the official tables of the Mémorial A n° 588 of
24 December 2024 are not at hand. An official drop replaces it file by file, same columns, without code changes:
``load_reference_dir(path)``. Every problem becomes a Finding naming the file, the physical line and the column;
all problems of all files are collected before one ``FindingsError`` is raised.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import parse_euros, to_cents
from tierspayant.schemes.lu_doctors.reference.tables import ACT_TYPES, PARAMETER_KINDS, SPECS, Kind, TableSpec

OPEN_END = date(9999, 12, 31)
SAMPLE_MARK = "SAMPLE"
MAX_FILE_BYTES = 50 * 1024 * 1024
RULE = "lu_doctors reference data"
_POLARS: dict[Kind, Any] = {
    "text": pl.Utf8,
    "opt_text": pl.Utf8,
    "int": pl.Int64,
    "euros": pl.Int64,
    "opt_euros": pl.Int64,
    "date": pl.Date,
    "opt_date": pl.Date,
    "bool": pl.Boolean,
}


@dataclass(frozen=True)
class ReferenceSet:
    """The checked tables (Polars frames; euros as ``<column>_cents``), their origin and a content hash."""

    tables: dict[str, pl.DataFrame]
    files: dict[str, str]
    source: str
    version: str
    sample: bool

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name]

    def valid_on(self, name: str, on: date) -> pl.DataFrame:
        """The rows of table ``name`` valid on ``on``."""
        frame = self.tables[name]
        return frame.filter((pl.col("valid_from") <= on) & (pl.col("valid_to") >= on))

    def act(self, code: str, on: date) -> dict[str, Any] | None:
        """The nomenclature row of ``code`` valid on ``on`` (None when the act does not exist on that date)."""
        rows = self.valid_on("nomenclature", on).filter(pl.col("act_code") == code).to_dicts()
        return rows[0] if rows else None

    def tariff(self, code: str, on: date) -> Decimal:
        """The official tariff of an act on a date, in euros; KeyError when the act is not valid then."""
        row = self.act(code, on)
        if row is None:
            raise KeyError(f"act {code} is not in the nomenclature on {on} (reference set {self.version})")
        return (Decimal(int(row["tariff_cents"])) / 100).quantize(Decimal("0.01"))

    def parameter(self, name: str, on: date) -> int | date:
        rows = self.valid_on("parameters", on).filter(pl.col("name") == name)
        if rows.height != 1:
            raise KeyError(f"parameter {name} has no value valid on {on} in reference set {self.version}")
        text = str(rows["value"][0])
        return date.fromisoformat(text) if PARAMETER_KINDS[name] == "date" else int(text)

    def int_parameter(self, name: str, on: date) -> int:
        value = self.parameter(name, on)
        if not isinstance(value, int):
            raise TypeError(f"parameter {name} is not a number")
        return value

    def date_parameter(self, name: str, on: date) -> date:
        value = self.parameter(name, on)
        if not isinstance(value, date):
            raise TypeError(f"parameter {name} is not a date")
        return value

    def fund_codes(self, on: date) -> set[str]:
        return set(self.valid_on("funds", on)["fund_code"].to_list())


def version_of(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


def _finding(file: str, line: int | None, column: str | None, code: str, message: str) -> Finding:
    return Finding(code=code, message=message, file=file, line=line, location=column, rule=RULE)


def sample_files() -> dict[str, str]:
    """The SAMPLE set shipped with the package (clearly marked: not the official CNS tables)."""
    folder = resources.files("tierspayant.schemes.lu_doctors.reference").joinpath("sample")
    return {
        item.name: item.read_text(encoding="utf-8")
        for item in folder.iterdir()
        if item.name.endswith(".csv") and item.name.removesuffix(".csv") in SPECS
    }


def read_reference_dir(directory: Path) -> dict[str, str]:
    """The reference CSV files of ``directory``; a table missing there is taken from nowhere (it is reported)."""
    if not directory.is_dir():
        raise FindingsError([_finding(str(directory), None, None, "REF-MISSING", "not a folder")])
    files: dict[str, str] = {}
    for path in sorted(directory.glob("*.csv")):
        if path.stem in SPECS and path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                raise FindingsError([_finding(path.name, None, None, "REF-SIZE", "larger than 50 MB")])
            files[path.name] = path.read_text(encoding="utf-8-sig")
    return files


def load_sample_reference() -> ReferenceSet:
    return load_reference_files(sample_files(), source="SAMPLE (tierspayant.schemes.lu_doctors.reference/sample)")


def load_reference_dir(directory: Path) -> ReferenceSet:
    return load_reference_files(read_reference_dir(directory), source=str(directory))


def load_reference_files(files: Mapping[str, str], source: str) -> ReferenceSet:
    """Check every table and the links between them; ``FindingsError`` listing every problem."""
    findings: list[Finding] = []
    tables: dict[str, pl.DataFrame] = {}
    sample = False
    for spec in SPECS.values():
        file_name = f"{spec.name}.csv"
        if file_name not in files:
            findings.append(_finding(file_name, None, None, "REF-MISSING", f"missing: {spec.description}"))
            continue
        text = files[file_name]
        sample = sample or SAMPLE_MARK in text.split("\n", 1)[0]
        rows, problems = _parse(spec, file_name, text)
        findings += problems
        findings += _overlaps(spec, file_name, rows)
        tables[spec.name] = _frame(spec, [values for _, values in rows])
    if not findings:
        findings += _links(tables)
    if findings:
        raise FindingsError(findings)
    return ReferenceSet(tables, dict(files), source, version_of(files), sample)


def _parse(spec: TableSpec, file_name: str, text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Finding]]:
    lines = text.splitlines()
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    reader = csv.reader(io.StringIO("\n".join(lines[skip:])))
    header = next(reader, None)
    expected = list(spec.columns)
    if header != expected:
        message = f"the header must be {','.join(expected)}; found {','.join(header or [])}"
        return [], [_finding(file_name, skip + 1, None, "REF-HEADER", message)]
    rows: list[tuple[int, dict[str, Any]]] = []
    findings: list[Finding] = []
    for offset, record in enumerate(reader, start=skip + 2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(expected):
            message = f"{len(record)} values for {len(expected)} columns"
            findings.append(_finding(file_name, offset, None, "REF-COLUMNS", message))
            continue
        values: dict[str, Any] = {}
        for (column, kind), cell in zip(spec.columns.items(), record, strict=True):
            try:
                values[column] = _value(kind, cell.strip())
            except ValueError as exc:
                findings.append(_finding(file_name, offset, column, "REF-VALUE", str(exc)))
        if spec.dated and "valid_from" in values and "valid_to" in values and values["valid_to"] < values["valid_from"]:
            findings.append(_finding(file_name, offset, "valid_to", "REF-PERIOD", "valid_to is before valid_from"))
        if spec.name == "nomenclature" and values.get("act_type") not in ACT_TYPES:
            message = f"act_type is one of {', '.join(ACT_TYPES)}"
            findings.append(_finding(file_name, offset, "act_type", "REF-VALUE", message))
        if spec.name == "parameters" and values.get("name") not in PARAMETER_KINDS:
            message = f"unknown parameter {values.get('name')!r} (known: {', '.join(PARAMETER_KINDS)})"
            findings.append(_finding(file_name, offset, "name", "REF-VALUE", message))
        rows.append((offset, values))
    return rows, findings


def _value(kind: Kind, cell: str) -> Any:
    optional = kind.startswith("opt_")
    if not cell:
        if kind == "opt_date":
            return OPEN_END
        if optional:
            return None
        raise ValueError("a value is required")
    if kind in ("text", "opt_text"):
        return cell
    if kind == "int":
        if not cell.isascii() or not cell.lstrip("-").isdigit():
            raise ValueError(f"not a whole number: {cell!r}")
        return int(cell)
    if kind in ("euros", "opt_euros"):
        return to_cents(parse_euros(cell))
    if kind in ("date", "opt_date"):
        try:
            return date.fromisoformat(cell)
        except ValueError:
            raise ValueError(f"not a date YYYY-MM-DD: {cell!r}") from None
    if cell not in ("true", "false"):
        raise ValueError(f"true or false, found {cell!r}")
    return cell == "true"


def _overlaps(spec: TableSpec, file_name: str, rows: list[tuple[int, dict[str, Any]]]) -> list[Finding]:
    if not spec.dated:
        seen: dict[tuple[Any, ...], int] = {}
        found = []
        for line, values in rows:
            key = tuple(values.get(column) for column in spec.key)
            if key in seen:
                message = f"{key} already given on line {seen[key]}"
                found.append(_finding(file_name, line, None, "REF-DUPLICATE", message))
            seen[key] = line
        return found
    by_key: dict[tuple[Any, ...], list[tuple[date, date, int]]] = {}
    for line, values in rows:
        if "valid_from" not in values or "valid_to" not in values:
            continue
        key = tuple(values.get(column) for column in spec.key)
        by_key.setdefault(key, []).append((values["valid_from"], values["valid_to"], line))
    found = []
    for key, periods in by_key.items():
        periods.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(periods):
            if start <= end:
                message = f"{'/'.join(str(k) for k in key)}: the period overlaps the one on line {first}"
                found.append(_finding(file_name, second, "valid_from", "REF-OVERLAP", message))
    return found


def _frame(spec: TableSpec, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {(_cents(c) if k in ("euros", "opt_euros") else c): _POLARS[k] for c, k in spec.columns.items()}
    data = {
        (_cents(c) if k in ("euros", "opt_euros") else c): [r.get(c) for r in rows] for c, k in spec.columns.items()
    }
    return pl.DataFrame(data, schema=schema)


def _cents(column: str) -> str:
    return f"{column}_cents"


def _links(tables: dict[str, pl.DataFrame]) -> list[Finding]:
    """Links between tables: codes named in one table exist in the other."""
    findings: list[Finding] = []
    disciplines = set(tables["disciplines"]["discipline_code"].to_list())
    acts = tables["nomenclature"]
    act_types = dict(zip(acts["act_code"].to_list(), acts["act_type"].to_list(), strict=True))
    kinds = set(tables["device_kinds"]["kind_code"].to_list())
    for table, column in (("nomenclature", "discipline_code"), ("device_kinds", "discipline_code")):
        for index, value in enumerate(tables[table][column].to_list()):
            if value not in disciplines:
                message = f"discipline {value!r} is not in disciplines.csv"
                findings.append(_finding(f"{table}.csv", None, f"row {index + 1}, {column}", "REF-LINK", message))
    for index, row in enumerate(tables["device_classes"].iter_rows(named=True), start=1):
        if row["kind_code"] not in kinds:
            message = f"device kind {row['kind_code']!r} is not in device_kinds.csv"
            findings.append(_finding("device_classes.csv", None, f"row {index}, kind_code", "REF-LINK", message))
        for column in ("full_code", "reduced_code"):
            if act_types.get(row[column]) != "device_flat_rate":
                message = f"{row[column]!r} is not a device_flat_rate act of nomenclature.csv"
                findings.append(_finding("device_classes.csv", None, f"row {index}, {column}", "REF-LINK", message))
    for index, row in enumerate(tables["device_acts"].iter_rows(named=True), start=1):
        if act_types.get(row["act_code"]) != "technical":
            message = f"{row['act_code']!r} is not a technical act of nomenclature.csv"
            findings.append(_finding("device_acts.csv", None, f"row {index}, act_code", "REF-LINK", message))
    return findings
