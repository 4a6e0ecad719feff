"""Reference data of the Luxembourg doctors' scheme (SAMPLE shipped; official files dropped in a folder)."""

from tierspayant.schemes.lu_doctors.reference.loader import (
    OPEN_END,
    ReferenceSet,
    load_reference_dir,
    load_reference_files,
    load_sample_reference,
)

__all__ = ["OPEN_END", "ReferenceSet", "load_reference_dir", "load_reference_files", "load_sample_reference"]
