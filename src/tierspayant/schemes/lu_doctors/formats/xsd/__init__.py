"""The project's own XSDs of the doctors' device exchanges, looked up by (file type, layout).

The CNS has not published these layouts: they are tierspayant's, layout 01 (docs/lu-doctors-formats.md). Layout 01
lives in ``xsd/01/``; a layout 02 goes in ``xsd/02/`` and one entry in ``LAYOUTS``. Each file type and layout has its
own namespace (``urn:tierspayant:lu-doctors:<type>:<layout>``) so a reader tells the layout from the root alone.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final, Literal

from lxml import etree

FileType = Literal["DECLAPP", "RETDECL", "FACFORF", "RETFORF"]
FILE_TYPES: Final[tuple[FileType, ...]] = ("DECLAPP", "RETDECL", "FACFORF", "RETFORF")
LAYOUTS: Final[tuple[str, ...]] = ("01",)
ROOTS: Final[dict[str, str]] = {
    "DECLAPP": "DeclarationAppareils",
    "RETDECL": "RetourDeclarations",
    "FACFORF": "FacturesForfaits",
    "RETFORF": "RetourForfaits",
}


def namespace(file_type: str, layout: str = "01") -> str:
    """``urn:tierspayant:lu-doctors:facforf:01``."""
    return f"urn:tierspayant:lu-doctors:{file_type.lower()}:{layout}"


def identify_namespace(uri: str) -> tuple[str, str] | None:
    for file_type in FILE_TYPES:
        for layout in LAYOUTS:
            if uri == namespace(file_type, layout):
                return file_type, layout
    return None


def xsd_path(file_type: str, layout: str = "01") -> Path:
    if file_type not in FILE_TYPES:
        raise KeyError(f"unknown file type {file_type!r} (expected one of {', '.join(FILE_TYPES)})")
    if layout not in LAYOUTS:
        raise KeyError(f"unknown layout {layout!r} (known: {', '.join(LAYOUTS)})")
    return Path(str(resources.files(__name__).joinpath(layout, f"{file_type}.xsd")))


@cache
def lxml_schema(file_type: str, layout: str = "01") -> etree.XMLSchema:
    """The compiled schema (cached); our own XSDs, still parsed with the network closed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(xsd_path(file_type, layout)), parser))


__all__ = ["FILE_TYPES", "LAYOUTS", "ROOTS", "FileType", "identify_namespace", "lxml_schema", "namespace", "xsd_path"]
