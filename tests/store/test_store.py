"""The DuckDB store on a real file: versions, runs, interrupted writes, two processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _toy import toy_data
from ouroboros.errors import StoreError, StoreLockedError
from ouroboros.model import Ledger
from ouroboros.store import Store
from ouroboros.store._duckdb import decode_table, encode_table


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


def test_threads_of_one_process_read_while_another_writes(tmp_path: Path, toy: Ledger) -> None:
    # DuckDB refuses a read-only and a read-write connection to one file in one process
    # ("different configuration"); the web server reads the store while its worker saves
    store = Store(tmp_path / "s.duckdb")
    store.import_dataset(toy)
    table = pd.DataFrame({"run": np.arange(20_000), "loss": np.linspace(0.0, 1.0, 20_000)})
    errors: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        try:
            for k in range(15):
                store.save_run("stress", {"k": k}, {"losses": table}, seed=k)
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    def read() -> None:
        try:
            while not stop.is_set():
                store.list_datasets()
                store.list_runs()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(store.list_runs("stress")) == 15
    assert (
        store.load_run(store.list_runs("stress")["run_id"].iloc[0]).tables["losses"].equals(table)
    )


@settings(max_examples=50, deadline=None)
@given(
    x=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30),
    seed=st.integers(0, 2**31),
)
def test_result_tables_read_back_bit_for_bit(x: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(x)
    df = pd.DataFrame(
        {
            "x": np.array(x, dtype=float),
            "n": rng.integers(-(2**62), 2**62, n),
            "ok": rng.random(n) < 0.5,
            "who": [f"e{k}" if k % 3 else None for k in range(n)],
            "when": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), "D"),
        }
    )
    back = decode_table(encode_table(df))
    pd.testing.assert_frame_equal(back, df, check_exact=True)


def test_tables_stored_by_older_versions_still_load(tmp_path: Path) -> None:
    df = pd.DataFrame({"entity": ["a", "b"], "loss": [1.25, 0.5]})
    old = df.to_json(orient="table", date_format="iso")  # what 0.1 wrote
    pd.testing.assert_frame_equal(decode_table(old), df)
