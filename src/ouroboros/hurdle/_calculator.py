"""The general revenue-hurdle calculator.

From capex, an asset-life mix, a funding mix, an EBITDA margin and a tax rate it derives the
EBITDA and revenue the build-out must earn, step by step, and the returns the inputs imply.

Model (documented in ``docs/hurdle.md``)
----------------------------------------
* Every vintage of asset class ``k`` (share ``s_k`` of capex, life ``n_k`` years) is paid
  for over ``B`` build years (weights ``w_i``) and then earns a level EBITDA for ``n_k``
  years, end of year. Replacement vintages repeat the same economics, so one vintage
  describes the steady state.
* Capital recovery at rate ``r``: the EBITDA yield on capex that returns exactly ``r`` is
  ``y(r) = [carry(r) * sum_k s_k crf(r, n_k) - tau * sum_k s_k / n_k] / (1 - tau)``
  with ``carry(r) = sum_i w_i (1 + r)**(B - 1 - i)`` and straight-line tax depreciation.
  The capital-recovery yield is ``y(WACC)``, the project IRR solves ``y(r) = yield``.
* Debt finances ``d`` of every payment at ``r_d`` (interest during construction
  capitalised), repaid by level payments over each asset's life; interest is tax
  deductible. Solving the equity cash flows gives the equity IRR and the yield at which
  equity earns exactly its target return.
* The *equity cash yield* ``(yield - d r_d) / (1 - d)`` is the seed article's levered
  return: EBITDA after interest, over equity, before depreciation and tax. It equals the
  equity IRR only for assets that never wear out.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ouroboros.errors import InputError
from ouroboros.hurdle._finance import (
    capital_recovery_factor,
    construction_carry,
    interest_pv_factor,
    solve_increasing,
)
from ouroboros.hurdle._result import Check, Step, checks_frame, steps_frame

__all__ = [
    "AI_DATACENTRE_MIX",
    "ASSET_MIXES",
    "CALCULATOR_OUTPUTS",
    "AssetClass",
    "HurdleInputs",
    "HurdleResult",
    "hurdle",
    "hurdle_sweep",
    "parse_asset_mix",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class AssetClass:
    """One class of assets in the build-out.

    Parameters
    ----------
    name : str
        What the assets are (``"GPUs"``, ``"buildings"``…).
    share : float
        Fraction of capex, in (0, 1]; the shares of a mix sum to 1.
    life : float
        Economic life in years, > 0 (fractions allowed, e.g. 3.33).
    """

    name: str
    share: float
    life: float


SINGLE_LIFE_MIX: tuple[AssetClass, ...] = (AssetClass("all assets", 1.0, 6.0),)

AI_DATACENTRE_MIX: tuple[AssetClass, ...] = (
    AssetClass("servers, GPUs and network", 0.55, 6.0),
    AssetClass("buildings and shell", 0.25, 25.0),
    AssetClass("power and cooling", 0.20, 25.0),
)
"""A typical AI data-centre mix: Morgan Stanley's 2025 split of $2.9T into $1.6T hardware
(55%) and $1.3T infrastructure (45%); server lives of 5-6 years as hyperscalers depreciate
them, buildings 20-30 years (25 used) and electrical/cooling plant 25 years."""

ASSET_MIXES: dict[str, tuple[AssetClass, ...]] = {
    "single": SINGLE_LIFE_MIX,
    "datacentre": AI_DATACENTRE_MIX,
}
"""Named asset-life mixes accepted by :func:`parse_asset_mix` and ``--asset-mix``."""


def parse_asset_mix(text: str) -> tuple[AssetClass, ...]:
    """Read an asset mix from ``name:share:life,...`` or a preset name.

    Parameters
    ----------
    text : str
        A key of :data:`ASSET_MIXES` or comma-separated ``name:share:life`` triples.

    Returns
    -------
    tuple of AssetClass

    Examples
    --------
    >>> parse_asset_mix("gpus:0.6:6, buildings:0.4:25")  # doctest: +NORMALIZE_WHITESPACE
    (AssetClass(name='gpus', share=0.6, life=6.0),
     AssetClass(name='buildings', share=0.4, life=25.0))
    >>> len(parse_asset_mix("datacentre"))
    3
    """
    key = text.strip()
    if key in ASSET_MIXES:
        return ASSET_MIXES[key]
    classes: list[AssetClass] = []
    for part in key.split(","):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) != 3 or not bits[0]:
            raise InputError(
                f"asset_mix must be a preset ({', '.join(ASSET_MIXES)}) or name:share:life "
                f"triples separated by commas, got {part.strip()!r}",
                field="asset_mix",
            )
        try:
            share, life = float(bits[1]), float(bits[2])
        except ValueError:
            raise InputError(
                f"asset_mix: share and life of {bits[0]!r} must be numbers, got {part.strip()!r}",
                field="asset_mix",
            ) from None
        classes.append(AssetClass(bits[0], share, life))
    return tuple(classes)


# bounds of each varying parameter: (low, high, low is open, high is open)
_BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "capex": (0.0, math.inf, True, True),
    "ebitda_yield": (0.0, 1.0, True, False),
    "ebitda_margin": (0.0, 1.0, True, False),
    "gdp": (0.0, math.inf, True, True),
    "cloud_revenue": (0.0, math.inf, True, True),
    "debt_share": (0.0, 1.0, False, False),
    "cost_of_debt": (-0.5, 1.0, True, False),
    "cost_of_equity": (-0.5, 1.0, True, False),
    "tax_rate": (0.0, 1.0, False, True),
    "asset_life": (0.0, 200.0, True, False),
    "treasury_rate": (-0.5, 1.0, True, False),
    "guarantee_spread": (0.0, 1.0, False, False),
}

_WHAT = {
    "capex": "a positive amount in USD",
    "ebitda_yield": "a fraction in (0, 1] (0.12 for 12%)",
    "ebitda_margin": "a fraction in (0, 1] (0.65 for 65%)",
    "gdp": "a positive amount in USD",
    "cloud_revenue": "a positive amount in USD",
    "debt_share": "a fraction in [0, 1]",
    "cost_of_debt": "a rate in (-0.5, 1] (0.075 for 7.5%)",
    "cost_of_equity": "a rate in (-0.5, 1] (0.20 for 20%)",
    "tax_rate": "a fraction in [0, 1)",
    "asset_life": "a number of years in (0, 200]",
    "treasury_rate": "a rate in (-0.5, 1]",
    "guarantee_spread": "a rate in [0, 1]",
}


def _in_bounds(name: str, values: FloatArray) -> NDArray[np.bool_]:
    lo, hi, lo_open, hi_open = _BOUNDS[name]
    ok_lo = values > lo if lo_open else values >= lo
    ok_hi = values < hi if hi_open else values <= hi
    out: NDArray[np.bool_] = np.isfinite(values) & ok_lo & ok_hi
    return out


def _check_param(name: str, value: ArrayLike) -> None:
    arr = np.asarray(value, dtype=float)
    bad = ~_in_bounds(name, arr)
    if np.any(bad):
        first = arr.reshape(-1)[int(np.argmax(bad.reshape(-1)))]
        raise InputError(f"{name} must be {_WHAT[name]}, got {first:g}", field=name)


@dataclass(frozen=True, slots=True)
class HurdleInputs:
    """Everything the calculator needs; the defaults are the seed article's figures.

    Parameters
    ----------
    capex : float
        Total capital expenditure, USD (default $3T, Morgan Stanley's estimate to 2028).
    ebitda_yield : float or None
        Stated EBITDA over total capex ("ROI" in the seed article, 12%). ``None`` uses the
        capital-recovery yield at WACC instead, i.e. the yield the target returns require.
    ebitda_margin : float
        EBITDA over revenue, in (0, 1] (65%).
    gdp : float
        GDP to compare with, USD (US GDP, about $29T).
    cloud_revenue : float
        Global cloud revenue to compare with, USD (about $400B in 2025).
    debt_share : float
        Debt over total funding, in [0, 1] (0.3 for debt:equity 3:7).
    cost_of_debt : float
        Interest rate on the debt (7.5%, mid of the seed's 7-8%).
    cost_of_equity : float
        Target equity return (20%, the seed's "above 20%").
    tax_rate : float
        Corporate tax rate on EBITDA less depreciation and interest (0: the seed's
        arithmetic is pre-tax).
    asset_mix : sequence of AssetClass
        Shares of capex and lives; shares sum to 1 (one class of 6-year assets).
    build_years : int
        Years over which each vintage is paid for before it earns (1: no carry).
    capex_weights : sequence of float or None
        Share of capex paid in each build year (uniform if ``None``); sums to 1.
    guarantee : bool
        A government guarantee prices the debt at ``treasury_rate + guarantee_spread``,
        replacing ``cost_of_debt`` (the seed's Fannie/Freddie analogy).
    treasury_rate, guarantee_spread : float
        The guaranteed debt's rate components (4.5% and 0.4%).
    claimed_equity_return : float or None
        An equity return someone claims for these inputs; shown beside the implied one.
    """

    capex: float = 3e12
    ebitda_yield: float | None = 0.12
    ebitda_margin: float = 0.65
    gdp: float = 29e12
    cloud_revenue: float = 400e9
    debt_share: float = 0.3
    cost_of_debt: float = 0.075
    cost_of_equity: float = 0.20
    tax_rate: float = 0.0
    asset_mix: Sequence[AssetClass] = SINGLE_LIFE_MIX
    build_years: int = 1
    capex_weights: Sequence[float] | None = None
    guarantee: bool = False
    treasury_rate: float = 0.045
    guarantee_spread: float = 0.004
    claimed_equity_return: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_mix", tuple(self.asset_mix))
        if self.capex_weights is not None:
            object.__setattr__(self, "capex_weights", tuple(float(w) for w in self.capex_weights))
        for name in (
            "capex",
            "ebitda_margin",
            "gdp",
            "cloud_revenue",
            "debt_share",
            "cost_of_debt",
            "cost_of_equity",
            "tax_rate",
            "treasury_rate",
            "guarantee_spread",
        ):
            _check_param(name, getattr(self, name))
        if self.ebitda_yield is not None:
            _check_param("ebitda_yield", self.ebitda_yield)
        if self.claimed_equity_return is not None and not math.isfinite(self.claimed_equity_return):
            raise InputError("claimed_equity_return must be a finite rate", field="claimed")
        self._check_mix()
        self._check_timing()

    def _check_mix(self) -> None:
        mix = self.asset_mix
        if not mix:
            raise InputError("asset_mix needs at least one asset class", field="asset_mix")
        names = [a.name for a in mix]
        if len(set(names)) != len(names):
            raise InputError(f"asset_mix names must be unique, got {names}", field="asset_mix")
        for a in mix:
            if not (math.isfinite(a.share) and 0 < a.share <= 1):
                raise InputError(
                    f"asset_mix: share of {a.name!r} must be in (0, 1], got {a.share:g}",
                    field="asset_mix",
                )
            if not (math.isfinite(a.life) and 0 < a.life <= 200):
                raise InputError(
                    f"asset_mix: life of {a.name!r} must be in (0, 200] years, got {a.life:g}",
                    field="asset_life",
                )
        total = sum(a.share for a in mix)
        if abs(total - 1.0) > 1e-6:
            raise InputError(f"asset_mix shares must sum to 1, got {total:g}", field="asset_mix")

    def _check_timing(self) -> None:
        if not isinstance(self.build_years, int) or not 1 <= self.build_years <= 20:
            raise InputError(
                f"build_years must be a whole number of years in [1, 20], got {self.build_years}",
                field="build_years",
            )
        w = self.capex_weights
        if w is None:
            return
        if len(w) != self.build_years:
            raise InputError(
                f"capex_weights needs one weight per build year ({self.build_years}), got {len(w)}",
                field="capex_weights",
            )
        if any(not math.isfinite(x) or x < 0 for x in w) or abs(sum(w) - 1.0) > 1e-6:
            raise InputError(
                f"capex_weights must be non-negative and sum to 1, got {list(w)}",
                field="capex_weights",
            )

    @property
    def effective_cost_of_debt(self) -> float:
        """The cost of debt used: guaranteed rate if ``guarantee`` else ``cost_of_debt``."""
        if self.guarantee:
            return self.treasury_rate + self.guarantee_spread
        return self.cost_of_debt

    @property
    def mean_life(self) -> float:
        """Share-weighted mean asset life, years."""
        return sum(a.share * a.life for a in self.asset_mix)

    @property
    def weights(self) -> FloatArray:
        """Capex weights per build year (uniform when not given)."""
        if self.capex_weights is None:
            return np.full(self.build_years, 1.0 / self.build_years)
        return np.asarray(self.capex_weights, dtype=float)

    def parameters(self) -> dict[str, float]:
        """Base values of the inputs that tornado, solve and sweep can vary."""
        out: dict[str, float] = {"capex": self.capex}
        if self.ebitda_yield is not None:
            out["ebitda_yield"] = self.ebitda_yield
        out["ebitda_margin"] = self.ebitda_margin
        out["debt_share"] = self.debt_share
        if self.guarantee:
            out["treasury_rate"] = self.treasury_rate
            out["guarantee_spread"] = self.guarantee_spread
        else:
            out["cost_of_debt"] = self.cost_of_debt
        out["cost_of_equity"] = self.cost_of_equity
        out["tax_rate"] = self.tax_rate
        out["asset_life"] = self.mean_life
        out["gdp"] = self.gdp
        out["cloud_revenue"] = self.cloud_revenue
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view (asset mix as a list of dicts)."""
        d = asdict(self)
        d["asset_mix"] = [asdict(a) for a in self.asset_mix]
        d["capex_weights"] = None if self.capex_weights is None else list(self.capex_weights)
        d["effective_cost_of_debt"] = self.effective_cost_of_debt
        return d


CALCULATOR_OUTPUTS: tuple[str, ...] = (
    "ebitda_yield",
    "ebitda_required",
    "revenue_required",
    "share_of_gdp",
    "cloud_multiple",
    "equity_return",
    "equity_irr",
    "project_irr",
    "wacc",
    "cost_of_debt",
    "capital_recovery_yield",
    "equity_hurdle_yield",
    "ebitda_required_recovery",
    "revenue_required_recovery",
    "blended_crf",
    "construction_carry",
    "equivalent_life",
    "mean_life",
)
"""Outputs of the calculator, usable as ``output`` in tornado, solve and sweep."""


def _core(
    p: Mapping[str, FloatArray],
    shares: FloatArray,
    lives: FloatArray,
    weights: FloatArray,
    recovery: bool,
    want: Collection[str] | None = None,
) -> dict[str, FloatArray]:
    """The calculator over ``S`` scenarios at once: every ``p[...]`` has shape ``(S,)``.

    The root-found outputs (``project_irr``, ``equity_irr``) and ``equity_hurdle_yield``
    are computed only if ``want`` is ``None`` or names them.
    """
    capex = p["capex"]
    d, rd, re, tau = p["debt_share"], p["cost_of_debt"], p["cost_of_equity"], p["tax_rate"]
    n = lives[None, :] * p["life_scale"][:, None]  # (S, K)
    inv_life = (shares[None, :] / n).sum(axis=1)
    wacc = d * rd * (1.0 - tau) + (1.0 - d) * re

    def y_project(r: FloatArray) -> FloatArray:
        blended = capital_recovery_factor(r[:, None], n) @ shares
        out: FloatArray = (construction_carry(r, weights) * blended - tau * inv_life) / (1.0 - tau)
        return out

    carry_d = construction_carry(rd, weights)
    crf_d = capital_recovery_factor(rd[:, None], n)
    service = (d * carry_d)[:, None] * crf_d  # level debt service per unit of class capex

    def y_equity(r: FloatArray) -> FloatArray:
        crf_r = capital_recovery_factor(r[:, None], n)
        pv_interest = service * interest_pv_factor(r[:, None], rd[:, None], n)
        term = (
            ((1.0 - d) * construction_carry(r, weights))[:, None] * crf_r
            + service
            - tau[:, None] / n
            - tau[:, None] * pv_interest * crf_r
        )
        out: FloatArray = (term @ shares) / (1.0 - tau)
        return out

    y_rec = y_project(wacc)
    y = y_rec if recovery else p["ebitda_yield"]
    ebitda = capex * y
    revenue = ebitda / p["ebitda_margin"]
    with np.errstate(divide="ignore", invalid="ignore"):
        equity_return = np.where(d < 1.0, (y - d * rd) / (1.0 - d), np.nan)
        blended_w = capital_recovery_factor(wacc[:, None], n) @ shares
        small = np.abs(wacc) < 1e-9
        safe_w = np.where(small, 1.0, wacc)
        equivalent = np.where(
            small,
            1.0 / blended_w,
            -np.log1p(-safe_w / blended_w) / np.log1p(safe_w),
        )
    nan = np.full(capex.shape, np.nan)

    def wanted(name: str) -> bool:
        return want is None or name in want

    return {
        "ebitda_yield": np.broadcast_to(y, capex.shape).astype(float),
        "ebitda_required": ebitda,
        "revenue_required": revenue,
        "share_of_gdp": revenue / p["gdp"],
        "cloud_multiple": revenue / p["cloud_revenue"],
        "equity_return": equity_return,
        "equity_irr": solve_increasing(y_equity, y) if wanted("equity_irr") else nan,
        "project_irr": solve_increasing(y_project, y) if wanted("project_irr") else nan,
        "wacc": wacc,
        "cost_of_debt": rd,
        "capital_recovery_yield": y_rec,
        "equity_hurdle_yield": y_equity(re) if wanted("equity_hurdle_yield") else nan,
        "ebitda_required_recovery": capex * y_rec,
        "revenue_required_recovery": capex * y_rec / p["ebitda_margin"],
        "blended_crf": blended_w,
        "construction_carry": construction_carry(wacc, weights),
        "equivalent_life": equivalent,
        "mean_life": n @ shares,
    }


class CalculatorModel:
    """The calculator seen as a vectorised function of its varying inputs.

    Used by tornado, solve and sweep; ``evaluate`` takes arrays of any subset of
    :meth:`HurdleInputs.parameters` (the rest stay at their base values).
    """

    kind = "calculator"

    def __init__(self, inputs: HurdleInputs) -> None:
        self.inputs = inputs
        self.name = "calculator"
        self._shares = np.array([a.share for a in inputs.asset_mix], dtype=float)
        self._lives = np.array([a.life for a in inputs.asset_mix], dtype=float)

    def parameters(self) -> dict[str, float]:
        """Base values of the varying inputs."""
        return self.inputs.parameters()

    def outputs(self) -> tuple[str, ...]:
        """Names of the outputs."""
        return CALCULATOR_OUTPUTS

    def bounds(self, name: str) -> tuple[float, float, bool, bool]:
        """Valid range of an input: (low, high, low open, high open)."""
        return _BOUNDS[name]

    def evaluate(
        self, values: Mapping[str, ArrayLike], outputs: Collection[str] | None = None
    ) -> dict[str, FloatArray]:
        """Outputs for the scenarios given by ``values`` (broadcast to one length).

        ``outputs`` limits the costly root-found outputs to those named (all if ``None``).
        """
        base = self.parameters()
        unknown = sorted(set(values) - set(base))
        if unknown:
            raise InputError(
                f"unknown calculator input {unknown[0]!r}; known: {', '.join(base)}",
                field="input",
            )
        arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
        for k, arr in arrays.items():
            _check_param(k, arr)
        size = max((a.size for a in arrays.values()), default=1)
        try:
            full = {
                k: np.broadcast_to(arrays.get(k, np.asarray([v])), (size,)) for k, v in base.items()
            }
        except ValueError:
            raise InputError("varied inputs must all have the same length", field="input") from None
        inp = self.inputs
        p: dict[str, FloatArray] = {
            "capex": full["capex"],
            "ebitda_yield": full.get("ebitda_yield", np.full(size, np.nan)),
            "ebitda_margin": full["ebitda_margin"],
            "gdp": full["gdp"],
            "cloud_revenue": full["cloud_revenue"],
            "debt_share": full["debt_share"],
            "cost_of_debt": (
                full["treasury_rate"] + full["guarantee_spread"]
                if inp.guarantee
                else full["cost_of_debt"]
            ),
            "cost_of_equity": full["cost_of_equity"],
            "tax_rate": full["tax_rate"],
            "life_scale": full["asset_life"] / inp.mean_life,
        }
        return _core(p, self._shares, self._lives, inp.weights, inp.ebitda_yield is None, outputs)


@dataclass(frozen=True)
class HurdleResult:
    """What the build-out must earn, how it is derived, and what the inputs imply.

    Attributes
    ----------
    inputs : HurdleInputs
        The inputs that produced the result.
    ebitda_yield : float
        EBITDA yield on capex used (stated, or the capital-recovery yield).
    ebitda_required, revenue_required : float
        Annual EBITDA and revenue the capex must earn, USD.
    share_of_gdp : float
        ``revenue_required / gdp``.
    cloud_multiple : float
        ``revenue_required / cloud_revenue``: how many of today's cloud industries.
    equity_return : float
        Levered equity cash yield before depreciation and tax, ``(y - d r_d) / (1 - d)``.
    equity_irr : float
        Levered equity IRR over the asset lives (``nan`` if equity never gets paid back).
    project_irr : float
        Unlevered after-tax IRR over the asset lives.
    wacc : float
        After-tax weighted average cost of capital.
    cost_of_debt : float
        Cost of debt used (guaranteed or not).
    capital_recovery_yield : float
        EBITDA yield that recovers the capital at WACC over the asset lives.
    equity_hurdle_yield : float
        EBITDA yield at which equity earns exactly ``cost_of_equity`` given the debt terms.
    steps : pandas.DataFrame
        The derivation, one row per step (name, label, formula, value, unit, note).
    checks : pandas.DataFrame
        Claims and requirements beside the implied figures, with a ``consistent`` flag.
    notes : tuple of str
        Caveats about this result.
    """

    inputs: HurdleInputs
    ebitda_yield: float
    ebitda_required: float
    revenue_required: float
    share_of_gdp: float
    cloud_multiple: float
    equity_return: float
    equity_irr: float
    project_irr: float
    wacc: float
    cost_of_debt: float
    capital_recovery_yield: float
    equity_hurdle_yield: float
    steps: pd.DataFrame = field(repr=False)
    checks: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def outputs(self) -> dict[str, float]:
        """Every named output (the steps' values by name)."""
        return {
            str(k): float(v) for k, v in zip(self.steps["name"], self.steps["value"], strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view; keys are those of ``ouroboros hurdle --format json``."""
        return {
            "kind": "calculator",
            "recipe": None,
            "title": "Revenue hurdle (general calculator)",
            "inputs": self.inputs.to_dict(),
            "ebitda_yield": self.ebitda_yield,
            "ebitda_required": self.ebitda_required,
            "revenue_required": self.revenue_required,
            "share_of_gdp": self.share_of_gdp,
            "cloud_multiple": self.cloud_multiple,
            "equity_return": self.equity_return,
            "equity_irr": self.equity_irr,
            "project_irr": self.project_irr,
            "wacc": self.wacc,
            "cost_of_debt": self.cost_of_debt,
            "capital_recovery_yield": self.capital_recovery_yield,
            "equity_hurdle_yield": self.equity_hurdle_yield,
            "outputs": self.outputs,
            "steps": self.steps.to_dict(orient="records"),
            "checks": self.checks.to_dict(orient="records"),
            "notes": list(self.notes),
            "source": None,
        }


def _slug(text: str) -> str:
    s = "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_")
    while "__" in s:
        s = s.replace("__", "_")
    return s or "asset"


def _build_steps(inp: HurdleInputs, o: Mapping[str, float]) -> list[Step]:
    d, tau = inp.debt_share, inp.tax_rate
    steps = [Step("capex", "Capital expenditure", "input", inp.capex, "USD")]
    if inp.guarantee:
        steps += [
            Step("treasury_rate", "Treasury rate", "input", inp.treasury_rate, "ratio"),
            Step(
                "guarantee_spread", "Spread over Treasuries", "input", inp.guarantee_spread, "ratio"
            ),
            Step(
                "cost_of_debt",
                "Cost of debt under a government guarantee",
                "treasury_rate + guarantee_spread",
                o["cost_of_debt"],
                "ratio",
            ),
        ]
    else:
        steps.append(Step("cost_of_debt", "Cost of debt", "input", inp.cost_of_debt, "ratio"))
    steps += [
        Step("debt_share", "Debt share of funding", "input", d, "ratio"),
        Step("cost_of_equity", "Target equity return", "input", inp.cost_of_equity, "ratio"),
        Step("tax_rate", "Tax rate", "input", tau, "ratio"),
        Step(
            "wacc",
            "Weighted average cost of capital (after tax)",
            "debt_share * cost_of_debt * (1 - tax_rate) + (1 - debt_share) * cost_of_equity",
            o["wacc"],
            "ratio",
        ),
    ]
    for a in inp.asset_mix:
        life = a.life * o["mean_life"] / inp.mean_life
        crf = float(capital_recovery_factor(o["wacc"], life))
        steps.append(
            Step(
                f"crf_{_slug(a.name)}",
                f"Capital recovery factor: {a.name} ({life:g} years, {a.share:.0%} of capex)",
                f"wacc / (1 - (1 + wacc) ** -{life:g})",
                crf,
                "ratio",
            )
        )
    if len(inp.asset_mix) > 1:
        steps += [
            Step(
                "mean_life",
                "Share-weighted mean asset life",
                "sum(share_k * life_k)",
                o["mean_life"],
                "years",
            ),
            Step(
                "blended_crf",
                "Blended capital recovery factor",
                "sum(share_k * crf_k)",
                o["blended_crf"],
                "ratio",
            ),
            Step(
                "equivalent_life",
                "Single life with the same capital recovery factor at WACC",
                "n such that crf(wacc, n) = blended_crf",
                o["equivalent_life"],
                "years",
            ),
        ]
    if inp.build_years > 1:
        w = ", ".join(f"{x:.3g}" for x in inp.weights)
        steps.append(
            Step(
                "construction_carry",
                f"Construction carry at WACC (paid over {inp.build_years} years: {w})",
                "sum_i w_i * (1 + wacc) ** (build_years - 1 - i)",
                o["construction_carry"],
                "x",
            )
        )
    carry = "construction_carry * " if inp.build_years > 1 else ""
    crf_name = "blended_crf" if len(inp.asset_mix) > 1 else f"crf_{_slug(inp.asset_mix[0].name)}"
    rec_formula = (
        f"({carry}{crf_name} - tax_rate * sum(share_k / life_k)) / (1 - tax_rate)"
        if tau > 0
        else f"{carry}{crf_name}"
    )
    steps += [
        Step(
            "capital_recovery_yield",
            "EBITDA yield that recovers the capital at WACC over the asset lives",
            rec_formula,
            o["capital_recovery_yield"],
            "ratio",
        ),
        Step(
            "equity_hurdle_yield",
            "EBITDA yield at which equity earns exactly its target "
            "(level-payment debt over each life)",
            "sum_k share_k * [(1 - d) * carry(r_e) * crf(r_e, n_k) + d * carry(r_d) * crf(r_d, n_k)"
            " - tax_rate * (1/n_k + PV_interest_k * crf(r_e, n_k))] / (1 - tax_rate)",
            o["equity_hurdle_yield"],
            "ratio",
        ),
    ]
    if inp.ebitda_yield is None:
        steps.append(
            Step(
                "ebitda_yield",
                "EBITDA yield used (capital recovery at WACC)",
                "capital_recovery_yield",
                o["ebitda_yield"],
                "ratio",
            )
        )
    else:
        steps.append(
            Step(
                "ebitda_yield",
                "EBITDA yield on capex (stated)",
                "input",
                o["ebitda_yield"],
                "ratio",
            )
        )
    steps += [
        Step(
            "ebitda_required",
            "EBITDA required per year",
            "capex * ebitda_yield",
            o["ebitda_required"],
            "USD",
        ),
        Step("ebitda_margin", "EBITDA margin", "input", inp.ebitda_margin, "ratio"),
        Step(
            "revenue_required",
            "Revenue required per year",
            "ebitda_required / ebitda_margin",
            o["revenue_required"],
            "USD",
        ),
        Step("gdp", "GDP", "input", inp.gdp, "USD"),
        Step(
            "share_of_gdp",
            "Revenue required as a share of GDP",
            "revenue_required / gdp",
            o["share_of_gdp"],
            "ratio",
        ),
        Step("cloud_revenue", "Global cloud revenue", "input", inp.cloud_revenue, "USD"),
        Step(
            "cloud_multiple",
            "Revenue required in cloud industries",
            "revenue_required / cloud_revenue",
            o["cloud_multiple"],
            "x",
        ),
    ]
    if inp.ebitda_yield is not None:
        steps += [
            Step(
                "ebitda_required_recovery",
                "EBITDA that would recover the capital at WACC",
                "capex * capital_recovery_yield",
                o["ebitda_required_recovery"],
                "USD",
            ),
            Step(
                "revenue_required_recovery",
                "Revenue that would recover the capital at WACC",
                "ebitda_required_recovery / ebitda_margin",
                o["revenue_required_recovery"],
                "USD",
            ),
        ]
    steps += [
        Step(
            "equity_return",
            "Levered equity cash yield (before depreciation and tax)",
            "(ebitda_yield - debt_share * cost_of_debt) / (1 - debt_share)",
            o["equity_return"],
            "ratio",
        ),
        Step(
            "project_irr",
            "Project IRR over the asset lives (after tax)",
            "r such that the capital-recovery yield at r equals ebitda_yield",
            o["project_irr"],
            "ratio",
        ),
        Step(
            "equity_irr",
            "Levered equity IRR over the asset lives",
            "r such that the equity hurdle yield at r equals ebitda_yield",
            o["equity_irr"],
            "ratio",
        ),
    ]
    return steps


def _build_checks(inp: HurdleInputs, o: Mapping[str, float]) -> list[Check]:
    checks: list[Check] = []
    if inp.ebitda_yield is not None:
        checks.append(
            Check(
                "Stated EBITDA yield recovers the capital at WACC",
                claimed=o["capital_recovery_yield"],
                implied=o["ebitda_yield"],
                relation=">=",
                unit="ratio",
                claim="the stated yield is enough to pay back the capex and its cost of capital",
                note="claimed = capital-recovery yield required; implied = stated yield",
            )
        )
    checks += [
        Check(
            "Equity cash yield reaches the target equity return",
            claimed=inp.cost_of_equity,
            implied=o["equity_return"],
            relation=">=",
            unit="ratio",
            claim="equity earns its target",
            note="cash yield ignores depreciation: it overstates the return on wasting assets",
        ),
        Check(
            "Equity IRR over the asset lives reaches the target equity return",
            claimed=inp.cost_of_equity,
            implied=o["equity_irr"],
            relation=">=",
            unit="ratio",
            claim="equity earns its target",
        ),
    ]
    if inp.claimed_equity_return is not None:
        checks.append(
            Check(
                "Claimed equity return",
                claimed=inp.claimed_equity_return,
                implied=o["equity_return"],
                relation=">=",
                unit="ratio",
                claim=f"equity earns {inp.claimed_equity_return:.1%} or more",
                note=f"equity IRR over the asset lives: {o['equity_irr']:.1%}",
            )
        )
    return checks


def _build_notes(inp: HurdleInputs, o: Mapping[str, float]) -> list[str]:
    notes: list[str] = []
    if math.isnan(o["project_irr"]) or o["project_irr"] < 0:
        notes.append(
            "At this EBITDA yield the assets do not return their cost over their lives "
            "(project IRR below zero)."
        )
    if math.isnan(o["equity_irr"]):
        notes.append(
            "No equity IRR in [-99%, 1000%]: the equity is not repaid (EBITDA below debt "
            "service) or there is no equity."
        )
    if inp.guarantee:
        notes.append(
            f"Government guarantee: debt priced at the Treasury rate {inp.treasury_rate:.2%} "
            f"plus {inp.guarantee_spread:.2%}; a lower hurdle, but a larger loss if it fails."
        )
    if inp.tax_rate > 0:
        notes.append(
            "Tax: straight-line depreciation of nominal capex over each life, interest "
            "deductible, losses usable elsewhere in the group."
        )
    return notes


def hurdle(inputs: HurdleInputs | None = None) -> HurdleResult:
    """Compute the revenue hurdle of an AI build-out, step by step.

    Method: capital recovery (annuity) over each asset class's life at the WACC, level
    payment debt, straight-line tax depreciation; see the module docstring and
    ``docs/hurdle.md``. The seed article's arithmetic (EBITDA = capex x ROI, revenue =
    EBITDA / margin, share of GDP) is the default.

    Parameters
    ----------
    inputs : HurdleInputs, optional
        The assumptions; ``HurdleInputs()`` (the seed article's figures) if omitted.

    Returns
    -------
    HurdleResult

    Examples
    --------
    >>> r = hurdle()
    >>> round(r.ebitda_required / 1e9), round(r.revenue_required / 1e9, 1)
    (360, 553.8)
    >>> round(r.share_of_gdp, 4), round(r.equity_return, 4)
    (0.0191, 0.1393)
    >>> from ouroboros.hurdle import AssetClass
    >>> r = hurdle(HurdleInputs(ebitda_yield=None, debt_share=0.0, cost_of_equity=0.08,
    ...                         asset_mix=(AssetClass("gpus", 1.0, 6),)))
    >>> round(r.capital_recovery_yield, 6), round(r.project_irr, 6)
    (0.216315, 0.08)
    """
    inp = HurdleInputs() if inputs is None else inputs
    model = CalculatorModel(inp)
    raw = model.evaluate({})
    o = {k: float(v[0]) for k, v in raw.items()}
    steps = _build_steps(inp, o)
    checks = _build_checks(inp, o)
    return HurdleResult(
        inputs=inp,
        ebitda_yield=o["ebitda_yield"],
        ebitda_required=o["ebitda_required"],
        revenue_required=o["revenue_required"],
        share_of_gdp=o["share_of_gdp"],
        cloud_multiple=o["cloud_multiple"],
        equity_return=o["equity_return"],
        equity_irr=o["equity_irr"],
        project_irr=o["project_irr"],
        wacc=o["wacc"],
        cost_of_debt=o["cost_of_debt"],
        capital_recovery_yield=o["capital_recovery_yield"],
        equity_hurdle_yield=o["equity_hurdle_yield"],
        steps=steps_frame(steps),
        checks=checks_frame(checks),
        notes=tuple(_build_notes(inp, o)),
    )


def hurdle_sweep(inputs: HurdleInputs | None = None, **values: ArrayLike) -> pd.DataFrame:
    """Evaluate the calculator over many scenarios at once (vectorised).

    Parameters
    ----------
    inputs : HurdleInputs, optional
        Base assumptions (seed defaults if omitted).
    **values : array_like
        Arrays of equal length for any of :meth:`HurdleInputs.parameters`, e.g.
        ``asset_life=[3, 6, 10]``; ``asset_life`` scales every class's life so that the
        share-weighted mean equals the value.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: the varied inputs, then every output of
        :data:`CALCULATOR_OUTPUTS`.

    Examples
    --------
    >>> df = hurdle_sweep(ebitda_margin=[0.5, 0.65, 1.0])
    >>> [round(x / 1e9) for x in df["revenue_required"]]
    [720, 554, 360]
    """
    inp = HurdleInputs() if inputs is None else inputs
    out = CalculatorModel(inp).evaluate(values)
    size = len(out["revenue_required"])
    cols: dict[str, FloatArray] = {
        k: np.broadcast_to(np.asarray(v, dtype=float), (size,)) for k, v in values.items()
    }
    cols.update(out)
    return pd.DataFrame(cols)
