"""DuckDB persistence: imported datasets with versions, runs and their result tables.

The store is one DuckDB file. Each call opens the file, does its work in one
transaction and closes it again, so two processes can take turns; a process that finds
the file locked waits briefly and then gets a clear :class:`StoreLockedError`. A write
interrupted before its commit (an exception, a kill) leaves the previous state intact:
DuckDB rolls back the uncommitted transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import platformdirs

from ouroboros.errors import StoreError, StoreLockedError
from ouroboros.model import Ledger, dumps_ledger, ledger_from_data

__all__ = ["DatasetVersion", "Run", "Store", "default_store_path"]

ENV_VAR = "OUROBOROS_DB"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS datasets (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    content_hash VARCHAR NOT NULL,
    origin VARCHAR,
    unit VARCHAR,
    n_entities INTEGER,
    n_instruments INTEGER,
    ledger_json VARCHAR NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS entities (
    dataset VARCHAR, version INTEGER, id VARCHAR, name VARCHAR, roles VARCHAR[]
);
CREATE TABLE IF NOT EXISTS instruments (
    dataset VARCHAR, version INTEGER, id VARCHAR, kind VARCHAR, payer VARCHAR,
    payee VARCHAR, amount DOUBLE, currency VARCHAR, start DATE, "end" DATE,
    status VARCHAR, estimate BOOLEAN, confidence VARCHAR, sources VARCHAR[]
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    dataset VARCHAR,
    dataset_version INTEGER,
    seed BIGINT,
    params_json VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS run_tables (
    run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, data_json VARCHAR NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""


def default_store_path() -> Path:
    """The store file: ``$OUROBOROS_DB`` if set, else ``ouroboros.duckdb`` in the user
    data directory (``~/.local/share/ouroboros`` on Linux)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("ouroboros", appauthor=False)) / "ouroboros.duckdb"


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    """One imported version of a dataset."""

    name: str
    version: int
    imported_at: dt.datetime
    content_hash: str
    n_entities: int
    n_instruments: int
    created: bool = True


@dataclass(frozen=True)
class Run:
    """A stored run: its kind, parameters, seed and result tables."""

    run_id: str
    kind: str
    created_at: dt.datetime
    params: dict[str, Any]
    seed: int | None
    dataset: str | None
    dataset_version: int | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


_FILE_LOCKS: dict[Path, threading.RLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _file_lock(path: Path) -> threading.RLock:
    """The one lock of a store file in this process.

    DuckDB keeps one database instance per file and process and refuses a read-only and a
    read-write connection to the same file at the same time ("different configuration"),
    so a web server's threads (pages reading, the run worker writing) take turns: every
    connection of this module is opened and closed under this lock. Other processes are
    kept out by DuckDB's own file lock (see :meth:`Store._connect`).
    """
    key = path.resolve()
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(key, threading.RLock())


_TABLE_FORMAT = "ouroboros-table-1"


def encode_table(df: pd.DataFrame) -> str:
    """A result table as JSON that reads back exactly (:func:`decode_table`).

    pandas' own JSON keeps 10 significant digits of a float by default (15 at most);
    Python's ``json`` writes the shortest text that reads back to the same double, so
    amounts survive the store bit for bit. Columns keep their dtype; NaN and infinities are
    kept; dates and times are written in ISO 8601. The index is not kept (result tables are
    tidy, one row per record).

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0.1 + 0.2, float("nan")], "n": [1, 2], "s": ["a", None]})
    >>> back = decode_table(encode_table(df))
    >>> back.equals(df), bool(back["x"].iloc[0] == 0.1 + 0.2)
    (True, True)
    """
    columns = []
    for name in df.columns:
        col = df[name]
        kind = col.dtype.kind
        if kind == "M":
            values: list[Any] = [None if pd.isna(v) else v.isoformat() for v in col]
        elif kind in "iufb":
            values = col.tolist()
        else:
            values = [None if _missing(v) else v for v in col.tolist()]
        columns.append({"name": str(name), "dtype": str(col.dtype), "values": values})
    return json.dumps({"format": _TABLE_FORMAT, "columns": columns}, default=str)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return False


def decode_table(text: str) -> pd.DataFrame:
    """The table :func:`encode_table` wrote (or one written by pandas' ``to_json(orient=
    "table")``, the format of stores made before version 0.2)."""
    data = json.loads(text)
    if data.get("format") != _TABLE_FORMAT:
        return pd.read_json(io.StringIO(text), orient="table")
    out: dict[str, Any] = {}
    for col in data["columns"]:
        dtype = col["dtype"]
        if dtype.startswith("datetime64"):
            out[col["name"]] = pd.to_datetime(pd.Series(col["values"], dtype=object))
        else:
            out[col["name"]] = pd.Series(col["values"], dtype=dtype)
    return pd.DataFrame(out)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Store:
    """A small repository over one DuckDB file.

    Parameters
    ----------
    path : path-like, optional
        The DuckDB file; :func:`default_store_path` by default. Created on first write.
    lock_timeout : float
        Seconds to wait for another process to release the file before giving up.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ouroboros.model import default_ledger
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "o.duckdb")
    >>> v = store.import_dataset(default_ledger())
    >>> (v.name, v.version)
    ('AI capex web, late 2025', 1)
    >>> store.import_dataset(default_ledger()).created   # same content: no new version
    False
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = 5.0):
        self.path = Path(path) if path is not None else default_store_path()
        self.lock_timeout = lock_timeout

    # -- connection handling ---------------------------------------------------------

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}; import a dataset first")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of {self.path}: {exc}") from None
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                msg = str(exc)
                if "lock" not in msg.lower():
                    raise StoreError(f"cannot open the store {self.path}: {msg}") from None
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"the store {self.path} is in use by another process; wait for it to "
                        "finish, or choose another file with --db or $OUROBOROS_DB"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise StoreError(f"cannot open the store {self.path}: {exc}") from None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with _file_lock(self.path):
            yield from self._transaction()

    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self._connect(read_only=False)
        try:
            con.execute(_SCHEMA)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path}: {exc}") from None
        finally:
            con.close()

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with _file_lock(self.path):
            yield from self._read()

    def _read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self._connect(read_only=True)
        try:
            yield con
        except duckdb.CatalogException:
            raise StoreError(f"{self.path} is not an Ouroboros store") from None
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path}: {exc}") from None
        finally:
            con.close()

    # -- datasets ---------------------------------------------------------------------

    def import_dataset(
        self, ledger: Ledger, *, name: str | None = None, origin: str | None = None
    ) -> DatasetVersion:
        """Store ``ledger`` as the next version of dataset ``name`` (its meta name).

        If the latest version has the same content, nothing is written and that version
        is returned with ``created=False``.
        """
        text = dumps_ledger(ledger, "json")
        digest = _hash(text)
        dname = name or ledger.meta.name
        with self.transaction() as con:
            row = con.execute(
                "SELECT version, content_hash, imported_at FROM datasets WHERE name = ? "
                "ORDER BY version DESC LIMIT 1",
                [dname],
            ).fetchone()
            if row is not None and row[1] == digest:
                return DatasetVersion(
                    dname, int(row[0]), row[2], digest, len(ledger.entities),
                    len(ledger.instruments), created=False,
                )  # fmt: skip
            version = 1 if row is None else int(row[0]) + 1
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            self._write_dataset(con, ledger, dname, version, now, digest, text, origin)
        return DatasetVersion(
            dname, version, now, digest, len(ledger.entities), len(ledger.instruments)
        )

    @staticmethod
    def _write_dataset(
        con: duckdb.DuckDBPyConnection,
        ledger: Ledger,
        name: str,
        version: int,
        now: dt.datetime,
        digest: str,
        text: str,
        origin: str | None,
    ) -> None:
        con.execute(
            "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, version, now, digest, origin, ledger.meta.unit, len(ledger.entities),
             len(ledger.instruments), text],
        )  # fmt: skip
        ents = pd.DataFrame(
            {
                "dataset": name,
                "version": version,
                "id": [e.id for e in ledger.entities],
                "name": [e.name for e in ledger.entities],
                "roles": [list(e.roles) for e in ledger.entities],
            }
        )
        con.register("_ents", ents)
        con.execute("INSERT INTO entities SELECT * FROM _ents")
        con.unregister("_ents")
        ins = pd.DataFrame(
            {
                "dataset": name,
                "version": version,
                "id": [i.id for i in ledger.instruments],
                "kind": [i.kind for i in ledger.instruments],
                "payer": [i.from_ for i in ledger.instruments],
                "payee": [i.to for i in ledger.instruments],
                "amount": [i.amount for i in ledger.instruments],
                "currency": [i.currency for i in ledger.instruments],
                "start": [i.start for i in ledger.instruments],
                "end": [i.end for i in ledger.instruments],
                "status": [i.status for i in ledger.instruments],
                "estimate": [i.estimate for i in ledger.instruments],
                "confidence": [i.confidence for i in ledger.instruments],
                "sources": [list(i.sources) for i in ledger.instruments],
            }
        )
        if len(ins):
            con.register("_ins", ins)
            con.execute("INSERT INTO instruments SELECT * FROM _ins")
            con.unregister("_ins")

    def list_datasets(self) -> pd.DataFrame:
        """Every stored dataset version: name, version, imported_at, counts, hash."""
        cols = ["name", "version", "imported_at", "n_entities", "n_instruments", "unit",
                "origin", "content_hash"]  # fmt: skip
        if not self.path.exists():
            return pd.DataFrame(columns=cols)
        with self._reader() as con:
            return con.execute(
                f"SELECT {', '.join(cols)} FROM datasets ORDER BY name, version"
            ).df()

    def load_dataset(self, name: str, version: int | None = None) -> Ledger:
        """The stored ledger ``name`` at ``version`` (the latest by default)."""
        with self._reader() as con:
            if version is None:
                row = con.execute(
                    "SELECT ledger_json FROM datasets WHERE name = ? ORDER BY version DESC LIMIT 1",
                    [name],
                ).fetchone()
            else:
                row = con.execute(
                    "SELECT ledger_json FROM datasets WHERE name = ? AND version = ?",
                    [name, version],
                ).fetchone()
        if row is None:
            which = name if version is None else f"{name} version {version}"
            raise StoreError(f"no dataset {which!r} in the store {self.path}")
        return ledger_from_data(json.loads(row[0]), file=f"{self.path}:{name}")

    # -- runs -------------------------------------------------------------------------

    def save_run(
        self,
        kind: str,
        params: Mapping[str, Any],
        tables: Mapping[str, pd.DataFrame],
        *,
        seed: int | None = None,
        dataset: DatasetVersion | None = None,
    ) -> str:
        """Store a run's parameters and result tables atomically; return its id."""
        run_id = uuid.uuid4().hex[:12]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        params_json = json.dumps(params, default=str, sort_keys=True)
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                [run_id, kind, now, dataset.name if dataset else None,
                 dataset.version if dataset else None, seed, params_json],
            )  # fmt: skip
            for tname, df in tables.items():
                con.execute(
                    "INSERT INTO run_tables VALUES (?, ?, ?)",
                    [run_id, tname, encode_table(df)],
                )
        return run_id

    def list_runs(self, kind: str | None = None) -> pd.DataFrame:
        """Stored runs (newest first), optionally of one kind."""
        cols = ["run_id", "kind", "created_at", "dataset", "dataset_version", "seed"]
        if not self.path.exists():
            return pd.DataFrame(columns=cols)
        with self._reader() as con:
            sql = f"SELECT {', '.join(cols)} FROM runs"
            args: list[Any] = []
            if kind is not None:
                sql += " WHERE kind = ?"
                args.append(kind)
            return con.execute(sql + " ORDER BY created_at DESC", args).df()

    def load_run(self, run_id: str) -> Run:
        """A stored run with its tables."""
        with self._reader() as con:
            row = con.execute(
                "SELECT run_id, kind, created_at, params_json, seed, dataset, dataset_version "
                "FROM runs WHERE run_id = ?",
                [run_id],
            ).fetchone()
            if row is None:
                raise StoreError(f"no run {run_id!r} in the store {self.path}")
            tabs = con.execute(
                "SELECT name, data_json FROM run_tables WHERE run_id = ? ORDER BY name", [run_id]
            ).fetchall()
        return Run(
            run_id=row[0],
            kind=row[1],
            created_at=row[2],
            params=json.loads(row[3]),
            seed=row[4],
            dataset=row[5],
            dataset_version=row[6],
            tables={n: decode_table(t) for n, t in tabs},
        )
