"""Entities, instruments and sources of a ledger as plain records for the API and the UI."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd

from ouroboros.model import FINANCIAL_FIELDS, Entity, InstrumentBase, Ledger

__all__ = [
    "entity_detail",
    "entity_rows",
    "financials_table",
    "instrument_record",
    "instrument_rows",
    "short_name",
    "source_records",
]


def short_name(name: str, limit: int = 28) -> str:
    """A display name without its parenthesised detail, cut to ``limit`` characters.

    >>> short_name("Oracle Corporation (Oracle Cloud Infrastructure)")
    'Oracle Corporation'
    """
    head = name.split(" (")[0].strip() or name
    return head if len(head) <= limit else head[: limit - 1] + "…"


def entity_rows(
    ledger: Ledger, *, role: str | None = None, query: str | None = None
) -> list[dict[str, Any]]:
    """One summary row per entity, filtered by role and a case-insensitive search."""
    counts: dict[str, int] = {}
    for i in ledger.instruments:
        counts[i.from_] = counts.get(i.from_, 0) + 1
        counts[i.to] = counts.get(i.to, 0) + 1
    q = (query or "").strip().lower()
    out = []
    for e in ledger.entities:
        if role and role not in e.roles:
            continue
        text = " ".join([e.id, e.name, *e.roles, e.country or "", e.ticker or ""]).lower()
        if q and q not in text:
            continue
        out.append(
            {
                "id": e.id,
                "name": e.name,
                "roles": list(e.roles),
                "country": e.country,
                "ticker": e.ticker,
                "instruments": counts.get(e.id, 0),
                "sources": list(e.sources),
            }
        )
    return out


def instrument_record(inst: InstrumentBase) -> dict[str, Any]:
    """The instrument as in a dataset file (``from`` for the payer), JSON-ready."""
    rec: dict[str, Any] = inst.model_dump(mode="json", by_alias=True, exclude_none=True)
    return rec


def instrument_rows(
    ledger: Ledger,
    *,
    kinds: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    entity: str | None = None,
    query: str | None = None,
) -> list[dict[str, Any]]:
    """One summary row per instrument, filtered by kind, status, entity and search."""
    if entity is not None:
        ledger.entity(entity)  # KeyError naming the id if unknown
    q = (query or "").strip().lower()
    out = []
    for i in ledger.instruments:
        if kinds and i.kind not in kinds:
            continue
        if statuses and i.status not in statuses:
            continue
        if entity and entity not in (i.from_, i.to):
            continue
        text = " ".join([i.id, i.kind, i.from_, i.to, i.status, i.description or ""]).lower()
        if q and q not in text:
            continue
        out.append(
            {
                "id": i.id,
                "kind": i.kind,
                "from": i.from_,
                "to": i.to,
                "amount": i.amount,
                "currency": i.currency,
                "start": i.start.isoformat(),
                "end": i.end.isoformat() if i.end else None,
                "status": i.status,
                "estimate": i.estimate,
                "confidence": i.confidence,
                "sources": list(i.sources),
            }
        )
    return out


def source_records(ledger: Ledger, ids: Collection[str]) -> list[dict[str, Any]]:
    """The cited sources, in citation order, each once."""
    out = []
    for sid in dict.fromkeys(ids):
        try:
            s = ledger.source(sid)
        except KeyError:
            continue
        rec: dict[str, Any] = s.model_dump(mode="json", exclude_none=True)
        out.append(rec)
    return out


def financials_table(entity: Entity) -> pd.DataFrame:
    """Financials with one row per field and one column per year (only known fields)."""
    years = sorted(entity.financials)
    rows = []
    for f in FINANCIAL_FIELDS:
        vals = [getattr(entity.financials[y], f) for y in years]
        if any(v is not None for v in vals):
            rows.append({"field": f, **{str(y): v for y, v in zip(years, vals, strict=True)}})
    return pd.DataFrame(rows, columns=["field", *[str(y) for y in years]])


def entity_detail(ledger: Ledger, entity_id: str) -> dict[str, Any]:
    """An entity with its deals (both directions), financials and every cited source."""
    e = ledger.entity(entity_id)  # KeyError naming the id if unknown
    rec: dict[str, Any] = e.model_dump(mode="json", exclude_none=True)
    deals = []
    cited = list(e.sources)
    for y in sorted(e.financials):
        cited += e.financials[y].sources
    for i in ledger.instruments:
        if e.id not in (i.from_, i.to):
            continue
        pays = i.from_ == e.id
        deals.append(
            {
                "id": i.id,
                "kind": i.kind,
                "direction": "pays" if pays else "receives",
                "counterparty": i.to if pays else i.from_,
                "amount": i.amount,
                "start": i.start.isoformat(),
                "end": i.end.isoformat() if i.end else None,
                "status": i.status,
                "estimate": i.estimate,
                "sources": list(i.sources),
            }
        )
        cited += i.sources
    rec["deals"] = deals
    rec["unit"] = f"{ledger.meta.currency} {ledger.meta.unit}"
    rec["cited_sources"] = source_records(ledger, cited)
    return rec
