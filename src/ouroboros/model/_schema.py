"""The ledger schema: entities, instruments (one tagged union on ``kind``), sources.

Every instrument kind declares two things as class variables:

* ``money_flow``: which way money moves. ``"from_to"`` means the instrument's ``amount`` is
  paid by ``from`` to ``to`` over its schedule; ``"none"`` (a warrant) moves no cash;
  ``"contingent"`` (a guarantee, a capacity backstop) moves cash only if triggered.
* ``claim``: which claim it creates, as a :class:`ClaimSpec`: who is the creditor (the
  ``from`` or the ``to`` side), the default seniority, whether the claim is contingent,
  and whether it is an equity claim rather than debt.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

__all__ = [
    "FINANCIAL_FIELDS",
    "INSTRUMENT_KINDS",
    "ROLES",
    "STATUSES",
    "UNIT_SCALES",
    "Bond",
    "CapacityBackstop",
    "ClaimSpec",
    "ComputeContract",
    "CreditFacility",
    "Distribution",
    "Entity",
    "EquityInvestment",
    "Financials",
    "Guarantee",
    "HardwarePurchase",
    "Instrument",
    "InstrumentBase",
    "Lease",
    "Loan",
    "Meta",
    "Revenue",
    "Role",
    "Seniority",
    "Source",
    "Warrant",
]

Role = Literal[
    "hyperscaler",
    "model_lab",
    "chip_vendor",
    "neocloud",
    "cloud",
    "spv",
    "private_credit",
    "bank",
    "pension",
    "insurer",
    "sovereign_fund",
    "etf",
    "asset_manager",
    "government",
    "utility",
    "reit",
    "venture",
    "holding_company",
    "developer",
    "oem",
    "rest_of_world",
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]

Status = Literal["announced", "letter_of_intent", "signed", "funded", "lapsed"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]

Confidence = Literal["high", "medium", "low"]
Profile = Literal["bullet", "straight", "explicit"]
SourceKind = Literal[
    "filing", "press_release", "article", "research", "seed_article", "dataset", "estimate"
]
Unit = Literal["unit", "thousand", "million", "billion", "trillion"]
UNIT_SCALES: dict[str, float] = {
    "unit": 1.0,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class Seniority(IntEnum):
    """Payment order of a claim; lower is paid first."""

    secured = 0
    senior = 1
    subordinated = 2
    equity = 3


@dataclass(frozen=True, slots=True)
class ClaimSpec:
    """Which claim an instrument kind creates.

    Attributes
    ----------
    creditor : {"from", "to"} or None
        Which side holds the claim; ``None`` for kinds that create no claim.
    seniority : Seniority
        Default seniority (an instrument may override it with its ``seniority`` field).
    contingent : bool
        The claim exists only if something is triggered (guarantees, backstops).
    """

    creditor: Literal["from", "to"] | None
    seniority: Seniority = Seniority.senior
    contingent: bool = False


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            "must be a slug: lower-case letters, digits, '-', '_' or '.', "
            f"starting with a letter or digit; got {value!r}"
        )
    return value


class Source(_Strict):
    """A citable source: a filing, press release, article, research note or estimate."""

    id: str
    title: str
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    kind: SourceKind = "article"
    note: str | None = None

    _slug = field_validator("id")(_check_slug)


class Meta(_Strict):
    """Dataset metadata: name, version, as-of date and the unit of every amount."""

    name: str
    version: str = "1"
    as_of: dt.date | None = None
    currency: str = "USD"
    unit: Unit = "unit"
    description: str | None = None

    @property
    def scale(self) -> float:
        """Multiplier from the dataset's unit to plain currency units."""
        return UNIT_SCALES[self.unit]


FINANCIAL_FIELDS: tuple[str, ...] = (
    "revenue",
    "ai_revenue",
    "ebitda",
    "net_income",
    "operating_cash_flow",
    "capex",
    "cash",
    "debt",
    "equity",
    "total_assets",
)


class Financials(_Strict):
    """One year of an entity's figures, in the dataset's unit (``None`` = not known).

    Flows (revenue, EBITDA, cash flow, capex) are for the fiscal year; stocks (cash, debt,
    equity, total assets) at its end. ``sources`` cites where the figures come from.
    """

    revenue: float | None = None
    ai_revenue: float | None = None
    ebitda: float | None = None
    net_income: float | None = None
    operating_cash_flow: float | None = None
    capex: float | None = None
    cash: float | None = None
    debt: float | None = None
    equity: float | None = None
    total_assets: float | None = None
    fiscal_year_end: str | None = None
    estimate: bool = False
    confidence: Confidence = "high"
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("revenue", "ai_revenue", "capex", "cash", "debt", "total_assets")
    @classmethod
    def _non_negative(cls, v: float | None) -> float | None:
        if v is not None and not v >= 0:
            raise ValueError(f"must be a number >= 0, got {v}")
        return v


class Entity(_Strict):
    """A company, fund, vehicle, investor group or the rest of the world."""

    id: str
    name: str
    roles: list[Role] = Field(min_length=1)
    country: str | None = None
    ticker: str | None = None
    parent: str | None = None
    financials: dict[int, Financials] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    _slug = field_validator("id")(_check_slug)

    @property
    def is_rest_of_world(self) -> bool:
        """Whether this entity closes the system (outside revenue and funding)."""
        return "rest_of_world" in self.roles

    def latest(self, field: str, year: int | None = None) -> tuple[int | None, float | None]:
        """The most recent reported ``field`` of the financials up to ``year`` (any year if
        ``None``) and its year, or ``(None, None)`` if no year reports it.

        Examples
        --------
        >>> e = Entity(id="x", name="X", roles=["neocloud"],
        ...            financials={2024: {"cash": 1.0}, 2025: {"debt": 2.0}})
        >>> e.latest("cash"), e.latest("debt", 2024), e.latest("debt")
        ((2024, 1.0), (None, None), (2025, 2.0))
        """
        for y in sorted((y for y in self.financials if year is None or y <= year), reverse=True):
            v = getattr(self.financials[y], field, None)
            if v is not None:
                return y, float(v)
        return None, None


class InstrumentBase(_Strict):
    """Fields every instrument has. ``from`` pays ``to`` the ``amount`` over the schedule.

    The schedule is ``start`` .. ``end`` with a ``profile``: ``bullet`` (all on ``start``),
    ``straight`` (spread evenly by day between ``start`` and ``end``) or ``explicit``
    (``cashflows`` maps a year to the amount paid that year; they must sum to ``amount``).
    """

    money_flow: ClassVar[Literal["from_to", "none", "contingent"]] = "from_to"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor=None)

    id: str
    kind: str
    from_: str = Field(alias="from")
    to: str
    amount: float = Field(ge=0, allow_inf_nan=False)
    currency: str = "USD"
    start: dt.date
    end: dt.date | None = None
    profile: Profile = "bullet"
    cashflows: dict[int, float] | None = None
    status: Status = "signed"
    estimate: bool = False
    confidence: Confidence = "high"
    seniority: Seniority | None = None
    sources: list[str] = Field(min_length=1)
    description: str | None = None

    _slug = field_validator("id")(_check_slug)

    @field_validator("seniority", mode="before")
    @classmethod
    def _seniority_by_name(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return Seniority[v]
            except KeyError:
                names = ", ".join(s.name for s in Seniority)
                raise ValueError(f"must be one of {names}; got {v!r}") from None
        return v

    @model_validator(mode="after")
    def _check_schedule(self) -> InstrumentBase:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        if self.profile == "straight" and self.end is None:
            raise ValueError("end: profile 'straight' needs an end date")
        if self.profile == "explicit":
            if not self.cashflows:
                raise ValueError("cashflows: profile 'explicit' needs cashflows (year -> amount)")
            total = sum(self.cashflows.values())
            if any(v < 0 for v in self.cashflows.values()):
                raise ValueError("cashflows: every amount must be >= 0")
            if abs(total - self.amount) > 1e-9 * max(1.0, abs(self.amount)):
                raise ValueError(f"cashflows: they sum to {total:g} but amount is {self.amount:g}")
        elif self.cashflows is not None:
            raise ValueError("cashflows: only allowed with profile 'explicit'")
        if self.from_ == self.to:
            raise ValueError(f"to: 'from' and 'to' are the same entity ({self.to!r})")
        return self

    @field_serializer("seniority")
    def _seniority_name(self, v: Seniority | None) -> str | None:
        return None if v is None else v.name

    @property
    def effective_seniority(self) -> Seniority:
        """The instrument's seniority, or its kind's default."""
        return self.seniority if self.seniority is not None else self.claim.seniority

    def creditor_debtor(self) -> tuple[str, str] | None:
        """``(creditor, debtor)`` of the claim this instrument creates, if any."""
        side = self.claim.creditor
        if side is None:
            return None
        return (self.from_, self.to) if side == "from" else (self.to, self.from_)


class EquityInvestment(InstrumentBase):
    """``from`` buys equity in ``to``; ``stake`` is the fraction of ``to`` acquired."""

    kind: Literal["equity_investment"] = "equity_investment"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="from", seniority=Seniority.equity)
    stake: float | None = Field(default=None, ge=0, le=1)
    post_money_valuation: float | None = Field(default=None, ge=0)


class _Debt(InstrumentBase):
    rate: float | None = Field(default=None, ge=-0.05, le=1.0)
    spread_bp: float | None = Field(default=None, ge=0)
    floating: bool = False
    maturity: dt.date | None = None
    collateral: str | None = None
    recovery: float | None = Field(default=None, ge=0, le=1)
    rating: str | None = None


class Loan(_Debt):
    """``from`` (lender) lends ``amount`` to ``to`` (borrower); the lender holds the claim."""

    kind: Literal["loan"] = "loan"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="from", seniority=Seniority.senior)


class Bond(_Debt):
    """``from`` (bondholder) buys bonds issued by ``to``; ``coupon`` is the annual rate."""

    kind: Literal["bond"] = "bond"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="from", seniority=Seniority.senior)
    coupon: float | None = Field(default=None, ge=0, le=1)
    market: str | None = None


class CreditFacility(_Debt):
    """A committed facility from ``from`` (lender) to ``to``; ``drawn`` is outstanding."""

    kind: Literal["credit_facility"] = "credit_facility"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="from", seniority=Seniority.secured)
    drawn: float | None = Field(default=None, ge=0)
    delayed_draw: bool = False

    @model_validator(mode="after")
    def _drawn_within(self) -> CreditFacility:
        if self.drawn is not None and self.drawn > self.amount * (1 + 1e-12):
            raise ValueError(f"drawn: {self.drawn:g} exceeds the commitment {self.amount:g}")
        return self


class Lease(InstrumentBase):
    """``from`` (tenant) pays rent to ``to`` (lessor); ``amount`` is the rent over the term."""

    kind: Literal["lease"] = "lease"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="to", seniority=Seniority.senior)
    annual_rent: float | None = Field(default=None, ge=0)
    initial_term_years: float | None = Field(default=None, gt=0)
    renewal_options: str | None = None
    residual_value_guarantee: float | None = Field(default=None, ge=0)


class ComputeContract(InstrumentBase):
    """``from`` (customer) buys compute from ``to`` (provider); ``amount`` is contract value."""

    kind: Literal["compute_contract"] = "compute_contract"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="to", seniority=Seniority.senior)
    take_or_pay: bool = False
    gw: float | None = Field(default=None, ge=0)


class HardwarePurchase(InstrumentBase):
    """``from`` (buyer) buys chips or systems from ``to`` (vendor)."""

    kind: Literal["hardware_purchase"] = "hardware_purchase"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="to", seniority=Seniority.senior)
    units: float | None = Field(default=None, ge=0)
    gw: float | None = Field(default=None, ge=0)


class CapacityBackstop(InstrumentBase):
    """``from`` commits to buy ``to``'s unsold capacity up to ``amount`` (contingent)."""

    kind: Literal["capacity_backstop"] = "capacity_backstop"
    money_flow: ClassVar[Literal["from_to", "none", "contingent"]] = "contingent"
    claim: ClassVar[ClaimSpec] = ClaimSpec(
        creditor="to", seniority=Seniority.senior, contingent=True
    )


class Warrant(InstrumentBase):
    """``from`` (issuer) grants ``to`` the right to shares; no cash moves.

    ``amount`` is the estimated value of the shares at grant in the dataset's unit (0 if
    unknown); ``shares`` is a share count and ``strike`` a price per share in plain
    currency units (not the dataset's unit).
    """

    kind: Literal["warrant"] = "warrant"
    money_flow: ClassVar[Literal["from_to", "none", "contingent"]] = "none"
    claim: ClassVar[ClaimSpec] = ClaimSpec(creditor="to", seniority=Seniority.equity)
    shares: float | None = Field(default=None, ge=0)
    strike: float | None = Field(default=None, ge=0)
    vesting: str | None = None


class Guarantee(InstrumentBase):
    """``from`` (guarantor) guarantees up to ``amount`` to ``to`` (beneficiary); contingent."""

    kind: Literal["guarantee"] = "guarantee"
    money_flow: ClassVar[Literal["from_to", "none", "contingent"]] = "contingent"
    claim: ClassVar[ClaimSpec] = ClaimSpec(
        creditor="to", seniority=Seniority.senior, contingent=True
    )
    guaranteed_instrument: str | None = None


class Distribution(InstrumentBase):
    """``from`` (a vehicle or company) pays a dividend or distribution to ``to`` (an owner).

    Cash moves; no claim is created (the owner's claim is its equity stake).
    """

    kind: Literal["distribution"] = "distribution"


class Revenue(InstrumentBase):
    """External demand: customers outside the web (``from``, rest of world) pay ``to``."""

    kind: Literal["revenue"] = "revenue"


Instrument = Annotated[
    EquityInvestment
    | Loan
    | Bond
    | CreditFacility
    | Lease
    | ComputeContract
    | HardwarePurchase
    | CapacityBackstop
    | Warrant
    | Guarantee
    | Distribution
    | Revenue,
    Field(discriminator="kind"),
]

INSTRUMENT_KINDS: dict[str, type[InstrumentBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        EquityInvestment,
        Loan,
        Bond,
        CreditFacility,
        Lease,
        ComputeContract,
        HardwarePurchase,
        CapacityBackstop,
        Warrant,
        Guarantee,
        Distribution,
        Revenue,
    )
}
