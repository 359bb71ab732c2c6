"""The forced-selling chain: a hand-computed example, conservation and termination."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.integrate import quad

from ouroboros.errors import ConvergenceError, InputError
from ouroboros.markets import (
    Holder,
    MarketAsset,
    Position,
    SellingResult,
    forced_selling,
    impact_price,
    impact_proceeds,
)


def two_holders() -> SellingResult:
    """A sovereign owing 10 and a fund whose investors redeem 1x its fractional loss."""
    return forced_selling(
        [
            Holder("sov", cash=0, commitment=10, portfolio=(Position("a", 50),)),
            Holder(
                "fund",
                cash=0,
                commitment=0,
                portfolio=(Position("a", 40),),
                redemption_per_loss=1.0,
            ),
        ],
        [MarketAsset("a", depth=100, impact="linear")],
        tolerance=1e-9,
    )


def test_two_holder_chain_by_hand() -> None:
    res = two_holders()
    ch = res.chain
    # round 1: sov sells 10 units along p = 1 − x/100: proceeds 10 − 100/200 = 9.5
    r1 = ch[ch["round"] == 1]
    assert list(zip(r1["holder"], r1["kind"], strict=True)) == [("sov", "sale")]
    assert r1["quantity"].iloc[0] == pytest.approx(10.0)
    assert r1["price"].iloc[0] == pytest.approx(0.95)
    # round 2: the fund's NAV per unit is 0.9 -> investors redeem 1 × 10% of 40 units at
    # 0.9 = 3.6; sov has paid 9.5 and still owes 0.5 -> sells 0.5/0.9; the fund sells
    # 3.6/0.9 = 4 units; together 4.5556 units from x = 10, average 1 − (10 + 14.5556)/200
    r2 = ch[ch["round"] == 2].set_index(["holder", "kind"])
    assert r2.loc[("fund", "outside_redemption"), "quantity"] == pytest.approx(4.0)
    assert r2.loc[("fund", "outside_redemption"), "proceeds"] == pytest.approx(3.6)
    q_sov = 0.5 / 0.9
    assert r2.loc[("sov", "sale"), "quantity"] == pytest.approx(q_sov)
    assert r2.loc[("fund", "sale"), "quantity"] == pytest.approx(4.0)
    avg = 1 - (10 + 10 + q_sov + 4) / 200
    assert r2.loc[("sov", "sale"), "price"] == pytest.approx(avg)
    # round 3: fund NAV = cash 4·avg + 36 units at p − 3.6 owed, over 36 units
    p2 = 1 - (14 + q_sov) / 100
    nav_unit = (4 * avg + 36 * p2 - 3.6) / 36
    r3 = ch[(ch["round"] == 3) & (ch["kind"] == "outside_redemption")]
    assert r3["quantity"].iloc[0] == pytest.approx((1 - nav_unit) * 40 - 4)
    assert r3["price"].iloc[0] == pytest.approx(nav_unit)
    # everyone is paid in the end
    assert_allclose(res.holders["unpaid"], 0.0, atol=1e-8)
    assert res.holders.set_index("holder").loc["sov", "paid"] == pytest.approx(10.0)


def _check_invariants(res: SellingResult, holders: list[Holder], tol: float) -> None:
    ch = res.chain
    sales = ch[ch["kind"] == "sale"]
    # units sold = units bought by the absorbing market, asset by asset
    by_asset = sales.groupby("asset")["quantity"].sum()
    p = res.prices.set_index("asset")
    for asset, row in p.iterrows():
        assert row["units_sold"] == pytest.approx(float(by_asset.get(asset, 0.0)), abs=1e-9)
        assert row["market_bought"] == pytest.approx(row["units_sold"], abs=1e-9)
    # cash the market paid = proceeds the sellers received
    paid = sales.groupby("asset")["proceeds"].sum()
    for asset, row in p.iterrows():
        assert row["market_paid"] == pytest.approx(float(paid.get(asset, 0.0)), abs=1e-9)
    # no holding goes negative, and start − end = what the chain says was sold or redeemed
    h = res.holdings
    assert (h["end"] >= -1e-12).all()
    moved = (
        ch[ch["kind"].isin(["sale", "redemption"])].groupby(["holder", "asset"])["quantity"].sum()
    )
    for rec in h.itertuples():
        assert rec.start - rec.end == pytest.approx(
            float(moved.get((rec.holder, rec.asset), 0.0)), abs=1e-9
        )
    # prices never rise, and each holder ends paid (or out of assets)
    assert (p["end_price"] <= p["start_price"] + 1e-12).all()
    hs = res.holders.set_index("holder")
    assert (hs["unpaid"] >= -1e-9).all()
    left = h.assign(v=h["end"]).groupby("holder")["v"].sum()
    for name, row in hs.iterrows():
        assert row["unpaid"] <= tol * 1.01 or row["failed"] or left.get(name, 0.0) > 0


def test_two_holder_invariants() -> None:
    res = two_holders()
    _check_invariants(res, [], 1e-9)


holding = st.tuples(st.integers(0, 3), st.floats(0.0, 50.0))


@settings(max_examples=80, deadline=None)
@given(
    n_assets=st.integers(1, 4),
    specs=st.lists(
        st.tuples(
            st.floats(0, 20),  # cash
            st.floats(0, 60),  # commitment
            st.floats(0, 3),  # redemption per loss
            st.lists(holding, min_size=1, max_size=4, unique_by=lambda h: h[0]),
            st.booleans(),  # pro rata
        ),
        min_size=1,
        max_size=4,
    ),
    depths=st.lists(st.floats(5, 500), min_size=4, max_size=4),
    shocks=st.lists(st.floats(-0.6, 0.0), min_size=4, max_size=4),
    linear=st.booleans(),
    fund_stake=st.floats(0, 1),
)
def test_chain_terminates_and_conserves_holdings(
    n_assets: int,
    specs: list[tuple[float, float, float, list[tuple[int, float]], bool]],
    depths: list[float],
    shocks: list[float],
    linear: bool,
    fund_stake: float,
) -> None:
    assets = [
        MarketAsset(
            f"a{k}", depth=depths[k], shock=shocks[k], impact="linear" if linear else "exponential"
        )
        for k in range(n_assets)
    ]
    holders = []
    for i, (cash, commit, beta, hold, pro_rata) in enumerate(specs):
        port = [Position(f"a{k % n_assets}", amt) for k, amt in hold]
        port = list({p.asset: p for p in port}.values())
        value = cash + sum(p.amount for p in port)
        # the first holder may own part of the last one (a fund), if that fund is solvent
        holders.append(
            Holder(
                f"h{i}",
                cash=cash,
                commitment=min(commit, value) if beta > 0 else commit,
                portfolio=tuple(port),
                redemption_per_loss=beta,
                sell_order="pro_rata" if pro_rata else "conviction",
            )
        )
    if len(holders) > 1:
        fund = holders[-1]
        nav = fund.cash + sum(p.amount for p in fund.portfolio) - fund.commitment
        if nav > 0:
            h0 = holders[0]
            holders[0] = Holder(
                h0.name,
                h0.cash,
                h0.commitment,
                (Position(fund.name, fund_stake * nav), *h0.portfolio),
                h0.redemption_per_loss,
                h0.sell_order,
            )
    tol = 1e-6
    res = forced_selling(holders, assets, tolerance=tol, max_rounds=5000)
    _check_invariants(res, holders, tol)


def test_exponential_proceeds_are_the_integral_of_the_price_curve() -> None:
    got = impact_proceeds("exponential", 0.8, 30.0, 45.0, 120.0)
    want, _ = quad(lambda x: 0.8 * np.exp(-x / 120.0), 30.0, 75.0)
    assert got == pytest.approx(want, rel=1e-12)
    got_lin = impact_proceeds("linear", 1.0, 80.0, 40.0, 100.0)  # past the depth: price 0
    want_lin, _ = quad(lambda x: max(0.0, 1 - x / 100.0), 80.0, 120.0)
    assert got_lin == pytest.approx(want_lin, rel=1e-9)
    assert float(impact_price("linear", 1.0, 150.0, 100.0)) == 0.0


def test_conviction_order_and_pro_rata() -> None:
    assets = [MarketAsset("btc", depth=1e9), MarketAsset("ust", depth=1e9)]
    conv = Holder(
        "pif", cash=0, commitment=10, portfolio=(Position("btc", 8), Position("ust", 100))
    )
    res = forced_selling([conv], assets, tolerance=1e-9)
    sold = res.chain.groupby("asset")["quantity"].sum()
    # all the low-conviction bitcoin first, then treasuries (impact is negligible here)
    assert sold["btc"] == pytest.approx(8.0)
    assert sold["ust"] == pytest.approx(2.0, rel=1e-6)
    etf = Holder(
        "etf",
        cash=0,
        commitment=10,
        sell_order="pro_rata",
        portfolio=(Position("btc", 20), Position("ust", 80)),
    )
    sold = forced_selling([etf], assets, tolerance=1e-9).chain.groupby("asset")["quantity"].sum()
    assert sold["btc"] / sold["ust"] == pytest.approx(20 / 80, rel=1e-6)


def test_redeeming_from_a_fund_makes_the_fund_sell() -> None:
    assets = [MarketAsset("saas", depth=1e6)]
    res = forced_selling(
        [
            Holder("pif", cash=0, commitment=5, portfolio=(Position("hf", 10),)),
            Holder("hf", cash=1, commitment=0, portfolio=(Position("saas", 19),)),
        ],
        assets,
        tolerance=1e-9,
    )
    ch = res.chain
    first = ch.iloc[0]
    assert (first["holder"], first["asset"], first["kind"]) == ("pif", "hf", "redemption")
    assert first["proceeds"] == pytest.approx(5.0)
    hf_sales = ch[(ch["holder"] == "hf") & (ch["kind"] == "sale")]["proceeds"].sum()
    assert hf_sales == pytest.approx(4.0, rel=1e-4)  # 5 owed, 1 in cash
    assert res.holders.set_index("holder").loc["pif", "unpaid"] == pytest.approx(0, abs=1e-6)


def test_a_fund_with_nothing_left_fails_and_its_investor_sells_instead() -> None:
    res = forced_selling(
        [
            Holder(
                "pif", cash=0, commitment=6, portfolio=(Position("hf", 4), Position("ust", 100))
            ),
            # the fund's commitment leaves NAV 4; its only asset then halves in price
            Holder("hf", cash=0, commitment=4, portfolio=(Position("coin", 8),)),
        ],
        [MarketAsset("coin", depth=1e9, shock=-0.75), MarketAsset("ust", depth=1e9)],
        tolerance=1e-9,
    )
    hs = res.holders.set_index("holder")
    assert bool(hs.loc["hf", "failed"])
    assert hs.loc["pif", "unpaid"] == pytest.approx(0.0, abs=1e-6)
    ust = res.chain[(res.chain["holder"] == "pif") & (res.chain["asset"] == "ust")]
    assert ust["proceeds"].sum() == pytest.approx(6.0, rel=1e-6)


def test_max_rounds_gives_a_convergence_error() -> None:
    with pytest.raises(ConvergenceError, match="max_rounds=1"):
        forced_selling(
            [Holder("sov", cash=0, commitment=10, portfolio=(Position("a", 50),))],
            [MarketAsset("a", depth=100, impact="linear")],
            max_rounds=1,
        )


@pytest.mark.parametrize(
    ("holders", "assets", "match"),
    [
        (
            [Holder("h", 0, 1, (Position("zzz", 1),))],
            [MarketAsset("a", 1)],
            "holder 'h': portfolio names unknown asset or fund 'zzz'",
        ),
        (
            [Holder("f", 0, 0, (Position("g", 1),)), Holder("g", 0, 0, (Position("f", 1),))],
            [],
            "cycle",
        ),
        (
            [Holder("h", 0, 0, (Position("f", 10),)), Holder("f", 5, 0, ())],
            [],
            "more than its net asset value",
        ),
        ([Holder("a", 0, 0, ())], [MarketAsset("a", 1)], "both an asset and a holder"),
    ],
)
def test_bad_inputs(holders: list[Holder], assets: list[MarketAsset], match: str) -> None:
    with pytest.raises(InputError, match=match):
        forced_selling(holders, assets)


def test_bad_records() -> None:
    with pytest.raises(InputError, match="holder 'h': cash must be >= 0"):
        Holder("h", cash=-1, commitment=0)
    with pytest.raises(InputError, match="asset 'a': depth must be > 0"):
        MarketAsset("a", depth=0)
    with pytest.raises(InputError, match="sell_order"):
        Holder("h", 0, 0, sell_order="random")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="appears twice"):
        Holder("h", 0, 0, (Position("a", 1), Position("a", 2)))
    with pytest.raises(InputError, match="tolerance must be > 0"):
        forced_selling([], [], tolerance=0)


def test_results_are_tidy_tables() -> None:
    res = two_holders()
    assert list(res.chain.columns) == [
        "round",
        "holder",
        "asset",
        "kind",
        "quantity",
        "price",
        "proceeds",
    ]
    assert isinstance(res.prices, pd.DataFrame) and res.rounds >= 3
