"""The result of a circular/directional flow decomposition."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from ouroboros.flows._network import Network, net_internal_debt, ratio

__all__ = ["Circulation", "make_circulation"]


@dataclass(frozen=True)
class Circulation:
    """A split of a flow network into a circular part and a directional remainder.

    The circular part is balanced (every entity receives as much of it as it pays), is
    at most the flow on every edge, and leaves every entity's net position unchanged.

    Attributes
    ----------
    method : str
        ``"maximal"`` (MTCS, largest circular part) or ``"bff"`` (Balanced Flow
        Forwarding, the unique locally fair split).
    entities : list of str
        Entity ids in index order.
    edges : DataFrame
        One row per edge with flow: ``payer``, ``payee``, ``amount``, ``circular``,
        ``remainder`` (``amount == circular + remainder``).
    total_flow : float
        Gross flow W: the sum of every payment.
    circular_flow : float
        The circular part C (sum over edges).
    nid_before, nid_after : float
        Net internal debt (sum of positive net positions) of the flows and of the
        remainder; equal up to rounding, since a circulation changes no net position.
    parameters : dict
        The options that produced the result.
    """

    method: str
    entities: list[str]
    edges: pd.DataFrame
    total_flow: float
    circular_flow: float
    nid_before: float
    nid_after: float
    parameters: dict[str, Any] = field(default_factory=dict)
    _src: NDArray[np.int64] = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))
    _dst: NDArray[np.int64] = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))

    @property
    def circularity(self) -> float:
        """Circularity index C / W (0 when there is no flow)."""
        return self.circular_flow / self.total_flow if self.total_flow > 0 else 0.0

    @property
    def remaining_flow(self) -> float:
        """Flow left after removing the circular part, W − C."""
        return self.total_flow - self.circular_flow

    @cached_property
    def circular_matrix(self) -> sparse.csr_array:
        """The circular part as an ``n x n`` CSR array."""
        n = len(self.entities)
        return sparse.csr_array(
            (self.edges["circular"].to_numpy(), (self._src, self._dst)), shape=(n, n)
        )

    @cached_property
    def by_entity(self) -> pd.DataFrame:
        """Per entity: ``id``, ``inflow``, ``outflow``, ``circular_inflow``,
        ``circular_share`` (circular inflow / inflow; NaN without inflow) and
        ``net_position`` (inflow − outflow)."""
        n = len(self.entities)
        amount = self.edges["amount"].to_numpy()
        circ = self.edges["circular"].to_numpy()
        inflow = np.bincount(self._dst, weights=amount, minlength=n)
        outflow = np.bincount(self._src, weights=amount, minlength=n)
        c_in = np.bincount(self._dst, weights=circ, minlength=n)
        return pd.DataFrame(
            {
                "id": self.entities,
                "inflow": inflow,
                "outflow": outflow,
                "circular_inflow": c_in,
                "circular_share": ratio(c_in, inflow),
                "net_position": inflow - outflow,
            }
        )

    def summary(self) -> dict[str, Any]:
        """The headline numbers as a plain dict."""
        return {
            "method": self.method,
            "total_flow": self.total_flow,
            "circular_flow": self.circular_flow,
            "remaining_flow": self.remaining_flow,
            "circularity": self.circularity,
            "nid_before": self.nid_before,
            "nid_after": self.nid_after,
        }


def make_circulation(
    net: Network,
    circular: NDArray[np.float64],
    method: str,
    parameters: dict[str, Any],
) -> Circulation:
    """Assemble a :class:`Circulation` from a network and the circular part per edge."""
    circular = np.clip(circular, 0.0, net.amount)
    remainder = net.amount - circular
    ids = np.asarray(net.entities, dtype=object)
    edges = pd.DataFrame(
        {
            "payer": ids[net.src],
            "payee": ids[net.dst],
            "amount": net.amount,
            "circular": circular,
            "remainder": remainder,
        }
    )
    return Circulation(
        method=method,
        entities=list(net.entities),
        edges=edges,
        total_flow=float(net.amount.sum()),
        circular_flow=float(circular.sum()),
        nid_before=net_internal_debt(net.n, net.src, net.dst, net.amount),
        nid_after=net_internal_debt(net.n, net.src, net.dst, remainder),
        parameters=dict(parameters),
        _src=net.src,
        _dst=net.dst,
    )
