"""Batched clearing with seniority layers, cross-holdings and default costs.

The simulator clears the web once per period for every run at once, and the claims differ
from run to run (debt rolled, repaid or written off, contracts broken). The contagion
package's :func:`~ouroboros.contagion.elsinger` takes one liability matrix for all its
scenarios and no default costs, and :func:`~ouroboros.contagion.rogers_veraart` has costs
but no seniority layers, so this module combines the two for per-run claims:

* Elsinger (2009): each entity ``i`` owes class ``k`` debt ``d^k_i`` (claims of other
  entities plus outside creditors), paid in order of seniority; ``j`` holds a fraction
  ``theta[i, j]`` of ``i``'s equity ``max(0, V_i - D_i)``.
* Rogers & Veraart (2013): an entity in default (``V_i < D_i``, or forced into default by
  the simulator because it ran out of cash) realises only ``alpha`` of its outside assets
  and ``beta`` of what it is owed.

``V_i = e_i + (what the web pays i) + (value of i's equity stakes)``. The map is monotone;
its greatest fixed point is found by iterating it from an upper bound (everybody pays in
full, equity at a bound from the 1-norm contraction of ``theta``), which only moves values
down. Each run stops on its own once its values settle, so a run's answer does not depend
on the other runs of the batch. The tests check the answers against
:func:`~ouroboros.contagion.elsinger` and :func:`~ouroboros.contagion.rogers_veraart`.

Sums over edges use a sparse product whose order of summation per run is fixed (not BLAS),
for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ouroboros.errors import ConvergenceError

__all__ = ["Scatter", "clear"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class Scatter:
    """Sums columns of an (R, E) array into (R, N) by a target per column.

    A sparse (N, E) matrix of ones does it: scipy's sparse product sums each output cell
    over the matrix's stored entries in a fixed order, whatever the number of runs, so a
    run's result does not depend on the batch (no BLAS blocking).

    >>> s = Scatter.build(np.array([2, 0, 2]), 3)
    >>> s.sum(np.array([[1.0, 2.0, 4.0]])).tolist()
    [[2.0, 0.0, 5.0]]
    """

    matrix: sp.csr_array
    n: int

    @classmethod
    def build(cls, target: IntA, n: int) -> Scatter:
        target = np.asarray(target, dtype=np.int64)
        e = target.size
        m = sp.csr_array((np.ones(e), (target, np.arange(e))), shape=(n, e))
        m.sort_indices()
        return cls(m, n)

    def sum(self, values: F) -> F:
        if values.shape[1] == 0:
            return np.zeros((values.shape[0], self.n))
        out: F = np.asarray(self.matrix @ values.T).T
        return out


@dataclass(frozen=True)
class Cleared:
    """The clearing of one batch (arrays over runs)."""

    value: F  # (R, N) gross asset value V
    pay: F  # (R, E) paid on each edge
    ext_paid: F  # (R, K, N) paid to outside creditors by class
    owed: F  # (R, N) everything owed D
    distributable: F  # (R, N) value a defaulter hands to its creditors (after costs)
    default: B  # (R, N) insolvent or forced
    equity: F  # (R, N) max(0, V - D) for solvent entities, 0 in default
    received: F  # (R, N) paid to each entity on its claims
    iterations: IntA  # (R,)


def clear(
    face: F,
    debtor: IntA,
    creditor: IntA,
    layer: IntA,
    ext_liab: F,
    ext_assets: F,
    th_issuer: IntA,
    th_holder: IntA,
    th_value: F,
    *,
    forced: B | None = None,
    exempt: B | None = None,
    fixed: B | None = None,
    fixed_pay: F | None = None,
    fixed_equity: F | None = None,
    fixed_default: B | None = None,
    alpha: F | float = 1.0,
    beta: F | float = 1.0,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> Cleared:
    """Greatest clearing state of a layered network with default costs, per run.

    Parameters
    ----------
    face : (R, E)
        Face value of each claim (edge) in each run.
    debtor, creditor, layer : (E,)
        Who owes, who is owed, and the seniority class (0 is paid first).
    ext_liab : (R, K, N)
        What each entity owes creditors outside the web, by class.
    ext_assets : (R, N)
        Assets outside the web, ``>= 0``.
    th_issuer, th_holder, th_value : (M,)
        Equity stakes: ``th_holder`` holds ``th_value`` of ``th_issuer``'s equity; for each
        issuer the fractions held must sum to less than 1.
    forced : (R, N) bool, optional
        Entities in default whatever their value (they ran out of cash).
    exempt : (N,) bool, optional
        Entities that never default (the rest of the world).
    fixed, fixed_pay, fixed_equity, fixed_default : optional
        Entities ``(N,)`` whose payments on their edges ``(R, E)``, equity value ``(R, N)``
        and default state ``(R, N)`` are given (set by the deal engine).
    alpha, beta : float or (R, 1)
        Share of outside assets and of claims a defaulter realises.

    Returns
    -------
    Cleared
    """
    R, _E = face.shape
    K = ext_liab.shape[1]
    N = ext_assets.shape[1]
    if forced is None:
        forced = np.zeros((R, N), dtype=bool)
    exempt_m = np.zeros(N, dtype=bool) if exempt is None else exempt
    fixed_m = np.zeros(N, dtype=bool) if fixed is None else fixed
    alpha_a = np.broadcast_to(np.asarray(alpha, dtype=np.float64).reshape(-1, 1), (R, 1))
    beta_a = np.broadcast_to(np.asarray(beta, dtype=np.float64).reshape(-1, 1), (R, 1))

    to_creditor = Scatter.build(creditor, N)
    group = layer * N + debtor  # class-and-debtor group of each edge
    by_group = Scatter.build(group, K * N)
    eq_scatter = Scatter.build(th_holder, N)
    held = np.bincount(th_issuer, weights=th_value, minlength=N)
    q = float(held.max(initial=0.0))
    if q >= 1.0:
        raise ValueError("equity stakes held in an issuer must sum to less than 1")

    d = (by_group.sum(face) + ext_liab.reshape(R, K * N)).reshape(R, K, N)
    owed = d.sum(axis=1)
    below = np.cumsum(d, axis=1) - d
    d_edge = d.reshape(R, K * N)[:, group]
    share = np.divide(face, d_edge, out=np.zeros_like(face), where=d_edge > 0)
    ext_share = np.divide(ext_liab, d, out=np.zeros_like(ext_liab), where=d > 0)
    fixed_edge = fixed_m[debtor]

    def equity_stakes(eq: F) -> F:
        if th_value.size == 0:
            return np.zeros_like(eq)
        return eq_scatter.sum(eq[:, th_issuer] * th_value)

    # upper bound: everybody pays in full; equity at most ||c||_1 / (1 - q)
    full = to_creditor.sum(face)
    c = np.maximum(ext_assets + full - owed, 0.0)
    if fixed_equity is not None:
        c = np.where(fixed_m, fixed_equity, c)
    bound = c.sum(axis=1, keepdims=True) / (1.0 - q)
    recv = full
    eqrecv = equity_stakes(np.broadcast_to(bound, (R, N)).copy())
    value = ext_assets + recv + eqrecv
    atol = tol * np.maximum(owed, 1.0)

    pay = face.copy()
    paid = d.copy()
    distributable = value.copy()
    dflt = forced.copy()
    equity = np.zeros((R, N))
    iterations = np.zeros(R, dtype=np.int64)
    active = np.arange(R)
    prev_default: B | None = None
    for it in range(1, max_iter + 1):
        # while every run is still moving, work on the arrays themselves (no copies)
        sel: slice | IntA = slice(None) if active.size == R else active
        v = value[sel]
        e = ext_assets[sel]
        df = forced[sel] | ((v < owed[sel] - atol[sel]) & ~exempt_m)
        if fixed_default is not None:
            df = np.where(fixed_m, fixed_default[sel], df)
        avail = np.where(df, alpha_a[sel] * e + beta_a[sel] * (recv[sel] + eqrecv[sel]), v)
        pd_ = np.clip(avail[:, None, :] - below[sel], 0.0, d[sel])
        pe = pd_.reshape(v.shape[0], K * N)[:, group] * share[sel]
        if fixed_pay is not None:
            pe = np.where(fixed_edge, fixed_pay[sel], pe)
        eq = np.where(df, 0.0, np.maximum(v - owed[sel], 0.0))
        if fixed_equity is not None:
            eq = np.where(fixed_m, fixed_equity[sel], eq)
        rc_new = to_creditor.sum(pe)
        er_new = equity_stakes(eq)
        v_new = e + rc_new + er_new
        scale = np.maximum(np.abs(v_new).max(axis=1), 1.0)
        moved = np.abs(v_new - v).max(axis=1) > tol * scale
        if prev_default is not None:
            moved |= (df != prev_default).any(axis=1)
        value[sel] = v_new
        recv[sel] = rc_new
        eqrecv[sel] = er_new
        pay[sel] = pe
        paid[sel] = pd_
        distributable[sel] = avail
        dflt[sel] = df
        equity[sel] = eq
        iterations[sel] = it
        active = active[moved]
        prev_default = df[moved]
        if active.size == 0:
            break
    else:
        raise ConvergenceError(
            f"the clearing of the web did not settle within {max_iter} iterations"
        )
    # a final consistent pass is not needed: the last step moved nothing for every run
    return Cleared(
        value=value,
        pay=pay,
        ext_paid=paid * ext_share,
        owed=owed,
        distributable=np.where(dflt, np.minimum(distributable, owed), owed),
        default=dflt,
        equity=equity,
        received=recv,
        iterations=iterations,
    )
