"""``ouroboros liquidity`` and ``ouroboros layers``, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from _toy import toy_data
from ouroboros.cli import app, main
from ouroboros.cli._markets import register
from ouroboros.markets import run_layers, run_liquidity

# until the lead adds _markets to the CLI's module list, register the commands here
if "liquidity" not in {c.name for c in app.registered_commands}:
    register(app)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_liquidity_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["liquidity", "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)  # stdout is JSON and nothing else
    rep = run_liquidity()
    t = rep.funds.table
    assert data["years"] == [2025, 2026, 2027, 2028]
    assert data["cost_of_capital"] == pytest.approx(t["cost_of_capital"].tolist())
    assert data["crowded_out"] == pytest.approx(t["crowded_out"].tolist())
    assert data["phase"] == ["stimulus", "crowding_out", "crowding_out", "crowding_out"]
    rows = {r["asset_class"]: r for r in data["repricing"]}
    assert set(rows) >= {
        "treasuries",
        "ig_credit",
        "hy_credit",
        "private_credit",
        "hyperscaler_equity",
        "neocloud_equity",
        "unprofitable_saas",
        "crypto",
        "memory_makers",
        "datacentre_reits",
        "utilities",
        "power_traders",
    }
    for r in rows.values():
        assert {"duration", "price_change"} <= set(r)
    assert rows["crypto"]["duration"] == pytest.approx(1 / 0.015)
    assert data["selling"]["rounds"] == rep.selling.rounds
    assert {"round", "holder", "asset", "quantity", "price"} <= set(data["selling"]["chain"][0])
    assert any(
        s["parameter"] == "capex" and "Morgan Stanley" in s["source"] for s in data["sources"]
    )


def test_liquidity_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["liquidity"], capsys)
    assert code == 0
    assert "Loanable funds" in out and "Duration repricing" in out and "Chain of sales" in out
    assert "runs out in 2026" in out


def test_layers_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["layers", "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    res = run_layers()
    got = {(r["layer"], r["scenario"]): r["multiple"] for r in data["payoffs"]}
    for rec in res.table.itertuples():
        assert got[(rec.layer, rec.scenario)] == pytest.approx(rec.multiple)
    assert [s["name"] for s in data["scenarios"]][:3] == [
        "productivity_proven",
        "slow_productivity",
        "productivity_refuted",
    ]
    code, out, _ = run(["layers"], capsys)
    assert code == 0 and "Neocloud equity" in out and "IRR %" in out and "tenants walk" in out


def test_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("repricing:\n  shock: 0.01\n", encoding="utf-8")
    code, out, _ = run(["liquidity", "--scenario", str(p), "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["shock"]["delta_r"] == 0.01 and data["shock"]["year"] is None
    crypto = {r["asset_class"]: r for r in data["repricing"]}["crypto"]
    assert crypto["price_change"] == pytest.approx(0.015 / 0.025 - 1)


@pytest.mark.parametrize(
    ("command", "text", "expected"),
    [
        (
            "liquidity",
            "loanable_funds:\n  saving_elasticity: -0.2\n",
            "saving_elasticity must be >= 0",
        ),
        ("liquidity", "asset_classes:\n  crypto: {growth: 0.5}\n", "must exceed growth"),
        ("liquidity", "central_bank:\n  helicopter: 1\n", "central_bank.helicopter: unknown key"),
        (
            "layers",
            "scenarios:\n  slow_productivity: {years_to_scale: -3}\n",
            "years_to_scale must be >= 0",
        ),
    ],
)
def test_bad_scenarios_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, text: str, expected: str
) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    code, out, err = run([command, "--scenario", str(p), "--format", "json"], capsys)
    assert code == 1 and out == ""
    assert err.startswith("InputError: ") and expected in err and str(p) in err
    assert "Traceback" not in err


def test_bad_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["layers", "--format", "xml"], capsys)
    assert code == 1 and "--format" in err


def test_capex_from_a_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = toy_data()  # amounts in USD billions
    data["entities"].append(
        {
            "id": "msft",
            "name": "Microsoft",
            "roles": ["hyperscaler"],
            "financials": {2025: {"capex": 90.0}, 2026: {"capex": 120.0}},
        }
    )
    data["entities"].append(
        {
            "id": "cw",
            "name": "CoreWeave",
            "roles": ["neocloud"],
            "financials": {2026: {"capex": 25.0}},
        }
    )
    path = tmp_path / "web.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, out, err = run(["liquidity", "--dataset", str(path), "--format", "json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["capex"] == [90.0, 145.0, 801.0, 1133.0]
    assert d["capex_from_dataset"] == [2025, 2026]
    # below the 230 baseline, 2025 and 2026 demand nothing extra
    assert d["phase"][:2] == ["slack", "slack"]
