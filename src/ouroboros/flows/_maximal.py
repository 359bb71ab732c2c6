"""Maximal circulation (MTCS) as a min-cost-flow problem on integer amounts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy import sparse

from ouroboros.errors import ConvergenceError, InputError
from ouroboros.flows._network import (
    FlowInput,
    Network,
    as_network,
    excluded_mask,
    from_units,
    strong_components,
    to_units,
)
from ouroboros.flows._result import Circulation, make_circulation

__all__ = ["max_circulation_units", "maximal_circulation"]


def max_circulation_units(
    n: int,
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    capacity: NDArray[np.int64],
    weight: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Kernel: the integer circulation ``0 <= c <= capacity`` of largest ``sum(weight * c)``.

    With unit weights this is the largest circulation, i.e. the smallest remaining flow
    ``r = capacity - c`` with every node's net position unchanged, which is the MTCS
    problem of Fleischman & Dini (2021) written as a min-cost circulation (cost
    ``-weight`` per unit on every arc, no supplies). Only arcs inside a non-trivial
    strongly connected component can carry circulation, so the solver sees only those.

    Parameters
    ----------
    n : int
        Number of nodes.
    src, dst : ndarray of int64
        Arcs (parallel arcs allowed).
    capacity : ndarray of int64
        Arc capacities (the flow on each arc, in integer units).
    weight : ndarray of int64, optional
        Non-negative priority per arc (1 by default); arcs of weight 0 carry nothing.

    Returns
    -------
    ndarray of int64
        The circulation on every arc.

    Examples
    --------
    The three friends: 100 around a triangle, plus 30 more from a to b.

    >>> c = max_circulation_units(3, np.array([0, 1, 2]), np.array([1, 2, 0]),
    ...                           np.array([130, 100, 100]))
    >>> c.tolist()
    [100, 100, 100]
    """
    circ = np.zeros(src.size, dtype=np.int64)
    live = capacity > 0
    if weight is not None:
        if weight.size and weight.min() < 0:
            raise InputError("weights must be >= 0", field="weights")
        live &= weight > 0
    arcs = np.flatnonzero(live)
    if arcs.size == 0:
        return circ
    _, inside = strong_components(n, src[arcs], dst[arcs])
    arcs = arcs[inside]
    if arcs.size == 0:
        return circ
    k = arcs.size
    _, compact = np.unique(np.concatenate([src[arcs], dst[arcs]]), return_inverse=True)
    cost = -np.ones(k, dtype=np.int64) if weight is None else -weight[arcs].astype(np.int64)
    solver = min_cost_flow.SimpleMinCostFlow()
    handles = solver.add_arcs_with_capacity_and_unit_cost(
        compact[:k].astype(np.int32),
        compact[k:].astype(np.int32),
        capacity[arcs].astype(np.int64),
        cost,
    )
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise ConvergenceError(f"the min-cost-flow solver stopped with status {status.name}")
    circ[arcs] = solver.flows(handles)
    return circ


def _weights_on(net: Network, weights: FlowInput) -> NDArray[np.int64]:
    """The weight of each edge of ``net`` from a weight matrix (missing entries are 0)."""
    from ouroboros.views import FlowView

    if isinstance(weights, FlowView):
        raise InputError("weights must be a matrix, not a FlowView", field="weights")
    if sparse.issparse(weights):
        mat = sparse.coo_array(weights)
    else:
        mat = sparse.coo_array(np.asarray(weights, dtype=np.float64))
    if mat.shape != (net.n, net.n):
        raise InputError(
            f"weights must be {net.n} x {net.n} like the flows, got {mat.shape}", field="weights"
        )
    mat.sum_duplicates()
    data = np.asarray(mat.data, dtype=np.float64)
    if data.size and not (
        np.all(np.isfinite(data)) and data.min() >= 0 and np.all(data == np.round(data))
    ):
        raise InputError("weights must be whole numbers >= 0", field="weights")
    key = np.asarray(mat.row, dtype=np.int64) * net.n + np.asarray(mat.col, dtype=np.int64)
    order = np.argsort(key)
    key, data = key[order], data[order]
    if key.size == 0:
        return np.zeros(net.src.size, dtype=np.int64)
    want = net.src * net.n + net.dst
    pos = np.minimum(np.searchsorted(key, want), key.size - 1)
    return np.where(key[pos] == want, data[pos], 0.0).astype(np.int64)


def maximal_circulation(
    flows: FlowInput,
    *,
    entities: Sequence[str] | None = None,
    exclude: Collection[str] = (),
    weights: FlowInput | None = None,
    resolution: float | None = None,
) -> Circulation:
    """The maximal circulation: the largest circular part with net positions unchanged.

    Multilateral trade-credit set-off (MTCS) of Fleischman & Dini, "Mathematical
    foundations for balancing the payment system in the trade credit market", J. Risk
    Financial Manag. 14(9):452 (2021), which is also the "maximal" circular/directional
    flow decomposition of Homs-Dones, MacKay, Sansom & Zhou, arXiv:2506.12546 (2025):
    minimise the flow ``r`` that must remain, ``0 <= r <= w`` on every edge, with every
    entity's net position fixed; the circular part is ``c = w - r``. Solved exactly as a
    min-cost circulation with OR-Tools' ``SimpleMinCostFlow`` on amounts rounded down to
    whole multiples of ``resolution`` (cents by default), on the strongly connected
    components only.

    Parameters
    ----------
    flows : FlowView, sparse matrix or 2-D array
        ``[i, j]`` is what ``i`` pays ``j``; the diagonal is ignored.
    entities : sequence of str, optional
        Ids for the rows of a matrix (``"0"``, ``"1"``... by default).
    exclude : collection of str
        Entities that cannot close a loop (the rest of the world: cycles through it are
        not circular); their edges keep all their flow in the remainder.
    weights : sparse matrix or 2-D array, optional
        Whole-number priority per edge, as in MTCS with priorities: the solver maximises
        ``sum(weight * circular)``; an edge of weight 0 is never set off. With weights the
        circular part is no longer the largest possible.
    resolution : float, optional
        Smallest amount distinguished (one cent in the data's unit by default).

    Returns
    -------
    Circulation

    Examples
    --------
    Nvidia invests 100 in OpenAI, OpenAI pays 100 to Oracle, Oracle buys 100 of chips;
    outside customers pay Oracle 50.

    >>> m = np.array([[0, 100, 0, 0], [0, 0, 100, 0], [100, 0, 0, 0], [0, 0, 50, 0.]])
    >>> res = maximal_circulation(m, entities=["nvidia", "openai", "oracle", "world"])
    >>> res.total_flow, res.circular_flow, round(res.circularity, 4)
    (350.0, 300.0, 0.8571)
    >>> res.nid_before == res.nid_after
    True
    """
    net = as_network(flows, entities=entities, resolution=resolution)
    mask = excluded_mask(net.entities, exclude)
    cap = to_units(net.amount, net.resolution)
    cap[mask[net.src] | mask[net.dst]] = 0
    weight = None if weights is None else _weights_on(net, weights)
    units = max_circulation_units(net.n, net.src, net.dst, cap, weight)
    circular = from_units(units, net.amount, net.resolution)
    params: dict[str, Any] = {
        "exclude": sorted(exclude),
        "resolution": net.resolution,
        "weighted": weights is not None,
        "solver": "ortools.SimpleMinCostFlow",
    }
    return make_circulation(net, circular, "maximal", params)
