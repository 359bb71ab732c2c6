"""``ouroboros stress ...`` and ``ouroboros runs ...`` through the real CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import ouroboros.cli as cli
from ouroboros.cli import _stress
from ouroboros.store import Store

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ouroboros(
    isolated_store: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    # wire the commands into the root app if the lead has not yet
    if not any(g.name == "stress" for g in cli.app.registered_groups):
        _stress.register(cli.app)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_stress_json_one_run(ouroboros: Run) -> None:
    code, out, err = ouroboros("stress", "slow-productivity", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("defaults", "losses_by_layer", "timeline", "run_id", "deals", "hurdle"):
        assert key in data
    assert "default_probability" not in data  # only with --runs > 1
    assert data["defaults"]["openai"] is not None and data["defaults"]["microsoft"] is None
    assert data["timeline"][0]["entity"] == "openai"
    assert {r["layer"] for r in data["losses_by_layer"]} >= {"spv_bondholders", "banks"}
    assert err == ""  # no progress bar, no noise on stdout or stderr


def test_stress_json_monte_carlo_and_store(ouroboros: Run, tmp_path: Path) -> None:
    code, out, err = ouroboros(
        "stress",
        "productivity-refuted",
        "--runs",
        "100",
        "--seed",
        "3",
        "--executor",
        "serial",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["runs"] == 100 and data["seed"] == 3
    assert 0 <= data["default_probability"]["openai"] <= 1
    assert set(data["losses_by_layer"][0]) == {"year", "layer", "mean", "p05", "p50", "p95"}
    run_id = data["run_id"]
    # runs list / show / export
    code, out, _ = ouroboros("runs", "list", "--format", "json")
    assert code == 0 and [r["run_id"] for r in json.loads(out)] == [run_id]
    code, out, _ = ouroboros("runs", "show", run_id, "--format", "json")
    shown = json.loads(out)
    assert shown["seed"] == 3 and shown["params"]["runs"] == 100
    assert shown["tables"]["layer_losses_at_horizon"]["rows"] == 100
    assert shown["params"]["scenario"]["name"] == "productivity-refuted"
    code, out, _ = ouroboros(
        "runs", "show", run_id, "--table", "default_probability", "--format", "json"
    )
    assert {r["entity"] for r in json.loads(out)} >= {"openai", "coreweave"}
    code, out, err = ouroboros("runs", "export", run_id, "--out", str(tmp_path / "exp"))
    assert code == 0, err
    files = {p.name for p in (tmp_path / "exp").iterdir()}
    assert {"params.json", "timeline.csv", "losses_by_layer.csv", "defaults.csv"} <= files
    lb = pd.read_csv(tmp_path / "exp" / "losses_by_layer.csv")
    assert len(lb) == len(data["losses_by_layer"])
    # the stored run reloads with the same numbers
    stored = Store().load_run(run_id).tables["default_probability"]
    got = dict(zip(stored["entity"], stored["probability"], strict=True))
    assert got["openai"] == pytest.approx(data["default_probability"]["openai"])


def test_stress_tables_list_and_compare(ouroboros: Run) -> None:
    code, out, err = ouroboros("stress", "baseline", "--no-save")
    assert code == 0, err
    assert "Cumulative losses by layer" in out and "saved as run" not in out
    code, out, _ = ouroboros("stress", "list", "--format", "json")
    assert [r["name"] for r in json.loads(out)][:2] == ["baseline", "slow-productivity"]
    code, out, err = ouroboros(
        "stress", "compare", "baseline", "slow-productivity", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["scenarios"] == ["baseline", "slow-productivity"]
    rows = {r["measure"]: r for r in data["table"]}
    assert rows["first default"]["baseline"] == "none"
    assert rows["first default"]["slow-productivity"].startswith("openai")
    code, out, _ = ouroboros("stress", "compare", "baseline", "rates-up")
    assert code == 0 and "Scenarios side by side" in out


def test_bad_input_is_an_error_not_a_traceback(ouroboros: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\npower:\n  available_gw: {2027: -4}\n", encoding="utf-8")
    code, out, err = ouroboros("stress", str(bad))
    assert code == 1 and out == ""
    assert "DatasetError" in err and f"{bad}:3: bad: power.available_gw" in err
    code, _, err = ouroboros("stress", "no-such-scenario")
    assert code == 1 and "InputError" in err and "built-ins" in err
    code, _, err = ouroboros("stress", "baseline", "--executor", "ray")
    assert code == 1 and "executor must be one of" in err
    code, _, err = ouroboros("runs", "show", "nope")
    assert code == 1 and "StoreError" in err


def test_an_interrupted_run_leaves_nothing_in_the_store(
    ouroboros: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ouroboros.scenarios import _run

    real = _run.run_batch
    calls = {"n": 0}

    def failing(payload, first, n):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C half-way through
        return real(payload, first, n)

    monkeypatch.setattr(_run, "run_batch", failing)
    code, _out, _err = ouroboros(
        "stress", "baseline", "--runs", "150", "--batch-size", "50", "--executor", "serial"
    )
    assert code == 130  # the root CLI reports the interruption (exit code 130)
    assert calls["n"] == 2
    assert Store().list_runs().empty
