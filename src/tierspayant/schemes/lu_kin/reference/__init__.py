"""KIN reference data: versioned tables with validity periods (nomenclature, letter keys, rates, limits, delays,
anomaly codes, prescribers, places of service, old→new conversion). The package ships a SAMPLE set (``sample/``);
official CNS files with the same columns replace it without code changes (``tierspayant fund reference load DIR``).
"""

from tierspayant.schemes.lu_kin.reference.loader import (
    OPEN_END,
    ReferenceSet,
    load_reference_dir,
    load_reference_files,
    load_sample_reference,
    read_reference_dir,
    sample_files,
)
from tierspayant.schemes.lu_kin.reference.tables import SPECS, TABLES, Column, TableSpec

__all__ = [
    "OPEN_END",
    "SPECS",
    "TABLES",
    "Column",
    "ReferenceSet",
    "TableSpec",
    "load_reference_dir",
    "load_reference_files",
    "load_sample_reference",
    "read_reference_dir",
    "sample_files",
]
