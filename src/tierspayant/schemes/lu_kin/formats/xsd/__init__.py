"""The KIN XSDs kept as package files, looked up by (file type, layout).

Layout 01 lives in ``xsd/01/``, layout 02 in ``xsd/02/``; a new layout adds its folder and its number to
``formats/layouts.LAYOUTS``.
Each file type and layout has its own target namespace (``urn:lu:cns:kin:<type>:<layout>``), so a reader can tell
the layout from the root element alone.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final, Literal

from lxml import etree

from tierspayant.schemes.lu_kin.formats.layouts import LAYOUTS  # the one list of layouts

FileType = Literal["DEMAUT", "RETAUT", "FAC", "RETFAC"]
FILE_TYPES: Final[tuple[FileType, ...]] = ("DEMAUT", "RETAUT", "FAC", "RETFAC")


def namespace(file_type: str, layout: str) -> str:
    """Target namespace of a file type in a layout: ``urn:lu:cns:kin:fac:01``."""
    return f"urn:lu:cns:kin:{file_type.lower()}:{layout}"


def identify_namespace(uri: str) -> tuple[FileType, str] | None:
    """``urn:lu:cns:kin:fac:01`` → ``("FAC", "01")``; None when the namespace is not a KIN one we know."""
    for file_type in FILE_TYPES:
        for layout in LAYOUTS:
            if uri == namespace(file_type, layout):
                return file_type, layout
    return None


def xsd_path(file_type: str, layout: str = "01") -> Path:
    """Path of the XSD file on disk (the package is installed from source, so the files are real files)."""
    if file_type not in FILE_TYPES:
        raise KeyError(f"unknown KIN file type {file_type!r} (expected one of {', '.join(FILE_TYPES)})")
    if layout not in LAYOUTS:
        raise KeyError(f"unknown KIN layout {layout!r} (known: {', '.join(LAYOUTS)})")
    path = Path(str(resources.files(__name__).joinpath(layout, f"{file_type}.xsd")))
    if not path.is_file():
        raise KeyError(f"no XSD for {file_type} layout {layout}")
    return path


@cache
def lxml_schema(file_type: str, layout: str = "01") -> etree.XMLSchema:
    """Compiled lxml schema (cached: compiling costs milliseconds, validating reuses it)."""
    # Our own XSDs are trusted, but keep the parser closed to the network all the same.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(xsd_path(file_type, layout)), parser))


@cache
def element_names(file_type: str, layout: str = "01") -> frozenset[str]:
    """Every element name the XSD of a file type declares (its own file and what it includes)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    names: set[str] = set()
    for path in (xsd_path(file_type, layout), xsd_path(file_type, layout).with_name("common.xsd")):
        tree = etree.parse(str(path), parser)
        names.update(str(e.get("name")) for e in tree.iter(f"{{{XS}}}element") if e.get("name"))
    return frozenset(names)


XS: Final = "http://www.w3.org/2001/XMLSchema"

__all__ = [
    "FILE_TYPES",
    "LAYOUTS",
    "FileType",
    "element_names",
    "identify_namespace",
    "lxml_schema",
    "namespace",
    "xsd_path",
]
