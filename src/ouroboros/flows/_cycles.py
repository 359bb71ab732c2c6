"""Explain a circulation: its largest loops, each with its path and amount."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order

from ouroboros.errors import InputError
from ouroboros.flows._network import FlowInput, as_network, strong_components
from ouroboros.flows._result import Circulation

__all__ = ["peel_cycles", "top_cycles"]

_CYCLE_COLUMNS = ["rank", "path", "length", "amount", "flow", "share"]


def _has_cycle(n: int, src: NDArray[np.int64], dst: NDArray[np.int64]) -> bool:
    return bool(strong_components(n, src, dst)[1].any())


def peel_cycles(
    n: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    amount: NDArray[np.float64],
    *,
    max_cycles: int = 20,
    tol: float = 1e-9,
) -> list[tuple[list[int], float]]:
    """Kernel: greedy widest-loop decomposition of a circulation.

    Repeatedly finds the loop whose smallest edge is largest (binary search on a flow
    threshold, testing for a cycle with a strongly-connected-component check), takes
    the shortest such loop through its bottleneck edge (breadth-first search inside that
    component), and removes the bottleneck amount from every edge of the loop; the
    bottleneck edge empties, so each step removes at least one edge. Any circulation is
    a sum of such loops (the flow decomposition theorem); the greedy order lists the
    largest first. Only edges of the circulation are searched, never the whole graph.

    Returns
    -------
    list of (path, amount)
        ``path`` lists the nodes of the loop, starting at its smallest node index
        and without repeating it at the end.
    """
    rem = np.asarray(amount, dtype=np.float64).copy()
    scale = float(rem.max()) if rem.size else 0.0
    cycles: list[tuple[list[int], float]] = []
    live = np.flatnonzero(rem > tol * scale)
    while len(cycles) < max_cycles and live.size:
        values = np.unique(rem[live])
        if not _has_cycle(n, src[live], dst[live]):
            break
        lo, hi = 0, values.size - 1  # invariant: values[lo] has a cycle
        while lo < hi:
            mid = (lo + hi + 1) // 2
            sel = live[rem[live] >= values[mid]]
            if _has_cycle(n, src[sel], dst[sel]):
                lo = mid
            else:
                hi = mid - 1
        width = values[lo]
        sel = live[rem[live] >= width]
        labels, inside = strong_components(n, src[sel], dst[sel])
        bottleneck = sel[inside & (rem[sel] == width)][0]
        u, v = int(src[bottleneck]), int(dst[bottleneck])
        same = sel[inside & (labels[src[sel]] == labels[u])]
        graph = sparse.csr_array((np.ones(same.size), (src[same], dst[same])), shape=(n, n))
        _, pred = breadth_first_order(graph, v, directed=True, return_predecessors=True)
        path = [u]
        node = u
        while node != v:  # walk back from u to v along the BFS tree
            node = int(pred[node])
            path.append(node)
        path.reverse()  # v ... u, so the loop is u -> v -> ... -> u
        path = [u, *path[:-1]]
        start = path.index(min(path))
        path = path[start:] + path[:start]
        loop = np.asarray(path, dtype=np.int64)
        loop_keys = loop * n + np.roll(loop, -1)
        rem[sel[np.isin(src[sel] * n + dst[sel], loop_keys)]] -= width
        rem[bottleneck] = 0.0
        cycles.append((path, float(width)))
        live = live[rem[live] > tol * scale]
    return cycles


def top_cycles(
    circulation: Circulation | FlowInput,
    *,
    entities: Sequence[str] | None = None,
    max_cycles: int = 20,
) -> pd.DataFrame:
    """The largest loops of a circular part, for explanation and highlighting.

    A greedy cycle decomposition (:func:`peel_cycles`) of the circulation: the loop
    with the widest bottleneck first, its amount removed, and so on. A circulation has
    many cycle decompositions (Kalpazidou, "Cycle representations of Markov processes",
    Springer 2006, and Qian's probabilistic cycle weights); this one lists few, large
    loops, which is what a reader needs to see.

    Parameters
    ----------
    circulation : Circulation, or a balanced matrix
        The circular part to explain.
    entities : sequence of str, optional
        Ids for the rows of a matrix.
    max_cycles : int
        At most this many loops.

    Returns
    -------
    DataFrame
        ``rank``, ``path`` (entity ids from the alphabetically first, which is repeated at
        the end), ``length``,
        ``amount`` (what goes round the loop), ``flow`` (``amount * length``, the
        revenue the loop books) and ``share`` (of the circular flow).

    Examples
    --------
    >>> m = np.zeros((4, 4)); m[0, 1] = m[1, 2] = m[2, 0] = 100; m[0, 3] = m[3, 0] = 20
    >>> top_cycles(m, entities=["nvidia", "openai", "oracle", "xai"])[["path", "amount"]]
                                   path  amount
    0  [nvidia, openai, oracle, nvidia]   100.0
    1                [nvidia, xai, nvidia]    20.0
    """
    if max_cycles < 0:
        raise InputError(f"max_cycles must be >= 0, got {max_cycles}", field="max_cycles")
    if isinstance(circulation, Circulation):
        net = as_network(circulation.circular_matrix, entities=circulation.entities)
    else:
        net = as_network(circulation, entities=entities)
    total = float(net.amount.sum())
    found = peel_cycles(net.n, net.src, net.dst, net.amount, max_cycles=max_cycles)
    ids = net.entities
    loops = []
    for path, amount in found:
        named = [ids[i] for i in path]
        first = named.index(min(named))  # start at the alphabetically first entity
        named = named[first:] + named[:first]
        loops.append((named + named[:1], amount))
    rows = [
        {
            "rank": k + 1,
            "path": path,
            "length": len(path) - 1,
            "amount": amount,
            "flow": amount * (len(path) - 1),
            "share": amount * (len(path) - 1) / total if total > 0 else 0.0,
        }
        for k, (path, amount) in enumerate(loops)
    ]
    return pd.DataFrame(rows, columns=_CYCLE_COLUMNS)
