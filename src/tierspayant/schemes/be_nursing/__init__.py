"""Belgian home nursing through MyCareNet eFact: the nurse's side and the mutuality's REFAC.

The stable entry points, importable from here (loaded on first use, so a light import stays light):
``RefacService`` and ``RefacOutcome`` (the mutuality's controls), ``NurseLedger`` (the nurse's side).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierspayant.schemes.be_nursing.mutuality.service import RefacOutcome, RefacService
    from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger

__all__ = ["NurseLedger", "RefacOutcome", "RefacService"]
_WHERE = {
    "RefacService": "tierspayant.schemes.be_nursing.mutuality.service",
    "RefacOutcome": "tierspayant.schemes.be_nursing.mutuality.service",
    "NurseLedger": "tierspayant.schemes.be_nursing.nurse.ledger",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
