"""Fire sales: Greenwood–Landier–Thesmar (2015) and Cont–Schaanning (2017)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ouroboros.contagion import cont_schaanning, greenwood_landier_thesmar
from ouroboros.errors import InputError


def test_glt_two_banks_two_assets_by_hand() -> None:
    # bank 1: 60 of asset a, 40 of b, equity 10 (b = 9); bank 2: 100 of b, equity 20 (b = 4)
    h = [[60.0, 40.0], [0.0, 100.0]]
    r = greenwood_landier_thesmar(
        h, [10, 20], shock=[-0.1, 0.0], price_impact=[1e-3, 2e-3], assets=["a", "b"]
    )
    # bank 1 loses 6 and sells 9 * 6 = 54: 32.4 of a, 21.6 of b; returns -0.0324, -0.0432
    assert_allclose(r.sold[0], [54.0, 0.0])
    assert_allclose(r.prices[0], [0.9 * (1 - 0.0324), 1 - 0.0432])
    loss2 = np.array([60 * 0.0324 + 40 * 0.0432, 100 * 0.0432])
    m = r.measures
    assert_allclose(m["fire_sale_loss"][0], loss2)
    assert_allclose(m["aggregate_vulnerability"][0], loss2.sum() / 30)
    assert_allclose(m["systemicness"][0], [loss2.sum() / 30, 0.0])
    assert_allclose(m["indirect_vulnerability"][0], loss2 / [10, 20])
    assert_allclose(m["systemicness"].sum(axis=1), m["aggregate_vulnerability"])


def test_glt_is_linear_in_the_shock_and_iterates_geometrically() -> None:
    h = [[100.0], [100.0]]
    one = greenwood_landier_thesmar(h, [10, 10], shock=[[-0.01], [-0.02]], price_impact=1e-4)
    assert_allclose(one.measures["aggregate_vulnerability"], [0.018, 0.036])
    # each round's fire-sale loss is 0.18 of the previous one (2 * 100 * 9 * 1e-4)
    two = greenwood_landier_thesmar(h, [10, 10], shock=[-0.01], price_impact=1e-4, rounds=2)
    assert_allclose(two.measures["fire_sale_loss"][0], [0.18 + 0.18**2] * 2)


def test_glt_long_table_input_and_bad_input() -> None:
    long = pd.DataFrame(
        {"entity": ["x", "x", "y"], "asset": ["a", "b", "b"], "amount": [60.0, 40.0, 100.0]}
    )
    r = greenwood_landier_thesmar(
        long, pd.Series({"x": 10.0, "y": 20.0}), shock={"a": -0.1}, price_impact=[1e-3, 2e-3]
    )
    assert r.ids == ("x", "y")
    assert_allclose(r.sold[0], [54.0, 0.0])
    with pytest.raises(InputError, match="> 0"):
        greenwood_landier_thesmar([[1.0]], [0], shock=[-0.1], price_impact=1e-3)
    with pytest.raises(InputError, match="no short"):
        greenwood_landier_thesmar([[-1.0]], [1], shock=[-0.1], price_impact=1e-3)
    with pytest.raises(InputError, match="one value per asset"):
        greenwood_landier_thesmar([[1.0]], [0.5], shock=[-0.1, 0], price_impact=1e-3)


def test_glt_leaves_the_callers_table_alone() -> None:
    # a wide table with integer labels: read as "7" and "1", "2", but not relabelled
    wide = pd.DataFrame({1: [60.0], 2: [40.0]}, index=[7])
    r = greenwood_landier_thesmar(
        wide, pd.Series({"7": 10.0}), shock=[-0.1, 0.0], price_impact=[1e-3, 2e-3]
    )
    assert r.ids == ("7",) and r.assets == ("1", "2")
    assert_allclose(r.sold[0], [54.0])  # 9 x (60 x 0.1), as in the hand example above
    assert wide.index.tolist() == [7] and wide.columns.tolist() == [1, 2]


def test_cont_schaanning_deleveraging_by_hand() -> None:
    # 100 units, 96 of debt: leverage 25 against a cap of 20. A 2% fall: assets 98, equity
    # 2; it sells 98 - 20 * 2 = 58 (59.18 units), the price falls by exp(-59.18 / 1000).
    r = cont_schaanning(
        [[100.0]], [0.0], [96.0], shock=[0.02], market_depth=1000.0, leverage_max=20
    )
    units = 58 / 0.98
    p1 = 0.98 * np.exp(-units / 1000)
    assert_allclose(r.price_history[1][0, 0], p1)
    # next round: 40.82 units at p1 = 37.7 against 38 of debt: insolvent, liquidates
    left = 100 - units
    assert left * p1 < 38
    assert r.default_round[0, 0] == 2
    assert_allclose(r.sold[0, 0], 58 + left * p1)
    assert_allclose(r.prices[0, 0], p1 * np.exp(-left / 1000))


def test_cont_schaanning_losses_feed_back_through_clearing() -> None:
    # A holds asset a and owes B 45 (and outside creditors 50, senior); B holds asset b.
    # A 10% fall in a makes A insolvent: B receives 40 of 45, its leverage jumps to
    # 140 / 5 = 28 > 20 and it sells 40 of b, though b was never shocked.
    holdings = [[100.0, 0.0], [0.0, 100.0]]
    liab = [[0, 45], [0, 0]]
    r = cont_schaanning(
        holdings, [0.0, 0.0], [50.0, 135.0], shock=[0.1, 0.0], market_depth=[1000.0, 200.0],
        leverage_max=20, liabilities=liab, entities=["A", "B"], assets=["a", "b"],
    )  # fmt: skip
    assert_allclose(r.price_history[1][0], [0.9 * np.exp(-100 / 1000), np.exp(-40 / 200)])
    assert r.default_round[0].tolist()[0] == 1
    assert r.default[0, 1]  # B is dragged down by its own fire sale of b
    # without the interbank claim (B holds the 45 as cash) asset b never moves
    alone = cont_schaanning(
        holdings, [0.0, 45.0], [50.0, 135.0], shock=[0.1, 0.0], market_depth=[1000.0, 200.0],
        leverage_max=20,
    )  # fmt: skip
    assert_allclose(alone.prices[0, 1], 1.0)
    assert alone.sold[0, 1] == 0.0


def test_cont_schaanning_batch_equals_one_by_one() -> None:
    rng = np.random.default_rng(2)
    n, k = 30, 4
    holdings = rng.uniform(0, 50, (n, k))
    value = holdings.sum(axis=1)
    liab = (rng.random((n, n)) < 0.1) * rng.uniform(0, 5, (n, n))
    np.fill_diagonal(liab, 0)
    claims = liab.sum(axis=0)
    owed = liab.sum(axis=1)
    ext = np.maximum(0, (value + claims) * 0.94 - owed)
    shocks = rng.uniform(0, 0.15, (5, k))
    kw = {"market_depth": 500.0, "leverage_max": 25.0, "leverage_target": 20.0, "liabilities": liab}
    batch = cont_schaanning(holdings, np.zeros(n), ext, shock=shocks, **kw)
    for s in range(5):
        one = cont_schaanning(holdings, np.zeros(n), ext, shock=shocks[s], **kw)
        assert_allclose(batch.prices[s], one.prices[0], rtol=1e-10)
        assert (batch.default_round[s] == one.default_round[0]).all()


def test_cont_schaanning_bad_input() -> None:
    with pytest.raises(InputError, match="leverage_target"):
        cont_schaanning([[1.0]], [0], [0.5], shock=[0.1], market_depth=1, leverage_max=10,
                        leverage_target=20)  # fmt: skip
    with pytest.raises(InputError, match="price falls"):
        cont_schaanning([[1.0]], [0], [0.5], shock=[-0.1], market_depth=1, leverage_max=10)
