"""Luxembourg doctors: the doctors' nomenclature, fee notes, the device register and the device-usage flat rates.

The stable entry points, importable from here (loaded on first use, so a light import stays light):
``DoctorsPractice`` and ``ActRequest`` (the doctor's side), ``DeviceDesk`` (the doctor's devices and flat rates),
``DeviceFund`` (the CNS register and adjudication), ``FeeNote``, ``FeeNoteAct``, ``BillingMode`` (the fee note),
``ReferenceSet``, ``load_sample_reference``, ``load_reference_dir`` (reference data).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode, FeeNote, FeeNoteAct
    from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
    from tierspayant.schemes.lu_doctors.practice.devices import DeviceDesk
    from tierspayant.schemes.lu_doctors.practice.service import ActRequest, DoctorsPractice
    from tierspayant.schemes.lu_doctors.reference import ReferenceSet, load_reference_dir, load_sample_reference

_WHERE = {
    "ActRequest": "tierspayant.schemes.lu_doctors.practice.service",
    "DoctorsPractice": "tierspayant.schemes.lu_doctors.practice.service",
    "DeviceDesk": "tierspayant.schemes.lu_doctors.practice.devices",
    "DeviceFund": "tierspayant.schemes.lu_doctors.fund.service",
    "BillingMode": "tierspayant.schemes.lu_doctors.formats.fee_note",
    "FeeNote": "tierspayant.schemes.lu_doctors.formats.fee_note",
    "FeeNoteAct": "tierspayant.schemes.lu_doctors.formats.fee_note",
    "ReferenceSet": "tierspayant.schemes.lu_doctors.reference",
    "load_reference_dir": "tierspayant.schemes.lu_doctors.reference",
    "load_sample_reference": "tierspayant.schemes.lu_doctors.reference",
}
__all__ = [
    "ActRequest",
    "BillingMode",
    "DeviceDesk",
    "DeviceFund",
    "DoctorsPractice",
    "FeeNote",
    "FeeNoteAct",
    "ReferenceSet",
    "load_reference_dir",
    "load_sample_reference",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
