"""What the printed documents show: plain data, filled by the practice side, rendered by the document modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tierspayant.core.money import ZERO


@dataclass(frozen=True)
class ProviderBlock:
    """The practice / facturier printed at the top of a document."""

    name: str
    address_lines: list[str]
    facturier_code: str | None


@dataclass(frozen=True)
class PatientBlock:
    full_name: str
    matricule: str
    birth_date: date
    fund: str
    address_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ActRow:
    act_code: str
    sessions: int
    label: str | None = None  # the nomenclature's wording, when known


@dataclass(frozen=True)
class TitreContent:
    """Annex 05: titre de prise en charge — as issued by the CNS in the RETAUT."""

    identifier: str
    issued_on: date
    valid_from: date
    valid_to: date
    coverage_rate: Decimal
    patient: PatientBlock
    prescriber_code: str
    prescribed_on: date
    pathology_category: str
    acts: list[ActRow]
    provider: ProviderBlock
    performer_code: str
    fund: str
    by_post: bool = False  # a paper titre the insured obtained by post (recorded by the practice from the paper)


@dataclass(frozen=True)
class MemoireLine:
    """One session on the mémoire, as the fund decided it (``outcome``: a :class:`..decisions.Outcome` value, or
    ``patient`` outside third-party payment). ``fund_share`` is what the fund covered (asked, while awaiting);
    ``patient_due`` what the patient owes for it."""

    performed_on: date
    act_code: str
    performer_code: str
    titre: str
    tariff: Decimal
    insured_share: Decimal
    fund_share: Decimal
    outcome: str = "paid"
    patient_due: Decimal | None = None  # default: the insured share

    @property
    def due(self) -> Decimal:
        return self.insured_share if self.patient_due is None else self.patient_due


@dataclass(frozen=True)
class MemoireContent:
    """Annex 06: mémoire d'honoraires — the patient's fee note for one month's sessions."""

    number: str
    issued_on: date
    month: str  # YYYY-MM
    provider: ProviderBlock
    performers: list[tuple[str, str]]  # (code, name)
    patient: PatientBlock
    third_party: bool
    lines: list[MemoireLine]

    @property
    def total_tariff(self) -> Decimal:
        return sum((x.tariff for x in self.lines), ZERO)

    @property
    def total_insured_share(self) -> Decimal:
        return sum((x.insured_share for x in self.lines), ZERO)

    @property
    def total_fund_share(self) -> Decimal:
        """What the fund covered (the lines it decided paid or reduced)."""
        return sum((x.fund_share for x in self.lines if x.outcome in ("paid", "reduced")), ZERO)

    @property
    def total_awaiting(self) -> Decimal:
        """Asked of the fund, no decision yet."""
        return sum((x.fund_share for x in self.lines if x.outcome == "awaiting"), ZERO)

    def total_tariff_of(self, outcome: str) -> Decimal:
        return sum((x.tariff for x in self.lines if x.outcome == outcome), ZERO)

    @property
    def total_due(self) -> Decimal:
        """What the patient pays: their share of the lines covered or awaiting, the tariff of a refusal that leaves
        the cost to them, the whole tariff outside third-party payment."""
        if not self.third_party:
            return self.total_tariff
        return sum((x.due for x in self.lines), ZERO)


@dataclass(frozen=True)
class StatementMonth:
    month: str  # YYYY-MM
    sessions: int
    billed: Decimal
    covered: Decimal
    own_sessions: int  # performed by the member
    own_billed: Decimal


@dataclass(frozen=True)
class StatementContent:
    """The association's annual statement for one member: what it billed during the membership."""

    year: int
    issued_on: date
    association: ProviderBlock
    member_code: str
    member_name: str
    periods: list[tuple[date, date | None]]
    months: list[StatementMonth]

    @property
    def total_billed(self) -> Decimal:
        return sum((m.billed for m in self.months), ZERO)

    @property
    def total_covered(self) -> Decimal:
        return sum((m.covered for m in self.months), ZERO)

    @property
    def total_sessions(self) -> int:
        return sum(m.sessions for m in self.months)

    @property
    def total_own_billed(self) -> Decimal:
        return sum((m.own_billed for m in self.months), ZERO)


@dataclass(frozen=True)
class ItFormContent:
    """Annex 07: request for the annual flat rate for IT costs."""

    year: int
    requested_on: date
    practice: ProviderBlock
    provider_codes: list[tuple[str, str]]  # (code, name) of the physiotherapists working there
    active_from: date
    active_to: date
    days_active: int
    days_in_year: int
    services_counted: int
    threshold: int
    amount: Decimal
    eligible: bool
