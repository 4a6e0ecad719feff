"""The IT flat-rate payment file, layout ``01`` — the project's own layout (the CNS's is not public).

One file per payment run, named ``CNS_KIN_ITFLAT_{year}_{layout}_{payment date YYYYMMDD}.csv``; UTF-8, ``;`` as
separator, CSV quoting, one record per line, the record type in the first field:

- ``H;KIN-ITFLAT;{layout};{year};{payment date YYYY-MM-DD}`` — once, first;
- ``D;{request};{facturiers, space-separated};{practice};{address};{days active};{services counted};{threshold};
  {amount}`` — one per practice paid, amounts in euros with a point and two decimals;
- ``T;{number of D records};{total amount}`` — once, last.

A new layout gets a new number (``02``…) and its own reader branch; ``read`` refuses a layout it does not know.
Written atomically (a temporary file renamed into place by the caller's staging). Documented in docs/fund.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import ZERO, format_euros
from tierspayant.core.outbox import write_atomic

KIND = "KIN-ITFLAT"
LAYOUT = "01"
LAYOUTS = ("01",)


@dataclass(frozen=True)
class Payment:
    request_id: int
    facturiers: tuple[str, ...]
    practice_name: str
    address: str
    days_active: int
    services_counted: int
    threshold: int
    amount: Decimal


@dataclass(frozen=True)
class PaymentFile:
    year: int
    paid_on: date
    payments: list[Payment]
    layout: str = LAYOUT

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)


def file_name(year: int, paid_on: date, layout: str = LAYOUT) -> str:
    return f"CNS_KIN_ITFLAT_{year}_{layout}_{paid_on:%Y%m%d}.csv"


def to_bytes(content: PaymentFile) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\n")
    out.writerow(["H", KIND, content.layout, content.year, content.paid_on.isoformat()])
    for p in content.payments:
        out.writerow(
            [
                "D",
                p.request_id,
                " ".join(p.facturiers),
                p.practice_name,
                p.address,
                p.days_active,
                p.services_counted,
                p.threshold,
                format_euros(p.amount),
            ]
        )
    out.writerow(["T", len(content.payments), format_euros(content.total)])
    return buffer.getvalue().encode("utf-8")


def write(path: Path, content: PaymentFile) -> Path:
    return write_atomic(path, to_bytes(content))


def read(path: Path) -> PaymentFile:
    """Read and check a payment file (layout, record order, count and total); ``FindingsError`` names the line."""
    name = path.name
    findings: list[Finding] = []

    def bad(line: int, message: str) -> None:
        findings.append(Finding("ITPAY-FORMAT", message, file=name, line=line, rule=f"{KIND} payment file"))

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    if not rows or rows[0][:2] != ["H", KIND] or len(rows[0]) != 5:
        raise FindingsError(
            [Finding("ITPAY-FORMAT", f"the first record is H;{KIND};layout;year;date", file=name, line=1)]
        )
    _, _, layout, year_text, paid_text = rows[0]
    if layout not in LAYOUTS:
        raise FindingsError(
            [
                Finding(
                    "ITPAY-LAYOUT", f"layout {layout!r} is not known (known: {', '.join(LAYOUTS)})", file=name, line=1
                )
            ]
        )
    payments: list[Payment] = []
    trailer: list[str] | None = None
    for number, row in enumerate(rows[1:], start=2):
        if trailer is not None:
            bad(number, "nothing may follow the T record")
        elif row[:1] == ["D"] and len(row) == 9:
            try:
                payments.append(
                    Payment(
                        int(row[1]),
                        tuple(row[2].split()),
                        row[3],
                        row[4],
                        int(row[5]),
                        int(row[6]),
                        int(row[7]),
                        Decimal(row[8]),
                    )
                )
            except (ValueError, InvalidOperation):
                bad(number, f"a D record has numbers in fields 2, 6, 7, 8 and an amount in field 9: {row}")
        elif row[:1] == ["T"] and len(row) == 3:
            trailer = row
        else:
            bad(number, f"expected a D record (9 fields) or the T record (3 fields), found {row[:1]}")
    content = PaymentFile(int(year_text), date.fromisoformat(paid_text), payments, layout)
    if trailer is None:
        bad(len(rows) + 1, "the file ends without its T record")
    elif (int(trailer[1]), Decimal(trailer[2])) != (len(payments), content.total):
        bad(
            len(rows),
            f"T declares {trailer[1]} payments, {trailer[2]} EUR; the D records give {len(payments)}, "
            f"{format_euros(content.total)} EUR",
        )
    if findings:
        raise FindingsError(findings)
    return content


__all__ = ["KIND", "LAYOUT", "Payment", "PaymentFile", "file_name", "read", "to_bytes", "write"]
