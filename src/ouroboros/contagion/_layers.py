"""Clearing with seniority layers and equity cross-holdings (Elsinger 2009).

Follows H. Elsinger, "Financial networks, cross holdings, and limited liability"
(OeNB Working Paper 156, 2009). Each entity ``i`` has ``K`` classes of debt, paid in order
of seniority (class 0 first): class ``k`` is owed ``L^k[i, j]`` by ``i`` to entity ``j``
plus ``l^k_i`` to creditors outside the network, ``d^k_i`` in all. Entity ``j`` also owns a
fraction ``Theta[i, j]`` of ``i``'s equity. With ``V_i`` the value of ``i``'s assets,

    class k receives   f_k(V_i) = min(d^k_i, max(0, V_i - D^{<k}_i))
    equity is          g(V_i)   = max(0, V_i - D_i)          (limited liability)
    V_j = e_j + sum_k sum_i Pi^k[i, j] f_k(V_i) + sum_i Theta[i, j] g(V_i)

with ``D^{<k}`` the debt senior to class ``k``, ``D`` all debt, ``Pi^k = L^k / d^k``. The map
is monotone; when ``sum_j Theta[i, j] < 1`` for every ``i`` its greatest fixed point is the
clearing state. It is found exactly by the same generalised fictitious-default iteration
as :func:`~ouroboros.contagion.eisenberg_noe`: classify every entity by the class it is
paying partially (or solvent), solve the linear system of that classification, accept the
solve unless a class that pays the network or an equity stake that others hold would start
paying "below zero" (the convex kinks) or a value would rise (a singular system, such as a
closed cycle of defaulters), and otherwise take a fixed-point step. It stops when a solve
reproduces its own classification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from ouroboros.contagion._clearing import safe_inverse
from ouroboros.contagion._inputs import (
    FloatArray,
    IntArray,
    MatrixInput,
    VectorInput,
    batch,
    choice,
    entity_ids,
    failure_mask,
    keyed_entities,
    liability_matrix,
    scenario_rows,
    unit_interval,
    vector,
)
from ouroboros.contagion._linsolve import DIRECT_LIMIT, Solver, solve_on_sets
from ouroboros.contagion._results import ClearingResult, History, _categorical, _recovery
from ouroboros.errors import ConvergenceError, InputError

__all__ = ["LayeredClearingResult", "elsinger"]


@dataclass(frozen=True, eq=False)
class LayeredClearingResult(ClearingResult):
    """A :class:`ClearingResult` with payments split by seniority layer.

    Attributes
    ----------
    paid_by_layer : ndarray (S, K, N)
        What each entity pays on each class of debt (0 = most senior).
    impaired_layer : ndarray (S, N) of int
        The most senior class not paid in full; ``K`` if all are paid.
    equity_received : ndarray (S, N)
        Value of the equity stakes each entity holds in the others.
    """

    paid_by_layer: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    impaired_layer: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    equity_received: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    @cached_property
    def layers(self) -> pd.DataFrame:
        """One row per (scenario, layer, entity): owed, paid, recovery."""
        s, k, n = self.paid_by_layer.shape
        owed = self.parameters["owed_by_layer"]
        rec = _recovery(self.paid_by_layer, owed)
        return pd.DataFrame(
            {
                "scenario": np.repeat(np.arange(s), k * n),
                "layer": np.tile(np.repeat(np.arange(k), n), s),
                "entity": _categorical(self.ids, np.tile(np.arange(n), s * k)),
                "owed": np.broadcast_to(owed, (s, k, n)).ravel(),
                "paid": self.paid_by_layer.ravel(),
                "recovery": rec.ravel(),
            }
        )


def _layer_list(layers: Any, entities: Sequence[Any] | None) -> tuple[list[Any], Any]:
    """Split the ``layers`` argument into one matrix (or edge table) per class."""
    if isinstance(layers, pd.DataFrame):
        if "seniority" not in layers.columns:
            raise InputError(
                "layers as a table needs columns debtor, creditor, amount, seniority",
                field="layers",
            )
        try:
            levels = sorted(int(v) for v in layers["seniority"].unique())
        except (TypeError, ValueError):
            raise InputError("layers: seniority must be integers", field="seniority") from None
        return [layers[layers["seniority"].astype(int) == k] for k in levels], entities
    if isinstance(layers, Mapping):
        return [layers[k] for k in sorted(layers)], entities
    if sp.issparse(layers) or (isinstance(layers, np.ndarray) and layers.ndim == 2):
        return [layers], entities
    out = list(layers)
    if not out:
        raise InputError("layers must hold at least one matrix", field="layers")
    return out, entities


def cross_holdings_matrix(theta: MatrixInput, ids: list[str]) -> sp.csr_array:
    """Validate ``Theta[i, j]``, the fraction of ``i``'s equity held by ``j``."""
    m, _ = liability_matrix(theta, ids, name="cross_holdings", rows="issuer", cols="holder")
    if m.shape[0] != len(ids):
        raise InputError(
            f"cross_holdings must be {len(ids)} x {len(ids)}, got {m.shape}", field="cross_holdings"
        )
    held = np.asarray(m.sum(axis=1)).ravel()
    bad = np.flatnonzero(held >= 1.0)
    if bad.size:
        raise InputError(
            f"cross_holdings: others hold {held[bad[0]]:.4g} of {ids[bad[0]]!r}'s equity; "
            "the fractions held by others must sum to less than 1 for every entity",
            field="cross_holdings",
        )
    return m


@dataclass(frozen=True)
class _Layout:
    stacked: sp.csr_array  # rows k*N + i: class k of entity i; rows K*N + i: equity of i
    scale: FloatArray  # row scale of ``stacked``: 1/d^k, or 1 for equity rows
    d: FloatArray  # (K, N) face of each class
    below: FloatArray  # (K, N) debt senior to each class, D^{<k}
    total: FloatArray  # (N,) all debt
    to_network: npt.NDArray[np.bool_]  # (K + 1, N): row pays somebody in the network


def _receipts_all(lay: _Layout, flows: FloatArray) -> FloatArray:
    """Receipts from stacked outflows ``flows`` of shape ((K+1) N, S)."""
    return np.asarray(lay.stacked.T @ (flows * lay.scale[:, None]))


def _outflows(lay: _Layout, v: FloatArray) -> FloatArray:
    """Stacked outflows ``[f_0(V); ...; f_{K-1}(V); g(V)]`` of values ``v`` (N, S)."""
    k = lay.d.shape[0]
    parts = [np.clip(v - lay.below[c][:, None], 0.0, lay.d[c][:, None]) for c in range(k)]
    parts.append(np.maximum(v - lay.total[:, None], 0.0))
    return np.concatenate(parts, axis=0)


def _regimes(lay: _Layout, v: FloatArray, atol: FloatArray) -> IntArray:
    """Index of the most senior class not paid in full; K when solvent."""
    covered = lay.below[1:] if lay.d.shape[0] > 1 else np.zeros((0, v.shape[0]))
    reg = np.zeros(v.shape, dtype=np.int64)
    for c in range(covered.shape[0]):
        reg += v >= covered[c][:, None] - atol
    reg += v >= lay.total[:, None] - atol
    return reg


def _upper_start(
    lay: _Layout, e: FloatArray, theta: sp.csr_array | None, collects: FloatArray
) -> FloatArray:
    """An upper bound of the clearing values with ``T(V0) <= V0``.

    Every class paid in full, and an upper bound of the equity cross-holdings:
    ``E' = (I - Theta^T)^{-1} max(0, c)`` with ``c`` the equity before cross-holdings.
    """
    k, n = lay.d.shape
    full = np.concatenate([np.repeat(lay.d[c][:, None], e.shape[1], axis=1) for c in range(k)])
    full = np.concatenate([full, np.zeros((n, e.shape[1]))])
    v = e + collects * _receipts_all(lay, full)
    if theta is None or theta.nnz == 0:
        return v
    c = np.maximum(v - lay.total[:, None], 0.0)
    eq = _solve_equity_bound(theta, c)
    out: FloatArray = v + collects * np.asarray(theta.T @ eq)
    return out


def _solve_equity_bound(theta: sp.csr_array, c: FloatArray) -> FloatArray:
    """``(I - Theta^T) E = c`` for a batch of right-hand sides, on the entities involved."""
    involved = np.zeros(theta.shape[0], dtype=bool)
    involved[np.diff(theta.indptr) > 0] = True
    involved[theta.indices] = True
    idx = np.flatnonzero(involved)
    out = c.copy()
    sub = theta[idx][:, idx]
    a = sp.csc_array(sp.eye_array(idx.size) - sub.T)
    if idx.size <= DIRECT_LIMIT:
        out[idx] = np.asarray(sla.splu(a).solve(np.ascontiguousarray(c[idx])))
    else:  # a contraction in the 1-norm: the Neumann series converges
        x = c[idx].copy()
        for _ in range(10_000):
            nxt = c[idx] + np.asarray(sub.T @ x)
            if np.abs(nxt - x).max(initial=0.0) <= 1e-13 * max(1.0, np.abs(nxt).max()):
                x = nxt
                break
            x = nxt
        out[idx] = x
    return out


def elsinger(
    layers: Sequence[MatrixInput] | Mapping[int, MatrixInput] | pd.DataFrame,
    external_assets: VectorInput,
    external_liabilities: Sequence[VectorInput | None] | None = None,
    *,
    cross_holdings: MatrixInput | None = None,
    entities: Sequence[Any] | None = None,
    shock: VectorInput | None = None,
    forced_defaults: VectorInput | Sequence[str] | None = None,
    recovery: float = 0.0,
    solver: Solver = "auto",
    tol: float = 1e-9,
    max_rounds: int = 10_000,
) -> LayeredClearingResult:
    """Clearing with seniority layers and equity cross-holdings (Elsinger 2009).

    Parameters
    ----------
    layers : sequence of (N, N) matrices, mapping {seniority: matrix}, or DataFrame
        ``layers[k][i, j]``: what ``i`` owes ``j`` on debt of seniority ``k`` (0 is paid
        first). A DataFrame has columns ``debtor, creditor, amount, seniority``. This is
        the shape of :attr:`ouroboros.views.claims` ``by_seniority``.
    external_assets : array (N,) or (S, N), or Series keyed by entity id
        Assets outside the network.
    external_liabilities : sequence of K vectors (or None), optional
        What each entity owes outside creditors in each class; put deposits or senior
        bonds in the class where they rank (no class is assumed for them).
    cross_holdings : (N, N) matrix, optional
        ``Theta[i, j]``: fraction of ``i``'s equity held by ``j``; for every ``i`` the
        fractions held by others must sum to less than 1.
    entities, shock, solver, tol, max_rounds
        As in :func:`~ouroboros.contagion.eisenberg_noe`.
    forced_defaults : bool array (N,) or (S, N), or list of entity ids, optional
        Entities that fail whatever they hold: they lose their external assets and what
        the others owe them (a failed provider cannot perform its contracts), and their
        creditors recover ``recovery`` of everything they owe, senior classes first.
        What their debtors owe them is still paid, out of the network.
    recovery : float in [0, 1]
        Share of a forced defaulter's debts its creditors recover.

    Returns
    -------
    LayeredClearingResult
        ``paid`` is the total over classes; ``paid_by_layer`` per class;
        ``equity_received`` the value of equity stakes held; ``net_worth`` uses asset
        values that include those stakes.

    Examples
    --------
    B owes A 6 of senior debt and C 6 of junior debt, and has 9 of assets: A is paid in
    full, C gets the 3 left.

    >>> senior = [[0, 0, 0], [6, 0, 0], [0, 0, 0]]
    >>> junior = [[0, 0, 0], [0, 0, 6], [0, 0, 0]]
    >>> r = elsinger([senior, junior], [0, 9, 0], entities=["A", "B", "C"])
    >>> r.paid_by_layer[0, :, 1].tolist()
    [6.0, 3.0]
    >>> r.to_dict()["defaults"]
    ['B']

    With A owning half of C's equity, A's assets include half of C's surplus:

    >>> theta = [[0, 0, 0], [0, 0, 0], [0.5, 0, 0]]
    >>> r = elsinger([senior, junior], [0, 9, 4], cross_holdings=theta,
    ...              entities=["A", "B", "C"])
    >>> float(r.equity[0, 2]), float(r.equity_received[0, 0])
    (7.0, 3.5)
    """
    choice(solver, "solver", ("auto", "direct", "iterative"))
    if not (np.isfinite(tol) and 0 < tol < 1e-2):
        raise InputError(f"tol must be in (0, 0.01), got {tol!r}", field="tol")
    mats, entities = _layer_list(layers, entities)
    entities = keyed_entities(
        entities,
        any(isinstance(m, pd.DataFrame) for m in mats),
        external_assets,
        table="layers",
        keyed_name="external_assets",
    )
    if entities is None:
        first = mats[0]
        n = first.shape[0] if hasattr(first, "shape") else len(first)
        ids = entity_ids(None, n)
    else:
        ids = entity_ids(entities, len(entities))
    matrices = [liability_matrix(m, ids, name=f"layers[{k}]")[0] for k, m in enumerate(mats)]
    n = len(ids)
    k = len(matrices)
    if external_liabilities is None:
        ext_l = np.zeros((k, n))
    else:
        ext_list = list(external_liabilities)
        if len(ext_list) != k:
            raise InputError(
                f"external_liabilities must give one vector (or None) per layer: "
                f"{k} layers, {len(ext_list)} given",
                field="external_liabilities",
            )
        ext_l = np.vstack(
            [
                vector(x, ids, name=f"external_liabilities[{c}]", default=0.0)
                for c, x in enumerate(ext_list)
            ]
        )
    theta = None if cross_holdings is None else cross_holdings_matrix(cross_holdings, ids)
    e = batch(external_assets, ids, name="external_assets")
    cut = batch(shock, ids, name="shock", default=0.0, bounds=(0.0, 1.0))
    forced = failure_mask(forced_defaults, ids, "forced_defaults")
    s = scenario_rows(
        e, cut, forced.astype(np.float64), names=("external_assets", "shock", "forced_defaults")
    )
    e = np.ascontiguousarray(np.broadcast_to(e, (s, n)) * (1.0 - cut))
    forced = np.broadcast_to(forced, (s, n))
    rec = unit_interval(recovery, "recovery")

    owed_net = np.vstack([np.asarray(m.sum(axis=1)).ravel() for m in matrices])
    d = owed_net + ext_l
    below = np.vstack([np.zeros(n), np.cumsum(d, axis=0)[:-1]])
    total = d.sum(axis=0)
    theta_m = theta if theta is not None else sp.csr_array((n, n))
    stacked = sp.csr_array(sp.vstack([*matrices, theta_m], format="csr"))
    inv_d = safe_inverse(d)
    scale = np.concatenate([inv_d.ravel(), np.ones(n)])
    to_network = np.vstack(
        [np.diff(m.indptr) > 0 for m in matrices] + [np.diff(theta_m.indptr) > 0]
    )
    lay = _Layout(stacked, scale, d, below, total, to_network)
    # a forced defaulter's value is fixed: recovery times its debts, nothing collected
    e = np.where(forced, rec * total[None, :], e)
    collects = (~forced).T.astype(np.float64)
    trace = _clear_layers(
        lay, theta_m, e.T.copy(), collects, solver=solver, tol=tol, max_rounds=max_rounds
    )
    v, paid_by_layer, eq, reg, default_round, rounds, residual, history = trace
    debt_recv = _debt_receipts(lay, paid_by_layer, n)
    eq_recv = np.asarray(theta_m.T @ eq.T).T
    default = reg < k
    claims = np.asarray(sum(m.sum(axis=0) for m in matrices)).ravel() if k else np.zeros(n)
    return LayeredClearingResult(
        model="elsinger",
        ids=tuple(ids),
        owed=total,
        claims=np.asarray(claims, dtype=np.float64),
        external_assets=e,
        paid=paid_by_layer.sum(axis=1),
        paid_network=(paid_by_layer * (owed_net * inv_d)[None, :, :]).sum(axis=1),
        received=debt_recv,
        equity=eq,
        net_worth=v - total[None, :],
        default=default,
        default_round=default_round,
        rounds=rounds,
        residual=residual,
        parameters={
            "layers": k,
            "tol": tol,
            "owed_by_layer": d,
            "cross_holdings": theta is not None,
            "forced_defaults": [ids[i] for i in np.flatnonzero(forced.any(axis=0))],
            "recovery": rec,
        },
        history=history,
        paid_by_layer=paid_by_layer,
        impaired_layer=reg,
        equity_received=eq_recv,
    )


def _debt_receipts(lay: _Layout, paid_by_layer: FloatArray, n: int) -> FloatArray:
    s, k, _ = paid_by_layer.shape
    flows = np.concatenate([paid_by_layer.transpose(1, 2, 0).reshape(k * n, s), np.zeros((n, s))])
    return _receipts_all(lay, flows).T


def _clear_layers(
    lay: _Layout,
    theta: sp.csr_array,
    ext: FloatArray,
    collects: FloatArray,
    *,
    solver: Solver,
    tol: float,
    max_rounds: int,
) -> tuple[Any, ...]:
    """The fictitious-default iteration in asset values ``V`` (N, S).

    ``collects`` (N, S) is 1 where an entity's value includes what it receives, 0 for a
    forced default whose value is fixed at its external assets.
    """
    k, n = lay.d.shape
    s = ext.shape[1]
    atol = (tol * np.maximum(lay.total, 1.0))[:, None]
    v = _upper_start(lay, ext, theta, collects)
    default_round = np.zeros((n, s), dtype=np.int64)
    rounds = np.zeros(s, dtype=np.int64)
    act = np.arange(s)
    prev_reg: IntArray | None = None
    just_solved = np.zeros(s, dtype=bool)
    history: list[tuple[IntArray, IntArray, FloatArray]] = []
    debt_rows = slice(0, k * n)
    prev_debt = (
        np.asarray(
            lay.stacked[debt_rows].T
            @ (
                np.concatenate([np.repeat(lay.d[c][:, None], s, axis=1) for c in range(k)])
                * lay.scale[debt_rows, None]
            )
        )
        if k
        else np.zeros((n, s))
    )
    for rnd in range(1, max_rounds + 1):
        va = v[:, act]
        ea = ext[:, act]
        ca = collects[:, act]
        reg = _regimes(lay, va, atol)
        flows = _outflows(lay, va)
        recv = _receipts_all(lay, flows)
        picard = ea + ca * recv
        dr = default_round[:, act]
        new = (reg < k) & (dr == 0)
        if new.any():
            dr[new] = rnd
            default_round[:, act] = dr
        if prev_reg is not None:
            same = (reg == prev_reg).all(axis=0)
            done = same & just_solved
            if done.any():
                rounds[act[done]] = rnd - 1
                keep = ~done
                act, va, ea, ca, reg, flows, picard, same = (
                    act[keep],
                    va[:, keep],
                    ea[:, keep],
                    ca[:, keep],
                    reg[:, keep],
                    flows[:, keep],
                    picard[:, keep],
                    same[keep],
                )
                if act.size == 0:
                    break
        # the affine map of this classification: constant part b and unknown cells
        cls = np.arange(k)[:, None, None]
        const = np.concatenate(
            [
                np.where(
                    reg[None] > cls,
                    lay.d[:, :, None],
                    np.where(reg[None] == cls, -lay.below[:, :, None], 0.0),
                ).reshape(k * n, -1),
                np.where(reg == k, -lay.total[:, None], 0.0),
            ]
        )
        b = ea + ca * _receipts_all(lay, const)
        has_slope = ((reg < k) | (lay.to_network[k][:, None] & (reg == k))) & (ca > 0)
        row_of = reg * n + np.arange(n)[:, None]
        y, ok = solve_on_sets(
            lay.stacked, lay.scale, 1.0, has_slope, b, va, row_of=row_of, solver=solver
        )
        # values of the cells without a slope follow from the solved ones
        slope_flows = np.zeros(((k + 1) * n, act.size))
        cell_n, cell_a = np.nonzero(has_slope)
        slope_flows[row_of[cell_n, cell_a], cell_a] = y[cell_n, cell_a]
        solved = np.where(has_slope, y, b + ca * _receipts_all(lay, slope_flows))
        ent = np.arange(n)[:, None]
        lower = np.where(reg < k, lay.below[np.minimum(reg, k - 1), ent], lay.total[:, None])
        kink = lay.to_network[reg, ent]
        below_kink = (has_slope & kink & (solved < lower - atol)).any(axis=0)
        # the exact step can only lower the values (the current ones are an upper bound);
        # a rise means a (nearly) singular system, e.g. a closed cycle of defaulters
        rises = (solved > va + atol).any(axis=0)
        acc = ok & ~below_kink & ~rises
        new_v = np.where(acc[None, :], solved, picard)
        # history: what creditors receive under the flows that made the new state (the
        # solved classification, or the fixed-point step), so that the losses of a round
        # come from the defaults found in that round
        tangent = np.concatenate(
            [
                np.where(
                    reg[None] > cls,
                    lay.d[:, :, None],
                    np.where(reg[None] == cls, solved[None] - lay.below[:, :, None], 0.0),
                ).reshape(k * n, -1),
                np.where(reg == k, solved - lay.total[:, None], 0.0),
            ]
        )
        used = np.where(acc[None, :], tangent, flows)
        debt = np.asarray(lay.stacked[debt_rows].T @ (used[debt_rows] * lay.scale[debt_rows, None]))
        changed_n, changed_a = np.nonzero(debt != prev_debt[:, act])
        history.append(
            (
                act[changed_a].astype(np.int64),
                changed_n.astype(np.int64),
                debt[changed_n, changed_a],
            )
        )
        prev_debt[:, act] = debt
        v[:, act] = new_v
        just_solved = acc
        prev_reg = reg
    else:
        raise ConvergenceError(
            f"layered clearing did not settle within max_rounds={max_rounds} rounds; "
            "raise max_rounds"
        )
    flows = _outflows(lay, v)
    final = ext + collects * _receipts_all(lay, flows)
    residual = np.abs(final - v).max(axis=0, initial=0.0)
    paid_by_layer = flows[: k * n].reshape(k, n, s).transpose(2, 0, 1).copy()
    eq = flows[k * n :].T.copy()
    reg = _regimes(lay, v, atol).T.copy()
    return (
        v.T.copy(),
        paid_by_layer,
        eq,
        reg,
        default_round.T.copy(),
        rounds,
        residual,
        History(tuple(history)),
    )
