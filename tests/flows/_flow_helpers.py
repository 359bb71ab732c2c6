"""Helpers of the circularity tests: random networks and independent LP solutions."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components


@st.composite
def networks(draw: st.DrawFn, max_nodes: int = 7, decimals: int = 0) -> NDArray[np.float64]:
    """A random flow matrix with 2..max_nodes nodes, whole (or 2-decimal) amounts."""
    n = draw(st.integers(2, max_nodes))
    cells = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 5000)),
            min_size=1,
            max_size=n * n,
        )
    )
    m = np.zeros((n, n))
    for i, j, a in cells:
        if i != j:
            m[i, j] = a / 10**decimals
    return m


def lp_max_circulation(m: NDArray[np.float64]) -> float:
    """The largest circulation under ``m``, by a plain LP (HiGHS), for comparison."""
    n = m.shape[0]
    src, dst = np.nonzero(m)
    if src.size == 0:
        return 0.0
    a_eq = np.zeros((n, src.size))
    a_eq[dst, np.arange(src.size)] += 1.0
    a_eq[src, np.arange(src.size)] -= 1.0
    res = linprog(
        -np.ones(src.size),
        A_eq=a_eq,
        b_eq=np.zeros(n),
        bounds=list(zip(np.zeros(src.size), m[src, dst], strict=True)),
        method="highs",
    )
    assert res.status == 0
    return float(-res.fun)


def lp_inflow_range(m: NDArray[np.float64], v: int, total: float) -> tuple[float, float]:
    """Least and largest circular inflow of ``v`` with the circulation fixed at ``total``."""
    n = m.shape[0]
    src, dst = np.nonzero(m)
    a_eq = np.zeros((n + 1, src.size))
    a_eq[dst, np.arange(src.size)] += 1.0
    a_eq[src, np.arange(src.size)] -= 1.0
    a_eq[n, :] = 1.0
    b_eq = np.r_[np.zeros(n), total]
    into = (dst == v).astype(float)
    bounds = list(zip(np.zeros(src.size), m[src, dst], strict=True))
    lo = linprog(into, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    hi = linprog(-into, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert lo.status == 0 and hi.status == 0
    return float(lo.fun), float(-hi.fun)


def is_acyclic(m: NDArray[np.float64], tol: float = 1e-9) -> bool:
    """No directed cycle among the edges with flow above ``tol``."""
    live = m > tol
    np.fill_diagonal(live, False)
    _, labels = connected_components(live, directed=True, connection="strong")
    return bool(np.bincount(labels).max() == 1)


def balance(m: NDArray[np.float64]) -> NDArray[np.float64]:
    """Inflow minus outflow of every node."""
    return np.asarray(m.sum(axis=0) - m.sum(axis=1), dtype=np.float64)
