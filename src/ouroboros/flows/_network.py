"""Array plumbing shared by the circulation engines: inputs, integer units, SCCs.

Kernels work on edge lists ``(src, dst, amount)`` over ``n`` nodes; adapters turn a
:class:`~ouroboros.views.FlowView`, a sparse matrix or a dense array into that form.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ouroboros.errors import InputError

if TYPE_CHECKING:  # the ledger model and views load on first use: `clear` needs neither
    from ouroboros.views import FlowView

__all__ = [
    "FlowInput",
    "Network",
    "aggregate_pairs",
    "as_network",
    "by_component",
    "excluded_mask",
    "from_units",
    "net_internal_debt",
    "ratio",
    "strong_components",
    "to_units",
]

FlowInput: TypeAlias = "FlowView | sparse.sparray | sparse.spmatrix | NDArray[Any]"
"""Anything the engines accept as a flow matrix: ``[i, j]`` is what ``i`` pays ``j``."""

# Integer amounts must stay exact in float64 and leave OR-Tools headroom for sums.
_MAX_UNITS = 2**53


@dataclass(frozen=True)
class Network:
    """A weighted directed network as a de-duplicated edge list.

    Attributes
    ----------
    entities : list of str
        Node ids in index order.
    src, dst : ndarray of int64
        Payer and payee of each edge (no self-loops, each pair once).
    amount : ndarray of float64
        The flow on each edge (> 0).
    resolution : float
        Smallest amount the exact (integer) engines distinguish, in the data's unit.
    """

    entities: list[str]
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    amount: NDArray[np.float64]
    resolution: float

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.entities)

    def matrix(self, values: NDArray[np.float64] | None = None) -> sparse.csr_array:
        """The edges as an ``n x n`` CSR array (``values`` instead of ``amount`` if given)."""
        data = self.amount if values is None else values
        return sparse.csr_array((data, (self.src, self.dst)), shape=(self.n, self.n))


def as_network(
    flows: FlowInput,
    *,
    entities: Sequence[str] | None = None,
    resolution: float | None = None,
) -> Network:
    """Turn a flow matrix (or a :class:`FlowView`) into a :class:`Network`.

    The diagonal (an entity paying itself) is dropped: it is circular by definition and
    says nothing about the web. Amounts must be finite and ``>= 0``.

    ``resolution`` defaults to one cent: ``0.01`` divided by the unit's scale for a
    ``FlowView`` (``1e-11`` for a dataset in USD billions), ``0.01`` for plain arrays.
    """
    from ouroboros.model import UNIT_SCALES
    from ouroboros.views import FlowView

    unit_scale = 1.0
    if isinstance(flows, FlowView):
        if entities is not None and list(entities) != flows.entities:
            raise InputError("entities must not be given with a FlowView", field="entities")
        ids = list(flows.entities)
        mat = sparse.coo_array(flows.matrix)
        unit_scale = UNIT_SCALES.get(flows.unit, 1.0)
    else:
        if sparse.issparse(flows):
            mat = sparse.coo_array(flows)
        else:
            arr = np.asarray(flows, dtype=np.float64)
            if arr.ndim != 2:
                raise InputError(f"the flow matrix must be 2-D, got {arr.ndim}-D", field="flows")
            mat = sparse.coo_array(arr)
        if mat.shape[0] != mat.shape[1]:
            raise InputError(f"the flow matrix must be square, got {mat.shape}", field="flows")
        n = mat.shape[0]
        ids = [str(i) for i in range(n)] if entities is None else [str(e) for e in entities]
        if len(ids) != n:
            raise InputError(f"{len(ids)} entity ids for a {n} x {n} flow matrix", field="entities")
        if len(set(ids)) != len(ids):
            raise InputError("entity ids must be unique", field="entities")
    data = np.asarray(mat.data, dtype=np.float64)
    if data.size and not np.all(np.isfinite(data)):
        raise InputError("flow amounts must be finite numbers", field="flows")
    if data.size and data.min() < 0:
        raise InputError(f"flow amounts must be >= 0, got {data.min():g}", field="flows")
    row = np.asarray(mat.row, dtype=np.int64)
    col = np.asarray(mat.col, dtype=np.int64)
    keep = (row != col) & (data > 0)
    src, dst, amount, _ = aggregate_pairs(row[keep], col[keep], data[keep], len(ids))
    if resolution is None:
        resolution = 0.01 / unit_scale
    if not (np.isfinite(resolution) and resolution > 0):
        raise InputError(f"resolution must be a number > 0, got {resolution}", field="resolution")
    return Network(ids, src, dst, amount.astype(np.float64), float(resolution))


def aggregate_pairs(
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    amount: NDArray[Any],
    n: int,
    group: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[Any], NDArray[np.int64]]:
    """Sum parallel edges: one edge per ``(src, dst)`` (and ``group``, if given).

    Returns the unique ``src``, ``dst``, summed ``amount`` (same dtype) and, for every
    input edge, the index of its aggregated edge. Aggregated edges are sorted by
    ``(group, src, dst)``.
    """
    key = src * np.int64(n) + dst
    if group is not None:
        key = key + group.astype(np.int64) * np.int64(n) * np.int64(n)
    if key.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, amount[:0], empty
    order = np.argsort(key, kind="stable")
    ks = key[order]
    first = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    summed = np.add.reduceat(amount[order], first)
    inverse = np.empty(key.size, dtype=np.int64)
    inverse[order] = np.cumsum(np.r_[False, ks[1:] != ks[:-1]])
    uk = ks[first] % (np.int64(n) * np.int64(n))
    return uk // n, uk % n, summed, inverse


def strong_components(
    n: int, src: NDArray[np.int64], dst: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Strongly connected component labels and which edges lie inside a non-trivial one.

    Only edges inside a strongly connected component with two or more nodes can carry
    circulation; every other edge is directional by construction.
    """
    if src.size == 0:
        return np.arange(n, dtype=np.int64), np.zeros(0, dtype=bool)
    graph = sparse.csr_array((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    labels = labels.astype(np.int64)
    sizes = np.bincount(labels, minlength=int(labels.max()) + 1)
    inside = (labels[src] == labels[dst]) & (sizes[labels[src]] > 1)
    return labels, inside


def by_component(
    labels: NDArray[np.int64],
    edges: NDArray[np.int64],
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]]:
    """The ``edges`` grouped by the component ``labels`` of their payer, one group at a time.

    Yields ``(e, nodes, a, b)``: the group's edge indices (in their order in ``edges``),
    its nodes (sorted), and the payer and payee of each edge as positions in ``nodes``,
    so a component can be solved as a small network of its own.

    Examples
    --------
    >>> groups = by_component(np.array([0, 0, 1, 1]), np.array([0, 1, 2]),
    ...                       np.array([0, 1, 2]), np.array([1, 0, 3]))
    >>> [(e.tolist(), nodes.tolist(), a.tolist(), b.tolist()) for e, nodes, a, b in groups]
    [([0, 1], [0, 1], [0, 1], [1, 0]), ([2], [2, 3], [0], [1])]
    """
    if edges.size == 0:
        return
    comp = labels[src[edges]]
    order = np.argsort(comp, kind="stable")
    edges, comp = edges[order], comp[order]
    cuts = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1], True])
    for lo, hi in itertools.pairwise(cuts):
        e = edges[lo:hi]
        nodes, local = np.unique(np.concatenate([src[e], dst[e]]), return_inverse=True)
        yield e, nodes, local[: e.size], local[e.size :]


def ratio(part: NDArray[Any], whole: NDArray[Any]) -> NDArray[np.float64]:
    """``part / whole`` where ``whole > 0``, NaN elsewhere (a share of nothing).

    >>> ratio(np.array([1.0, 2.0]), np.array([4.0, 0.0])).tolist()
    [0.25, nan]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), np.nan)


def _whole_per_unit(resolution: float) -> int | None:
    """``1 / resolution`` if it is a whole number (100 for cents), else None."""
    inv = 1.0 / resolution
    return round(inv) if abs(inv - round(inv)) < 1e-9 * inv else None


def to_units(amount: NDArray[np.float64], resolution: float) -> NDArray[np.int64]:
    """Amounts as whole multiples of ``resolution``, rounded down (never up).

    Rounding down keeps every integer amount ``<=`` its float amount, so a remainder
    ``amount - units * resolution`` is never negative; values within ``1e-6`` of a
    multiple count as that multiple (``5594.04`` is 559404 cents, not 559403).
    """
    per = _whole_per_unit(resolution)
    scaled = amount * per if per is not None else amount / resolution
    total = float(np.sum(scaled)) if scaled.size else 0.0
    if total >= _MAX_UNITS:
        raise InputError(
            f"the total flow is {total:.3g} times the resolution {resolution:g}, more than "
            f"2**53; pass a coarser resolution",
            field="resolution",
        )
    return np.floor(np.round(scaled, 6)).astype(np.int64)


def from_units(
    units: NDArray[np.int64], amount: NDArray[np.float64], resolution: float
) -> NDArray[np.float64]:
    """Integer amounts back to the data's unit, capped at the original ``amount``."""
    per = _whole_per_unit(resolution)
    value = units / per if per is not None else units * resolution
    return np.minimum(np.asarray(value, dtype=np.float64), amount)


def net_internal_debt(
    n: int, src: NDArray[np.int64], dst: NDArray[np.int64], amount: NDArray[Any]
) -> float:
    """Net internal debt (NID): the sum of positive net positions (received − paid).

    It equals the sum of negative positions in size; removing a circulation leaves it
    unchanged (Fleischman & Dini 2021).
    """
    net = np.bincount(dst, weights=amount, minlength=n) - np.bincount(
        src, weights=amount, minlength=n
    )
    return float(net[net > 0].sum())


def excluded_mask(entities: Sequence[str], exclude: Collection[str]) -> NDArray[np.bool_]:
    """Boolean mask of the entities named in ``exclude`` (unknown ids are an error)."""
    index = {e: i for i, e in enumerate(entities)}
    mask = np.zeros(len(entities), dtype=bool)
    for e in exclude:
        if e not in index:
            raise InputError(f"unknown entity {e!r} in exclude", field="exclude")
        mask[index[e]] = True
    return mask
