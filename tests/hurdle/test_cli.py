"""``ouroboros hurdle`` commands: JSON parsed and checked, errors name the option.

The commands are mounted on a throwaway root app exactly as ``ouroboros.cli`` mounts them
(``register(app)``) and run the way ``ouroboros.cli.main`` runs them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import typer
from numpy.testing import assert_allclose

from ouroboros.cli._hurdle import register
from ouroboros.errors import InputError, OuroborosError

_app = typer.Typer()


@_app.callback()
def _root() -> None:
    """Test root."""


register(_app)
_COMMAND = typer.main.get_command(_app)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    _COMMAND.main(args=args, prog_name="ouroboros", standalone_mode=False)
    return capsys.readouterr().out


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(run([*args, "--format", "json"], capsys))


def fails(args: list[str]) -> OuroborosError:
    with pytest.raises(OuroborosError) as info:
        _COMMAND.main(args=args, prog_name="ouroboros", standalone_mode=False)
    return info.value


def test_default_json_is_the_seed_arithmetic(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(["hurdle"], capsys)
    for key in (
        "ebitda_required",
        "revenue_required",
        "share_of_gdp",
        "equity_return",
        "project_irr",
        "steps",
        "source",
    ):
        assert key in d
    assert_allclose(d["ebitda_required"], 3e12 * 0.12)
    assert_allclose(d["revenue_required"], 3e12 * 0.12 / 0.65)
    assert_allclose(d["share_of_gdp"], 3e12 * 0.12 / 0.65 / 29e12)
    assert_allclose(d["equity_return"], (0.12 - 0.3 * 0.075) / 0.7)
    assert d["source"] is None
    step = next(s for s in d["steps"] if s["name"] == "revenue_required")
    assert step["formula"] == "ebitda_required / ebitda_margin"
    assert {"label", "formula", "value"} <= set(step)


def test_issue_options(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(
        [
            "hurdle",
            "--capex",
            "2e12",
            "--ebitda-yield",
            "0.13",
            "--ebitda-margin",
            "0.5",
            "--gdp",
            "30e12",
            "--debt-share",
            "0.7",
            "--cost-of-debt",
            "0.08",
            "--asset-life",
            "5",
        ],
        capsys,
    )
    assert_allclose(d["revenue_required"], 2e12 * 0.13 / 0.5)
    assert_allclose(d["share_of_gdp"], 2e12 * 0.13 / 0.5 / 30e12)
    assert_allclose(d["equity_return"], (0.13 - 0.7 * 0.08) / 0.3)
    # project IRR of 13% a year for 5 years: solve 0.13 = r / (1 - (1 + r)^-5) by hand
    r = d["project_irr"]
    assert_allclose(r / (1 - (1 + r) ** -5), 0.13, rtol=1e-10)


def test_recovery_guarantee_and_mix(capsys: pytest.CaptureFixture[str]) -> None:
    plain = run_json(["hurdle", "--recovery", "--asset-mix", "datacentre"], capsys)
    g = run_json(
        [
            "hurdle",
            "--recovery",
            "--asset-mix",
            "datacentre",
            "--guarantee",
            "--treasury-rate",
            "0.04",
            "--guarantee-spread",
            "0.005",
        ],
        capsys,
    )
    assert_allclose(g["cost_of_debt"], 0.045)
    assert g["revenue_required"] < plain["revenue_required"]
    assert_allclose(plain["ebitda_yield"], plain["capital_recovery_yield"])
    assert_allclose(plain["project_irr"], plain["wacc"], atol=1e-10)


def test_capex_timing(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(["hurdle", "--recovery", "--capex-weights", "0.5,0.5"], capsys)
    assert d["inputs"]["build_years"] == 2
    w = 0.1625
    assert_allclose(d["capital_recovery_yield"], (1 + w / 2) * w / (1 - (1 + w) ** -6))


def test_recipe_json_has_source_and_published_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = run_json(["hurdle", "--recipe", "sequoia-2023"], capsys)
    assert d["recipe"] == "sequoia-2023"
    assert d["revenue_required"] == 200e9
    assert d["source"]["author"] == "David Cahn"
    assert d["source"]["url"].startswith("https://www.sequoiacap.com/")
    d = run_json(["hurdle", "--recipe", "seed-2025", "--set", "roi_low=0.13"], capsys)
    assert_allclose(d["revenue_required"], 3e12 * 0.13 / 0.65)
    assert d["checks"][0]["consistent"] is False


def test_user_recipes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "name: mine\ntitle: Mine\nsource: {title: me}\ninputs: {a: 2}\n"
        "steps: [{name: revenue, formula: a * 3}]\noutputs: {revenue_required: revenue}\n"
    )
    listed = run_json(["hurdle", "--list-recipes", "--recipes-file", str(f)], capsys)
    names = {r["name"] for r in listed}
    assert "mine" in names and "jpmorgan-2025" in names
    d = run_json(["hurdle", "--recipe", "mine", "--recipes-file", str(f)], capsys)
    assert d["revenue_required"] == 6.0


def test_table_output_shows_claims(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["hurdle", "--recipe", "seed-2025"], capsys)
    assert "Equity returns above 20%" in out and "NO" in out
    assert "Distill AI" in out
    out = run(["hurdle", "--list-recipes"], capsys)
    for name in (
        "seed-2025",
        "sequoia-2023",
        "sequoia-2024",
        "kupperman-2025",
        "morgan-stanley-2025",
        "bain-2025",
        "jpmorgan-2025",
    ):
        assert name in out


def test_tornado_command(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(["hurdle", "tornado", "--change", "0.1", "--capex", "2e12"], capsys)
    rows = {r["input"]: r for r in d["rows"]}
    base = 2e12 * 0.12 / 0.65
    assert_allclose(d["base_output"], base)
    assert_allclose(rows["capex"]["output_high"], base * 1.1)
    assert [r["swing"] for r in d["rows"]] == sorted((r["swing"] for r in d["rows"]), reverse=True)
    d = run_json(["hurdle", "tornado", "--recipe", "bain-2025", "--output", "shortfall"], capsys)
    assert d["model"] == "bain-2025"
    assert "Tornado" in run(["hurdle", "tornado"], capsys)


def test_solve_command(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(["hurdle", "solve", "--input", "ebitda_margin", "--target", "720e9"], capsys)
    assert_allclose(d["value"], 0.5, rtol=1e-10)
    d = run_json(
        ["hurdle", "solve", "--recovery", "--input", "asset_life", "--target", "1e12"], capsys
    )
    # the life n at which 3T * crf(16.25%, n) / 0.65 = 1T
    n = d["value"]
    assert_allclose(3e12 * 0.1625 / (1 - 1.1625**-n) / 0.65, 1e12, rtol=1e-9)


def test_gap_command(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(
        ["hurdle", "gap", "--current", "60e9", "--growth", "0.5", "--year", "2025"], capsys
    )
    req = 3e12 * 0.12 / 0.65
    assert_allclose(d["required"], req)
    assert_allclose(d["years_to_close"], math.log(req / 60e9) / math.log(1.5))
    d = run_json(
        ["hurdle", "gap", "--recipe", "sequoia-2024", "--current", "100e9", "--growth", "1.0"],
        capsys,
    )
    assert_allclose(d["years_to_close"], math.log(6) / math.log(2))
    d = run_json(["hurdle", "gap", "--required", "1e12", "--current", "1e11"], capsys)
    assert_allclose(d["gap"], 9e11)


def test_gap_from_a_dataset_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "web.yaml"
    f.write_text(
        "meta: {name: toy, unit: billion}\n"
        "entities:\n"
        "  - {id: lab, name: Lab, roles: [model_lab], financials: {2025: {revenue: 20}}}\n"
        "  - {id: nv, name: NV, roles: [chip_vendor], "
        "financials: {2025: {revenue: 130, ai_revenue: 115}}}\n"
        "instruments: []\n"
    )
    d = run_json(
        ["hurdle", "gap", "--dataset", str(f), "--required", "200e9", "--growth", "1.0"], capsys
    )
    assert_allclose(d["current"], 20e9)
    assert_allclose(d["years_to_close"], math.log(10) / math.log(2))
    assert [r["entity_id"] for r in d["breakdown"]] == ["lab", "nv"]


@pytest.mark.parametrize(
    ("args", "option", "text"),
    [
        (["hurdle", "--capex", "-3e12"], "--capex", "positive"),
        (["hurdle", "--ebitda-margin", "1.5"], "--ebitda-margin", "(0, 1]"),
        (["hurdle", "--ebitda-margin", "0"], "--ebitda-margin", "(0, 1]"),
        (["hurdle", "--debt-share", "1.5"], "--debt-share", "[0, 1]"),
        (["hurdle", "--recipe", "nope"], "--recipe", "unknown recipe 'nope'"),
        (["hurdle", "--format", "xml"], "--format", "table, json"),
        (["hurdle", "--asset-mix", "a:0.5:6"], "--asset-mix", "sum to 1"),
        (["hurdle", "--recipe", "seed-2025", "--capex", "1e12"], "--capex", "--set"),
        (["hurdle", "--recipe", "seed-2025", "--set", "x=1"], "--set", "no input 'x'"),
        (["hurdle", "--recipe", "seed-2025", "--set", "capex"], "--set", "NAME=VALUE"),
        (["hurdle", "--capex", "1e12", "tornado"], "--capex", "after the subcommand"),
        (["hurdle", "tornado", "--output", "nope"], "--output", "unknown output"),
        (
            ["hurdle", "solve", "--input", "asset_life", "--target", "1e12"],
            "--input",
            "does not depend",
        ),
        (["hurdle", "gap", "--current", "1e9", "--growth", "-2"], "--growth", "above -1"),
    ],
)
def test_bad_input_names_the_option(args: list[str], option: str, text: str) -> None:
    err = fails(args)
    assert isinstance(err, InputError)
    assert option in str(err) and text in str(err)
