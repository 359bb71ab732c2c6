"""The liquidity drain: loanable funds with an idle-liquidity buffer ("reverse QE").

AI capex is a demand for loanable funds. While idle liquidity exists (net liquidity above
the level the financial system needs), the extra demand is met from it at an unchanged
rate and acts like fiscal stimulus with a multiplier. Once the buffer is used up, every
extra dollar must be pulled from other uses: the rate rises until extra saving plus
crowded-out other investment equals the excess demand (the textbook loanable-funds
diagram, e.g. Mankiw, *Macroeconomics*, ch. 3; the seed article "AI capex is draining
market liquidity: a quiet reverse QE", plur daddy, 2025). A central bank can add water to
the tub (QE, a backstop share of the excess) or cut rates.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ouroboros.errors import InputError
from ouroboros.markets._validate import FloatArray, as_path, check_number

__all__ = [
    "PHASES",
    "LoanableFundsResult",
    "fed_net_liquidity",
    "loanable_funds",
]

PHASES: tuple[str, ...] = ("stimulus", "crowding_out", "slack")
"""Phase labels: idle liquidity (or the central bank) absorbs the extra demand; the excess
must be pulled from other uses; or AI demands no extra funds that year."""

_UNITS: dict[str, float] = {
    "unit": 1.0,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
}

LiquidityForm = Literal["linear", "constant_elasticity"]


def _unit_scale(name: str, unit: str) -> float:
    try:
        return _UNITS[unit]
    except KeyError:
        raise InputError(
            f"{name} must be one of {', '.join(_UNITS)}; got {unit!r}", field=name
        ) from None


def fed_net_liquidity(
    walcl: ArrayLike | pd.Series,
    tga: ArrayLike | pd.Series,
    rrp: ArrayLike | pd.Series,
    *,
    walcl_unit: str = "million",
    tga_unit: str = "million",
    rrp_unit: str = "billion",
    unit: str = "billion",
) -> FloatArray | pd.Series:
    """Fed net liquidity = balance sheet (WALCL) − Treasury General Account − reverse repo.

    FRED publishes the three in different units: ``WALCL`` and ``WTREGEN``/``WDTGAL`` in
    millions of dollars, ``RRPONTSYD`` in **billions**; each is converted before the
    subtraction. Series are aligned on their common dates (resample daily RRP to the weekly
    WALCL dates first, e.g. ``rrp.resample("W-WED").last()``).

    Parameters
    ----------
    walcl, tga, rrp : array_like or pandas.Series
        Total assets of the Federal Reserve, the TGA balance and overnight reverse repo.
    walcl_unit, tga_unit, rrp_unit : {"unit", "thousand", "million", "billion", "trillion"}
        The unit of each input (FRED's units by default).
    unit : str
        The unit of the result (billions by default).

    Returns
    -------
    ndarray or pandas.Series
        Net liquidity in ``unit``; a Series (on the common dates) when all inputs are.

    Examples
    --------
    FRED, week of 26 Nov 2025 (rounded): WALCL $6,555,000 mn, TGA $890,000 mn, RRP $5 bn:

    >>> float(fed_net_liquidity(6_555_000, 890_000, 5))
    5660.0
    """
    scales = [
        _unit_scale("walcl_unit", walcl_unit),
        _unit_scale("tga_unit", tga_unit),
        _unit_scale("rrp_unit", rrp_unit),
    ]
    out = _unit_scale("unit", unit)
    parts = (walcl, tga, rrp)
    if all(isinstance(p, pd.Series) for p in parts):
        series = [p for p in parts if isinstance(p, pd.Series)]
        frame = pd.concat(series, axis=1, join="inner")
        frame = frame.dropna()
        if frame.empty:
            raise InputError(
                "walcl, tga and rrp share no dates; resample them to a common frequency",
                field="net_liquidity",
            )
        values = frame.to_numpy(dtype=float) * np.asarray(scales) / out
        return pd.Series(
            values[:, 0] - values[:, 1] - values[:, 2], index=frame.index, name="net_liquidity"
        )
    arrays = []
    for name, p in zip(("walcl", "tga", "rrp"), parts, strict=True):
        a = np.asarray(p.to_numpy() if isinstance(p, pd.Series) else p, dtype=float)
        if not np.all(np.isfinite(a)):
            raise InputError(f"{name} must be finite numbers", field=name)
        arrays.append(a)
    try:
        w, t, r = np.broadcast_arrays(*arrays)
    except ValueError:
        raise InputError("walcl, tga and rrp must have the same length", field="rrp") from None
    result: FloatArray = (w * scales[0] - t * scales[1] - r * scales[2]) / out
    return result


@dataclass(frozen=True)
class LoanableFundsResult:
    """Per-year outcome of :func:`loanable_funds`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per year: ``year, capex, ai_demand, net_liquidity, idle_available,
        idle_absorbed, idle_remaining, qe_backstop, excess_demand, delta_r, rate_cut,
        base_rate, cost_of_capital, crowded_out, extra_saving, stimulus, phase``. Money in
        the capex unit (USD bn by default), rates as decimals.
    saving_slope, investment_slope : ndarray
        dS/dr and −dI/dr at the base rate, per year, in money per unit of rate (divide
        by 100 for "per percentage point").
    parameters : mapping
        The parameters that produced the table.
    """

    table: pd.DataFrame
    saving_slope: FloatArray
    investment_slope: FloatArray
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """The years, in order."""
        return [int(y) for y in self.table["year"]]

    def exhaustion_year(self) -> int | None:
        """The first year in which the excess demand must be pulled from other uses."""
        rows = self.table[self.table["phase"] == "crowding_out"]
        return None if rows.empty else int(rows["year"].iloc[0])

    def shock(self, year: int | None = None) -> tuple[int, float]:
        """The rise in the cost of capital over the base rate in ``year`` (default: peak).

        Returns
        -------
        (year, delta)
            ``cost_of_capital − base_rate`` in that year (net of rate cuts).
        """
        rise = (self.table["cost_of_capital"] - self.table["base_rate"]).to_numpy()
        years = self.years
        if year is None:
            i = int(np.argmax(rise))
        else:
            if year not in years:
                raise InputError(
                    f"repricing year {year} is not among the years {years[0]}–{years[-1]}",
                    field="year",
                )
            i = years.index(year)
        return years[i], float(rise[i])


def _draw_buffer(need: FloatArray, available: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Draw each year's positive need from a buffer whose exogenous level is ``available``.

    Cumulative draws never exceed the buffer level and are never undone; the recursion is
    sequential in time (years are few), vectorised over any leading axes.
    """
    drawn = np.zeros_like(need)
    room = np.zeros_like(need)
    cum = np.zeros(need.shape[:-1])
    for t in range(need.shape[-1]):
        room[..., t] = np.maximum(available[..., t] - cum, 0.0)
        drawn[..., t] = np.minimum(np.maximum(need[..., t], 0.0), room[..., t])
        cum = cum + drawn[..., t]
    return drawn, room


def _solve_constant_elasticity(
    excess: FloatArray,
    r0: FloatArray,
    saving: float,
    e_s: float,
    investment: float,
    e_i: float,
    delta: float,
) -> FloatArray:
    """Solve S0((r/r0)^e_s − 1) + I0(1 − ((r+δ)/(r0+δ))^−e_i) = E for r, vectorised."""

    def f(r: FloatArray) -> FloatArray:
        s = saving * ((r / r0) ** e_s - 1.0)
        i = investment * (1.0 - ((r + delta) / (r0 + delta)) ** (-e_i))
        out: FloatArray = s + i - excess
        return out

    up = excess >= 0
    lo = np.where(up, r0, r0 * 1e-9)
    hi = np.where(up, r0 * 2.0, r0)
    for _ in range(200):  # expand the upper bracket until the curves cross
        need = up & (f(hi) < 0)
        if not need.any():
            break
        hi = np.where(need, hi * 2.0, hi)
    else:
        raise InputError("excess demand too large for the constant-elasticity curves", field="form")
    down_bad = ~up & (f(lo) > 0)
    if down_bad.any():
        raise InputError(
            "excess supply too large for the constant-elasticity curves: the rate would "
            "have to fall to zero",
            field="form",
        )
    for _ in range(200):  # bisection: f is increasing in r
        mid = 0.5 * (lo + hi)
        neg = f(mid) < 0
        lo = np.where(neg, mid, lo)
        hi = np.where(neg, hi, mid)
    root: FloatArray = 0.5 * (lo + hi)
    return root


def loanable_funds(
    capex: ArrayLike | pd.Series,
    *,
    years: Sequence[int] | None = None,
    net_liquidity: ArrayLike | pd.Series,
    liquidity_floor: float,
    saving_supply: float,
    saving_elasticity: float,
    other_investment: float,
    investment_elasticity: float,
    base_rate: float | ArrayLike,
    depreciation: float = 0.0,
    baseline_capex: float = 0.0,
    funding_share: float = 1.0,
    qe: float | ArrayLike = 0.0,
    rate_cut: float | ArrayLike = 0.0,
    pass_through: float = 1.0,
    qe_response: float = 0.0,
    multiplier: float = 1.0,
    form: LiquidityForm = "linear",
) -> LoanableFundsResult:
    """Cost of capital, crowding out and phase per year for an AI capex path.

    Each year the extra demand for funds is ``D = funding_share × capex − baseline_capex``.
    It is met first from the idle-liquidity buffer, whose level is ``max(0, net_liquidity −
    liquidity_floor + cumulative qe)`` less what earlier years drew. The central bank can
    absorb a share ``qe_response`` of what is left. The remainder ``E`` clears the
    loanable-funds market: in the linear case

        Δr = E / (s₁ + i₁),   crowded out = i₁ Δr,   extra saving = s₁ Δr,

    with the slopes taken from the elasticities at the base rate,
    ``s₁ = ε_s S₀ / r₀`` and ``i₁ = ε_i I₀ / (r₀ + δ)`` (δ the depreciation rate in the
    user cost of capital, Hall & Jorgenson 1967). With ``form="constant_elasticity"`` the
    curves are ``S(r) = S₀ (r/r₀)^ε_s`` and ``I(r) = I₀ ((r+δ)/(r₀+δ))^−ε_i`` and the rate
    solves ``S(r) − S₀ + I₀ − I(r) = E`` exactly. The cost of capital is
    ``r₀ − pass_through × rate_cut + Δr``. Money drawn from idle balances (or supplied by
    the central bank) is new spending and counts as ``stimulus = multiplier × (idle_absorbed
    + qe_backstop)``; money pulled from other uses is not.

    Parameters
    ----------
    capex : array_like or pandas.Series
        AI capex per year (money per year, e.g. USD bn). A Series indexed by year gives the
        years unless ``years`` is given.
    years : sequence of int, optional
        The years (default: the Series index, or 0, 1, …).
    net_liquidity : array_like or pandas.Series
        Fed net liquidity per year, same unit as ``capex`` (see :func:`fed_net_liquidity`).
    liquidity_floor : float
        Net liquidity the system needs; only the excess over it is idle. ``>= 0``.
    saving_supply : float
        Saving supplied per year at the base rate, S₀ (``> 0``).
    saving_elasticity : float
        Elasticity of saving to the interest rate, ε_s (``>= 0``).
    other_investment : float
        Other (non-AI) investment demand per year at the base rate, I₀ (``> 0``).
    investment_elasticity : float
        Elasticity of other investment to the user cost of capital r + δ, ε_i (``>= 0``).
    base_rate : float or array_like
        The cost of capital without the extra AI demand, r₀, per year (decimal, ``> 0``).
    depreciation : float
        δ in the user cost of capital (``>= 0``).
    baseline_capex : float
        AI capex already in the base equilibrium (``>= 0``).
    funding_share : float
        Share of capex that draws on the pool of savings, in [0, 1].
    qe : float or array_like
        Central-bank liquidity added in each year (money; negative for QT).
    rate_cut : float or array_like
        Cumulative policy-rate cut in force each year (decimal; negative for hikes).
    pass_through : float
        Share of a policy cut passed to the cost of capital (``>= 0``).
    qe_response : float
        Share of the excess demand left after the buffer that the central bank absorbs,
        in [0, 1] (the Fed as buyer of last resort, which spares fiscal stimulus from
        crowding out).
    multiplier : float
        Spending multiplier applied to money drawn from idle balances (``>= 0``).
    form : {"linear", "constant_elasticity"}
        Shape of the saving and investment curves.

    Returns
    -------
    LoanableFundsResult

    Examples
    --------
    Idle liquidity of 100 absorbs the first year's extra demand; the second year's 150
    exceeds what is left (50), so 100 must be pulled from other uses: with slopes
    s₁ = 0.5 × 1000 / 0.05 = 10,000 and i₁ = 0.5 × 1000 / 0.05 = 10,000 per unit of rate,
    Δr = 100 / 20,000 = 0.005 and crowded out = 10,000 × 0.005 = 50.

    >>> res = loanable_funds([50, 150], years=[2025, 2026], net_liquidity=[600, 600],
    ...                      liquidity_floor=500, saving_supply=1000, saving_elasticity=0.5,
    ...                      other_investment=1000, investment_elasticity=0.5,
    ...                      base_rate=0.05)
    >>> res.table[["year", "idle_absorbed", "excess_demand", "delta_r", "crowded_out",
    ...            "phase"]]
       year  idle_absorbed  excess_demand  delta_r  crowded_out         phase
    0  2025           50.0            0.0    0.000          0.0      stimulus
    1  2026           50.0          100.0    0.005         50.0  crowding_out
    """
    if form not in ("linear", "constant_elasticity"):
        raise InputError(f"form must be linear or constant_elasticity; got {form!r}", field="form")
    if isinstance(capex, pd.Series):
        if years is None:
            years = [int(y) for y in capex.index]
        capex_arr = as_path("capex", capex, len(years), years=years)
    else:
        try:
            capex_arr = np.asarray(capex, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"capex must be numbers, got {capex!r}", field="capex") from None
    if capex_arr.ndim != 1 or capex_arr.size == 0:
        raise InputError("capex must be a non-empty one-dimensional path", field="capex")
    n = capex_arr.size
    if years is None:
        years = list(range(n))
    years = [int(y) for y in years]
    if len(years) != n:
        raise InputError(f"years has {len(years)} values but capex has {n}", field="years")
    if any(b <= a for a, b in itertools.pairwise(years)):
        raise InputError("years must be strictly increasing", field="years")
    capex_arr = as_path("capex", capex_arr, n, ge=0.0)
    nl = as_path("net_liquidity", net_liquidity, n, years=years)
    r0 = as_path("base_rate", base_rate, n)
    if np.any(r0 <= 0):
        raise InputError(f"base_rate must be > 0, got {float(r0[r0 <= 0][0]):g}", field="base_rate")
    qe_arr = as_path("qe", qe, n, years=years)
    cut = as_path("rate_cut", rate_cut, n, years=years)
    floor = check_number("liquidity_floor", liquidity_floor, ge=0)
    s0 = check_number("saving_supply", saving_supply, gt=0)
    e_s = check_number("saving_elasticity", saving_elasticity, ge=0)
    i0 = check_number("other_investment", other_investment, gt=0)
    e_i = check_number("investment_elasticity", investment_elasticity, ge=0)
    delta = check_number("depreciation", depreciation, ge=0)
    base_k = check_number("baseline_capex", baseline_capex, ge=0)
    share = check_number("funding_share", funding_share, ge=0, le=1)
    pt = check_number("pass_through", pass_through, ge=0)
    qr = check_number("qe_response", qe_response, ge=0, le=1)
    mult = check_number("multiplier", multiplier, ge=0)
    if e_s == 0 and e_i == 0:
        raise InputError(
            "saving_elasticity and investment_elasticity cannot both be 0: the rate "
            "could not clear any excess demand",
            field="saving_elasticity",
        )

    s1: FloatArray = e_s * s0 / r0
    i1: FloatArray = e_i * i0 / (r0 + delta)

    demand = share * capex_arr - base_k
    available = np.maximum(nl - floor + np.cumsum(qe_arr), 0.0)
    absorbed, room = _draw_buffer(demand, available)
    gap = demand - absorbed
    backstop = np.where(gap > 0, qr * gap, 0.0)
    excess = gap - backstop

    if form == "linear":
        dr = excess / (s1 + i1)
        crowded = i1 * dr
        extra_saving = s1 * dr
    else:
        r_star = _solve_constant_elasticity(excess, r0, s0, e_s, i0, e_i, delta)
        dr = r_star - r0
        crowded = i0 * (1.0 - ((r_star + delta) / (r0 + delta)) ** (-e_i))
        extra_saving = s0 * ((r_star / r0) ** e_s - 1.0)

    tiny = 1e-9 * np.maximum(1.0, np.abs(demand))
    phase = np.where(demand <= tiny, "slack", np.where(excess > tiny, "crowding_out", "stimulus"))
    table = pd.DataFrame(
        {
            "year": np.asarray(years, dtype=np.int64),
            "capex": capex_arr,
            "ai_demand": demand,
            "net_liquidity": nl,
            "idle_available": room,
            "idle_absorbed": absorbed,
            "idle_remaining": room - absorbed,
            "qe_backstop": backstop,
            "excess_demand": excess,
            "delta_r": dr,
            "rate_cut": cut,
            "base_rate": r0,
            "cost_of_capital": r0 - pt * cut + dr,
            "crowded_out": crowded,
            "extra_saving": extra_saving,
            "stimulus": mult * (absorbed + backstop),
            "phase": phase.astype(object),
        }
    )
    params: dict[str, Any] = {
        "liquidity_floor": floor,
        "saving_supply": s0,
        "saving_elasticity": e_s,
        "other_investment": i0,
        "investment_elasticity": e_i,
        "depreciation": delta,
        "baseline_capex": base_k,
        "funding_share": share,
        "pass_through": pt,
        "qe_response": qr,
        "multiplier": mult,
        "form": form,
        "qe": qe_arr.tolist(),
    }
    return LoanableFundsResult(table=table, saving_slope=s1, investment_slope=i1, parameters=params)
