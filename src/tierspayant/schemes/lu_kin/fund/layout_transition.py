"""Which KIN layouts the fund accepts on the day a file is received (cahier des charges art. 10 and 16).

When the fund signals a technical change of the model, providers have three months to conform: the reference table
``layouts`` gives each layout its period (``formats/layouts.py`` checks the three months when it is loaded). A file
in a layout not accepted on its reception day is returned untreated (anomaly K008) with a finding that names the
file, its layout and the date: a layout 01 file after the transition ended, or a layout 02 file before 02 starts.

The reception day decides, not the send date in the name (which the sender writes). Checked on the name before the
content is read, so a refused national file costs no parsing; the name and the content must then agree on the layout
(``formats.package.header_findings``).
"""

from __future__ import annotations

from datetime import date

from tierspayant.core.findings import Finding
from tierspayant.schemes.lu_kin.formats.layouts import RULE, LayoutPeriod, layout_problem, periods
from tierspayant.schemes.lu_kin.formats.naming import KinFileName, check_name
from tierspayant.schemes.lu_kin.reference import ReferenceSet

CODE = "KIN-LAYOUT-DATE"  # anomaly K008 in the fund's list


def calendar_of(reference: ReferenceSet) -> list[LayoutPeriod]:
    return periods(reference["layouts"].select("layout", "valid_from", "valid_to").iter_rows())


def layout_findings(name: str, received_on: date, reference: ReferenceSet) -> list[Finding]:
    """Why the file called ``name`` is not accepted in its layout on ``received_on`` (empty when it is, or when the
    name itself is wrong: the name check says so)."""
    if check_name(name):
        return []
    layout = KinFileName.parse(name).layout
    problem = layout_problem(calendar_of(reference), layout, received_on)
    if problem is None:
        return []
    return [Finding(CODE, f"{name}: {problem}", file=name, location="layout (part 4)", rule=RULE)]


__all__ = ["CODE", "calendar_of", "layout_findings"]
