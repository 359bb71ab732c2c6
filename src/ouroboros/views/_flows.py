"""The money-flow view: who pays whom how much in a period, as a sparse matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from ouroboros.errors import InputError
from ouroboros.model import INSTRUMENT_KINDS, STATUSES, InstrumentBase, Ledger

__all__ = [
    "ANNOUNCED_STATUSES",
    "DEFAULT_STATUSES",
    "FlowView",
    "Period",
    "money_flows",
    "period_fraction",
    "resolve_period",
    "select_instruments",
]

DEFAULT_STATUSES: tuple[str, ...] = ("signed", "funded")
ANNOUNCED_STATUSES: tuple[str, ...] = ("announced", "letter_of_intent")


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open date range ``[start, end)``; ``None`` ends are unbounded."""

    start: dt.date | None
    end: dt.date | None

    def __str__(self) -> str:
        a = self.start.isoformat() if self.start else "-inf"
        b = self.end.isoformat() if self.end else "+inf"
        return f"[{a}, {b})"


def resolve_period(
    year: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> Period:
    """Turn ``year`` or ``start``/``end`` into a :class:`Period` (all of time by default).

    >>> resolve_period(2026)
    Period(start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    """
    if year is not None:
        if start is not None or end is not None:
            raise InputError("give either a year or a start/end date range, not both", field="year")
        if not 1900 <= year <= 2200:
            raise InputError(f"year must be between 1900 and 2200, got {year}", field="year")
        return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    if start is not None and end is not None and end <= start:
        raise InputError(f"end {end} must be after start {start}", field="end")
    return Period(start, end)


def select_instruments(
    ledger: Ledger,
    *,
    statuses: Collection[str] | None = None,
    include_announced: bool = False,
    kinds: Collection[str] | None = None,
    exclude_kinds: Collection[str] = (),
) -> list[InstrumentBase]:
    """Instruments that pass the status and kind filters.

    By default only ``signed`` and ``funded`` deals count; ``include_announced`` adds
    ``announced`` and ``letter_of_intent``; ``lapsed`` deals count only if named in
    ``statuses``.
    """
    chosen = set(statuses) if statuses is not None else set(DEFAULT_STATUSES)
    if include_announced:
        chosen |= set(ANNOUNCED_STATUSES)
    bad = chosen - set(STATUSES)
    if bad:
        raise InputError(
            f"unknown status {sorted(bad)[0]!r}; expected one of {', '.join(STATUSES)}",
            field="statuses",
        )
    for k in [*(kinds or ()), *exclude_kinds]:
        if k not in INSTRUMENT_KINDS:
            raise InputError(
                f"unknown instrument kind {k!r}; expected one of {', '.join(INSTRUMENT_KINDS)}",
                field="kinds",
            )
    keep_kinds = set(kinds) if kinds is not None else set(INSTRUMENT_KINDS)
    keep_kinds -= set(exclude_kinds)
    return [i for i in ledger.instruments if i.status in chosen and i.kind in keep_kinds]


def _segments(
    instruments: list[InstrumentBase],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Break each instrument's schedule into segments paid evenly over ``[s, e)``.

    Returns the instrument position, amount, start ordinal and end ordinal of every
    segment; a bullet payment is a segment with ``e == s``.
    """
    pos: list[int] = []
    amt: list[float] = []
    s: list[int] = []
    e: list[int] = []
    for k, inst in enumerate(instruments):
        if inst.profile == "explicit" and inst.cashflows:
            for year, value in inst.cashflows.items():
                pos.append(k)
                amt.append(value)
                s.append(dt.date(year, 1, 1).toordinal())
                e.append(dt.date(year + 1, 1, 1).toordinal())
        else:
            start = inst.start.toordinal()
            end = inst.end.toordinal() if (inst.profile == "straight" and inst.end) else start
            pos.append(k)
            amt.append(inst.amount)
            s.append(start)
            e.append(end)
    return (
        np.asarray(pos, dtype=np.int64),
        np.asarray(amt, dtype=np.float64),
        np.asarray(s, dtype=np.int64),
        np.asarray(e, dtype=np.int64),
    )


def period_fraction(
    seg_start: NDArray[np.int64], seg_end: NDArray[np.int64], period: Period
) -> NDArray[np.float64]:
    """Share of each segment's amount that falls in ``period`` (vectorised).

    A segment is paid evenly by day over ``[seg_start, seg_end)``; a point segment
    (``seg_end == seg_start``) is paid on its day.

    >>> d = lambda y, m, day: dt.date(y, m, day).toordinal()
    >>> s = np.array([d(2024, 1, 1), d(2025, 7, 1)]); e = np.array([d(2026, 1, 1), d(2025, 7, 1)])
    >>> period_fraction(s, e, Period(dt.date(2025, 1, 1), dt.date(2026, 1, 1))).round(4)
    array([0.4993, 1.    ])
    """
    lo = -(2**62) if period.start is None else period.start.toordinal()
    hi = 2**62 if period.end is None else period.end.toordinal()
    point = seg_end <= seg_start
    length = np.where(point, 1, seg_end - seg_start).astype(np.float64)
    overlap = np.clip(np.minimum(seg_end, hi) - np.maximum(seg_start, lo), 0, None)
    in_point = (seg_start >= lo) & (seg_start < hi)
    return np.where(point, in_point.astype(np.float64), overlap / length)


@dataclass(frozen=True)
class FlowView:
    """Money paid between entities in a period.

    Attributes
    ----------
    entities : list of str
        Entity ids in index order (every entity of the ledger, also those with no flow).
    matrix : scipy.sparse.csr_array
        ``matrix[i, j]`` is the money entity ``i`` pays entity ``j`` in the period.
    instrument_flows : DataFrame
        One row per instrument with a flow in the period: ``instrument``, ``kind``,
        ``status``, ``payer``, ``payee``, ``amount``.
    period : Period
        The period the flows fall in.
    unit : str
        The dataset's unit (``"billion"``: amounts are USD billions).
    """

    entities: list[str]
    matrix: sparse.csr_array
    instrument_flows: pd.DataFrame
    period: Period
    unit: str = "unit"
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {e: i for i, e in enumerate(self.entities)})

    @cached_property
    def edges(self) -> pd.DataFrame:
        """Flows aggregated by (payer, payee): columns ``payer``, ``payee``, ``amount``."""
        coo = self.matrix.tocoo()
        ids = np.asarray(self.entities, dtype=object)
        return pd.DataFrame(
            {"payer": ids[coo.row], "payee": ids[coo.col], "amount": coo.data}
        ).sort_values(["payer", "payee"], ignore_index=True)

    @property
    def outflow(self) -> NDArray[np.float64]:
        """Money each entity pays out (row sums)."""
        return np.asarray(self.matrix.sum(axis=1)).ravel()

    @property
    def inflow(self) -> NDArray[np.float64]:
        """Money each entity receives (column sums)."""
        return np.asarray(self.matrix.sum(axis=0)).ravel()

    @property
    def total(self) -> float:
        """Gross flow: the sum of every payment."""
        return float(self.matrix.sum())


def money_flows(
    ledger: Ledger,
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    statuses: Collection[str] | None = None,
    include_announced: bool = False,
    kinds: Collection[str] | None = None,
    exclude_kinds: Collection[str] = (),
) -> FlowView:
    """The money-flow matrix of ``ledger`` for a period.

    Each instrument whose kind moves money (``money_flow == "from_to"``: not warrants,
    guarantees or capacity backstops) contributes the part of its schedule that falls in
    the period: all of a bullet payment dated in it, the day-weighted share of a
    straight-line schedule, or the day-weighted share of each year's explicit cash flow.

    Parameters
    ----------
    ledger : Ledger
    year : int, optional
        Calendar year; or give ``start``/``end`` (half-open). All of time by default.
    statuses, include_announced, kinds, exclude_kinds
        Filters, see :func:`select_instruments`.

    Returns
    -------
    FlowView

    Examples
    --------
    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({
    ...     "meta": {"name": "toy"},
    ...     "sources": [{"id": "s", "title": "t"}],
    ...     "entities": [{"id": "a", "name": "A", "roles": ["cloud"]},
    ...                  {"id": "b", "name": "B", "roles": ["model_lab"]}],
    ...     "instruments": [{"id": "c", "kind": "compute_contract", "from": "b", "to": "a",
    ...                      "amount": 40, "start": "2026-01-01", "end": "2030-01-01",
    ...                      "profile": "straight", "sources": ["s"]}]})
    >>> fv = money_flows(lg, year=2027)
    >>> fv.matrix.toarray().round(2)
    array([[0.  , 0.  ],
           [9.99, 0.  ]])
    """
    period = resolve_period(year, start, end)
    chosen = [
        i
        for i in select_instruments(
            ledger,
            statuses=statuses,
            include_announced=include_announced,
            kinds=kinds,
            exclude_kinds=exclude_kinds,
        )
        if i.money_flow == "from_to"
    ]
    index = {e: k for k, e in enumerate(ledger.entity_ids)}
    n = len(index)
    pos, amt, s, e = _segments(chosen)
    per_segment = amt * period_fraction(s, e, period)
    per_instrument = np.bincount(pos, weights=per_segment, minlength=len(chosen))
    payer = np.fromiter((index[i.from_] for i in chosen), dtype=np.int64, count=len(chosen))
    payee = np.fromiter((index[i.to] for i in chosen), dtype=np.int64, count=len(chosen))
    live = per_instrument > 0
    matrix = sparse.csr_array(
        sparse.coo_array((per_instrument[live], (payer[live], payee[live])), shape=(n, n))
    )
    matrix.sum_duplicates()
    ids = np.asarray(ledger.entity_ids, dtype=object)
    flows = pd.DataFrame(
        {
            "instrument": [i.id for i, keep in zip(chosen, live, strict=True) if keep],
            "kind": [i.kind for i, keep in zip(chosen, live, strict=True) if keep],
            "status": [i.status for i, keep in zip(chosen, live, strict=True) if keep],
            "payer": ids[payer[live]],
            "payee": ids[payee[live]],
            "amount": per_instrument[live],
        }
    )
    return FlowView(
        entities=list(ledger.entity_ids),
        matrix=matrix,
        instrument_flows=flows,
        period=period,
        unit=ledger.meta.unit,
    )
