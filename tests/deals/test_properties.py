"""Invariants of the waterfall on random deals and random scenario paths (hypothesis).

* cash is conserved in every period: what comes in (cash brought forward, revenue, the
  guarantee, sale proceeds, draws, equity contributions, account withdrawals) equals what
  goes out (opex, capex, fees, interest, principal, account deposits, distributions, cash
  carried forward), to 1e-9 relative;
* balances never go negative; tranche and account balances roll forward exactly;
* a tranche is never paid before the ones above it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ouroboros.deals import compile_deal, deal_from_data, make_drivers, run_deal
from ouroboros.deals._compile import period_ends

TOL = 1e-9
QUARTER_ENDS = period_ends(dt.date(2025, 12, 31), dt.date(2031, 1, 1), 3)


@st.composite
def deals(draw: st.DrawFn) -> dict[str, Any]:
    n_periods = draw(st.integers(6, 16))
    close = dt.date(2025, 12, 31)
    end = QUARTER_ENDS[n_periods - 1]
    horizon_years = n_periods / 4
    n_tr = draw(st.integers(1, 3))
    tranches = []
    for j in range(n_tr):
        years = draw(st.floats(0.5, horizon_years + 2))
        maturity = close + dt.timedelta(days=int(years * 365.25))
        floating = draw(st.booleans())
        rate = (
            {"index": "sofr", "spread": draw(st.floats(0.0, 0.08))}
            if floating
            else {"fixed": draw(st.floats(0.0, 0.15))}
        )
        tr: dict[str, Any] = {
            "id": f"t{j}",
            "seniority": draw(st.integers(1, 3)),
            "amount": draw(st.floats(5.0, 100.0)),
            "rate": rate,
            "amortisation": {"kind": draw(st.sampled_from(["bullet", "level"]))},
            "maturity": maturity.isoformat(),
            "deferrable": draw(st.booleans()),
        }
        if draw(st.booleans()):
            tr["refinance"] = {"term_years": draw(st.floats(0.5, 4.0)), "spread": 0.03}
        tranches.append(tr)
    use_revolver = draw(st.booleans())
    if use_revolver:
        tranches.append(
            {
                "id": "rcf",
                "kind": "revolver",
                "seniority": 1,
                "amount": 0.0,
                "commitment": draw(st.floats(1.0, 30.0)),
                "rate": {"index": "sofr", "spread": 0.02},
                "maturity": (close + dt.timedelta(days=int(365.25 * horizon_years))).isoformat(),
            }
        )
    debt = sum(t["amount"] for t in tranches)
    equity = draw(st.floats(0.0, 50.0))
    accounts: list[dict[str, Any]] = []
    sources = ["cash"]
    dsra = draw(st.booleans())
    if dsra:
        init = draw(st.floats(0.0, 20.0))
        accounts.append(
            {
                "id": "dsra",
                "kind": "reserve",
                "initial": init,
                "target": {"periods_of_debt_service": draw(st.floats(0.0, 3.0))},
            }
        )
        sources.append("dsra")
    if use_revolver:
        sources.append("rcf")
    lock = draw(st.booleans())
    if lock:
        accounts.append({"id": "trap", "kind": "lock_up"})
    covenants = []
    if draw(st.booleans()):
        covenants.append(
            {
                "id": "d1",
                "metric": "dscr",
                "threshold": draw(st.floats(1.0, 1.6)),
                "window_periods": draw(st.integers(1, 4)),
                "breach": draw(st.sampled_from(["lock_up", "cash_sweep", "default"])),
            }
        )
    if draw(st.booleans()):
        covenants.append(
            {
                "id": "l1",
                "metric": "llcr",
                "threshold": draw(st.floats(1.0, 1.5)),
                "breach": "cash_sweep",
            }
        )
    if draw(st.booleans()):
        covenants.append(
            {
                "id": "v1",
                "metric": "leverage",
                "threshold": draw(st.floats(2.0, 8.0)),
                "breach": "lock_up",
            }
        )
    fees = [{"id": "admin", "amount": draw(st.floats(0.0, 3.0))}] if draw(st.booleans()) else []
    initial = sum(a.get("initial", 0.0) for a in accounts)
    waterfall: list[dict[str, Any]] = []
    if fees:
        waterfall.append({"action": "pay_fee"})
    waterfall += [
        {"action": "pay_interest", "from": sources},
        {"action": "pay_principal", "from": sources},
    ]
    if dsra:
        waterfall.append({"action": "top_up_reserve", "account": "dsra"})
    waterfall.append({"action": "sweep", "share": draw(st.floats(0.1, 1.0))})
    waterfall.append({"action": "distribute", "limit": {"share": draw(st.floats(0.1, 1.0))}})
    return {
        "id": "random",
        "name": "random deal",
        "calendar": {
            "close": close.isoformat(),
            "end": end.isoformat(),
            "frequency": "quarterly",
        },
        "rates": {"sofr": 0.04, "treasury": 0.03},
        "assets": [
            {
                "id": "lease",
                "kind": "lease",
                "tenant": "t",
                "rent": draw(st.floats(5.0, 60.0)),
                "start": "2026-01-01",
                "initial_term_years": 30,
                "value": draw(st.floats(0.0, 150.0)),
                "residual_value": {0: 1.0, 10: 0.2},
            }
        ],
        "tranches": tranches,
        "accounts": accounts,
        "fees": fees,
        "equity": {
            "amount": equity,
            "holders": [{"id": "a", "share": 0.6}, {"id": "b", "share": 0.4}],
        },
        "close": {
            "payments": [
                {
                    "id": "asset",
                    "amount": draw(st.floats(0.0, 1.0)) * (debt + equity - initial)
                    if debt + equity > initial
                    else 0.0,
                }
            ]
        },
        "covenants": covenants,
        "enforcement": {
            "delay_periods": draw(st.integers(0, 3)),
            "recovery": draw(st.floats(0.0, 1.0)),
        },
        "waterfalls": {"operation": waterfall},
    }


def _check(data: dict[str, Any], seed: int) -> None:
    if (
        sum(a.get("initial", 0.0) for a in data["accounts"])
        > sum(t["amount"] for t in data["tranches"]) + data["equity"]["amount"]
    ):
        for a in data["accounts"]:
            a["initial"] = 0.0
    spec = deal_from_data(data)
    rng = np.random.default_rng(seed)
    S = 4
    cd = compile_deal(spec)
    T = cd.n_periods
    drv = make_drivers(
        S,
        rent_factor=rng.uniform(0.0, 1.5, (S, T)) * (rng.uniform(size=(S, T)) > 0.1),
        sofr=rng.uniform(0.0, 0.1, (S, T)),
        refinance_rate=rng.uniform(0.0, 0.2, (S, 1)),
        asset_value_factor=rng.uniform(0.0, 1.2, (S, 1)),
    )
    res = run_deal(cd, drv)
    p = res.periods
    inflow = (
        p.cash_start
        + p.revenue
        + p.guarantee
        + p.sale_proceeds
        + p.draws
        + p.equity_contributions
        + p.account_withdrawals
    )
    outflow = (
        p.opex
        + p.capex
        + p.fees
        + p.interest
        + p.principal
        + p.account_deposits
        + p.distributions
        + p.cash_end
    )
    assert np.all(np.abs(inflow - outflow) <= TOL * np.maximum(1.0, inflow.abs()))

    tr = res.tranches
    for col in ("balance_end", "interest_paid", "principal_paid", "draws", "written_off"):
        assert tr[col].min() >= -TOL, col
    assert p.cash_end.min() >= -TOL and p.distributions.min() >= -TOL
    roll = tr.balance_start + tr.draws - tr.principal_paid - tr.written_off - tr.balance_end
    assert np.abs(roll).max() <= TOL * max(1.0, tr.balance_start.abs().max())
    acc = res.accounts
    if len(acc):
        assert acc.balance_end.min() >= -TOL
        roll = acc.balance_start + acc.deposits + acc.income - acc.withdrawals - acc.balance_end
        assert np.abs(roll).max() <= TOL * max(1.0, acc.balance_start.abs().max())

    # priority: nobody below is paid while someone above is short
    seniority = {t.id: t.seniority for t in spec.tranches}
    key = ["scenario", "period"]
    wide = tr.set_index([*key, "tranche"]).unstack("tranche")
    phase = p.set_index(key)["phase"].reindex(wide.index)
    for hi, s_hi in seniority.items():
        for lo, s_lo in seniority.items():
            if s_hi >= s_lo:
                continue
            int_short = wide["interest_due"][hi] - wide["interest_paid"][hi] > 1e-7
            prin_short = wide["principal_due"][hi] - wide["principal_paid"][hi] > 1e-7
            lost = wide["written_off"][hi] > 1e-7
            junior_int = wide["interest_paid"][lo] > 1e-9
            junior_prin = wide["principal_paid"][lo] > 1e-9
            assert not (junior_int & int_short).any(), (hi, lo, "interest")
            assert not (junior_prin & (prin_short | int_short | lost)).any(), (hi, lo)
            # after acceleration the senior is repaid in full before the junior sees cash
            accel = phase.isin(["default"]) | (
                p.set_index(key)["sale_proceeds"].reindex(wide.index) > 0
            )
            senior_left = (wide["balance_end"][hi] + wide["written_off"][hi]) > 1e-7
            assert not (accel & (junior_int | junior_prin) & senior_left).any(), (hi, lo)

    # the equity table splits distributions by ownership share
    eq = res.equity.groupby(key)["distributions"].sum()
    assert np.allclose(eq.values, p.set_index(key)["distributions"].reindex(eq.index).values)
    assert isinstance(res.summary, pd.DataFrame) and len(res.summary) == S


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals(), st.integers(0, 2**31 - 1))
def test_waterfall_invariants(data: dict[str, Any], seed: int) -> None:
    _check(data, seed)
