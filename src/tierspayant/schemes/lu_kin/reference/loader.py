"""Load and check a KIN reference set (a folder of CSV or YAML files, one per table of ``tables.TABLES``).

Every problem becomes a Finding naming the file, the row (physical line of a CSV, item number of a YAML list) and
the column; all problems of all files are collected before raising one ``FindingsError``, so a bad official drop
is fixed in one round. Nothing here knows the sample values: official files replace them without code changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.lu_kin.formats.layouts import calendar_problems, periods
from tierspayant.schemes.lu_kin.reference.tables import PARAMETER_KINDS, SPECS, Column, TableSpec

OPEN_END = date(9999, 12, 31)
SUFFIXES = (".csv", ".yaml", ".yml")
SAMPLE_MARK = "SAMPLE"
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ReferenceSet:
    """The checked reference tables (Polars frames), where they came from and a content hash (the version)."""

    tables: dict[str, pl.DataFrame]
    files: dict[str, str]  # file name → text, kept so the fund can store exactly what it used
    source: str
    version: str  # first 16 hex digits of the SHA-256 over the sorted files
    sample: bool  # True when any file declares itself SAMPLE in its first line

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name]

    def parameter(self, name: str, on: date) -> int | date:
        """The value of parameter ``name`` valid on ``on`` (typed by ``PARAMETER_KINDS``)."""
        frame = self.tables["parameters"].filter(
            (pl.col("name") == name) & (pl.col("valid_from") <= on) & (pl.col("valid_to") >= on)
        )
        if frame.height != 1:
            raise KeyError(f"parameter {name} has no value valid on {on} in reference set {self.version}")
        text = str(frame["value"][0])
        return date.fromisoformat(text) if PARAMETER_KINDS[name] == "date" else int(text)

    def int_parameter(self, name: str, on: date) -> int:
        value = self.parameter(name, on)
        if not isinstance(value, int):
            raise TypeError(f"parameter {name} is not a number")
        return value


def version_of(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


def read_reference_dir(directory: Path) -> dict[str, str]:
    """The reference files of ``directory`` (name → text); unknown files are ignored, oversize files refused."""
    if not directory.is_dir():
        raise FindingsError([_finding(str(directory), None, None, "REF-MISSING", "not a folder")])
    files: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in SUFFIXES and path.stem in SPECS and path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                raise FindingsError([_finding(path.name, None, None, "REF-SIZE", "larger than 50 MB")])
            files[path.name] = path.read_text(encoding="utf-8-sig")
    return files


def sample_files() -> dict[str, str]:
    """The SAMPLE reference set shipped with the package (clearly not the official CNS lists)."""
    folder = resources.files("tierspayant.schemes.lu_kin.reference").joinpath("sample")
    return {
        item.name: item.read_text(encoding="utf-8")
        for item in folder.iterdir()
        if item.name.endswith(SUFFIXES) and item.name.rsplit(".", 1)[0] in SPECS
    }


def load_reference_dir(directory: Path) -> ReferenceSet:
    return load_reference_files(read_reference_dir(directory), source=str(directory))


def load_sample_reference() -> ReferenceSet:
    return load_reference_files(sample_files(), source="sample (tierspayant.schemes.lu_kin.reference/sample)")


def load_reference_files(files: Mapping[str, str], source: str) -> ReferenceSet:
    """Check every table and the links between tables; raise ``FindingsError`` listing every problem."""
    findings: list[Finding] = []
    by_table: dict[str, tuple[str, str]] = {}
    for name, text in files.items():
        stem = name.rsplit(".", 1)[0]
        if stem in by_table:
            findings.append(_finding(name, None, None, "REF-DUPLICATE", f"{by_table[stem][0]} already gives {stem}"))
            continue
        by_table[stem] = (name, text)
    tables: dict[str, pl.DataFrame] = {}
    rows_of: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for spec in SPECS.values():
        if spec.name not in by_table:
            findings.append(_finding(f"{spec.name}.csv", None, None, "REF-MISSING", f"missing: {spec.description}"))
            continue
        file_name, text = by_table[spec.name]
        rows, problems = _parse_table(spec, file_name, text)
        findings.extend(problems)
        rows_of[spec.name] = rows
        tables[spec.name] = _frame(spec, [row for _, row in rows])
    findings.extend(_check_links(rows_of, {s: by_table[s][0] for s in rows_of}))
    if findings:
        raise FindingsError(findings)
    kept = {name: text for name, text in by_table.values()}
    sample = any(SAMPLE_MARK in text.lstrip()[:200].splitlines()[0] for text in kept.values() if text.strip())
    return ReferenceSet(tables=tables, files=kept, source=source, version=version_of(kept), sample=sample)


def _finding(file: str, line: int | None, column: str | None, code: str, message: str) -> Finding:
    return Finding(code=code, message=message, file=file, line=line, location=column, rule="reference-data")


def _records(file_name: str, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw record) for each data row; CSV rows starting with '#' are comments."""
    if file_name.endswith(".csv"):
        reader = csv.reader(io.StringIO(text))
        header: list[str] | None = None
        for cells in reader:
            if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                yield reader.line_num, {"__header__": header}
                continue
            if len(cells) != len(header):
                yield reader.line_num, {"__width__": len(cells), "__expected__": len(header)}
                continue
            yield reader.line_num, dict(zip(header, cells, strict=True))
        return
    data = yaml.safe_load(text)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        yield 1, {"__yaml__": "a YAML reference file is a list of mappings (one per row)"}
        return
    if data:
        yield 0, {"__header__": sorted({str(k) for item in data for k in item})}
    for index, item in enumerate(data, start=1):
        yield index, {str(k): "" if v is None else str(v) for k, v in item.items()}


def _parse_table(spec: TableSpec, file_name: str, text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Finding]]:
    findings: list[Finding] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        records = list(_records(file_name, text))
    except (csv.Error, yaml.YAMLError) as exc:
        return [], [_finding(file_name, None, None, "REF-FORMAT", f"cannot be read: {exc}")]
    for line, record in records:
        if "__yaml__" in record:
            findings.append(_finding(file_name, line, None, "REF-FORMAT", record["__yaml__"]))
        elif "__header__" in record:
            missing = [c.name for c in spec.columns if c.name not in record["__header__"]]
            for name in missing:
                findings.append(_finding(file_name, line, name, "REF-COLUMN", f"column {name} is missing"))
            if missing:
                return [], findings
        elif "__width__" in record:
            message = f"row has {record['__width__']} cells, the header has {record['__expected__']}"
            findings.append(_finding(file_name, line, None, "REF-FORMAT", message))
        else:
            row: dict[str, Any] = {}
            for column in spec.columns:
                value, problem = _parse_cell(column, record.get(column.name, ""))
                if problem:
                    findings.append(_finding(file_name, line, column.name, "REF-VALUE", problem))
                row[column.name] = value
            if spec.periods and row.get("valid_from") and row["valid_to"] < row["valid_from"]:
                message = f"valid_to {row['valid_to']} is before valid_from {row['valid_from']}"
                findings.append(_finding(file_name, line, "valid_to", "REF-PERIOD", message))
            rows.append((line, row))
    if not rows and not findings:
        findings.append(_finding(file_name, None, None, "REF-EMPTY", "the file has no rows"))
    findings.extend(_check_overlaps(spec, file_name, rows))
    for column_name, value in spec.required_rows:
        if not any(row.get(column_name) == value for _, row in rows):
            findings.append(_finding(file_name, None, column_name, "REF-ROWS", f"no row for {column_name} = {value}"))
    return rows, findings


def _parse_cell(column: Column, raw: str) -> tuple[Any, str | None]:
    text = raw.strip()
    if not text:
        if column.required:
            return None, f"{column.name} is empty"
        return (OPEN_END if column.kind == "date" else None), None
    try:
        if column.kind == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            return date.fromisoformat(text), None
        if column.kind == "int":
            number = int(text)
            if column.minimum is not None and number < column.minimum:
                return None, f"{column.name} {number} is below {column.minimum}"
            return number, None
        if column.kind == "decimal":
            return _parse_decimal(column, text)
    except (ValueError, InvalidOperation):
        expected = {"date": "a date YYYY-MM-DD", "int": "a whole number", "decimal": "a decimal number"}
        return None, f"{column.name} {text!r} is not {expected[column.kind]}"
    items = [item.strip() for item in text.split("|")] if column.kind == "list" else [text]
    for item in items:
        if column.pattern and not re.fullmatch(column.pattern, item):
            return None, f"{column.name} {item!r} does not match {column.pattern}"
        if column.choices and item not in column.choices:
            return None, f"{column.name} {item!r} is not one of {', '.join(column.choices)}"
    return (items if column.kind == "list" else text), None


def _parse_decimal(column: Column, text: str) -> tuple[Decimal | None, str | None]:
    value = Decimal(text)
    if not value.is_finite() or value < 0:
        return None, f"{column.name} {text!r} is not a non-negative finite number"
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > column.scale:
        return None, f"{column.name} {text!r} has more than {column.scale} decimals"
    return value, None


def _check_overlaps(spec: TableSpec, file_name: str, rows: list[tuple[int, dict[str, Any]]]) -> list[Finding]:
    if not spec.key and not spec.periods:
        return []
    findings: list[Finding] = []
    groups: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = {}
    for line, row in rows:
        groups.setdefault(tuple(row.get(k) for k in spec.key), []).append((line, row))
    for key, members in groups.items():
        if None in key:
            continue
        label = ", ".join(f"{k}={v}" for k, v in zip(spec.key, key, strict=True)) or spec.name
        if not spec.periods:
            if len(members) > 1:
                lines = ", ".join(str(line) for line, _ in members)
                findings.append(_finding(file_name, members[1][0], None, "REF-OVERLAP", f"{label} on rows {lines}"))
            continue
        dated = sorted((m for m in members if m[1].get("valid_from")), key=lambda m: m[1]["valid_from"])
        for (line_a, row_a), (line_b, row_b) in itertools.pairwise(dated):
            if row_b["valid_from"] <= row_a["valid_to"]:
                message = f"{label}: period from {row_b['valid_from']} overlaps the period of line {line_a}"
                findings.append(_finding(file_name, line_b, "valid_from", "REF-OVERLAP", message))
    return findings


def _check_links(rows_of: Mapping[str, list[tuple[int, dict[str, Any]]]], names: Mapping[str, str]) -> list[Finding]:
    findings: list[Finding] = []

    def values(table: str, column: str) -> set[Any]:
        return {row[column] for _, row in rows_of.get(table, [])}

    def must_exist(table: str, column: str, target: str, target_column: str) -> None:
        if table not in rows_of or target not in rows_of:
            return
        known = values(target, target_column)
        for line, row in rows_of[table]:
            if row[column] is not None and row[column] not in known:
                message = f"{column} {row[column]} is not in {names[target]} ({target_column})"
                findings.append(_finding(names[table], line, column, "REF-LINK", message))

    must_exist("nomenclature", "letter_key", "letter_keys", "letter_key")
    must_exist("conversion", "new_act_code", "nomenclature", "act_code")
    must_exist("cumulation", "act_code", "nomenclature", "act_code")
    must_exist("cumulation", "other_act_code", "nomenclature", "act_code")
    findings.extend(_check_layouts(rows_of.get("layouts", []), names.get("layouts", "layouts.csv")))
    for line, row in rows_of.get("parameters", []):
        name, value = row["name"], row["value"]
        if name in PARAMETER_KINDS and value is not None:
            _, problem = _parse_cell(Column("value", PARAMETER_KINDS[name], minimum=0), value)
            if problem:
                findings.append(_finding(names["parameters"], line, "value", "REF-VALUE", f"{name}: {problem}"))
    return findings


def _check_layouts(rows: list[tuple[int, dict[str, Any]]], file_name: str) -> list[Finding]:
    """The layout calendar keeps the three months of art. 10 and 16 and leaves no day without a layout."""
    dated = [(line, row) for line, row in rows if row.get("layout") and row.get("valid_from")]
    lines = {(row["layout"], row["valid_from"]): line for line, row in dated}
    calendar_ = periods((row["layout"], row["valid_from"], row["valid_to"]) for _, row in dated)
    return [
        _finding(file_name, lines.get((period.layout, period.valid_from)), "valid_to", "REF-LAYOUT", message)
        for period, message in calendar_problems(calendar_)
    ]


def _frame(spec: TableSpec, rows: list[dict[str, Any]]) -> pl.DataFrame:
    polars_types: dict[str, pl.DataType] = {"text": pl.Utf8(), "date": pl.Date(), "int": pl.Int64()}
    data: dict[str, pl.Series] = {}
    for column in spec.columns:
        values = [row.get(column.name) for row in rows]
        if column.kind == "decimal":
            data[column.name] = pl.Series(column.name, values, dtype=pl.Decimal(18, column.scale))
            scaled = [None if v is None else int(v.scaleb(column.scale)) for v in values]
            data[f"{column.name}_e{column.scale}"] = pl.Series(scaled, dtype=pl.Int64)
        elif column.kind == "list":
            data[column.name] = pl.Series(column.name, values, dtype=pl.List(pl.Utf8))
        else:
            data[column.name] = pl.Series(column.name, values, dtype=polars_types[column.kind])
    return pl.DataFrame(data)
