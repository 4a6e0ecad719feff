"""Scans with active content are refused, naming what was found; the same scan without it passes.

Each hostile PDF is a real one, made with pypdf from a clean PDF/A scan (A4, 250 DPI) and read back by the checker.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from tierspayant.core.pdf_scan import check_scan, scan_accepted

from ..fund.files import scan_pdf

CLEAN = scan_pdf()


def _altered(change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(CLEAN)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries: object) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(str(value))
    return action


def _open_action(action: DictionaryObject) -> Callable[[PdfWriter], None]:
    def change(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return change


def _page_action(writer: PdfWriter) -> None:  # an action run when the page opens, not on the catalogue
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/Launch", F="cmd.exe")})


def _document_javascript(writer: PdfWriter) -> None:  # the /Names → /JavaScript tree, run when the file opens
    script = writer._add_object(_action("/JavaScript", JS="app.alert('hello');"))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hello"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def _encrypt(writer: PdfWriter) -> None:
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")


def _annotation_attachment(writer: PdfWriter) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([]),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


HOSTILE: dict[str, tuple[Callable[[PdfWriter], None], str]] = {
    "document JavaScript": (_document_javascript, "JavaScript"),
    "JavaScript OpenAction": (_open_action(_action("/JavaScript", JS="app.launchURL('http://x')")), "JavaScript"),
    "Launch OpenAction": (_open_action(_action("/Launch", F="calc.exe")), "/Launch"),
    "page action": (_page_action, "/AA"),
    "embedded file": (lambda w: w.add_attachment("invoice.exe", b"MZ\x90\x00"), "embedded file"),
    "file attachment annotation": (_annotation_attachment, "file attachment"),
}


def test_the_clean_scan_passes() -> None:
    assert scan_accepted(check_scan(CLEAN, "scan.pdf"))
    assert scan_accepted(check_scan(_altered(lambda w: None), "copy.pdf"))  # rewritten by pypdf: still clean


@pytest.mark.parametrize("case", list(HOSTILE))
def test_active_content_is_refused_with_what_was_found(case: str) -> None:
    change, named = HOSTILE[case]
    findings = check_scan(_altered(change), "scan.pdf")
    assert not scan_accepted(findings)
    (active,) = [f for f in findings if f.code == "PDF-ACTIVE-CONTENT"]
    assert named in active.message and active.rule is not None and "active content" in active.rule


def test_an_encrypted_scan_is_refused() -> None:
    findings = check_scan(_altered(_encrypt), "scan.pdf")
    assert [f.code for f in findings] == ["PDF-ENCRYPTED"]


def test_a_link_to_a_web_page_is_not_active_content() -> None:
    # near miss: a /URI action only opens a page when clicked; it is not in the list of refused content
    def uri(writer: PdfWriter) -> None:
        writer.add_uri(0, "https://example.org", [0, 0, 10, 10])

    assert scan_accepted(check_scan(_altered(uri), "scan.pdf"))
