"""The nurse's side of the MyCareNet messages besides eFact (layouts: ``formats/mcn.py``): the requests deposited in
the mailbox (801000, 420900, 430000) and what the answers mean for the nurse — an 801900 becomes the patient's stored
insurability answer, which the next sending carries in record 20 (zones 42-45, 53-58) and record 51."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tierspayant.schemes.be_nursing.formats import mcn
from tierspayant.schemes.be_nursing.formats.models import InsurabilityAnswer


def consultation(third_party: str, niss: str, day: date, sent: date, directory: Path, reference: str = "",
                 sequence: int = 1) -> Path:
    """An 801000 asking the patient's insurability at ``day``."""
    values = {"third_party": int(third_party), "niss": int(niss), "reference": reference or f"INS-{niss}-{day:%Y%m%d}",
              "consultation_date": day, "sent_date": sent}
    return mcn.write("801000", values, directory / mcn.name_for("801000", third_party, niss, sent, sequence))


def palliative_notification(third_party: str, niss: str, nurse: str, effective_from: date, sent: date,
                            directory: Path, sequence: int = 1) -> Path:
    """A 420900 notifying palliative care from ``effective_from`` (at most 10 days before ``sent``)."""
    values = {"third_party": int(third_party), "niss": int(niss), "reference": f"PAL-{niss}-{effective_from:%Y%m%d}",
              "care_provider": int(nurse), "effective_date": effective_from, "sent_date": sent}
    return mcn.write("420900", values, directory / mcn.name_for("420900", third_party, niss, sent, sequence))


def agreement_request(third_party: str, niss: str, nurse: str, kind: str, start: date, end: date | None, sent: date,
                      directory: Path, sequence: int = 1) -> Path:
    """A 430000 asking an agreement: ``kind`` A, B, C (flat fees), T (toilette), P (palliative)."""
    if kind not in mcn.AGREEMENT_KINDS:
        raise ValueError(f"agreement kind {kind!r}: one of {', '.join(mcn.AGREEMENT_KINDS)}")
    values = {"third_party": int(third_party), "niss": int(niss), "reference": f"A{kind}-{niss}-{start:%Y%m%d}",
              "care_provider": int(nurse), "agreement_kind": kind, "start_date": start, "end_date": end,
              "sent_date": sent}
    return mcn.write("430000", values, directory / mcn.name_for("430000", third_party, niss, sent, sequence))


def insurability_answer(message: mcn.Message) -> InsurabilityAnswer | None:
    """What an 801900 gives the invoicing: None when the patient is unknown at the mutuality (status 01)."""
    if message.code != "801900":
        raise ValueError(f"{message.code} is not an insurability answer (801900)")
    v = message.values
    if v["status"] != 0:
        return None
    commitment = str(v["commitment_reference"])
    return InsurabilityAnswer(
        part_a=v["commitment_part_a"], part_n=v["commitment_part_n"], part_v=v["commitment_part_v"],
        reference=commitment[:32], insurability_start_date=v["insurability_start_date"],
        insurability_end_date=v["insurability_end_date"], communication_date=v["communication_date"],
        mutuality=v["mutuality"], ct1_ct2=v["ct1"] * 1000 + v["ct2"],
        medical_house=v["medical_house_contract"] == 1, commitment_number=commitment,
    )
