"""Derived indicators: ratios, linear combinations, growth rates and doubling times.

All operate on float Series indexed by date. Inputs are aligned *as of* each anchor date:
the latest input observation on or before the date, if it is at most ``tolerance_days``
old (so nothing from the future is used, which keeps backtests honest).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ouroboros.monitor._registry import DerivedSpec

__all__ = ["as_of", "derive", "doubling_time", "growth_rate", "quarter_grid"]

_DAY = np.timedelta64(1, "D")


def as_of(series: pd.Series, dates: pd.DatetimeIndex, tolerance_days: int) -> np.ndarray:
    """Values of ``series`` as of each of ``dates`` (NaN when none within the tolerance).

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0], index=pd.to_datetime(["2025-01-01", "2025-01-08"]))
    >>> as_of(s, pd.to_datetime(["2024-12-31", "2025-01-07", "2025-01-20"]), 7)
    array([nan,  1., nan])
    """
    if series.empty:
        return np.full(len(dates), np.nan)
    idx = series.index.to_numpy(dtype="datetime64[ns]")
    d = dates.to_numpy(dtype="datetime64[ns]")
    pos = np.searchsorted(idx, d, side="right") - 1
    safe = np.clip(pos, 0, None)
    age = (d - idx[safe]) / _DAY
    ok = (pos >= 0) & (age <= tolerance_days)
    vals = series.to_numpy(dtype=float)[safe]
    return np.where(ok, vals, np.nan)


def quarter_grid(*series: pd.Series) -> pd.DatetimeIndex:
    """Calendar quarter ends spanning the dates of ``series``."""
    starts = [s.index.min() for s in series if not s.empty]
    ends = [s.index.max() for s in series if not s.empty]
    if not starts:
        return pd.DatetimeIndex([])
    lo = pd.Timestamp(min(starts)) + pd.offsets.QuarterEnd(0)
    hi = pd.Timestamp(max(ends)) + pd.offsets.QuarterEnd(0)
    return pd.date_range(lo, hi, freq="QE-DEC")


def _pairs(series: pd.Series, min_gap_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each observation, the latest earlier one at least ``min_gap_days`` before it."""
    idx = series.index.to_numpy(dtype="datetime64[ns]")
    vals = series.to_numpy(dtype=float)
    target = idx - np.timedelta64(min_gap_days, "D")
    pos = np.searchsorted(idx, target, side="right") - 1
    ok = pos >= 0
    k = np.nonzero(ok)[0]
    j = pos[ok]
    days = (idx[k] - idx[j]) / _DAY
    return k, np.log(vals[k] / vals[j]), days


def growth_rate(series: pd.Series, min_gap_days: int = 120) -> pd.Series:
    """Annualised growth in percent between each report and one at least ``min_gap_days`` before.

    Examples
    --------
    Doubling in 182 days is about 300% a year (2 ** (365.25 / 182) - 1):

    >>> s = pd.Series([5.0, 10.0], index=pd.to_datetime(["2025-01-01", "2025-07-02"]))
    >>> round(float(growth_rate(s).iloc[0]), 1)
    301.9
    """
    s = series[series > 0]
    k, logr, days = _pairs(s, min_gap_days)
    g = np.expm1(logr * 365.25 / days) * 100.0
    return pd.Series(g, index=s.index[k], dtype=float)


def doubling_time(series: pd.Series, min_gap_days: int = 120) -> pd.Series:
    """Months to double at the growth between each report and one at least ``min_gap_days`` before.

    Shrinking or flat revenue never doubles: the value is ``inf``.

    Examples
    --------
    >>> s = pd.Series([5.0, 10.0], index=pd.to_datetime(["2025-01-01", "2025-07-02"]))
    >>> round(float(doubling_time(s).iloc[0]), 2)
    5.98
    """
    s = series[series > 0]
    k, logr, days = _pairs(s, min_gap_days)
    months = days / (365.25 / 12.0)
    with np.errstate(divide="ignore"):
        dt_ = np.where(logr > 0, months * np.log(2.0) / np.where(logr > 0, logr, 1.0), np.inf)
    return pd.Series(dt_, index=s.index[k], dtype=float)


def derive(spec: DerivedSpec, inputs: dict[str, pd.Series]) -> pd.Series:
    """Compute a derived series from its inputs (already in the right units).

    Examples
    --------
    >>> from ouroboros.monitor._registry import DerivedSpec
    >>> d = pd.to_datetime(["2025-01-01", "2025-01-08"])
    >>> spec = DerivedSpec("linear", ("a", "b"), (1.0, -1.0), tolerance_days=7)
    >>> derive(spec, {"a": pd.Series([10.0, 12.0], index=d),
    ...               "b": pd.Series([3.0], index=d[:1])}).tolist()
    [7.0, 9.0]
    """
    series = [inputs[name].dropna().sort_index() for name in spec.inputs]
    if spec.op in ("growth", "doubling_time"):
        fn = growth_rate if spec.op == "growth" else doubling_time
        return fn(series[0], spec.min_gap_days) * spec.scale
    anchor = quarter_grid(*series) if spec.grid == "quarter" else pd.DatetimeIndex(series[0].index)
    if spec.op == "ratio":
        num = as_of(series[0], anchor, spec.tolerance_days)
        den = as_of(series[1], anchor, spec.tolerance_days)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(den != 0, num / den, np.nan) * spec.scale
    else:
        cols = (
            np.column_stack([as_of(s, anchor, spec.tolerance_days) for s in series])
            if series
            else np.empty((len(anchor), 0))
        )
        out = cols @ np.asarray(spec.coefficients, dtype=float) * spec.scale
    result = pd.Series(out, index=anchor, dtype=float)
    return result[np.isfinite(result.to_numpy())]
