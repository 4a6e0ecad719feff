"""The CNS device register: check a declaration, assign the identifier and class, or refuse with the reasons.

- New device (also devices in place before 2025) or second-hand device (accepted from ``second_hand_from``,
  2025-01-02): the documents each case needs, all PDF; the acquisition value = the device items + at most
  ``max_probes`` probes (the first five listed; furniture, IT equipment and accessories never count); the class is the
  band of ``device_classes`` holding that value on the date of first use; the date of first use is the later of the
  date in service, the first day of the flat rates and the first day the kind is covered in that discipline.
- Taken out of service: the device must be open and declared by its declarant or one of its users; the identifier is
  closed from the date given (that day is no longer covered).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from tierspayant.core.money import from_cents, to_cents
from tierspayant.schemes.lu_doctors.formats.documents import document_reasons
from tierspayant.schemes.lu_doctors.formats.messages import (
    Anomaly,
    Declaration,
    DeclarationAnswer,
    DeclarationFile,
    DeviceDetails,
    Registration,
)
from tierspayant.schemes.lu_doctors.reference import ReferenceSet

COUNTED = ("appareil", "sonde")


@dataclass(frozen=True)
class OpenDevice:
    """What the register needs to know of a device already registered."""

    device_id: str
    declarant_code: str
    kind_code: str
    serial_number: str
    in_use_from: date
    closed_on: date | None
    users: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The answer to one declaration, and what to store."""

    answer: DeclarationAnswer
    new_device: DeviceDetails | None = None
    registration: Registration | None = None
    close: tuple[str, date, str] | None = None  # (device_id, closed_on, reason)


def acquisition_value(device: DeviceDetails, max_probes: int) -> tuple[Decimal, list[Anomaly]]:
    """The device items and the first ``max_probes`` probes; what was left out is said (information)."""
    total = Decimal("0.00")
    notes: list[Anomaly] = []
    probes = 0
    for item in device.values:
        if item.category == "appareil":
            total += item.amount
        elif item.category == "sonde":
            probes += 1
            if probes <= max_probes:
                total += item.amount
            else:
                notes.append(Anomaly("I001", f"probe {probes} ({item.label}) not counted: at most {max_probes} probes"))
        else:
            notes.append(Anomaly("I002", f"{item.label} ({item.category}) is not part of the acquisition value"))
    return total, notes


class Register:
    """Decides on declarations against the reference data and the devices already registered."""

    def __init__(self, reference: ReferenceSet) -> None:
        self.reference = reference

    def decide(self, file: DeclarationFile, known: dict[str, OpenDevice]) -> list[Decision]:
        decisions = []
        for declaration in file.declarations:
            if declaration.device is not None:
                decisions.append(self._register(file, declaration, declaration.device, known))
            else:
                decisions.append(self._close(file, declaration, known))
        return decisions

    def _register(
        self, file: DeclarationFile, declaration: Declaration, device: DeviceDetails, known: dict[str, OpenDevice]
    ) -> Decision:
        ref = self.reference
        reasons = document_reasons(declaration, file.attachments)
        second_hand_from = ref.date_parameter("second_hand_from", file.send_date)
        if device.nature == "occasion" and file.send_date < second_hand_from:
            message = f"second-hand devices are declared from {second_hand_from} (sent {file.send_date})"
            reasons.append(Anomaly("R003", message))
        kinds = ref["device_kinds"].filter(
            (pl.col("kind_code") == device.kind_code) & (pl.col("discipline_code") == device.discipline_code)
        )
        if kinds.height == 0:
            message = f"device kind {device.kind_code} gives no flat rate in discipline {device.discipline_code}"
            reasons.append(Anomaly("R004", message))
        if device.in_hospital:
            reasons.append(Anomaly("R005", "the device is installed in a hospital: flat rates are for devices outside"))
        if not any(item.category == "appareil" for item in device.values):
            reasons.append(Anomaly("R006", "the acquisition value lists no item of category 'appareil'"))
        for other in known.values():
            same = other.kind_code == device.kind_code and other.serial_number == device.serial_number
            if same and other.closed_on is None:
                message = (
                    f"serial number {device.serial_number} is already registered as {other.device_id}: a shared "
                    "device is declared once and its identifier given to the other doctors"
                )
                reasons.append(Anomaly("R008", message))
        if reasons:
            return Decision(DeclarationAnswer(declaration.number, "refuse", reasons=tuple(reasons)))
        first_covered = min(kinds["valid_from"].to_list())
        in_use_from = max(device.in_service_on, ref.date_parameter("flat_rates_from", first_covered), first_covered)
        value, notes = acquisition_value(device, ref.int_parameter("max_probes", in_use_from))
        cents = to_cents(value)
        bands = ref.valid_on("device_classes", in_use_from).filter(
            (pl.col("kind_code") == device.kind_code)
            & (pl.col("value_min_cents") <= cents)
            & (pl.col("value_max_cents").is_null() | (pl.col("value_max_cents") >= cents))
        )
        if bands.height != 1:
            message = f"no class of {device.kind_code} holds the acquisition value {value} on {in_use_from}"
            return Decision(DeclarationAnswer(declaration.number, "refuse", reasons=(Anomaly("R009", message),)))
        band = bands.row(0, named=True)
        registration = Registration(
            in_use_from=in_use_from,
            acquisition_value=from_cents(cents),
            class_code=band["class_code"],
            annual_threshold=band["annual_threshold"],
            amortisation_total=band["amortisation_total"],
            full_code=band["full_code"],
            reduced_code=band["reduced_code"],
        )
        answer = DeclarationAnswer(declaration.number, "enregistre", registration=registration, reasons=tuple(notes))
        return Decision(answer, new_device=device, registration=registration)

    def _close(self, file: DeclarationFile, declaration: Declaration, known: dict[str, OpenDevice]) -> Decision:
        out = declaration.decommission
        assert out is not None
        reasons = document_reasons(declaration, file.attachments)
        device = known.get(out.device_id)
        if device is None:
            reasons.append(Anomaly("R010", f"device {out.device_id} is not in the register"))
        elif device.closed_on is not None:
            reasons.append(Anomaly("R010", f"device {out.device_id} was already closed on {device.closed_on}"))
        else:
            if file.declarant not in (device.declarant_code, *device.users):
                message = f"{file.declarant} is neither the declarant nor a user of device {out.device_id}"
                reasons.append(Anomaly("R012", message))
            if out.out_of_service_on < device.in_use_from:
                message = f"the device was only used from {device.in_use_from}; it cannot leave service before"
                reasons.append(Anomaly("R011", message))
        if reasons:
            return Decision(DeclarationAnswer(declaration.number, "refuse", out.device_id, reasons=tuple(reasons)))
        answer = DeclarationAnswer(declaration.number, "cloture", out.device_id, closed_on=out.out_of_service_on)
        return Decision(answer, close=(out.device_id, out.out_of_service_on, out.reason))
