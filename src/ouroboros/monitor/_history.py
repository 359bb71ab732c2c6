"""Indicator observations: the bundled recorded history and the DuckDB store.

The store holds two tables of this package::

    indicator_observations(indicator, date, value, source, fetched_at)   -- key (indicator, date)
    indicator_fetch_log(fetched_at, indicator, source, status, n_observations, message)

Reading merges the bundled history (``ouroboros/data/monitor/history.csv``, every row
with its published source) under the stored rows: a stored observation replaces a
bundled one of the same indicator and date. Writes happen in one transaction.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from ouroboros.store import Store

__all__ = [
    "OBSERVATION_COLUMNS",
    "bundled_history",
    "bundled_history_path",
    "fetch_log",
    "load_observations",
    "stored_observations",
    "write_observations",
]

OBSERVATION_COLUMNS = ["indicator", "date", "value", "source"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator_observations (
    indicator VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (indicator, date)
);
CREATE TABLE IF NOT EXISTS indicator_fetch_log (
    fetched_at TIMESTAMP NOT NULL,
    indicator VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    n_observations INTEGER NOT NULL,
    message VARCHAR
);
"""


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": pd.Series(dtype=object),
            "date": pd.Series(dtype="datetime64[ns]"),
            "value": pd.Series(dtype=float),
            "source": pd.Series(dtype=object),
        }
    )


def bundled_history_path() -> Path:
    """The bundled history CSV."""
    return Path(str(resources.files("ouroboros").joinpath("data", "monitor", "history.csv")))


def bundled_history(*, with_urls: bool = False) -> pd.DataFrame:
    """The recorded history shipped with the package.

    Every row is a published figure with its citation (``source``) and, with
    ``with_urls=True``, the ``url`` and ``note`` columns too.

    Examples
    --------
    >>> h = bundled_history()
    >>> list(h.columns)
    ['indicator', 'date', 'value', 'source']
    >>> h[h.indicator == "hyperion_bond_price"].value.tolist()
    [100.0, 110.2]
    """
    df = pd.read_csv(bundled_history_path(), dtype={"indicator": str, "source": str})
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    df["value"] = df["value"].astype(float)
    cols = [*OBSERVATION_COLUMNS, "url", "note"] if with_urls else OBSERVATION_COLUMNS
    return df[cols].sort_values(["indicator", "date"], kind="stable").reset_index(drop=True)


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'indicator_observations'"
    ).fetchone()
    return bool(row and row[0])


def stored_observations(store: Store | None = None) -> pd.DataFrame:
    """Observations in the store (an empty table when there is no store or no data yet)."""
    store = store if store is not None else Store()
    if not Path(store.path).exists():
        return _empty()
    with store.transaction() as con:
        if not _has_tables(con):
            return _empty()
        df = con.execute(
            "SELECT indicator, date, value, source FROM indicator_observations "
            "ORDER BY indicator, date"
        ).df()
    if df.empty:
        return _empty()
    df["date"] = pd.to_datetime(df["date"])
    df["indicator"] = df["indicator"].astype(object)
    df["source"] = df["source"].astype(object)
    return df


def load_observations(
    store: Store | None = None, *, include_bundled: bool = True, include_store: bool = True
) -> pd.DataFrame:
    """Stored observations over the bundled history (stored rows win on the same date).

    Parameters
    ----------
    store : Store, optional
        The DuckDB store (the default store file when omitted).
    include_bundled : bool
        Whether to include the bundled recorded history.
    include_store : bool
        Whether to read the store (``False``: the bundled history alone).

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator, date, value, source``, sorted.
    """
    stored = stored_observations(store) if include_store else _empty()
    if not include_bundled:
        return stored
    frames = [f for f in (bundled_history(), stored) if not f.empty]
    if not frames:
        return _empty()
    both = pd.concat(frames, ignore_index=True)
    both = both.drop_duplicates(["indicator", "date"], keep="last")
    return both.sort_values(["indicator", "date"], kind="stable").reset_index(drop=True)


def write_observations(
    con: duckdb.DuckDBPyConnection, observations: pd.DataFrame, fetched_at: dt.datetime
) -> int:
    """Upsert ``observations`` (columns indicator, date, value, source) inside ``con``'s
    transaction; returns the number of rows written."""
    con.execute(SCHEMA)
    if observations.empty:
        return 0
    df = pd.DataFrame(
        {
            "indicator": observations["indicator"].astype(str).to_numpy(),
            "date": pd.to_datetime(observations["date"]).dt.date.to_numpy(),
            "value": observations["value"].astype(float).to_numpy(),
            "source": observations["source"].astype(str).to_numpy(),
            "fetched_at": fetched_at,
        }
    )
    con.register("_monitor_obs", df)
    try:
        con.execute("INSERT OR REPLACE INTO indicator_observations SELECT * FROM _monitor_obs")
    finally:
        con.unregister("_monitor_obs")
    return len(df)


def write_fetch_log(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, int, str]], at: dt.datetime
) -> None:
    """Append fetch-log rows ``(indicator, source, status, n_observations, message)``."""
    con.execute(SCHEMA)
    if rows:
        con.executemany(
            "INSERT INTO indicator_fetch_log VALUES (?, ?, ?, ?, ?, ?)",
            [(at, *r) for r in rows],
        )


def fetch_log(store: Store | None = None) -> pd.DataFrame:
    """The fetch log, newest first (empty without a store)."""
    store = store if store is not None else Store()
    cols = ["fetched_at", "indicator", "source", "status", "n_observations", "message"]
    if not Path(store.path).exists():
        return pd.DataFrame(columns=cols)
    with store.transaction() as con:
        con.execute(SCHEMA)
        return con.execute(
            f"SELECT {', '.join(cols)} FROM indicator_fetch_log ORDER BY fetched_at DESC"
        ).df()
