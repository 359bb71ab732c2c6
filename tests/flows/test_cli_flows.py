"""``ouroboros loops`` and ``ouroboros clear`` run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ouroboros.cli import main
from ouroboros.model import default_ledger


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


WEB = {
    "meta": {"name": "three friends", "unit": "billion"},
    "sources": [{"id": "s", "title": "seed article 000", "kind": "seed_article"}],
    "entities": [
        {"id": "world", "name": "Rest of world", "roles": ["rest_of_world"]},
        {"id": "nvidia", "name": "Nvidia", "roles": ["chip_vendor"]},
        {"id": "openai", "name": "OpenAI", "roles": ["model_lab"]},
        {"id": "oracle", "name": "Oracle", "roles": ["cloud"]},
    ],
    "instruments": [
        {"id": "a", "kind": "equity_investment", "from": "nvidia", "to": "openai",
         "amount": 100, "start": "2026-01-05", "sources": ["s"]},
        {"id": "b", "kind": "compute_contract", "from": "openai", "to": "oracle",
         "amount": 100, "start": "2026-02-01", "sources": ["s"]},
        {"id": "c", "kind": "hardware_purchase", "from": "oracle", "to": "nvidia",
         "amount": 100, "start": "2026-03-01", "sources": ["s"]},
        {"id": "d", "kind": "revenue", "from": "world", "to": "oracle", "amount": 50,
         "start": "2026-04-01", "sources": ["s"]},
        {"id": "e", "kind": "hardware_purchase", "from": "oracle", "to": "nvidia",
         "amount": 40, "start": "2026-05-01", "status": "announced", "sources": ["s"]},
    ],
}  # fmt: skip


@pytest.fixture
def web(tmp_path: Path) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(yaml.safe_dump(WEB), encoding="utf-8")
    return path


def test_loops_json(web: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["loops", str(web), "--year", "2026", "--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)  # stdout is JSON and nothing else
    assert (data["total_flow"], data["circular_flow"]) == (350, 300)
    assert data["circularity"] == pytest.approx(300 / 350)
    assert data["cycles"] == [
        {"rank": 1, "path": ["nvidia", "openai", "oracle", "nvidia"], "length": 3,
         "amount": 100.0, "flow": 300.0, "share": 1.0}
    ]  # fmt: skip
    oracle = next(e for e in data["entities"] if e["id"] == "oracle")
    assert oracle["inflow"] == 150 and oracle["circular_inflow"] == 100
    assert oracle["circular_share"] == pytest.approx(2 / 3)
    assert oracle["circular_share_min"] == oracle["circular_share_max"] == pytest.approx(2 / 3)
    # a dollar Oracle pays goes to Nvidia, then OpenAI, then back: Oracle keeps 50 of its
    # 150 inflow, so it passes on 100/150 of what it gets, but what it pays out all returns
    assert oracle["return_probability"] == pytest.approx(1.0)
    assert [e["id"] for e in data["entities"]] == ["oracle", "nvidia", "openai"]


def test_loops_announced_and_table(web: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["loops", str(web), "--year", "2026", "--include-announced", "--format", "json"], capsys
    )
    assert code == 0 and json.loads(out)["total_flow"] == 390
    code, out, _ = run(["loops", str(web), "--start", "2026-01-01", "--end", "2026-02-01"], capsys)
    assert code == 0 and "No loops" in out and "100.00" in out
    code, out, _ = run(["loops", str(web), "--year", "2026", "--top", "5"], capsys)
    assert code == 0 and "nvidia → openai → oracle → nvidia" in out and "Oracle" in out


def test_loops_on_the_bundled_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["loops", "--include-announced", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    lg = default_ledger()
    outside = {e.id for e in lg.entities if e.is_rest_of_world}
    assert outside and not outside & {e["id"] for e in data["entities"]}
    assert 0 <= data["bff_circular_flow"] <= data["maximal_circular_flow"] + 1e-9
    assert data["circular_flow"] <= data["total_flow"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format must be one of table, json"),
        (["--method", "best"], "--method must be maximal or bff"),
        (["--start", "2026-13-01"], "start must be a date YYYY-MM-DD"),
        (["--year", "2026", "--start", "2026-01-01"], "either a year or a start/end"),
        (["--kind", "swap"], "unknown instrument kind 'swap'"),
        (["--top", "-1"], "--top must be >= 0"),
    ],
)
def test_loops_bad_options(
    web: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["loops", str(web), *args], capsys)
    assert code == 1 and out == ""
    assert err.startswith("InputError: ") and message in err and "Traceback" not in err


def test_loops_missing_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["loops", str(tmp_path / "none.yaml")], capsys)
    assert code == 1 and "DatasetError" in err and "no such file" in err


def test_clear_json_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "ob.csv"
    src.write_text("id,debtor,creditor,amount\n1,a,b,10\n2,b,c,7.5\n3,c,a,6\n4,a,c,2\n5,d,d,3\n")
    out_file = tmp_path / "setoff.csv"
    code, out, err = run(["clear", str(src), "--format", "json", "--out", str(out_file)], capsys)
    assert code == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("total_debt", "cleared", "remaining", "nid")} == {
        "total_debt": 25.5, "cleared": 18.0, "remaining": 7.5, "nid": 6.0,
    }  # fmt: skip
    assert data["self_loops_dropped"] == 1
    assert "warning: dropped 1 obligation(s) of an entity to itself" in err
    rows = pd.read_csv(out_file)
    assert rows["id"].tolist() == [1, 2, 3, 4]  # the self-loop is dropped
    assert rows["setoff"].tolist() == [6, 6, 6, 0]
    assert rows["remainder"].tolist() == [4, 1.5, 0, 2]


def test_clear_table_and_bff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "ob.csv"
    src.write_text("debtor,creditor,amount\n1,2,1\n2,3,1\n1,3,1\n3,1,1\n")
    code, out, _ = run(["clear", str(src)], capsys)
    assert code == 0 and "75.0% cleared" in out
    code, out, _ = run(["clear", str(src), "--method", "bff", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["cleared"] == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("debtor,creditor,amount\n", "has a header but no obligations"),
        ("who,whom,amount\na,b,1\n", "missing column(s) debtor, creditor"),
        ("debtor,creditor,amount\na,b,ten\n", "row 1: amount must be a number, got 'ten'"),
        ("debtor,creditor,amount\na,b,-1\n", "row 1: amount must be >= 0, got -1"),
    ],
)
def test_clear_bad_files(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "ob.csv"
    src.write_text(text)
    code, out, err = run(["clear", str(src), "--format", "json"], capsys)
    assert code == 1 and out == ""
    assert err.startswith("InputError: ") and message in err and "Traceback" not in err


def test_clear_unwritable_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "ob.csv"
    src.write_text("debtor,creditor,amount\na,b,1\n")
    code, _, err = run(["clear", str(src), "--out", str(tmp_path / "x" / "y.csv")], capsys)
    assert code == 1 and "cannot write" in err
