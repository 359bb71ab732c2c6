"""The ``contagion`` and ``debtrank`` commands, on a throwaway Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ouroboros.cli._contagion import register
from ouroboros.errors import InputError

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Test root."""

    register(root)
    return root


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "L.csv").write_text("debtor,creditor,amount\nA,B,10\nB,C,10\nC,A,5\n")
    (tmp_path / "E.csv").write_text(
        "entity,external_assets,external_liabilities\nA,0,0\nB,2,0\nC,1,0\n"
    )
    (tmp_path / "S.csv").write_text("entity,shock\nB,1\n")
    (tmp_path / "X.csv").write_text("holder,counterparty,amount\nB,A,50\nC,B,20\n")
    (tmp_path / "B.csv").write_text("entity,buffer\nA,100\nB,100\nC,100\n")
    (tmp_path / "W.csv").write_text("entity,weight\nA,1\nB,1\nC,1\n")
    (tmp_path / "H.csv").write_text("entity,shock\nA,1\n")
    return {k: str(tmp_path / f"{k}.csv") for k in "LESXBWH"}


def test_contagion_json(app: typer.Typer, files: dict[str, str]) -> None:
    args = ["contagion", "--liabilities", files["L"], "--external", files["E"], "-f", "json"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["payments"] == {"A": 5.0, "B": 7.0, "C": 5.0}
    assert body["defaults"] == ["A", "B"]
    assert body["equity"]["C"] == 3.0
    assert [r["defaults"] for r in body["rounds"]] == [["A"], ["B"]]
    # B loses its 2 of outside assets: everyone passes on the 5 that C can pay
    shocked = json.loads(runner.invoke(app, [*args, "--shock", files["S"]]).stdout)
    assert shocked["payments"] == {"A": 5.0, "B": 5.0, "C": 5.0}
    assert shocked["equity"]["C"] == 1.0


def test_contagion_rv_and_furfine(app: typer.Typer, files: dict[str, str]) -> None:
    base = ["contagion", "--liabilities", files["L"], "--external", files["E"], "-f", "json"]
    rv = json.loads(
        runner.invoke(app, [*base, "--method", "rv", "--alpha", "1", "--beta", "1"]).stdout
    )
    assert rv["payments"] == {"A": 5.0, "B": 7.0, "C": 5.0}
    ff = json.loads(runner.invoke(app, [*base, "--method", "furfine"]).stdout)
    assert ff["defaults"] == ["A", "B", "C"]
    table = runner.invoke(app, base[:-2])
    assert table.exit_code == 0 and "Defaults round by round" in table.stdout


def test_contagion_errors(app: typer.Typer, files: dict[str, str]) -> None:
    out = runner.invoke(app, ["contagion", "--liabilities", files["L"], "--method", "rv"])
    assert isinstance(out.exception, InputError)
    base = ["contagion", "--liabilities", files["L"], "--external", files["E"]]
    out = runner.invoke(app, [*base, "--method", "rv"])
    assert isinstance(out.exception, InputError) and "--alpha" in str(out.exception)
    out = runner.invoke(app, [*base, "--alpha", "0.5"])
    assert isinstance(out.exception, InputError)
    out = runner.invoke(app, [*base, "--external-seniority", "junior"])
    assert isinstance(out.exception, InputError) and "external_seniority" in str(out.exception)


def test_debtrank_json(app: typer.Typer, files: dict[str, str]) -> None:
    args = ["debtrank", "--exposures", files["X"], "--buffers", files["B"], "--weights", files["W"]]
    out = runner.invoke(app, [*args, "--shock", files["H"], "-f", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["stress"] == {"A": 1.0, "B": 0.5, "C": 0.1}
    assert body["debtrank"] == pytest.approx(0.2)
    assert body["defaults"] == ["A"]
    every = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert every["debtrank"]["A"] == pytest.approx(0.2)
    assert every["debtrank"]["C"] == 0.0
    out = runner.invoke(app, [*args, "--method", "triple"])
    assert isinstance(out.exception, InputError)


def test_dataset_mode(app: typer.Typer) -> None:
    out = runner.invoke(app, ["contagion", "--default", "coreweave", "-f", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["rounds"][0]["defaults"] == ["coreweave"]
    owed = sum(x["owed"] for x in body["losses"] if x["debtor"] == "coreweave")
    lost = sum(x["loss"] for x in body["losses"] if x["debtor"] == "coreweave")
    assert lost == pytest.approx(owed)  # recovery 0: every claim on it is lost
    out = runner.invoke(app, ["contagion", "--default", "no-such-entity"])
    assert isinstance(out.exception, InputError)
    out = runner.invoke(app, ["contagion"])
    assert isinstance(out.exception, InputError) and "--default" in str(out.exception)
