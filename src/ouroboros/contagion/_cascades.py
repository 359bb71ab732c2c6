"""Default cascades: Furfine's sequential default and threshold (Gai–Kapadia) cascades.

* Furfine, "Interbank exposures: quantifying the risk of contagion", Journal of Money,
  Credit and Banking 35(1), 2003. Entities that fail lose their creditors a fixed share
  (the loss given default, LGD) of what they owe; a creditor whose accumulated losses
  exceed its capital fails in the next round; repeat until no one else fails.
* Gai & Kapadia, "Contagion in financial networks", Proc. R. Soc. A 466, 2010. An entity
  fails when the losses on its interbank assets exceed its capital buffer:
  ``(1 - R) * (share of interbank assets on failed counterparties) > capital ratio``. With
  exposures spread evenly over counterparties (the paper's random-graph model) the share
  is the fraction of counterparties that failed; with actual amounts it is the share of
  the amount. :func:`threshold_cascade` takes that threshold directly.

Both run batched over scenarios: the failed set is a (N, S) mask and each round is one
sparse-by-dense product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._clearing import network_inputs
from ouroboros.contagion._inputs import (
    BoolArray,
    FloatArray,
    IntArray,
    MatrixInput,
    VectorInput,
    batch,
    choice,
    failure_mask,
    keyed_entities,
    liability_matrix,
    vector,
)
from ouroboros.contagion._results import (
    CascadeResult,
    Change,
    ClearingResult,
    History,
    changes,
)
from ouroboros.errors import ConvergenceError, InputError

__all__ = ["furfine", "threshold_cascade"]


def _cascade(
    weights: sp.csr_array,
    threshold: FloatArray,
    failed0: BoolArray,
    max_rounds: int,
) -> tuple[BoolArray, IntArray, FloatArray, IntArray, list[Change]]:
    """Fail when ``weights @ failed > threshold``; return masks (N, S) and history."""
    n, s = failed0.shape
    failed = failed0.copy()
    default_round = np.where(failed, 1, 0).astype(np.int64)
    loss = np.zeros((n, s))
    rounds = np.ones(s, dtype=np.int64)
    history: list[Change] = []
    fresh = failed.copy()
    for k in range(2, max_rounds + 2):
        if not fresh.any():
            break
        new_loss = loss + np.asarray(weights @ fresh.astype(np.float64))
        history.append(changes(loss, new_loss))
        loss = new_loss
        fresh = (loss > threshold) & ~failed
        live = fresh.any(axis=0)
        rounds[live] = k
        failed |= fresh
        default_round[fresh] = k
    else:
        raise ConvergenceError(f"cascade still spreading after {max_rounds} rounds")
    return failed, default_round, loss, rounds, history


def furfine(
    liabilities: MatrixInput,
    external_assets: VectorInput,
    external_liabilities: VectorInput | None = None,
    *,
    lgd: float | VectorInput = 1.0,
    entities: Sequence[Any] | None = None,
    shock: VectorInput | None = None,
    max_rounds: int = 100_000,
) -> ClearingResult:
    """Furfine (2003) sequential default on a liability network.

    Each entity's capital is its net worth when everyone pays in full,
    ``e_i + sum_j L[j, i] - sum_j L[i, j] - l_i``. Round 1: the entities with negative
    capital (after the shock) fail. Each later round: every creditor loses ``lgd`` of
    what the newly failed owe it; those whose losses exceed their capital fail next.
    Failed entities pay ``1 - lgd`` of everything they owe.

    Parameters
    ----------
    liabilities, external_assets, external_liabilities, entities, shock
        As in :func:`~ouroboros.contagion.eisenberg_noe`.
    lgd : float or array (N,)
        Loss given default, in [0, 1], of each debtor's obligations (Furfine used 0.05
        to 1.0; the default 1 is his worst case).
    max_rounds : int
        Rounds before ConvergenceError.

    Returns
    -------
    ClearingResult
        ``model == "furfine"``; ``rounds`` and ``default_round`` give the sequence.

    Examples
    --------
    A owes B 10 and has nothing; B (capital 4) owes C 10; with LGD 1 both fail.

    >>> L = [[0, 10, 0], [0, 0, 10], [0, 0, 0]]
    >>> r = furfine(L, [0, 4, 1], entities=["A", "B", "C"])
    >>> r.defaults_by_round["entity"].tolist(), r.defaults_by_round["round"].tolist()
    (['A', 'B'], [1, 2])
    >>> furfine(L, [0, 4, 1], lgd=0.3, entities=["A", "B", "C"]).to_dict()["defaults"]
    ['A']
    """
    net = network_inputs(liabilities, external_assets, external_liabilities, entities, shock)
    ids = net.ids
    lgd_v = np.full(len(ids), float(lgd)) if np.ndim(lgd) == 0 else vector(lgd, ids, name="lgd")
    if ((lgd_v < 0) | (lgd_v > 1) | ~np.isfinite(lgd_v)).any():
        raise InputError("lgd must be in [0, 1]", field="lgd")
    m = net.liabilities
    owed_net = np.asarray(m.sum(axis=1)).ravel()
    owed = owed_net + net.external_liabilities
    claims = np.asarray(m.sum(axis=0)).ravel()
    e = net.external_assets
    capital = e + claims[None, :] - owed[None, :]  # (S, N)
    # creditor i loses lgd_j * L[j, i] when debtor j fails
    weights = sp.csr_array((m.T @ sp.diags_array(lgd_v)).tocsr())
    failed, default_round, loss, rounds, history = _cascade(
        weights, capital.T.clip(min=0.0), (capital < 0).T, max_rounds
    )
    f = failed.T
    paid = np.where(f, (1.0 - lgd_v)[None, :] * owed[None, :], owed[None, :])
    received = claims[None, :] - loss.T
    net_worth = capital - loss.T
    # history: track receipts (claims minus losses) like the clearing models do
    hist = History(tuple((sc, en, claims[en] - val) for sc, en, val in history))
    return ClearingResult(
        model="furfine",
        ids=tuple(ids),
        owed=owed,
        claims=claims,
        external_assets=e,
        paid=paid,
        paid_network=np.where(f, (1.0 - lgd_v)[None, :] * owed_net[None, :], owed_net[None, :]),
        received=received,
        equity=np.where(f, 0.0, np.maximum(net_worth, 0.0)),
        net_worth=net_worth,
        default=f,
        default_round=default_round.T.copy(),
        rounds=rounds,
        residual=np.zeros(f.shape[0]),
        parameters={"lgd": lgd_v if np.ndim(lgd) else float(lgd_v[0]) if len(ids) else lgd},
        history=hist,
    )


def threshold_cascade(
    exposures: MatrixInput,
    thresholds: VectorInput,
    *,
    initial_defaults: VectorInput | Sequence[str],
    by: Literal["amount", "count"] = "amount",
    entities: Sequence[Any] | None = None,
    max_rounds: int = 100_000,
) -> CascadeResult:
    """Threshold cascade (Gai & Kapadia 2010): fail when too much of what you lent is lost.

    Entity ``i`` fails once the share of its interbank assets owed by failed
    counterparties exceeds ``thresholds[i]``. For Gai & Kapadia's model pass
    ``thresholds = capital_ratio / (1 - recovery)`` relative to interbank assets, and
    ``by="count"`` to spread exposures evenly over counterparties as the paper does.

    Parameters
    ----------
    exposures : (N, N) matrix or DataFrame
        ``A[i, j]``: what ``i`` has lent to ``j``; a DataFrame has columns
        ``holder, counterparty, amount``.
    thresholds : array (N,) or (S, N), or Series
        Shares in [0, 1] (an entity with a threshold of 1 never fails by contagion).
    initial_defaults : bool array (N,) or (S, N), or list of entity ids
        Who fails first; a 2-D array is a batch of scenarios.
    by : {"amount", "count"}
        Weigh counterparties by the amount lent or count them equally.
    entities : sequence of str, optional
    max_rounds : int

    Returns
    -------
    CascadeResult
        ``loss`` is the failed share of each entity's interbank assets.

    Examples
    --------
    Each bank lends to the next two around a ring of five; a bank fails when half its
    counterparties have failed.

    >>> import numpy as np
    >>> A = np.zeros((5, 5))
    >>> for i in range(5):
    ...     A[i, (i + 1) % 5] = A[i, (i + 2) % 5] = 1
    >>> r = threshold_cascade(A, [0.4] * 5, initial_defaults=["1"], by="count")
    >>> r.default_round[0].tolist()   # 0 and 4 lent to 1; then 2 and 3 lent to them
    [2, 1, 3, 3, 2]
    """
    choice(by, "by", ("amount", "count"))
    entities = keyed_entities(
        entities,
        isinstance(exposures, pd.DataFrame),
        thresholds,
        table="exposures",
        keyed_name="thresholds",
    )
    a, ids = liability_matrix(
        exposures, entities, name="exposures", rows="holder", cols="counterparty"
    )
    theta = batch(thresholds, ids, name="thresholds", bounds=(0.0, 1.0))
    failed0 = failure_mask(initial_defaults, ids, "initial_defaults")
    s = max(theta.shape[0], failed0.shape[0])
    if {theta.shape[0], failed0.shape[0]} - {1, s}:
        raise InputError("thresholds and initial_defaults disagree on the number of scenarios")
    w = a.copy()
    if by == "count":
        w.data = np.ones_like(w.data)
    total = np.asarray(w.sum(axis=1)).ravel()
    w.data = w.data * np.repeat(
        np.where(total > 0, 1.0 / np.where(total > 0, total, 1.0), 0.0), np.diff(w.indptr)
    )
    thr = np.broadcast_to(theta, (s, len(ids))).T.copy()
    start = np.broadcast_to(failed0, (s, len(ids))).T.copy()
    # an entity with no exposures has nothing to lose: never fails by contagion
    thr[total == 0, :] = np.inf
    failed, default_round, loss, rounds, history = _cascade(w, thr, start, max_rounds)
    return CascadeResult(
        model="threshold",
        ids=tuple(ids),
        default=failed.T.copy(),
        default_round=default_round.T.copy(),
        loss=loss.T.copy(),
        capital=np.broadcast_to(theta, (s, len(ids))).copy(),
        rounds=rounds,
        parameters={"by": by},
        history=History(tuple(history)),
    )
