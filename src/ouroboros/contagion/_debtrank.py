"""DebtRank: single-hit (Battiston et al. 2012) and differential (Bardoscia et al. 2015).

Notation. ``A[i, j]`` is what holder ``i`` has lent to counterparty ``j`` (``i``'s exposure
to ``j``); ``E_i > 0`` is ``i``'s equity buffer; ``h_i`` in [0, 1] is the share of that
buffer lost (``h_i = 1``: wiped out); ``v_i`` are economic weights summing to 1.

* Single-hit: Battiston, Puliga, Kaushik, Tasca & Caldarelli, "DebtRank: too central to
  fail?", Scientific Reports 2:541, 2012. The impact of ``j`` on ``i`` is
  ``W[i, j] = min(1, A[i, j] / E_i)``. Entities are undistressed, distressed or
  inactive; a distressed entity passes its stress on once, then becomes inactive:
  ``h_i(t) = min(1, h_i(t-1) + sum_{j distressed at t-1} W[i, j] h_j(t-1))``.
* Differential: Bardoscia, Battiston, Caccioli & Caldarelli, "DebtRank: a microscopic
  foundation for shock propagation", PLoS ONE 10(6), 2015. Every increase of stress is
  passed on through the interbank leverage matrix ``Lambda[i, j] = A[i, j] / E_i``:
  ``h(t+1) = min(1, h(t) + Lambda (h(t) - h(t-1)))``, until nothing moves.

DebtRank is ``R = sum_i v_i h_i(T) - sum_i v_i h_i(1)``: the loss of economic value caused
beyond the initial shock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._inputs import (
    FloatArray,
    IntArray,
    MatrixInput,
    VectorInput,
    batch,
    choice,
    keyed_entities,
    liability_matrix,
    vector,
)
from ouroboros.contagion._results import Change, DebtRankResult, History, changes
from ouroboros.errors import ConvergenceError, InputError

__all__ = ["debtrank"]

DebtRankMethod = Literal["single-hit", "differential"]


def debtrank(
    exposures: MatrixInput,
    buffers: VectorInput,
    *,
    shock: VectorInput,
    weights: VectorInput | None = None,
    total_assets: VectorInput | None = None,
    method: DebtRankMethod = "single-hit",
    entities: Sequence[Any] | None = None,
    tol: float = 1e-12,
    max_rounds: int = 100_000,
) -> DebtRankResult:
    """DebtRank of an initial shock, single-hit or differential, for one or many shocks.

    Parameters
    ----------
    exposures : (N, N) matrix or DataFrame
        ``A[i, j]``: what holder ``i`` has lent to counterparty ``j``. A DataFrame has
        columns ``holder, counterparty, amount``.
    buffers : array (N,) or Series
        Equity buffers ``E_i`` (>= 0; an entity with no buffer is wiped out by any loss).
    shock : array (N,) or (S, N), Series or DataFrame
        The share of each buffer lost at the start, ``h(1)``, in [0, 1]; a 2-D array is a
        batch of scenarios propagated together.
    weights : array (N,) or Series, optional
        Economic weights ``v`` (normalised to sum to 1). Default: proportional to
        ``total_assets`` if given, otherwise to each entity's interbank assets
        (``sum_j A[i, j]``).
    total_assets : array (N,) or Series, optional
        Used for the default weights.
    method : {"single-hit", "differential"}
        Battiston et al. (2012) or Bardoscia et al. (2015).
    entities : sequence of str, optional
        Entity ids in matrix order.
    tol : float
        The differential version stops when no stress moves by more than ``tol``.
    max_rounds : int
        Rounds before ConvergenceError.

    Returns
    -------
    DebtRankResult

    Examples
    --------
    A chain: B lent 50 to A, C lent 20 to B; buffers 100. A loses its whole buffer.

    >>> A = [[0, 0, 0], [50, 0, 0], [0, 20, 0]]
    >>> r = debtrank(A, [100, 100, 100], shock=[1, 0, 0], weights=[1, 1, 1],
    ...              entities=["A", "B", "C"])
    >>> r.stress[0].tolist()   # B loses 0.5 of its buffer; C 0.2 * 0.5
    [1.0, 0.5, 0.1]
    >>> round(float(r.debtrank[0]), 6)   # (0.5 + 0.1) / 3
    0.2
    """
    choice(method, "method", ("single-hit", "differential"))
    ids_in = keyed_entities(
        entities,
        isinstance(exposures, pd.DataFrame),
        buffers,
        table="exposures",
        keyed_name="buffers",
    )
    a, ids = liability_matrix(
        exposures, ids_in, name="exposures", rows="holder", cols="counterparty"
    )
    n = len(ids)
    e = vector(buffers, ids, name="buffers")
    h0 = batch(shock, ids, name="shock", default=0.0, bounds=(0.0, 1.0))
    v = _weights(a, ids, weights, total_assets)
    lends = np.diff(a.indptr) > 0
    broke = np.flatnonzero(lends & (e <= 0))
    if broke.size:
        raise InputError(
            f"buffers: {ids[broke[0]]!r} has lent to others but its buffer is 0; DebtRank "
            "needs a positive buffer for every holder of exposures",
            field="buffers",
        )
    # relative impact A[i, j] / E_i (interbank leverage); single-hit caps it at 1
    lam = a.copy()
    lam.data = lam.data * np.repeat(1.0 / np.where(e > 0, e, 1.0), np.diff(lam.indptr))
    if method == "single-hit":
        lam.data = np.minimum(lam.data, 1.0)
        stress, rounds, hist = _single_hit(lam, h0, max_rounds)
    else:
        stress, rounds, hist = _differential(lam, h0, tol, max_rounds)
    rank = stress @ v - h0 @ v
    return DebtRankResult(
        method=method,
        ids=tuple(ids),
        weights=v,
        initial=h0,
        stress=stress,
        debtrank=rank,
        rounds=rounds,
        parameters={"method": method, "tol": tol, "n": n},
        history=History(tuple(hist)),
    )


def _weights(
    a: sp.csr_array, ids: list[str], weights: VectorInput | None, total_assets: VectorInput | None
) -> FloatArray:
    if weights is not None:
        w = vector(weights, ids, name="weights")
        name = "weights"
    elif total_assets is not None:
        w = vector(total_assets, ids, name="total_assets")
        name = "total_assets"
    else:
        w = np.asarray(a.sum(axis=1), dtype=np.float64).ravel()
        name = "interbank assets (the default weights)"
    total = float(w.sum())
    if total <= 0:
        raise InputError(f"{name} sum to 0: DebtRank needs positive weights", field="weights")
    return w / total


def _single_hit(
    w: sp.csr_array, h0: FloatArray, max_rounds: int
) -> tuple[FloatArray, IntArray, list[Change]]:
    s = h0.shape[0]
    h = h0.T.copy()  # (N, S)
    distressed = h > 0
    inactive = np.zeros_like(distressed)
    rounds = np.zeros(s, dtype=np.int64)
    history: list[Change] = []
    for t in range(1, max_rounds + 1):
        live = distressed.any(axis=0)
        if not live.any():
            break
        rounds[live] = t
        push = np.asarray(w @ np.where(distressed, h, 0.0))
        new = np.minimum(1.0, h + push)
        history.append(changes(h, new))
        h = new
        inactive |= distressed
        distressed = (h > 0) & ~inactive
    else:
        raise ConvergenceError(f"single-hit DebtRank still moving after {max_rounds} rounds")
    return h.T.copy(), rounds, history


def _differential(
    lam: sp.csr_array, h0: FloatArray, tol: float, max_rounds: int
) -> tuple[FloatArray, IntArray, list[Change]]:
    s = h0.shape[0]
    h = h0.T.copy()
    delta = h.copy()  # h(1) - h(0), with h(0) = 0
    rounds = np.zeros(s, dtype=np.int64)
    history: list[Change] = []
    for t in range(1, max_rounds + 1):
        live = (delta > tol).any(axis=0)
        if not live.any():
            break
        rounds[live] = t
        new = np.minimum(1.0, h + np.asarray(lam @ delta))
        history.append(changes(h, new))
        delta = new - h
        h = new
    else:
        raise ConvergenceError(
            f"differential DebtRank still moving after {max_rounds} rounds; raise max_rounds or tol"
        )
    return h.T.copy(), rounds, history
