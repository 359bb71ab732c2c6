"""Duration repricing: exact Gordon and bond formulas, durations, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.markets import AssetClass, reprice, run_liquidity


@settings(max_examples=200, deadline=None)
@given(
    rf=st.floats(0.0, 0.08),
    premium=st.floats(0.0, 0.1),
    gap=st.floats(0.005, 0.2),
    shock=st.floats(-0.004, 0.05),
)
def test_gordon_repricing_is_exact(rf: float, premium: float, gap: float, shock: float) -> None:
    r = rf + premium
    g = r - gap
    a = AssetClass("x", "gordon", risk_premium=premium, growth=g)
    expected = (r - g) / (r + shock - g) - 1.0
    assert float(a.price_change(rf, shock)) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert float(a.modified_duration(r)) == pytest.approx(1.0 / (r - g), rel=1e-12)
    assert a.gordon_duration(rf) == pytest.approx(1.0 / (r - g), rel=1e-12)


def test_gordon_hand_example() -> None:
    # r = 10%, g = 8%: +1 point -> price falls to 2/3; duration 50 years
    res = reprice(
        [AssetClass("saas", "gordon", risk_premium=0.06, growth=0.08)], 0.01, risk_free=0.04
    )
    row = res.table.iloc[0]
    assert row["price_change"] == pytest.approx(-1 / 3)
    assert row["duration"] == pytest.approx(50.0)
    assert row["first_order_change"] == pytest.approx(-0.5)


@pytest.mark.parametrize(("y", "years", "freq"), [(0.04, 10, 1), (0.05, 7, 2), (0.095, 5, 4)])
def test_par_bond_duration_matches_closed_form(y: float, years: int, freq: int) -> None:
    a = AssetClass("b", "bond", coupon=y, maturity=years, frequency=freq)
    assert float(a.price(y)) == pytest.approx(100.0, rel=1e-12)
    # a par bond's modified duration is (1 − (1 + y/f)^−n) / y
    closed = (1.0 - (1.0 + y / freq) ** (-years * freq)) / y
    assert float(a.modified_duration(y)) == pytest.approx(closed, rel=1e-12)


def test_bond_price_change_is_a_full_revaluation() -> None:
    a = AssetClass("ig", "bond", risk_premium=0.01, coupon=0.05, maturity=3, frequency=2)
    # by hand: 6 half-year coupons of 2.5 and 100 at the end, at y = 4% + 1% + 2% = 7%
    v = 1 / 1.035
    new = sum(2.5 * v**k for k in range(1, 7)) + 100 * v**6
    assert float(a.price_change(0.04, 0.02)) == pytest.approx(new / 100.0 - 1.0, rel=1e-12)


@pytest.mark.parametrize(
    "asset",
    [
        AssetClass("b", "bond", coupon=0.03, maturity=12, frequency=2, risk_premium=0.01),
        AssetClass(
            "c",
            "cash_flows",
            cash_flows=(-0.5, 0.0, 0.4, 0.9, 1.2),
            terminal_growth=0.05,
            risk_premium=0.06,
        ),
        AssetClass("d", "cash_flows", cash_flows=(3.0, 2.0, 1.0), risk_premium=0.02),
    ],
)
def test_duration_is_the_exact_derivative(asset: AssetClass) -> None:
    r = asset.discount_rate(0.04)
    h = 1e-6
    num = -(asset.price(r + h) - asset.price(r - h)) / (2 * h) / asset.price(r)
    assert float(asset.modified_duration(r)) == pytest.approx(float(num), rel=1e-7)


def test_growing_cash_flows_with_the_same_tail_equal_gordon() -> None:
    g = 0.03
    flows = tuple(1.03 ** np.arange(6))
    explicit = AssetClass("e", "cash_flows", cash_flows=flows, terminal_growth=g, risk_premium=0.05)
    gordon = AssetClass("g", "gordon", growth=g, risk_premium=0.05)
    assert_allclose(explicit.price(0.09), gordon.price(0.09), rtol=1e-12)
    assert float(explicit.modified_duration(0.09)) == pytest.approx(1 / 0.06, rel=1e-12)
    for shock in (0.005, 0.02):
        assert float(explicit.price_change(0.04, shock)) == pytest.approx(
            float(gordon.price_change(0.04, shock)), rel=1e-12
        )


def test_zero_coupon_profile() -> None:
    flows = (0.0,) * 19 + (1.0,)
    z = AssetClass("z", "cash_flows", cash_flows=flows, risk_premium=0.06)
    assert float(z.price_change(0.04, 0.01)) == pytest.approx((1.1 / 1.11) ** 20 - 1.0)
    assert float(z.modified_duration(0.1)) == pytest.approx(20 / 1.1)


@settings(max_examples=100, deadline=None)
@given(shock=st.floats(0.0001, 0.05), gap=st.floats(0.01, 0.1))
def test_exact_loss_is_smaller_than_first_order(shock: float, gap: float) -> None:
    # price is convex in the rate, so −D·Δr overstates the loss of every profile
    classes = [
        AssetClass("g", "gordon", risk_premium=0.05, growth=0.09 - gap),
        AssetClass("b", "bond", coupon=0.05, maturity=20, risk_premium=0.01),
    ]
    res = reprice(classes, shock, risk_free=0.04).table
    assert (res["price_change"] > res["first_order_change"]).all()
    assert (res["price_change"] < 0).all()


def test_rate_beta_scales_the_shock() -> None:
    full = AssetClass("a", "gordon", risk_premium=0.05, growth=0.05)
    half = AssetClass("a", "gordon", risk_premium=0.05, growth=0.05, rate_beta=0.5)
    assert float(half.price_change(0.04, 0.02)) == pytest.approx(
        float(full.price_change(0.04, 0.01))
    )
    assert float(half.price_change(0.04, np.array([0.0, 0.02]))[0]) == 0.0


def test_r_not_above_g_is_an_error_naming_the_class() -> None:
    with pytest.raises(InputError, match=r"asset class 'crypto'.*must exceed growth") as info:
        reprice(
            [AssetClass("crypto", "gordon", risk_premium=0.02, growth=0.07)], 0.01, risk_free=0.04
        )
    assert info.value.field == "growth"
    # a fall in rates that pushes r below g is caught too
    a = AssetClass("reit", "gordon", risk_premium=0.01, growth=0.045)
    with pytest.raises(InputError, match=r"'reit'.*after the shock"):
        a.price_change(0.04, -0.01)
    tail = AssetClass("saas", "cash_flows", cash_flows=(1.0,), terminal_growth=0.2)
    with pytest.raises(InputError, match=r"'saas'.*terminal_growth"):
        reprice([tail], 0.01, risk_free=0.04)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "gordon"}, "needs growth"),
        ({"kind": "bond", "coupon": 0.05}, "needs coupon and maturity"),
        ({"kind": "bond", "coupon": 0.05, "maturity": 2.3, "frequency": 2}, "whole number"),
        ({"kind": "bond", "coupon": 0.05, "maturity": 2, "frequency": 3}, "frequency"),
        ({"kind": "cash_flows"}, "at least one year"),
        ({"kind": "options"}, "kind must be one of"),
        ({"kind": "gordon", "growth": 0.02, "rate_beta": -1}, "rate_beta must be >= 0"),
    ],
)
def test_bad_profiles(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        AssetClass("x", **kwargs)  # type: ignore[arg-type]


def test_negative_value_profile_is_rejected() -> None:
    a = AssetClass("burn", "cash_flows", cash_flows=(-1.0, 0.1))
    with pytest.raises(InputError, match="non-positive present value"):
        reprice([a], 0.01, risk_free=0.04)


def test_duplicate_classes_rejected() -> None:
    a = AssetClass("a", "gordon", growth=0.0, risk_premium=0.05)
    with pytest.raises(InputError, match="defined twice"):
        reprice([a, a], 0.01, risk_free=0.04)


def test_default_classes_follow_the_article() -> None:
    """Seed 002: long-duration speculative assets fall most, cash-now assets least."""
    res = run_liquidity().repricing.table.set_index("asset_class")
    ch = res["price_change"]
    assert (
        ch["crypto"]
        < ch["unprofitable_saas"]
        < ch["neocloud_equity"]
        < ch["hyperscaler_equity"]
        < ch["power_traders"]
        < ch["memory_makers"]
        < 0
    )
    # duration orders the losses among equities
    eq = res.loc[
        ["crypto", "unprofitable_saas", "neocloud_equity", "hyperscaler_equity", "memory_makers"]
    ]
    assert list(eq.sort_values("duration").index) == list(
        eq.sort_values("price_change", ascending=False).index
    )
