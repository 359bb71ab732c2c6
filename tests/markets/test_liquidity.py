"""The loanable-funds model with an idle-liquidity buffer, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.markets import fed_net_liquidity, loanable_funds

BASE = {
    "net_liquidity": 500.0,
    "liquidity_floor": 500.0,  # no idle liquidity
    "saving_supply": 6000.0,
    "saving_elasticity": 0.3,
    "other_investment": 5000.0,
    "investment_elasticity": 0.5,
    "base_rate": 0.04,
    "depreciation": 0.1,
}


def test_linear_crowding_out_is_delta_i_over_slope_sum() -> None:
    # s1 = 0.3 * 6000 / 0.04 = 45,000; i1 = 0.5 * 5000 / 0.14 = 17,857.142857...
    s1 = 0.3 * 6000 / 0.04
    i1 = 0.5 * 5000 / (0.04 + 0.1)
    capex = [100.0, 250.0, 400.0]
    res = loanable_funds(capex, years=[2026, 2027, 2028], **BASE)
    t = res.table
    assert_allclose(res.saving_slope, s1)
    assert_allclose(res.investment_slope, i1)
    assert_allclose(t["delta_r"], np.array(capex) / (s1 + i1), rtol=1e-14)
    assert_allclose(t["crowded_out"], i1 * np.array(capex) / (s1 + i1), rtol=1e-14)
    assert_allclose(t["extra_saving"], s1 * np.array(capex) / (s1 + i1), rtol=1e-14)
    assert_allclose(t["cost_of_capital"], 0.04 + np.array(capex) / (s1 + i1), rtol=1e-14)
    assert list(t["phase"]) == ["crowding_out"] * 3
    assert_allclose(t["stimulus"], 0.0)
    # 100 more a year raises the rate by 100 / 62,857 = 15.9 bp
    assert t["delta_r"].iloc[0] * 1e4 == pytest.approx(15.909, abs=1e-3)


def test_idle_buffer_is_drawn_first_and_never_refilled_by_draws() -> None:
    # idle level: net liquidity − floor + cumulative QE = [100, 120, 170]
    res = loanable_funds(
        [250.0, 280.0, 300.0],
        years=[2025, 2026, 2027],
        **{**BASE, "net_liquidity": [600.0, 600.0, 650.0]},
        qe=[0.0, 20.0, 0.0],
        baseline_capex=200.0,  # extra demand [50, 80, 100]
        multiplier=0.8,
    )
    t = res.table
    assert_allclose(t["ai_demand"], [50, 80, 100])
    assert_allclose(t["idle_available"], [100, 70, 50])  # 120 − 50, then 170 − 120
    assert_allclose(t["idle_absorbed"], [50, 70, 50])
    assert_allclose(t["idle_remaining"], [50, 0, 0])
    assert_allclose(t["excess_demand"], [0, 10, 50])
    assert_allclose(t["stimulus"], [40, 56, 40])
    assert list(t["phase"]) == ["stimulus", "crowding_out", "crowding_out"]
    assert res.exhaustion_year() == 2026


def test_qe_response_backstops_the_excess_like_fiscal_stimulus() -> None:
    res = loanable_funds([100.0, 300.0], **BASE, qe_response=1.0, multiplier=1.0)
    t = res.table
    assert_allclose(t["delta_r"], 0.0)
    assert_allclose(t["qe_backstop"], [100, 300])
    assert_allclose(t["stimulus"], [100, 300])
    assert list(t["phase"]) == ["stimulus", "stimulus"]
    half = loanable_funds([100.0], **BASE, qe_response=0.5).table
    assert_allclose(half["excess_demand"], 50.0)


def test_rate_cuts_pass_through_to_the_cost_of_capital() -> None:
    res = loanable_funds([0.0, 0.0], **BASE, rate_cut=[0.005, 0.01], pass_through=0.4)
    assert_allclose(res.table["cost_of_capital"], [0.04 - 0.002, 0.04 - 0.004])
    assert list(res.table["phase"]) == ["slack", "slack"]


def test_capex_below_baseline_crowds_in() -> None:
    res = loanable_funds([80.0], **BASE, baseline_capex=100.0)
    t = res.table
    s1, i1 = 0.3 * 6000 / 0.04, 0.5 * 5000 / 0.14
    assert t["phase"].iloc[0] == "slack"
    assert_allclose(t["delta_r"], -20 / (s1 + i1))
    assert t["crowded_out"].iloc[0] < 0


def test_constant_elasticity_solves_the_market_exactly() -> None:
    capex = np.array([400.0, 1100.0, 0.0])
    excess = capex - 200.0  # [200, 900, -200]: the last year releases funds
    res = loanable_funds(capex, **BASE, baseline_capex=200.0, form="constant_elasticity")
    r = 0.04 + res.table["delta_r"].to_numpy()
    s = 6000 * ((r / 0.04) ** 0.3 - 1)
    i = 5000 * (1 - ((r + 0.1) / 0.14) ** -0.5)
    assert_allclose(s + i, excess, rtol=1e-10)
    assert_allclose(res.table["extra_saving"] + res.table["crowded_out"], excess, rtol=1e-10)
    assert r[2] < 0.04 < r[0] < r[1]


def test_constant_elasticity_matches_linear_for_small_shocks() -> None:
    lin = loanable_funds([1.0], **BASE).table["delta_r"].iloc[0]
    ce = loanable_funds([1.0], **BASE, form="constant_elasticity").table["delta_r"].iloc[0]
    assert ce == pytest.approx(lin, rel=1e-3)


@settings(max_examples=60, deadline=None)
@given(
    capex=st.lists(st.floats(0, 3000), min_size=1, max_size=8),
    idle=st.floats(0, 2000),
    e_s=st.floats(0.01, 2),
    e_i=st.floats(0, 2),
    form=st.sampled_from(["linear", "constant_elasticity"]),
)
def test_excess_demand_is_met_by_saving_and_crowding_out(
    capex: list[float], idle: float, e_s: float, e_i: float, form: str
) -> None:
    res = loanable_funds(
        capex,
        **{
            **BASE,
            "net_liquidity": 500.0 + idle,
            "saving_elasticity": e_s,
            "investment_elasticity": e_i,
        },
        form=form,  # type: ignore[arg-type]
    )
    t = res.table
    assert_allclose(t["extra_saving"] + t["crowded_out"], t["excess_demand"], rtol=1e-9, atol=1e-7)
    assert_allclose(t["idle_absorbed"] + t["excess_demand"], t["ai_demand"], atol=1e-9)
    assert t["idle_absorbed"].sum() <= idle + 1e-9
    assert (t["delta_r"] >= -1e-15).all()
    # a bigger capex path never lowers the rate
    more = loanable_funds(
        np.array(capex) + 50.0,
        **{
            **BASE,
            "net_liquidity": 500.0 + idle,
            "saving_elasticity": e_s,
            "investment_elasticity": e_i,
        },
        form=form,
    )  # type: ignore[arg-type]
    assert (more.table["delta_r"].to_numpy() >= t["delta_r"].to_numpy() - 1e-12).all()


def test_shock_picks_the_peak_rise_net_of_cuts() -> None:
    res = loanable_funds(
        [100.0, 400.0, 200.0], years=[2026, 2027, 2028], **BASE, rate_cut=[0.0, 0.0, 0.0025]
    )
    year, rise = res.shock()
    s1, i1 = 0.3 * 6000 / 0.04, 0.5 * 5000 / 0.14
    assert year == 2027 and rise == pytest.approx(400 / (s1 + i1))
    assert res.shock(2028) == (2028, pytest.approx(200 / (s1 + i1) - 0.0025))
    with pytest.raises(InputError, match="repricing year 2030"):
        res.shock(2030)


def test_series_capex_gives_the_years() -> None:
    capex = pd.Series([100.0, 200.0], index=[2027, 2028])
    res = loanable_funds(capex, **BASE)
    assert res.years == [2027, 2028]
    nl = pd.Series([900.0, 500.0, 500.0], index=[2026, 2027, 2028])
    res2 = loanable_funds(capex, **{**BASE, "net_liquidity": nl})
    assert_allclose(res2.table["net_liquidity"], [500.0, 500.0])


def test_fed_net_liquidity_aligns_fred_units() -> None:
    # WALCL and TGA in $ millions, RRP in $ billions (FRED)
    assert float(fed_net_liquidity(6_555_000, 890_000, 5)) == pytest.approx(5660.0)
    assert float(
        fed_net_liquidity(
            6.555, 0.89, 5, walcl_unit="trillion", tga_unit="trillion", unit="trillion"
        )
    ) == pytest.approx(5.66)
    dates = pd.to_datetime(["2025-11-05", "2025-11-12", "2025-11-19"])
    walcl = pd.Series([6_580_000.0, 6_570_000.0, 6_555_000.0], index=dates)
    tga = pd.Series([950_000.0, 900_000.0], index=dates[1:])
    rrp = pd.Series([10.0, 8.0, 5.0], index=dates)
    out = fed_net_liquidity(walcl, tga, rrp)
    assert isinstance(out, pd.Series)
    assert list(out.index) == list(dates[1:])
    assert_allclose(out.to_numpy(), [6570 - 950 - 8, 6555 - 900 - 5])
    with pytest.raises(InputError, match="rrp_unit"):
        fed_net_liquidity(1, 1, 1, rrp_unit="bn")
    with pytest.raises(InputError, match="share no dates"):
        fed_net_liquidity(walcl.iloc[:1], tga, rrp)


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"saving_elasticity": -0.3}, "saving_elasticity must be >= 0, got -0.3"),
        ({"investment_elasticity": -1}, "investment_elasticity must be >= 0"),
        ({"saving_elasticity": 0, "investment_elasticity": 0}, "cannot both be 0"),
        ({"base_rate": 0.0}, "base_rate must be > 0"),
        ({"liquidity_floor": -1}, "liquidity_floor must be >= 0"),
        ({"saving_supply": 0}, "saving_supply must be > 0"),
        ({"depreciation": float("nan")}, "depreciation must be a finite number"),
        ({"net_liquidity": [1.0, 2.0, 3.0]}, "net_liquidity must have one value per year"),
    ],
)
def test_bad_parameters_name_themselves(override: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        loanable_funds([100.0, 200.0], **{**BASE, **override})  # type: ignore[arg-type]
    assert info.value.field is not None


def test_bad_options() -> None:
    with pytest.raises(InputError, match="funding_share must be <= 1"):
        loanable_funds([1.0], **BASE, funding_share=1.5)
    with pytest.raises(InputError, match="qe_response"):
        loanable_funds([1.0], **BASE, qe_response=-0.1)
    with pytest.raises(InputError, match="form must be"):
        loanable_funds([1.0], **BASE, form="cubic")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="years has 1 values but capex has 2"):
        loanable_funds([1.0, 2.0], years=[2025], **BASE)
    with pytest.raises(InputError, match="strictly increasing"):
        loanable_funds([1.0, 2.0], years=[2026, 2025], **BASE)
    with pytest.raises(InputError, match="capex must be >= 0"):
        loanable_funds([-1.0], **BASE)
    with pytest.raises(InputError, match="no value for year"):
        loanable_funds(pd.Series([1.0], index=[2025]), **BASE, qe=pd.Series([1.0], index=[2024]))
