"""A dataset at a glance: counts, totals by kind and status, entities by role."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ouroboros.model._ledger import Ledger

__all__ = ["LedgerSummary", "summarize"]


@dataclass(frozen=True)
class LedgerSummary:
    """Counts and totals of a ledger (amounts in the dataset's unit).

    Attributes
    ----------
    by_kind : DataFrame
        ``kind``, ``count``, ``amount``, one row per instrument kind present.
    by_status : DataFrame
        ``status``, ``count``, ``amount``.
    by_role : DataFrame
        ``role``, ``count``, ``entities`` (comma-separated ids); an entity with several
        roles counts under each.
    """

    name: str
    version: str
    as_of: str | None
    unit: str
    currency: str
    n_sources: int
    n_entities: int
    n_instruments: int
    n_estimates: int
    by_kind: pd.DataFrame
    by_status: pd.DataFrame
    by_role: pd.DataFrame


def summarize(ledger: Ledger) -> LedgerSummary:
    """Summarise ``ledger``.

    Examples
    --------
    >>> from ouroboros.model import default_ledger
    >>> s = summarize(default_ledger())
    >>> s.n_instruments == int(s.by_kind["count"].sum()) == int(s.by_status["count"].sum())
    True
    """
    ins = pd.DataFrame(
        {
            "kind": [i.kind for i in ledger.instruments],
            "status": [i.status for i in ledger.instruments],
            "amount": [i.amount for i in ledger.instruments],
        }
    )

    def group(col: str) -> pd.DataFrame:
        if ins.empty:
            return pd.DataFrame(columns=[col, "count", "amount"])
        g = ins.groupby(col, sort=True)["amount"].agg(["count", "sum"]).reset_index()
        return g.rename(columns={"sum": "amount"})

    roles: dict[str, list[str]] = {}
    for e in ledger.entities:
        for r in e.roles:
            roles.setdefault(r, []).append(e.id)
    by_role = pd.DataFrame(
        {
            "role": list(roles),
            "count": [len(v) for v in roles.values()],
            "entities": [", ".join(v) for v in roles.values()],
        }
    ).sort_values("role", ignore_index=True)
    return LedgerSummary(
        name=ledger.meta.name,
        version=ledger.meta.version,
        as_of=ledger.meta.as_of.isoformat() if ledger.meta.as_of else None,
        unit=ledger.meta.unit,
        currency=ledger.meta.currency,
        n_sources=len(ledger.sources),
        n_entities=len(ledger.entities),
        n_instruments=len(ledger.instruments),
        n_estimates=sum(1 for i in ledger.instruments if i.estimate),
        by_kind=group("kind"),
        by_status=group("status"),
        by_role=by_role,
    )
