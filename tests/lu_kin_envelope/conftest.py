"""Make the PDF builders of this folder importable as ``kin_envelope_pdfs`` by the tests here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
