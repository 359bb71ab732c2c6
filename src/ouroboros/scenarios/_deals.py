"""Run the deal engine for the web's SPVs and neoclouds with drivers from the simulated paths.

For each deal (``hyperion``: the SPV ``beignet``; ``coreweave``: the neocloud) the drivers
of every run are laid on the deal's own period grid:

* ``utilisation_factor = min(D, 1.15)^utilisation_elasticity x power`` and
  ``gpu_price_factor = D^price_elasticity`` (``D`` the demand ratio: AI revenue over
  what the financing expected); ``asset_value_factor = min(D, 1)^price_elasticity``;
* ``rent_factor = power`` (the share of the campus that has power);
* ``sofr`` and ``treasury`` from the run's rate paths;
* ``refinance_rate``: Treasury + the deal's credit spread, plus :data:`SHUT_PREMIUM` in
  periods when the market is shut (the deal engine always refinances at the given rate, so
  a shut market is a punitive rate there), or Treasury + the guarantee spread for a
  guaranteed deal;
* ``walk_away``: a lease whose tenant has decided to walk (strategic default);
* ``customer_default``: a customer that has defaulted in the web simulation (or walked
  away, if the rule applies to compute contracts).

The outcome (default date, losses by tranche, equity multiple) is mapped back onto the
ledger's claims on the deal's entity, layer by layer of seniority.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ouroboros.deals import make_drivers, run_deal
from ouroboros.scenarios._paths import Paths
from ouroboros.scenarios._plan import DealLink, Plan
from ouroboros.scenarios._sample import Draws
from ouroboros.scenarios._spec import CREDIT_CLASSES, ScenarioSpec

__all__ = ["SHUT_PREMIUM", "DealOutcome", "run_deals"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]
B = NDArray[np.bool_]

SHUT_PREMIUM = 0.10  # added to the refinancing rate of a deal while the market is shut


@dataclass(frozen=True)
class DealOutcome:
    """What a deal did in each run, on the web's period grid (arrays over runs)."""

    event_period: IntA  # period of a default or a loss at wind-up (-1: none)
    end_period: IntA  # period the deal ends and its debt is repaid (-1: after the horizon)
    defaulted: B
    loss_rate: F  # (R, 3) loss rate of the ledger's claims in each seniority layer
    equity_loss: F  # in the ledger's unit
    equity_paid_in: F  # in the ledger's unit
    min_dscr: F
    trigger: IntA  # entity whose default or walk-away preceded the deal's event (-1: none)

    def take(self, rows: IntA) -> DealOutcome:
        return DealOutcome(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))

    def same_as(self, other: DealOutcome) -> B:
        """Per run: whether the two outcomes are identical."""
        same = np.ones(self.event_period.shape[0], dtype=bool)
        for f in self.__dataclass_fields__:
            a, b = getattr(self, f), getattr(other, f)
            eq = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
            same &= eq.reshape(eq.shape[0], -1).all(axis=1)
        return same

    def put(self, rows: IntA, other: DealOutcome) -> DealOutcome:
        out = []
        for f in self.__dataclass_fields__:
            a = getattr(self, f).copy()
            a[rows] = getattr(other, f)
            out.append(a)
        return DealOutcome(*out)


def _period_index(plan: Plan, dates: list[dt.date]) -> IntA:
    starts = np.array([s.toordinal() for s in plan.period_start])
    ords = np.array([d.toordinal() for d in dates])
    return np.clip(np.searchsorted(starts, ords, side="right") - 1, 0, plan.periods - 1)


def _date_of(plan: Plan, period: IntA) -> NDArray[np.datetime64]:
    starts = np.array([np.datetime64(s, "D") for s in plan.period_start])
    out = np.full(period.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = period >= 0
    out[ok] = starts[period[ok]]
    return out


def _ledger_layers(plan: Plan, entity: int) -> list[int]:
    mask = plan.d_debtor == entity
    return sorted({int(x) for x in plan.d_layer[mask]})


def run_deals(
    plan: Plan,
    spec: ScenarioSpec,
    paths: Paths,
    draws: Draws,
    customer_default: IntA,
) -> list[DealOutcome]:
    """Run every deal of the plan for all runs; ``customer_default`` is (R, N) periods."""
    return [_run_one(plan, spec, paths, draws, link, customer_default) for link in plan.deals]


def _run_one(
    plan: Plan,
    spec: ScenarioSpec,
    paths: Paths,
    draws: Draws,
    link: DealLink,
    customer_default: IntA,
) -> DealOutcome:
    cd = link.deal
    R = paths.ai_revenue.shape[0]
    idx = _period_index(plan, list(cd.dates))
    d = paths.demand[:, idx]
    power = paths.power[:, idx]
    ue = draws.value("economics.utilisation_elasticity")
    pe = draws.value("economics.price_elasticity")
    util = np.minimum(d, 1.15) ** ue * power
    price = np.minimum(d, 2.0) ** pe
    value = np.minimum(d, 1.0) ** pe
    cls = CREDIT_CLASSES.index("spv" if link.kind == "spv" else "hy")
    treasury = paths.treasury[:, idx]
    refi = treasury + paths.spreads[:, cls, idx] + SHUT_PREMIUM * ~paths.market_open[:, idx]
    if plan.guaranteed[link.entity]:
        g_on = paths.guarantee_on[idx][None, :]
        refi = np.where(g_on, treasury + draws.value("guarantee.spread"), refi)
    sd = spec.strategic_default
    walk: dict[str, NDArray[np.datetime64]] = {}
    trigger = np.full(R, -1, dtype=np.int64)
    trigger_period = np.full(R, np.iinfo(np.int64).max, dtype=np.int64)
    rent = np.broadcast_to(power, (R, len(idx))).copy()
    if sd.enabled and "lease" in sd.applies_to:
        for lease_id, tenant in link.lease_tenants.items():
            if tenant < 0:
                continue
            dec = paths.decision[:, tenant]
            if sd.breach:
                # the tenant stops paying at once: no rent from the decision on (the deal
                # engine's leases can only be left at a term end)
                stop = (dec[:, None] >= 0) & (idx[None, :] >= dec[:, None])
                rent = np.where(stop, 0.0, rent)
            else:
                walk[lease_id] = _date_of(plan, dec)
            earlier = (dec >= 0) & (dec < trigger_period)
            trigger = np.where(earlier, tenant, trigger)
            trigger_period = np.where(earlier, dec, trigger_period)
    cust: dict[str, NDArray[np.datetime64]] = {}
    for customer, ent in link.customers.items():
        if ent < 0:
            continue
        per = customer_default[:, ent].copy()
        if sd.enabled and "compute_contract" in sd.applies_to:
            dec = paths.decision[:, ent]
            per = np.where((dec >= 0) & ((per < 0) | (dec < per)), dec, per)
        if (per >= 0).any():
            cust[customer] = _date_of(plan, per)
            earlier = (per >= 0) & (per < trigger_period)
            trigger = np.where(earlier, ent, trigger)
            trigger_period = np.where(earlier, per, trigger_period)
    drivers = make_drivers(
        R,
        utilisation_factor=util,
        gpu_price_factor=price,
        asset_value_factor=value,
        rent_factor=rent,
        sofr=paths.sofr[:, idx],
        treasury=treasury,
        refinance_rate=refi,
        walk_away=walk or None,
        customer_default=cust or None,
    )
    res = run_deal(cd, drivers, detail=False)
    return _outcome(plan, link, res.summary, res.tranche_summary, R, trigger)


def _to_period(plan: Plan, values: pd.Series) -> IntA:
    out = np.full(len(values), -1, dtype=np.int64)
    mask = values.notna().to_numpy()
    if mask.any():
        dates = [v if isinstance(v, dt.date) else pd.Timestamp(v).date() for v in values[mask]]
        out[mask] = _period_index(plan, dates)
    return out


def _outcome(
    plan: Plan,
    link: DealLink,
    summary: pd.DataFrame,
    tranches: pd.DataFrame,
    R: int,
    trigger: IntA,
) -> DealOutcome:
    default_p = _to_period(plan, summary["default_date"])
    end_p = _to_period(plan, summary["end_date"])
    last = link.deal.dates[-1]
    horizon_end = plan.period_end[-1]
    deal_end_p = int(_period_index(plan, [last])[0]) if last < horizon_end else -1
    total_loss = summary["total_loss"].to_numpy(dtype=np.float64)
    lossy = total_loss > 1e-9
    event = np.where(
        default_p >= 0,
        default_p,
        np.where(
            lossy,
            np.where(end_p >= 0, end_p, deal_end_p if deal_end_p >= 0 else plan.periods - 1),
            -1,
        ),
    )
    # no loss: the debt is repaid when the deal ends (wound up early, or at its last date)
    end = np.where(event >= 0, event, np.where(end_p >= 0, end_p, deal_end_p))
    # loss rate by deal seniority, then mapped onto the ledger's layers in rank order
    t = tranches.copy()
    t["scen"] = np.repeat(np.arange(R), len(t) // R) if len(t) else []
    deal_sen = sorted({int(s) for s in t["seniority"]}) if len(t) else []
    rate_by_sen = np.zeros((R, max(len(deal_sen), 1)))
    for k, s in enumerate(deal_sen):
        sub = t[t["seniority"] == s]
        loss = sub.groupby("scen")["loss"].sum().reindex(range(R), fill_value=0.0).to_numpy()
        funded = sub.groupby("scen")["funded"].sum().reindex(range(R), fill_value=0.0).to_numpy()
        rate_by_sen[:, k] = np.divide(loss, funded, out=np.zeros(R), where=funded > 0)
    loss_rate = np.zeros((R, 3))
    for k, layer in enumerate(_ledger_layers(plan, link.entity)):
        loss_rate[:, layer] = rate_by_sen[:, min(k, rate_by_sen.shape[1] - 1)]
    loss_rate = np.clip(loss_rate, 0.0, 1.0)
    paid_in = summary["equity_paid_in"].to_numpy(dtype=np.float64) * link.scale
    multiple = summary["equity_multiple"].to_numpy(dtype=np.float64)
    multiple = np.where(np.isfinite(multiple), multiple, 0.0)
    eq_loss = np.where(event >= 0, paid_in * np.clip(1.0 - multiple, 0.0, 1.0), 0.0)
    min_dscr = summary["min_dscr"].to_numpy(dtype=np.float64)
    trig = np.where(event >= 0, trigger, -1)
    return DealOutcome(
        event_period=event.astype(np.int64),
        end_period=end.astype(np.int64),
        defaulted=default_p >= 0,
        loss_rate=loss_rate,
        equity_loss=eq_loss,
        equity_paid_in=paid_in,
        min_dscr=min_dscr,
        trigger=trig.astype(np.int64),
    )
