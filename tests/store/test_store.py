"""The DuckDB store on a real file: versions, runs, interrupted writes, two processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from _toy import toy_data
from ouroboros.errors import StoreError, StoreLockedError
from ouroboros.model import Ledger
from ouroboros.store import Store


def test_versions_and_reload(tmp_path: Path, toy: Ledger) -> None:
    store = Store(tmp_path / "s.duckdb")
    v1 = store.import_dataset(toy)
    assert (v1.name, v1.version, v1.created) == ("toy web", 1, True)
    assert store.import_dataset(toy).created is False  # same content, no new version
    data = toy_data()
    data["instruments"][0]["amount"] = 101
    changed = Ledger.model_validate(data)
    v2 = store.import_dataset(changed)
    assert v2.version == 2
    listing = store.list_datasets()
    assert listing["version"].tolist() == [1, 2]
    assert listing["n_instruments"].tolist() == [7, 7]
    assert store.load_dataset("toy web") == changed
    assert store.load_dataset("toy web", version=1) == toy
    with pytest.raises(StoreError, match="no dataset 'toy web version 9'"):
        store.load_dataset("toy web", version=9)


def test_instruments_are_queryable_with_sql(tmp_path: Path, toy: Ledger) -> None:
    import duckdb

    store = Store(tmp_path / "s.duckdb")
    store.import_dataset(toy)
    con = duckdb.connect(str(store.path), read_only=True)
    total = con.execute(
        "SELECT sum(amount) FROM instruments WHERE kind = 'equity_investment'"
    ).fetchone()
    con.close()
    assert total == (190.0,)


def test_runs_round_trip(tmp_path: Path, toy: Ledger) -> None:
    store = Store(tmp_path / "s.duckdb")
    v = store.import_dataset(toy)
    table = pd.DataFrame({"entity": ["a", "b"], "loss": [1.25, 0.0]})
    run_id = store.save_run("stress", {"scenario": "baseline", "runs": 3}, {"losses": table},
                            seed=7, dataset=v)  # fmt: skip
    run = store.load_run(run_id)
    assert (run.kind, run.seed, run.dataset, run.dataset_version) == ("stress", 7, "toy web", 1)
    assert run.params == {"runs": 3, "scenario": "baseline"}
    pd.testing.assert_frame_equal(run.tables["losses"], table)
    assert store.list_runs("stress")["run_id"].tolist() == [run_id]
    assert store.list_runs("other").empty


def test_exception_inside_a_write_rolls_back(tmp_path: Path, toy: Ledger) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.import_dataset(toy)
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("DELETE FROM datasets")
        raise RuntimeError("interrupted")
    assert store.load_dataset("toy web") == toy


def test_process_killed_mid_import_leaves_previous_version(tmp_path: Path, toy: Ledger) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).import_dataset(toy)
    # A real process writes version 2 inside the store's transaction, then dies before
    # the commit (os._exit skips every clean-up, like a kill).
    script = textwrap.dedent(
        f"""
        import datetime as dt, os, sys
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        from _toy import toy_data
        from ouroboros.model import Ledger, dumps_ledger
        from ouroboros.store import Store
        data = toy_data(); data["instruments"][0]["amount"] = 5
        lg = Ledger.model_validate(data)
        store = Store({str(path)!r})
        with store.transaction() as con:
            Store._write_dataset(con, lg, "toy web", 2, dt.datetime(2026, 1, 1), "x",
                                 dumps_ledger(lg, "json"), None)
            os._exit(3)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    store = Store(path)
    assert store.list_datasets()["version"].tolist() == [1]
    assert store.load_dataset("toy web") == toy


def test_second_process_gets_a_clear_message(tmp_path: Path, toy: Ledger) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).import_dataset(toy)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True);"
         " time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        with pytest.raises(StoreLockedError, match="in use by another process"):
            Store(path, lock_timeout=0.5).import_dataset(toy)
        assert time.monotonic() - t0 < 5
    finally:
        holder.kill()
        holder.wait()
    # once the other process is gone the store works and is intact
    assert Store(path).load_dataset("toy web") == toy


def test_not_a_store(tmp_path: Path) -> None:
    bad = tmp_path / "junk.duckdb"
    bad.write_bytes(b"this is not a database")
    with pytest.raises(StoreError):
        Store(bad).list_datasets()
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "absent.duckdb").load_dataset("x")
