"""One validated, constant-memory pass over a KIN file — the engine under the reader, the validator and the frames.

How it validates (measured, see docs/kin-formats.md): lxml ``iterparse`` filtered on the top-level elements; each
top-level element (``Entete``, every item, the trailer) is validated against the file type's XSD the moment it is
complete — the XSD declares them as global elements for that — and then cleared. This is the same XSD, applied
in the same single pass, but about 4× faster than ``iterparse(schema=…)`` (whose streaming identity constraints
are slow) and, unlike it, every error keeps its line number and element path. What a subtree cannot see is
checked here, once per element: the root element (name, namespace = file type + layout, ``Layout`` attribute),
the order and number of the top-level elements, text between them, and the uniqueness of item keys across the
file (request ids, prescription file names, titre ids, invoice numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from lxml import etree

from tierspayant.core.findings import Finding
from tierspayant.core.xmlsafe import (
    Source,
    XmlLimits,
    check_source,
    malformed_finding,
    open_source,
    safe_iterparse,
    source_name,
)
from tierspayant.schemes.lu_kin.formats.messages import translate
from tierspayant.schemes.lu_kin.formats.xsd import (
    FILE_TYPES,
    LAYOUTS,
    FileType,
    element_names,
    identify_namespace,
    lxml_schema,
)

PartKind = Literal["header", "anomaly", "item", "trailer"]
MAX_FINDINGS: Final = 1000
# Elements that may repeat: their paths always carry an index (``/FAC/Facture[3]/Ligne[2]/DatePrestation``).
REPEATABLE: Final = frozenset({"Demande", "Decision", "Facture", "Ligne", "Acte", "Anomalie"})


@dataclass(frozen=True, slots=True)
class Structure:
    """The top level of a file type: Entete, [file-level Anomalie × 0–50], item × (min…), trailer."""

    item: str
    trailer: str
    min_items: int = 1
    file_anomalies: bool = False
    # Item keys unique across the file: (label, path inside the item).
    keys: tuple[tuple[str, str], ...] = ()


STRUCTURES: Final[dict[str, Structure]] = {
    "DEMAUT": Structure(
        "Demande", "Controle", keys=(("IdDemande", "IdDemande"), ("NomFichier", "Ordonnance/NomFichier"))
    ),
    "RETAUT": Structure("Decision", "Controle", keys=(("IdDemande", "IdDemande"), ("TitreId", "Accord/TitreId"))),
    "FAC": Structure("Facture", "Totaux", keys=(("NumeroFacture", "NumeroFacture"),)),
    "RETFAC": Structure(
        "Facture", "Totaux", min_items=0, file_anomalies=True, keys=(("NumeroFacture", "NumeroFacture"),)
    ),
}
MAX_FILE_ANOMALIES: Final = 50


@dataclass(slots=True)
class Part:
    """A complete, validated top-level element. ``index`` counts items (and file anomalies) from 1."""

    kind: PartKind
    element: Any  # lxml _Element; cleared after the consumer's turn
    index: int
    line: int
    path: str
    valid: bool


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class KinScan:
    """Iterate ``parts()`` once; ``findings`` fills as it goes (and holds the refusals if nothing could be read).

    ``file_type`` / ``layout`` are known after the first ``next()`` on ``parts()`` (None if the root is not KIN).
    """

    source: Source
    name: str | None = None
    limits: XmlLimits = field(default_factory=XmlLimits)
    expected_type: str | None = None
    max_findings: int = MAX_FINDINGS
    findings: list[Finding] = field(default_factory=list)
    file_type: FileType | None = None
    layout: str | None = None
    namespace: str | None = None
    stopped: bool = False  # True when reading stopped early (hostile, malformed, too many findings)

    label: str = field(init=False)  # the file name findings carry

    def __post_init__(self) -> None:
        self.label = source_name(self.source, self.name)

    # --- findings ---

    def add(self, code: str, message: str, line: int | None = None, location: str | None = None) -> None:
        if len(self.findings) < self.max_findings:
            self.findings.append(Finding(code, message, file=self.label, line=line, location=location))
        elif not self.stopped:
            self.findings.append(
                Finding("XSD-TOO-MANY", f"more than {self.max_findings} problems; reading stopped", file=self.label)
            )
            self.stopped = True

    @property
    def ok(self) -> bool:
        return not self.findings

    # --- the pass ---

    def parts(self) -> Iterator[Part]:
        refusals = check_source(self.source, self.name, self.limits)
        if refusals:
            self.findings.extend(refusals)
            self.stopped = True
            return
        with open_source(self.source) as stream:
            root_tag = self._root_tag(stream)
        if root_tag is None or not self._check_root_tag(root_tag):
            self.stopped = True
            return
        with open_source(self.source) as stream:
            yield from self._walk(stream)

    def _root_tag(self, stream: Any) -> str | None:
        try:
            for _event, element in safe_iterparse(stream, events=("start",), limits=self.limits):
                return str(element.tag)
        except etree.XMLSyntaxError as exc:
            self.findings.append(malformed_finding(exc, self.label, self.source))
            return None
        self.add("XML-MALFORMED", "the file has no root element", line=1)
        return None

    def _check_root_tag(self, tag: str) -> bool:
        namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        known = identify_namespace(namespace)
        expected = self.expected_type.upper() if self.expected_type else None
        if known is None:
            parts = namespace.split(":")
            if name in FILE_TYPES and len(parts) == 6 and namespace.startswith("urn:lu:cns:kin:"):
                self.add(
                    "XML-LAYOUT",
                    f"{name} layout {parts[-1]!r} (namespace {namespace}) is not a layout this version reads "
                    f"(known: {', '.join(LAYOUTS)})",
                    line=None,
                    location=f"/{name}",
                )
            else:
                hint = f" {{{namespace}}}" if namespace else " without a namespace"
                self.add(
                    "XML-ROOT",
                    f"the root element <{name}>{hint} is not a KIN file; expected one of "
                    + ", ".join(f'<{t} xmlns="urn:lu:cns:kin:{t.lower()}:01">' for t in FILE_TYPES),
                    location=f"/{name}",
                )
            return False
        file_type, layout = known
        if name != file_type:
            self.add(
                "XML-ROOT",
                f"the root element is <{name}> but its namespace {namespace} is the one of {file_type}",
                location=f"/{name}",
            )
            return False
        if expected and expected != file_type:
            self.add("XML-ROOT", f"expected a {expected} file, found a {file_type} file", location=f"/{name}")
            return False
        self.file_type, self.layout, self.namespace = file_type, layout, namespace
        return True

    def _walk(self, stream: Any) -> Iterator[Part]:
        assert self.file_type is not None and self.layout is not None
        file_type, ns = self.file_type, self.namespace
        structure = STRUCTURES[file_type]
        schema = lxml_schema(file_type, self.layout)
        header_tag, item_tag, trailer_tag = (
            f"{{{ns}}}Entete",
            f"{{{ns}}}{structure.item}",
            f"{{{ns}}}{structure.trailer}",
        )
        anomaly_tag = f"{{{ns}}}Anomalie"
        tags = [header_tag, item_tag, trailer_tag] + ([anomaly_tag] if structure.file_anomalies else [])
        kinds: dict[str, PartKind] = {
            header_tag: "header",
            item_tag: "item",
            trailer_tag: "trailer",
            anomaly_tag: "anomaly",
        }
        order = _Order(self, file_type, structure)
        keys = _KeyIndex(self, structure)
        root: Any = None
        processed: Any = None  # the last top-level element handled; kept referenced so ``is`` identifies it
        counts = {"item": 0, "anomaly": 0}
        events = safe_iterparse(stream, events=("end",), tag=tags, limits=self.limits)
        try:
            for _event, element in events:
                if root is None:
                    root = element.getroottree().getroot()
                    self._check_root(root)
                if element.getparent() is not root:
                    # A nested element with a top-level name: validated with its enclosing item — unless it sits in
                    # an unknown top-level wrapper, which would keep the whole file in memory: refuse that at once.
                    top = element
                    while top.getparent() is not root:
                        top = top.getparent()
                    if str(top.tag) not in kinds:
                        name = local(str(top.tag))
                        where = f"/{file_type}/{name}"
                        self.add(
                            "XSD-UNEXPECTED",
                            f"<{name}> is not allowed at the top of a {file_type} file",
                            top.sourceline,
                            where,
                        )
                        self.stopped = True
                        return
                    continue
                self._drop_previous(element, processed)
                kind = kinds[str(element.tag)]
                index = 0
                if kind in counts:
                    counts[kind] += 1
                    index = counts[kind]
                name = local(str(element.tag))
                path = f"/{file_type}/{name}[{index}]" if index else f"/{file_type}/{name}"
                order.see(name, element.sourceline or 0, path)
                valid = self._validate(schema, element, path)
                if valid and kind == "item":
                    keys.see(element, path)
                yield Part(kind, element, index, element.sourceline or 0, path, valid)
                element.clear(keep_tail=True)
                processed = element
                if self.stopped:
                    return
        except etree.XMLSyntaxError as exc:
            self.findings.append(malformed_finding(exc, self.label, self.source))
            self.stopped = True
            return
        if root is None:
            # No top-level KIN element at all: let the order checker say what is missing.
            order.finish()
            return
        last = root[-1] if len(root) else None
        self._drop_previous(last, processed, include_self=True)
        order.finish()

    def _check_root(self, root: Any) -> None:
        path = f"/{self.file_type}"
        line = root.sourceline
        layout = root.get("Layout")
        if layout is None:
            self.add("XSD-ATTRIBUTE", f'<{self.file_type}> needs the attribute Layout="{self.layout}"', line, path)
        elif layout != self.layout:
            self.add(
                "XML-LAYOUT",
                f"<{self.file_type}> Layout={layout!r} does not match its namespace (layout {self.layout})",
                line,
                path,
            )
        extra = sorted(set(root.attrib) - {"Layout"})
        if extra:
            shown = ", ".join(local(a) for a in extra)
            self.add("XSD-ATTRIBUTE", f"<{self.file_type}> has attributes that are not allowed: {shown}", line, path)
        if root.text and root.text.strip():
            self.add("XSD-TEXT", f"<{self.file_type}> contains text; only elements are allowed inside it", line, path)

    def _drop_previous(self, element: Any, processed: Any, include_self: bool = False) -> None:
        """Delete the finished top-level elements before ``element``; anything not seen before is unexpected."""
        if element is None:
            return
        parent = element.getparent()
        doomed = []
        sibling = element if include_self else element.getprevious()
        while sibling is not None:
            doomed.append(sibling)
            sibling = sibling.getprevious()
        for node in reversed(doomed):
            if node.tail and node.tail.strip():
                self.add(
                    "XSD-TEXT",
                    f"text between elements of <{self.file_type}>: {node.tail.strip()[:40]!r}",
                    node.sourceline,
                )
            if node is not processed:
                tag = str(node.tag)
                name = local(tag)
                other_ns = tag.startswith("{") and tag[1:].split("}")[0] != self.namespace
                self.add(
                    "XSD-UNEXPECTED",
                    f"<{name}>{' (another namespace)' if other_ns else ''} is not allowed at the top of a "
                    f"{self.file_type} file",
                    node.sourceline,
                    f"/{self.file_type}/{name}",
                )
            parent.remove(node)

    def _validate(self, schema: etree.XMLSchema, element: Any, path: str) -> bool:
        if schema.validate(element):
            return True
        seen: set[tuple[int, str]] = set()
        for error in schema.error_log:  # type: ignore[attr-defined]
            location = resolve_path(element, error.path, path)
            if (error.line, location) in seen:
                continue  # libxml2 often reports two facets of one bad value; the first says it best
            seen.add((error.line, location))
            code, message = translate(error.message, element_names(self.file_type or "", self.layout or ""))
            self.add(code, message, error.line or None, location)
        return False


class _Order:
    """The top-level sequence: Entete, [Anomalie × 0–50], item × min…, trailer — and nothing after."""

    def __init__(self, scan: KinScan, file_type: str, structure: Structure) -> None:
        self.scan, self.file_type, self.structure = scan, file_type, structure
        self.state = 0  # 0 before Entete, 1 after Entete / file anomalies, 2 in items, 3 after the trailer
        self.items = 0
        self.anomalies = 0
        s = structure
        self.order = (
            "<Entete>, "
            + (f"<Anomalie> × 0–{MAX_FILE_ANOMALIES}, " if s.file_anomalies else "")
            + f"<{s.item}> × {s.min_items} or more, <{s.trailer}>"
        )

    def see(self, name: str, line: int, path: str) -> None:
        s = self.structure
        if name == "Entete":
            wrong = self.state != 0
            self.state = max(self.state, 1)
        elif name == "Anomalie":
            wrong = self.state != 1
            self.anomalies += 1
            if self.anomalies == MAX_FILE_ANOMALIES + 1:
                self.scan.add("XSD-UNEXPECTED", f"more than {MAX_FILE_ANOMALIES} file-level <Anomalie>", line, path)
        elif name == s.item:
            wrong = self.state not in (1, 2)
            self.state = 2
            self.items += 1
        else:  # the trailer
            wrong = self.state in (0, 3)
            self.state = 3
        if wrong:
            self.scan.add(
                "XSD-UNEXPECTED", f"<{name}> is not allowed here; a {self.file_type} file is {self.order}", line, path
            )

    def finish(self) -> None:
        s, path = self.structure, f"/{self.file_type}"
        if self.state == 0:
            self.scan.add("XSD-MISSING", f"<{self.file_type}> has no <Entete>", None, path)
        if self.items < s.min_items:
            self.scan.add("XSD-MISSING", f"<{self.file_type}> has no <{s.item}>; at least one is required", None, path)
        if self.state != 3:
            self.scan.add("XSD-MISSING", f"<{self.file_type}> ends without <{s.trailer}>", None, path)


class _KeyIndex:
    """Item keys that must be unique across the file, with the line of their first use."""

    def __init__(self, scan: KinScan, structure: Structure) -> None:
        self.scan = scan
        ns = scan.namespace
        self.keys: list[tuple[str, Callable[[Any], str | None], dict[str, int]]] = []
        for label, steps in structure.keys:
            xpath = "/".join(f"{{{ns}}}{step}" for step in steps.split("/"))
            self.keys.append((label, _finder(xpath), {}))

    def see(self, element: Any, path: str) -> None:
        for label, find, first_lines in self.keys:
            value = find(element)
            if value is None:
                continue
            if value in first_lines:
                self.scan.add(
                    "XSD-DUPLICATE",
                    f"{label} {value!r} appears more than once; it must be unique in the file "
                    f"(first at line {first_lines[value]})",
                    element.sourceline,
                    f"{path}/{label}",
                )
            else:
                first_lines[value] = element.sourceline or 0


def _finder(xpath: str) -> Callable[[Any], str | None]:
    def find(element: Any) -> str | None:
        text = element.findtext(xpath)
        return None if text is None else str(text)

    return find


def resolve_path(item: Any, error_path: str | None, item_path: str) -> str:
    """libxml2's positional path inside a validated subtree (``/*/*[4]/*[8]``) → ``/FAC/Facture[3]/Ligne[2]/…``."""
    if not error_path or not error_path.startswith("/*"):
        return item_path
    node = item
    path = item_path
    for step in error_path.split("/")[2:]:
        position = int(step[2:-1]) if step.startswith("*[") else 1
        children = [child for child in node if isinstance(child.tag, str)]
        if position > len(children):
            break
        node = children[position - 1]
        name = local(str(node.tag))
        if name in REPEATABLE:
            same = [c for c in children if c.tag == node.tag]
            path += f"/{name}[{same.index(node) + 1}]"
        else:
            path += f"/{name}"
    return path


__all__ = ["MAX_FINDINGS", "STRUCTURES", "KinScan", "Part", "local", "resolve_path"]
