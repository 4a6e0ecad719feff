"""File-level intake: is the deposit exploitable at all? (name, ZIP envelope, XSD, header against name).

Everything here is syntactic (contrôles syntaxiques): a failure returns the file untreated with its reasons and
nothing is recorded. Reading a FAC gives the lines frame in the same validated pass (no second reading) — a large
bare FAC in parts on every core (``formats/fac_parallel.py``); a DEMAUT is small and read as its model. The anomaly
code sent back for each kind of refusal comes from ``anomaly_code``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tierspayant.core.envelope import read_zip
from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.pdf_scan import check_scan
from tierspayant.schemes.lu_kin.formats.fac_parallel import read_fac_lines
from tierspayant.schemes.lu_kin.formats.frames import fac_lines_frame
from tierspayant.schemes.lu_kin.formats.models import Demaut, FileHeader
from tierspayant.schemes.lu_kin.formats.naming import KinFileName, check_name
from tierspayant.schemes.lu_kin.formats.package import header_findings, read_package
from tierspayant.schemes.lu_kin.formats.reader import read_file

INCOMING_TYPES = ("DEMAUT", "FAC")
# Findings of a package that concern one prescription scan only: the request is suspended, the file is not refused.
DOCUMENT_CODES = ("PDF-", "PKG-DOCUMENT-")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def anomaly_code(finding: Finding) -> str:
    """The code of the fund's anomaly list that stands for a file-level refusal finding."""
    code = finding.code
    if code.startswith(("NAME", "KIN-NAME-")) and code != "KIN-NAME-CONTENT":
        return "K001"
    if code == "KIN-NAME-CONTENT":
        return "K006"
    if code == "KIN-LAYOUT-DATE":
        return "K008"
    if code.startswith(("ZIP", "PKG", "PDF")):
        return "K007"
    if code.startswith("K") and code[1:].isdigit():
        return code
    return "K002"


@dataclass
class Opened:
    """An exploitable deposit: its parsed name and header, and its content for the next step."""

    file_name: KinFileName
    header: FileHeader
    demaut: Demaut | None = None
    lines: pl.DataFrame | None = None  # FAC: fac_lines_frame's frame
    document_problems: dict[str, str | None] = field(default_factory=dict)  # DEMAUT scan → None or the problem
    notes: list[Finding] = field(default_factory=list)  # INFORM findings of the package


def open_deposit(path: Path) -> Opened:
    """Check and read a deposited file (XML or ZIP package); raises ``FindingsError`` to return it untreated."""
    name = path.name
    name_findings = check_name(name)
    if name_findings:
        raise FindingsError(name_findings)
    file_name = KinFileName.parse(name)
    if file_name.file_type not in INCOMING_TYPES:
        message = f"the fund receives {' and '.join(INCOMING_TYPES)} files, not {file_name.file_type}"
        raise FindingsError([Finding("KIN-NAME-TYPE", message, file=name, location="file type")])
    if file_name.extension == "zip":
        return _open_package(path, file_name)
    if file_name.file_type == "FAC":
        # A large FAC is read in parts on every core (same frame, same findings as one pass: fac_parallel).
        header, lines = read_fac_lines(path, name)
        _check_header(file_name, header, name)
        return Opened(file_name, header, lines=lines)
    demaut = read_file(path, name, expected_type="DEMAUT")
    assert isinstance(demaut, Demaut)
    _check_header(file_name, demaut.header, name)
    # A bare XML DEMAUT carries no scans: each request is suspended until its prescription is received.
    return Opened(file_name, demaut.header, demaut=demaut)


def _check_header(file_name: KinFileName, header: FileHeader, where: str) -> None:
    findings = header_findings(file_name, header, where)
    if findings:
        raise FindingsError(findings)


def _open_package(path: Path, file_name: KinFileName) -> Opened:
    data = path.read_bytes()
    name = path.name
    try:
        package = read_package(data, name)
    except FindingsError as error:
        refusing = [f for f in error.findings if f.effect != Effect.INFORM]
        if not refusing or not all(f.code.startswith(DOCUMENT_CODES) for f in refusing):
            raise
        return _open_package_with_bad_scans(data, name, file_name, error.findings)
    if file_name.file_type == "FAC":
        header, lines = fac_lines_frame(package.xml, f"{name}/{package.xml_name}")
        return Opened(file_name, header, lines=lines, notes=package.findings)
    demaut = read_file(package.xml, f"{name}/{package.xml_name}", expected_type="DEMAUT")
    assert isinstance(demaut, Demaut)
    problems: dict[str, str | None] = dict.fromkeys(package.documents)
    return Opened(file_name, demaut.header, demaut=demaut, document_problems=problems, notes=package.findings)


def _open_package_with_bad_scans(data: bytes, name: str, file_name: KinFileName, found: list[Finding]) -> Opened:
    """The package is sound but some prescriptions are missing or unacceptable: decide on the others, suspend those.

    ``read_package`` has already accepted the envelope, the members and the XML (its only refusals are scans).
    """
    members = {member.name: member.data for member in read_zip(data, name)}
    xml_name = next(member for member in members if member.lower().endswith(".xml"))
    demaut = read_file(members[xml_name], f"{name}/{xml_name}", expected_type="DEMAUT")
    if not isinstance(demaut, Demaut):
        raise FindingsError([f for f in found if f.effect != Effect.INFORM])
    problems: dict[str, str | None] = {}
    for request in demaut.requests:
        document = request.prescription.file_name
        if document not in members:
            continue  # not received: requests_frame says so
        scan = [f for f in check_scan(members[document], f"{name}/{document}") if f.effect != Effect.INFORM]
        declared = request.prescription.sha256.lower()
        if hashlib.sha256(members[document]).hexdigest() != declared:
            problems[document] = f"{document} is not the document declared by the request (SHA-256 differs)"
        elif scan:
            problems[document] = f"{document} is not acceptable: " + "; ".join(f.message for f in scan)
        else:
            problems[document] = None
    return Opened(file_name, demaut.header, demaut=demaut, document_problems=problems)
