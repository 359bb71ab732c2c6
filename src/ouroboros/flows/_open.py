"""Open-system measures: return probabilities and Finn's cycling index."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.linalg import splu

from ouroboros.flows._network import (
    FlowInput,
    as_network,
    by_component,
    excluded_mask,
    ratio,
    strong_components,
)

__all__ = ["OpenSystem", "open_system", "return_diagonal"]

_DENSE_LIMIT = 4000
# an SCC whose rows leak less than this is closed: money that enters never leaves
_CLOSED = 1e-12


@dataclass(frozen=True)
class OpenSystem:
    """Return probabilities and Finn's cycling index of an open flow network.

    Attributes
    ----------
    entities : DataFrame
        One row per inside entity: ``id``, ``inflow``, ``outflow``, ``throughflow``
        (``max(inflow, outflow)``), ``cycled`` (probability that a dollar passing
        through the entity comes back to it), ``return_probability`` (probability that a
        dollar the entity pays out comes back to it; NaN if it pays nothing) and
        ``cycled_throughflow`` (``cycled * throughflow``).
    finn_cycling_index : float
        Cycled throughflow over total system throughflow (0 when there is no flow).
    total_system_throughflow : float
        Sum of the inside entities' throughflows.
    outside : list of str
        The boundary entities (rest of the world).
    """

    entities: pd.DataFrame
    finn_cycling_index: float
    total_system_throughflow: float
    outside: list[str]


def return_diagonal(
    k: int, src: NDArray[np.int64], dst: NDArray[np.int64], share: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return probabilities ``1 - 1/N_ii`` of the substochastic matrix ``G`` on one SCC.

    ``N = (I - G)^-1`` is the fundamental (Leontief) matrix; ``N_ii`` counts the
    expected visits of a unit starting at ``i`` (including the start), so ``1 - 1/N_ii``
    is the probability of coming back. A component that leaks nothing is closed: every
    unit comes back (probability 1).
    """
    leak = 1.0 - np.bincount(src, weights=share, minlength=k)
    if leak.max() <= _CLOSED:
        return np.ones(k)
    if k <= _DENSE_LIMIT:
        a = np.eye(k)
        np.add.at(a, (src, dst), -share)
        diag = np.diag(np.linalg.inv(a))
    else:
        a = sparse.csc_array(
            (
                np.concatenate([np.ones(k), -share]),
                (np.concatenate([np.arange(k), src]), np.concatenate([np.arange(k), dst])),
            ),
            shape=(k, k),
        )
        lu = splu(a)
        diag = np.empty(k)
        for lo in range(0, k, 256):  # the diagonal of the inverse, 256 columns at a time
            hi = min(k, lo + 256)
            rhs = np.zeros((k, hi - lo))
            rhs[np.arange(lo, hi), np.arange(hi - lo)] = 1.0
            diag[lo:hi] = lu.solve(rhs)[np.arange(lo, hi), np.arange(hi - lo)]
    return np.clip(1.0 - 1.0 / diag, 0.0, 1.0)


def open_system(
    flows: FlowInput,
    *,
    entities: Sequence[str] | None = None,
    outside: Collection[str] = (),
) -> OpenSystem:
    """How likely a dollar is to come back, per entity and for the whole web.

    The web is an open system: ``outside`` entities (the rest of the world) are its
    boundary, where money enters (outside revenue and funding) and leaves. Each inside
    entity ``i`` has throughflow ``T_i = max(inflow_i, outflow_i)`` (inflows include
    money from outside; when they differ, the surplus is treated as retained, or the
    deficit as funded from outside, which balances the node as in ecological network
    analysis). The flow shares ``G_ij = W_ij / T_i`` between inside entities form a
    substochastic matrix; outflows to the outside and retained money are absorption.
    With the fundamental (Leontief) matrix ``N = (I - G)^-1``:

    * ``cycled_i = (N_ii - 1) / N_ii`` is the probability that a dollar passing through
      ``i`` comes back to ``i``;
    * ``return_probability_i = cycled_i * T_i / outflow_i`` is the probability that a
      dollar ``i`` pays out comes back to it;
    * Finn's cycling index ``FCI = sum_i cycled_i T_i / sum_i T_i`` is the share of the
      total system throughflow that is cycled (Finn, J. Theor. Biol. 56, 1976;
      Finn, Ecology 61, 1980; computed as in Allesina & Ulanowicz, "Cycling in
      ecological networks: Finn's index revisited", Comput. Biol. Chem. 28, 2004).

    Only entities in a strongly connected component can return anything, so ``N`` is
    computed per component.

    Parameters
    ----------
    flows : FlowView, sparse matrix or 2-D array
        ``[i, j]`` is what ``i`` pays ``j``.
    entities : sequence of str, optional
        Ids for the rows of a matrix.
    outside : collection of str
        The boundary entities.

    Returns
    -------
    OpenSystem

    Examples
    --------
    The world pays A 10; A pays B 15; B pays A 5 and the world 10. A dollar A pays goes
    to B, which sends a third of its money back: both return with probability 1/3, and
    10 of the 30 units of throughflow are cycled.

    >>> m = np.array([[0, 10, 0], [0, 0, 15], [10, 5, 0.]])
    >>> res = open_system(m, entities=["world", "a", "b"], outside=["world"])
    >>> res.entities["return_probability"].round(4).tolist(), round(res.finn_cycling_index, 4)
    ([0.3333, 0.3333], 0.3333)
    """
    net = as_network(flows, entities=entities)
    mask = excluded_mask(net.entities, outside)
    n = net.n
    inflow = np.bincount(net.dst, weights=net.amount, minlength=n)
    outflow = np.bincount(net.src, weights=net.amount, minlength=n)
    through = np.maximum(inflow, outflow)
    inner = ~(mask[net.src] | mask[net.dst])
    src, dst, amt = net.src[inner], net.dst[inner], net.amount[inner]
    cycled = np.zeros(n)
    labels, inside = strong_components(n, src, dst)
    for e, nodes, a, b in by_component(labels, np.flatnonzero(inside), src, dst):
        share = amt[e] / through[src[e]]
        cycled[nodes] = return_diagonal(nodes.size, a, b, share)
    keep = ~mask
    ret = np.clip(ratio(cycled * through, outflow), 0.0, 1.0)  # NaN stays NaN
    table = pd.DataFrame(
        {
            "id": np.asarray(net.entities, dtype=object)[keep],
            "inflow": inflow[keep],
            "outflow": outflow[keep],
            "throughflow": through[keep],
            "cycled": cycled[keep],
            "return_probability": ret[keep],
            "cycled_throughflow": (cycled * through)[keep],
        }
    )
    tst = float(through[keep].sum())
    fci = float((cycled * through)[keep].sum() / tst) if tst > 0 else 0.0
    return OpenSystem(
        entities=table,
        finn_cycling_index=fci,
        total_system_throughflow=tst,
        outside=sorted(outside),
    )
