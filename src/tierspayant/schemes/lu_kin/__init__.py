"""Luxembourg physiotherapy (KIN): DEMAUT → RETAUT, FAC → RETFAC, both ends.

The stable entry points, importable from here (loaded on first use, so a light import stays light):
``FundService`` (the CNS engine) and ``PracticeService`` (the physiotherapy practice).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierspayant.schemes.lu_kin.fund.service import FundService, ProcessOutcome
    from tierspayant.schemes.lu_kin.practice.service import PracticeService

__all__ = ["FundService", "PracticeService", "ProcessOutcome"]
_WHERE = {
    "FundService": "tierspayant.schemes.lu_kin.fund.service",
    "ProcessOutcome": "tierspayant.schemes.lu_kin.fund.service",
    "PracticeService": "tierspayant.schemes.lu_kin.practice.service",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
