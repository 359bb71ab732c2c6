"""Scenario files: bundled defaults with sources, overrides, and errors naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.markets import (
    default_scenario_path,
    load_layers_scenario,
    load_liquidity_scenario,
    run_layers,
    run_liquidity,
)

FIGURE_KEYS = {"value", "unit", "source", "assumption", "note"}


def _unsourced(node: Any, path: str, sourced: bool) -> list[str]:
    """Paths of numbers with no `source`/`assumption` in their wrapper or record."""
    bad: list[str] = []
    if isinstance(node, dict):
        here = sourced or bool(node.get("source") or node.get("assumption"))
        if "value" in node and set(node) <= FIGURE_KEYS:
            if not (node.get("source") or node.get("assumption")):
                bad.append(path)
            return bad
        for k, v in node.items():
            bad += _unsourced(v, f"{path}.{k}", here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            bad += _unsourced(v, f"{path}[{i}]", sourced)
    elif isinstance(node, int | float) and not isinstance(node, bool) and not sourced:
        bad.append(path)
    return bad


@pytest.mark.parametrize("which", ["liquidity", "layers"])
def test_every_default_figure_has_a_source_or_assumption(which: str) -> None:
    data = yaml.safe_load(default_scenario_path(which).read_text(encoding="utf-8"))
    assert _unsourced(data, which, False) == []


def test_the_checker_would_catch_a_bare_number() -> None:
    assert _unsourced({"a": {"value": 1}, "b": 2, "c": {"d": 3, "source": "x"}}, "t", False) == [
        "t.a",
        "t.b",
    ]


def test_defaults_load_and_cite() -> None:
    sc = load_liquidity_scenario()
    assert sc.years == (2025, 2026, 2027, 2028)
    # net liquidity from FRED units: WALCL $mn − TGA $mn − RRP $bn, in $bn
    assert_allclose(sc.funds["net_liquidity"], 6555 - 890 - 5)
    prov = sc.provenance.set_index("parameter")
    assert "Morgan Stanley" in prov.loc["capex", "source"]
    assert prov.loc["loanable_funds.saving_elasticity", "assumption"]
    assert "crypto" in {a.name for a in sc.asset_classes}


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_override_changes_only_what_it_names(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
loanable_funds:
  saving_elasticity: 0.6
central_bank:
  qe_response: {value: 1.0, source: "what if the Fed buys everything"}
""",
    )
    sc = load_liquidity_scenario(p)
    base = load_liquidity_scenario()
    assert sc.funds["saving_elasticity"] == 0.6
    assert sc.funds["investment_elasticity"] == base.funds["investment_elasticity"]
    rep = run_liquidity(sc)
    assert_allclose(rep.funds.table["delta_r"], 0.0)  # the Fed absorbs every excess
    prov = sc.provenance.set_index("parameter")
    assert prov.loc["loanable_funds.saving_elasticity", "source"] == f"scenario file {p}"
    assert prov.loc["central_bank.qe_response", "source"] == (
        f"scenario file {p}: what if the Fed buys everything"
    )


def test_add_and_remove_records(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
asset_classes:
  crypto: null
  ai_bonds:
    label: AI infrastructure bonds
    kind: bond
    coupon: 0.065
    maturity: 20
    risk_premium: 0.02
selling:
  assets:
    bitcoin: null
  holders:
    sovereign_fund:
      portfolio:
        - {asset: saas, amount: 15}
    softbank_like:
      portfolio:
        - {asset: saas, amount: 8}
    hedge_funds:
      portfolio:
        - {asset: saas, amount: 20}
    etfs:
      portfolio:
        - {asset: saas, amount: 30}
""",
    )
    rep = run_liquidity(load_liquidity_scenario(p))
    names = set(rep.repricing.table["asset_class"])
    assert "ai_bonds" in names and "crypto" not in names
    row = rep.repricing.table.set_index("asset_class").loc["ai_bonds"]
    assert row["discount_rate"] == pytest.approx(0.041 + 0.02)
    assert "bitcoin" not in set(rep.selling.prices["asset"])


def test_imposed_shock_and_net_liquidity_level(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
net_liquidity:
  walcl: null
repricing:
  shock: 0.01
""",
    )
    with pytest.raises(InputError, match=r"net_liquidity\.walcl: must be a list of numbers"):
        load_liquidity_scenario(p)
    p = write(
        tmp_path,
        """
net_liquidity: {level: 6000, walcl: [1, 2, 3, 4]}
""",
        "t.yaml",
    )
    with pytest.raises(InputError, match="either level or walcl"):
        load_liquidity_scenario(p)


def test_level_replaces_components(tmp_path: Path) -> None:
    base = yaml.safe_load(default_scenario_path("liquidity").read_text(encoding="utf-8"))
    base["years"] = [2026, 2027]
    base["capex"] = [600, 800]
    base["net_liquidity"] = {"level": [6000, 6000], "floor": 5400}
    base["central_bank"] = {"qe": 0, "rate_cut": 0}
    base["repricing"] = {"shock": 0.01}
    p = write(tmp_path, yaml.safe_dump(base))
    sc = load_liquidity_scenario(p)
    rep = run_liquidity(sc)
    assert_allclose(rep.funds.table["net_liquidity"], 6000)
    assert rep.shock == 0.01 and rep.shock_year is None
    crypto = rep.repricing.table.set_index("asset_class").loc["crypto", "price_change"]
    assert crypto == pytest.approx(0.015 / 0.025 - 1)


def test_rrp_unit_is_respected(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
net_liquidity:
  rrp: {value: [5000, 5000, 5000, 5000], unit: million, source: in millions this time}
""",
    )
    assert_allclose(load_liquidity_scenario(p).funds["net_liquidity"], 6555 - 890 - 5)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "loanable_funds:\n  saving_elasticty: 0.3\n",
            r"loanable_funds.saving_elasticty: unknown key \(did you mean 'saving_elasticity'\?\)",
        ),
        (
            "loanable_funds:\n  saving_elasticity: -0.3\n",
            r"loanable_funds: saving_elasticity must be >= 0, got -0.3",
        ),
        (
            "loanable_funds:\n  investment_elasticity: {value: -1, source: x}\n",
            "investment_elasticity must be >= 0",
        ),
        (
            "asset_classes:\n  crypto: {growth: 0.2}\n",
            r"asset_classes.crypto: asset class 'crypto': discount rate r = 0.121 must exceed "
            r"growth g = 0.2 at the base rate",
        ),
        ("asset_classes:\n  utilities: {growth: 0.08}\n", "'utilities'.*must exceed growth"),
        ("asset_classes:\n  crypto: {colour: red}\n", r"asset_classes.crypto.colour: unknown key"),
        ("capex: [1, 2]\n", "capex: has 2 values but years has 4"),
        ("tax: 1\n", r"tax: unknown key"),
        (
            "selling:\n  holders:\n    etfs: {cash: -1}\n",
            r"selling.holders.etfs: holder 'etfs': cash must be >= 0",
        ),
        (
            "selling:\n  holders:\n    etfs:\n      portfolio: [{asset: gold, amount: 1}]\n",
            "unknown asset or fund 'gold'",
        ),
        (
            "selling:\n  assets:\n    gold: {asset_class: gold, depth: 10}\n",
            "selling.assets.gold.asset_class: unknown asset class 'gold'",
        ),
        ("central_bank:\n  qe_response: 2\n", r"central_bank: qe_response must be <= 1"),
        ("repricing:\n  year: 2031\n", r"repricing.year: 2031 is not among the years"),
        ("years: [2025, 2025, 2026, 2027]\n", "years: must be strictly increasing"),
        ("loanable_funds: [1, 2]\n", "loanable_funds: must be a mapping"),
        ("capex: {value: [1, 2, 3, 4], sauce: x}\n", r"capex.sauce: unknown key"),
        ("loanable_funds:\n  form: cubic\n", "form must be linear or constant_elasticity"),
    ],
)
def test_bad_liquidity_files_name_the_key(tmp_path: Path, text: str, match: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(InputError, match=match) as info:
        run_liquidity(load_liquidity_scenario(p))
    assert str(p) in str(info.value)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("selling:\n  holders:\n    etfs: {cash: abc}\n", "selling.holders.etfs.cash"),
        ("selling:\n  assets:\n    saas: {depth: lots}\n", "selling.assets.saas.depth"),
        ("ventures:\n  spv: {debt_share: lots}\n", "ventures.spv.debt_share"),
    ],
)
def test_a_bad_value_is_named_once(tmp_path: Path, text: str, where: str) -> None:
    """The file and the key appear once, not again around an engine's message."""
    p = write(tmp_path, text)
    loader = load_layers_scenario if text.startswith("ventures") else load_liquidity_scenario
    with pytest.raises(InputError) as info:
        loader(p)
    assert str(info.value).startswith(f"{p}: {where}: must be a number, got '")
    assert str(info.value).count(str(p)) == 1
    assert info.value.field == where


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="scenario file not found"):
        load_liquidity_scenario(tmp_path / "missing.yaml")
    p = write(tmp_path, "years: [2025\n")
    with pytest.raises(InputError, match=r"s.yaml:\d+: not valid YAML"):
        load_liquidity_scenario(p)
    p = write(tmp_path, "- 1\n- 2\n")
    with pytest.raises(InputError, match="must be a mapping of sections"):
        load_layers_scenario(p)


def test_layers_override(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
scenarios:
  slow_productivity: {years_to_scale: 20}
  very_fast:
    years_to_scale: 1
    productivity: 1.2
ventures:
  neocloud:
    debt_rate: {value: 0.12, source: "DDTL 1.0 at 15%, DDTL 2.0 at 11%"}
""",
    )
    sc = load_layers_scenario(p)
    assert [s.name for s in sc.scenarios][-1] == "very_fast"
    assert {s.name: s.years_to_scale for s in sc.scenarios}["slow_productivity"] == 20
    res = run_layers(sc)
    base = run_layers()
    m, m0 = res.pivot("multiple"), base.pivot("multiple")
    assert (
        m.loc["private_credit_loans", "productivity_proven"]
        > m0.loc["private_credit_loans", "productivity_proven"]
    )
    prov = sc.provenance.set_index("parameter")
    assert "DDTL" in prov.loc["ventures.neocloud.debt_rate", "source"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "layers:\n  pension_etf_holders:\n    weights: {spv_bonds: 0.7, lp_stakes: 0.7}\n",
            "weights must sum to 1",
        ),
        ("ventures:\n  spv: {debt_share: 1.2}\n", r"ventures.spv: venture 'spv': debt_share"),
        ("ventures:\n  spv: {tenor: 2.5}\n", r"ventures.spv.tenor: must be a whole number"),
        ("scenarios:\n  x: {productivity: 1}\n", r"scenarios.x.years_to_scale: is required"),
        ("scenarios:\n  x: {years_to_scale: 3, speed: 2}\n", r"scenarios.x.speed: unknown key"),
        ("layers:\n  new: {kind: equity, venture: nowhere}\n", "unknown venture 'nowhere'"),
        ("scenarios:\n  slow_productivity: {strategic_default: maybe}\n", "must be true or false"),
    ],
)
def test_bad_layers_files_name_the_key(tmp_path: Path, text: str, match: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(InputError, match=match):
        load_layers_scenario(p)


def test_default_liquidity_story() -> None:
    """Idle liquidity absorbs 2025's extra demand, runs out in 2026, then crowding out."""
    rep = run_liquidity()
    t = rep.funds.table
    assert list(t["phase"]) == ["stimulus", "crowding_out", "crowding_out", "crowding_out"]
    assert np.all(np.diff(t["cost_of_capital"]) > 0)
    assert rep.shock_year == 2028
    assert rep.shock == pytest.approx(t["cost_of_capital"].iloc[-1] - 0.041)
    # the selling chain starts from the repriced prices
    px = rep.selling.prices.set_index("asset")
    ch = rep.repricing.price_changes()
    assert px.loc["bitcoin", "start_price"] == pytest.approx(1 + ch["crypto"])
    assert rep.selling.rounds >= 2
