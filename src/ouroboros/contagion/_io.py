"""CSV readers for the contagion models, with errors that name the file and the line.

Formats (header line first; extra columns are ignored; blank lines are skipped):

``liabilities``  ``debtor,creditor,amount``      the debtor owes the creditor ``amount``
``external``     ``entity,external_assets,external_liabilities``
``exposures``    ``holder,counterparty,amount``  the holder has lent ``amount`` to the
                 counterparty
``buffers``      ``entity,buffer`` (optionally ``total_assets``)
``weights``      ``entity,weight``
``shock``        ``entity,shock``                share lost, 0 to 1

Amounts must be finite numbers >= 0. The entity list comes from ``external`` (or
``buffers``); any other file naming an unknown entity is an error, and so is a debtor that
owes itself. Repeated (debtor, creditor) rows are separate claims and are added up.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._inputs import FloatArray
from ouroboros.errors import InputError

__all__ = [
    "ExposureNetwork",
    "LiabilityNetwork",
    "read_exposure_network",
    "read_liability_network",
    "read_shock",
]

_MAX_PROBLEMS = 5


@dataclass(frozen=True)
class LiabilityNetwork:
    """A liability network read from files: ``L[i, j]`` = what ``i`` owes ``j``."""

    ids: tuple[str, ...]
    liabilities: sp.csr_array
    external_assets: FloatArray
    external_liabilities: FloatArray


@dataclass(frozen=True)
class ExposureNetwork:
    """An exposure network read from files: ``A[i, j]`` = what ``i`` has lent to ``j``."""

    ids: tuple[str, ...]
    exposures: sp.csr_array
    buffers: FloatArray
    weights: FloatArray | None
    total_assets: FloatArray | None


class _Table:
    """A CSV file's columns as stripped strings, with the file line of every row."""

    def __init__(self, path: str | Path, columns: tuple[str, ...], *, allow_empty: bool) -> None:
        self.name = str(path)
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{self.name}: no such file", field=self.name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = pd.read_csv(
                    p,
                    header=None,
                    dtype=str,
                    keep_default_na=False,
                    skip_blank_lines=False,
                    encoding="utf-8-sig",
                )
        except pd.errors.EmptyDataError:
            raise InputError(
                f"{self.name} is empty; expected a header line: {','.join(columns)}",
                field=self.name,
            ) from None
        except pd.errors.ParserError as exc:
            detail = str(exc).split("C error: ")[-1].strip()
            raise InputError(f"{self.name}: malformed CSV: {detail}", field=self.name) from None
        except UnicodeDecodeError:
            raise InputError(f"{self.name}: not a UTF-8 text file", field=self.name) from None
        header = [str(h).strip() for h in raw.iloc[0].tolist()]
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(
                f"{self.name}:1: missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}; expected {','.join(columns)} "
                f"(found {','.join(header) or 'nothing'})",
                field=missing[0],
            )
        body = raw.iloc[1:]
        cells = body.to_numpy(dtype=object)
        blank = (cells == "").all(axis=1) if cells.size else np.zeros(0, dtype=bool)
        self.lines = np.arange(2, 2 + len(body), dtype=np.int64)[~blank]
        self.cols = {
            c: pd.Series(body.iloc[~blank, header.index(c)].to_numpy(dtype=str)).str.strip()
            for c in columns
        }
        self.extra = {
            h: pd.Series(body.iloc[~blank, i].to_numpy(dtype=str)).str.strip()
            for i, h in enumerate(header)
            if h not in columns and h
        }
        if not allow_empty and self.lines.size == 0:
            raise InputError(f"{self.name} has a header but no rows", field=self.name)

    def fail(
        self, rows: npt.NDArray[np.int64], field: str, message: str | Callable[[int], str]
    ) -> InputError:
        """An InputError naming the file line of the first bad rows."""
        rows = np.asarray(rows).ravel()
        first = [
            f"{self.name}:{self.lines[r]}: {field}: "
            + (message(int(r)) if callable(message) else message)
            for r in rows[:_MAX_PROBLEMS]
        ]
        more = rows.size - len(first)
        tail = f"\n(and {more} more row{'s' if more > 1 else ''})" if more > 0 else ""
        return InputError("\n".join(first) + tail, field=field)

    def ids(self, column: str) -> pd.Series:
        values = self.cols[column]
        empty = np.flatnonzero((values == "").to_numpy())
        if empty.size:
            raise self.fail(empty, column, "is empty; expected an entity id")
        return values

    def numbers(self, column: str, *, bounds: tuple[float, float] | None = None) -> FloatArray:
        text = self.cols[column]
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:

            def why(r: int) -> str:
                t = text.iloc[r]
                if t == "":
                    return "missing value; expected a number"
                if t.lower() in {"nan", "na", "n/a", "null", "none"}:
                    return f"{t!r} is not a number; expected a number"
                if np.isinf(values[r]):
                    return f"{t!r} is infinite; expected a finite number"
                return f"expected a number, got {t!r}"

            raise self.fail(bad, column, why)
        neg = np.flatnonzero(values < 0)
        if neg.size:
            raise self.fail(neg, column, lambda r: f"must be >= 0, got {text.iloc[r]}")
        if bounds is not None:
            out = np.flatnonzero((values < bounds[0]) | (values > bounds[1]))
            if out.size:
                raise self.fail(
                    out,
                    column,
                    lambda r: (
                        f"must be between {bounds[0]:g} and {bounds[1]:g}, got {text.iloc[r]}"
                    ),
                )
        return values


def _entity_list(table: _Table, column: str = "entity") -> tuple[tuple[str, ...], pd.Index]:
    ids = table.ids(column)
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        first = {v: i for i, v in reversed(list(enumerate(ids.tolist())))}
        raise table.fail(
            rows,
            column,
            lambda r: (
                f"{ids.iloc[r]!r} listed twice (first at line {table.lines[first[ids.iloc[r]]]})"
            ),
        )
    index = pd.Index(ids.tolist())
    return tuple(index.tolist()), index


def _lookup(table: _Table, column: str, index: pd.Index, defined_in: str) -> np.ndarray:
    pos = index.get_indexer(pd.Index(table.ids(column)))
    bad = np.flatnonzero(pos < 0)
    if bad.size:
        raise table.fail(
            bad,
            column,
            lambda r: f"unknown entity {table.cols[column].iloc[r]!r} (not in {defined_in})",
        )
    return pos


def _edges(
    table: _Table, rows: str, cols: str, index: pd.Index, defined_in: str, verb: str
) -> sp.csr_array:
    src = _lookup(table, rows, index, defined_in)
    dst = _lookup(table, cols, index, defined_in)
    amount = table.numbers("amount")
    loop = np.flatnonzero(src == dst)
    if loop.size:
        raise table.fail(
            loop,
            cols,
            lambda r: f"{rows} {table.cols[rows].iloc[r]!r} {verb} itself",
        )
    n = len(index)
    m = sp.csr_array((amount, (src, dst)), shape=(n, n))
    m.sum_duplicates()
    m.eliminate_zeros()
    return m


def read_liability_network(liabilities: str | Path, external: str | Path) -> LiabilityNetwork:
    """Read ``debtor,creditor,amount`` and ``entity,external_assets,external_liabilities``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "L.csv").write_text("debtor,creditor,amount\\na,b,5\\n")
    >>> _ = (d / "E.csv").write_text(
    ...     "entity,external_assets,external_liabilities\\na,1,0\\nb,2,1\\n")
    >>> net = read_liability_network(d / "L.csv", d / "E.csv")
    >>> net.ids, net.liabilities.toarray().tolist()
    (('a', 'b'), [[0.0, 5.0], [0.0, 0.0]])
    >>> _ = (d / "L.csv").write_text("debtor,creditor,amount\\na,b,5\\nb,c,-1\\n")
    >>> read_liability_network(d / "L.csv", d / "E.csv")
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: .../L.csv:3: creditor: unknown entity 'c' (not in .../E.csv)
    """
    ext = _Table(external, ("entity", "external_assets", "external_liabilities"), allow_empty=False)
    ids, index = _entity_list(ext)
    assets = ext.numbers("external_assets")
    owed_out = ext.numbers("external_liabilities")
    table = _Table(liabilities, ("debtor", "creditor", "amount"), allow_empty=True)
    matrix = _edges(table, "debtor", "creditor", index, ext.name, "owes")
    return LiabilityNetwork(ids, matrix, assets, owed_out)


def read_exposure_network(
    exposures: str | Path, buffers: str | Path, weights: str | Path | None = None
) -> ExposureNetwork:
    """Read ``holder,counterparty,amount``, ``entity,buffer[,total_assets]`` and optionally
    ``entity,weight`` (every entity needs a weight)."""
    buf = _Table(buffers, ("entity", "buffer"), allow_empty=False)
    ids, index = _entity_list(buf)
    values = buf.numbers("buffer")
    total = None
    if "total_assets" in buf.extra:
        buf.cols["total_assets"] = buf.extra["total_assets"]
        total = buf.numbers("total_assets")
    table = _Table(exposures, ("holder", "counterparty", "amount"), allow_empty=True)
    matrix = _edges(table, "holder", "counterparty", index, buf.name, "lends to")
    w = None
    if weights is not None:
        wt = _Table(weights, ("entity", "weight"), allow_empty=False)
        _entity_list(wt)
        pos = _lookup(wt, "entity", index, buf.name)
        got = wt.numbers("weight")
        if len(set(pos.tolist())) < len(ids):
            listed = np.zeros(len(ids), dtype=bool)
            listed[pos] = True
            missing = [ids[i] for i in np.flatnonzero(~listed)[:_MAX_PROBLEMS]]
            raise InputError(
                f"{wt.name}: no weight for {', '.join(repr(m) for m in missing)}; "
                "give every entity a weight (0 is allowed)",
                field="weight",
            )
        w = np.zeros(len(ids))
        w[pos] = got
    return ExposureNetwork(ids, matrix, values, w, total)


def read_shock(
    path: str | Path, ids: tuple[str, ...], *, defined_in: str = "the entity list"
) -> FloatArray:
    """Read ``entity,shock`` (a share in [0, 1]); entities not listed get 0."""
    table = _Table(path, ("entity", "shock"), allow_empty=True)
    index = pd.Index(list(ids))
    _entity_list(table)
    pos = _lookup(table, "entity", index, defined_in)
    values = table.numbers("shock", bounds=(0.0, 1.0))
    out = np.zeros(len(ids))
    out[pos] = values
    return out
