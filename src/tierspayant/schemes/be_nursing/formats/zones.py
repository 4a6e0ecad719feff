"""The eFact layout as data: one zone table per segment / record, from which reader, writer and checks follow.

Every record of a 920000 sending is 350 characters (segment 200: 67, segment 300: 160); replies return each record as
800 characters (the original 350 + an error part). Positions are 1-based and inclusive, as in the INAMI instructions.
``kind``: ``N`` numeric, right-aligned, zero-padded; ``A`` text, left-aligned, space-padded (no accents); ``S`` signed
amount: one sign character (``+``/``-``) then digits (euro cents).

The tables were reconstructed from the project fact sheet (docs/be-efact.md lists the sources) and cross-checked
against a second, independent open-source implementation and the zone numbers of the official error-code list
(``RRZZEE``: record type, zone number, error). Where a zone's exact split is uncertain the description says so.
Names are snake_case English; the official zone number is kept in ``number`` (``"24-25"`` when the instructions span
several zone numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["N", "A", "S"]

RECORD_LENGTH = 350
REPLY_RECORD_LENGTH = 800
CHECKED_LENGTH = 348  # the record check covers positions 1-348


@dataclass(frozen=True, slots=True)
class Zone:
    """One zone of a record: where it is, how long, what it holds."""

    number: str
    name: str
    start: int  # 1-based
    length: int
    kind: Kind
    description: str

    @property
    def end(self) -> int:
        """Last position (1-based, inclusive)."""
        return self.start + self.length - 1

    @property
    def offset(self) -> int:
        """0-based start, for slicing."""
        return self.start - 1

    @property
    def is_date(self) -> bool:
        """Dates are N zones of 8 digits named ``*_date`` (YYYYMMDD; all zeros = absent)."""
        return self.kind == "N" and self.length == 8 and self.name.endswith("_date")

    @property
    def is_reserve(self) -> bool:
        return self.name.startswith("reserve")

    @property
    def is_error_code(self) -> bool:
        """The 2-character error zones that follow each zone of segments 200/300 and records 91/92/95/96."""
        return self.name.endswith("_error")

    @property
    def official_zone(self) -> str:
        """The first official zone number, two digits (``"24-25"`` → ``"24"``), used in error codes ``RRZZEE``."""
        head = self.number.split("-")[0].rstrip("abcdefghijklmnopqrstuvwxyz")
        return head.zfill(2)[-2:]

    def where(self, record_type: str) -> str:
        """``record 50 zone 7 (positions 17–24)`` — the location text of a Finding."""
        span = f"position {self.start}" if self.length == 1 else f"positions {self.start}–{self.end}"
        what = "segment" if len(record_type) == 3 else "record"
        return f"{what} {record_type} zone {self.number} ({span})"


@dataclass(frozen=True)
class RecordLayout:
    """The zone table of one segment / record type."""

    record_type: str
    title: str
    length: int
    zones: tuple[Zone, ...]
    has_check_digits: bool = True  # positions 349-350 = record check (records 10..90)
    _by_name: dict[str, Zone] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {z.name: z for z in self.zones})
        if len(self._by_name) != len(self.zones):
            raise ValueError(f"record {self.record_type}: duplicate zone names")
        position = 1
        for zone in self.zones:
            if zone.start != position or zone.length < 1:
                where = f"record {self.record_type}: zone {zone.name}"
                raise ValueError(f"{where} starts at {zone.start}, expected {position}")
            position = zone.end + 1
        if position - 1 != self.length:
            raise ValueError(f"record {self.record_type}: zones cover {position - 1} positions, not {self.length}")

    def zone(self, name: str) -> Zone:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"record {self.record_type} has no zone {name!r}") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(z.name for z in self.zones)

    def data_zones(self) -> tuple[Zone, ...]:
        """The zones that carry information (no reserve, no per-zone error code)."""
        return tuple(z for z in self.zones if not z.is_reserve and not z.is_error_code)


Row = tuple[str, str, int, int, Kind, str]


def _layout(record_type: str, title: str, length: int, rows: list[Row], *, check_digits: bool = True) -> RecordLayout:
    return RecordLayout(record_type, title, length, tuple(Zone(*row) for row in rows), check_digits)


def _with_errors(rows: list[tuple[str, str, int, Kind, str]], start: int = 1) -> list[Row]:
    """Segments 200/300 and records 91/92/95/96: every zone is followed by its own 2-digit error zone."""
    out: list[Row] = []
    position = start
    for number, name, length, kind, description in rows:
        out.append((number, name, position, length, kind, description))
        position += length
        if not name.startswith("reserve"):
            out.append((number, f"{name}_error", position, 2, "N", f"error code of zone {number} (00 = none)"))
            position += 2
    return out


# --- Segment 200: the message header (67) -----------------------------------------------------------------------
SEGMENT_200 = _layout(
    "200",
    "message header",
    67,
    _with_errors(
        [
            ("200", "message_name", 6, "N", "920000 invoicing file; 920098/920099/920900/920999/931000 replies"),
            ("201", "message_version", 2, "N", "version of the message format"),
            ("202", "message_type", 2, "N", "12 production, 92 test"),
            ("203", "message_status", 2, "N", "status"),
            ("204", "provider_reference", 14, "A", "the sender's reference of this message"),
            ("205", "mutuality_reference", 14, "N", "the mutuality's reference (zeros in a 920000)"),
            ("206", "reserve_206", 15, "N", "reserve"),
        ]
    ),
    check_digits=False,
)

# --- Segment 300: the sending header (160) ----------------------------------------------------------------------
SEGMENT_300 = _layout(
    "300",
    "sending header",
    160,
    _with_errors(
        [
            ("300", "invoiced_period", 6, "N", "invoiced year and month YYYYMM"),
            ("301", "sending_number", 3, "N", "sending number, never re-used once accepted"),
            ("302", "creation_date", 8, "N", "creation date of the invoice file YYYYMMDD"),
            ("303", "invoice_reference", 13, "A", "reference of the invoice file"),
            ("304", "instructions_version", 7, "N", "version of the invoicing instructions (9991999 = test)"),
            ("305", "contact_last_name", 45, "A", "contact person: last name"),
            ("306", "contact_first_name", 24, "A", "contact person: first name"),
            ("307", "contact_phone", 10, "N", "contact person: phone"),
            ("308", "invoice_type", 2, "N", "type of invoice (sector)"),
            ("309", "invoicing_mode", 2, "N", "one or two financial accounts"),
            ("310", "error_percentage", 5, "N", "replies: error percentage, 2 decimals (zeros in a 920000)"),
            ("311", "refusal_type", 2, "N", "replies: 01 blocking errors, 02 more than 5% errors"),
            ("312", "reserve_312", 9, "N", "reserve"),
        ]
    ),
    check_digits=False,
)

# --- Record 10: batch header --------------------------------------------------------------------------------------
RECORD_10 = _layout(
    "10",
    "batch header",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "10"),
        ("2", "sequence", 3, 6, "N", "record sequence number, 000001"),
        ("3", "index_code", 9, 1, "N", "index code: 0 one account, 1 two accounts"),
        ("4", "file_version", 10, 7, "N", "version of the file / instructions (9991999 = test)"),
        ("5-6a", "financial_account_a", 17, 12, "N", "financial account A (old format, zeros since IBAN)"),
        ("6b", "reserve_6b", 29, 4, "N", "reserve"),
        ("7", "sending_number", 33, 3, "N", "sending number"),
        ("8", "financial_account_b", 36, 12, "N", "financial account B (old format, zeros since IBAN)"),
        ("9", "sfp_code", 48, 1, "N", "S.F.P. code"),
        ("10", "settlement_file_code", 49, 1, "N", "settlement file code"),
        ("11", "reserve_11", 50, 1, "N", "reserve"),
        ("12", "reserve_12", 51, 2, "N", "reserve"),
        ("13", "invoicing_content", 53, 3, "N", "invoicing content (040 = eFact)"),
        ("14", "third_party_number", 56, 12, "N", "third-party payer number: the nurse's or group's INAMI number"),
        ("15", "cin_accreditation_number", 68, 12, "N", "C.I.N. accreditation number"),
        ("16", "reserve_16", 80, 1, "N", "reserve"),
        ("17", "reserve_17", 81, 4, "N", "reserve"),
        ("18", "profession_code", 85, 3, "N", "profession code of the invoicing third party"),
        ("19", "reserve_19", 88, 12, "N", "reserve"),
        ("20", "reserve_20", 100, 7, "N", "reserve"),
        ("21", "reserve_21", 107, 1, "N", "reserve"),
        ("22", "invoiced_year", 108, 5, "N", "invoiced year (0YYYY)"),
        ("23", "invoiced_month", 113, 2, "N", "invoiced month"),
        ("24", "reserve_24", 115, 5, "N", "reserve"),
        ("25-26", "creation_date", 120, 8, "N", "creation date YYYYMMDD"),
        ("27", "company_number", 128, 10, "N", "BCE/KBO company number"),
        ("28", "third_party_reference", 138, 25, "A", "the third party's own reference"),
        ("29", "reserve_29", 163, 2, "N", "reserve"),
        ("30", "reserve_30", 165, 2, "N", "reserve"),
        ("31-34", "bic_account_a", 167, 11, "A", "BIC of financial account A"),
        ("35", "reserve_35", 178, 1, "N", "reserve"),
        ("36-41", "iban_account_a", 179, 34, "A", "IBAN of financial account A"),
        ("42", "reserve_42", 213, 6, "N", "reserve"),
        ("43", "bic_account_b", 219, 11, "A", "BIC of financial account B"),
        ("44", "reserve_44", 230, 1, "N", "reserve"),
        ("45", "reserve_45", 231, 4, "N", "reserve"),
        ("46", "reserve_46", 235, 26, "N", "reserve"),
        ("47", "reserve_47", 261, 1, "N", "reserve"),
        ("48", "reserve_48", 262, 9, "N", "reserve"),
        ("49-52", "iban_account_b", 271, 34, "A", "IBAN of financial account B"),
        ("53", "reserve_53", 305, 8, "N", "reserve"),
        ("54", "reserve_54", 313, 3, "N", "reserve"),
        ("55-59", "reserve_55", 316, 31, "N", "reserve"),
        ("98", "reserve_98", 347, 2, "N", "reserve"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)

# --- Record 20: invoice header (one per patient invoice) ----------------------------------------------------------
RECORD_20 = _layout(
    "20",
    "invoice header",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "20"),
        ("2", "sequence", 3, 6, "N", "record sequence number (previous + 1)"),
        ("3", "third_party_authorisation", 9, 1, "N", "third-party payment authorisation"),
        ("4", "admission_time", 10, 7, "N", "admission time (hospital sector; zeros)"),
        ("5", "admission_date", 17, 8, "N", "admission date (zeros)"),
        ("6", "discharge_date", 25, 8, "N", "discharge date (zeros)"),
        ("7", "affiliation_mutuality", 33, 3, "N", "the patient's mutuality of affiliation"),
        ("8", "niss", 36, 13, "N", "beneficiary identification: NISS (INSZ), right-aligned"),
        ("9", "sex", 49, 1, "N", "1 male, 2 female"),
        ("10", "invoice_type", 50, 1, "N", "type of invoice"),
        ("11", "invoicing_type", 51, 1, "N", "0 normal, 1 correction, 3 credit note"),
        ("12", "reserve_12", 52, 1, "N", "reserve"),
        ("13", "service_721bis", 53, 3, "N", "service of document 721bis (zeros)"),
        ("14", "billing_institution", 56, 12, "N", "number of the invoicing institution / third party"),
        ("15", "stay_institution", 68, 12, "N", "institution of stay (zeros)"),
        ("16", "prescription_limit_code", 80, 1, "N", "code lifting the limitation period"),
        ("17", "treatment_reason", 81, 4, "N", "causes of the treatment"),
        ("18", "destination_mutuality", 85, 3, "N", "zone 18: mutuality of destination (the PUC number)"),
        ("19", "admission_number", 88, 12, "N", "admission number (zeros)"),
        ("20-21", "rehabilitation_agreement_date", 100, 8, "N", "date of the rehabilitation agreement (zeros)"),
        ("22", "discharge_time", 108, 5, "N", "discharge time (zeros)"),
        ("23", "reserve_23", 113, 2, "N", "reserve"),
        ("24-25", "invoice_number", 115, 12, "N", "individual invoice number"),
        ("26", "social_franchise", 127, 1, "N", "application of the social franchise"),
        ("27", "ct1_ct2", 128, 10, "N", "CT1-CT2 insurability codes"),
        ("28", "institution_reference", 138, 25, "A", "the sender's reference of this invoice"),
        ("29-31", "previous_invoice_number", 163, 12, "N", "number of the previous invoice (corrections)"),
        ("32", "beneficiary_identification_flag", 175, 1, "N", "1 = zone 8 is a NISS"),
        ("33", "reserve_33", 176, 1, "N", "reserve"),
        ("34-36", "previous_sending_number", 177, 3, "N", "number of the previous sending (corrections)"),
        ("37", "previous_mutuality", 180, 3, "N", "mutuality of the previous invoicing"),
        ("38-39", "mutuality_reference_account_a", 183, 22, "A", "mutuality reference, financial account A"),
        ("40", "reserve_40", 205, 2, "N", "reserve"),
        ("41", "previous_invoiced_period", 207, 6, "N", "previous invoiced year and month"),
        ("42", "payment_commitment_part_a", 213, 1, "N", "part A: 0 none, 1 SIS card, 2 payment commitment"),
        ("43", "payment_commitment_part_n", 214, 12, "N", "network reference part N (split of zones 42-45 uncertain)"),
        ("44", "payment_commitment_part_v", 226, 3, "N", "network reference part V (split uncertain)"),
        ("45", "payment_commitment_reference", 229, 32, "A", "payment commitment reference of the 801900 answer"),
        ("46", "reserve_46", 261, 1, "N", "reserve"),
        ("47", "invoicing_date", 262, 8, "N", "invoicing date YYYYMMDD"),
        ("48", "reserve_48", 270, 1, "N", "reserve"),
        ("49-51", "mutuality_reference_account_b", 271, 22, "A", "mutuality reference, financial account B"),
        ("52", "mother_admission_number", 293, 12, "N", "admission number of the mother (zeros)"),
        ("53", "insurability_start_date", 305, 8, "N", "payment commitment: start of insurability period"),
        ("54", "insurability_end_date", 313, 8, "N", "payment commitment: end of insurability period"),
        ("55", "communication_date", 321, 8, "N", "payment commitment: date the information was communicated"),
        ("56", "maf_current_year", 329, 4, "N", "maximum billing (MAF) current year"),
        ("57", "maf_previous_year", 333, 4, "N", "maximum billing (MAF) year - 1"),
        ("58", "maf_two_years_ago", 337, 4, "N", "maximum billing (MAF) year - 2"),
        ("59", "reserve_59", 341, 6, "N", "reserve"),
        ("98", "reserve_98", 347, 2, "N", "reserve"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)

# --- Record 50: one service line ----------------------------------------------------------------------------------
RECORD_50 = _layout(
    "50",
    "service line",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "50"),
        ("2", "sequence", 3, 6, "N", "record sequence number (previous + 1)"),
        ("3", "service_norm", 9, 1, "N", "service norm"),
        ("4", "nomenclature_code", 10, 7, "N", "(pseudo-)nomenclature code of the service"),
        ("5", "first_service_date", 17, 8, "N", "date of the (first) service"),
        ("6", "last_service_date", 25, 8, "N", "date of the last service"),
        ("7", "affiliation_mutuality", 33, 3, "N", "the patient's mutuality of affiliation"),
        ("8", "niss", 36, 13, "N", "beneficiary identification: NISS (INSZ)"),
        ("9", "sex", 49, 1, "N", "1 male, 2 female"),
        ("10", "delivery_code", 50, 1, "N", "childbirth code (0)"),
        ("11", "account_reference", 51, 1, "N", "financial account reference: 0 account A, 1 account B"),
        ("12", "night_weekend_code", 52, 1, "N", "0 other, 1 night, 2 weekend, 3 public holiday, 4 urgent"),
        ("13", "service_code", 53, 3, "N", "service code (990)"),
        ("14", "place_of_service", 56, 12, "N", "place of service (institution number or zeros)"),
        ("15", "care_provider", 68, 12, "N", "INAMI number of the nurse who gave the service"),
        ("16", "provider_norm", 80, 1, "N", "provider norm"),
        ("17-18", "relative_service", 81, 7, "N", "relative service (nomenclature code the service relates to)"),
        ("19", "insurance_amount", 88, 12, "S", "± amount of the insurance intervention, cents"),
        ("20-21", "prescription_date", 100, 8, "N", "date of the prescription"),
        ("22", "units", 108, 5, "S", "± number of units"),
        ("23", "same_day_repetition", 113, 2, "N", "03 second identical service that day, 04 third or later"),
        ("24-25", "prescriber", 115, 12, "N", "INAMI number of the prescriber"),
        ("26", "prescriber_norm", 127, 1, "N", "prescriber norm"),
        ("27", "patient_share", 128, 10, "S", "± personal share of the patient, cents"),
        ("28", "institution_reference", 138, 25, "A", "the sender's reference of this line"),
        ("29", "treated_tooth", 163, 2, "N", "treated tooth (00)"),
        ("30-31", "supplement", 165, 10, "S", "± supplement, cents"),
        ("32", "third_party_exception", 175, 1, "N", "third-party payment exception"),
        ("33", "billing_code", 176, 1, "N", "billing code of personal share or supplement"),
        ("34", "treated_limb", 177, 1, "N", "treated limb code"),
        ("35", "contracted_provider", 178, 1, "N", "1 the provider adheres to the agreement (conventionné)"),
        ("36-37", "service_time", 179, 4, "N", "time of the service HHMM"),
        ("38", "blood_administrator", 183, 12, "N", "blood administrator (zeros)"),
        ("39-40", "administration_certificate", 195, 12, "N", "administration certificate number (zeros)"),
        ("41-42", "delivery_note_number", 207, 12, "N", "delivery note or bag number (zeros)"),
        ("43", "implant_code", 219, 12, "N", "implant code (zeros)"),
        ("44-45", "product_description", 231, 30, "A", "product description"),
        ("46", "ceiling_norm", 261, 1, "N", "ceiling norm"),
        ("47", "agreement_date", 262, 8, "N", "date of the agreement for the service"),
        ("48", "transplantation", 270, 1, "N", "transplantation code"),
        ("49", "auxiliary_provider", 271, 12, "N", "auxiliary provider (care assistant) INAMI number"),
        ("50a", "reserve_50a", 283, 3, "N", "reserve (share in a flat fee)"),
        ("50b", "eid_service_flag", 286, 1, "N", "service given in the context of an eID reading"),
        ("51", "hospital_site", 287, 6, "N", "hospital site (zeros)"),
        ("52", "care_area_association", 293, 12, "N", "care area association (zeros)"),
        ("53-54a", "trip_number", 305, 11, "N", "trip number (zeros)"),
        ("54b", "gps_flag", 316, 1, "N", "GPS flag"),
        ("54c", "reserve_54c", 317, 4, "N", "reserve"),
        ("55-56", "implant_notification_code", 321, 12, "N", "implant notification code (zeros)"),
        ("57-59", "registration_code", 333, 14, "N", "registration code (zeros)"),
        ("98", "vat_flag", 347, 2, "N", "VAT flag"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)

# --- Record 51: payment commitment of a service line ------------------------------------------------------------
RECORD_51 = _layout(
    "51",
    "payment commitment",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "51"),
        ("2", "sequence", 3, 6, "N", "record sequence number (previous + 1)"),
        ("3", "reserve_3", 9, 1, "N", "reserve"),
        ("4", "nomenclature_code", 10, 7, "N", "nomenclature code, as in the record 50 it follows"),
        ("5", "service_date", 17, 8, "N", "service date, as zone 5 of the record 50"),
        ("6-7", "reserve_6", 25, 11, "N", "reserve"),
        ("8", "niss", 36, 13, "N", "beneficiary identification, as zone 8 of the record 20"),
        ("9-14", "reserve_9", 49, 19, "N", "reserve"),
        ("15", "care_provider", 68, 12, "N", "care provider, as zone 15 of the record 50"),
        ("16", "reserve_16", 80, 1, "N", "reserve"),
        ("17-18", "relative_service", 81, 7, "N", "relative service"),
        ("19", "insurance_amount", 88, 12, "S", "± insurance intervention, as zone 19 of the record 50"),
        ("20-26", "reserve_20", 100, 28, "N", "reserve"),
        ("27", "ct1_ct2", 128, 10, "N", "CT1-CT2, as zone 27 of the record 20"),
        ("28-41", "reserve_28", 138, 75, "N", "reserve"),
        ("42-45", "payment_commitment_number", 213, 48, "A", "payment commitment reference of the 801900 answer"),
        ("46-54", "reserve_46", 261, 60, "N", "reserve"),
        ("55", "communication_date", 321, 8, "N", "date the insurability information was communicated"),
        ("56-98", "reserve_56", 329, 20, "N", "reserve"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)

# --- Record 52: eID reading of a service line (mandatory from service date 2017-10-01) ---------------------------
RECORD_52 = _layout(
    "52",
    "eID reading",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "52"),
        ("2", "sequence", 3, 6, "N", "record sequence number (previous + 1)"),
        ("3", "manual_entry_reason", 9, 1, "N", "reason for manual entry"),
        ("4", "nomenclature_code", 10, 7, "N", "nomenclature code, as zone 4 of the record 50"),
        ("5", "service_date", 17, 8, "N", "service date, as zone 5 of the record 50"),
        ("6", "reading_date", 25, 8, "N", "date the identity document was read"),
        ("7", "reserve_7", 33, 3, "N", "reserve"),
        ("8", "niss", 36, 13, "N", "beneficiary identification, as zone 8 of the record 20"),
        ("9", "input_type", 49, 1, "N", "type of input (1 read electronically ... 4 manual)"),
        ("10", "card_type", 50, 1, "N", "type of identity document"),
        ("11", "sticker_reason", 51, 1, "N", "reason a sticker (vignette) was used"),
        ("12", "reading_time", 52, 4, "N", "reading time HHMM"),
        ("13-14", "reserve_13", 56, 12, "N", "reserve"),
        ("15", "care_provider", 68, 12, "N", "INAMI number of the provider, as zone 15 of the record 50"),
        ("16", "card_serial_number", 80, 15, "A", "serial number of the identity document"),
        ("17", "supporting_document_number", 95, 25, "A", "supporting document number"),
        ("18", "device_number", 120, 12, "N", "number of the reading device"),
        ("19", "agreement_number", 132, 20, "A", "agreement number"),
        ("20-98", "reserve_20", 152, 197, "N", "reserve"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)

# --- Record 80: invoice trailer -----------------------------------------------------------------------------------
RECORD_80 = _layout(
    "80",
    "invoice trailer",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "80"),
        ("2", "sequence", 3, 6, "N", "record sequence number (previous + 1)"),
        ("3", "reserve_3", 9, 1, "N", "reserve"),
        ("4", "admission_time", 10, 7, "N", "as zone 4 of the record 20"),
        ("5", "admission_date", 17, 8, "N", "as zone 5 of the record 20"),
        ("6", "discharge_date", 25, 8, "N", "as zone 6 of the record 20"),
        ("7", "affiliation_mutuality", 33, 3, "N", "as zone 7 of the record 20"),
        ("8", "niss", 36, 13, "N", "as zone 8 of the record 20"),
        ("9", "sex", 49, 1, "N", "as zone 9 of the record 20"),
        ("10", "invoice_type", 50, 1, "N", "as zone 10 of the record 20"),
        ("11-12", "reserve_11", 51, 2, "N", "reserve"),
        ("13", "service_721bis", 53, 3, "N", "as zone 13 of the record 20"),
        ("14", "billing_institution", 56, 12, "N", "as zone 14 of the record 20"),
        ("15", "amount_account_b", 68, 12, "S", "± total for financial account B, cents"),
        ("16", "reserve_16", 80, 1, "N", "reserve"),
        ("17", "treatment_reason", 81, 4, "N", "as zone 17 of the record 20"),
        ("18", "destination_mutuality", 85, 3, "N", "zone 18: mutuality of destination, as in the record 20"),
        ("19", "amount_account_a", 88, 12, "S", "± total for financial account A (the lines' insurance amounts)"),
        ("20-21", "invoice_date", 100, 8, "N", "invoice date"),
        ("22", "discharge_time", 108, 5, "N", "as zone 22 of the record 20"),
        ("23", "reserve_23", 113, 2, "N", "reserve"),
        ("24-25", "invoice_number", 115, 12, "N", "individual invoice number, as zones 24-25 of the record 20"),
        ("26", "reserve_26", 127, 1, "N", "reserve"),
        ("27", "patient_share", 128, 10, "S", "± total personal share of the patient, cents"),
        ("28", "institution_reference", 138, 25, "A", "the sender's reference of this invoice"),
        ("29", "reserve_29", 163, 2, "N", "reserve"),
        ("30-31", "supplement", 165, 10, "S", "± total supplements, cents"),
        ("32", "beneficiary_identification_flag", 175, 1, "N", "as zone 32 of the record 20"),
        ("33-37", "reserve_33", 176, 7, "N", "reserve"),
        ("38", "advance_account_a", 183, 12, "S", "± advance on financial account A, cents"),
        ("39-59", "reserve_39", 195, 152, "N", "reserve"),
        ("98", "invoice_check_number", 347, 2, "N", "invoice check number over the nomenclature codes of the invoice"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)

# --- Record 90: batch trailer -------------------------------------------------------------------------------------
RECORD_90 = _layout(
    "90",
    "batch trailer",
    RECORD_LENGTH,
    [
        ("1", "record_type", 1, 2, "N", "90"),
        ("2", "sequence", 3, 6, "N", "record sequence number (previous + 1)"),
        ("3-4", "reserve_3", 9, 8, "N", "reserve"),
        ("5-6a", "financial_account_a", 17, 12, "N", "as zones 5-6a of the record 10"),
        ("6b", "reserve_6b", 29, 4, "N", "reserve"),
        ("7", "sending_number", 33, 3, "N", "as zone 7 of the record 10"),
        ("8", "financial_account_b", 36, 12, "N", "as zone 8 of the record 10"),
        ("9-13", "reserve_9", 48, 8, "N", "reserve"),
        ("14", "third_party_number", 56, 12, "N", "as zone 14 of the record 10"),
        ("15", "amount_account_b", 68, 12, "S", "± total of financial account B over the records 80, cents"),
        ("16-18", "reserve_16", 80, 8, "N", "reserve"),
        ("19", "amount_account_a", 88, 12, "S", "± total of financial account A over the records 80, cents"),
        ("20-21", "reserve_20", 100, 8, "N", "reserve"),
        ("22", "invoiced_year", 108, 5, "N", "as zone 22 of the record 10"),
        ("23", "invoiced_month", 113, 2, "N", "as zone 23 of the record 10"),
        ("24-26", "reserve_24", 115, 13, "N", "reserve"),
        ("27", "company_number", 128, 10, "N", "as zone 27 of the record 10"),
        ("28", "third_party_reference", 138, 25, "A", "as zone 28 of the record 10"),
        ("29-30", "reserve_29", 163, 4, "N", "reserve"),
        ("31-34", "bic_account_a", 167, 11, "A", "as zones 31-34 of the record 10"),
        ("35", "reserve_35", 178, 1, "N", "reserve"),
        ("36-41", "iban_account_a", 179, 34, "A", "as zones 36-41 of the record 10"),
        ("42", "reserve_42", 213, 6, "N", "reserve"),
        ("43", "bic_account_b", 219, 11, "A", "as zone 43 of the record 10"),
        ("44-48", "reserve_44", 230, 41, "N", "reserve"),
        ("49-52", "iban_account_b", 271, 34, "A", "as zones 49-52 of the record 10"),
        ("53-59", "reserve_53", 305, 42, "N", "reserve"),
        ("98", "sending_check_number", 347, 2, "N", "check number over the nomenclature codes of the whole sending"),
        ("99", "check_digits", 349, 2, "N", "record check: mod 97 over positions 1-348"),
    ],
)


def _totals(record_type: str, title: str, first_description: str) -> RecordLayout:
    rows = _with_errors(
        [
            ("1", "record_type", 2, "N", record_type),
            ("2", "mutuality_number", 3, "N", first_description),
            ("3", "collective_invoice_number", 12, "N", "number of the collective invoice (zeros in a 96)"),
            ("4", "amount_account_a", 12, "S", "± amount requested on financial account A, cents"),
            ("5", "amount_account_b", 12, "S", "± amount requested on financial account B, cents"),
            ("6", "amount_total", 12, "S", "± total amount requested (A + B + C), cents"),
            ("7", "record_count", 8, "N", "number of records 20 to 80 concerned"),
            ("8", "check_number", 2, "N", "check number over the nomenclature codes concerned"),
        ]
    )
    rows.append(("9", "reserve_9", 80, 271, "A", "reserve"))
    return _layout(record_type, title, RECORD_LENGTH, rows, check_digits=False)


# --- Records 95 (one per mutuality) and 96 (whole sending): the recapitulative totals -------------------------------
RECORD_95 = _totals("95", "totals per mutuality", "the mutuality these totals are for")
RECORD_96 = _totals("96", "totals of the sending", "the federation (number ending in 99)")


def _settlement(record_type: str, title: str) -> RecordLayout:
    """Records 91 (per mutuality) / 92 (whole sending) of a 920900 settlement: requested, accepted, rejected."""
    per_mutuality = record_type == "91"
    rows: list[tuple[str, str, int, Kind, str]] = [
        ("1", "record_type", 2, "N", record_type),
        ("2", "mutuality_number", 3, "N", "mutuality (91) / federation (92)"),
        ("3", "collective_invoice_number", 12, "N", "collective invoice number (zeros in a 92)"),
        ("4", "requested_account_a", 12, "S", "± requested, account A"),
        ("5", "requested_account_b", 12, "S", "± requested, account B"),
        ("6", "requested_total", 12, "S", "± requested, A + B + C"),
        ("7", "record_count", 8, "N", "number of records"),
        ("8", "check_number", 2, "N", "check number"),
        ("9", "accepted_account_a", 12, "S", "± accepted, account A"),
        ("10", "rejected_account_a", 12, "S", "± rejected, account A"),
        ("11", "accepted_account_b", 12, "S", "± accepted, account B"),
        ("12", "rejected_account_b", 12, "S", "± rejected, account B"),
        ("13", "accepted_total", 12, "S", "± accepted, A + B + C"),
        ("14", "rejected_total", 12, "S", "± rejected, A + B + C"),
    ]
    if per_mutuality:
        rows += [
            ("15", "payment_reference_account_a", 22, "A", "payment reference, account A"),
            ("16", "payment_reference_account_b", 22, "A", "payment reference, account B"),
        ]
    rows += [
        ("17", "requested_account_c", 12, "S", "± requested, account C"),
        ("18", "accepted_account_c", 12, "S", "± accepted, account C"),
        ("19", "rejected_account_c", 12, "S", "± rejected, account C"),
    ]
    if per_mutuality:
        rows.append(("20", "payment_reference_account_c", 22, "A", "payment reference, account C"))
    # Not placed by any source at hand: the project puts the payment date right after the last zone (docs/be-efact.md).
    rows.append(("21", "payment_date", 8, "N", "payment date YYYYMMDD (project convention)"))
    out = _with_errors(rows)
    end = out[-1][2] + out[-1][3]
    out.append(("22", "reserve_22", end, REPLY_RECORD_LENGTH - end + 1, "A", "reserve"))
    return _layout(record_type, title, REPLY_RECORD_LENGTH, out, check_digits=False)


RECORD_91 = _settlement("91", "settlement per mutuality")
RECORD_92 = _settlement("92", "settlement of the sending")

# --- The error part of an 800-character reply record (positions 351-800) -------------------------------------------
REPLY_ERROR_PART = _layout(
    "error",
    "reply error part",
    REPLY_RECORD_LENGTH - RECORD_LENGTH,
    [
        ("e1", "reserve_e1", 1, 106, "A", "reserve (positions 351-456)"),
        ("e2", "rejection_1", 107, 7, "A", "first rejection: letter (B/F/R/S/E) + 6-character code (457-463)"),
        ("e3", "rejection_2", 114, 7, "A", "second rejection (positions 464-470)"),
        ("e4", "rejection_3", 121, 7, "A", "third rejection (positions 471-477)"),
        ("e5", "reserve_e5", 128, 56, "A", "reserve (positions 478-533)"),
        ("149", "comment", 184, 200, "A", "zone 149: the mutuality's comment (positions 534-733)"),
        ("e7", "reserve_e7", 384, 67, "A", "reserve (positions 734-800)"),
    ],
    check_digits=False,
)
REPLY_ERROR_OFFSET = RECORD_LENGTH  # the error part starts after the original 350 characters

SEGMENTS: dict[str, RecordLayout] = {"200": SEGMENT_200, "300": SEGMENT_300}

RECORDS: dict[str, RecordLayout] = {
    layout.record_type: layout
    for layout in (
        SEGMENT_200,
        SEGMENT_300,
        RECORD_10,
        RECORD_20,
        RECORD_50,
        RECORD_51,
        RECORD_52,
        RECORD_80,
        RECORD_90,
        RECORD_95,
        RECORD_96,
        RECORD_91,
        RECORD_92,
    )
}

BODY_RECORD_TYPES = ("10", "20", "50", "51", "52", "80", "90")  # numbered (zone 2) and checked (349-350)
