"""The risk thermometer: indicators -> five gauges -> one composite, over time.

* Every indicator is oriented (higher = riskier) and standardised by its recursive
  empirical CDF (CISS step 1), then read on a calendar grid (weekly by default) as of each
  date: the latest observation on or before it, if not older than the indicator's
  ``max_age_days``.
* A gauge's score is the mean of its indicators' scores (CISS step 2).
* The composite is the CISS quadratic form with EWMA correlations (steps 3-4).
* Statuses: an indicator's status compares its raw value with its amber/red thresholds;
  a gauge's status is the worse of (a) its score against the gauge's thresholds and
  (b) the majority status of its indicators (red if at least half of those with data are
  red, amber if at least half are amber or red); the composite's status compares the
  CISS value with the composite thresholds. ``gauges_in_red`` counts red gauges, as the
  public "boom or bubble" dashboards count red gauges.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ouroboros.errors import InputError
from ouroboros.model import Ledger
from ouroboros.monitor._ciss import ciss_composite, ecdf_scores, ewma_correlations
from ouroboros.monitor._derive import derive
from ouroboros.monitor._ledgerind import customer_concentration, take_or_pay_share
from ouroboros.monitor._registry import GAUGES, Indicator, LedgerSpec, Registry, default_registry

__all__ = ["STATUS_NAMES", "Thermometer", "indicator_series", "thermometer"]

STATUS_NAMES = ("green", "amber", "red")
_DAY = np.timedelta64(1, "D")


def _code_to_name(code: float) -> str:
    return "unknown" if code != code else STATUS_NAMES[int(code)]


def _threshold_codes(values: np.ndarray, amber: float, red: float) -> np.ndarray:
    """0/1/2 for green/amber/red (higher is riskier), NaN where a value is NaN."""
    out = np.where(np.isnan(values), np.nan, 0.0)
    out = np.where(values >= amber, 1.0, out)
    return np.where(values >= red, 2.0, out)


def _level_codes(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """0/1/2 for green/amber/red, NaN when unknown or without thresholds."""
    if ind.amber is None or ind.red is None:
        return np.full(values.shape, np.nan)
    s = ind.sign  # orient values and thresholds so that higher is riskier
    return _threshold_codes(s * values, s * ind.amber, s * ind.red)


def _ledger_value(spec: LedgerSpec, ledger: Ledger) -> float:
    if spec.measure == "take_or_pay_share":
        return take_or_pay_share(ledger, statuses=spec.statuses)
    return customer_concentration(
        ledger, provider_roles=spec.provider_roles, statuses=spec.statuses
    )


def indicator_series(
    observations: pd.DataFrame,
    registry: Registry | None = None,
    *,
    ledger: Ledger | None = None,
) -> pd.DataFrame:
    """Every indicator's series: stored/imported ones, derived ones and ledger ones.

    Parameters
    ----------
    observations : pandas.DataFrame
        Columns ``indicator, date, value, source`` (e.g. from ``load_observations``).
    registry : Registry, optional
        The bundled registry by default.
    ledger : Ledger, optional
        For ``source: ledger`` indicators (one observation dated ``meta.as_of``); without
        it they have no data.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator, date, value, source``, sorted by indicator and date.

    Examples
    --------
    >>> from ouroboros.monitor import bundled_history
    >>> s = indicator_series(bundled_history())
    >>> row = s[(s.indicator == "capex_ocf_oracle")].iloc[-1]
    >>> str(row.date.date()), round(float(row.value), 3)
    ('2025-05-31', 1.019)
    """
    reg = registry if registry is not None else default_registry()
    obs = observations.copy()
    obs["date"] = pd.to_datetime(obs["date"])
    raw: dict[str, pd.DataFrame] = {}
    for name, grp in obs.groupby("indicator", sort=False):
        if name in reg and reg[str(name)].source not in ("derived", "ledger"):
            g = grp.dropna(subset=["value"]).sort_values("date", kind="stable")
            raw[str(name)] = g.drop_duplicates("date", keep="last")
    series: dict[str, pd.Series] = {
        k: pd.Series(v["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(v["date"]))
        for k, v in raw.items()
    }
    frames = [df[["indicator", "date", "value", "source"]] for df in raw.values()]
    for ind in reg.computation_order():
        assert ind.spec is not None
        ins = {k: series.get(k, pd.Series(dtype=float)) for k in ind.inputs}
        s = derive(ind.spec, ins)  # type: ignore[arg-type]
        series[ind.id] = s
        if len(s):
            src = f"derived: {ind.spec.op} of {', '.join(ind.inputs)}"  # type: ignore[union-attr]
            frames.append(
                pd.DataFrame(
                    {"indicator": ind.id, "date": s.index, "value": s.to_numpy(), "source": src}
                )
            )
    if ledger is not None:
        day = pd.Timestamp(ledger.meta.as_of) if ledger.meta.as_of else None
        for ind in reg:
            if isinstance(ind.spec, LedgerSpec) and day is not None:
                v = _ledger_value(ind.spec, ledger)
                if v == v:
                    frames.append(
                        pd.DataFrame(
                            {
                                "indicator": [ind.id],
                                "date": [day],
                                "value": [v],
                                "source": [
                                    f"ledger {ledger.meta.name!r} version {ledger.meta.version}: "
                                    f"{ind.spec.measure}"
                                ],
                            }
                        )
                    )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["indicator", "date", "value", "source"])
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["indicator", "date"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Thermometer:
    """The thermometer at its latest date and over time.

    Attributes
    ----------
    as_of : pandas.Timestamp or None
        The last grid date (the latest observation of a scored indicator by default).
    indicators : pandas.DataFrame
        Latest state per indicator: ``id, gauge, unit, date, value, status, score, stale,
        source, description``.
    gauges : pandas.DataFrame
        Latest state per gauge: ``name, title, score, status, n_indicators, n_with_data,
        n_red``.
    composite : pandas.DataFrame
        Over time: ``date, ciss, status, gauges_in_red, n_gauges``.
    gauge_history : pandas.DataFrame
        Over time, tidy: ``date, gauge, score, status``.
    scores : pandas.DataFrame
        Over time, tidy: ``date, indicator, value, score, status`` for scored indicators.
    series : pandas.DataFrame
        Every indicator's observations (derived and ledger ones included): ``indicator,
        date, value, source``.
    params : dict
        The settings that produced it.
    """

    as_of: pd.Timestamp | None
    indicators: pd.DataFrame
    gauges: pd.DataFrame
    composite: pd.DataFrame
    gauge_history: pd.DataFrame
    scores: pd.DataFrame
    series: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def latest(self) -> dict[str, Any]:
        """The composite at ``as_of``: ``date, value, status, gauges_in_red, n_gauges``."""
        if self.composite.empty:
            return {
                "date": None,
                "value": None,
                "status": "unknown",
                "gauges_in_red": 0,
                "n_gauges": 0,
            }
        r = self.composite.iloc[-1]
        return {
            "date": r["date"],
            "value": None if np.isnan(r["ciss"]) else float(r["ciss"]),
            "status": str(r["status"]),
            "gauges_in_red": int(r["gauges_in_red"]),
            "n_gauges": int(r["n_gauges"]),
        }


def thermometer(
    observations: pd.DataFrame,
    registry: Registry | None = None,
    *,
    ledger: Ledger | None = None,
    freq: str = "W-FRI",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    min_history: int = 2,
    expanding: bool = True,
    lam: float | None = None,
    weights: Mapping[str, float] | None = None,
) -> Thermometer:
    """Build the thermometer from observations (CISS method, Holló, Kremer & Lo Duca 2012).

    Parameters
    ----------
    observations : pandas.DataFrame
        Columns ``indicator, date, value, source``.
    registry : Registry, optional
        Indicators, gauges and thresholds (the bundled registry by default).
    ledger : Ledger, optional
        For the contract-quality indicators computed from a dataset.
    freq : str
        The calendar grid (a pandas frequency; weekly Fridays by default, like CISS).
    start, end : date-like, optional
        Grid bounds (default: first observation of a scored indicator, and the latest).
    min_history : int
        Observations an indicator needs before it gets a CDF score (its status from
        thresholds is shown regardless).
    expanding : bool
        Recursive (real-time) CDF transform; ``False`` uses the full sample.
    lam : float, optional
        EWMA decay (the registry's composite setting, 0.93, by default).
    weights : mapping, optional
        Gauge weights (the registry's, equal by default).

    Returns
    -------
    Thermometer

    Examples
    --------
    >>> from ouroboros.monitor import bundled_history
    >>> t = thermometer(bundled_history())
    >>> str(t.as_of.date())
    '2025-12-11'
    >>> t.gauges.set_index("name").loc["neocloud", "status"]
    'red'
    """
    reg = registry if registry is not None else default_registry()
    lam = reg.composite.ewma_lambda if lam is None else lam
    try:
        pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        raise InputError(
            f"freq must be a pandas frequency such as W-FRI, ME or D; got {freq!r}", field="freq"
        ) from None
    if min_history < 1:
        raise InputError(f"min_history must be at least 1, got {min_history}", field="min_history")
    w_map = {g: reg.gauges[g].weight for g in GAUGES}
    if weights:
        w_map.update({k: float(v) for k, v in weights.items()})
    series = indicator_series(observations, reg, ledger=ledger)
    by_id = {str(k): g for k, g in series.groupby("indicator", sort=False)}
    scored = reg.scored()
    params: dict[str, Any] = {
        "freq": freq,
        "min_history": min_history,
        "expanding": expanding,
        "lam": lam,
        "weights": w_map,
        "registry": reg.file,
    }

    dates_scored = [by_id[i.id]["date"] for i in scored if i.id in by_id]
    if end is not None:
        as_of = pd.Timestamp(end)
    elif dates_scored:
        as_of = max(d.max() for d in dates_scored)
    else:
        as_of = None
    if as_of is not None:
        lo = pd.Timestamp(start) if start is not None else min(d.min() for d in dates_scored)
        grid = pd.date_range(lo, as_of, freq=freq)
        if len(grid) == 0 or grid[-1] < as_of:
            grid = pd.DatetimeIndex(grid.append(pd.DatetimeIndex([as_of])))
    else:
        grid = pd.DatetimeIndex([])
    g_np = grid.to_numpy(dtype="datetime64[ns]")
    t_len = len(grid)

    # -- per indicator: CDF scores per observation, then as of each grid date
    score_m = np.full((t_len, len(scored)), np.nan)
    level_m = np.full((t_len, len(scored)), np.nan)
    value_m = np.full((t_len, len(scored)), np.nan)
    latest_rows: list[tuple[Indicator, pd.Timestamp | None, float, float, Any, bool]] = []
    for ind in reg:
        grp = by_id.get(ind.id)
        if grp is not None and as_of is not None:
            grp = grp[grp["date"] <= as_of]
        if grp is None or grp.empty:
            latest_rows.append((ind, None, np.nan, np.nan, None, True))
            continue
        d = grp["date"].to_numpy(dtype="datetime64[ns]")
        v = grp["value"].to_numpy(dtype=float)
        z = ecdf_scores(ind.sign * v, expanding=expanding)
        z[: max(0, min_history - 1)] = np.nan
        lv = _level_codes(ind, v)
        age = (np.datetime64(as_of) - d[-1]) / _DAY if as_of is not None else 0.0
        latest_rows.append(
            (
                ind,
                pd.Timestamp(d[-1]),
                v[-1],
                z[-1],
                grp["source"].iloc[-1],
                bool(age > ind.max_age_days),
            )
        )
        if ind.gauge is None or t_len == 0:
            continue
        col = scored.index(ind)
        pos = np.searchsorted(d, g_np, side="right") - 1
        safe = np.clip(pos, 0, None)
        fresh = (pos >= 0) & ((g_np - d[safe]) / _DAY <= ind.max_age_days)
        score_m[:, col] = np.where(fresh, z[safe], np.nan)
        level_m[:, col] = np.where(fresh, lv[safe], np.nan)
        value_m[:, col] = np.where(fresh, v[safe], np.nan)

    # -- gauges
    g_scores = np.full((t_len, len(GAUGES)), np.nan)
    g_codes = np.full((t_len, len(GAUGES)), np.nan)
    gauge_rows = []
    for k, gname in enumerate(GAUGES):
        spec = reg.gauges[gname]
        cols = [j for j, ind in enumerate(scored) if ind.gauge == gname]
        if cols and t_len:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                g_scores[:, k] = np.nanmean(score_m[:, cols], axis=1)
            lv = level_m[:, cols]
            known = (~np.isnan(lv)).sum(axis=1)
            n_red = (lv == 2).sum(axis=1)
            n_bad = (lv >= 1).sum(axis=1)
            level = np.where(known > 0, 0.0, np.nan)
            level = np.where((known > 0) & (2 * n_bad >= known), 1.0, level)
            level = np.where((known > 0) & (2 * n_red >= known), 2.0, level)
            by_score = _threshold_codes(g_scores[:, k], spec.amber, spec.red)
            g_codes[:, k] = np.fmax(by_score, level)
        last = t_len - 1
        n_with = int((~np.isnan(level_m[last, cols])).sum()) if (cols and t_len) else 0
        gauge_rows.append(
            {
                "name": gname,
                "title": spec.title,
                "score": float(g_scores[last, k]) if t_len else np.nan,
                "status": _code_to_name(g_codes[last, k]) if t_len else "unknown",
                "n_indicators": len(cols),
                "n_with_data": n_with,
                "n_red": int((level_m[last, cols] == 2).sum()) if (cols and t_len) else 0,
            }
        )

    # -- composite (CISS)
    w = np.array([w_map[g] for g in GAUGES], dtype=float)
    if t_len:
        corr = ewma_correlations(g_scores, lam)
        ciss = ciss_composite(g_scores, corr, w)
    else:
        ciss = np.empty(0)
    c_codes = _threshold_codes(ciss, reg.composite.amber, reg.composite.red)
    composite = pd.DataFrame(
        {
            "date": grid,
            "ciss": ciss,
            "status": [_code_to_name(c) for c in c_codes],
            "gauges_in_red": (g_codes == 2).sum(axis=1).astype(int),
            "n_gauges": (~np.isnan(g_scores)).sum(axis=1).astype(int),
        }
    )
    gauge_history = pd.DataFrame(
        {
            "date": np.repeat(grid.to_numpy(), len(GAUGES)),
            "gauge": np.tile(np.array(GAUGES, dtype=object), t_len),
            "score": g_scores.reshape(-1),
            "status": [_code_to_name(c) for c in g_codes.reshape(-1)],
        }
    )
    ids = np.array([i.id for i in scored], dtype=object)
    scores = pd.DataFrame(
        {
            "date": np.repeat(grid.to_numpy(), len(scored)),
            "indicator": np.tile(ids, t_len),
            "value": value_m.reshape(-1),
            "score": score_m.reshape(-1),
            "status": [_code_to_name(c) for c in level_m.reshape(-1)],
        }
    )
    indicators = pd.DataFrame(
        [
            {
                "id": ind.id,
                "gauge": ind.gauge or "none",
                "unit": ind.unit,
                "date": d,
                "value": float(v),
                "status": ind.status(float(v)) if d is not None else "unknown",
                "score": float(z),
                "stale": stale if d is not None else False,
                "source": src,
                "description": ind.description,
            }
            for ind, d, v, z, src, stale in latest_rows
        ]
    )
    return Thermometer(
        as_of,
        indicators,
        pd.DataFrame(gauge_rows),
        composite,
        gauge_history,
        scores,
        series,
        params,
    )
