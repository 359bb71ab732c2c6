"""Which layer are you in? Payoffs of each investor layer under productivity scenarios.

A small, transparent model (seed 001: tech-giant equity bets that productivity beats
funding cost; private lenders earn steady interest but carry "time may not be enough";
neocloud equity is the first shield). Every amount is per 1 of capex of a *venture* (a
neocloud, an SPV, a tech giant's own AI capacity). For scenario s and year t = 1…T:

* productivity ramp ``a_t = productivity × min(1, t / years_to_scale)``;
* income ``y_t = c·k·1[t ≤ E] + (1 − c·1[t ≤ E])·m·a_t``, where ``k`` is the contracted
  yield (take-or-pay or lease), ``c`` the contracted share, ``m`` the market EBITDA yield
  at scale and ``E`` the contract end: ``contract_years``, or ``walk_year`` when the
  scenario has a strategic default and the venture's tenant may walk;
* value of the asset at t: ``V_t = max(residual_value, m·a_{t+1} / (1/exit_multiple + Δ))``
  with Δ the scenario's rate shift, plus the walking tenant's guarantee ``G`` from the
  walk year on (a residual value guarantee);
* debt: principal ``d`` at rate ``i = debt_rate + Δ·floating``, annuity or bullet over the
  tenor T; scheduled service ``s_t``; outstanding ``B_{t−1}``;
* the venture defaults in the first year where the cash available (``y_t``, plus ``V_T``
  in the last year) falls short of ``s_t`` (in the last year, of the whole balance). In
  that year debt receives ``min(B_{t−1}(1+i), y_t + V_t)`` and equity the rest, if any;
  equity never injects cash (limited liability, strict priority);
* otherwise debt receives ``s_t`` and equity ``y_t − s_t`` each year, plus ``V_T`` at T.

Per 1 invested, a debt layer's cash flows are the debt's divided by ``d``, an equity
layer's the equity's divided by ``1 − d``. A ``levered_fund`` (LP stakes in a private
credit fund) buys ``1 + L`` of an underlying layer with bank debt ``L`` at rate ``b`` and a
fee ``f`` a year on assets; each year its cash pays the fee, the bank's interest, then
repays the bank (a cash sweep), and the LPs get what is left once the bank is repaid.
A ``portfolio`` (pension/ETF holders) is a weighted sum of layers' cash flows. Each layer
reports the multiple (cash back per 1), the IRR, the loss ``max(0, 1 − multiple)`` and the
default year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ouroboros.errors import InputError
from ouroboros.markets._validate import FloatArray, check_number, dependency_order

__all__ = [
    "LAYER_KINDS",
    "Layer",
    "LayerResult",
    "PayoffScenario",
    "Venture",
    "layer_payoff_grid",
    "layer_payoffs",
    "venture_cash_flows",
]

LayerKind = Literal["equity", "debt", "levered_fund", "portfolio"]
LAYER_KINDS: tuple[str, ...] = ("equity", "debt", "levered_fund", "portfolio")


@dataclass(frozen=True)
class Venture:
    """An AI asset and its capital structure, per 1 of capex.

    Parameters
    ----------
    name : str
    tenor : int
        Years of the debt and of the evaluation (``>= 1``).
    debt_share : float
        Debt over capex, in [0, 1).
    debt_rate : float
        Interest rate on the debt (decimal).
    floating : bool
        Whether the scenario's rate shift reaches the debt rate.
    amortizing : bool
        Annuity repayment over the tenor (else a bullet at the tenor, refinanced or repaid
        from the asset's value).
    contract_yield : float
        Contracted income per 1 of capex a year (lease, take-or-pay).
    contracted_share : float
        Share of the capacity under contract, in [0, 1].
    contract_years : int
        Years the contracts run.
    walk_year : int or None
        Year after which the tenant may walk away in a strategic-default scenario.
    guarantee : float
        Residual value guarantee of a walking tenant: added to the asset's value from
        the walk year on, ``>= 0``.
    market_yield : float
        EBITDA per 1 of capex a year at scale for uncontracted capacity.
    exit_multiple : float
        Value of the asset per 1 of market income at the horizon (``> 0``).
    residual_value : float
        Floor on the asset's value per 1 of capex (scrap, land, power connection).
    label : str
    """

    name: str
    tenor: int
    debt_share: float = 0.0
    debt_rate: float = 0.0
    floating: bool = False
    amortizing: bool = True
    contract_yield: float = 0.0
    contracted_share: float = 0.0
    contract_years: int = 0
    walk_year: int | None = None
    guarantee: float = 0.0
    market_yield: float = 0.0
    exit_multiple: float = 1.0
    residual_value: float = 0.0
    label: str = ""

    def __post_init__(self) -> None:
        where = f"venture {self.name!r}"
        _check_int("tenor", self.tenor, 1, 200, where)
        check_number("debt_share", self.debt_share, ge=0, lt=1, where=where)
        check_number("debt_rate", self.debt_rate, gt=-1, where=where)
        check_number("contract_yield", self.contract_yield, ge=0, where=where)
        check_number("contracted_share", self.contracted_share, ge=0, le=1, where=where)
        _check_int("contract_years", self.contract_years, 0, 200, where)
        if self.walk_year is not None:
            _check_int("walk_year", self.walk_year, 0, 200, where)
        check_number("guarantee", self.guarantee, ge=0, where=where)
        check_number("market_yield", self.market_yield, ge=0, where=where)
        check_number("exit_multiple", self.exit_multiple, gt=0, where=where)
        check_number("residual_value", self.residual_value, ge=0, where=where)
        for name in ("floating", "amortizing"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"{where}: {name} must be true or false", field=name)


@dataclass(frozen=True)
class PayoffScenario:
    """How fast productivity arrives, and what funding costs.

    Parameters
    ----------
    name : str
    years_to_scale : float
        Years until AI income reaches its scale (``>= 0``; 0 = at once).
    productivity : float
        Share of the at-scale yield eventually earned (1 = proven, 0 = refuted), ``>= 0``.
    rate_shift : float
        Added to floating debt rates and to the exit yield (the funding squeeze).
    strategic_default : bool
        Tenants that may walk (``walk_year``) do.
    label : str
    """

    name: str
    years_to_scale: float
    productivity: float = 1.0
    rate_shift: float = 0.0
    strategic_default: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        where = f"scenario {self.name!r}"
        check_number("years_to_scale", self.years_to_scale, ge=0, where=where)
        check_number("productivity", self.productivity, ge=0, where=where)
        check_number("rate_shift", self.rate_shift, gt=-1, where=where)
        if not isinstance(self.strategic_default, bool):
            raise InputError(
                f"{where}: strategic_default must be true or false", field="strategic_default"
            )


@dataclass(frozen=True)
class Layer:
    """A position an investor can hold.

    ``equity``/``debt`` of a ``venture``; a ``levered_fund`` over an ``underlying`` layer
    (``leverage``, ``borrow_rate``, ``fee``); or a ``portfolio`` of layers (``weights``
    summing to 1).
    """

    name: str
    kind: LayerKind
    venture: str | None = None
    underlying: str | None = None
    leverage: float = 0.0
    borrow_rate: float = 0.0
    fee: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        where = f"layer {self.name!r}"
        if self.kind not in LAYER_KINDS:
            raise InputError(
                f"{where}: kind must be one of {', '.join(LAYER_KINDS)}; got {self.kind!r}",
                field="kind",
            )
        if self.kind in ("equity", "debt") and not self.venture:
            raise InputError(f"{where}: an {self.kind} layer needs a venture", field="venture")
        if self.kind == "levered_fund":
            if not self.underlying:
                raise InputError(
                    f"{where}: a levered_fund needs an underlying layer", field="underlying"
                )
            check_number("leverage", self.leverage, ge=0, where=where)
            check_number("borrow_rate", self.borrow_rate, gt=-1, where=where)
            check_number("fee", self.fee, ge=0, where=where)
        if self.kind == "portfolio":
            if not self.weights:
                raise InputError(f"{where}: a portfolio needs weights", field="weights")
            for k, w in self.weights.items():
                check_number(f"weights.{k}", w, ge=0, where=where)
            total = sum(float(w) for w in self.weights.values())
            if abs(total - 1.0) > 1e-9:
                raise InputError(f"{where}: weights must sum to 1, got {total:g}", field="weights")


def _check_int(name: str, value: object, lo: int, hi: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(f"{where}: {name} must be a whole number, got {value!r}", field=name)
    if not lo <= int(value) <= hi:
        raise InputError(f"{where}: {name} must be in [{lo}, {hi}], got {value}", field=name)
    return int(value)


@dataclass(frozen=True)
class VentureFlows:
    """Cash flows of one venture over scenarios: arrays of shape (S, T)."""

    income: FloatArray
    debt: FloatArray
    equity: FloatArray
    default_year: FloatArray  # (S,), NaN when no default


def venture_cash_flows(v: Venture, scenarios: Sequence[PayoffScenario]) -> VentureFlows:
    """Yearly cash to the venture's debt and equity (per 1 of capex), for each scenario.

    Vectorised over scenarios and years (see the module docstring for the formulas).

    Examples
    --------
    An unlevered asset earning 10% a year at scale, reached in 2 years, worth 5x its
    income at the end of year 3:

    >>> v = Venture("x", tenor=3, market_yield=0.1, exit_multiple=5)
    >>> f = venture_cash_flows(v, [PayoffScenario("s", years_to_scale=2)])
    >>> f.equity.round(3).tolist()
    [[0.05, 0.1, 0.6]]
    """
    scen = list(scenarios)
    S, T = len(scen), v.tenor
    t = np.arange(1, T + 2, dtype=float)  # one extra year for the value at T
    ts = np.array([s.years_to_scale for s in scen], dtype=float)[:, None]
    phi = np.array([s.productivity for s in scen], dtype=float)[:, None]
    shift = np.array([s.rate_shift for s in scen], dtype=float)[:, None]
    walk = np.array([s.strategic_default for s in scen], dtype=bool)[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ramp = np.where(ts > 0, np.minimum(1.0, t / np.where(ts > 0, ts, 1.0)), 1.0)
    a = phi * ramp  # (S, T+1)
    contract_end = np.where(
        walk & (v.walk_year is not None),
        v.walk_year if v.walk_year is not None else 0,
        v.contract_years,
    )
    in_contract = t[None, :] <= contract_end
    c = v.contracted_share
    income_full = c * v.contract_yield * in_contract + (1.0 - c * in_contract) * v.market_yield * a
    exit_yield = 1.0 / v.exit_multiple + shift
    if np.any(exit_yield <= 0):
        raise InputError(
            f"venture {v.name!r}: 1/exit_multiple + rate_shift must be > 0", field="rate_shift"
        )
    value = np.maximum(v.residual_value, v.market_yield * a[:, 1:] / exit_yield)  # V_t, t=1..T
    if v.walk_year is not None and v.guarantee > 0:
        # a walking tenant tops up the asset's value (a residual value guarantee): it goes
        # to the creditors first if the venture defaults, else to equity on the sale at T
        value = value + v.guarantee * (walk & (t[None, 1:] - 1.0 >= v.walk_year))
    income = income_full[:, :T]

    d = v.debt_share
    i = v.debt_rate + shift[:, 0] * (1.0 if v.floating else 0.0)  # (S,)
    if np.any(i <= -1):
        raise InputError(
            f"venture {v.name!r}: debt rate + rate_shift must be > -1", field="rate_shift"
        )
    tt = np.arange(1, T + 1, dtype=float)
    growth = (1.0 + i)[:, None] ** tt[None, :]  # (1+i)^t
    if v.amortizing and d > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            pay = np.where(np.abs(i) > 1e-12, d * i / (1.0 - (1.0 + i) ** (-T)), d / T)
            bal_end = np.where(
                np.abs(i[:, None]) > 1e-12,
                d * growth
                - pay[:, None] * (growth - 1.0) / np.where(np.abs(i) > 1e-12, i, 1.0)[:, None],
                d - pay[:, None] * tt[None, :],
            )
        bal_end = np.maximum(bal_end, 0.0)
        bal_end[:, -1] = 0.0
        service = np.broadcast_to(pay[:, None], (S, T)).copy()
    else:
        bal_end = np.full((S, T), d)
        bal_end[:, -1] = 0.0
        service = np.broadcast_to((d * i)[:, None], (S, T)).copy()
        service[:, -1] += d
    bal_start = np.concatenate([np.full((S, 1), d), bal_end[:, :-1]], axis=1)
    claim = bal_start * (1.0 + i)[:, None]  # everything owed if it defaults in year t

    available = income.copy()
    available[:, -1] += value[:, -1]
    short = (available < service - 1e-12) if d > 0 else np.zeros((S, T), dtype=bool)
    has_default = short.any(axis=1)
    first = np.where(has_default, short.argmax(axis=1), T)  # index of the default year
    col = np.arange(T)[None, :]
    before = col < first[:, None]
    at = col == first[:, None]
    liquidation = income + value  # cash if the asset is sold in year t
    debt = np.where(before, service, 0.0) + np.where(at, np.minimum(claim, liquidation), 0.0)
    equity = np.where(before, income - service, 0.0) + np.where(
        at, np.maximum(liquidation - claim, 0.0), 0.0
    )
    no_default = ~has_default
    equity[no_default, -1] += value[no_default, -1]
    default_year = np.where(has_default, first + 1.0, np.nan)
    return VentureFlows(income=income, debt=debt, equity=equity, default_year=default_year)


def _irr(cf: FloatArray) -> float:
    """IRR of paying 1 at t=0 for non-negative cash flows ``cf`` at t = 1, 2, …"""
    total = float(cf.sum())
    if total <= 0:
        return -1.0
    t = np.arange(1, cf.size + 1, dtype=float)

    def npv(r: float) -> float:
        return float((cf / (1.0 + r) ** t).sum()) - 1.0

    lo, hi = -0.999999, 1.0
    while npv(hi) > 0 and hi < 1e6:
        hi *= 2.0
    if npv(lo) < 0:
        return -1.0
    return float(brentq(npv, lo, hi, xtol=1e-14, rtol=1e-12, maxiter=500))


def _levered_fund(u: FloatArray, lay: Layer) -> FloatArray:
    """LP cash flows of a fund holding ``1 + L`` of layer cash flows ``u`` (S, T).

    Each year the fund receives ``(1+L)·u_t``, pays the fee ``f(1+L)``, then interest
    ``b·B`` on its bank debt, then sweeps the rest into repaying the bank; once the bank is
    repaid the LPs receive the rest. Unpaid interest or fees are added to the bank debt;
    what is still owed at the horizon is lost by the bank (LPs have limited liability).
    """
    S, T = u.shape
    L = float(lay.leverage)
    bank = np.full(S, L)
    out = np.zeros((S, T))
    for t in range(T):  # a short sequential waterfall, vectorised over scenarios
        cash = (1.0 + L) * u[:, t] - lay.fee * (1.0 + L)
        owed = bank * (1.0 + lay.borrow_rate)
        to_bank = np.clip(cash, 0.0, owed)
        bank = owed - to_bank
        out[:, t] = np.maximum(cash - to_bank, 0.0)
        # a negative cash year (fees above income) is borrowed from the bank
        bank = bank + np.maximum(-cash, 0.0)
    return out


@dataclass(frozen=True)
class LayerResult:
    """Outcome of :func:`layer_payoffs`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (scenario, layer): ``scenario, layer, label, kind, horizon, multiple,
        irr, loss, default_year``.
    cash_flows : pandas.DataFrame
        Tidy cash flows per 1 invested: ``scenario, layer, year, cash``.
    """

    table: pd.DataFrame
    cash_flows: pd.DataFrame
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def pivot(self, value: str = "multiple") -> pd.DataFrame:
        """Layers as rows, scenarios as columns."""
        out = self.table.pivot(index="layer", columns="scenario", values=value)
        layers = list(dict.fromkeys(self.table["layer"]))
        scen = list(dict.fromkeys(self.table["scenario"]))
        return out.loc[layers, scen]


def _resolve_order(layers: Mapping[str, Layer]) -> list[str]:
    """Layers ordered so that every layer comes after those it is built on."""

    def deps(name: str) -> Iterator[str]:
        lay = layers[name]
        if lay.kind == "levered_fund":
            underlying: list[str] = [str(lay.underlying)]
        else:
            underlying = list(lay.weights) if lay.kind == "portfolio" else []
        for dep in underlying:  # checked one at a time, as the walk reaches it
            if dep not in layers:
                raise InputError(f"layer {name!r} refers to unknown layer {dep!r}", field="layers")
            yield dep

    return dependency_order(
        layers, deps, cycle="layers refer to each other in a cycle", field="layers"
    )


def layer_payoffs(
    ventures: Iterable[Venture] | Mapping[str, Venture],
    layers: Iterable[Layer] | Mapping[str, Layer],
    scenarios: Iterable[PayoffScenario] | Mapping[str, PayoffScenario],
) -> LayerResult:
    """Payoff and loss of 1 invested in each layer, under each scenario.

    Parameters
    ----------
    ventures, layers, scenarios : iterables (or mappings by name)
        See :class:`Venture`, :class:`Layer`, :class:`PayoffScenario`.

    Returns
    -------
    LayerResult

    Examples
    --------
    A neocloud 70% funded by 9% debt amortising over 6 years (service
    0.7 × 0.09 / (1 − 1.09⁻⁶) ≈ 0.156 a year) whose contracts pay 0.2 a year for 4 years.
    If productivity takes 15 years to scale, year 5 brings 0.2 × 5/15 ≈ 0.067 < 0.156:
    it defaults, the lenders take the GPUs (worth 2 × 0.2 × 6/15 = 0.16) and lose a
    little; equity keeps only the 4 years of 0.2 − 0.156 (0.176 per 0.3 invested):

    >>> neo = Venture("neo", tenor=6, debt_share=0.7, debt_rate=0.09, contract_yield=0.2,
    ...               contracted_share=1.0, contract_years=4, market_yield=0.2,
    ...               exit_multiple=2.0, residual_value=0.05)
    >>> layers = [Layer("neo_equity", "equity", venture="neo"),
    ...           Layer("neo_loans", "debt", venture="neo")]
    >>> res = layer_payoffs([neo], layers, [PayoffScenario("fast", 2),
    ...                                     PayoffScenario("slow", 15)])
    >>> res.pivot("default_year")
    scenario    fast  slow
    layer
    neo_equity   NaN   5.0
    neo_loans    NaN   5.0
    >>> res.pivot("multiple").round(3)
    scenario     fast   slow
    layer
    neo_equity  2.212  0.586
    neo_loans   1.338  1.215
    """
    v_map = _named(ventures, "venture")
    l_map = _named(layers, "layer")
    s_list = list(_named(scenarios, "scenario").values())
    if not s_list:
        raise InputError("no scenarios", field="scenarios")
    for lay in l_map.values():
        if lay.kind in ("equity", "debt") and lay.venture not in v_map:
            raise InputError(
                f"layer {lay.name!r} refers to unknown venture {lay.venture!r}", field="venture"
            )
        if lay.kind in ("equity", "debt") and lay.kind == "debt":
            v = v_map[str(lay.venture)]
            if v.debt_share <= 0:
                raise InputError(
                    f"layer {lay.name!r}: venture {v.name!r} has no debt", field="venture"
                )
    order = _resolve_order(l_map)
    flows = {name: venture_cash_flows(v, s_list) for name, v in v_map.items()}
    cfs: dict[str, FloatArray] = {}
    dflt: dict[str, FloatArray] = {}
    S = len(s_list)
    for name in order:
        lay = l_map[name]
        if lay.kind in ("equity", "debt"):
            v = v_map[str(lay.venture)]
            f = flows[v.name]
            if lay.kind == "debt":
                cfs[name] = f.debt / v.debt_share
            else:
                cfs[name] = f.equity / (1.0 - v.debt_share)
            dflt[name] = f.default_year
        elif lay.kind == "levered_fund":
            cfs[name] = _levered_fund(cfs[str(lay.underlying)], lay)
            dflt[name] = np.full(S, np.nan)
        else:
            T = max(cfs[k].shape[1] for k in lay.weights)
            out = np.zeros((S, T))
            for k, w in lay.weights.items():
                out[:, : cfs[k].shape[1]] += float(w) * cfs[k]
            cfs[name] = out
            dflt[name] = np.full(S, np.nan)
    rows = []
    cf_rows = []
    for name in l_map:
        lay = l_map[name]
        cf = cfs[name]
        for s_i, sc in enumerate(s_list):
            mult = float(cf[s_i].sum())
            rows.append(
                {
                    "scenario": sc.name,
                    "layer": name,
                    "label": lay.label or name,
                    "kind": lay.kind,
                    "horizon": int(cf.shape[1]),
                    "multiple": mult,
                    "irr": _irr(cf[s_i]),
                    "loss": max(0.0, 1.0 - mult),
                    "default_year": float(dflt[name][s_i]),
                }
            )
            for t_i, c in enumerate(cf[s_i], start=1):
                cf_rows.append((sc.name, name, t_i, float(c)))
    table = pd.DataFrame(rows).astype(
        {"scenario": object, "layer": object, "label": object, "kind": object}
    )
    cash = pd.DataFrame(cf_rows, columns=["scenario", "layer", "year", "cash"]).astype(
        {"scenario": object, "layer": object}
    )
    return LayerResult(
        table=table,
        cash_flows=cash,
        parameters={
            "scenarios": [s.name for s in s_list],
            "layers": list(l_map),
            "ventures": list(v_map),
        },
    )


def layer_payoff_grid(
    ventures: Iterable[Venture] | Mapping[str, Venture],
    layers: Iterable[Layer] | Mapping[str, Layer],
    *,
    years_to_scale: Sequence[float],
    rate_shift: Sequence[float] = (0.0,),
    productivity: float = 1.0,
    strategic_default: bool = False,
) -> pd.DataFrame:
    """Payoffs over a grid of productivity arrival × funding cost (for heat maps).

    Returns
    -------
    pandas.DataFrame
        ``years_to_scale, rate_shift, layer, multiple, irr, loss, default_year``.

    Examples
    --------
    >>> neo = Venture("neo", tenor=6, debt_share=0.7, debt_rate=0.09, market_yield=0.3,
    ...               exit_multiple=2.0)
    >>> grid = layer_payoff_grid([neo], [Layer("eq", "equity", venture="neo")],
    ...                          years_to_scale=[1, 10], rate_shift=[0.0, 0.02])
    >>> grid.shape
    (4, 7)
    """
    scen = [
        PayoffScenario(
            f"T{ts:g}_d{dr:g}",
            years_to_scale=ts,
            productivity=productivity,
            rate_shift=dr,
            strategic_default=strategic_default,
        )
        for ts in years_to_scale
        for dr in rate_shift
    ]
    if not scen:
        raise InputError("years_to_scale and rate_shift must not be empty", field="years_to_scale")
    res = layer_payoffs(ventures, layers, scen)
    key = {s.name: (float(s.years_to_scale), float(s.rate_shift)) for s in scen}
    t = res.table
    out = pd.DataFrame(
        {
            "years_to_scale": [key[s][0] for s in t["scenario"]],
            "rate_shift": [key[s][1] for s in t["scenario"]],
            "layer": t["layer"],
            "multiple": t["multiple"],
            "irr": t["irr"],
            "loss": t["loss"],
            "default_year": t["default_year"],
        }
    )
    return out


def _named(items: Iterable[Any] | Mapping[str, Any], what: str) -> dict[str, Any]:
    values = list(items.values()) if isinstance(items, Mapping) else list(items)
    out: dict[str, Any] = {}
    for it in values:
        if it.name in out:
            raise InputError(f"{what} {it.name!r} is defined twice", field=f"{what}s")
        out[it.name] = it
    return out
