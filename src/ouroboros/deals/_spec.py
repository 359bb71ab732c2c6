"""The declarative deal description: a pydantic v2 schema read from YAML.

A deal is data (in the spirit of absbox): a calendar, assets that earn cash, accounts that
hold it, tranches that are owed it, fees, equity, covenants, and one waterfall per phase
(an ordered list of actions). Every model forbids unknown fields so a typo is an error
naming the field, never a silently ignored key. Amounts are in the deal's ``unit`` of
``currency`` (``million`` by default) except per-GPU prices and costs, which are in plain
currency units. Rates are annual decimals (0.06581 for 6.581%).

Every component may carry ``note`` and ``assumption`` (free text shown beside the
figure) and ``sources`` (ids of entries in the deal's ``sources`` list).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    field_validator,
    model_validator,
)

from ouroboros.model import Source

__all__ = [
    "AccountSpec",
    "Action",
    "Amortisation",
    "Calendar",
    "ClosePayment",
    "CloseSpec",
    "Cohort",
    "ContractAsset",
    "Covenant",
    "DealSpec",
    "Depreciation",
    "Distribute",
    "Enforcement",
    "EquitySpec",
    "FeeSpec",
    "FixedRate",
    "FloatingRate",
    "GpuFleetAsset",
    "Holder",
    "LeaseAsset",
    "Limit",
    "PayFee",
    "PayInterest",
    "PayPrincipal",
    "RatesSpec",
    "Refinance",
    "Renewal",
    "ReserveTarget",
    "ResidualValueGuarantee",
    "Sweep",
    "TopUpReserve",
    "TrancheSpec",
    "Transfer",
    "TreasuriesAsset",
    "Waterfalls",
]

Tier = Literal["ig_named", "ig", "sub_ig"]
"""Customer credit tier, as in CoreWeave's DDTL 2.0 pricing grid."""


def _number(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{what} must be a number, got {v!r}")
    return float(v)


def _calendar_curve(v: Any) -> float | dict[int | dt.date, float]:
    expected = "a number or a mapping {year or date: number}"
    if isinstance(v, Mapping):
        if not v:
            raise ValueError(f"must be {expected}, got an empty mapping")
        out: dict[int | dt.date, float] = {}
        for k, x in v.items():
            if isinstance(k, bool) or not isinstance(k, int | dt.date):
                if isinstance(k, str) and k.strip().isdigit():
                    k = int(k)
                elif isinstance(k, str):
                    try:
                        k = dt.date.fromisoformat(k)
                    except ValueError:
                        raise ValueError(f"key {k!r} is not a year or a date") from None
                else:
                    raise ValueError(f"key {k!r} is not a year or a date")
            out[k] = _number(x, f"value at {k}")
        return out
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be {expected}, got {v!r}")
    return float(v)


def _age_curve(v: Any) -> float | dict[float, float]:
    expected = "a number or a mapping {age in years: number}"
    if isinstance(v, Mapping):
        if not v:
            raise ValueError(f"must be {expected}, got an empty mapping")
        out: dict[float, float] = {}
        for k, x in v.items():
            if isinstance(k, str):
                try:
                    k = float(k)
                except ValueError:
                    raise ValueError(f"age {k!r} is not a number") from None
            out[_number(k, "age")] = _number(x, f"value at age {k}")
        if min(out) < 0:
            raise ValueError("ages must be >= 0")
        return out
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be {expected}, got {v!r}")
    return float(v)


def _as_is(v: Any) -> Any:
    return v


# serialised as they are (a number, or a mapping whose keys JSON turns into strings)
Curve = Annotated[
    float | dict[int | dt.date, float],
    PlainValidator(_calendar_curve),
    PlainSerializer(_as_is, return_type=Any),
]
"""A value over calendar time: a number, or ``{year or date: value}`` (a year means
1 January), interpolated linearly between points and held flat outside them."""

AgeCurve = Annotated[
    float | dict[float, float], PlainValidator(_age_curve), PlainSerializer(_as_is, return_type=Any)
]
"""A value by age in years, ``{age: value}``, linear between points, flat outside."""

PHASES = ("construction", "operation", "lock_up", "default", "enforcement")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Annotated(_Spec):
    note: str | None = None
    assumption: str | None = None
    sources: list[str] = Field(default_factory=list)


_SLUG = re.compile(r"[a-z0-9][a-z0-9_.\-]*")


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            "must be a slug: lower-case letters, digits, '-', '_' or '.', "
            f"starting with a letter or digit; got {value!r}"
        )
    return value


class _Component(_Annotated):
    id: str

    _check_id = field_validator("id")(_slug)


# ---------------------------------------------------------------------------- calendar


class Calendar(_Annotated):
    """Dates and period length.

    ``close`` is financial close (money raised, time 0); periods end every 1, 3 or 12
    months after it, the last one on or after ``end``. ``operations_start`` (default: the
    close) ends the construction phase.
    """

    close: dt.date
    end: dt.date
    frequency: Literal["monthly", "quarterly", "annual"]
    operations_start: dt.date | None = None

    @model_validator(mode="after")
    def _order(self) -> Calendar:
        if self.end <= self.close:
            raise ValueError(f"end: {self.end} is not after close {self.close}")
        if self.operations_start is not None and not (
            self.close <= self.operations_start <= self.end
        ):
            raise ValueError(
                f"operations_start: {self.operations_start} must lie between close "
                f"{self.close} and end {self.end}"
            )
        return self


class RatesSpec(_Annotated):
    """Base rate curves (scenarios may replace them) and the metrics' discount rate.

    ``discount_rate`` discounts CFADS for LLCR and PLCR; by default it is the
    amount-weighted average interest rate of the tranches at close.
    """

    sofr: Curve = 0.04
    treasury: Curve = 0.04
    discount_rate: float | None = Field(default=None, gt=-1.0)


# ------------------------------------------------------------------------------ assets


class Renewal(_Annotated):
    """Extension options after the initial term (the tenant may walk at each renewal)."""

    options: int = Field(ge=0)
    term_years: float = Field(gt=0)


class ResidualValueGuarantee(_Annotated):
    """A guarantee by the tenant of the asset's value if it does not renew.

    If the tenant walks away within ``years`` of the lease start, it pays the shortfall of
    the asset's sale value against the debt outstanding, capped at ``cap``.
    """

    cap: float = Field(ge=0)
    years: float = Field(gt=0)


class LeaseAsset(_Component):
    """A fixed-rent lease with an initial term, renewal options and a walk-away right."""

    kind: Literal["lease"]
    tenant: str
    credit_tier: Tier = "ig_named"
    rent: float = Field(ge=0, description="rent per year at the start, in the deal unit")
    escalation: float = Field(default=0.0, gt=-1.0)
    start: dt.date
    initial_term_years: float = Field(gt=0)
    renewal: Renewal | None = None
    opex: float = Field(default=0.0, ge=0, description="operating cost borne by the deal, a year")
    value: float = Field(default=0.0, ge=0, description="asset value at the lease start")
    residual_value: AgeCurve = 1.0
    guarantee: ResidualValueGuarantee | None = None


class ContractAsset(_Component):
    """A take-or-pay or usage contract with one customer of a given credit tier.

    ``value`` is the total contract value, earned evenly over ``start``-``end``; the share
    ``take_or_pay`` is owed whatever the usage, the rest scales with the scenario's
    utilisation. If ``gpus`` and ``fleet`` are given, those GPUs are dedicated to the
    contract and return to the fleet's spot capacity if the customer defaults.
    """

    kind: Literal["contract"]
    customer: str
    credit_tier: Tier
    value: float = Field(ge=0)
    start: dt.date
    end: dt.date
    take_or_pay: float = Field(default=1.0, ge=0, le=1)
    gpus: float | None = Field(default=None, ge=0)
    fleet: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> ContractAsset:
        if self.end <= self.start:
            raise ValueError(f"end: {self.end} is not after start {self.start}")
        return self


class Cohort(_Annotated):
    """GPUs delivered on one date at one unit cost (plain currency units per GPU)."""

    date: dt.date
    gpus: float = Field(gt=0)
    cost_per_gpu: float = Field(ge=0)


class Depreciation(_Annotated):
    """Straight-line over ``life_years``, or declining-balance at ``rate`` a year
    (default ``2 / life_years``, double-declining) written off at the end of the life."""

    method: Literal["straight_line", "declining_balance"] = "straight_line"
    life_years: float = Field(gt=0)
    rate: float | None = Field(default=None, gt=0, le=1)


class GpuFleetAsset(_Component):
    """A GPU fleet: capacity x utilisation curve x $/GPU-hour curve.

    Capacity not dedicated to a contract earns ``price_per_gpu_hour`` x utilisation.
    ``opex_per_gpu_hour`` is charged on installed capacity. Cohorts dated after close are
    bought during the deal, funded by ``funded_by`` in order (tranche ids of delayed-draw
    facilities, account ids, ``cash`` or ``equity``).
    """

    kind: Literal["gpu_fleet"]
    cohorts: list[Cohort] = Field(min_length=1)
    utilisation: Curve
    price_per_gpu_hour: Curve
    opex_per_gpu_hour: Curve = 0.0
    hours_per_year: float = Field(default=8760.0, gt=0)
    depreciation: Depreciation
    residual_value: AgeCurve
    retire_after_years: float | None = Field(default=None, gt=0)
    funded_by: list[str] = Field(default_factory=lambda: ["equity"])


class TreasuriesAsset(_Component):
    """Cash invested in Treasuries at the treasury curve plus ``spread``; accounts name
    this asset in ``invested_in``."""

    kind: Literal["treasuries"]
    spread: float = 0.0


Asset = Annotated[
    LeaseAsset | ContractAsset | GpuFleetAsset | TreasuriesAsset, Field(discriminator="kind")
]


class CapexSpec(_Component):
    """Capital spending spread evenly over ``start``-``end``, funded by ``funded_by`` in order."""

    amount: float = Field(ge=0)
    start: dt.date
    end: dt.date
    funded_by: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates(self) -> CapexSpec:
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        return self


# ---------------------------------------------------------------------------- accounts


class ReserveTarget(_Annotated):
    """A reserve's target: ``periods_of_debt_service`` times the current period's scheduled
    debt service of ``tranches`` (default all), and/or a fixed ``amount`` (the larger)."""

    periods_of_debt_service: float | None = Field(default=None, ge=0)
    amount: float | None = Field(default=None, ge=0)
    tranches: list[str] | None = None


class AccountSpec(_Component):
    """An account: ``reserve`` (DSRA), ``construction`` or ``lock_up``.

    ``initial`` is funded at close; an account ``invested_in`` a treasuries asset earns its
    yield. The construction account's balance is released to cash when operations start;
    the lock-up account is released whenever the deal is not in lock-up.
    """

    kind: Literal["reserve", "construction", "lock_up"]
    initial: float = Field(default=0.0, ge=0)
    invested_in: str | None = None
    target: ReserveTarget | None = None


# -------------------------------------------------------------------------- liabilities


class FixedRate(_Spec):
    """A fixed annual coupon."""

    fixed: float = Field(gt=-1.0)


class FloatingRate(_Spec):
    """Index + spread. The spread may come from a grid by the credit tier of the contracts
    that back the facility (weighted by contract value), as in CoreWeave's DDTL 2.0."""

    index: Literal["sofr", "treasury"]
    spread: float | None = None
    spread_by_tier: dict[Tier, float] | None = None
    backing: list[str] | None = None
    floor: float = 0.0

    @model_validator(mode="after")
    def _one_spread(self) -> FloatingRate:
        if (self.spread is None) == (self.spread_by_tier is None):
            raise ValueError("spread: give exactly one of spread or spread_by_tier")
        if self.spread_by_tier is not None and not self.backing:
            raise ValueError("backing: spread_by_tier needs the backing contract ids")
        return self


def _rate_kind(v: Any) -> str:
    if isinstance(v, Mapping):
        return "fixed" if "fixed" in v else "floating"
    return "fixed" if isinstance(v, FixedRate) else "floating"


Rate = Annotated[
    Annotated[FixedRate, Tag("fixed")] | Annotated[FloatingRate, Tag("floating")],
    Discriminator(_rate_kind),
]


class Amortisation(_Annotated):
    """How scheduled principal falls due.

    ``bullet``: all at maturity. ``level``: annuity payments from ``start`` to maturity at
    the tranche's rate (the base curve for floating rates). ``custom``: ``balance`` maps
    dates to the fraction of the drawn amount still outstanding after them.
    ``sculpted``: principal shaped on the base-case CFADS so DSCR is flat (the debt service
    profile of :func:`~ouroboros.deals.sculpt`, scaled to the tranche's amount).
    """

    kind: Literal["bullet", "level", "custom", "sculpted"] = "bullet"
    start: dt.date | None = None
    balance: dict[dt.date, float] | None = None
    cfads_share: float = Field(default=1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _custom(self) -> Amortisation:
        if self.kind == "custom" and not self.balance:
            raise ValueError("balance: custom amortisation needs {date: remaining fraction}")
        if self.kind != "custom" and self.balance is not None:
            raise ValueError(
                f"balance: only custom amortisation takes a balance schedule, not {self.kind}"
            )
        for d, f in (self.balance or {}).items():
            if not 0.0 <= f <= 1.0:
                raise ValueError(f"balance: fraction at {d} must be in [0, 1], got {f}")
        return self


class Refinance(_Annotated):
    """At maturity the outstanding balance is refinanced for ``term_years`` at the
    scenario's refinancing rate (or ``index`` + ``spread`` when the scenario gives none)."""

    term_years: float = Field(gt=0)
    index: Literal["sofr", "treasury"] = "treasury"
    spread: float = 0.0
    amortisation: Literal["level", "bullet"] = "level"


class TrancheSpec(_Component):
    """A debt tranche: a bond or term loan (``amount`` drawn at close), a delayed-draw
    facility (drawn to fund capex up to ``commitment`` between ``available_from`` and
    ``available_until``, for ``advance_rate`` of each capex amount) or a revolver (drawn
    when a waterfall action names it as a source). Lower ``seniority`` is paid first;
    equal seniority is paid pro rata. A shortfall on a tranche that is not ``deferrable``
    is an event of default."""

    kind: Literal["bond", "loan", "delayed_draw", "revolver"] = "bond"
    seniority: int = Field(default=1, ge=1)
    amount: float = Field(default=0.0, ge=0)
    commitment: float | None = Field(default=None, ge=0)
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    advance_rate: float = Field(default=1.0, gt=0, le=1)
    rate: Rate
    amortisation: Amortisation = Field(default_factory=Amortisation)
    maturity: dt.date
    deferrable: bool = False
    refinance: Refinance | None = None
    holders: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _commitment(self) -> TrancheSpec:
        if self.kind in ("delayed_draw", "revolver"):
            if self.commitment is None:
                raise ValueError(f"commitment: a {self.kind} tranche needs a commitment")
            if self.commitment < self.amount:
                raise ValueError(
                    f"commitment: {self.commitment} is below the amount drawn at close "
                    f"{self.amount}"
                )
        elif self.commitment is not None:
            raise ValueError(
                f"commitment: only delayed_draw and revolver tranches have one, not {self.kind}"
            )
        return self


class FeeSpec(_Component):
    """A fee: ``amount`` a year (escalating), plus ``rate`` a year times a ``base``
    (revenue, or the debt outstanding). Senior fees are deducted in CFADS."""

    amount: float = Field(default=0.0, ge=0)
    escalation: float = Field(default=0.0, gt=-1.0)
    rate: float = Field(default=0.0, ge=0)
    base: Literal["revenue", "debt"] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    senior: bool = True
    payee: str | None = None

    @model_validator(mode="after")
    def _base(self) -> FeeSpec:
        if self.rate > 0 and self.base is None:
            raise ValueError("base: a fee with a rate needs a base (revenue or debt)")
        return self


class Holder(_Annotated):
    """An equity holder (an entity id of the ledger) and its ownership share."""

    id: str
    share: float = Field(gt=0, le=1)


class EquitySpec(_Annotated):
    """Equity paid in at close, its holders and their shares (summing to 1)."""

    amount: float = Field(ge=0)
    holders: list[Holder] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares(self) -> EquitySpec:
        total = sum(h.share for h in self.holders)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"holders: shares must sum to 1, got {total:g}")
        return self


class ClosePayment(_Annotated):
    """A use of funds at close (a distribution to a sponsor, assets bought, costs)."""

    id: str
    to: str | None = None
    amount: float = Field(ge=0)


class CloseSpec(_Annotated):
    """Uses of funds at close; what is left goes to ``remainder_to`` (an account or cash)."""

    payments: list[ClosePayment] = Field(default_factory=list)
    remainder_to: str = "cash"


class Covenant(_Component):
    """A covenant tested every period once operations start.

    ``dscr``: CFADS / scheduled debt service over the trailing ``window_periods``;
    ``llcr``: PV of CFADS to the last maturity / debt outstanding; both breach below
    ``threshold``. ``leverage``: debt / annualised trailing CFADS, breaches above it.
    A breach triggers ``lock_up`` (no distributions), ``cash_sweep`` (sweep actions run)
    or ``default``; lock-up and sweep end after ``cure_periods`` passing tests.
    """

    metric: Literal["dscr", "llcr", "leverage"]
    threshold: float = Field(gt=0)
    window_periods: int = Field(default=1, ge=1)
    breach: Literal["lock_up", "cash_sweep", "default"]
    cure_periods: int = Field(default=1, ge=1)


class Enforcement(_Annotated):
    """After an event of default, the collateral is sold ``delay_periods`` later for
    ``recovery`` times its value, and the proceeds run through the enforcement waterfall."""

    delay_periods: int = Field(default=0, ge=0)
    recovery: float = Field(default=1.0, ge=0, le=1)


# ---------------------------------------------------------------------------- waterfall


class Limit(_Spec):
    """Cap an action at a ``share`` of the cash available when it runs and/or an
    ``amount`` per period."""

    share: float | None = Field(default=None, gt=0, le=1)
    amount: float | None = Field(default=None, ge=0)


class _ActionBase(_Spec):
    limit: Limit | None = None
    note: str | None = None


class _Paying(_ActionBase):
    from_: list[str] = Field(default_factory=lambda: ["cash"], alias="from", min_length=1)


class PayFee(_Paying):
    """Pay fees due (and fee arrears), in list order (default: every fee)."""

    action: Literal["pay_fee"]
    fees: list[str] | None = None


class PayInterest(_Paying):
    """Pay interest due (and arrears) by seniority, pro rata within a seniority."""

    action: Literal["pay_interest"]
    tranches: list[str] | None = None


class PayPrincipal(_Paying):
    """Pay scheduled principal (or ``all`` of the balance) by seniority."""

    action: Literal["pay_principal"]
    tranches: list[str] | None = None
    amount: Literal["scheduled", "all"] = "scheduled"


class TopUpReserve(_Paying):
    """Fill a reserve account to its target (and release what exceeds it to cash)."""

    action: Literal["top_up_reserve"]
    account: str


class Sweep(_ActionBase):
    """Prepay principal with a ``share`` of the cash left, when a cash-sweep covenant is
    in breach (or ``always``)."""

    action: Literal["sweep"]
    tranches: list[str] | None = None
    share: float = Field(default=1.0, gt=0, le=1)
    when: Literal["cash_sweep", "always"] = "cash_sweep"


class Transfer(_ActionBase):
    """Move the cash left (within ``limit``) into an account, e.g. the lock-up account."""

    action: Literal["transfer"]
    to: str


class Distribute(_ActionBase):
    """Pay the cash left (within ``limit``) to equity, split by ownership share."""

    action: Literal["distribute"]


Action = Annotated[
    PayFee | PayInterest | PayPrincipal | TopUpReserve | Sweep | Transfer | Distribute,
    Field(discriminator="action"),
]


class Waterfalls(_Spec):
    """One waterfall per phase. ``operation`` is required; the others default to:
    construction = operation; lock-up = operation with ``distribute`` replaced by a
    transfer to the lock-up account; default = fees, then interest and all principal of
    each seniority in turn, from cash and every account; enforcement = default then
    distribute."""

    construction: list[Action] | None = None
    operation: list[Action] = Field(min_length=1)
    lock_up: list[Action] | None = None
    default: list[Action] | None = None
    enforcement: list[Action] | None = None


# ------------------------------------------------------------------------------- deal


class DealSpec(_Spec):
    """A whole deal. See ``docs/deals.md`` for a field-by-field guide with examples.

    ``sources`` lists the citations (ledger :class:`~ouroboros.model.Source` records) that
    components refer to by id in their own ``sources`` lists.
    """

    id: str
    name: str
    kind: Literal["spv", "opco"] = "spv"
    entity: str | None = Field(default=None, description="the deal's entity id in the ledger")
    currency: str = "USD"
    unit: Literal["unit", "thousand", "million", "billion", "trillion"] = "million"
    description: str | None = None
    note: str | None = None
    assumption: str | None = None
    sources: list[Source] = Field(default_factory=list)
    calendar: Calendar
    rates: RatesSpec = Field(default_factory=RatesSpec)
    assets: list[Asset] = Field(min_length=1)
    capex: list[CapexSpec] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)
    tranches: list[TrancheSpec] = Field(min_length=1)
    fees: list[FeeSpec] = Field(default_factory=list)
    equity: EquitySpec
    close: CloseSpec = Field(default_factory=CloseSpec)
    covenants: list[Covenant] = Field(default_factory=list)
    enforcement: Enforcement = Field(default_factory=Enforcement)
    terminal_sale: bool = True
    waterfalls: Waterfalls

    _check_id = field_validator("id")(_slug)
