"""The bundled registry holds the issue's indicators; broken registries fail with locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.monitor import GAUGES, DerivedSpec, EdgarSpec, FredSpec, LedgerSpec, load_registry

REQUIRED = {
    # hyperscaler capex and capex / operating cash flow (five companies)
    "hyperscaler_capex",
    "capex_ocf_microsoft",
    "capex_ocf_alphabet",
    "capex_ocf_amazon",
    "capex_ocf_meta",
    "capex_ocf_oracle",
    "ai_capex_gdp",
    "capex_ai_revenue",
    "model_lab_revenue_growth",
    "model_lab_doubling_time",
    "oracle_cds_5y",
    "coreweave_cds_5y",
    "oracle_bond_yield",
    "coreweave_bond_yield",
    "hyperion_bond_price",
    "hy_oas",
    "baa_spread",
    "ust_10y",
    "fed_net_liquidity",
    "private_credit_discount",
    "take_or_pay_share",
    "customer_concentration",
    "interconnection_queue_gw",
    "dc_power_share",
    "nfci",
    "stlfsi4",
}


def test_bundled_registry_has_the_issue_indicators_in_all_five_gauges() -> None:
    reg = load_registry()
    assert set(reg.ids) >= REQUIRED
    for g in GAUGES:
        assert reg.in_gauge(g), g
    for ind in reg.scored():
        assert ind.amber is not None and ind.red is not None


def test_bundled_registry_sources_and_units() -> None:
    reg = load_registry()
    # capex and OCF from EDGAR for the five companies, with their CIKs
    ciks = {
        reg[f"capex_{c}"].spec.cik for c in ("microsoft", "alphabet", "amazon", "meta", "oracle")
    }  # type: ignore[union-attr]
    assert ciks == {789019, 1652044, 1018724, 1326801, 1341439}
    assert isinstance(reg["ocf_oracle"].spec, EdgarSpec)
    # net liquidity: WALCL - TGA - RRP, every input converted to US$ bn
    net = reg["fed_net_liquidity"].spec
    assert isinstance(net, DerivedSpec)
    assert dict(zip(net.inputs, net.coefficients, strict=True)) == {
        "fed_assets": 1.0,
        "tga": -1.0,
        "reverse_repo": -1.0,
    }
    assert {reg[i].spec.series for i in net.inputs} == {"WALCL", "WTREGEN", "RRPONTSYD"}  # type: ignore[union-attr]
    assert all(reg[i].unit == "usd_bn" for i in net.inputs)
    assert isinstance(reg["take_or_pay_share"].spec, LedgerSpec)
    assert isinstance(reg["hy_oas"].spec, FredSpec) and reg["hy_oas"].spec.series == "BAMLH0A0HYM2"
    # derived indicators come after their inputs
    order = [i.id for i in reg.computation_order()]
    assert order.index("hyperscaler_capex") < order.index("ai_capex_gdp")
    assert reg.dependencies("ai_capex_gdp") >= {"gdp", "capex_meta", "hyperscaler_capex"}


def test_threshold_status_in_both_directions() -> None:
    reg = load_registry()
    cds = reg["oracle_cds_5y"]  # higher is riskier, amber 100, red 150
    assert [cds.status(v) for v in (44, 100, 139, 150, 200)] == [
        "green",
        "amber",
        "amber",
        "red",
        "red",
    ]
    assert cds.status(float("nan")) == "unknown"
    assert reg["capex_meta"].status(37.0) == "n/a"


def test_unknown_indicator_names_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"no indicator 'nope'.*oracle_cds_5y"):
        load_registry()["nope"]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "reg.yaml"
    p.write_text(text)
    return p


BROKEN = """\
indicators:
  - {id: a, description: A, gauge: neocloud, unit: bp, frequency: daily, source: csv,
     direction: higher_is_riskier, amber: 200, red: 100}
  - id: b
    description: B
    gauge: bubble
    unit: bp
    frequency: daily
    source: csv
    direction: higher_is_riskier
    amber: 1
    red: 2
  - {id: c, description: C, gauge: none, unit: ratio, frequency: daily, source: derived,
     fetch: {op: ratio, numerator: a, denominator: zz}, direction: higher_is_riskier}
  - {id: a, description: dup, gauge: none, unit: bp, frequency: daily, source: csv,
     direction: higher_is_riskier}
  - {id: d, description: D, gauge: none, unit: bp, frequency: daily, source: fred,
     fetch: {series: DGS10, colour: red}, direction: higher_is_riskier}
  - {id: e, description: E, gauge: spv_bonds, unit: bp, frequency: daily, source: csv,
     direction: lower_is_riskier}
"""


def test_broken_registry_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as exc:
        load_registry(write(tmp_path, BROKEN))
    text = [str(p) for p in exc.value.problems]
    path = str(tmp_path / "reg.yaml")
    # flow mappings over two lines: the field's own line is given
    assert (
        f"{path}:3: a: amber: for higher_is_riskier, amber (200.0) must not exceed red "
        "(100.0)" in text
    )
    assert (
        f"{path}:6: b: gauge: got 'bubble'; expected one of 'productivity', 'neocloud', "
        "'spv_bonds', 'contract_quality', 'power_tech' or 'none'" in text
    )
    assert f"{path}:14: c: fetch: input 'zz' is not an indicator of this registry" in text
    assert f"{path}:15: a: id: duplicated id (first at line 2)" in text
    assert (
        f"{path}:18: d: fetch.colour: unknown field; expected one of series, start, period_end"
        in text
    )
    assert f"{path}:19: e: an indicator of gauge spv_bonds needs amber and red thresholds" in text
    assert len(text) == 6


def test_bad_values_are_located_by_file_line_record_and_field(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """\
version: 1
gauge: {}
gauges:
  neocloud: {title: Neoclouds, amber: 0.95, red: 1.5}
composite: {amber: 0.25, red: 0.5, ewma_lamda: 0.9}
indicators:
  - id: capex_meta
    description: Meta capex
    gauge: none
    unit: usd_bn
    frequency: quarterly
    source: sec_edgar
    fetch: {cik: -5, concept: capex}
    direction: higher_is_riskier
  - id: cds
    description: CDS
    gauge: neocloud
    unit: bp
    frequency: daily
    source: csv
    directon: higher_is_riskier
    amber: 100
    red: 150
""",
    )
    with pytest.raises(DatasetError) as exc:
        load_registry(p)
    f = str(p)
    # worked out from the text and the models of monitor/_registry.py: gauge thresholds
    # are in [0, 1]; a CIK is > 0; a missing field takes its record's line
    assert exc.value.problems == [
        Problem(f, 2, None, "gauge", "unknown field (did you mean 'gauges'?); expected one "
                "of version, gauges, composite, indicators"),
        Problem(f, 4, "neocloud", "red", "must be <= 1, got 1.5"),
        Problem(f, 5, "composite", "ewma_lamda", "unknown field (did you mean 'ewma_lambda'?); "
                "expected one of amber, red, ewma_lambda"),
        Problem(f, 13, "capex_meta", "fetch.cik", "must be > 0, got -5"),
        Problem(f, 15, "cds", "direction", "required field is missing"),
        Problem(f, 21, "cds", "directon", "unknown field (did you mean 'direction'?); expected "
                "one of id, description, gauge, unit, frequency, source, fetch, direction, "
                "amber, red, max_age_days, refresh_days, note"),
    ]  # fmt: skip


def test_amber_above_red_is_placed_on_amber(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """\
gauges:
  power_tech: {title: Power, amber: 0.8, red: 0.6}
composite:
  red: 0.5
  amber: 0.6
indicators:
  - {id: a, description: A, gauge: none, unit: bp, frequency: daily, source: csv,
     direction: higher_is_riskier}
""",
    )
    with pytest.raises(DatasetError) as exc:
        load_registry(p)
    assert exc.value.problems == [
        Problem(str(p), 2, "power_tech", "amber", "amber (0.8) must not exceed red (0.6)"),
        Problem(str(p), 5, "composite", "amber", "amber (0.6) must not exceed red (0.5)"),
    ]


def test_cycles_are_reported(tmp_path: Path) -> None:
    text = """\
indicators:
  - {id: x, description: X, gauge: none, unit: ratio, frequency: daily, source: derived,
     fetch: {op: growth, input: y}, direction: higher_is_riskier}
  - {id: y, description: Y, gauge: none, unit: ratio, frequency: daily, source: derived,
     fetch: {op: growth, input: x}, direction: higher_is_riskier}
"""
    with pytest.raises(DatasetError, match="cycle: x -> y -> x"):
        load_registry(write(tmp_path, text))


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"reg.yaml:3: YAML syntax error"):
        load_registry(write(tmp_path, "indicators:\n  - id: a\n   bad: [\n"))


def test_missing_registry_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the registry"):
        load_registry(tmp_path / "none.yaml")


def test_derived_specs_need_their_own_fields(tmp_path: Path) -> None:
    def ind(name: str, fetch: str) -> str:
        return (
            f"  - {{id: {name}, description: D, gauge: none, unit: ratio, frequency: daily, "
            f"source: derived, fetch: {fetch}, direction: higher_is_riskier}}\n"
        )

    base = ind("a", "{op: growth, input: b}") + (
        "  - {id: b, description: B, gauge: none, unit: ratio, frequency: daily, "
        "source: csv, direction: higher_is_riskier}\n"
    )
    good = (
        base
        + ind("r", "{op: ratio, numerator: a, denominator: b, scale: 100}")
        + ind("s", "{op: linear, terms: {a: 1, b: -2}}")
    )
    reg = load_registry(write(tmp_path, "indicators:\n" + good))
    assert reg["a"].spec == DerivedSpec("growth", ("b",))
    assert reg["r"].spec == DerivedSpec("ratio", ("a", "b"), (), 100.0)
    assert reg["s"].spec == DerivedSpec("linear", ("a", "b"), (1.0, -2.0))
    bad = (
        base
        + ind("r", "{op: ratio, numerator: a}")
        + ind("s", "{op: linear, terms: {a: 1}, input: b}")
        + ind("t", "{op: doubling_time, numerator: a}")
    )
    p = write(tmp_path, "indicators:\n" + bad)
    with pytest.raises(DatasetError) as exc:
        load_registry(p)
    assert [(x.line, x.record, x.message) for x in exc.value.problems] == [
        (4, "r", "op ratio needs numerator and denominator (and nothing else)"),
        (5, "s", "op linear needs terms {indicator: coefficient} (and nothing else)"),
        (6, "t", "op doubling_time needs input (and nothing else)"),
    ]


def test_registry_that_is_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "reg.yaml"
    p.write_bytes(b"\xff\xfeindicators: []\n")
    with pytest.raises(InputError, match=r"cannot read the registry .*: not UTF-8 text"):
        load_registry(p)
