"""Investor-layer payoffs: hand-computed waterfalls, conservation, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.markets import (
    Layer,
    PayoffScenario,
    Venture,
    layer_payoff_grid,
    layer_payoffs,
    run_layers,
    venture_cash_flows,
)


def annuity(d: float, i: float, n: int) -> float:
    return d * i / (1 - (1 + i) ** -n)


def test_default_waterfall_by_hand() -> None:
    v = Venture(
        "neo",
        tenor=4,
        debt_share=0.8,
        debt_rate=0.10,
        contract_yield=0.5,
        contracted_share=1.0,
        contract_years=2,
        market_yield=0.5,
        exit_multiple=1.0,
        residual_value=0.1,
    )
    f = venture_cash_flows(v, [PayoffScenario("slow", years_to_scale=10)])
    A = annuity(0.8, 0.1, 4)  # 0.252377
    # year 3: income 0.5 × 3/10 = 0.15 < A -> default; owed B2 × 1.1
    b2 = 0.8 * 1.1**2 - A * (1.1 + 1.0)
    liquidation = 0.15 + max(0.1, 0.5 * 0.4 / 1.0)  # V3 = market income of year 4 × 1
    assert liquidation < b2 * 1.1
    assert_allclose(f.debt[0], [A, A, liquidation, 0.0])
    assert_allclose(f.equity[0], [0.5 - A, 0.5 - A, 0.0, 0.0])
    assert f.default_year[0] == 3.0


def test_amortizing_debt_without_default_earns_its_rate() -> None:
    v = Venture(
        "spv",
        tenor=8,
        debt_share=0.6,
        debt_rate=0.07,
        contract_yield=0.2,
        contracted_share=1.0,
        contract_years=8,
        market_yield=0.1,
        exit_multiple=5.0,
    )
    res = layer_payoffs(
        [v],
        [Layer("bonds", "debt", venture="spv"), Layer("eq", "equity", venture="spv")],
        [PayoffScenario("base", years_to_scale=1)],
    )
    t = res.table.set_index("layer")
    assert t.loc["bonds", "irr"] == pytest.approx(0.07, abs=1e-10)
    assert t.loc["bonds", "multiple"] == pytest.approx(8 * annuity(0.6, 0.07, 8) / 0.6)
    # equity: 8 × (0.2 − A) plus the asset at the end, 0.1 × 5, per 0.4 invested
    eq = (8 * (0.2 - annuity(0.6, 0.07, 8)) + 0.5) / 0.4
    assert t.loc["eq", "multiple"] == pytest.approx(eq)
    assert np.isnan(t.loc["eq", "default_year"])


def test_bullet_debt_is_refinanced_from_the_asset_value() -> None:
    v = Venture(
        "b",
        tenor=3,
        debt_share=0.5,
        debt_rate=0.08,
        amortizing=False,
        market_yield=0.1,
        exit_multiple=8.0,
    )
    f = venture_cash_flows(v, [PayoffScenario("s", years_to_scale=0)])
    assert_allclose(f.debt[0], [0.04, 0.04, 0.54])
    assert_allclose(f.equity[0], [0.06, 0.06, 0.1 + 0.8 - 0.54])
    # a rate shift on floating debt and on the exit yield: 1/8 + 0.025 = 0.15 -> V = 2/3
    fl = Venture(
        "b",
        tenor=3,
        debt_share=0.5,
        debt_rate=0.08,
        amortizing=False,
        floating=True,
        market_yield=0.1,
        exit_multiple=8.0,
    )
    g = venture_cash_flows(fl, [PayoffScenario("s", years_to_scale=0, rate_shift=0.025)])
    assert_allclose(g.debt[0], [0.0525, 0.0525, 0.5525])
    assert_allclose(g.equity[0, -1], 0.1 + 0.1 / 0.15 - 0.5525)


def test_walking_tenant_and_guarantee() -> None:
    v = Venture(
        "spv",
        tenor=6,
        debt_share=0.9,
        debt_rate=0.06,
        contract_yield=0.2,
        contracted_share=1.0,
        contract_years=6,
        walk_year=2,
        guarantee=0.2,
        market_yield=0.05,
        exit_multiple=10,
        residual_value=0.3,
    )
    A = annuity(0.9, 0.06, 6)
    f = venture_cash_flows(v, [PayoffScenario("walk", 5, productivity=0.0, strategic_default=True)])
    # the lease stops after year 2; in year 3 income is 0 -> default; creditors take the
    # campus (residual 0.3) plus the tenant's guarantee 0.2
    b2 = 0.9 * 1.06**2 - A * 2.06
    assert f.default_year[0] == 3.0
    assert_allclose(f.debt[0], [A, A, min(b2 * 1.06, 0.5), 0, 0, 0])
    assert_allclose(f.equity[0], [0.2 - A, 0.2 - A, 0, 0, 0, 0])
    s = venture_cash_flows(v, [PayoffScenario("stay", 5, productivity=0.0)])
    assert np.isnan(s.default_year[0])
    assert_allclose(s.debt[0], A)


def test_levered_fund_by_hand() -> None:
    # the bullet is repaid in year 2 from income 0.3 plus the asset's residual value 0.5
    v = Venture(
        "n",
        tenor=2,
        debt_share=0.5,
        debt_rate=0.1,
        amortizing=False,
        contract_yield=0.3,
        contracted_share=1.0,
        contract_years=2,
        residual_value=0.5,
    )
    layers = [
        Layer("loans", "debt", venture="n"),
        Layer("lp", "levered_fund", underlying="loans", leverage=1.0, borrow_rate=0.05, fee=0.01),
        Layer("pension", "portfolio", weights={"loans": 0.5, "lp": 0.5}),
    ]
    res = layer_payoffs([v], layers, [PayoffScenario("s", 1)])
    cf = res.cash_flows.pivot(index="year", columns="layer", values="cash")
    assert_allclose(cf["loans"], [0.1, 1.1])  # per 1 of debt: 5% of capex / 0.5, then 1.1
    # year 1: 2 × 0.1 − 0.02 = 0.18 to the bank (owes 1.05) -> 0.87 left
    # year 2: 2 × 1.1 − 0.02 = 2.18; bank owed 0.87 × 1.05 = 0.9135; LP gets 1.2665
    assert_allclose(cf["lp"], [0.0, 2.18 - 0.87 * 1.05])
    t = res.table.set_index("layer")
    assert t.loc["lp", "irr"] == pytest.approx(np.sqrt(2.18 - 0.9135) - 1)
    assert_allclose(cf["pension"], 0.5 * cf["loans"] + 0.5 * cf["lp"])
    assert t.loc["pension", "multiple"] == pytest.approx(0.5 * 1.2 + 0.5 * 1.2665)


def test_cash_is_conserved_between_debt_and_equity() -> None:
    v = Venture(
        "neo",
        tenor=6,
        debt_share=0.7,
        debt_rate=0.09,
        contract_yield=0.22,
        contracted_share=0.96,
        contract_years=4,
        market_yield=0.22,
        exit_multiple=2,
        residual_value=0.05,
    )
    scen = [PayoffScenario(f"s{ts}", ts) for ts in (0, 3, 8, 15, 40)]
    f = venture_cash_flows(v, scen)
    for k in range(len(scen)):
        total = f.debt[k] + f.equity[k]
        dy = f.default_year[k]
        if np.isnan(dy):
            want = f.income[k].copy()
            a_next = min(1.0, 7 / scen[k].years_to_scale) if scen[k].years_to_scale else 1.0
            want[-1] += max(0.05, 0.22 * a_next * 2)
            assert_allclose(total, want)
        else:
            j = int(dy) - 1
            assert_allclose(total[:j], f.income[k][:j])
            assert_allclose(total[j + 1 :], 0.0)


@settings(max_examples=60, deadline=None)
@given(
    fast=st.floats(0, 20),
    extra=st.floats(0.1, 20),
    phi=st.floats(0, 1.5),
    d=st.floats(0.1, 0.95),
    rate=st.floats(0.0, 0.15),
    amortizing=st.booleans(),
)
def test_faster_productivity_never_hurts_lenders_or_owners(
    fast: float, extra: float, phi: float, d: float, rate: float, amortizing: bool
) -> None:
    v = Venture(
        "v",
        tenor=10,
        debt_share=d,
        debt_rate=rate,
        amortizing=amortizing,
        contract_yield=0.15,
        contracted_share=0.5,
        contract_years=3,
        market_yield=0.2,
        exit_multiple=6,
        residual_value=0.1,
    )
    owner = Venture("own", tenor=10, market_yield=0.2, exit_multiple=6)
    layers = [Layer("debt", "debt", venture="v"), Layer("owner", "equity", venture="own")]
    res = layer_payoffs(
        [v, owner],
        layers,
        [
            PayoffScenario("fast", fast, productivity=phi),
            PayoffScenario("slow", fast + extra, productivity=phi),
        ],
    )
    m = res.pivot("multiple")
    assert m.loc["debt", "fast"] >= m.loc["debt", "slow"] - 1e-12
    assert m.loc["owner", "fast"] >= m.loc["owner", "slow"] - 1e-12
    assert (res.table["multiple"] >= 0).all()


def test_bundled_layers_tell_the_articles_story() -> None:
    res = run_layers()
    dy = res.pivot("default_year")
    irr = res.pivot("irr")
    loss = res.pivot("loss")
    # seed 001 (a): the neocloud fails first when productivity is slow; the SPV does not
    assert dy.loc["neocloud_equity", "slow_productivity"] > 0
    assert np.isnan(dy.loc["spv_bonds", "slow_productivity"])
    # seed 001 (b): tenants walk; SPV bonds and private credit lose money, equity behind them
    assert loss.loc["spv_bonds", "productivity_refuted"] > 0
    assert loss.loc["private_credit_loans", "productivity_refuted"] > 0
    assert loss.loc["tech_giant_equity", "productivity_refuted"] == pytest.approx(1.0)
    # neocloud equity is the first shield: highest return when it works, worst when slow
    assert irr["productivity_proven"].idxmax() in ("neocloud_equity", "spv_equity")
    assert irr["slow_productivity"].idxmin() == "neocloud_equity"


def test_grid_for_heat_maps() -> None:
    v = Venture("own", tenor=10, market_yield=0.13, exit_multiple=12)
    grid = layer_payoff_grid(
        [v],
        [Layer("eq", "equity", venture="own")],
        years_to_scale=[2, 5, 15],
        rate_shift=[0.0, 0.02],
    )
    assert len(grid) == 6
    pv = grid.pivot(index="years_to_scale", columns="rate_shift", values="multiple")
    assert (np.diff(pv.to_numpy(), axis=0) <= 0).all()  # slower -> less
    assert (np.diff(pv.to_numpy(), axis=1) <= 0).all()  # dearer exit yield -> less


@pytest.mark.parametrize(
    ("layers", "match"),
    [
        ([Layer("p", "portfolio", weights={"x": 1.0})], "unknown layer 'x'"),
        ([Layer("e", "equity", venture="nope")], "unknown venture 'nope'"),
        ([Layer("d", "debt", venture="own")], "has no debt"),
        (
            [
                Layer("a", "levered_fund", underlying="b"),
                Layer("b", "levered_fund", underlying="a"),
            ],
            "cycle",
        ),
    ],
)
def test_bad_layers(layers: list[Layer], match: str) -> None:
    v = Venture("own", tenor=5, market_yield=0.1)
    with pytest.raises(InputError, match=match):
        layer_payoffs([v], layers, [PayoffScenario("s", 3)])


def test_bad_records() -> None:
    with pytest.raises(InputError, match="weights must sum to 1"):
        Layer("p", "portfolio", weights={"a": 0.5, "b": 0.4})
    with pytest.raises(InputError, match="venture 'v': debt_share must be < 1"):
        Venture("v", tenor=5, debt_share=1.0)
    with pytest.raises(InputError, match="tenor must be in"):
        Venture("v", tenor=0)
    with pytest.raises(InputError, match="years_to_scale must be >= 0"):
        PayoffScenario("s", years_to_scale=-1)
    with pytest.raises(InputError, match="kind must be one of"):
        Layer("x", "mezzanine")  # type: ignore[arg-type]
