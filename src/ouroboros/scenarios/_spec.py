"""The scenario spec: what a stress scenario says about the world, validated by pydantic.

A scenario sets the exogenous paths (AI revenue from an adoption curve, AI capex, rates
and credit spreads, power, whether the refinancing market is open, a government
guarantee) and the behavioural rules the simulator applies to everybody alike (when a
tenant walks away from its leases, how much outside money a loss-making company can raise,
how defaults cost value). It never says who fails: that comes out of the simulation.

Any scalar parameter marked ``Param`` may be a number or a distribution,
``{dist: normal, mean: 0, sd: 0.01}``, ``{dist: lognormal, median: 1, sigma: 0.2}``,
``{dist: uniform, low: 0, high: 1}``, ``{dist: triangular, low: 8, mode: 10, high: 15}``
or ``{dist: beta, a: 2, b: 5}`` (optionally scaled to ``[low, high]``); Monte Carlo draws
one value per run. A curve is a number or ``{year: value}``, linear between the years
and flat outside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from ouroboros._problems import Path_, show_value, value_errors
from ouroboros.model import Role

__all__ = [
    "CREDIT_CLASSES",
    "DIST_KINDS",
    "AdoptionSpec",
    "CapexSpec",
    "ContagionSpec",
    "Distribution",
    "EconomicsSpec",
    "EntityOverride",
    "ExpectationsSpec",
    "FireSaleSpec",
    "FundingSpec",
    "GuaranteeSpec",
    "MarketSpec",
    "PowerSpec",
    "RatesSpec",
    "ScenarioSpec",
    "StrategicDefaultSpec",
]

DIST_KINDS: tuple[str, ...] = ("normal", "lognormal", "uniform", "triangular", "beta")
CREDIT_CLASSES: tuple[str, ...] = ("ig", "hy", "spv", "private")
REPRICED_CLASSES: tuple[str, ...] = ("ig_credit", "hy_credit", "private_credit")

_DIST_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required, optional), in the order they are written
    "normal": (("mean", "sd"), ()),
    "lognormal": (("median", "sigma"), ()),
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(_Strict):
    """A parameter's distribution for Monte Carlo (one draw per run).

    Examples
    --------
    >>> Distribution(dist="triangular", low=8, mode=10, high=15).support()
    (8.0, 15.0)
    >>> Distribution(dist="beta", a=2, b=5).mean()
    0.2857142857142857
    """

    dist: Literal["normal", "lognormal", "uniform", "triangular", "beta"]
    mean_: float | None = Field(default=None, alias="mean", allow_inf_nan=False)
    sd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    median: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    sigma: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    mode: float | None = Field(default=None, allow_inf_nan=False)
    a: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    b: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Distribution:
        required, optional = _DIST_FIELDS[self.dist]
        given = {
            name: getattr(self, attr)
            for name, attr in (
                ("mean", "mean_"),
                ("sd", "sd"),
                ("median", "median"),
                ("sigma", "sigma"),
                ("low", "low"),
                ("high", "high"),
                ("mode", "mode"),
                ("a", "a"),
                ("b", "b"),
            )
            if getattr(self, attr) is not None
        }
        kind = f"a {self.dist} distribution"
        missing = [name for name in required if name not in given]
        errors: list[tuple[Path_, str, Any]] = [
            ((name,), f"required field is missing ({kind} needs {', '.join(required)})", None)
            for name in missing
        ]
        errors += [
            ((name,), f"does not apply to {kind} (it takes {', '.join(required + optional)})", v)
            for name, v in given.items()
            if name not in required + optional
        ]
        if not missing:
            lo, hi = self.support()
            if self.dist in ("uniform", "triangular", "beta") and not lo < hi:
                if self.high is not None:
                    errors.append((("high",), f"must exceed low ({lo:g}), got {hi:g}", self.high))
                else:  # beta's default high, 1
                    errors.append((("low",), f"must be below high ({hi:g}), got {lo:g}", self.low))
            elif self.dist == "triangular" and self.mode is not None and not lo <= self.mode <= hi:
                errors.append(
                    (
                        ("mode",),
                        f"must lie in [low, high] = [{lo:g}, {hi:g}], got {self.mode:g}",
                        self.mode,
                    )
                )
        if errors:
            raise value_errors("Distribution", errors)
        return self

    def support(self) -> tuple[float, float]:
        """The smallest and largest values a draw can take."""
        if self.dist == "normal":
            m = float(self.mean_ or 0.0)
            return (-math.inf, math.inf) if (self.sd or 0) > 0 else (m, m)
        if self.dist == "lognormal":
            med = float(self.median or 0.0)
            return (0.0, math.inf) if (self.sigma or 0) > 0 else (med, med)
        if self.dist == "beta":
            return (
                0.0 if self.low is None else float(self.low),
                1.0 if self.high is None else float(self.high),
            )
        return float(self.low), float(self.high)  # type: ignore[arg-type]

    def mean(self) -> float:
        """The distribution's mean (what a single deterministic run uses)."""
        if self.dist == "normal":
            return float(self.mean_)  # type: ignore[arg-type]
        if self.dist == "lognormal":
            return float(self.median) * math.exp(0.5 * float(self.sigma) ** 2)  # type: ignore[arg-type]
        lo, hi = self.support()
        if self.dist == "uniform":
            return 0.5 * (lo + hi)
        if self.dist == "triangular":
            return (lo + float(self.mode) + hi) / 3.0  # type: ignore[arg-type]
        a, b = float(self.a), float(self.b)  # type: ignore[arg-type]
        return lo + (hi - lo) * a / (a + b)


def _parse_param(value: Any) -> Any:
    """A number as a float, or a mapping as a :class:`Distribution`.

    A distribution's problems are raised located on its own fields
    (``adoption.level.sd``), every one at once.
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a number or a distribution {{dist: ...}}, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value!r}")
        return float(value)
    if isinstance(value, Distribution):
        return value
    if isinstance(value, dict):
        if "dist" not in value:
            message = "required field is missing; expected one of " + ", ".join(DIST_KINDS)
            raise value_errors("Distribution", [(("dist",), message, None)])
        return Distribution.model_validate(value)
    raise ValueError(f"must be a number or a distribution {{dist: ...}}, got {show_value(value)}")


def _bounds(lo: float | None, hi: float | None, *, lo_open: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, Distribution):
            s_lo, s_hi = value.support()
            if (lo is not None and (s_lo < lo or (lo_open and s_lo <= lo))) or (
                hi is not None and s_hi > hi
            ):
                where = _interval(lo, hi, lo_open)
                raise ValueError(
                    f"a {value.dist} distribution can draw values in [{s_lo:g}, {s_hi:g}], "
                    f"outside the allowed range {where}; use a distribution bounded there "
                    "(uniform, triangular, beta)"
                )
            return value
        v = float(value)
        if (lo is not None and (v < lo or (lo_open and v <= lo))) or (hi is not None and v > hi):
            raise ValueError(f"must be in {_interval(lo, hi, lo_open)}, got {v:g}")
        return value

    return check


def _interval(lo: float | None, hi: float | None, lo_open: bool) -> str:
    left = "(" if (lo_open or lo is None) else "["
    a = "-inf" if lo is None else f"{lo:g}"
    b = "inf" if hi is None else f"{hi:g}"
    right = ")" if hi is None else "]"
    return f"{left}{a}, {b}{right}"


class _ParamMarker:
    """Marks a field as a scalar parameter that Monte Carlo may draw."""


_PARAM = _ParamMarker()


Param = Annotated[
    float | Distribution, BeforeValidator(_parse_param), AfterValidator(_bounds(None, None)), _PARAM
]
NonNegative = Annotated[
    float | Distribution, BeforeValidator(_parse_param), AfterValidator(_bounds(0.0, None)), _PARAM
]
Positive = Annotated[
    float | Distribution,
    BeforeValidator(_parse_param),
    AfterValidator(_bounds(0.0, None, lo_open=True)),
    _PARAM,
]
Probability = Annotated[
    float | Distribution, BeforeValidator(_parse_param), AfterValidator(_bounds(0.0, 1.0)), _PARAM
]
Share = Probability
Margin = Annotated[
    float | Distribution,
    BeforeValidator(_parse_param),
    AfterValidator(_bounds(0.0, 1.0, lo_open=True)),
    _PARAM,
]
Delay = Annotated[
    float | Distribution, BeforeValidator(_parse_param), AfterValidator(_bounds(0.0, 20.0)), _PARAM
]


def _parse_curve(
    value: Any, *, lo: float | None = None, what: str = "value"
) -> float | dict[int, float]:
    if isinstance(value, bool):
        raise ValueError(f"must be a number or {{year: {what}}}, got {value!r}")
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number, got {value!r}")
        if lo is not None and v < lo:
            raise ValueError(f"must be >= {lo:g}, got {v:g}")
        return v
    if isinstance(value, dict):
        if not value:
            raise ValueError("a curve needs at least one {year: value} point")
        out: dict[int, float] = {}
        for k, v in value.items():
            try:
                year = int(k)
            except (TypeError, ValueError):
                raise ValueError(f"curve keys must be years, got {k!r}") from None
            if not 1900 <= year <= 2200:
                raise ValueError(f"curve year {year} is outside 1900..2200")
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"curve value for {year} must be a number, got {v!r}")
            if lo is not None and v < lo:
                raise ValueError(f"curve value for {year} must be >= {lo:g}, got {float(v):g}")
            out[year] = float(v)
        return dict(sorted(out.items()))
    raise ValueError(f"must be a number or {{year: {what}}}, got {value!r}")


Curve = Annotated[float | dict[int, float], BeforeValidator(lambda v: _parse_curve(v))]
GWCurve = Annotated[
    float | dict[int, float], BeforeValidator(lambda v: _parse_curve(v, lo=0.0, what="GW"))
]
NonNegativeCurve = Annotated[
    float | dict[int, float], BeforeValidator(lambda v: _parse_curve(v, lo=0.0))
]

CreditClass = Literal["ig", "hy", "spv", "private"]
RepricedClass = Literal["ig_credit", "hy_credit", "private_credit"]


def _split() -> dict[Role, float]:
    return {"model_lab": 0.35, "hyperscaler": 0.45, "cloud": 0.10, "neocloud": 0.05}


def _spreads() -> dict[CreditClass, float | dict[int, float]]:
    return {"ig": 0.009, "hy": 0.045, "spv": 0.0225, "private": 0.045}


def _spread_response() -> dict[CreditClass, float]:
    return {"ig": 0.02, "hy": 0.10, "spv": 0.08, "private": 0.10}


def _tenant_roles() -> list[Role]:
    return ["hyperscaler", "cloud", "model_lab"]


def _applies_to() -> list[Literal["lease", "compute_contract"]]:
    return ["lease"]


def _guarantee_roles() -> list[Role]:
    return ["spv", "neocloud", "reit"]


def _equity_roles() -> list[Role]:
    return ["model_lab", "neocloud"]


def _debt_roles() -> list[Role]:
    return ["hyperscaler", "cloud", "chip_vendor", "spv", "reit", "neocloud"]


def _leverage() -> dict[Role, float]:
    return {
        "bank": 10.0,
        "insurer": 8.0,
        "private_credit": 1.0,
        "asset_manager": 0.5,
        "etf": 0.0,
        "pension": 0.0,
        "sovereign_fund": 0.0,
    }


def _asset_mix() -> dict[RepricedClass, float]:
    return {"ig_credit": 0.5, "hy_credit": 0.2, "private_credit": 0.3}


def _price_impact() -> dict[RepricedClass, float]:
    return {"ig_credit": 2e-5, "hy_credit": 1e-4, "private_credit": 3e-4}


class AdoptionSpec(_Strict):
    """AI revenue from outside customers (USD bn a year): a logistic adoption curve.

    ``A(t) = ceiling / (1 + (ceiling / level - 1) exp(-k (t - t0)))`` from the dataset's
    year ``t0``; ``k`` is set by ``years_to_scale`` (years to reach 90% of the ceiling) or
    by ``growth`` (the curve's growth rate at ``t0``, ``k (1 - level / ceiling)``).
    ``volatility`` adds a permanent annual lognormal shock (a random walk in log A).
    """

    level: Positive = 60.0
    ceiling: Positive = 1200.0
    years_to_scale: Positive | None = None
    growth: Positive | None = None
    volatility: NonNegative = 0.0
    margin: Margin = 0.65
    split: dict[Role, float] = Field(default_factory=_split)

    @model_validator(mode="after")
    def _one_speed(self) -> AdoptionSpec:
        if self.years_to_scale is None and self.growth is None:
            object.__setattr__(self, "years_to_scale", 10.0)
        elif self.years_to_scale is not None and self.growth is not None:
            raise ValueError("years_to_scale: give years_to_scale or growth, not both")
        for role, share in self.split.items():
            if not 0 <= share <= 1:
                raise ValueError(f"split: the share of {role} must be in [0, 1], got {share:g}")
        total = sum(self.split.values())
        if total > 1 + 1e-9:
            raise ValueError(f"split: shares sum to {total:g}; they must sum to at most 1")
        lv, cl = self.level, self.ceiling
        if isinstance(lv, float) and isinstance(cl, float) and cl <= lv / 0.9:
            raise ValueError(
                f"ceiling: {cl:g} must exceed level / 0.9 = {lv / 0.9:g} (the curve must still "
                "have room to grow to 90% of its ceiling)"
            )
        return self


class ExpectationsSpec(_Strict):
    """The adoption path the financing was planned on (what lenders and tenants expect).

    The demand ratio ``D(t) = A(t) / A_expected(t)`` drives GPU utilisation and prices,
    the usage of contracts that are not take-or-pay, and AI capex.
    """

    ceiling: float = Field(default=1200.0, gt=0, allow_inf_nan=False)
    years_to_scale: float = Field(default=10.0, gt=0, allow_inf_nan=False)


class CapexSpec(_Strict):
    """AI capex (USD bn a year): the planned path, its response to demand, asset life."""

    path: NonNegativeCurve = Field(
        default_factory=lambda: {
            2023: 150.0,
            2024: 230.0,
            2025: 400.0,
            2026: 566.0,
            2027: 801.0,
            2028: 1133.0,
        }
    )
    demand_elasticity: NonNegative = 1.0
    asset_life: Positive = 6.0


class RatesSpec(_Strict):
    """Risk-free rates and credit spreads (annual decimals).

    ``spreads`` by credit class widen endogenously: each class's spread rises by
    ``spread_response[class]`` times the share of that class's debt whose debtor has
    defaulted or lost a tenant.
    """

    treasury: Curve = Field(default_factory=lambda: {2025: 0.041, 2030: 0.040})
    sofr: Curve | None = None
    shift: Param = 0.0
    volatility: NonNegative = 0.0
    spreads: dict[CreditClass, NonNegativeCurve] = Field(default_factory=_spreads)
    spread_response: dict[CreditClass, float] = Field(default_factory=_spread_response)
    credit_class: dict[Role, CreditClass] = Field(default_factory=dict)
    refinance_term_years: float = Field(default=5.0, gt=0, le=50)
    ladder_years: float = Field(default=7.0, gt=0, le=50)

    @model_validator(mode="after")
    def _responses(self) -> RatesSpec:
        for k, v in self.spread_response.items():
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"spread_response: {k} must be >= 0, got {v!r}")
        return self


class MarketSpec(_Strict):
    """Whether the refinancing market is open: shut in the listed years, or at random."""

    shut_years: list[int] = Field(default_factory=list)
    shut_probability: Probability = 0.0


class StrategicDefaultSpec(_Strict):
    """When a tenant walks away from its leases (and, if listed, compute contracts).

    A tenant decides to walk once the AI return ``A(t) x margin / K(t)`` (EBITDA over the
    installed AI capital ``K``) has stayed below ``threshold`` times its cost of capital
    (risk-free + its credit spread + ``equity_premium``) for ``years`` consecutive years,
    counting from ``from_year``. It then leaves each lease at the lease's next term end
    (or, with ``breach``, stops paying at once: the seed's "forcibly terminate") and breaks
    listed compute contracts at once, paying ``contagion.contract_claim_years`` of payments
    as damages. ``probability`` is the chance a tenant that meets the rule acts on it
    (drawn per run and tenant).
    """

    enabled: bool = True
    roles: list[Role] = Field(default_factory=_tenant_roles)
    tenants: list[str] | None = None
    applies_to: list[Literal["lease", "compute_contract"]] = Field(default_factory=_applies_to)
    threshold: NonNegative = 0.5
    years: int = Field(default=3, ge=1, le=50)
    from_year: int | None = None
    breach: bool = False
    probability: Probability = 1.0
    equity_premium: float = Field(default=0.04, ge=0, le=1)


class PowerSpec(_Strict):
    """Power for AI data centres, cumulative GW: what the grid can connect, what is needed.

    ``power_ratio(t) = min(1, available(t - interconnection_delay) / required(t))`` scales
    the revenue of capacity that needs power (contracts with a ``gw`` figure, the neocloud
    fleet's utilisation, the SPV's rent) and AI capex. ``required_gw`` defaults to the GW
    of the dataset's active contracts and purchases; ``available_gw`` to no constraint.
    """

    available_gw: GWCurve | None = None
    required_gw: GWCurve | None = None
    scale: NonNegative = 1.0
    interconnection_delay: Delay = 0.0


class GuaranteeSpec(_Strict):
    """A government guarantee of the debt of some roles or entities (seed 001, part 8).

    Covered debt is priced at Treasuries + ``spread``, always refinances (even when the
    market is shut), and a covered entity short of cash borrows under the guarantee up to
    ``debt_limit`` times its starting debt plus equity. Losses on covered debt fall on the
    government, not on the lenders.
    """

    enabled: bool = False
    roles: list[Role] = Field(default_factory=_guarantee_roles)
    entities: list[str] = Field(default_factory=list)
    spread: NonNegative = 0.004
    from_year: int | None = None
    debt_limit: float = Field(default=3.0, ge=1.0, le=100.0)


class FundingSpec(_Strict):
    """Outside money a company can raise when short of cash.

    Equity (roles in ``equity_roles``): up to ``equity_revenue_multiple`` times its
    revenue a year, scaled by investors' confidence: the lesser of a growth test (0 when AI
    revenue grows at ``growth_none`` a year, 1 at ``growth_full``, linear between) and a plan
    test on the demand ratio ``D`` = AI revenue / what the plan expected (0 at
    ``plan_none``, 1 at ``plan_full``). They raise ahead of need, up to that limit, to hold
    ``cash_buffer_years`` of their outflows. Debt (roles in
    ``debt_roles``): while the market is open, up to ``max_leverage`` times EBITDA.
    """

    equity_roles: list[Role] = Field(default_factory=_equity_roles)
    equity_revenue_multiple: NonNegative = 2.0
    cash_buffer_years: NonNegative = 1.0
    growth_full: float = Field(default=0.30, allow_inf_nan=False)
    growth_none: float = Field(default=0.05, allow_inf_nan=False)
    plan_full: float = Field(default=0.9, ge=0, allow_inf_nan=False)
    plan_none: float = Field(default=0.5, ge=0, allow_inf_nan=False)
    debt_roles: list[Role] = Field(default_factory=_debt_roles)
    max_leverage: NonNegative = 4.0

    @model_validator(mode="after")
    def _growth_order(self) -> FundingSpec:
        if not self.growth_full > self.growth_none:
            raise ValueError(
                f"growth_full: must exceed growth_none ({self.growth_none:g}), "
                f"got {self.growth_full:g}"
            )
        if not self.plan_full > self.plan_none:
            raise ValueError(
                f"plan_full: must exceed plan_none ({self.plan_none:g}), got {self.plan_full:g}"
            )
        return self


class FireSaleSpec(_Strict):
    """Fire sales after losses (Greenwood, Landier & Thesmar 2015, leverage targeting).

    Holders of claims in the web are assumed to hold ``holdings_multiple`` times that
    exposure in marketable credit, split by ``asset_mix``; each year a holder that lost
    ``x`` sells ``leverage[role] x`` pro rata, and each USD bn sold of class ``k`` moves
    its price by ``-price_impact[k]``. Second-round losses fall on every holder.
    """

    enabled: bool = True
    holdings_multiple: NonNegative = 3.0
    leverage: dict[Role, float] = Field(default_factory=_leverage)
    asset_mix: dict[RepricedClass, float] = Field(default_factory=_asset_mix)
    price_impact: dict[RepricedClass, float] = Field(default_factory=_price_impact)

    @model_validator(mode="after")
    def _mix(self) -> FireSaleSpec:
        for name, table in (("leverage", self.leverage), ("price_impact", self.price_impact)):
            for k, v in table.items():
                if not (math.isfinite(v) and v >= 0):
                    raise ValueError(f"{name}: {k} must be >= 0, got {v!r}")
        for k, v in self.asset_mix.items():
            if not (math.isfinite(v) and 0 <= v <= 1):
                raise ValueError(f"asset_mix: {k} must be in [0, 1], got {v!r}")
        total = sum(self.asset_mix.values())
        if self.asset_mix and abs(total - 1) > 1e-9:
            raise ValueError(f"asset_mix: shares must sum to 1, got {total:g}")
        return self


class ContagionSpec(_Strict):
    """How defaults are cleared (Elsinger 2009 seniority layers, Rogers & Veraart 2013 costs).

    A defaulting entity realises ``alpha`` of its outside assets and ``beta`` of what the
    web owes it. Its contract counterparties claim ``contract_claim_years`` of the
    payments still due (rejection damages), senior unsecured. Debt outside the web ranks in
    ``external_layer`` (0 secured, 1 senior, 2 subordinated). Where the dataset has no
    balance sheet, equity is ``equity_ratio`` of total assets.
    """

    alpha: Share = 0.6
    beta: Share = 0.9
    contract_claim_years: NonNegative = 1.0
    external_layer: int = Field(default=1, ge=0, le=2)
    equity_ratio: float = Field(default=0.1, gt=0, lt=1)


class EconomicsSpec(_Strict):
    """Operating economics by role: margins, growth, demand elasticities."""

    base_growth: Param = 0.03
    margins: dict[Role, float] = Field(default_factory=dict)
    contract_margins: dict[Role, float] = Field(default_factory=dict)
    usage_elasticity: NonNegative = 1.0
    utilisation_elasticity: NonNegative = 0.5
    price_elasticity: NonNegative = 0.7

    @model_validator(mode="after")
    def _margins(self) -> EconomicsSpec:
        for name, table in (("margins", self.margins), ("contract_margins", self.contract_margins)):
            for k, v in table.items():
                if not (math.isfinite(v) and -5 <= v <= 1):
                    raise ValueError(f"{name}: {k} must be in [-5, 1], got {v!r}")
        return self


class EntityOverride(_Strict):
    """Replace the figures the simulator starts an entity from (USD bn, the dataset's unit)."""

    cash: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    debt: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    equity: float | None = Field(default=None, allow_inf_nan=False)
    revenue: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    margin: float | None = Field(default=None, ge=-5, le=1, allow_inf_nan=False)
    ai_share: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)


class ScenarioSpec(_Strict):
    """A stress scenario: the exogenous paths and rules the simulator runs the web under.

    Examples
    --------
    >>> s = ScenarioSpec(name="slow", adoption={"years_to_scale": 15})
    >>> s.horizon, s.step, s.adoption.years_to_scale, s.adoption.level
    (2050, 'annual', 15.0, 60.0)
    """

    name: str = Field(min_length=1)
    description: str | None = None
    horizon: int = Field(default=2050, ge=2000, le=2200)
    step: Literal["annual", "quarterly"] = "annual"
    start_year: int | None = Field(default=None, ge=1990, le=2200)
    include_announced: bool = False
    adoption: AdoptionSpec = Field(default_factory=AdoptionSpec)
    expectations: ExpectationsSpec = Field(default_factory=ExpectationsSpec)
    capex: CapexSpec = Field(default_factory=CapexSpec)
    rates: RatesSpec = Field(default_factory=RatesSpec)
    market: MarketSpec = Field(default_factory=MarketSpec)
    strategic_default: StrategicDefaultSpec = Field(default_factory=StrategicDefaultSpec)
    power: PowerSpec = Field(default_factory=PowerSpec)
    guarantee: GuaranteeSpec = Field(default_factory=GuaranteeSpec)
    funding: FundingSpec = Field(default_factory=FundingSpec)
    fire_sales: FireSaleSpec = Field(default_factory=FireSaleSpec)
    contagion: ContagionSpec = Field(default_factory=ContagionSpec)
    economics: EconomicsSpec = Field(default_factory=EconomicsSpec)
    deals: list[str] | None = None
    entities: dict[str, EntityOverride] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)
    notes: str | None = None
    # where the scenario was read from (file, line of each node), for located errors
    _doc: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _years(self) -> ScenarioSpec:
        if self.start_year is not None and self.start_year > self.horizon:
            raise ValueError(f"horizon: {self.horizon} is before start_year {self.start_year}")
        return self

    def is_random(self) -> bool:
        """Whether any parameter is a distribution or any path has volatility."""
        return (
            bool(_distribution_paths(self))
            or any(
                isinstance(v, float) and v > 0
                for v in (self.adoption.volatility, self.rates.volatility)
            )
            or isinstance(self.market.shut_probability, Distribution)
            or self.market.shut_probability > 0
        )


def _distribution_paths(model: BaseModel, prefix: str = "") -> list[str]:
    out = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, Distribution):
            out.append(path)
        elif isinstance(value, BaseModel):
            out.extend(_distribution_paths(value, path + "."))
    return out


def param_paths(spec: ScenarioSpec) -> list[str]:
    """Dotted paths of every scalar parameter that may be drawn (sorted, stable order)."""
    out: list[str] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            path = f"{prefix}{name}"
            if isinstance(value, BaseModel) and not isinstance(value, Distribution):
                walk(value, path + ".")
            elif isinstance(value, Distribution) or (
                isinstance(value, float) and _is_param_field(info)
            ):
                out.append(path)

    walk(spec, "")
    return sorted(out)


def _is_param_field(info: Any) -> bool:
    def has_marker(tp: Any) -> bool:
        if any(m is _PARAM for m in getattr(tp, "__metadata__", ())):
            return True
        return any(has_marker(a) for a in get_args(tp))

    return any(m is _PARAM for m in info.metadata) or has_marker(info.annotation)
