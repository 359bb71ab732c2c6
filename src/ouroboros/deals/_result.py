"""Results of a deal run: per-scenario summaries and per-period tidy tables.

Metrics follow standard project-finance definitions (e.g. Yescombe, *Principles of
Project Finance*, 2nd ed., ch. 12-14):

* DSCR_t = CFADS_t / scheduled debt service_t (interest + scheduled principal), over
  operating periods with debt service.
* LLCR_t = PV at t of CFADS from t+1 to the last debt maturity / debt outstanding at t;
  PLCR_t the same to the end of the horizon. At close the denominator is the PV of the
  debt funded (drawn at close plus later draws), which is the debt at close when all of it
  is drawn then.
* WAL = sum of (years from close x principal repaid) / principal repaid.
* XIRR (ACT/365) of each tranche's lender flows (drawn out, interest and principal in) and
  of equity (paid in, contributions out; distributions and the residual in).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ouroboros.deals._compile import (
    DEFAULT,
    LOCK_UP,
    OPERATION,
    PHASE_NAMES,
    CompiledDeal,
)
from ouroboros.deals._drivers import Drivers
from ouroboros.deals._finance import irr_time_major

__all__ = ["DealResult", "build_result", "yearly_summary"]

F = NDArray[np.float64]


@dataclass(frozen=True)
class DealResult:
    """What a deal run returns.

    Attributes
    ----------
    deal_id : str
        The deal's id.
    scenarios : tuple of str
        Scenario names, in order.
    summary : DataFrame
        One row per scenario: ``min_dscr``, ``avg_dscr``, ``llcr`` and ``plcr`` (at close),
        ``wal`` (all debt, years), ``equity_irr``, ``equity_multiple``, ``first_breach``,
        ``default_date``, ``end_date`` (when the deal was wound up before the horizon),
        ``total_loss``.
    tranche_summary : DataFrame
        One row per scenario and tranche: ``funded``, ``interest_paid``,
        ``principal_paid``, ``wal``, ``irr``, ``loss`` (principal written off),
        ``interest_lost``, ``loss_rate`` (loss / funded).
    periods, tranches, accounts, equity : DataFrame
        Per-period tidy tables (empty when run with ``detail=False``).
    close : DataFrame
        Sources and uses at financial close.
    parameters : dict
        Discount rate, frequency, dates and other settings of the run.
    """

    deal_id: str
    scenarios: tuple[str, ...]
    summary: pd.DataFrame
    tranche_summary: pd.DataFrame
    periods: pd.DataFrame
    tranches: pd.DataFrame
    accounts: pd.DataFrame
    equity: pd.DataFrame
    close: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    def summary_dict(self, scenario: int | str = 0) -> dict[str, Any]:
        """The summary of one scenario as plain values (what ``deal run --format json``
        prints under ``summary``)."""
        i = self._index(scenario)
        row = self.summary.iloc[i]
        tr = self.tranche_summary[self.tranche_summary["scenario"] == self.scenarios[i]]
        keys = (
            "min_dscr",
            "avg_dscr",
            "llcr",
            "plcr",
            "wal",
            "equity_irr",
            "equity_multiple",
            "first_breach",
            "default_date",
            "end_date",
            "total_loss",
        )
        out: dict[str, Any] = {k: _plain(row[k]) for k in keys}
        out["tranches"] = [
            {k: _plain(v) for k, v in rec.items() if k != "scenario"}
            for rec in tr.to_dict("records")
        ]
        out["equity"] = {
            "paid_in": _plain(row["equity_paid_in"]),
            "distributions": _plain(row["equity_distributions"]),
            "irr": _plain(row["equity_irr"]),
            "multiple": _plain(row["equity_multiple"]),
            "holders": self.parameters.get("holders", []),
        }
        return out

    def _index(self, scenario: int | str) -> int:
        if isinstance(scenario, str):
            return self.scenarios.index(scenario)
        return int(scenario)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is pd.NaT:
        return None
    return v


def _date_or_none(dates: list[dt.date], idx: NDArray[np.int64]) -> list[dt.date | None]:
    return [dates[i] if i >= 0 else None for i in idx.tolist()]


def _dscr(cd: CompiledDeal, rec: dict[str, Any]) -> F:
    """DSCR of each period and scenario (``nan`` where not measured), for the detail tables.

    The summary's minimum and average DSCR are accumulated by the engine as it runs.
    """
    T = cd.n_periods
    phase, cfads, ds = rec["phase"], rec["cfads"], rec["ds"]
    tt = np.arange(T)[:, None]
    # operating periods with debt service, except the one in which the deal is wound up
    # before the horizon (its debt service is paid from the sale, not from CFADS)
    valid = (
        ((phase == OPERATION) | (phase == LOCK_UP))
        & (tt >= cd.op_start)
        & (ds > cd.tol)
        & ((tt != rec["end_t"][None, :]) | (tt == T - 1))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        dscr: F = np.where(valid, cfads / np.where(ds > 0, ds, 1.0), np.nan)
    return dscr


def build_result(
    cd: CompiledDeal, drv: Drivers, rec: dict[str, Any], *, detail: bool
) -> DealResult:
    """Turn the engine's records into a :class:`DealResult` (vectorised over scenarios)."""
    S, T = drv.n, cd.n_periods
    names = list(drv.names)
    t_years = cd.t_years
    tol = cd.tol
    min_dscr, avg_dscr = rec["min_dscr"], rec["avg_dscr"]
    v = cd.discount_factors
    draws = rec["draw"]  # (J, T, S)
    funded0 = sum(t.amount for t in cd.tranches)
    debt_pv = funded0 + np.einsum("t,jts->s", v, draws)
    with np.errstate(divide="ignore", invalid="ignore"):
        llcr0 = np.where(debt_pv > tol, rec["pv_cfads_life"] / debt_pv, np.nan)
        plcr0 = np.where(debt_pv > tol, rec["pv_cfads_all"] / debt_pv, np.nan)
    prin_j = rec["prin_sum"]  # (J, S)
    prin_tot = prin_j.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wal_all = np.where(prin_tot > tol, rec["wal_num"].sum(axis=0) / prin_tot, np.nan)
    times = np.concatenate([[0.0], t_years])
    eq_flows = rec["equity"]  # (T + 1, S), row 0 at close
    eq_irr = irr_time_major(times, eq_flows)
    eq_in = np.zeros(S)
    eq_out = np.zeros(S)
    for row in eq_flows:  # one period at a time: no (T, S) temporaries
        eq_in -= np.minimum(row, 0.0)
        eq_out += np.maximum(row, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        eq_mult = np.where(eq_in > 0, eq_out / eq_in, np.nan)
    loss = rec["loss"]  # (J, S)
    summary = pd.DataFrame(
        {
            "scenario": names,
            "min_dscr": min_dscr,
            "avg_dscr": avg_dscr,
            "llcr": llcr0,
            "plcr": plcr0,
            "wal": wal_all,
            "equity_irr": eq_irr,
            "equity_multiple": eq_mult,
            "equity_paid_in": eq_in,
            "equity_distributions": eq_out,
            "first_breach": _date_or_none(cd.dates, rec["breach_t"]),
            "default_date": _date_or_none(cd.dates, rec["default_t"]),
            "end_date": _date_or_none(cd.dates, np.where(rec["end_t"] == T - 1, -1, rec["end_t"])),
            "total_loss": loss.sum(axis=0),
        }
    )
    rows = []
    for j, tranche in enumerate(cd.tranches):
        irr = irr_time_major(times, rec["lender"][j])
        funded = tranche.amount + draws[j].sum(axis=0)
        pj = prin_j[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            wal = np.where(pj > tol, rec["wal_num"][j] / pj, np.nan)
            rate = np.where(funded > tol, loss[j] / funded, np.nan)
        # interest + principal received = lender flows after close + draws
        received = rec["lender"][j][1:].sum(axis=0) + draws[j].sum(axis=0)
        rows.append(
            pd.DataFrame(
                {
                    "scenario": names,
                    "tranche": tranche.id,
                    "seniority": tranche.seniority,
                    "funded": funded,
                    "interest_paid": received - pj,
                    "principal_paid": pj,
                    "wal": wal,
                    "irr": irr,
                    "loss": loss[j],
                    "interest_lost": rec["int_loss"][j],
                    "loss_rate": rate,
                }
            )
        )
    tranche_summary = (
        pd.concat(rows, ignore_index=True)
        .sort_values(
            ["scenario", "seniority"],
            kind="stable",
            key=lambda c: c.map({n: i for i, n in enumerate(names)}) if c.name == "scenario" else c,
        )
        .reset_index(drop=True)
    )

    empty = pd.DataFrame()
    periods = tranches = accounts = equity = empty
    if detail:
        periods, tranches, accounts, equity = _detail(cd, drv, rec, _dscr(cd, rec))
    params = {
        "deal": cd.spec.id,
        "frequency": cd.spec.calendar.frequency,
        "close": cd.spec.calendar.close,
        "end": cd.dates[-1],
        "periods": T,
        "discount_rate": cd.discount_rate,
        "currency": cd.spec.currency,
        "unit": cd.spec.unit,
        "holders": [{"id": h, "share": s} for h, s in cd.holders],
    }
    return DealResult(
        deal_id=cd.spec.id,
        scenarios=tuple(names),
        summary=summary,
        tranche_summary=tranche_summary,
        periods=periods,
        tranches=tranches,
        accounts=accounts,
        equity=equity,
        close=_close_table(cd),
        parameters=params,
    )


def _close_table(cd: CompiledDeal) -> pd.DataFrame:
    spec = cd.spec
    rows: list[dict[str, Any]] = []
    for t in spec.tranches:
        if t.amount > 0:
            rows.append({"side": "source", "item": t.id, "amount": t.amount})
    rows.append({"side": "source", "item": "equity", "amount": spec.equity.amount})
    for p in spec.close.payments:
        rows.append({"side": "use", "item": p.id, "amount": p.amount})
    for a in spec.accounts:
        if a.initial > 0:
            rows.append({"side": "use", "item": a.id, "amount": a.initial})
    rows.append({"side": "use", "item": spec.close.remainder_to, "amount": cd.close_remainder})
    return pd.DataFrame(rows)


def _long(values: dict[str, F]) -> dict[str, Any]:
    """(T, S) arrays -> columns in scenario-major order."""
    return {k: np.asarray(v).T.reshape(-1) for k, v in values.items()}


def _detail(
    cd: CompiledDeal, drv: Drivers, rec: dict[str, Any], dscr: F
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    S, T = drv.n, cd.n_periods
    names = list(drv.names)
    dates = np.array(cd.dates, dtype="datetime64[D]")
    scen = np.repeat(np.array(names, dtype=object), T)
    per = np.tile(np.arange(1, T + 1), S)
    date_col = np.tile(dates, S)
    phase_names = np.array(PHASE_NAMES, dtype=object)
    debt = rec["debt"]
    tol = cd.tol
    v = cd.discount_factors
    cf = rec["cfads"] * v[:, None]
    rev_cum = np.cumsum(cf[::-1], axis=0)[::-1]
    after = np.zeros_like(rev_cum)
    after[:-1] = rev_cum[1:]
    cf_l = cf.copy()
    cf_l[cd.last_maturity_idx + 1 :] = 0.0
    rev_l = np.cumsum(cf_l[::-1], axis=0)[::-1]
    after_l = np.zeros_like(rev_l)
    after_l[:-1] = rev_l[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        live_debt = (debt > tol) & (rec["phase"] != 4)
        llcr = np.where(live_debt, after_l / v[:, None] / np.where(debt > 0, debt, 1.0), np.nan)
        plcr = np.where(live_debt, after / v[:, None] / np.where(debt > 0, debt, 1.0), np.nan)
    fees_paid = rec["fee_paid"].sum(axis=0)
    int_paid = rec["int_paid"].sum(axis=0)
    prin_paid = rec["prin"].sum(axis=0)
    cols: dict[str, F] = {
        "revenue": rec["rev"],
        "opex": rec["opex"],
        "opex_unpaid": rec["opex_unpaid"],
        "cfads": rec["cfads"],
        "fees": fees_paid,
        "interest": int_paid,
        "principal": prin_paid,
        "debt_service_due": rec["ds"],
        "dscr": dscr,
        "llcr": llcr,
        "plcr": plcr,
        "debt": debt,
        "capex": rec["capex"],
        "capex_unfunded": rec["capex_unfunded"],
        "draws": rec["draw"].sum(axis=0),
        "equity_contributions": rec["contrib"],
        "distributions": rec["dist"],
        "guarantee": rec["guar"],
        "sale_proceeds": rec["sale"],
        "account_deposits": rec["dep"].sum(axis=0),
        "account_withdrawals": rec["wd"].sum(axis=0),
        "cash_start": rec["cash_bf"],
        "cash_end": rec["cash_cf"],
    }
    if cd.fleets:
        # GPU book value and depreciation (accounting, not cash; the same in every scenario)
        depreciation = sum((f.depreciation for f in cd.fleets), np.zeros(T))
        book = sum((f.book_value for f in cd.fleets), np.zeros(T))
        cols["depreciation"] = np.broadcast_to(depreciation[:, None], (T, S))
        cols["book_value"] = np.broadcast_to(book[:, None], (T, S))
    periods = pd.DataFrame(
        {
            "scenario": scen,
            "period": per,
            "date": date_col,
            "phase": phase_names[rec["phase"].T.reshape(-1)],
            **_long(cols),
            "lock_up": (rec["phase"] == LOCK_UP).T.reshape(-1),
            "cash_sweep": rec["sweep"].T.reshape(-1),
            "default": (rec["phase"] == DEFAULT).T.reshape(-1),
            **{f"breach_{c.id}": rec["cov"][i].T.reshape(-1) for i, c in enumerate(cd.covenants)},
        }
    )
    tr_frames = []
    for j, tranche in enumerate(cd.tranches):
        tr_frames.append(
            pd.DataFrame(
                {
                    "scenario": scen,
                    "tranche": tranche.id,
                    "period": per,
                    "date": date_col,
                    **_long(
                        {
                            "rate": rec["rate"][j] / cd.period_years,
                            "balance_start": rec["bal0"][j],
                            "draws": rec["draw"][j],
                            "interest_due": rec["int_due"][j],
                            "interest_paid": rec["int_paid"][j],
                            "principal_due": rec["prin_due"][j],
                            "principal_paid": rec["prin"][j],
                            "written_off": rec["wo"][j],
                            "balance_end": rec["bal1"][j],
                            "interest_arrears": rec["arrears"][j],
                        }
                    ),
                }
            )
        )
    tranches = pd.concat(tr_frames, ignore_index=True) if tr_frames else pd.DataFrame()
    acc_frames = []
    for k, acc in enumerate(cd.accounts):
        acc_frames.append(
            pd.DataFrame(
                {
                    "scenario": scen,
                    "account": acc.id,
                    "kind": acc.kind,
                    "period": per,
                    "date": date_col,
                    **_long(
                        {
                            "balance_start": rec["acc0"][k],
                            "income": rec["inc"][k],
                            "deposits": rec["dep"][k],
                            "withdrawals": rec["wd"][k],
                            "balance_end": rec["acc1"][k],
                        }
                    ),
                }
            )
        )
    accounts = (
        pd.concat(acc_frames, ignore_index=True)
        if acc_frames
        else pd.DataFrame(
            columns=[
                "scenario",
                "account",
                "kind",
                "period",
                "date",
                "balance_start",
                "income",
                "deposits",
                "withdrawals",
                "balance_end",
            ]
        )
    )
    eq_frames = []
    for holder, share in cd.holders:
        eq_frames.append(
            pd.DataFrame(
                {
                    "scenario": scen,
                    "holder": holder,
                    "share": share,
                    "period": per,
                    "date": date_col,
                    "contributions": rec["contrib"].T.reshape(-1) * share,
                    "distributions": rec["dist"].T.reshape(-1) * share,
                }
            )
        )
    equity = pd.concat(eq_frames, ignore_index=True)
    return periods, tranches, accounts, equity


def yearly_summary(periods: pd.DataFrame) -> pd.DataFrame:
    """A deal's per-period table rolled up by calendar year.

    Flows (revenue, CFADS, interest, principal, debt service, distributions) are summed;
    ``min_dscr`` is the year's lowest DSCR; ``debt`` (and ``phase`` when present) are
    the year-end values.

    >>> p = pd.DataFrame({"date": ["2026-06-30", "2026-12-31", "2027-06-30"],
    ...     "revenue": [1.0, 2.0, 4.0], "cfads": [0.5, 1.0, 2.0], "interest": [0.1, 0.1, 0.2],
    ...     "principal": [0.2, 0.3, 0.4], "distributions": [0.0, 0.5, 1.0],
    ...     "dscr": [1.7, 2.5, 3.0], "debt": [10.0, 9.7, 9.3]})
    >>> yearly_summary(p)[["year", "debt_service", "min_dscr", "debt"]].to_numpy().tolist()
    [[2026.0, 0.7, 1.7, 9.7], [2027.0, 0.6000000000000001, 3.0, 9.3]]
    """
    p = periods.copy()
    p["year"] = pd.to_datetime(p["date"]).dt.year
    p["debt_service"] = p["interest"] + p["principal"]
    agg: dict[str, tuple[str, str]] = {
        "revenue": ("revenue", "sum"),
        "cfads": ("cfads", "sum"),
        "interest": ("interest", "sum"),
        "principal": ("principal", "sum"),
        "debt_service": ("debt_service", "sum"),
        "distributions": ("distributions", "sum"),
        "min_dscr": ("dscr", "min"),
        "debt": ("debt", "last"),
    }
    if "phase" in p.columns:
        agg["phase"] = ("phase", "last")
    return p.groupby("year", sort=True).agg(**agg).reset_index()
