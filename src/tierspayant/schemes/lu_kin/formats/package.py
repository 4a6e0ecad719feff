"""KIN packages: one ZIP carrying a KIN XML file and the scanned prescriptions (PDF/A) it refers to.

The archive is named like its XML (``F…_KIN_DEMAUT_01_20240405_REF.zip`` holds ``F…_REF.xml``). Reading checks, in
this order: the archive's name; the ZIP envelope (``core.envelope.read_zip``: traversal, bombs, duplicates…); its
members (exactly one XML, named like the archive; only PDFs beside it, no folders); the XML against its XSD
(``xml.reader.validate_file``); the name against the header (file type, facturier, and for DEMAUT / FAC the
reference); every PDF (``core.pdf_scan.check_scan``: PDF/A, A4, 200–300 DPI); and for a DEMAUT that each request's
prescription is present with the SHA-256 it declares and that no PDF is left unreferenced. Any refusing finding
raises ``FindingsError`` with all of them; INFORM findings are kept on the package.

``build_package`` writes a deterministic archive (fixed timestamps, XML first, PDFs by name) and reads it back
with ``read_package``, so a package that would be refused is never handed out.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tierspayant.core.envelope import ZipLimits, read_zip
from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.pdf_scan import check_scan
from tierspayant.schemes.lu_kin.formats.models import AuthorisationRequest, FileHeader
from tierspayant.schemes.lu_kin.formats.naming import KinFileName, check_name, split_extension

RULE = "KIN package (annex 02: XML + PDF/A prescriptions in a ZIP)"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class KinPackage:
    """A package that passed every check: the XML, the documents by name, and any INFORM findings."""

    name: str
    file_name: KinFileName
    xml_name: str
    xml: bytes
    documents: dict[str, bytes]
    findings: list[Finding] = field(default_factory=list)


def _finding(code: str, file: str, message: str, location: str | None = None) -> Finding:
    return Finding(code=code, message=message, file=file, location=location, rule=RULE)


def _refusing(findings: list[Finding]) -> bool:
    return any(finding.effect != Effect.INFORM for finding in findings)


def _split_members(
    members: dict[str, bytes], name: str, stem: str
) -> tuple[str | None, dict[str, bytes], list[Finding]]:
    """(the XML member's name, the PDFs, findings about the members' names)."""
    findings: list[Finding] = []
    xml_names = [member for member in members if member.lower().endswith(".xml")]
    documents: dict[str, bytes] = {}
    for member, data in members.items():
        if "/" in member:
            message = "files sit at the top of the package, not in folders"
            findings.append(_finding("PKG-MEMBER-PATH", name, message, member))
        elif member.lower().endswith(".pdf"):
            documents[member] = data
        elif member not in xml_names:
            message = "only the KIN XML file and PDF prescriptions may be in the package"
            findings.append(_finding("PKG-UNEXPECTED-MEMBER", name, message, member))
    if not xml_names:
        findings.append(_finding("PKG-NO-XML", name, f"the package holds no XML file (expected {stem}.xml)"))
        return None, documents, findings
    if len(xml_names) > 1:
        message = f"the package holds {len(xml_names)} XML files ({', '.join(xml_names)}); exactly one is expected"
        findings.append(_finding("PKG-SEVERAL-XML", name, message))
    xml_name = xml_names[0]
    if split_extension(xml_name)[0] != stem:
        message = f"the XML file must be named like its package: {stem}.xml, found {xml_name}"
        findings.append(_finding("PKG-XML-NAME", name, message, xml_name))
    return xml_name, documents, findings


def header_findings(file_name: KinFileName, header: FileHeader, where: str) -> list[Finding]:
    """The name and the header must agree: file type, facturier, layout, and for DEMAUT / FAC the provider's reference
    (the XSD's ``Reference`` is "also the last part of the file name")."""
    findings: list[Finding] = []
    if header.file_type != file_name.file_type:
        message = f"the name says {file_name.file_type} but the file is a {header.file_type}"
        findings.append(_finding("KIN-NAME-CONTENT", where, message, "file type"))
    if header.billing_provider != file_name.provider_code:
        message = (
            f"the name's provider code {file_name.provider_code} is not the file's facturier {header.billing_provider}"
        )
        findings.append(_finding("KIN-NAME-CONTENT", where, message, "provider code"))
    if header.layout != file_name.layout:
        message = f"the name says layout {file_name.layout} but the file is written in layout {header.layout}"
        findings.append(_finding("KIN-NAME-CONTENT", where, message, "layout"))
    if header.file_type in ("DEMAUT", "FAC") and header.reference != file_name.reference:
        message = f"the name's reference {file_name.reference} is not the file's Reference {header.reference}"
        findings.append(_finding("KIN-NAME-CONTENT", where, message, "reference"))
    return findings


def _document_findings(requests: list[AuthorisationRequest], documents: dict[str, bytes], name: str) -> list[Finding]:
    findings: list[Finding] = []
    referenced: set[str] = set()
    for request in requests:
        document = request.prescription.file_name
        referenced.add(document)
        location = f"request {request.request_id}, prescription {document}"
        if document not in documents:
            message = f"request {request.request_id} refers to {document}, which is not in the package"
            findings.append(_finding("PKG-DOCUMENT-MISSING", name, message, location))
            continue
        declared = request.prescription.sha256
        actual = hashlib.sha256(documents[document]).hexdigest()
        if declared.lower() != actual:
            message = f"{document} has SHA-256 {actual}, the request declares {declared}: not the same document"
            findings.append(_finding("PKG-DOCUMENT-HASH", name, message, location))
    for document in sorted(set(documents) - referenced):
        message = f"{document} is not the prescription of any request in the XML file"
        findings.append(_finding("PKG-DOCUMENT-UNREFERENCED", name, message, document))
    return findings


def read_package(data: bytes | Path, name: str, limits: ZipLimits = ZipLimits()) -> KinPackage:
    """Check and open a KIN package (its bytes, or a path: too large a file is refused unread); raises
    ``FindingsError`` with every refusing finding."""
    from tierspayant.schemes.lu_kin.formats.reader import iter_file, validate_file

    findings = check_name(name)
    file_name = None if findings else KinFileName.parse(name)
    if file_name is not None and file_name.extension != "zip":
        findings.append(_finding("PKG-NAME", name, "a KIN package is named …_{reference}.zip"))
    stem = file_name.stem if file_name else split_extension(name)[0]
    try:
        members = {member.name: member.data for member in read_zip(data, name, limits)}
    except FindingsError as error:
        raise FindingsError(findings + error.findings) from None

    xml_name, documents, member_findings = _split_members(members, name, stem)
    findings += member_findings
    for document, content in documents.items():
        findings += check_scan(content, f"{name}/{document}")
    if xml_name is not None:
        xml = members[xml_name]
        where = f"{name}/{xml_name}"
        xml_findings = validate_file(xml, where)
        findings += xml_findings
        if not _refusing(xml_findings):
            header, items = iter_file(xml, where)
            # only a DEMAUT refers to documents: other types are not iterated (a FAC may be large)
            requests = (
                [item for item in items if isinstance(item, AuthorisationRequest)]
                if header.file_type == "DEMAUT"
                else []
            )
            if file_name is not None:
                findings += header_findings(file_name, header, where)
            findings += _document_findings(requests, documents, name)
    if _refusing(findings) or xml_name is None or file_name is None:
        raise FindingsError(findings)
    return KinPackage(name, file_name, xml_name, members[xml_name], documents, findings)


def package_name(xml_name: str) -> str:
    """The package's name for an XML file name: same stem, ``.zip``."""
    return f"{split_extension(xml_name)[0]}.zip"


def build_package(xml_name: str, xml: bytes, documents: dict[str, bytes]) -> bytes:
    """A ZIP of the XML and its PDFs, checked by reading it back; raises ``FindingsError`` if it would be refused."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, content in [(xml_name, xml), *sorted(documents.items())]:
            info = zipfile.ZipInfo(member, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, content)
    data = buffer.getvalue()
    read_package(data, package_name(xml_name))
    return data
