"""The shared layout of every printed document: A4 page, title band, labelled blocks, tables, totals, footer.

Printed forms are in French, the language of the official models (annexes 05–07 of the KIN cahier des charges);
amounts are printed exactly as stored (``1234.50``, point separator, two decimals) and identifiers unchanged, so that
what the patient reads is what was sent to and returned by the fund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tierspayant.core.money import format_euros

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
HALF_WIDTH = CONTENT_WIDTH / 2 - 4
INK = colors.HexColor("#1f2933")
BAND = colors.HexColor("#e4ecf2")
RULE = colors.HexColor("#9aa5b1")

_base = getSampleStyleSheet()
TITLE = ParagraphStyle(
    "DocTitle",
    parent=_base["Title"],
    fontName="Helvetica-Bold",
    fontSize=16,
    leading=20,
    textColor=INK,
    spaceAfter=2,
    alignment=0,
)
SUBTITLE = ParagraphStyle(
    "DocSubtitle",
    parent=_base["Normal"],
    fontName="Helvetica",
    fontSize=9,
    leading=11,
    textColor=colors.HexColor("#52606d"),
)
HEADING = ParagraphStyle(
    "BlockHeading",
    parent=_base["Heading4"],
    fontName="Helvetica-Bold",
    fontSize=9.5,
    leading=12,
    textColor=INK,
    spaceBefore=8,
    spaceAfter=3,
)
BODY = ParagraphStyle("Body", parent=_base["Normal"], fontName="Helvetica", fontSize=9, leading=11.5, textColor=INK)
SMALL = ParagraphStyle("Small", parent=BODY, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#52606d"))
CELL = ParagraphStyle("Cell", parent=BODY, fontSize=8.5, leading=10.5)
CELL_RIGHT = ParagraphStyle("CellRight", parent=CELL, alignment=TA_RIGHT)


def money(amount: Decimal) -> str:
    """An amount as stored and as on the wire: ``1234.50``."""
    return format_euros(amount)


def day(value: date | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


def text(value: object) -> Paragraph:
    return Paragraph(escape("" if value is None else str(value)), CELL)


@dataclass(frozen=True)
class DocumentMeta:
    """What the PDF says about itself (document properties) and prints in its footer."""

    title: str
    subtitle: str
    author: str
    reference: str  # printed in the footer of every page: the titre, invoice or form identifier


def title_block(meta: DocumentMeta) -> list[Any]:
    return [Paragraph(escape(meta.title), TITLE), Paragraph(escape(meta.subtitle), SUBTITLE), Spacer(1, 4 * mm)]


def field_block(heading: str, rows: Sequence[tuple[str, object]], width: float = CONTENT_WIDTH) -> list[Any]:
    """A headed block of ``label: value`` rows (two columns, label in grey): a heading and a table."""
    data = [[Paragraph(escape(label), SMALL), text(value)] for label, value in rows]
    table = Table(data, colWidths=[width * 0.38, width * 0.62], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, BAND),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [Paragraph(escape(heading), HEADING), table]


def block(heading: str, rows: Sequence[tuple[str, object]]) -> KeepTogether:
    """A full-width field block kept on one page."""
    return KeepTogether(field_block(heading, rows))


def side_by_side(left: list[Any], right: list[Any]) -> Table:
    """Two field blocks next to each other (e.g. the provider and the patient), each ``HALF_WIDTH`` wide."""
    half = CONTENT_WIDTH / 2
    table = Table([[left, right]], colWidths=[half, half], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    right_aligned: Sequence[int] = (),
    total_row: Sequence[object] | None = None,
) -> Table:
    """A ruled table; ``widths`` are fractions of the content width; ``total_row`` is printed bold at the bottom."""
    right = set(right_aligned)

    def cell(value: object, column: int, bold: bool = False) -> Paragraph:
        style = CELL_RIGHT if column in right else CELL
        content = escape("" if value is None else str(value))
        return Paragraph(f"<b>{content}</b>" if bold else content, style)

    data: list[list[Paragraph]] = [[cell(h, i, bold=True) for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    if total_row is not None:
        data.append([cell(v, i, bold=True) for i, v in enumerate(total_row)])
    table = Table(data, colWidths=[CONTENT_WIDTH * w for w in widths], repeatRows=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, BAND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if total_row is not None:
        style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("BACKGROUND", (0, -1), (-1, -1), BAND)]
    table.setStyle(TableStyle(style))
    return table


def paragraph(content: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(content), style)


def render(path: Path, meta: DocumentMeta, story: list[Any]) -> Path:
    """Write the PDF (A4, metadata, a footer with the reference and page number on every page); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, 12 * mm, PAGE_WIDTH - MARGIN, 12 * mm)
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#52606d"))
        canvas.drawString(MARGIN, 8 * mm, f"{meta.title} — {meta.reference}")
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"Page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        str(temporary),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=20 * mm,
        title=meta.title,
        subject=meta.subtitle,
        author=meta.author,
        creator="tierspayant",
        invariant=True,  # same content → same bytes (no creation timestamp, fixed document id)
    )
    try:
        document.build(title_block(meta) + story, onFirstPage=footer, onLaterPages=footer)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    temporary.replace(path)  # never leave a half-written PDF under the final name
    return path
