"""The ``ouroboros deal`` commands, run as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from numpy.testing import assert_allclose

from ouroboros.deals import bundled_deal, level_payment, run_deal

Main = Callable[[list[str]], int]


def run(main: Main, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_list(cli_main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(cli_main, ["deal", "list", "--format", "json"], capsys)
    assert code == 0 and err == ""
    deals = {d["name"]: d for d in json.loads(out)["deals"]}
    assert set(deals) == {"hyperion", "coreweave"}
    assert deals["hyperion"]["entity"] == "beignet" and deals["hyperion"]["debt"] == 27300
    assert deals["coreweave"]["tranches"] == len(bundled_deal("coreweave").tranches)
    code, out, _ = run(cli_main, ["deal", "list"], capsys)
    assert code == 0 and "Bundled deals" in out and "27,300" in out


def test_run_json(cli_main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(cli_main, ["deal", "run", "hyperion", "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {"deal", "scenario", "summary", "periods", "close", "tranche_periods"} <= set(data)
    s = data["summary"]
    for key in ("min_dscr", "avg_dscr", "llcr", "wal", "equity_irr", "tranches"):
        assert key in s
    assert [t["tranche"] for t in s["tranches"]] == ["senior-notes"]
    assert len(data["periods"]) == 284 and data["periods"][0]["date"] == "2025-11-30"
    lib = run_deal(bundled_deal("hyperion")).summary.iloc[0]
    assert_allclose(s["min_dscr"], lib.min_dscr)
    assert s["default_date"] is None


def test_run_csv_and_table(cli_main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(cli_main, ["deal", "run", "coreweave", "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 30 and {"date", "cfads", "dscr", "debt", "scenario"} <= set(rows[0])
    code, out, _ = run(cli_main, ["deal", "run", "coreweave"], capsys)
    assert code == 0 and "Summary" in out and "Tranches" in out and "By year" in out


def test_run_a_spec_file_with_a_scenario_file(
    cli_main: Main, capsys: pytest.CaptureFixture[str], tmp_path: Path, toy_yaml: Path
) -> None:
    spec = toy_yaml
    scen = tmp_path / "s.yaml"
    scen.write_text(
        yaml.safe_dump({"scenarios": [{"name": "base"}, {"name": "cut", "rent_factor": 0.5}]})
    )
    code, _, err = run(cli_main, ["deal", "run", str(spec), "--scenario", str(scen)], capsys)
    assert code == 1 and "holds 2 scenarios (base, cut); choose one with --pick" in err
    args = ["deal", "run", str(spec), "-s", str(scen), "--pick", "cut", "--format", "json"]
    code, out, _ = run(cli_main, args, capsys)
    assert code == 0
    data = json.loads(out)
    assert data["scenario"] == "cut"
    pay = level_payment(100.0, 0.06, 10)
    assert_allclose(data["summary"]["min_dscr"], 10.0 / pay)


def test_breakeven(cli_main: Main, capsys: pytest.CaptureFixture[str], toy_yaml: Path) -> None:
    spec = toy_yaml
    args = [
        "deal",
        "breakeven",
        str(spec),
        "--stress",
        "rent_haircut",
        "--target",
        "dscr",
        "--format",
        "json",
    ]
    code, out, err = run(cli_main, args, capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["found"] and data["stress"] == "rent_haircut"
    assert_allclose(data["value"], 1 - level_payment(100.0, 0.06, 10) / 20.0, atol=2e-6)
    code, out, _ = run(
        cli_main, ["deal", "breakeven", "hyperion", "--stress", "cfads_haircut"], capsys
    )
    assert code == 0 and "senior-notes takes its first loss" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deal", "run", "nvidia"], "InputError: no bundled deal named 'nvidia'"),
        (["deal", "run", "hyperion", "--format", "xml"], "--format must be one of table, json"),
        (["deal", "breakeven", "hyperion", "--stress", "meteor"], "unknown stress 'meteor'"),
        (["deal", "run", "hyperion", "--pick", "x"], "--pick needs --scenario FILE"),
    ],
)
def test_user_errors(
    cli_main: Main, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(cli_main, args, capsys)
    assert code == 1 and out == "" and message in err and "Traceback" not in err


def test_bad_spec_file_lists_located_problems(
    cli_main: Main, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(__file__).parent / "broken" / "refs.yaml"
    code, _, err = run(cli_main, ["deal", "run", str(path)], capsys)
    assert code == 1
    assert "DatasetError: 8 problem(s)" in err
    assert f"{path}:23: waterfalls.operation[0]: tranches.0: unknown tranche 'junior'" in err
