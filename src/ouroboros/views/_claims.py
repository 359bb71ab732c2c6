"""The claims (exposure) view: who owes whom, by seniority, plus equity stakes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from ouroboros.model import FINANCIAL_FIELDS, InstrumentBase, Ledger, Seniority
from ouroboros.views._flows import (
    Period,
    _segments,
    period_fraction,
    select_instruments,
)

__all__ = ["ClaimsView", "balance_sheets", "claims"]

DEBT_LAYERS: tuple[Seniority, ...] = (Seniority.secured, Seniority.senior, Seniority.subordinated)


@dataclass(frozen=True)
class ClaimsView:
    """Claims between entities, ready for the contagion engine.

    Attributes
    ----------
    entities : list of str
        Entity ids in index order.
    by_seniority : dict of int to scipy.sparse.csr_array
        For each debt layer (0 secured, 1 senior unsecured, 2 subordinated),
        ``[i, j]`` is what debtor ``i`` owes creditor ``j``.
    equity_stakes : scipy.sparse.csr_array
        ``[i, j]`` is the fraction of ``i``'s equity held by ``j`` (where a stake is known).
    table : DataFrame
        One row per claim: ``instrument``, ``kind``, ``debtor``, ``creditor``, ``amount``,
        ``seniority`` (int), ``contingent``, ``stake``.
    """

    entities: list[str]
    by_seniority: dict[int, sparse.csr_array]
    equity_stakes: sparse.csr_array
    table: pd.DataFrame
    unit: str = "unit"
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {e: i for i, e in enumerate(self.entities)})

    @property
    def liabilities(self) -> sparse.csr_array:
        """All debt layers summed: ``[i, j]`` is what ``i`` owes ``j``."""
        n = len(self.entities)
        total = sparse.csr_array((n, n))
        for m in self.by_seniority.values():
            total = total + m
        return sparse.csr_array(total)

    @property
    def owed(self) -> NDArray[np.float64]:
        """What each entity owes inside the web (row sums of the liabilities)."""
        return np.asarray(self.liabilities.sum(axis=1)).ravel()

    @property
    def due(self) -> NDArray[np.float64]:
        """What each entity is owed inside the web (column sums of the liabilities)."""
        return np.asarray(self.liabilities.sum(axis=0)).ravel()


def _outstanding(instruments: list[InstrumentBase], as_of: dt.date | None) -> NDArray[np.float64]:
    """What remains of each instrument's claim at ``as_of``.

    Debt (loans, bonds, facilities) is owed in full (a facility by its drawn amount where
    known); for payment commitments (leases, compute contracts, purchases, backstops)
    the claim is the part of the schedule still to be paid after ``as_of``.
    """
    amount = np.array([float(getattr(i, "drawn", None) or i.amount) for i in instruments])
    if as_of is None:
        return amount
    commitment = np.array(
        [i.kind in ("lease", "compute_contract", "hardware_purchase", "capacity_backstop",
                    "guarantee") for i in instruments],
        dtype=bool,
    )  # fmt: skip
    pos, amt, s, e = _segments(instruments)
    remaining = np.bincount(
        pos, weights=amt * period_fraction(s, e, Period(as_of, None)), minlength=len(instruments)
    )
    return np.where(commitment, remaining, amount)


def claims(
    ledger: Ledger,
    *,
    as_of: dt.date | None = None,
    statuses: Collection[str] | None = None,
    include_announced: bool = False,
    include_contingent: bool = False,
) -> ClaimsView:
    """The claims (exposure) matrices of ``ledger`` by seniority.

    Each instrument kind declares its claim (see :class:`ouroboros.model.ClaimSpec`):
    a lender, bondholder or facility provider holds a claim on the borrower; a lessor,
    compute provider or chip vendor holds a claim on its customer for the payments still
    due; an equity investor holds a stake. Contingent claims (guarantees, backstops) are
    left out unless ``include_contingent``.

    Parameters
    ----------
    ledger : Ledger
    as_of : date, optional
        Count only payment commitments still due after this date.
    statuses, include_announced
        Status filters, as in :func:`ouroboros.views.select_instruments`.
    include_contingent : bool
        Include guarantees and capacity backstops as if called.

    Returns
    -------
    ClaimsView

    Examples
    --------
    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({
    ...     "meta": {"name": "toy"},
    ...     "sources": [{"id": "s", "title": "t"}],
    ...     "entities": [{"id": "fund", "name": "F", "roles": ["private_credit"]},
    ...                  {"id": "neo", "name": "N", "roles": ["neocloud"]}],
    ...     "instruments": [
    ...         {"id": "l", "kind": "loan", "from": "fund", "to": "neo", "amount": 7.5,
    ...          "start": "2024-05-01", "seniority": "secured", "sources": ["s"]},
    ...         {"id": "q", "kind": "equity_investment", "from": "fund", "to": "neo",
    ...          "amount": 1, "stake": 0.1, "start": "2024-05-01", "sources": ["s"]}]})
    >>> cv = claims(lg)
    >>> cv.by_seniority[0].toarray()
    array([[0. , 0. ],
           [7.5, 0. ]])
    >>> cv.equity_stakes.toarray()
    array([[0. , 0. ],
           [0.1, 0. ]])
    """
    chosen = [
        i
        for i in select_instruments(ledger, statuses=statuses, include_announced=include_announced)
        if i.claim.creditor is not None and (include_contingent or not i.claim.contingent)
    ]
    index = {e: k for k, e in enumerate(ledger.entity_ids)}
    n = len(index)
    outstanding = _outstanding(chosen, as_of)
    rows = []
    for inst, amount in zip(chosen, outstanding, strict=True):
        pair = inst.creditor_debtor()
        assert pair is not None
        creditor, debtor = pair
        rows.append(
            (
                inst.id,
                inst.kind,
                debtor,
                creditor,
                float(amount),
                int(inst.effective_seniority),
                inst.claim.contingent,
                getattr(inst, "stake", None),
            )
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "instrument", "kind", "debtor", "creditor", "amount", "seniority", "contingent",
            "stake",
        ],
    )  # fmt: skip
    d = table["debtor"].map(index).to_numpy(dtype=np.int64)
    c = table["creditor"].map(index).to_numpy(dtype=np.int64)
    amt = table["amount"].to_numpy(dtype=np.float64)
    sen = table["seniority"].to_numpy(dtype=np.int64)
    by_seniority: dict[int, sparse.csr_array] = {}
    for layer in DEBT_LAYERS:
        m = (sen == int(layer)) & (amt > 0)
        by_seniority[int(layer)] = sparse.csr_array(
            sparse.coo_array((amt[m], (d[m], c[m])), shape=(n, n))
        )
    stake = pd.to_numeric(table["stake"], errors="coerce").to_numpy(dtype=np.float64)
    m = (sen == int(Seniority.equity)) & ~np.isnan(stake)
    equity = sparse.csr_array(sparse.coo_array((stake[m], (d[m], c[m])), shape=(n, n)))
    return ClaimsView(
        entities=list(ledger.entity_ids),
        by_seniority=by_seniority,
        equity_stakes=equity,
        table=table,
        unit=ledger.meta.unit,
    )


def balance_sheets(ledger: Ledger, year: int) -> pd.DataFrame:
    """Each entity's figures for ``year``: one row per entity, NaN where not known.

    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({"meta": {"name": "t"}, "sources": [],
    ...     "entities": [{"id": "a", "name": "A", "roles": ["cloud"],
    ...                   "financials": {2025: {"revenue": 5.0, "debt": 2.0}}}],
    ...     "instruments": []})
    >>> balance_sheets(lg, 2025).loc["a", ["revenue", "debt"]].tolist()
    [5.0, 2.0]
    """
    records = []
    for e in ledger.entities:
        fin = e.financials.get(year)
        rec: dict[str, object] = {"entity": e.id, "roles": ",".join(e.roles)}
        for f in FINANCIAL_FIELDS:
            v = getattr(fin, f) if fin is not None else None
            rec[f] = np.nan if v is None else float(v)
        records.append(rec)
    return pd.DataFrame.from_records(records).set_index("entity")
