"""Tornado tables and solve-for-any-input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.hurdle import (
    AI_DATACENTRE_MIX,
    AssetClass,
    HurdleInputs,
    get_recipe,
    hurdle,
    run_recipe,
    solve_for,
    tornado,
)


def test_tornado_sorted_by_swing_and_linear_inputs_are_symmetric() -> None:
    t = tornado(HurdleInputs(), output="revenue_required", change=0.2)
    table = t.table.set_index("input")
    assert list(t.table["swing"]) == sorted(t.table["swing"], reverse=True)
    base = 3e12 * 0.12 / 0.65
    assert_allclose(t.base_output, base)
    # revenue is linear in capex and yield: symmetric +/-20% of the base output
    for name in ("capex", "ebitda_yield"):
        row = table.loc[name]
        assert_allclose(row["high_change"], -row["low_change"], rtol=1e-12)
        assert_allclose(row["swing"], 0.4 * base, rtol=1e-12)
    # and hyperbolic in the margin: 1/0.8 - 1 > 1 - 1/1.2
    m = table.loc["ebitda_margin"]
    assert_allclose(m["output_low"], base / 0.8)
    assert_allclose(m["output_high"], base / 1.2)
    assert m["output_low"] - base > base - m["output_high"]
    # with a stated yield, lives and funding do not move revenue at all
    for name in ("asset_life", "debt_share", "cost_of_debt", "cost_of_equity", "gdp"):
        assert table.loc[name, "swing"] == 0.0


@settings(max_examples=30, deadline=None)
@given(change=st.floats(0.01, 0.9), capex=st.floats(1e9, 1e13))
def test_tornado_linear_swing_property(change: float, capex: float) -> None:
    t = tornado(HurdleInputs(capex=capex), change=change, inputs=["capex", "ebitda_margin"])
    row = t.table.set_index("input").loc["capex"]
    assert_allclose(row["swing"], 2 * change * t.base_output, rtol=1e-10)
    assert_allclose(row["low_value"], capex * (1 - change), rtol=1e-12)
    # every row's outputs equal a direct run of the calculator
    m = t.table.set_index("input").loc["ebitda_margin"]
    direct = hurdle(HurdleInputs(capex=capex, ebitda_margin=m["high_value"])).revenue_required
    assert_allclose(m["output_high"], direct, rtol=1e-12)


def test_tornado_in_recovery_mode_lives_matter_and_agree_with_direct_runs() -> None:
    base = HurdleInputs(ebitda_yield=None, asset_mix=AI_DATACENTRE_MIX)
    t = tornado(base, output="revenue_required")
    row = t.table.set_index("input").loc["asset_life"]
    assert row["output_low"] > t.base_output > row["output_high"]  # shorter lives cost more
    scaled = tuple(dataclasses.replace(a, life=a.life * 0.8) for a in AI_DATACENTRE_MIX)
    direct = hurdle(dataclasses.replace(base, asset_mix=scaled)).revenue_required
    assert_allclose(row["output_low"], direct, rtol=1e-12)


def test_tornado_clips_at_valid_bounds() -> None:
    t = tornado(HurdleInputs(debt_share=0.9, ebitda_margin=0.95), output="equity_return")
    table = t.table.set_index("input")
    assert table.loc["debt_share", "high_value"] == 1.0
    assert table.loc["ebitda_margin", "high_value"] == 1.0
    assert table.loc["debt_share", "clipped"] and not table.loc["capex", "clipped"]


def test_tornado_on_a_recipe() -> None:
    t = tornado(get_recipe("kupperman-2025"), output="revenue_mid", change=0.5)
    table = t.table.set_index("input")
    # revenue = capex / life / margin
    assert_allclose(table.loc["life_mid", "output_low"], 400e9 / 2.5 / 0.25)
    assert_allclose(table.loc["capex", "swing"], 320e9)
    assert table.loc["life_long", "swing"] == 0.0
    assert t.table.iloc[0]["input"] in ("life_mid", "gross_margin")


def test_tornado_errors() -> None:
    with pytest.raises(InputError, match="unknown output"):
        tornado(HurdleInputs(), output="nope")
    with pytest.raises(InputError, match="unknown input 'nope'"):
        tornado(HurdleInputs(), inputs=["nope"])
    with pytest.raises(InputError, match="change must be"):
        tornado(HurdleInputs(), change=1.0)
    with pytest.raises(InputError, match="unknown input 'ebitda_yield'"):
        tornado(HurdleInputs(ebitda_yield=None), inputs=["ebitda_yield"])


# ------------------------------------------------------------------ solve


@settings(max_examples=40, deadline=None)
@given(margin=st.floats(0.05, 1.0), capex=st.floats(1e10, 1e13), y=st.floats(0.02, 0.5))
def test_solve_margin_inverts_the_calculator(margin: float, capex: float, y: float) -> None:
    base = HurdleInputs(capex=capex, ebitda_yield=y)
    target = hurdle(dataclasses.replace(base, ebitda_margin=margin)).revenue_required
    s = solve_for(base, "ebitda_margin", target)
    assert_allclose(s.value, margin, rtol=1e-9)
    assert_allclose(s.achieved, target, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(life=st.floats(1.0, 40.0), tax=st.floats(0.0, 0.3), debt=st.floats(0.0, 0.8))
def test_solve_asset_life_inverts_the_recovery_hurdle(life: float, tax: float, debt: float) -> None:
    base = HurdleInputs(ebitda_yield=None, tax_rate=tax, debt_share=debt)
    at_life = dataclasses.replace(base, asset_mix=(AssetClass("a", 1.0, life),))
    target = hurdle(at_life).revenue_required
    s = solve_for(base, "asset_life", target)
    assert_allclose(s.achieved, target, rtol=1e-9)
    if s.roots == 1:
        assert_allclose(s.value, life, rtol=1e-7)
    else:
        # with tax, straight-line depreciation over longer lives shields less each year,
        # so the hurdle has a minimum in the life and a target can be met twice
        assert s.value <= life * (1 + 1e-7)


def test_tax_makes_the_hurdle_non_monotone_in_life() -> None:
    base = HurdleInputs(ebitda_yield=None, tax_rate=0.25, debt_share=0.0)
    at25 = hurdle(dataclasses.replace(base, asset_mix=(AssetClass("a", 1.0, 25.0),)))
    s = solve_for(base, "asset_life", at25.revenue_required)
    assert s.roots == 2 and s.value < 25.0
    assert_allclose(s.achieved, at25.revenue_required, rtol=1e-9)


def test_solve_capex_and_cost_of_equity() -> None:
    s = solve_for(HurdleInputs(), "capex", 400e9)
    assert_allclose(s.value, 400e9 * 0.65 / 0.12, rtol=1e-10)
    base = HurdleInputs(ebitda_yield=None, debt_share=0.0, asset_mix=(AssetClass("a", 1, 6),))
    target = 3e12 * (0.08 / (1 - 1.08**-6)) / 0.65  # the CRF at 8% by hand
    s = solve_for(base, "cost_of_equity", target)
    assert_allclose(s.value, 0.08, atol=1e-10)
    assert s.roots == 1


def test_solve_on_a_recipe() -> None:
    s = solve_for(get_recipe("sequoia-2024"), "nvidia_run_rate", 1e12, output="revenue_required")
    assert_allclose(s.value, 250e9, rtol=1e-10)
    s = solve_for(
        get_recipe("seed-2025"), "debt_share", 0.20, output="equity_yield", low=0.0, high=0.95
    )
    # (0.12 - d * 0.075) / (1 - d) = 0.20  =>  d = 0.08 / 0.125 = 0.64
    assert_allclose(s.value, 0.64, rtol=1e-9)
    check = run_recipe(get_recipe("seed-2025"), {"debt_share": s.value}).value("equity_yield")
    assert_allclose(check, 0.20, rtol=1e-9)


def test_solve_errors_are_clear() -> None:
    with pytest.raises(InputError, match="does not depend on asset_life"):
        solve_for(HurdleInputs(), "asset_life", 1e12)
    with pytest.raises(InputError, match="no value of ebitda_margin in"):
        solve_for(HurdleInputs(), "ebitda_margin", 100e9)  # would need a margin above 100%
    with pytest.raises(InputError, match="unknown input"):
        solve_for(HurdleInputs(), "nope", 1.0)
    with pytest.raises(InputError, match="low < high"):
        solve_for(HurdleInputs(), "capex", 1e12, low=2.0, high=1.0)
    with pytest.raises(InputError, match="finite"):
        solve_for(HurdleInputs(), "capex", float("nan"))


def test_solve_reports_the_bracket_and_grid_roots() -> None:
    s = solve_for(HurdleInputs(), "ebitda_yield", 700e9, low=0.01, high=0.5)
    assert (s.low, s.high) == (0.01, 0.5)
    assert_allclose(s.value, 700e9 * 0.65 / 3e12)
    assert np.isfinite(s.iterations)
    assert s.to_dict()["input"] == "ebitda_yield"
