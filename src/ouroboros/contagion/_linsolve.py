"""Batched linear solves on the defaulting set: the exact step of fictitious default.

Each scenario ``s`` has its own set of unknown cells ``D_s`` (the entities whose payment
is a linear function of what they receive). For every scenario we solve

    y[D_s] = rhs[D_s] + beta * (Pi[D_s, D_s]^T) y[D_s]

All scenarios are stacked into one block-diagonal sparse system, built with vectorised
index arithmetic (no Python loop over scenarios), and solved at once. Defaulting sets are
usually loosely coupled, so a few dozen Jacobi sweeps reach the solution to machine
precision (exactly, on the acyclic part); when they do not, SuperLU
(``scipy.sparse.linalg.spsolve``) factorises systems of up to ``DIRECT_LIMIT`` unknowns
and BiCGSTAB (GMRES if that breaks down) solves larger ones. The matrix
``I - beta Pi_DD^T`` is a non-singular M-matrix whenever every cycle of defaulting
entities leaks money (to solvent entities or outside creditors), the regularity
condition of Eisenberg & Noe (2001); a failed or inaccurate solve is reported per
scenario so the caller can fall back to a safe fixed-point step.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from ouroboros.contagion._inputs import BoolArray, FloatArray, IntArray

Solver = Literal["auto", "direct", "iterative"]

#: Above this many unknowns SuperLU's fill-in on random networks grows too fast.
DIRECT_LIMIT = 20_000


def _cell_edges(matrix: sp.csr_array, rows: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Every stored entry ``matrix[i, j]`` of the rows ``i = rows[k]``, tagged with ``k``.

    Returns ``(owner k, column j, value)`` for the concatenation of those rows.
    """
    indptr = matrix.indptr
    starts = indptr[rows].astype(np.int64)
    counts = indptr[rows + 1].astype(np.int64) - starts
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    ends = np.cumsum(counts)
    offsets = np.repeat(starts - (ends - counts), counts) + np.arange(total, dtype=np.int64)
    owner = np.repeat(np.arange(rows.size, dtype=np.int64), counts)
    return owner, matrix.indices[offsets].astype(np.int64), matrix.data[offsets]


#: Jacobi sweeps tried before a direct or Krylov solve.
JACOBI_SWEEPS = 40

#: Share of unknown cells above which the sweeps run on dense (N, S) arrays.
DENSE_SHARE = 0.25


def solve_on_sets(
    matrix: sp.csr_array,
    row_scale: FloatArray,
    beta: float,
    unknown: BoolArray,
    rhs: FloatArray,
    x0: FloatArray,
    *,
    row_of: IntArray | None = None,
    solver: Solver = "auto",
    rtol: float = 1e-12,
) -> tuple[FloatArray, BoolArray]:
    """Solve ``y = rhs + beta Pi_DD^T y`` on each scenario's unknown set.

    Parameters
    ----------
    matrix : csr_array, shape (N, N)
        Liabilities ``L``; with ``row_scale`` it gives ``Pi = diag(row_scale) L``, the
        share of ``i``'s payment that goes to ``j``.
    row_scale : float array, shape (M,), (M, 1) or (M, S)
        Scale of each row of ``matrix`` (per scenario if 2-D with S columns).
    beta : float
        Scale of the feedback (1 for Eisenberg–Noe, the interbank recovery rate for
        Rogers–Veraart).
    unknown : bool array, shape (N, S)
        ``D_s`` as columns.
    rhs, x0 : float arrays, shape (N, S)
        Right-hand side and starting guess (read on the unknown cells only).
    row_of : int array, shape (N, S), optional
        Which row of ``matrix`` holds the payments of each cell, when ``matrix`` stacks
        several layers (default: the entity's own row).
    solver : {"auto", "direct", "iterative"}
        ``direct``: SuperLU. ``iterative``: Jacobi sweeps, then BiCGSTAB. ``auto``: Jacobi
        sweeps, then SuperLU up to ``DIRECT_LIMIT`` unknowns and BiCGSTAB beyond.

    Returns
    -------
    y : float array, shape (N, S)
        The solution on the unknown cells, 0 elsewhere.
    ok : bool array, shape (S,)
        Whether the solve met its tolerance for each scenario.
    """
    n, s = unknown.shape
    y = np.zeros((n, s))
    ok = np.ones(s, dtype=bool)
    node, scen = np.nonzero(unknown)  # cells in row-major (entity, scenario) order
    u = node.size
    if u == 0:
        return y, ok
    if solver != "direct" and row_of is None and u >= DENSE_SHARE * n * s:
        # most cells unknown: sweep on dense (N, S) arrays with the shared matrix
        dense, settled = _dense_sweeps(matrix, row_scale, beta, unknown, rhs, x0)
        x = dense[node, scen]
        todo = ~settled[scen]
        if todo.any():
            x[todo], good = _block(
                matrix, row_scale, beta, node[todo], scen[todo], None, rhs, x[todo], n, s,
                solver=solver, rtol=rtol, sweep=False,
            )  # fmt: skip
            ok[scen[todo][~good]] = False
    else:
        x, good = _block(
            matrix, row_scale, beta, node, scen, row_of, rhs, x0[node, scen], n, s,
            solver=solver, rtol=rtol, sweep=solver != "direct",
        )  # fmt: skip
        ok[scen[~good]] = False
    y[node, scen] = np.where(np.isfinite(x), x, 0.0)
    return y, ok


def _settled(far: BoolArray, scen: IntArray, s: int) -> BoolArray:
    pending = np.zeros(s, dtype=bool)
    pending[scen[far]] = True
    return ~pending


def _dense_sweeps(
    matrix: sp.csr_array,
    row_scale: FloatArray,
    beta: float,
    unknown: BoolArray,
    rhs: FloatArray,
    x0: FloatArray,
) -> tuple[FloatArray, BoolArray]:
    """Jacobi sweeps ``x <- rhs + beta Pi^T x`` on the unknown cells of (N, S) arrays.

    Building a block system for dense sets costs more than many sweeps, so this allows
    three times as many; convergence is checked every fourth sweep.
    """
    scale = row_scale if row_scale.ndim == 2 else row_scale[:, None]
    mask = unknown.astype(np.float64)
    b = np.where(unknown, rhs, 0.0)
    x = x0 * mask
    pending = unknown.any(axis=0)
    limit = 3 * JACOBI_SWEEPS
    for sweep in range(1, limit + 1):
        nxt = np.asarray(matrix.T @ (x * scale))
        nxt *= beta
        nxt += b
        nxt *= mask
        if sweep % 4 == 0 or sweep == limit:
            far = np.abs(nxt - x) > 1e-14 * np.maximum(np.abs(nxt), 1.0)
            pending = far.any(axis=0)
            x = nxt
            if not pending.any():
                break
        else:
            x = nxt
    settled: BoolArray = np.asarray(~pending & np.isfinite(x).all(axis=0), dtype=bool)
    return x, settled


def _block(
    matrix: sp.csr_array,
    row_scale: FloatArray,
    beta: float,
    node: IntArray,
    scen: IntArray,
    row_of: IntArray | None,
    rhs: FloatArray,
    x: FloatArray,
    n: int,
    s: int,
    *,
    solver: Solver,
    rtol: float,
    sweep: bool,
) -> tuple[FloatArray, BoolArray]:
    """Solve the given cells as one block-diagonal sparse system.

    Jacobi sweeps on the (small) block matrix first if ``sweep``; the scenarios they do
    not settle go to SuperLU (up to ``DIRECT_LIMIT`` unknowns) or BiCGSTAB. Returns the
    solution and, per cell, whether its scenario met the tolerance.
    """
    u = node.size
    rows = node if row_of is None else row_of[node, scen].astype(np.int64)
    if row_scale.ndim == 2 and row_scale.shape[1] > 1:
        cell_scale = row_scale[rows, scen]
    else:
        cell_scale = row_scale.reshape(-1)[rows]
    cell = np.full((n, s), -1, dtype=np.int64)
    cell[node, scen] = np.arange(u, dtype=np.int64)
    owner, col, val = _cell_edges(matrix, rows)
    target = cell[col, scen[owner]]
    keep = target >= 0
    # equation of cell (j, s): y_j = b_j + beta * sum_i pi[i, j] y_i
    off = sp.csr_array(
        (beta * val[keep] * cell_scale[owner[keep]], (target[keep], owner[keep])),
        shape=(u, u),
        dtype=np.float64,
    )
    b = rhs[node, scen]
    x = np.where(np.isfinite(x), x, b)
    done = np.zeros(s, dtype=bool)
    if sweep:
        for _ in range(JACOBI_SWEEPS):
            nxt = b + off @ x
            far = np.abs(nxt - x) > 1e-14 * np.maximum(np.abs(nxt), 1.0)
            x = nxt
            done = _settled(far, scen, s)
            if done[scen].all() or not np.isfinite(x).all():
                break
        done &= np.isfinite(x).all()
    todo = ~done[scen]
    if todo.any():
        idx = np.flatnonzero(todo)
        a = sp.csr_array(sp.eye_array(idx.size, format="csr") - off[idx][:, idx])
        bb = b[idx]
        if solver == "direct" or (solver == "auto" and idx.size <= DIRECT_LIMIT):
            with warnings.catch_warnings():
                # a singular system (a closed cycle of defaulters) is reported as not ok
                warnings.simplefilter("ignore", sla.MatrixRankWarning)
                sol = np.asarray(sla.spsolve(a.tocsc(), bb), dtype=np.float64)
        else:
            # BiCGSTAB: no orthogonalisation cost, converges fast on these M-matrices;
            # GMRES as a fallback if it breaks down
            start = np.where(np.isfinite(x[idx]), x[idx], bb)
            sol, info = sla.bicgstab(a, bb, x0=start, rtol=rtol, atol=0.0, maxiter=1000)
            if info != 0:
                sol, info = sla.gmres(a, bb, x0=start, rtol=rtol, atol=0.0, restart=30, maxiter=100)
            sol = np.asarray(sol, dtype=np.float64)
        x = x.copy()
        x[idx] = sol
    resid = np.abs(b + off @ x - x)
    scale = np.maximum(np.maximum(np.abs(b), np.abs(x)), 1.0)
    bad_cell = ~np.isfinite(resid) | (resid > max(1e3 * rtol, 1e-9) * scale)
    bad = np.zeros(s, dtype=bool)
    bad[scen[bad_cell]] = True
    return x, ~bad[scen]
