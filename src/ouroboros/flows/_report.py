"""The circularity report of a ledger: how much money goes round the loop, and where."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ouroboros.errors import InputError
from ouroboros.flows._bff import bff_circulation
from ouroboros.flows._cycles import top_cycles
from ouroboros.flows._maximal import maximal_circulation
from ouroboros.flows._network import FlowInput, as_network
from ouroboros.flows._open import OpenSystem, open_system
from ouroboros.flows._range import circular_inflow_range
from ouroboros.flows._result import Circulation

if TYPE_CHECKING:
    from ouroboros.model import Ledger

__all__ = ["METHODS", "CircularityReport", "analyse_circularity", "circularity_report"]

Method = Literal["maximal", "bff"]
METHODS: tuple[str, ...] = ("maximal", "bff")

ENTITY_COLUMNS = [
    "id",
    "name",
    "inflow",
    "outflow",
    "circular_inflow",
    "circular_share",
    "circular_share_min",
    "circular_share_max",
    "return_probability",
]


@dataclass(frozen=True)
class CircularityReport:
    """How circular a money web is, for the whole web and for each entity.

    Attributes
    ----------
    method : str
        The decomposition behind ``circular_flow``, ``circularity`` and ``cycles``:
        ``"maximal"`` (MTCS, the default) or ``"bff"``.
    total_flow : float
        Gross flow W: every payment in the period, rest of the world included.
    circular_flow : float
        The circular part C of ``method``; ``circularity = C / W``.
    maximal_circular_flow, bff_circular_flow : float
        C under both decompositions (BFF <= maximal).
    nid : float
        Net internal debt: the sum of positive net positions (unchanged by removing C).
    finn_cycling_index : float
        Share of the inside entities' throughflow that is cycled (Finn 1980).
    entities : DataFrame
        One row per inside entity with flow (:data:`ENTITY_COLUMNS`): ``inflow`` (all
        money received, outside revenue included), ``circular_inflow`` and
        ``circular_share`` from BFF (the unique attribution), ``circular_share_min`` and
        ``circular_share_max`` over all maximal solutions, ``return_probability``.
    cycles : DataFrame
        The largest loops of the circular part: ``rank``, ``path``, ``length``,
        ``amount``, ``flow``, ``share``.
    maximal, bff : Circulation
        The two decompositions, per edge.
    open : OpenSystem
        Return probabilities and Finn's index with the rest of the world as boundary.
    unit : str
        The unit of every amount.
    period : str
        The period of the flows (``[start, end)``).
    parameters : dict
        The options that produced the report.
    """

    method: str
    total_flow: float
    circular_flow: float
    maximal_circular_flow: float
    bff_circular_flow: float
    nid: float
    finn_cycling_index: float
    entities: pd.DataFrame
    cycles: pd.DataFrame
    maximal: Circulation
    bff: Circulation
    open: OpenSystem
    unit: str = "unit"
    period: str = "[-inf, +inf)"
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def circularity(self) -> float:
        """C / W for ``method`` (0 when there is no flow)."""
        return self.circular_flow / self.total_flow if self.total_flow > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (the ``ouroboros loops --format json`` output)."""
        return {
            "method": self.method,
            "unit": self.unit,
            "period": self.period,
            "total_flow": self.total_flow,
            "circular_flow": self.circular_flow,
            "circularity": self.circularity,
            "maximal_circular_flow": self.maximal_circular_flow,
            "bff_circular_flow": self.bff_circular_flow,
            "nid": self.nid,
            "finn_cycling_index": self.finn_cycling_index,
            "entities": self.entities.to_dict(orient="records"),
            "cycles": self.cycles.to_dict(orient="records"),
            "parameters": self.parameters,
        }


def analyse_circularity(
    flows: FlowInput,
    *,
    entities: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    outside: Collection[str] = (),
    method: str = "maximal",
    max_cycles: int = 20,
    resolution: float | None = None,
) -> CircularityReport:
    """The full circularity report of a flow matrix (see :func:`circularity_report`).

    Parameters
    ----------
    flows : FlowView, sparse matrix or 2-D array
        ``[i, j]`` is what ``i`` pays ``j`` in the period.
    entities : sequence of str, optional
        Ids for the rows of a matrix.
    names : sequence of str, optional
        Display names in the same order (the ids by default).
    outside : collection of str
        The rest of the world: flows to and from it count in the gross flow and in
        inflows, but it cannot close a loop (cycles through it are not circular).
    method : {"maximal", "bff"}
        Which decomposition gives ``circular_flow`` and the loops.
    max_cycles : int
        How many loops to list.
    resolution : float, optional
        Smallest amount the exact engines distinguish (one cent by default).

    Returns
    -------
    CircularityReport

    Examples
    --------
    >>> m = np.zeros((4, 4)); m[0, 1] = m[1, 2] = m[2, 0] = 100; m[3, 2] = 50
    >>> rep = analyse_circularity(m, entities=["nvidia", "openai", "oracle", "world"],
    ...                           outside=["world"])
    >>> rep.total_flow, rep.circular_flow, round(rep.circularity, 4)
    (350.0, 300.0, 0.8571)
    >>> rep.entities[["id", "circular_share"]].values.tolist()
    [['oracle', 0.6666666666666666], ['nvidia', 1.0], ['openai', 1.0]]
    >>> rep.cycles["path"][0]
    ['nvidia', 'openai', 'oracle', 'nvidia']
    """
    from ouroboros.views import FlowView

    if method not in METHODS:
        raise InputError(
            f"method must be one of {', '.join(METHODS)}; got {method!r}", field="method"
        )
    net = as_network(flows, entities=entities, resolution=resolution)
    ids = net.entities
    if names is not None and len(names) != len(ids):
        raise InputError(f"{len(names)} names for {len(ids)} entities", field="names")
    matrix = net.matrix()
    outside = sorted(set(outside))
    maximal = maximal_circulation(matrix, entities=ids, exclude=outside, resolution=net.resolution)
    bff = bff_circulation(matrix, entities=ids, exclude=outside)
    chosen = maximal if method == "maximal" else bff
    ranges = circular_inflow_range(matrix, entities=ids, exclude=outside, resolution=net.resolution)
    opened = open_system(matrix, entities=ids, outside=outside)
    per = bff.by_entity
    table = pd.DataFrame(
        {
            "id": ids,
            "name": list(names) if names is not None else list(ids),
            "inflow": per["inflow"].to_numpy(),
            "outflow": per["outflow"].to_numpy(),
            "circular_inflow": per["circular_inflow"].to_numpy(),
            "circular_share": per["circular_share"].to_numpy(),
            "circular_share_min": ranges["circular_share_min"].to_numpy(),
            "circular_share_max": ranges["circular_share_max"].to_numpy(),
        }
    )
    ret = opened.entities.set_index("id")["return_probability"]
    table["return_probability"] = table["id"].map(ret).astype(np.float64)
    inside = ~table["id"].isin(outside) & ((table["inflow"] > 0) | (table["outflow"] > 0))
    table = (
        table[inside]
        .sort_values(["circular_inflow", "inflow", "id"], ascending=[False, False, True])
        .reset_index(drop=True)[ENTITY_COLUMNS]
    )
    cycles = top_cycles(chosen, max_cycles=max_cycles)
    unit = flows.unit if isinstance(flows, FlowView) else "unit"
    period = str(flows.period) if isinstance(flows, FlowView) else "[-inf, +inf)"
    return CircularityReport(
        method=method,
        total_flow=chosen.total_flow,
        circular_flow=chosen.circular_flow,
        maximal_circular_flow=maximal.circular_flow,
        bff_circular_flow=bff.circular_flow,
        nid=maximal.nid_before,
        finn_cycling_index=opened.finn_cycling_index,
        entities=table,
        cycles=cycles,
        maximal=maximal,
        bff=bff,
        open=opened,
        unit=unit,
        period=period,
        parameters={
            "method": method,
            "outside": outside,
            "max_cycles": max_cycles,
            "resolution": net.resolution,
        },
    )


def circularity_report(
    ledger: Ledger,
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    statuses: Collection[str] | None = None,
    include_announced: bool = False,
    kinds: Collection[str] | None = None,
    exclude_kinds: Collection[str] = (),
    method: str = "maximal",
    max_cycles: int = 20,
) -> CircularityReport:
    """How much of the web's money, and of each entity's revenue, goes round a loop.

    Builds the money-flow view of the period (:func:`ouroboros.views.money_flows`) and
    runs every method of the ``flows`` package on it, with the ledger's rest-of-world
    entities as the boundary:

    * the maximal circulation (MTCS; Fleischman & Dini, J. Risk Financial Manag.
      14(9):452, 2021) and the Balanced Flow Forwarding decomposition (Homs-Dones,
      MacKay, Sansom & Zhou, arXiv:2506.12546, 2025): gross flow W, circular flow C,
      circularity C/W, net internal debt;
    * each entity's circular share of its inflow: the BFF value and the range over all
      maximal solutions;
    * return probabilities and Finn's cycling index (Finn 1980; Allesina & Ulanowicz
      2004);
    * the largest loops of the circular part.

    Parameters
    ----------
    ledger : Ledger
    year : int, optional
        Calendar year; or ``start``/``end`` (half-open); all of time by default.
    statuses, include_announced, kinds, exclude_kinds
        Which deals count (see :func:`ouroboros.views.select_instruments`): signed and
        funded by default; announced deals too with ``include_announced``.
    method : {"maximal", "bff"}
        Which decomposition gives the headline circular flow and the loops.
    max_cycles : int
        How many loops to list.

    Returns
    -------
    CircularityReport

    Examples
    --------
    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({
    ...     "meta": {"name": "three friends", "unit": "billion"},
    ...     "sources": [{"id": "s", "title": "seed article 000", "kind": "seed_article"}],
    ...     "entities": [{"id": "nvidia", "name": "Nvidia", "roles": ["chip_vendor"]},
    ...                  {"id": "openai", "name": "OpenAI", "roles": ["model_lab"]},
    ...                  {"id": "oracle", "name": "Oracle", "roles": ["cloud"]}],
    ...     "instruments": [
    ...         {"id": "a", "kind": "equity_investment", "from": "nvidia", "to": "openai",
    ...          "amount": 100, "start": "2026-01-01", "sources": ["s"]},
    ...         {"id": "b", "kind": "compute_contract", "from": "openai", "to": "oracle",
    ...          "amount": 100, "start": "2026-02-01", "sources": ["s"]},
    ...         {"id": "c", "kind": "hardware_purchase", "from": "oracle", "to": "nvidia",
    ...          "amount": 100, "start": "2026-03-01", "sources": ["s"]}]})
    >>> rep = circularity_report(lg, year=2026)
    >>> rep.total_flow, rep.circular_flow, rep.circularity
    (300.0, 300.0, 1.0)
    >>> rep.cycles[["path", "amount"]].values.tolist()
    [[['nvidia', 'openai', 'oracle', 'nvidia'], 100.0]]
    """
    from ouroboros.views import money_flows

    fv = money_flows(
        ledger,
        year=year,
        start=start,
        end=end,
        statuses=statuses,
        include_announced=include_announced,
        kinds=kinds,
        exclude_kinds=exclude_kinds,
    )
    outside = [e.id for e in ledger.entities if e.is_rest_of_world]
    names = [ledger.entity(e).name for e in fv.entities]
    report = analyse_circularity(
        fv, names=names, outside=outside, method=method, max_cycles=max_cycles
    )
    params = dict(report.parameters)
    params.update(
        {
            "dataset": ledger.meta.name,
            "year": year,
            "start": start,
            "end": end,
            "statuses": sorted(statuses) if statuses is not None else None,
            "include_announced": include_announced,
            "kinds": sorted(kinds) if kinds is not None else None,
            "exclude_kinds": sorted(exclude_kinds),
        }
    )
    return replace(report, parameters=params)
