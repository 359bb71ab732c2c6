"""The ``ouroboros dataset`` commands, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ouroboros.cli import main
from ouroboros.model import default_ledger, load_ledger

BROKEN = Path(__file__).parents[1] / "model" / "broken"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert (code, out.strip()) == (0, "ouroboros 0.1.0")


def test_validate_bundled_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["dataset", "validate", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    lg = default_ledger()
    assert data == {"valid": True, "path": "bundled dataset", "entities": len(lg.entities),
                    "instruments": len(lg.instruments)}  # fmt: skip


def test_show_json_totals_match_the_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["dataset", "show", "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)  # stdout is JSON and nothing else
    lg = default_ledger()
    by_kind = {r["kind"]: (r["count"], r["amount"]) for r in data["by_kind"]}
    for kind in {i.kind for i in lg.instruments}:
        mine = [i.amount for i in lg.instruments if i.kind == kind]
        assert by_kind[kind][0] == len(mine)
        assert by_kind[kind][1] == pytest.approx(sum(mine))
    assert data["counts"]["entities"] == len(lg.entities)
    roles = {r["role"]: r["count"] for r in data["by_role"]}
    assert roles["rest_of_world"] == len(lg.entities_with_role("rest_of_world"))


def test_show_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["dataset", "show"], capsys)
    assert code == 0 and "Instruments by kind" in out and "AI capex web, late 2025" in out


@pytest.mark.parametrize("to", ["yaml", "json", "csv"])
def test_export_round_trips(to: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / ("web" if to == "csv" else f"web.{to}")
    code, _, _ = run(["dataset", "export", str(target), "--to", to], capsys)
    assert code == 0
    assert load_ledger(target) == default_ledger()


def test_broken_file_lists_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["dataset", "validate", str(BROKEN / "many_problems.yaml")], capsys)
    assert code == 1 and out == ""
    lines = [ln.strip() for ln in err.splitlines()]
    assert lines[0] == "DatasetError: 10 problem(s)"
    assert f"{BROKEN / 'many_problems.yaml'}:22: nv-oai: amount: must be >= 0, got -5" in lines
    assert "Traceback" not in err


def test_bad_option_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["dataset", "show", "--format", "xml"], capsys)
    assert code == 1 and "InputError" in err and "--format" in err
    code, _, err = run(["dataset", "export", str(tmp_path / "x"), "--to", "xls"], capsys)
    assert code == 1 and "--to must be one of yaml, json, csv" in err


def test_import_and_list(isolated_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["dataset", "import", "--format", "json"], capsys)
    assert code == 0
    first = json.loads(out)
    assert (first["version"], first["created"]) == (1, True)
    code, out, _ = run(["dataset", "import", "--format", "json"], capsys)
    assert json.loads(out)["created"] is False
    code, out, _ = run(["dataset", "list", "--format", "json"], capsys)
    listed = json.loads(out)
    assert listed["store"] == str(isolated_store)
    assert [(d["name"], d["version"]) for d in listed["datasets"]] == [
        ("AI capex web, late 2025", 1)
    ]


def test_db_option_moves_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "elsewhere.duckdb"
    code, _, _ = run(["--db", str(db), "dataset", "import"], capsys)
    assert code == 0 and db.exists()


def test_real_process_no_traceback(tmp_path: Path) -> None:
    """The installed entry point and ``python -m`` exit 1 with a message, never a traceback."""
    for cmd in (["ouroboros"], [sys.executable, "-m", "ouroboros"]):
        proc = subprocess.run(
            [*cmd, "dataset", "validate", str(BROKEN / "syntax.yaml")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 1
        assert "YAML syntax error" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(
        ["ouroboros", "--debug", "dataset", "validate", str(BROKEN / "syntax.yaml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" in proc.stderr


def test_usage_errors_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["dataset", "show", "--nope"], capsys)
    assert code == 2 and "No such option: --nope" in err and "InternalError" not in err
