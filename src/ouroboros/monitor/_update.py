"""``monitor update``: fetch what is configured and due, validate it all, write it at once.

1. Select indicators: all network-fetched ones (SEC EDGAR, FRED), or those named with
   ``only`` plus the inputs they are computed from. Without ``force`` (or ``only``), an
   indicator is fetched when its last successful fetch is older than its refresh interval.
2. Skip sources that are not configured (no SEC User-Agent, no FRED key), saying so;
   naming such an indicator in ``only`` makes it a failure instead.
3. Fetch one request group at a time (one companyfacts document per company, one FRED
   series each), with the rate limits, retries and cache of the clients; parse and
   validate. A group that fails marks its indicators failed and keeps its message.
4. Write every successful observation and a fetch-log row per indicator in **one**
   transaction. The stored history of a failed source is never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ouroboros.errors import InputError
from ouroboros.monitor._config import MonitorConfig, load_config
from ouroboros.monitor._csvimport import read_indicator_csv
from ouroboros.monitor._edgar import EdgarClient, concept_ttm
from ouroboros.monitor._errors import SourceError
from ouroboros.monitor._fred import FredClient
from ouroboros.monitor._history import SCHEMA as _SCHEMA
from ouroboros.monitor._history import fetch_log, write_fetch_log, write_observations
from ouroboros.monitor._registry import EdgarSpec, FredSpec, Indicator, Registry, default_registry
from ouroboros.store import Store

__all__ = ["ImportReport", "ProgressHook", "UpdateReport", "import_csv", "update"]

RESULT_COLUMNS = ["indicator", "source", "status", "n_observations", "first", "last", "message"]


class ProgressHook(Protocol):
    """Receives progress of an update (the CLI draws a Rich progress bar with it)."""

    def start(self, total: int) -> None:
        """``total`` request groups will be fetched."""

    def advance(self, label: str) -> None:
        """One request group is done."""


@dataclass(frozen=True)
class UpdateReport:
    """What an update did, per indicator.

    ``results`` has columns ``indicator, source, status, n_observations, first, last,
    message`` with status one of ``ok``, ``failed``, ``skipped`` (source not configured),
    ``not_due``, ``offline``, ``manual`` (CSV-fed: use ``monitor import``) and
    ``computed`` (derived or ledger indicators, computed when read).
    """

    results: pd.DataFrame
    written: int
    fetched_at: dt.datetime
    offline: bool

    @property
    def failures(self) -> pd.DataFrame:
        """Rows of indicators whose source failed."""
        return self.results[self.results["status"] == "failed"]


def _select(reg: Registry, only: Sequence[str] | None) -> tuple[list[Indicator], set[str]]:
    if not only:
        return [i for i in reg if i.fetchable], set()
    wanted: list[str] = []
    for item in only:
        for name in str(item).split(","):
            if name.strip():
                wanted.append(name.strip())
    unknown = [w for w in wanted if w not in reg]
    if unknown:
        raise InputError(
            f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(reg.ids)}",
            field="only",
        )
    ids: set[str] = set()
    for w in wanted:
        ids |= reg.dependencies(w)
    return [i for i in reg if i.id in ids], ids


def _last_ok(store: Store) -> dict[str, pd.Timestamp]:
    log = fetch_log(store)
    if log.empty:
        return {}
    ok = log[log["status"] == "ok"]
    return {str(k): pd.Timestamp(v) for k, v in ok.groupby("indicator")["fetched_at"].max().items()}


def _check(values: pd.Series, ind: Indicator) -> pd.Series:
    v = values.dropna()
    if v.empty:
        raise SourceError(f"{ind.id}: the source returned no observations")
    if not np.isfinite(v.to_numpy(dtype=float)).all():
        raise SourceError(f"{ind.id}: the source returned non-finite values")
    return v


def update(
    registry: Registry | None = None,
    *,
    store: Store | None = None,
    config: MonitorConfig | None = None,
    only: Sequence[str] | None = None,
    offline: bool = False,
    force: bool = False,
    now: dt.datetime | None = None,
    progress: ProgressHook | None = None,
) -> UpdateReport:
    """Fetch due indicators from their sources and store them (see the module docstring).

    Parameters
    ----------
    registry : Registry, optional
        The bundled registry by default.
    store : Store, optional
        The DuckDB store (``$OUROBOROS_DB`` or the user data directory by default).
    config : MonitorConfig, optional
        Connector settings (:func:`~ouroboros.monitor.load_config` by default).
    only : sequence of str, optional
        Indicator ids (comma-separated lists allowed); fetched regardless of due dates.
    offline : bool
        Fetch nothing; report what is stored.
    force : bool
        Fetch even what is not due.
    now : datetime, optional
        The fetch time written to the store (UTC now by default).
    progress : ProgressHook, optional
        Told how many request groups there are and when each is done.

    Returns
    -------
    UpdateReport
    """
    reg = registry if registry is not None else default_registry()
    store = store if store is not None else Store()
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    selected, explicit = _select(reg, only)
    rows: dict[str, dict[str, object]] = {}

    def result(
        ind: Indicator,
        status: str,
        message: str = "",
        values: pd.Series | None = None,
        source: str | None = None,
    ) -> None:
        n = 0 if values is None else len(values)
        first = values.index.min() if values is not None and n else None
        last = values.index.max() if values is not None and n else None
        rows[ind.id] = {
            "indicator": ind.id,
            "source": source or ind.source,
            "status": status,
            "n_observations": n,
            "first": first,
            "last": last,
            "message": message,
        }

    to_fetch: list[Indicator] = []
    last_ok = {} if (offline or force or only) else _last_ok(store)
    for ind in selected:
        if ind.source == "csv":
            result(ind, "manual", "no free API: add data with `ouroboros monitor import`")
        elif ind.source in ("derived", "ledger"):
            result(ind, "computed", "computed from its inputs when the thermometer is read")
        elif offline:
            result(ind, "offline", "not fetched (--offline): stored data is used")
        elif ind.id in last_ok and (pd.Timestamp(now) - last_ok[ind.id]) < pd.Timedelta(
            days=ind.refresh_days
        ):
            result(
                ind,
                "not_due",
                f"fetched {last_ok[ind.id]:%Y-%m-%d %H:%M} UTC; refresh "
                f"every {ind.refresh_days:g} days (use --force)",
            )
        else:
            to_fetch.append(ind)

    cfg = config if config is not None else (load_config() if to_fetch else MonitorConfig())
    clients: dict[str, EdgarClient | FredClient | SourceError] = {}
    for src, cls in (("sec_edgar", EdgarClient), ("fred", FredClient)):
        if any(i.source == src for i in to_fetch):
            try:
                clients[src] = cls(cfg)
            except SourceError as exc:
                clients[src] = exc

    groups: dict[tuple[str, str], list[Indicator]] = {}
    for ind in to_fetch:
        client = clients[ind.source]
        if isinstance(client, SourceError):
            status = "failed" if ind.id in explicit else "skipped"
            result(ind, status, f"not configured: {client}")
            continue
        gkey = (
            ind.source,
            str(
                ind.spec.cik
                if isinstance(ind.spec, EdgarSpec)
                else ind.spec.series
                if isinstance(ind.spec, FredSpec)
                else ""
            ),
        )
        groups.setdefault(gkey, []).append(ind)

    fetched: list[pd.DataFrame] = []
    if progress is not None:
        progress.start(len(groups))
    for (src, key), inds in groups.items():
        try:
            if src == "sec_edgar":
                edgar = clients[src]
                assert isinstance(edgar, EdgarClient)
                company = edgar.company_facts(int(key))
                out = []
                for ind in inds:
                    assert isinstance(ind.spec, EdgarSpec)
                    cs = concept_ttm(company, ind.spec.cik, ind.spec.concept, ind.spec.tags)
                    out.append((ind, _check(cs.values / 1e9, ind), cs.source))
            else:
                fred = clients[src]
                assert isinstance(fred, FredClient)
                out = []
                for ind in inds:
                    assert isinstance(ind.spec, FredSpec)
                    values, source = fred.fetch(ind.spec, ind.unit)
                    out.append((ind, _check(values, ind), source))
        except SourceError as exc:
            for ind in inds:
                result(ind, "failed", str(exc))
        else:
            for ind, values, source in out:
                result(ind, "ok", "", values, source)
                fetched.append(
                    pd.DataFrame(
                        {
                            "indicator": ind.id,
                            "date": values.index,
                            "value": values.to_numpy(),
                            "source": source,
                        }
                    )
                )
        if progress is not None:
            progress.advance(f"{src}:{key}")

    written = 0
    log_rows = [
        (
            str(r["indicator"]),
            str(r["source"]),
            str(r["status"]),
            int(r["n_observations"]),  # type: ignore[call-overload]
            str(r["message"]),
        )
        for r in rows.values()
        if r["status"] in ("ok", "failed")
    ]
    if log_rows:
        obs = pd.concat(fetched, ignore_index=True) if fetched else pd.DataFrame()
        with store.transaction() as con:
            written = write_observations(con, obs, now)
            write_fetch_log(con, log_rows, now)
    table = pd.DataFrame([rows[i.id] for i in reg if i.id in rows], columns=RESULT_COLUMNS)
    return UpdateReport(table, written, now, offline)


def failure_summary(report: UpdateReport) -> str:
    """One line per failed source group, for the CLI's error message."""
    lines: list[str] = []
    seen: set[str] = set()
    for msg, ids in _group(report.failures):
        if msg not in seen:
            seen.add(msg)
            lines.append(f"{', '.join(ids)}: {msg}")
    return "\n".join(lines)


def _group(df: pd.DataFrame) -> Iterable[tuple[str, list[str]]]:
    for msg, grp in df.groupby("message", sort=False):
        yield str(msg), [str(x) for x in grp["indicator"]]


@dataclass(frozen=True)
class ImportReport:
    """What ``import_csv`` wrote."""

    indicator: str
    path: str
    n_observations: int
    first: pd.Timestamp
    last: pd.Timestamp
    replaced: int


def import_csv(
    path: str | Path,
    indicator: str,
    *,
    registry: Registry | None = None,
    store: Store | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Validate a CSV of observations for ``indicator`` and store it in one transaction.

    Observations on dates already stored are replaced; other stored dates are kept.

    Raises
    ------
    InputError
        When the indicator is unknown or is computed (derived, ledger) rather than stored.
    DatasetError
        When the file has bad lines (nothing is written then).
    """
    reg = registry if registry is not None else default_registry()
    ind = reg[indicator]
    if ind.source in ("derived", "ledger"):
        what = ", ".join(ind.inputs) if ind.inputs else "the dataset (ledger)"
        raise InputError(
            f"{ind.id} is computed from {what}, not stored; import its inputs instead",
            field="indicator",
        )
    obs = read_indicator_csv(path, ind)
    store = store if store is not None else Store()
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.transaction() as con:
        con.execute(_SCHEMA)
        days = [d.date() for d in obs["date"]]
        row = con.execute(
            "SELECT count(*) FROM indicator_observations WHERE indicator = ? AND "
            "list_contains(?, date)",
            [ind.id, days],
        ).fetchone()
        replaced = int(row[0]) if row else 0
        write_observations(con, obs, now)
        write_fetch_log(con, [(ind.id, "csv", "ok", len(obs), f"import {path}")], now)
    return ImportReport(ind.id, str(path), len(obs), obs["date"].min(), obs["date"].max(), replaced)
