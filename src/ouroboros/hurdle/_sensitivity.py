"""Which assumptions matter: tornado tables and solve-for-any-input.

Both work on the general calculator (:class:`HurdleInputs`) and on any recipe, through one
small adapter that evaluates a model over many input scenarios at once.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from ouroboros.errors import ConvergenceError, InputError
from ouroboros.hurdle._calculator import CalculatorModel, HurdleInputs
from ouroboros.hurdle._recipes import Recipe

__all__ = ["SolveResult", "TornadoResult", "solve_for", "tornado"]

FloatArray = NDArray[np.float64]

TORNADO_COLUMNS = [
    "input",
    "base_value",
    "low_value",
    "high_value",
    "output_low",
    "output_high",
    "swing",
    "low_change",
    "high_change",
    "clipped",
]

# practical search ranges for solve_for on the calculator's inputs
_SOLVE_BRACKETS: dict[str, tuple[float, float]] = {
    "capex": (1e6, 1e16),
    "ebitda_yield": (1e-6, 1.0),
    "ebitda_margin": (1e-4, 1.0),
    "gdp": (1e6, 1e16),
    "cloud_revenue": (1e6, 1e16),
    "debt_share": (0.0, 1.0),
    "cost_of_debt": (-0.05, 1.0),
    "cost_of_equity": (-0.05, 1.0),
    "tax_rate": (0.0, 0.95),
    "asset_life": (0.25, 100.0),
    "treasury_rate": (-0.05, 1.0),
    "guarantee_spread": (0.0, 1.0),
}


class _Model(Protocol):
    name: str

    def parameters(self) -> dict[str, float]: ...

    def outputs(self) -> tuple[str, ...]: ...

    def bounds(self, name: str) -> tuple[float, float, bool, bool]: ...

    def evaluate(
        self, values: Mapping[str, ArrayLike], outputs: Collection[str] | None = None
    ) -> dict[str, FloatArray]: ...


class _RecipeModel:
    def __init__(self, recipe: Recipe, overrides: Mapping[str, float] | None) -> None:
        self.recipe = recipe
        self.name = recipe.name
        self.overrides = dict(overrides or {})
        base = recipe.parameters()
        unknown = sorted(set(self.overrides) - set(base))
        if unknown:
            raise InputError(
                f"recipe {recipe.name}: unknown input {unknown[0]!r}; inputs: {', '.join(base)}",
                field=unknown[0],
            )

    def parameters(self) -> dict[str, float]:
        base = self.recipe.parameters()
        base.update({k: float(v) for k, v in self.overrides.items()})
        return base

    def outputs(self) -> tuple[str, ...]:
        return self.recipe.output_names()

    def bounds(self, name: str) -> tuple[float, float, bool, bool]:
        return (-math.inf, math.inf, True, True)

    def evaluate(
        self, values: Mapping[str, ArrayLike], outputs: Collection[str] | None = None
    ) -> dict[str, FloatArray]:
        merged: dict[str, ArrayLike] = dict(self.overrides)
        merged.update(values)
        return self.recipe.evaluate(merged)


def _adapt(model: HurdleInputs | Recipe, overrides: Mapping[str, float] | None) -> _Model:
    if isinstance(model, HurdleInputs):
        if overrides:
            raise InputError(
                "overrides apply to recipes; change a HurdleInputs with dataclasses.replace",
                field="overrides",
            )
        return CalculatorModel(model)
    if isinstance(model, Recipe):
        return _RecipeModel(model, overrides)
    raise InputError(
        f"model must be HurdleInputs or a Recipe, got {type(model).__name__}", field="model"
    )


def _check_output(m: _Model, output: str) -> None:
    if output not in m.outputs():
        raise InputError(
            f"unknown output {output!r} for {m.name}; outputs: {', '.join(m.outputs())}",
            field="output",
        )


def _clip(m: _Model, name: str, x: float) -> float:
    lo, hi, lo_open, hi_open = m.bounds(name)
    if x < lo or (lo_open and x <= lo):
        return math.nextafter(lo, math.inf) if lo_open else lo
    if x > hi or (hi_open and x >= hi):
        return math.nextafter(hi, -math.inf) if hi_open else hi
    return x


@dataclass(frozen=True)
class TornadoResult:
    """A tornado table: the output at each input's low and high value, by swing.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per input (columns ``input, base_value, low_value, high_value,
        output_low, output_high, swing, low_change, high_change, clipped``), sorted by
        ``swing = |output_high - output_low|``, largest first.
    output : str
        The output studied.
    change : float
        Relative change applied to each input (0.2 = +/-20%).
    base_output : float
        The output at the base inputs.
    model : str
        ``"calculator"`` or the recipe name.
    """

    table: pd.DataFrame = field(repr=False)
    output: str
    change: float
    base_output: float
    model: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "model": self.model,
            "output": self.output,
            "change": self.change,
            "base_output": self.base_output,
            "rows": self.table.to_dict(orient="records"),
        }


def tornado(
    model: HurdleInputs | Recipe,
    *,
    output: str = "revenue_required",
    change: float = 0.2,
    inputs: Sequence[str] | None = None,
    overrides: Mapping[str, float] | None = None,
) -> TornadoResult:
    """One-at-a-time sensitivity: move each input by ``+/-change`` (relative), keep the
    others at base, and rank the inputs by the swing of ``output``.

    Inputs whose moved value would leave their valid range (a debt share above 1, a margin
    above 100%) are clipped to it and flagged ``clipped``. All scenarios are evaluated in
    one vectorised call.

    Parameters
    ----------
    model : HurdleInputs or Recipe
        The calculator's base inputs, or a recipe.
    output : str
        Output to study (a calculator output, or a recipe step/output name).
    change : float
        Relative change in (0, 1); 0.2 moves each input to 80% and 120% of its base.
    inputs : sequence of str, optional
        Inputs to move (all varying inputs by default).
    overrides : mapping, optional
        Recipe input values to use as the base.

    Returns
    -------
    TornadoResult

    Examples
    --------
    >>> t = tornado(HurdleInputs(), output="revenue_required")
    >>> t.table["input"].tolist()[:3]  # revenue = capex * yield / margin
    ['ebitda_margin', 'capex', 'ebitda_yield']
    >>> [round(float(x) / 1e9, 1) for x in t.table.iloc[1][["output_low", "output_high"]]]
    [443.1, 664.6]
    """
    m = _adapt(model, overrides)
    _check_output(m, output)
    if not (isinstance(change, int | float) and 0 < change < 1):
        raise InputError(f"change must be a fraction in (0, 1), got {change!r}", field="change")
    base = m.parameters()
    names = list(base) if inputs is None else list(inputs)
    unknown = [n for n in names if n not in base]
    if unknown:
        raise InputError(
            f"unknown input {unknown[0]!r} for {m.name}; inputs: {', '.join(base)}",
            field="inputs",
        )
    lows, highs, clipped = [], [], []
    for n in names:
        b = base[n]
        lo_raw, hi_raw = sorted((b * (1 - change), b * (1 + change)))
        lo, hi = _clip(m, n, lo_raw), _clip(m, n, hi_raw)
        lows.append(lo)
        highs.append(hi)
        clipped.append(lo != lo_raw or hi != hi_raw)
    k = len(names)
    columns = {n: np.full(2 * k + 1, base[n]) for n in names}
    for i, n in enumerate(names):
        columns[n][2 * i + 1] = lows[i]
        columns[n][2 * i + 2] = highs[i]
    out = np.asarray(m.evaluate(columns, [output])[output], dtype=float)
    out_low, out_high = out[1::2], out[2::2]
    base_out = float(out[0])
    table = pd.DataFrame(
        {
            "input": names,
            "base_value": [base[n] for n in names],
            "low_value": lows,
            "high_value": highs,
            "output_low": out_low,
            "output_high": out_high,
            "swing": np.abs(out_high - out_low),
            "low_change": out_low - base_out,
            "high_change": out_high - base_out,
            "clipped": clipped,
        },
        columns=TORNADO_COLUMNS,
    )
    table = table.sort_values("swing", ascending=False, kind="stable", na_position="last")
    return TornadoResult(
        table=table.reset_index(drop=True),
        output=output,
        change=float(change),
        base_output=base_out,
        model=m.name,
    )


@dataclass(frozen=True)
class SolveResult:
    """The value of one input at which an output hits a target.

    Attributes
    ----------
    name : str
        The input solved for.
    value : float
        Its value at the root.
    base_value : float
        Its value in the base model.
    output, target, achieved : str, float, float
        The output, the target, and the output at ``value`` (equal within tolerance).
    low, high : float
        The search bracket.
    roots : int
        Sign changes found on the scanning grid (``value`` is the smallest root).
    iterations : int
        Brent iterations.
    model : str
        ``"calculator"`` or the recipe name.
    """

    name: str
    value: float
    base_value: float
    output: str
    target: float
    achieved: float
    low: float
    high: float
    roots: int
    iterations: int
    model: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "model": self.model,
            "input": self.name,
            "value": self.value,
            "base_value": self.base_value,
            "output": self.output,
            "target": self.target,
            "achieved": self.achieved,
            "low": self.low,
            "high": self.high,
            "roots": self.roots,
            "iterations": self.iterations,
        }


def _default_bracket(m: _Model, name: str, base: float) -> tuple[float, float]:
    if isinstance(m, CalculatorModel):
        return _SOLVE_BRACKETS[name]
    if base > 0:
        return base / 100.0, base * 100.0
    if base < 0:
        return base * 100.0, base / 100.0
    return -1.0, 1.0


def _evaluate_grid(m: _Model, name: str, grid: FloatArray, output: str) -> FloatArray:
    try:
        return np.asarray(m.evaluate({name: grid}, [output])[output], dtype=float)
    except InputError:
        # some grid points are outside a formula's domain: evaluate one by one
        vals = np.full(grid.shape, np.nan)
        for i, x in enumerate(grid):
            try:
                vals[i] = float(m.evaluate({name: [x]}, [output])[output][0])
            except InputError:
                continue
        return vals


def solve_for(
    model: HurdleInputs | Recipe,
    name: str,
    target: float,
    *,
    output: str = "revenue_required",
    low: float | None = None,
    high: float | None = None,
    overrides: Mapping[str, float] | None = None,
    xtol: float = 1e-12,
) -> SolveResult:
    """Find the value of input ``name`` at which ``output`` equals ``target``.

    The bracket ``[low, high]`` is scanned on a 401-point grid (log-spaced when it spans
    more than a factor 50) to find the first sign change of ``output - target``, which
    Brent's method (:func:`scipy.optimize.brentq`) then refines.

    Parameters
    ----------
    model : HurdleInputs or Recipe
        The calculator's base inputs or a recipe.
    name : str
        The input to solve for (e.g. ``"ebitda_margin"``, ``"asset_life"``).
    target : float
        The value the output must reach.
    output : str
        The output (default ``"revenue_required"``).
    low, high : float, optional
        Search bracket; defaults per calculator input, or base/100 to base*100 for recipes.
    overrides : mapping, optional
        Recipe input values to use as the base.
    xtol : float
        Absolute tolerance on the root.

    Returns
    -------
    SolveResult

    Raises
    ------
    InputError
        If no value in the bracket reaches the target (the message gives the output's
        range over the bracket) or a name is unknown.
    ConvergenceError
        If Brent's method fails to converge.

    Examples
    --------
    What EBITDA margin makes $3T x 12% of EBITDA come from $720B of revenue?

    >>> s = solve_for(HurdleInputs(), "ebitda_margin", 720e9)
    >>> round(s.value, 6)
    0.5
    """
    m = _adapt(model, overrides)
    _check_output(m, output)
    base = m.parameters()
    if name not in base:
        raise InputError(
            f"unknown input {name!r} for {m.name}; inputs: {', '.join(base)}", field="input"
        )
    if not math.isfinite(target):
        raise InputError(f"target must be a finite number, got {target!r}", field="target")
    d_lo, d_hi = _default_bracket(m, name, base[name])
    lo = d_lo if low is None else float(low)
    hi = d_hi if high is None else float(high)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InputError(f"the bracket needs low < high, got [{lo:g}, {hi:g}]", field="low")
    lo, hi = _clip(m, name, lo), _clip(m, name, hi)
    spread = lo > 0 and hi / lo > 50
    grid = np.geomspace(lo, hi, 401) if spread else np.linspace(lo, hi, 401)
    f = _evaluate_grid(m, name, grid, output) - target
    finite = np.isfinite(f)
    if not finite.any():
        raise InputError(
            f"{output} cannot be evaluated for {name} in [{lo:g}, {hi:g}]", field="input"
        )
    exact = np.flatnonzero(finite & (f == 0))
    pair_ok = finite[:-1] & finite[1:]
    changes = np.flatnonzero(pair_ok & (np.sign(f[:-1]) * np.sign(f[1:]) < 0))
    roots = len(set(exact.tolist()) | set(changes.tolist()))
    if roots == 0:
        vals = f[finite] + target
        if np.ptp(vals) <= 1e-12 * max(1.0, float(np.abs(vals).max())):
            raise InputError(
                f"{output} does not depend on {name} (it stays at {vals[0]:g}); in the "
                "calculator a stated ebitda_yield makes revenue independent of lives and "
                "funding: use the capital-recovery yield (ebitda_yield=None, --recovery)",
                field="input",
            )
        raise InputError(
            f"no value of {name} in [{lo:g}, {hi:g}] gives {output} = {target:g}: over that "
            f"range {output} runs from {vals.min():g} to {vals.max():g}",
            field="input",
        )
    first_exact = int(exact[0]) if exact.size else None
    first_change = int(changes[0]) if changes.size else None
    if first_exact is not None and (first_change is None or first_exact <= first_change):
        value, iterations = float(grid[first_exact]), 0
    else:
        assert first_change is not None
        a, b = float(grid[first_change]), float(grid[first_change + 1])

        def g(x: float) -> float:
            return float(m.evaluate({name: [x]}, [output])[output][0]) - target

        value, info = brentq(g, a, b, xtol=xtol, rtol=4 * np.finfo(float).eps, full_output=True)
        if not info.converged:
            raise ConvergenceError(
                f"Brent's method did not converge solving {output} = {target:g} for {name}"
            )
        value, iterations = float(value), int(info.iterations)
    achieved = float(m.evaluate({name: [value]}, [output])[output][0])
    return SolveResult(
        name=name,
        value=value,
        base_value=base[name],
        output=output,
        target=float(target),
        achieved=achieved,
        low=lo,
        high=hi,
        roots=roots,
        iterations=iterations,
        model=m.name,
    )
