"""Every built-in recipe reproduces its published figure; bad recipes fail clearly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.hurdle import (
    builtin_recipes,
    get_recipe,
    load_recipes,
    parse_recipes,
    run_recipe,
)

EXPECTED = {
    "seed-2025",
    "sequoia-2023",
    "sequoia-2024",
    "kupperman-2025",
    "morgan-stanley-2025",
    "bain-2025",
    "jpmorgan-2025",
}


def value(name: str, step: str) -> float:
    return run_recipe(get_recipe(name)).value(step)


def test_all_named_recipes_ship_with_sources() -> None:
    recipes = builtin_recipes()
    assert set(recipes) >= EXPECTED
    for r in recipes.values():
        assert r.source.title and r.source.title != "?"
        assert r.source.date
        assert r.source.publisher or r.source.author
        assert r.steps and r.inputs


def test_every_builtin_check_holds_except_the_seed_leverage_claim() -> None:
    for name, r in builtin_recipes().items():
        checks = run_recipe(r).checks
        failing = set(checks.loc[~checks["consistent"], "label"])
        if name == "seed-2025":
            assert failing == {"Equity returns above 20% at debt:equity 3:7 and 7-8% debt"}
        else:
            assert failing == set(), (name, failing)


def test_seed_2025() -> None:
    # $3T x 12% = $360B; / 65% = $553.8B (~$550B); / $29T = 1.91% (~1.9%)
    assert_allclose(value("seed-2025", "ebitda_required"), 360e9, rtol=1e-12)
    assert_allclose(value("seed-2025", "revenue_required"), 360e9 / 0.65, rtol=1e-12)
    assert round(value("seed-2025", "revenue_required") / 1e9) == 554
    assert round(value("seed-2025", "share_of_gdp") * 100, 1) == 1.9
    assert 1 <= value("seed-2025", "cloud_multiple") <= 2  # "one or two" cloud industries
    # the leverage claim: 3:7 implies 13.7%-15.6%, not > 20%; 7:3 gives 21.3%-27%
    assert_allclose(value("seed-2025", "equity_yield"), (0.12 - 0.3 * 0.075) / 0.7)
    assert_allclose(value("seed-2025", "equity_yield_low"), (0.12 - 0.3 * 0.08) / 0.7)
    assert_allclose(value("seed-2025", "equity_yield_high"), (0.13 - 0.3 * 0.07) / 0.7)
    assert_allclose(value("seed-2025", "equity_yield_reversed_low"), (0.12 - 0.7 * 0.08) / 0.3)
    assert_allclose(value("seed-2025", "equity_yield_reversed_high"), (0.13 - 0.7 * 0.07) / 0.3)
    res = run_recipe(get_recipe("seed-2025"))
    assert_allclose(res.outputs["equity_return"], 0.139286, atol=1e-6)
    claim = res.checks.iloc[0]
    assert claim["claimed"] == 0.20 and claim["implied"] < 0.20 and not claim["consistent"]


def test_sequoia_2023() -> None:
    # $50B x 2 x 2 = $200B; credited 4 x $10B + 6 x $5B = $70B
    assert_allclose(value("sequoia-2023", "revenue_required"), 200e9)
    assert_allclose(value("sequoia-2023", "gap"), 200e9 - 70e9)
    assert abs(value("sequoia-2023", "gap") - 125e9) / 125e9 <= 0.05  # published: $125B


def test_sequoia_2024() -> None:
    assert_allclose(value("sequoia-2024", "revenue_required"), 600e9)
    assert_allclose(value("sequoia-2024", "gap"), 500e9)


def test_kupperman_2025() -> None:
    assert_allclose(value("kupperman-2025", "depreciation_long"), 40e9)
    assert_allclose(value("kupperman-2025", "revenue_long"), 160e9)
    assert_allclose(value("kupperman-2025", "revenue_mid"), 320e9)
    assert_allclose(value("kupperman-2025", "revenue_short"), 480e9, rtol=1e-12)
    # adding a 10% return over 5 years: 400 x crf(10%, 5) / 25%
    assert_allclose(
        value("kupperman-2025", "revenue_recovery_mid"), 400e9 * 0.1 / (1 - 1.1**-5) / 0.25
    )


def test_morgan_stanley_2025() -> None:
    assert_allclose(value("morgan-stanley-2025", "total_capex"), 2.9e12)
    assert_allclose(value("morgan-stanley-2025", "financing_gap"), 1.5e12)
    assert_allclose(value("morgan-stanley-2025", "external_sources"), 800e9 + 350e9 + 200e9 + 150e9)
    assert_allclose(value("morgan-stanley-2025", "unfunded"), 0.0, atol=1e-3)
    assert value("morgan-stanley-2025", "private_credit_share") > 0.5


def test_bain_2025() -> None:
    assert_allclose(value("bain-2025", "revenue_required"), 2e12)
    assert_allclose(value("bain-2025", "shortfall"), 800e9)


def test_jpmorgan_2025() -> None:
    assert_allclose(value("jpmorgan-2025", "revenue_required"), 650e9)
    # $650B / (12 x $34.72) = 1.5601B users; / (12 x $180) = 300.9M subscribers
    assert_allclose(value("jpmorgan-2025", "implied_iphone_users"), 650e9 / (12 * 34.72))
    assert round(value("jpmorgan-2025", "implied_iphone_users") / 1e9, 2) == 1.56
    assert round(value("jpmorgan-2025", "implied_netflix_subscribers") / 1e6) == 301
    assert_allclose(value("jpmorgan-2025", "revenue_low"), 500e9)
    assert_allclose(value("jpmorgan-2025", "revenue_high"), 700e9)


def test_result_dict_has_headline_keys_and_source() -> None:
    d = run_recipe(get_recipe("sequoia-2024")).to_dict()
    assert d["revenue_required"] == 600e9
    assert d["ebitda_required"] is None and d["project_irr"] is None
    assert d["source"]["url"] == "https://www.sequoiacap.com/article/ais-600b-question/"
    assert {"label", "formula", "value"} <= set(d["steps"][0])


def test_overrides() -> None:
    res = run_recipe(get_recipe("seed-2025"), {"roi_low": 0.13})
    assert_allclose(res.outputs["revenue_required"], 3e12 * 0.13 / 0.65)
    with pytest.raises(InputError, match="unknown input 'roi'"):
        run_recipe(get_recipe("seed-2025"), {"roi": 0.13})


def test_unknown_recipe_lists_known_ones() -> None:
    with pytest.raises(InputError, match="unknown recipe 'nope'; known recipes: bain-2025"):
        get_recipe("nope")


# ------------------------------------------------------------------ user recipes

GOOD = """
name: my-hurdle
title: My hurdle
source: {title: My spreadsheet, author: Me, date: 2025-10-01}
inputs:
  capex: 3e12
  y: {value: 0.1, unit: ratio, label: yield}
  margin: 0.5
steps:
  - {name: ebitda, label: EBITDA, formula: capex * y, unit: USD}
  - {name: revenue, label: Revenue, formula: ebitda / margin, unit: USD}
outputs: {revenue_required: revenue, ebitda_required: ebitda}
checks:
  - {label: about 600B, relation: approx, claimed: 600e9, tolerance: 0.01, implied: revenue}
  - {label: in range, relation: between, claimed: [1e11, 1e12], implied: revenue}
"""


def test_user_recipe_from_file_and_directory(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(GOOD)
    recipes = load_recipes(f)
    res = run_recipe(recipes["my-hurdle"])
    assert res.outputs == {"revenue_required": 600e9, "ebitda_required": 300e9}
    assert res.checks["consistent"].all()
    assert res.source.date == "2025-10-01"  # YAML dates become ISO text
    (tmp_path / "more.yml").write_text(GOOD.replace("my-hurdle", "other"))
    assert set(load_recipes(tmp_path)) == {"my-hurdle", "other"}


def test_list_forms_of_a_recipe_file() -> None:
    body = textwrap.indent(GOOD.strip(), "  ")
    as_list = "- " + body.strip().replace("\n  ", "\n  ")
    assert set(parse_recipes(as_list)) == {"my-hurdle"}
    wrapped = "recipes:\n" + textwrap.indent(as_list, "  ")
    assert set(parse_recipes(wrapped)) == {"my-hurdle"}


def _problems(text: str, file: str = "bad.yaml") -> list[str]:
    with pytest.raises(DatasetError) as info:
        parse_recipes(text, file=file)
    return [str(p) for p in info.value.problems]


def test_unknown_name_names_file_line_recipe_and_step() -> None:
    msgs = _problems(GOOD.replace("ebitda / margin", "ebitda / margn"))
    # GOOD starts with a blank line: the step 'revenue' is on line 11; the names it may
    # use are the three inputs and the step before it
    assert msgs == [
        "bad.yaml:11: my-hurdle: steps.1.formula: unknown name 'margn' in 'ebitda / margn' "
        "(inputs and earlier steps: capex, ebitda, margin, y)"
    ]


def test_syntax_error_names_the_step_and_column() -> None:
    msgs = _problems(GOOD.replace("capex * y", "capex * (y"))
    assert msgs == [
        "bad.yaml:10: my-hurdle: steps.0.formula: syntax error in 'capex * (y': expected ')' "
        "at column 11, found end of formula"
    ]


def test_forward_reference_is_an_unknown_name() -> None:
    text = GOOD.replace("formula: capex * y", "formula: revenue * y")
    assert _problems(text) == [
        "bad.yaml:10: my-hurdle: steps.0.formula: unknown name 'revenue' in 'revenue * y' "
        "(inputs and earlier steps: capex, margin, y)"
    ]


def test_missing_input_value_and_many_problems_at_once() -> None:
    text = (
        GOOD.replace("y: {value: 0.1, unit: ratio, label: yield}", "y: {unit: ratio}")
        .replace("relation: approx", "relation: about")
        .replace("title: My hurdle", "title: My hurdle\nauthor: me")
    )
    # 'author' belongs in source: at the top it is unknown (no key of a recipe is close)
    assert _problems(text) == [
        "bad.yaml:4: my-hurdle: author: unknown field; expected one of name, title, "
        "description, source, inputs, steps, outputs, checks",
        "bad.yaml:8: my-hurdle: inputs.y.value: required field is missing",
        "bad.yaml:15: my-hurdle: checks.0.relation: got 'about'; expected one of 'approx', "
        "'>=', '>', '<=', '<' or 'between'",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("name: my-hurdle", "name: My Hurdle"),
         "bad.yaml:2: My Hurdle: name: must be lower-case letters, digits, '-' or '_', "
         "got 'My Hurdle'"),
        (("- {name: revenue,", "- {name: ebitda,"),
         "bad.yaml:11: my-hurdle: steps.1.name: 'ebitda' is already an input or an earlier step"),
        (("- {name: revenue,", "- {name: max,"),
         "bad.yaml:11: my-hurdle: steps.1.name: 'max' is not a usable name (letters, digits "
         "and _, not a function's name)"),
        (("revenue_required: revenue", "revenue_required: nothing"),
         "bad.yaml:12: my-hurdle: outputs.revenue_required: 'nothing' is not an input or step "
         "of the recipe"),
        (("implied: revenue}", "implied: revenu}"),
         "bad.yaml:14: my-hurdle: checks.0.implied: unknown name 'revenu' in 'revenu' (inputs "
         "and earlier steps: capex, ebitda, margin, revenue, y)"),
        (("claimed: [1e11, 1e12]", "claimed: 5"),
         "bad.yaml:15: my-hurdle: checks.1.claimed: 'between' needs [low, high], got 5"),
        (("tolerance: 0.01", "tolerance: -1"),
         "bad.yaml:14: my-hurdle: checks.0.tolerance: must be >= 0, got -1"),
        (("source: {title: My spreadsheet,", "source: {"),
         "bad.yaml:4: my-hurdle: source.title: required field is missing"),
        (("title: My hurdle", "title: ''"), "bad.yaml:3: my-hurdle: title: must not be empty"),
        (("margin: 0.5", "margin: half"),
         "bad.yaml:8: my-hurdle: inputs.margin: must be a number or a mapping with a value, "
         "got 'half'"),
        (("margin: 0.5", "margin: 0.5\n  capex: 1"), "bad.yaml:9: capex: duplicate key"),
        (("steps:", "steps: [}"),
         "bad.yaml:9: YAML syntax error: while parsing a flow node expected the node content, "
         "but found '}'"),
    ],
)  # fmt: skip
def test_bad_recipes(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    assert message in _problems(GOOD.replace(old, new, 1))


def test_a_broken_recipe_file_reports_every_problem_located(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text(
        textwrap.dedent(
            """\
            recipes:
              - name: first
                title: First
                source:
                  title: Notes
                  date: 2025-10-01
                inputs:
                  capex: 3e12
                  margin:
                    value: lots
                    unit: ratio
                steps:
                  - name: revenue
                    formula: capex / margn
                    units: USD
              - name: second
                title: Second
                source: {title: More notes}
                inputs: {x: 1}
                steps:
                  - {name: y, formula: x * 2}
                checks:
                  - label: claimed twice
                    claimed: [1, 2]
                    implied: y
            """
        )
    )
    with pytest.raises(DatasetError) as info:
        load_recipes(f)
    # worked out from the text above, each problem on its own line: the formula of the
    # step with a misspelt key is checked too, against the inputs' names (capex, and
    # margin although its value is bad)
    assert info.value.problems == [
        Problem(str(f), 10, "first", "inputs.margin.value", "must be a finite number, got 'lots'"),
        Problem(str(f), 14, "first", "steps.0.formula",
                "unknown name 'margn' in 'capex / margn' (inputs and earlier steps: capex, "
                "margin)"),
        Problem(str(f), 15, "first", "steps.0.units",
                "unknown field (did you mean 'unit'?); expected one of name, label, formula, "
                "unit, note"),
        Problem(str(f), 24, "second", "checks.0.claimed", "must be a number, got [1, 2]"),
    ]  # fmt: skip


def test_problems_carry_line_numbers() -> None:
    msgs = _problems(GOOD.replace("ebitda / margin", "ebitda / margn"))
    line = int(msgs[0].split(":")[1])
    assert GOOD.splitlines()[line - 1].strip().startswith("- {name: revenue")


def test_runtime_error_names_recipe_and_step() -> None:
    r = parse_recipes(GOOD, file="mine.yaml")["my-hurdle"]
    with pytest.raises(InputError) as info:
        run_recipe(r, {"margin": 0.0})
    msg = str(info.value)
    assert "mine.yaml" in msg and "my-hurdle" in msg and "'revenue'" in msg
    assert "division by zero" in msg


def test_directory_problems_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(DatasetError, match="also defined in"):
        load_recipes(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_recipes(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no \*\.yaml recipe files"):
        load_recipes(empty)
