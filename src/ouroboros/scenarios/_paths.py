"""The exogenous paths of a batch of runs: AI revenue, demand, capex, rates, power, market.

Everything here is a function of the scenario, the plan and the runs' draws, computed for
all runs at once as arrays of shape ``(runs, periods)``; nothing depends on who defaults.
The strategic-default decisions are computed here too, since the rule reads only these
paths (see :class:`~ouroboros.scenarios.StrategicDefaultSpec`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ouroboros.hurdle import HurdleInputs, capital_recovery_factor
from ouroboros.scenarios._plan import Plan, curve_at
from ouroboros.scenarios._sample import Draws
from ouroboros.scenarios._spec import CREDIT_CLASSES, ScenarioSpec

__all__ = ["Paths", "build_paths", "logistic"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]
B = NDArray[np.bool_]

_HURDLE = HurdleInputs(ebitda_yield=None)


def logistic(level: F, ceiling: F, k: F, t: F) -> F:
    """``ceiling / (1 + (ceiling / level - 1) exp(-k t))``.

    >>> round(float(logistic(np.array(60.0), np.array(1200.0), np.log(171) / 10,
    ...                      np.array(10.0))), 6)
    1080.0
    """
    out: F = ceiling / (1.0 + (ceiling / level - 1.0) * np.exp(-k * t))
    return out


def speed(level: F, ceiling: F, years_to_scale: F | None, growth: F | None) -> F:
    """Logistic rate ``k`` from the years to 90% of the ceiling, or from the initial growth."""
    if years_to_scale is not None:
        out: F = np.log(9.0 * (ceiling / level - 1.0)) / years_to_scale
        return out
    assert growth is not None
    out = growth / (1.0 - level / ceiling)
    return out


@dataclass(frozen=True)
class Paths:
    """Per-run exogenous paths (arrays ``(R, P)`` unless noted)."""

    cal: F  # (P,) calendar time of each period (year, fractional for quarters)
    ai_revenue: F  # A(t), USD bn a year
    expected: F  # A_expected(t)
    demand: F  # D(t) = A / A_expected
    power: F  # power ratio in [0, 1]
    capex: F  # AI capex, USD bn a year
    capital: F  # installed AI capital K(t) (perpetual inventory)
    ai_return: F  # A x margin / K
    hurdle_revenue: F  # revenue the capital needs at the hurdle's WACC (seed recipe)
    cost_of_debt: F  # Treasury + the private-credit spread (the hurdle's cost of debt)
    treasury_base: float  # the Treasury curve in the base year (today's rate)
    treasury: F
    sofr: F
    spreads: F  # (R, 4, P) base credit spreads by class
    market_open: B
    confidence: F  # investors' confidence for equity raises, in [0, 1]
    growth_factor: F  # (1 + base growth)^t
    margin: F  # (R, 1) AI EBITDA margin
    decision: IntA  # (R, N) period a tenant decides to walk (-1 never)
    guarantee_on: B  # (P,)


def _v(draws: Draws, path: str) -> F:
    return draws.value(path)


def build_paths(plan: Plan, spec: ScenarioSpec, draws: Draws) -> Paths:
    """All exogenous paths of the runs in ``draws``."""
    R = draws.n
    P = plan.periods
    t = plan.time[None, :]  # years from the middle of the base year
    dt = plan.dt[None, :]
    cal = plan.cal
    # --- adoption
    level = _v(draws, "adoption.level")
    ceiling = np.maximum(_v(draws, "adoption.ceiling"), level / 0.9 + 1e-9)
    yts = _v(draws, "adoption.years_to_scale") if spec.adoption.years_to_scale is not None else None
    growth = _v(draws, "adoption.growth") if spec.adoption.growth is not None else None
    k = speed(level, ceiling, yts, growth)
    vol = _v(draws, "adoption.volatility")
    shock = np.cumsum(vol * np.sqrt(dt) * draws.adoption_noise, axis=1)
    ai = logistic(level, ceiling, k, t) * np.exp(shock)
    exp_c = np.full_like(level, spec.expectations.ceiling)
    exp_k = speed(
        level,
        np.maximum(exp_c, level / 0.9 + 1e-9),
        np.full_like(level, spec.expectations.years_to_scale),
        None,
    )
    expected = logistic(level, np.maximum(exp_c, level / 0.9 + 1e-9), exp_k, t)
    demand = ai / expected
    # --- power
    pw = spec.power
    if pw.available_gw is None:
        power = np.ones((R, P))
    else:
        delay = _v(draws, "power.interconnection_delay")
        avail = curve_at(pw.available_gw, cal[None, :] - delay) * _v(draws, "power.scale")
        required = (
            curve_at(pw.required_gw, cal)[None, :]
            if pw.required_gw is not None
            else plan.required_gw[None, :]
        )
        power = np.where(
            required > 0, np.clip(avail / np.where(required > 0, required, 1.0), 0.0, 1.0), 1.0
        )
    # --- capex and installed capital (perpetual inventory, declining balance over life)
    life = _v(draws, "capex.asset_life")
    elasticity = _v(draws, "capex.demand_elasticity")
    planned = curve_at(spec.capex.path, cal)[None, :]
    capex = planned * demand**elasticity * power
    hist = spec.capex.path
    first_year = min(hist) if isinstance(hist, dict) else plan.base_year
    capital0 = np.zeros((R, 1))
    for y in range(int(first_year), plan.base_year + 1):
        capital0 = capital0 * (1.0 - np.minimum(1.0 / life, 1.0)) + curve_at(hist, float(y))
    capital = np.empty((R, P))
    kprev = capital0[:, 0]
    for p in range(P):
        kprev = kprev * (1.0 - np.minimum(plan.dt[p] / life[:, 0], 1.0)) + capex[:, p] * plan.dt[p]
        capital[:, p] = kprev
    margin = _v(draws, "adoption.margin")
    ai_return = ai * margin / np.maximum(capital, 1e-9)
    # --- rates
    rw = np.cumsum(_v(draws, "rates.volatility") * np.sqrt(dt) * draws.rate_noise, axis=1)
    shift = _v(draws, "rates.shift") + rw
    treasury = curve_at(spec.rates.treasury, cal)[None, :] + shift
    sofr_curve = spec.rates.sofr if spec.rates.sofr is not None else spec.rates.treasury
    sofr = curve_at(sofr_curve, cal)[None, :] + shift
    spreads = np.zeros((R, len(CREDIT_CLASSES), P))
    for c, name in enumerate(CREDIT_CLASSES):
        curve = spec.rates.spreads.get(name, 0.0)  # type: ignore[call-overload]
        spreads[:, c, :] = curve_at(curve, cal)[None, :]
    # hurdle: revenue the installed capital needs at the seed recipe's WACC
    cost_of_debt = treasury + spreads[:, CREDIT_CLASSES.index("private"), :]
    wacc = _HURDLE.debt_share * cost_of_debt + (1 - _HURDLE.debt_share) * _HURDLE.cost_of_equity
    hurdle_revenue = capital * capital_recovery_factor(wacc, life) / margin
    # --- market
    shut_years = np.isin(np.floor(cal).astype(np.int64), spec.market.shut_years)[None, :]
    market_open = ~(shut_years | (draws.shut_uniform < _v(draws, "market.shut_probability")))
    # --- investors' confidence: AI revenue growth (annualised, period on period) and
    # AI revenue against the plan
    prev = np.concatenate([level, ai[:, :-1]], axis=1)
    span = np.concatenate([[max(plan.time[0], 1e-9)], np.diff(plan.time)])[None, :]
    g = (ai / prev) ** (1.0 / span) - 1.0
    f = spec.funding
    by_growth = np.clip((g - f.growth_none) / (f.growth_full - f.growth_none), 0.0, 1.0)
    by_plan = np.clip((demand - f.plan_none) / (f.plan_full - f.plan_none), 0.0, 1.0)
    confidence = np.minimum(by_growth, by_plan)
    growth_factor = (1.0 + _v(draws, "economics.base_growth")) ** np.maximum(t, 0.0)
    # --- strategic default decisions
    decision = _decisions(plan, spec, draws, ai_return, treasury, spreads)
    g_from = spec.guarantee.from_year
    guarantee_on = np.full(P, spec.guarantee.enabled) & (
        cal >= (g_from if g_from is not None else -np.inf)
    )
    return Paths(
        cal=cal,
        ai_revenue=ai,
        expected=expected,
        demand=demand,
        power=power,
        capex=capex,
        capital=capital,
        ai_return=ai_return,
        hurdle_revenue=hurdle_revenue,
        cost_of_debt=cost_of_debt,
        treasury_base=float(curve_at(spec.rates.treasury, float(plan.base_year))),
        treasury=treasury,
        sofr=sofr,
        spreads=spreads,
        market_open=market_open,
        confidence=confidence,
        growth_factor=growth_factor,
        margin=margin,
        decision=decision,
        guarantee_on=guarantee_on,
    )


def _decisions(
    plan: Plan, spec: ScenarioSpec, draws: Draws, ai_return: F, treasury: F, spreads: F
) -> IntA:
    """Period in which each tenant decides to walk away (-1: never)."""
    R, P = ai_return.shape
    N = plan.n
    out = np.full((R, N), -1, dtype=np.int64)
    sd = spec.strategic_default
    tenants = np.flatnonzero(plan.tenant)
    if not sd.enabled or tenants.size == 0:
        return out
    threshold = _v(draws, "strategic_default.threshold")  # (R, 1)
    coc = (
        treasury[:, None, :] + spreads[:, plan.credit_class[tenants], :] + sd.equity_premium
    )  # (R, T, P)
    below = ai_return[:, None, :] < threshold[:, :, None] * coc
    start = sd.from_year if sd.from_year is not None else -np.inf
    below &= (plan.cal >= start)[None, None, :]
    run = np.zeros((R, tenants.size))
    decided = np.full((R, tenants.size), -1, dtype=np.int64)
    for p in range(P):
        run = np.where(below[:, :, p], run + plan.dt[p], 0.0)
        hit = (run >= sd.years - 1e-9) & (decided < 0)
        decided = np.where(hit, p, decided)
    acts = draws.act_uniform[:, tenants] < _v(draws, "strategic_default.probability")
    out[:, tenants] = np.where(acts, decided, -1)
    return out
