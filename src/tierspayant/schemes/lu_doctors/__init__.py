"""Luxembourg doctors: the doctors' nomenclature, fee notes, and (issue 11) the device register and flat rates.

Public services: ``DoctorsPractice`` (the doctor's side). The fund side and the formats are in ``fund`` and
``formats``; reference data in ``reference``.
"""

from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode, FeeNote, FeeNoteAct
from tierspayant.schemes.lu_doctors.practice import ActRequest, DoctorsPractice
from tierspayant.schemes.lu_doctors.reference import ReferenceSet, load_reference_dir, load_sample_reference

__all__ = [
    "ActRequest",
    "BillingMode",
    "DoctorsPractice",
    "FeeNote",
    "FeeNoteAct",
    "ReferenceSet",
    "load_reference_dir",
    "load_sample_reference",
]
