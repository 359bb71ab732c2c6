"""Coerce and validate the inputs of the contagion models (arrays or DataFrames).

Every model takes a square matrix of claims between entities and vectors over entities.
This module turns what the user gives (a scipy sparse array, a dense array, a tidy
DataFrame of edges, a pandas Series keyed by entity id, a batch of scenarios) into
``float64`` arrays in entity order, and rejects bad input with an
:class:`~ouroboros.errors.InputError` that names the parameter, the entity and what was
expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from ouroboros.errors import InputError

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]

#: A square matrix over entities: scipy sparse, a dense array, or a DataFrame of edges.
MatrixInput: TypeAlias = Any
#: A vector over entities: an array, a pandas Series or a mapping keyed by entity id.
VectorInput: TypeAlias = Any

_MAX_NAMED = 5


def _names(ids: Sequence[str], idx: npt.NDArray[Any]) -> str:
    picked = [repr(ids[int(i)]) for i in np.asarray(idx).ravel()[:_MAX_NAMED]]
    more = int(np.asarray(idx).size) - len(picked)
    return ", ".join(picked) + (f" and {more} more" if more > 0 else "")


def entity_ids(entities: Sequence[Any] | None, n: int, *, name: str = "entities") -> list[str]:
    """Return ``n`` unique entity ids as strings (``"0"``, ``"1"``, ... when not given)."""
    if entities is None:
        return [str(i) for i in range(n)]
    ids = [str(e) for e in entities]
    if len(ids) != n:
        raise InputError(f"{name} has {len(ids)} ids but the matrix has {n} rows", field=name)
    if len(set(ids)) != n:
        dup = pd.Index(ids)[pd.Index(ids).duplicated()][0]
        raise InputError(f"{name} lists {dup!r} more than once", field=name)
    return ids


def _check_values(values: FloatArray, name: str, *, what: str = "amounts") -> None:
    if values.size == 0:
        return
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(f"{name} holds NaN or infinite {what}", field=name)
    if (values < 0).any():
        raise InputError(
            f"{name} holds negative {what} (min {values.min():g}); expected amounts >= 0",
            field=name,
        )


def liability_matrix(
    matrix: MatrixInput,
    entities: Sequence[Any] | None = None,
    *,
    name: str = "liabilities",
    rows: str = "debtor",
    cols: str = "creditor",
) -> tuple[sp.csr_array, list[str]]:
    """Validate a square claims matrix; return it as CSR (float64) with the entity ids.

    ``matrix[i, j]`` is what ``rows`` entity ``i`` owes (or is exposed to) ``cols`` entity
    ``j``. A DataFrame must have columns ``rows``, ``cols`` and ``amount`` and then needs
    ``entities`` (the ids, in order) to place its rows; repeated pairs are added up.

    Examples
    --------
    >>> m, ids = liability_matrix([[0, 2], [1, 0]], ["a", "b"])
    >>> m.toarray().tolist(), ids
    ([[0.0, 2.0], [1.0, 0.0]], ['a', 'b'])
    >>> liability_matrix([[1, 2], [1, 0]], ["a", "b"])
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: liabilities: debtor 'a' owes itself (diagonal 1); ...
    """
    if isinstance(matrix, pd.DataFrame):
        if entities is None:
            raise InputError(
                f"{name} is a table of edges: give the entity ids (entities=...) too",
                field="entities",
            )
        ids = entity_ids(entities, len(entities))
        return _matrix_from_edges(matrix, ids, name=name, rows=rows, cols=cols), ids
    if sp.issparse(matrix):
        m = sp.csr_array(matrix, dtype=np.float64)
    else:
        try:
            dense = np.asarray(matrix, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be a numeric matrix", field=name) from None
        if dense.ndim != 2:
            raise InputError(f"{name} must be 2-dimensional, got shape {dense.shape}", field=name)
        m = sp.csr_array(dense)
    if m.shape[0] != m.shape[1]:
        raise InputError(f"{name} must be square, got shape {m.shape}", field=name)
    m.sum_duplicates()
    ids = entity_ids(entities, m.shape[0])
    _check_values(m.data, name)
    diag = m.diagonal()
    if np.any(diag != 0):
        idx = np.flatnonzero(diag)
        raise InputError(
            f"{name}: {rows} {_names(ids, idx)} owes itself (diagonal {diag[idx[0]]:g}); "
            f"a {rows} cannot be its own {cols}",
            field=name,
        )
    m.eliminate_zeros()
    return m, ids


def _matrix_from_edges(
    edges: pd.DataFrame, ids: list[str], *, name: str, rows: str, cols: str
) -> sp.csr_array:
    missing = [c for c in (rows, cols, "amount") if c not in edges.columns]
    if missing:
        raise InputError(
            f"{name} needs columns {rows}, {cols}, amount; missing {', '.join(missing)}",
            field=name,
        )
    index = pd.Index(ids)
    src = index.get_indexer(pd.Index(edges[rows].astype(str)))
    dst = index.get_indexer(pd.Index(edges[cols].astype(str)))
    for col, pos in ((rows, src), (cols, dst)):
        bad = np.flatnonzero(pos < 0)
        if bad.size:
            row = edges.iloc[int(bad[0])]
            raise InputError(
                f"{name} row {int(bad[0])}: unknown {col} {str(row[col])!r} "
                f"(not among the {len(ids)} entities)",
                field=col,
            )
    amount = pd.to_numeric(edges["amount"], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(amount))
    if bad.size:
        raise InputError(
            f"{name} row {int(bad[0])}: amount must be a finite number, "
            f"got {edges['amount'].iloc[int(bad[0])]!r}",
            field="amount",
        )
    bad = np.flatnonzero(amount < 0)
    if bad.size:
        raise InputError(
            f"{name} row {int(bad[0])}: amount must be >= 0, got {amount[bad[0]]:g}",
            field="amount",
        )
    bad = np.flatnonzero(src == dst)
    if bad.size:
        raise InputError(
            f"{name} row {int(bad[0])}: {rows} {ids[src[bad[0]]]!r} owes itself",
            field=cols,
        )
    n = len(ids)
    m = sp.csr_array((amount, (src, dst)), shape=(n, n))
    m.sum_duplicates()
    m.eliminate_zeros()
    return m


def vector(
    values: VectorInput | None,
    ids: Sequence[str],
    *,
    name: str,
    default: float | None = None,
    nonnegative: bool = True,
) -> FloatArray:
    """One value per entity, in entity order.

    ``values`` may be an array of length N, or a Series/mapping keyed by entity id (ids
    not listed take ``default``; with ``default=None`` every id must be listed).
    """
    n = len(ids)
    if values is None:
        if default is None:
            raise InputError(f"{name} is required", field=name)
        return np.full(n, float(default))
    if isinstance(values, pd.Series | Mapping):
        out = _keyed(values, ids, name=name, default=default)
    else:
        try:
            out = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be numeric", field=name) from None
        if out.ndim == 0:
            out = np.full(n, float(out))
        if out.shape != (n,):
            raise InputError(
                f"{name} must have one value per entity ({n}), got shape {out.shape}",
                field=name,
            )
        out = out.copy()
    _check_finite(out, ids, name, nonnegative=nonnegative)
    return out


def _keyed(
    values: pd.Series | Mapping[Any, Any], ids: Sequence[str], *, name: str, default: float | None
) -> FloatArray:
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    keys = series.index.astype(str)
    if keys.has_duplicates:
        dup = keys[keys.duplicated()][0]
        raise InputError(f"{name} lists entity {dup!r} more than once", field=name)
    index = pd.Index(list(ids))
    pos = index.get_indexer(keys)
    if (pos < 0).any():
        raise InputError(f"{name}: unknown entity {keys[pos < 0][0]!r}", field=name)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    out = np.full(len(ids), np.nan if default is None else float(default))
    out[pos] = numbers
    if default is None and len(pos) < len(ids):
        listed = np.zeros(len(ids), dtype=bool)
        listed[pos] = True
        missing = np.flatnonzero(~listed)
        raise InputError(f"{name} has no value for {_names(ids, missing)}", field=name)
    return out


def _check_finite(
    out: FloatArray, ids: Sequence[str], name: str, *, nonnegative: bool, axis_name: str = ""
) -> None:
    flat = out.reshape(-1, len(ids)) if out.size else out.reshape(0, len(ids))
    bad = ~np.isfinite(flat)
    if bad.any():
        s, i = np.argwhere(bad)[0]
        where = f" (scenario {s})" if flat.shape[0] > 1 else ""
        raise InputError(
            f"{name}: value for {ids[i]!r}{where} is NaN or infinite; expected a number",
            field=name,
        )
    if nonnegative and (flat < 0).any():
        s, i = np.argwhere(flat < 0)[0]
        where = f" (scenario {s})" if flat.shape[0] > 1 else ""
        raise InputError(
            f"{name}: value for {ids[i]!r}{where} is {flat[s, i]:g}; expected >= 0", field=name
        )


def batch(
    values: VectorInput | None,
    ids: Sequence[str],
    *,
    name: str,
    default: float | None = None,
    nonnegative: bool = True,
    bounds: tuple[float, float] | None = None,
) -> FloatArray:
    """A batch of vectors, shape (scenarios, N).

    Accepts an array of shape (N,) (one scenario) or (S, N), a Series/mapping keyed by
    entity id (one scenario), or a DataFrame with one row per scenario and one column per
    entity id (missing ids take ``default``).
    """
    n = len(ids)
    if isinstance(values, pd.DataFrame):
        cols = values.columns.astype(str)
        index = pd.Index(list(ids))
        pos = index.get_indexer(cols)
        if (pos < 0).any():
            raise InputError(f"{name}: unknown entity {cols[pos < 0][0]!r}", field=name)
        if default is None and len(set(pos.tolist())) < n:
            raise InputError(f"{name} must have a column for every entity", field=name)
        out = np.full((len(values), n), 0.0 if default is None else float(default))
        out[:, pos] = values.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    elif values is None or isinstance(values, pd.Series | Mapping):
        out = vector(values, ids, name=name, default=default, nonnegative=nonnegative)[None, :]
    else:
        try:
            out = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be numeric", field=name) from None
        if out.ndim == 1:
            out = out[None, :]
        if out.ndim != 2 or out.shape[1] != n:
            raise InputError(
                f"{name} must have shape (N,) or (scenarios, N) with N = {n}, "
                f"got {np.shape(values)}",
                field=name,
            )
    if out.shape[0] == 0:
        raise InputError(f"{name} holds no scenario", field=name)
    _check_finite(out, ids, name, nonnegative=nonnegative)
    if bounds is not None:
        lo, hi = bounds
        bad = (out < lo) | (out > hi)
        if bad.any():
            s, i = np.argwhere(bad)[0]
            where = f" (scenario {s})" if out.shape[0] > 1 else ""
            raise InputError(
                f"{name}: value for {ids[i]!r}{where} is {out[s, i]:g}; "
                f"expected a share between {lo:g} and {hi:g}",
                field=name,
            )
    return out


def failure_mask(value: VectorInput | Sequence[str] | None, ids: list[str], name: str) -> BoolArray:
    """Who fails from the start, as a (S, N) mask.

    ``value`` is a list of entity ids (one scenario), booleans or 0/1 of shape (N,) or
    (S, N), or ``None`` (nobody).

    Examples
    --------
    >>> failure_mask(["b"], ["a", "b"], "defaults").tolist()
    [[False, True]]
    >>> failure_mask([[1, 0], [0, 0]], ["a", "b"], "defaults").tolist()
    [[True, False], [False, False]]
    """
    if value is None:
        return np.zeros((1, len(ids)), dtype=bool)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        pos = pd.Index(ids).get_indexer(pd.Index(list(value), dtype=object))
        if (pos < 0).any():
            raise InputError(
                f"{name}: unknown entity {value[int(np.argmax(pos < 0))]!r}", field=name
            )
        mask = np.zeros((1, len(ids)), dtype=bool)
        mask[0, pos] = True
        return mask
    arr = batch(value, ids, name=name, default=0.0, bounds=(0.0, 1.0))
    if not np.isin(arr, (0.0, 1.0)).all():
        raise InputError(f"{name} must be booleans (or 0/1), or a list of entity ids", field=name)
    return arr.astype(bool)


def keyed_entities(
    entities: Sequence[Any] | None,
    edge_table: bool,
    keyed: VectorInput,
    *,
    table: str,
    keyed_name: str,
) -> Sequence[Any] | None:
    """The entity ids of a model whose matrix may be a table of edges.

    ``entities`` when given or when the matrix is not a table (``edge_table`` false);
    otherwise the keys of ``keyed``, a vector that must then be a Series or a dict.
    """
    if entities is not None or not edge_table:
        return entities
    if not isinstance(keyed, pd.Series | dict):
        raise InputError(
            f"{table} is a table of edges: give entities=... or {keyed_name} as a Series "
            "keyed by entity id",
            field="entities",
        )
    return [str(k) for k in (keyed.index if isinstance(keyed, pd.Series) else keyed)]


def scenario_rows(*arrays: FloatArray | BoolArray, names: Sequence[str]) -> int:
    """The common number of scenarios of several (S, N) batches (1 broadcasts)."""
    counts = {a.shape[0] for a in arrays} - {1}
    if len(counts) > 1:
        detail = ", ".join(f"{n}: {a.shape[0]}" for n, a in zip(names, arrays, strict=True))
        raise InputError(f"batches disagree on the number of scenarios ({detail})")
    return counts.pop() if counts else 1


def unit_interval(value: float, name: str, *, open_low: bool = False) -> float:
    """Check a parameter lies in [0, 1] (or (0, 1])."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0, 1], got {value!r}", field=name) from None
    if not np.isfinite(v) or v > 1 or v < 0 or (open_low and v == 0):
        lo = "(0" if open_low else "[0"
        raise InputError(f"{name} must be in {lo}, 1], got {value!r}", field=name)
    return v


def choice(value: str, name: str, allowed: Sequence[str]) -> str:
    """Check a keyword option against its allowed values."""
    if value not in allowed:
        raise InputError(
            f"{name} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}",
            field=name,
        )
    return value
