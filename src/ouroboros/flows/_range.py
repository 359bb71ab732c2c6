"""How much of each entity's inflow can be circular across all maximal solutions."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from ortools.graph.python import max_flow
from scipy import sparse
from scipy.sparse.csgraph import bellman_ford, connected_components

from ouroboros.errors import ConvergenceError
from ouroboros.flows._maximal import max_circulation_units
from ouroboros.flows._network import (
    FlowInput,
    as_network,
    by_component,
    excluded_mask,
    from_units,
    ratio,
    to_units,
)

__all__ = ["circular_inflow_range", "inflow_range_units", "optimal_face"]


def optimal_face(
    n: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    capacity: NDArray[np.int64],
    circ: NDArray[np.int64],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which edges are fixed at full flow and which are free in every maximal circulation.

    ``circ`` must be a maximal circulation. Shortest-path distances in its residual graph
    are optimal node potentials (LP duals); by complementary slackness every maximal
    circulation saturates the edges of negative reduced cost, leaves the edges of
    positive reduced cost empty and may use any amount of the zero-reduced-cost edges.

    Returns
    -------
    full, free : ndarray of bool
        Edges at ``capacity`` in every maximal solution, and edges free within
        ``[0, capacity]``; the others carry nothing in every maximal solution.
    """
    m = src.size
    fwd = circ < capacity  # residual i -> j, cost -1
    bwd = circ > 0  # residual j -> i, cost +1
    tail = np.concatenate([src[fwd], dst[bwd], np.full(n, n, dtype=np.int64)])
    head = np.concatenate([dst[fwd], src[bwd], np.arange(n, dtype=np.int64)])
    cost = np.concatenate([-np.ones(int(fwd.sum())), np.ones(int(bwd.sum())), np.ones(n)])
    # parallel residual arcs: keep the cheapest (a sparse matrix would add them up)
    key = tail * (n + 1) + head
    order = np.lexsort((cost, key))
    key, cost = key[order], cost[order]
    first = np.r_[True, key[1:] != key[:-1]]
    graph = sparse.csr_array(
        (cost[first], (key[first] // (n + 1), key[first] % (n + 1))), shape=(n + 1, n + 1)
    )
    try:
        dist = bellman_ford(graph, directed=True, indices=n)
    except Exception as exc:  # a negative cycle: circ was not maximal
        raise ConvergenceError(f"the circulation is not maximal ({exc})") from None
    dist = np.rint(dist[:n]).astype(np.int64)
    reduced = -1 + dist[src] - dist[dst] if m else np.zeros(0, dtype=np.int64)
    full = (reduced < 0) & (capacity > 0)
    free = (reduced == 0) & (capacity > 0)
    return full, free


def _through(
    k: int,
    tail: NDArray[np.int64],
    head: NDArray[np.int64],
    cap: NDArray[np.int64],
    forward: NDArray[np.bool_],
    v: int,
    grow: bool,
) -> int:
    """Largest circulation that can be pushed through ``v`` in the residual graph.

    ``grow``: cycles that leave ``v`` by a forward arc and come back by a forward arc
    (more circular inflow); otherwise cycles that leave and come back by backward arcs
    (less). ``v`` is split: its entry arcs go to a new sink ``k``; its other arcs, which
    would mix the two kinds, are left out.
    """
    kind = forward if grow else ~forward
    touches = (tail == v) | (head == v)
    keep = (cap > 0) & (~touches | kind)
    t, h = tail[keep], head[keep]
    h = np.where(h == v, k, h)
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(t.astype(np.int32), h.astype(np.int32), cap[keep])
    status = solver.solve(int(v), int(k))
    if status != solver.OPTIMAL:
        raise ConvergenceError(f"range solve stopped with status {status}")
    return int(solver.optimal_flow())


def inflow_range_units(
    n: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    capacity: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Kernel: min and max circular inflow of every node over all maximal circulations.

    Instead of one linear programme per entity over the whole network, the set of
    maximal circulations is written once as a face of the flow polytope
    (:func:`optimal_face`). Two maximal circulations differ by a circulation on the
    residual graph of the free edges, so an entity's largest (least) circular inflow is
    one maximal solution's plus (minus) a maximum flow from the entity back to itself
    through that residual graph (:func:`_through`), computed on the entity's weakly
    connected part of the free edges with OR-Tools' ``SimpleMaxFlow``.

    Returns
    -------
    circ, lo, hi : ndarray of int64
        One maximal circulation (per edge) and the least and largest circular inflow of
        each node.
    """
    circ = max_circulation_units(n, src, dst, capacity)
    _, free = optimal_face(n, src, dst, capacity, circ)
    inflow = np.zeros(n, dtype=np.int64)
    np.add.at(inflow, dst, circ)
    lo = inflow.copy()
    hi = inflow.copy()
    fe = np.flatnonzero(free)
    if fe.size == 0:
        return circ, lo, hi
    graph = sparse.csr_array((np.ones(fe.size), (src[fe], dst[fe])), shape=(n, n))
    _, comp = connected_components(graph, directed=True, connection="weak")
    for e, nodes, a, b in by_component(comp, fe, src, dst):
        # residual arcs: forward i -> j (room left), backward j -> i (flow to cancel)
        tail = np.concatenate([a, b])
        head = np.concatenate([b, a])
        cap = np.concatenate([capacity[e] - circ[e], circ[e]])
        forward = np.r_[np.ones(e.size, bool), np.zeros(e.size, bool)]
        for v in np.unique(b):  # entities with a free incoming edge
            g = nodes[v]
            hi[g] += _through(nodes.size, tail, head, cap, forward, int(v), grow=True)
            lo[g] -= _through(nodes.size, tail, head, cap, forward, int(v), grow=False)
    return circ, lo, hi


def circular_inflow_range(
    flows: FlowInput,
    *,
    entities: Sequence[str] | None = None,
    exclude: Collection[str] = (),
    resolution: float | None = None,
) -> pd.DataFrame:
    """The least and largest circular inflow of each entity over all maximal solutions.

    The maximal circulation (Fleischman & Dini 2021; Homs-Dones et al. 2025) is unique
    in total but usually not per edge, so an entity's circular share of revenue is a
    range. For each entity this is the pair of linear programmes "min / max its
    circular inflow subject to: balanced, ``0 <= c <= w``, total circulation at its
    maximum", solved exactly on integer amounts through the optimal face (see
    :func:`inflow_range_units`).

    Returns
    -------
    DataFrame
        ``id``, ``inflow``, ``circular_inflow_min``, ``circular_inflow_max``,
        ``circular_share_min``, ``circular_share_max`` (NaN without inflow).

    Examples
    --------
    Two loops share the edge x → hub (4): x → hub → a → x can take 3, x → hub → b → x
    can take 2, so a receives 2 to 3 of circular flow and b 1 to 2.

    >>> m = np.zeros((4, 4))
    >>> m[0, 1], m[1, 2], m[1, 3], m[2, 0], m[3, 0] = 4, 3, 2, 3, 2
    >>> df = circular_inflow_range(m, entities=["x", "hub", "a", "b"])
    >>> df[["id", "circular_inflow_min", "circular_inflow_max"]].values.tolist()
    [['x', 4.0, 4.0], ['hub', 4.0, 4.0], ['a', 2.0, 3.0], ['b', 1.0, 2.0]]
    """
    net = as_network(flows, entities=entities, resolution=resolution)
    mask = excluded_mask(net.entities, exclude)
    cap = to_units(net.amount, net.resolution)
    cap[mask[net.src] | mask[net.dst]] = 0
    _, lo, hi = inflow_range_units(net.n, net.src, net.dst, cap)
    inflow = np.bincount(net.dst, weights=net.amount, minlength=net.n)
    lo_f = np.minimum(from_units(lo, np.full(net.n, np.inf), net.resolution), inflow)
    hi_f = np.minimum(from_units(hi, np.full(net.n, np.inf), net.resolution), inflow)
    return pd.DataFrame(
        {
            "id": net.entities,
            "inflow": inflow,
            "circular_inflow_min": lo_f,
            "circular_inflow_max": hi_f,
            "circular_share_min": ratio(lo_f, inflow),
            "circular_share_max": ratio(hi_f, inflow),
        }
    )
