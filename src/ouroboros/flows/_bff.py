"""Balanced Flow Forwarding (BFF): the unique, locally fair circular part of a network."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.sparse.linalg import spsolve

from ouroboros.errors import ConvergenceError
from ouroboros.flows._network import (
    FlowInput,
    as_network,
    by_component,
    excluded_mask,
    strong_components,
)
from ouroboros.flows._result import Circulation, make_circulation

__all__ = ["bff_circulation", "bff_circulation_edges", "forwarding_rates", "round_circulation"]

# Up to this many nodes a strongly connected component is solved exactly (dense LU);
# above, by power iteration from the previous round's answer, with sparse LU as fallback.
_DENSE_LIMIT = 150
_POWER_STEPS = 3000
_POWER_TOL = 1e-12
# A remainder below this fraction of the edge's flow is rounding noise, not flow.
_ZERO = 1e-12


def _stationary_direct(
    k: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    weight: NDArray[np.float64],
    out: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``x`` with ``(diag(out) - W^T) x = 0``, fixed at the node with most outflow."""
    root = int(np.argmax(out))
    keep = np.flatnonzero(np.arange(k) != root)
    if k <= _DENSE_LIMIT:
        m = np.diag(out)
        np.add.at(m, (dst, src), -weight)
        x_keep = np.linalg.solve(m[np.ix_(keep, keep)], -m[keep, root])
    else:
        m = sparse.csc_array(
            (
                np.concatenate([out, -weight]),
                (np.concatenate([np.arange(k), dst]), np.concatenate([np.arange(k), src])),
            ),
            shape=(k, k),
        )
        rhs = -m[:, [root]].toarray().ravel()[keep]
        a = m[keep][:, keep].tocsc()
        x_keep = np.atleast_1d(spsolve(a, rhs, permc_spec="MMD_AT_PLUS_A"))
    x = np.empty(k)
    x[root] = 1.0
    x[keep] = x_keep
    return x


def _stationary_power(
    k: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    weight: NDArray[np.float64],
    out: NDArray[np.float64],
    start: NDArray[np.float64] | None,
) -> NDArray[np.float64] | None:
    """Stationary distribution of the lazy chain ``(I + P) / 2`` (same as ``P``'s)."""
    pt = sparse.csr_array((weight / out[src], (dst, src)), shape=(k, k))
    pi = np.full(k, 1.0 / k) if start is None else start / start.sum()
    for _ in range(_POWER_STEPS):
        new = 0.5 * (pi + pt @ pi)
        change = float(np.abs(new - pi).sum())
        pi = new
        if change < _POWER_TOL:
            return np.asarray(pi, dtype=np.float64)
    return None


def forwarding_rates(
    k: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    weight: NDArray[np.float64],
    start: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """BFF forwarding rate of each node of one strongly connected graph, max 1.

    With ``P`` the row-normalised flow matrix and ``pi`` its stationary distribution,
    the balanced flow ``pi_i * P_ij`` equals ``x_i * w_ij`` with ``x_i = pi_i / out_i``:
    every node forwards the same fraction ``x_i`` of each of its outgoing edges. ``x``
    spans the null space of ``diag(out) - W^T``. Up to 150 nodes it is solved exactly by
    fixing ``x`` at the node with most outflow; larger components use power iteration
    on the lazy chain (from ``start``, a guess of ``pi``, if given) to an L1 change below
    ``1e-12``, or sparse LU if that does not converge. ``x`` is scaled to ``max(x) == 1``.

    Examples
    --------
    Node 0 pays 1 to node 1 and 1 to node 2; 1 pays 1 to 2; 2 pays 1 back to 0. The
    stationary distribution is (0.4, 0.2, 0.4) and the outflows (2, 1, 1), so
    ``x = (0.2, 0.2, 0.4)``, scaled ``(0.5, 0.5, 1)``.

    >>> forwarding_rates(3, np.array([0, 0, 1, 2]), np.array([1, 2, 2, 0]),
    ...                  np.ones(4)).round(6).tolist()
    [0.5, 0.5, 1.0]
    """
    out = np.bincount(src, weights=weight, minlength=k).astype(np.float64)
    x: NDArray[np.float64] | None = None
    if k > _DENSE_LIMIT:
        pi = _stationary_power(k, src, dst, weight, out, start)
        if pi is not None:
            x = pi / out
    if x is None:
        x = _stationary_direct(k, src, dst, weight, out)
    x = np.clip(x, 0.0, None)
    return np.asarray(x / x.max(), dtype=np.float64)


def bff_circulation_edges(
    n: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    amount: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Kernel: the BFF circular part of every edge (same order as the input).

    Repeats until no cycle is left: split the remaining flow into strongly connected
    components; in each non-trivial one take the balanced flow ``x_i * w_ij`` of
    :func:`forwarding_rates` (its largest multiple that fits: the nodes with the top rate
    have all their outgoing edges in the component used up); subtract it. Each round
    removes at least one node from every cycle-carrying component, so there are at most
    ``n`` rounds. Edges that leave the components are dropped for good (removing flow
    only splits components), and each round's stationary distribution starts the next.
    """
    amount = np.asarray(amount, dtype=np.float64)
    rem = amount.copy()
    circ = np.zeros_like(rem)
    rate = np.zeros_like(rem)  # this round's forwarding rate of each edge's payer
    pi_prev = np.zeros(n)  # last stationary weight of each node, a warm start
    live = np.flatnonzero(rem > 0)
    for _ in range(n + 2):
        live = live[rem[live] > 0]
        labels, inside = strong_components(n, src[live], dst[live])
        live = live[inside]
        if live.size == 0:
            return circ
        for e, nodes, a, b in by_component(labels, live, src, dst):
            guess = pi_prev[nodes]
            start = guess if guess.min() > 0 else None
            rates = forwarding_rates(nodes.size, a, b, rem[e], start)
            out = np.bincount(a, weights=rem[e], minlength=nodes.size)
            pi_prev[nodes] = rates * out
            rate[e] = rates[a]
        alpha = rate[live]
        full = alpha >= 1.0 - 1e-12
        take = np.where(full, rem[live], rem[live] * alpha)
        circ[live] += take
        left = np.where(full, 0.0, rem[live] * (1.0 - alpha))
        left[left <= _ZERO * amount[live]] = 0.0
        rem[live] = left
    raise ConvergenceError(f"BFF did not finish within {n + 2} rounds")


def round_circulation(
    n: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    circular: NDArray[np.float64],
    capacity: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Round a real circulation to an integer one, each edge to its floor or ceiling.

    Flow polytopes are integral, so such a rounding always exists; it is found as a
    min-cost flow on the fractional edges (capacity 1, rounding up the edges with the
    largest fractions first), which keeps the result balanced at every node and within
    ``[0, capacity]``.
    """
    base = np.minimum(np.floor(circular + 1e-9).astype(np.int64), capacity)
    base = np.maximum(base, 0)
    frac = circular - base
    excess = np.bincount(dst, weights=base, minlength=n) - np.bincount(
        src, weights=base, minlength=n
    )
    excess = np.rint(excess).astype(np.int64)
    if not excess.any():
        return base
    up = np.flatnonzero(base < capacity)
    solver = min_cost_flow.SimpleMinCostFlow()
    handles = solver.add_arcs_with_capacity_and_unit_cost(
        src[up].astype(np.int32),
        dst[up].astype(np.int32),
        np.ones(up.size, dtype=np.int64),
        -np.rint(np.clip(frac[up], 0.0, 1.0) * 1e6).astype(np.int64),
    )
    solver.set_nodes_supplies(np.arange(n, dtype=np.int32), excess)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise ConvergenceError(f"rounding the BFF circulation failed: {status.name}")
    result = base.copy()
    result[up] += solver.flows(handles)
    return result


def bff_circulation(
    flows: FlowInput,
    *,
    entities: Sequence[str] | None = None,
    exclude: Collection[str] = (),
) -> Circulation:
    """The Balanced Flow Forwarding (BFF) circular part: unique and locally fair.

    Homs-Dones, MacKay, Sansom & Zhou, "Circular directional flow decomposition of
    networks", arXiv:2506.12546 (2025). What is implemented (the global form of the
    paper's algorithm): in every strongly connected component of the flow network, take
    the stationary distribution ``pi`` of the row-normalised flow matrix ``P``; the flow
    ``pi_i P_ij`` is balanced, so its largest multiple that fits under the flows is a
    circulation; subtract it and repeat on what is left until no cycle remains. The sum
    of these circulations is the BFF circular part: unique (stationary distributions of
    irreducible chains are unique), balanced at every entity, at most the flow on every
    edge, and at most the maximal circulation. It spreads the circular flow over all
    cycles in proportion to the network's own flow shares, which makes it the per-edge
    and per-entity attribution to report.

    Parameters
    ----------
    flows : FlowView, sparse matrix or 2-D array
        ``[i, j]`` is what ``i`` pays ``j``; the diagonal is ignored.
    entities : sequence of str, optional
        Ids for the rows of a matrix.
    exclude : collection of str
        Entities that cannot close a loop (the rest of the world).

    Returns
    -------
    Circulation

    Examples
    --------
    Edges 1→2, 2→3, 1→3, 3→1, all 1: BFF forwards half of node 1's outflow round both
    loops (2.5 of 4), where the maximal split puts 3 in the longer loop.

    >>> m = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0.]])
    >>> res = bff_circulation(m, entities=["1", "2", "3"])
    >>> res.circular_flow, res.circularity
    (2.5, 0.625)
    >>> res.edges[["payer", "payee", "circular"]].values.tolist()
    [['1', '2', 0.5], ['1', '3', 0.5], ['2', '3', 0.5], ['3', '1', 1.0]]
    """
    net = as_network(flows, entities=entities)
    mask = excluded_mask(net.entities, exclude)
    usable = ~(mask[net.src] | mask[net.dst])
    circular = np.zeros(net.amount.size)
    idx = np.flatnonzero(usable)
    circular[idx] = bff_circulation_edges(net.n, net.src[idx], net.dst[idx], net.amount[idx])
    params: dict[str, Any] = {"exclude": sorted(exclude)}
    return make_circulation(net, circular, "bff", params)
