"""The engine against hand calculations on small annual deals."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import brentq

from ouroboros.deals import (
    DealSpec,
    compile_deal,
    level_payment,
    make_drivers,
    npv,
    run_deal,
)
from ouroboros.errors import InputError

Toy = Callable[..., DealSpec]


def tranche_rows(res: object, tranche: str, scenario: int = 0) -> pd.DataFrame:
    tr = res.tranches  # type: ignore[attr-defined]
    name = res.scenarios[scenario]  # type: ignore[attr-defined]
    return tr[(tr.tranche == tranche) & (tr.scenario == name)].reset_index(drop=True)


def period_rows(res: object, scenario: int = 0) -> pd.DataFrame:
    p = res.periods  # type: ignore[attr-defined]
    return p[p.scenario == res.scenarios[scenario]].reset_index(drop=True)  # type: ignore[attr-defined]


def test_level_schedule_is_the_annuity(toy: Toy) -> None:
    res = run_deal(toy())
    tr = tranche_rows(res, "senior")
    pay = level_payment(100.0, 0.06, 10)  # 13.5868
    assert_allclose(tr.interest_paid + tr.principal_paid, pay, rtol=1e-12)
    k = np.arange(1, 11)
    remaining = 100.0 * (1 - (1.06**k - 1) / (1.06**10 - 1))
    assert_allclose(tr.balance_end, remaining, atol=1e-9)
    p = period_rows(res)
    assert_allclose(p.dscr, 20.0 / pay, rtol=1e-12)
    s = res.summary.iloc[0]
    assert_allclose(s.min_dscr, 20.0 / pay)
    # the lender earns its coupon; equity gets rent less debt service, then the asset
    days = np.array([(d - pd.Timestamp("2025-12-31")).days for d in pd.to_datetime(p.date)])
    t = np.concatenate([[0.0], days / 365.0])

    def act365_irr(flows: np.ndarray) -> float:
        # independent: Brent's method on the ACT/365 NPV (leap years make it differ from
        # the per-period rate)
        return float(brentq(lambda r: np.sum(flows * (1 + r) ** -t), -0.9, 10.0, xtol=1e-14))

    lender = np.concatenate([[-100.0], np.full(10, pay)])
    assert_allclose(res.tranche_summary.irr[0], act365_irr(lender), atol=1e-9)
    assert abs(res.tranche_summary.irr[0] - 0.06) < 1e-3
    equity = np.full(10, 20.0 - pay)
    equity[-1] += 100.0  # terminal sale at the horizon, residual value 1.0
    assert_allclose(s.equity_irr, act365_irr(np.concatenate([[-20.0], equity])), atol=1e-9)
    # WAL: principal-weighted years from close
    wal = float((tr.principal_paid * days / 365.0).sum() / tr.principal_paid.sum())
    assert_allclose(s.wal, wal)


def test_bullet_pays_interest_then_principal(toy: Toy) -> None:
    bullet = [{"id": "senior", "amount": 100.0, "rate": {"fixed": 0.05}, "maturity": "2030-12-31"}]
    res = run_deal(toy(tranches=bullet), make_drivers(1, rent_factor=[1, 1, 1, 1, 6] + [1] * 5))
    tr = tranche_rows(res, "senior")
    assert_allclose(tr.interest_paid[:5], 5.0)
    assert_allclose(tr.principal_paid, [0, 0, 0, 0, 100, 0, 0, 0, 0, 0])
    assert_allclose(tr.balance_end[4:], 0.0)
    assert_allclose(period_rows(res).distributions[:5], [15, 15, 15, 15, 15])
    # without the cash to repay it at maturity, the bullet is a payment default
    res = run_deal(toy(tranches=bullet))
    assert res.summary.default_date[0] == period_rows(res).date[4].date()


def test_sculpted_dscr_is_flat_and_equals_llcr(toy: Toy) -> None:
    spec = toy(
        assets=[
            {
                "id": "lease",
                "kind": "lease",
                "tenant": "t",
                "rent": 15.0,
                "escalation": 0.03,
                "start": "2026-01-01",
                "initial_term_years": 10,
                "value": 0.0,
            }
        ],
        tranches=[
            {
                "id": "senior",
                "amount": 100.0,
                "rate": {"fixed": 0.06},
                "amortisation": {"kind": "sculpted"},
                "maturity": "2035-12-31",
            }
        ],
    )
    res = run_deal(spec)
    p = period_rows(res)
    cfads = 15.0 * 1.03 ** np.arange(10)
    # sculpting to a given size: DSCR = PV(CFADS at the debt rate) / debt, in every period
    expected = npv(0.06, np.concatenate([[0.0], cfads])) / 100.0
    assert_allclose(p.dscr, expected, rtol=1e-10)
    # LLCR at close discounts at 6% a year over ACT/365 years from close
    p_dates = pd.to_datetime(p.date)
    years = np.array([(d - pd.Timestamp("2025-12-31")).days / 365.0 for d in p_dates])
    assert_allclose(res.summary.llcr[0], np.sum(cfads * 1.06**-years) / 100.0, rtol=1e-12)
    assert_allclose(tranche_rows(res, "senior").balance_end.iloc[-1], 0.0, atol=1e-9)


def test_reserve_carries_a_missed_rent(toy: Toy) -> None:
    spec = toy(
        accounts=[
            {
                "id": "dsra",
                "kind": "reserve",
                "initial": 15.0,
                "target": {"periods_of_debt_service": 1},
            }
        ],
        close={"payments": [{"id": "asset", "amount": 105.0}]},
        waterfalls={
            "operation": [
                {"action": "pay_interest", "from": ["cash", "dsra"]},
                {"action": "pay_principal", "from": ["cash", "dsra"]},
                {"action": "top_up_reserve", "account": "dsra"},
                {"action": "distribute"},
            ]
        },
    )
    rent = np.ones(10)
    rent[4] = 0.0  # the tenant pays nothing in year 5
    res = run_deal(spec, make_drivers(1, rent_factor=rent))
    pay = level_payment(100.0, 0.06, 10)
    acc = res.accounts
    tr = tranche_rows(res, "senior")
    assert res.summary.default_date[0] is None
    assert_allclose(tr.interest_paid + tr.principal_paid, pay, rtol=1e-12)
    # year 5: the reserve pays the whole debt service; years 6-8 refill it before equity
    assert_allclose(acc.withdrawals[4], pay)
    assert_allclose(acc.deposits[5:8], [20.0 - pay, 20.0 - pay, pay - 2 * (20.0 - pay)])
    p = period_rows(res)
    assert_allclose(p.distributions[4:7], 0.0, atol=1e-12)
    assert_allclose(p.distributions[7], 20.0 - pay - (pay - 2 * (20.0 - pay)))
    # before the hole the reserve releases what exceeds its target (one year of service)
    assert_allclose(acc.withdrawals[0], 15.0 - pay)


def test_lock_up_traps_then_releases_distributions(toy: Toy) -> None:
    spec = toy(
        accounts=[{"id": "trap", "kind": "lock_up"}],
        covenants=[
            {
                "id": "dscr",
                "metric": "dscr",
                "threshold": 1.3,
                "breach": "lock_up",
                "cure_periods": 1,
            }
        ],
    )
    rent = np.ones(10)
    rent[2:4] = 0.85  # DSCR 1.25 in years 3 and 4
    res = run_deal(spec, make_drivers(1, rent_factor=rent))
    p = period_rows(res)
    pay = level_payment(100.0, 0.06, 10)
    assert list(p.phase[:7]) == ["operation"] * 3 + ["lock_up"] * 2 + ["operation"] * 2
    assert res.summary.first_breach[0] == p.date[2].date()
    # years 4 and 5 in lock-up: what equity would get is trapped, then released in year 6
    trapped = (17.0 - pay) + (20.0 - pay)
    acc = res.accounts
    assert_allclose(p.distributions[3:5], 0.0)
    assert_allclose(acc.balance_end[4], trapped)
    assert_allclose(p.distributions[5], trapped + 20.0 - pay)


def test_payment_default_and_enforcement_loss(toy: Toy) -> None:
    spec = toy(enforcement={"delay_periods": 1, "recovery": 0.5})
    rent = np.ones(10)
    rent[3:] = 0.0  # the tenant stops paying in year 4
    res = run_deal(spec, make_drivers(1, rent_factor=rent))
    p = period_rows(res)
    b3 = 100.0 * (1 - (1.06**3 - 1) / (1.06**10 - 1))  # balance after three payments
    s = res.summary.iloc[0]
    assert s.default_date == p.date[3].date()
    assert s.end_date == p.date[4].date()
    assert list(p.phase[3:6]) == ["operation", "default", "ended"]
    # year 5: sale for 50; two years of interest first, the rest to principal
    assert_allclose(p.sale_proceeds[4], 50.0)
    ts = res.tranche_summary.iloc[0]
    assert_allclose(ts.loss, b3 - (50.0 - 2 * 0.06 * b3), rtol=1e-12)
    assert_allclose(ts.interest_lost, 0.0, atol=1e-12)
    assert_allclose(p.distributions[4:], 0.0)


def test_walk_away_inside_the_guarantee_window(toy: Toy) -> None:
    lease = {
        "id": "lease",
        "kind": "lease",
        "tenant": "meta",
        "rent": 20.0,
        "start": "2026-01-01",
        "initial_term_years": 4,
        "renewal": {"options": 2, "term_years": 3},
        "value": 100.0,
        "residual_value": {0: 1.0, 10: 0.0},
        "guarantee": {"cap": 30.0, "years": 6},
    }
    spec = toy(assets=[lease])
    drv = make_drivers(
        2, walk_away={"lease": np.array(["2029-06-01", "2032-06-01"], dtype="datetime64[D]")}
    )
    res = run_deal(spec, drv)
    # scenario 0 leaves at the first renewal (2030-01-01): four years of rent, then in
    # year 5 the campus is sold at its residual value (linear to 0 over ten years) and the
    # guarantee pays the shortfall of the sale against the debt due, up to 30
    p0 = period_rows(res, 0)
    assert_allclose(p0.revenue[:5], [20, 20, 20, 20, 0])
    age = (pd.Timestamp("2030-12-31") - pd.Timestamp("2026-01-01")).days / 365.25
    value = 100.0 * (1 - age / 10)
    b4 = 100.0 * (1 - (1.06**4 - 1) / (1.06**10 - 1))
    assert_allclose(p0.sale_proceeds[4], value, rtol=1e-12)
    assert_allclose(p0.guarantee[4], min(30.0, b4 * 1.06 - value), rtol=1e-12)
    assert res.tranche_summary.loss[0] == 0.0
    assert res.summary.end_date[0] == p0.date[4].date()
    # scenario 1 leaves at the second renewal (2033-01-01), after the guarantee's six years:
    # the sale in year 8 pays that year's interest, then principal; the rest is lost
    p1 = period_rows(res, 1)
    assert_allclose(p1.revenue[6:8], [20, 0])
    assert_allclose(p1.guarantee, 0.0)
    age = (pd.Timestamp("2033-12-31") - pd.Timestamp("2026-01-01")).days / 365.25
    value = 100.0 * (1 - age / 10)
    assert_allclose(p1.sale_proceeds[7], value, rtol=1e-12)
    b7 = 100.0 * (1 - (1.06**7 - 1) / (1.06**10 - 1))
    assert_allclose(res.tranche_summary.loss[1], 1.06 * b7 - value, rtol=1e-12)
    assert_allclose(p1.distributions[7:], 0.0)


def test_refinancing_at_maturity_at_the_scenarios_rate(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {
                "id": "senior",
                "amount": 100.0,
                "rate": {"fixed": 0.05},
                "maturity": "2030-12-31",
                "refinance": {"term_years": 5, "amortisation": "bullet"},
            }
        ]
    )
    res = run_deal(spec, make_drivers(2, refinance_rate=np.array([[0.09], [0.12]])))
    for s, rate in enumerate((0.09, 0.12)):
        tr = tranche_rows(res, "senior", s)
        assert_allclose(tr.interest_paid[:5], 5.0)
        assert_allclose(tr.interest_paid[5:], 100.0 * rate)
        assert_allclose(tr.principal_paid[:9], 0.0)
        assert_allclose(tr.principal_paid[9], 100.0)


def test_floating_rate_follows_the_scenarios_sofr(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {
                "id": "loan",
                "amount": 100.0,
                "maturity": "2035-12-31",
                "rate": {"index": "sofr", "spread": 0.02, "floor": 0.01},
            }
        ]
    )
    sofr = np.array([[0.05, 0.04, 0.0, 0.03, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02]])
    res = run_deal(spec, make_drivers(1, sofr=sofr))
    tr = tranche_rows(res, "loan")
    assert_allclose(tr.interest_paid, 100.0 * (np.maximum(sofr[0], 0.01) + 0.02))


def test_spread_grid_weights_backing_contracts_by_tier(toy: Toy) -> None:
    contracts = [
        {
            "id": "a",
            "kind": "contract",
            "customer": "msft",
            "credit_tier": "ig_named",
            "value": 30.0,
            "start": "2026-01-01",
            "end": "2031-01-01",
        },
        {
            "id": "b",
            "kind": "contract",
            "customer": "lab",
            "credit_tier": "sub_ig",
            "value": 10.0,
            "start": "2026-01-01",
            "end": "2031-01-01",
        },
    ]
    grid = {"ig_named": 0.06, "ig": 0.065, "sub_ig": 0.13}
    spec = toy(
        assets=contracts,
        close={"payments": [{"id": "asset", "amount": 30.0}]},
        tranches=[
            {
                "id": "ddtl",
                "amount": 10.0,
                "maturity": "2030-12-31",
                "rate": {"index": "sofr", "spread_by_tier": grid, "backing": ["a", "b"]},
            }
        ],
    )
    cd = compile_deal(spec)
    assert_allclose(cd.tranches[0].spread, (30 * 0.06 + 10 * 0.13) / 40)


def _fleet_deal(toy: Toy) -> DealSpec:
    fleet = {
        "id": "fleet",
        "kind": "gpu_fleet",
        "cohorts": [
            {"date": "2025-06-30", "gpus": 1000, "cost_per_gpu": 30000},
            {"date": "2027-06-30", "gpus": 1000, "cost_per_gpu": 50000},
        ],
        "utilisation": 0.5,
        "price_per_gpu_hour": 2.0,
        "opex_per_gpu_hour": 0.5,
        "hours_per_year": 8760,
        "depreciation": {"life_years": 5},
        "residual_value": 0.5,
        "funded_by": ["ddtl", "equity"],
    }
    contract = {
        "id": "c",
        "kind": "contract",
        "customer": "lab",
        "credit_tier": "sub_ig",
        "value": 50.0,
        "start": "2026-01-01",
        "end": "2031-01-01",
        "gpus": 400,
        "fleet": "fleet",
    }
    return toy(
        assets=[fleet, contract],
        tranches=[
            {
                "id": "ddtl",
                "kind": "delayed_draw",
                "amount": 0.0,
                "commitment": 30.0,
                "advance_rate": 0.8,
                "rate": {"fixed": 0.08},
                "maturity": "2032-12-31",
            }
        ],
        close={"payments": [{"id": "asset", "amount": 20.0}]},
    )


def test_capex_drawn_on_the_facility_then_equity(toy: Toy) -> None:
    res = run_deal(_fleet_deal(toy))
    p = period_rows(res)
    # the 2027 cohort costs 50: the facility lends 80% up to its 30 commitment, equity the rest
    assert_allclose(p.capex[1], 50.0)
    assert_allclose(p.draws[1], 30.0)
    assert_allclose(p.equity_contributions[1], 20.0)
    assert_allclose(p.capex_unfunded, 0.0)


def test_customer_default_returns_gpus_to_spot(toy: Toy) -> None:
    spec = _fleet_deal(toy)
    drv = make_drivers(
        2, customer_default={"lab": np.array(["NaT", "2028-01-01"], dtype="datetime64[D]")}
    )
    res = run_deal(spec, drv)
    p0, p1 = period_rows(res, 0), period_rows(res, 1)
    spot_per_gpu = 0.5 * 2.0 * 8760 / 1e6  # utilisation x $/GPU-hour x hours, in millions
    # the contract's 50 is earned evenly by day over its 1,826 days (2028 has 366)
    per_day = 50.0 / 1826
    # from 2028 the 400 dedicated GPUs earn spot revenue instead of the contract
    assert_allclose(p0.revenue[2] - p1.revenue[2], 366 * per_day - 400 * spot_per_gpu, rtol=1e-12)
    assert_allclose(p0.revenue[:2], p1.revenue[:2])
    # before the cohort arrives: 600 spot GPUs plus the contract
    assert_allclose(p0.revenue[0], 600 * spot_per_gpu + 365 * per_day, rtol=1e-12)
    # over its whole term the contract earns exactly its value
    contract = p0.revenue - 600 * spot_per_gpu
    contract[1:] -= 1000 * spot_per_gpu  # the second cohort (1,000 GPUs) is all spot
    assert_allclose(contract[:5].sum(), 50.0, rtol=1e-12)
    assert_allclose(p0.opex[0], 1000 * 0.5 * 8760 / 1e6, rtol=1e-9)


def test_equal_seniority_is_paid_pro_rata(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {"id": "a", "amount": 60.0, "rate": {"fixed": 0.05}, "maturity": "2035-12-31"},
            {"id": "b", "amount": 40.0, "rate": {"fixed": 0.10}, "maturity": "2035-12-31"},
        ],
        enforcement={"delay_periods": 5, "recovery": 0.0},
    )
    rent = np.full(10, 0.25)  # 5 a year against 3 + 4 of interest
    res = run_deal(spec, make_drivers(1, rent_factor=rent))
    a, b = tranche_rows(res, "a"), tranche_rows(res, "b")
    assert_allclose(a.interest_paid[0], 5.0 * 3.0 / 7.0)
    assert_allclose(b.interest_paid[0], 5.0 * 4.0 / 7.0)


def test_junior_waits_for_senior(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {
                "id": "junior",
                "seniority": 2,
                "amount": 40.0,
                "rate": {"fixed": 0.10},
                "maturity": "2040-12-31",
                "deferrable": True,
            },
            {
                "id": "senior",
                "seniority": 1,
                "amount": 60.0,
                "rate": {"fixed": 0.05},
                "maturity": "2040-12-31",
            },
        ]
    )
    rent = np.full(10, 0.2)  # 4 a year: senior interest 3, junior gets the remaining 1
    res = run_deal(spec, make_drivers(1, rent_factor=rent))
    sen, jun = tranche_rows(res, "senior"), tranche_rows(res, "junior")
    assert_allclose(sen.interest_paid[0], 3.0)
    assert_allclose(jun.interest_paid[0], 1.0)
    # the junior's unpaid interest accrues as arrears (deferrable: no default)
    assert_allclose(jun.interest_arrears[0], 3.0)
    assert res.summary.default_date[0] is None


def test_scenarios_run_together_equal_scenarios_run_alone(toy: Toy) -> None:
    spec = toy(
        accounts=[
            {
                "id": "dsra",
                "kind": "reserve",
                "initial": 5.0,
                "target": {"periods_of_debt_service": 1},
            },
            {"id": "trap", "kind": "lock_up"},
        ],
        covenants=[
            {"id": "d", "metric": "dscr", "threshold": 1.4, "breach": "lock_up"},
            {"id": "l", "metric": "llcr", "threshold": 1.2, "breach": "cash_sweep"},
        ],
        enforcement={"delay_periods": 2, "recovery": 0.6},
        close={"payments": [{"id": "asset", "amount": 115.0}]},
        waterfalls={
            "operation": [
                {"action": "pay_interest", "from": ["cash", "dsra"]},
                {"action": "pay_principal", "from": ["cash", "dsra"]},
                {"action": "top_up_reserve", "account": "dsra"},
                {"action": "sweep", "share": 0.5},
                {"action": "distribute"},
            ]
        },
    )
    rng = np.random.default_rng(7)
    rent = rng.uniform(0.2, 1.3, (6, 10))
    together = run_deal(spec, make_drivers(6, rent_factor=rent))
    for s in range(6):
        alone = run_deal(
            spec, make_drivers(1, names=[together.scenarios[s]], rent_factor=rent[s : s + 1])
        )
        a = period_rows(together, s).drop(columns=["scenario"])
        b = period_rows(alone, 0).drop(columns=["scenario"])
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)
        pd.testing.assert_frame_equal(
            together.summary.iloc[[s]].reset_index(drop=True),
            alone.summary,
            check_exact=False,
            rtol=1e-12,
        )


def test_bad_driver_shape_names_the_driver(toy: Toy) -> None:
    with pytest.raises(InputError, match="rent_factor") as info:
        run_deal(toy(), make_drivers(2, rent_factor=np.ones((2, 7))))
    assert info.value.field == "rent_factor"
    with pytest.raises(InputError, match="utilisation_factor"):
        make_drivers(2, utilisation_factor=np.ones((3, 10)))
    with pytest.raises(InputError, match=">= 0"):
        make_drivers(1, cfads_factor=-1.0)
    with pytest.raises(InputError, match=r"walk_away names 'campus'.*leases: lease") as info:
        run_deal(toy(), make_drivers(1, walk_away={"campus": ["2030-01-01"]}))
    assert info.value.field == "walk_away"
    with pytest.raises(InputError, match=r"customer_default names 'openai'.*customers: none"):
        run_deal(toy(), make_drivers(1, customer_default={"openai": ["2030-01-01"]}))


def test_custom_amortisation_follows_the_balance_schedule(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {
                "id": "senior",
                "amount": 100.0,
                "rate": {"fixed": 0.05},
                "maturity": "2035-12-31",
                "amortisation": {
                    "kind": "custom",
                    "balance": {"2027-12-31": 0.5, "2030-06-30": 0.2},
                },
            }
        ]
    )
    tr = tranche_rows(run_deal(spec, make_drivers(1, rent_factor=3.0)), "senior")
    # 50% left after 2027, 20% after mid-2030 (paid in the period containing it), 0 at maturity
    assert_allclose(tr.principal_paid, [0, 50, 0, 0, 30, 0, 0, 0, 0, 20])
    assert_allclose(tr.interest_paid[:3], [5.0, 5.0, 2.5])


@pytest.mark.parametrize("method", ["straight_line", "declining_balance"])
def test_gpu_depreciation(toy: Toy, method: str) -> None:
    fleet = {
        "id": "fleet",
        "kind": "gpu_fleet",
        "cohorts": [{"date": "2025-12-31", "gpus": 1000, "cost_per_gpu": 30000}],
        "utilisation": 0.5,
        "price_per_gpu_hour": 2.0,
        "depreciation": {"method": method, "life_years": 5, "rate": 0.4},
        "residual_value": {0: 1.0, 5: 0.1},
    }
    res = run_deal(toy(assets=[fleet], close={"payments": [{"id": "gpus", "amount": 120.0}]}))
    p = period_rows(res)
    age = np.array([(d - pd.Timestamp("2025-12-31")).days / 365.25 for d in pd.to_datetime(p.date)])
    if method == "straight_line":
        book = 30.0 * np.clip(1 - age / 5, 0, 1)
    else:  # 40% a year, written off at the end of the life
        book = np.where(age < 5, 30.0 * 0.6**age, 0.0)
    assert_allclose(p.book_value, book, atol=1e-12)
    assert_allclose(p.depreciation, np.diff(np.concatenate([[30.0], book])) * -1, atol=1e-12)
    assert_allclose(p.depreciation.sum(), 30.0)
