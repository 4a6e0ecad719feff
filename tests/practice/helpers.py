"""Test helpers of the practice side: a settable clock, valid matricules, a prescription scan that passes the checks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tierspayant.core.identifiers.matricule import compute_matricule

XMP_PDFA = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>{part}</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


@dataclass
class Clock:
    """A clock the test moves by hand."""

    current: datetime

    def __call__(self) -> datetime:
        return self.current

    def set(self, day: date, hour: int = 9) -> None:
        self.current = datetime(day.year, day.month, day.day, hour)


def matricule(birth: date, serial: int = 1) -> str:
    return compute_matricule(birth, serial)


def scan_pdf(dpi: int = 250, pdfa: bool = True) -> bytes:
    """An A4 page filled with a grey image at ``dpi`` dots per inch, identified as PDF/A-2B when ``pdfa``."""
    width_px, height_px = round(8.27 * dpi), round(11.69 * dpi)
    gray = bytes([200]) * (width_px * height_px)
    from PIL import Image

    image = Image.frombytes("L", (width_px, height_px), gray)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    if not pdfa:
        return buffer.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    metadata = DecodedStreamObject()
    metadata.set_data(XMP_PDFA.format(part=2).encode("utf-8"))
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
