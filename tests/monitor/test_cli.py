"""`ouroboros monitor ...` run as a user runs it (through `ouroboros.cli.main`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor._fakeapi import FRED_KEY, USER_AGENT, FakeApi, Reply
from ouroboros.monitor import GAUGES, stored_observations
from ouroboros.store import Store

Main = Callable[[list[str]], int]


def run(main: Main, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_show_json_on_a_fresh_install(
    cli: Main, isolated_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(cli, ["monitor", "show", "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)  # JSON and nothing else
    assert data["as_of"] == "2025-12-11" and data["data"] == "bundled history"
    assert [g["name"] for g in data["gauges"]] == list(GAUGES)
    assert {"name", "score", "status"} <= set(data["gauges"][0])
    assert {"value", "status", "date", "gauges_in_red"} <= set(data["composite"])
    rows = {r["id"]: r for r in data["indicators"]}
    assert {"id", "value", "date", "status"} <= set(rows["oracle_cds_5y"])
    assert rows["oracle_cds_5y"]["value"] == 139.0 and rows["oracle_cds_5y"]["status"] == "amber"
    assert rows["hy_oas"]["value"] is None and "hy_oas" in data["no_data"]
    assert "capex_meta" not in rows  # inputs only with --all
    assert not isolated_store.exists()  # showing never creates the store


def test_show_table_and_history(
    cli: Main, isolated_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(cli, ["monitor", "show", "--all"], capsys)
    assert code == 0 and "Risk thermometer as of 2025-12-11" in out and "capex_meta" in out
    code, out, _ = run(cli, ["monitor", "show", "-f", "json", "--history", "--freq", "MS"], capsys)
    hist = json.loads(out)["history"]
    assert hist[-1]["date"] == "2025-12-11" and set(GAUGES) <= set(hist[-1])


def test_check_exit_codes(
    cli: Main, isolated_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(cli, ["monitor", "check", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 2 and data["fired"] >= 1
    assert any(a["id"] == "two-gauges-red" and a["fired"] for a in data["alerts"])
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("rules: [{id: q, when: indicator, target: oracle_cds_5y, above: 500}]\n")
    code, out, _ = run(cli, ["monitor", "check", "--rules", str(quiet)], capsys)
    assert code == 0 and "0 alert(s) fired" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{id: q, when: indicator, target: nope, above: 5}]\n")
    code, _, err = run(cli, ["monitor", "check", "--rules", str(bad)], capsys)
    assert code == 1 and f"{bad}:1: q: target: unknown indicator 'nope'" in err


def test_import_then_show(
    cli: Main, isolated_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "orcl.csv"
    f.write_text("date,value,unit,source\n2025-12-17,1.55,percent,test figure\n")
    code, out, _ = run(
        cli, ["monitor", "import", str(f), "--indicator", "oracle_cds_5y", "-f", "json"], capsys
    )
    assert code == 0 and json.loads(out)["n_observations"] == 1
    code, out, _ = run(cli, ["monitor", "show", "-f", "json"], capsys)
    data = json.loads(out)
    rows = {r["id"]: r for r in data["indicators"]}
    assert rows["oracle_cds_5y"]["value"] == pytest.approx(155.0)
    assert rows["oracle_cds_5y"]["status"] == "red" and data["as_of"] == "2025-12-17"
    assert data["data"].startswith("bundled history + store")
    code, out, _ = run(cli, ["monitor", "show", "-f", "json", "--bundled-only"], capsys)
    assert json.loads(out)["as_of"] == "2025-12-11"


def test_import_bad_csv_names_file_and_line(
    cli: Main, isolated_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(
        "date,value,unit\n2025/12/17,1.5,percent\n2025-12-18,x,percent\n2025-12-19,3,usd_bn\n"
    )
    code, out, err = run(cli, ["monitor", "import", str(f), "-i", "oracle_cds_5y"], capsys)
    assert code == 1 and out == ""
    assert err.startswith("DatasetError: 3 problem(s)")
    assert f"{f}:2: oracle_cds_5y: date: not a date in YYYY-MM-DD form" in err
    assert f"{f}:3: oracle_cds_5y: value: not a finite number: 'x'" in err
    assert f"{f}:4: oracle_cds_5y: unit: unit 'usd_bn' cannot be converted to bp" in err
    assert "Traceback" not in err and not isolated_store.exists()


def test_update_offline_and_with_a_failing_source(
    cli: Main,
    isolated_store: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(cli, ["monitor", "update", "--offline", "-f", "json"], capsys)
    assert code == 0 and {r["status"] for r in json.loads(out)["results"]} == {"offline"}
    conf = tmp_path / "monitor.toml"
    conf.write_text(
        "[http]\nmax_retries = 2\nbackoff_seconds = 0.01\n[fred]\nrate_per_second = 100\n"
    )
    monkeypatch.setenv("OUROBOROS_MONITOR_CONFIG", str(conf))
    monkeypatch.setenv("OUROBOROS_SEC_USER_AGENT", USER_AGENT)
    monkeypatch.setenv("FRED_API_KEY", FRED_KEY)
    monkeypatch.setenv("OUROBOROS_SEC_BASE_URL", fake_api.base + "/sec")
    monkeypatch.setenv("OUROBOROS_FRED_BASE_URL", fake_api.base + "/fred")
    monkeypatch.setenv("OUROBOROS_CACHE_DIR", str(tmp_path / "cache"))
    code, out, err = run(cli, ["monitor", "update", "--only", "ust_10y,capex_microsoft"], capsys)
    assert code == 0, err
    assert "wrote 7 observation(s)" in out  # 4 TTM capex points + 3 DGS10 values (one ".")
    before = stored_observations(Store(isolated_store))
    # FRED now rate-limits every request: the update fails, says why, keeps the history
    fake_api.always["/fred/series/observations"] = Reply(429, b"Too Many Requests")
    monkeypatch.setenv("OUROBOROS_CACHE_DIR", str(tmp_path / "cache2"))
    code, out, err = run(cli, ["monitor", "update", "--only", "ust_10y", "-f", "json"], capsys)
    assert code == 1
    res = json.loads(out)["results"]
    assert res[0]["status"] == "failed" and "HTTP 429" in res[0]["message"]
    assert err.startswith(
        "SourceError: 1 indicator(s) could not be updated; their stored history is unchanged:"
    )
    assert (
        "ust_10y: FRED: observations of DGS10: HTTP 429 Too Many Requests after 3 attempts" in err
    )
    assert stored_observations(Store(isolated_store)).equals(before)
