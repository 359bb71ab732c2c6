"""Indicators computed from the ledger: contract quality of the web (seed 001, gauge four).

* Take-or-pay share: of the value of compute contracts in force (signed or funded by
  default), the share whose customer must pay whether or not it uses the capacity.
* Customer concentration: for each provider with the given roles (neoclouds by default),
  the largest customer's share of the compute it has contracted to sell; averaged over
  providers with their contract value as weights.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ouroboros.model import ComputeContract, Ledger

__all__ = ["customer_concentration", "take_or_pay_share"]


def _contracts(ledger: Ledger, statuses: Sequence[str]) -> list[ComputeContract]:
    return [
        i for i in ledger.instruments if isinstance(i, ComputeContract) and i.status in statuses
    ]


def take_or_pay_share(ledger: Ledger, *, statuses: Sequence[str] = ("signed", "funded")) -> float:
    """Percent of compute-contract value that is take-or-pay (NaN without contracts).

    Examples
    --------
    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({
    ...   "meta": {"name": "t", "unit": "billion"},
    ...   "sources": [{"id": "s", "title": "t", "kind": "estimate"}],
    ...   "entities": [{"id": "a", "name": "A", "roles": ["model_lab"]},
    ...                {"id": "b", "name": "B", "roles": ["neocloud"]}],
    ...   "instruments": [
    ...     {"id": "c1", "kind": "compute_contract", "from": "a", "to": "b", "amount": 30,
    ...      "start": "2025-01-01", "take_or_pay": True, "sources": ["s"]},
    ...     {"id": "c2", "kind": "compute_contract", "from": "a", "to": "b", "amount": 10,
    ...      "start": "2025-01-01", "sources": ["s"]}]})
    >>> take_or_pay_share(lg)
    75.0
    """
    cs = _contracts(ledger, statuses)
    total = sum(c.amount for c in cs)
    if total <= 0:
        return float("nan")
    return 100.0 * sum(c.amount for c in cs if c.take_or_pay) / total


def customer_concentration(
    ledger: Ledger,
    *,
    provider_roles: Sequence[str] = ("neocloud",),
    statuses: Sequence[str] = ("signed", "funded"),
) -> float:
    """Value-weighted mean over providers of the largest customer's share, in percent.

    Examples
    --------
    Provider ``b`` sells 30 to ``a`` and 10 to ``c``: its top customer holds 75%.

    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({
    ...   "meta": {"name": "t", "unit": "billion"},
    ...   "sources": [{"id": "s", "title": "t", "kind": "estimate"}],
    ...   "entities": [{"id": "a", "name": "A", "roles": ["model_lab"]},
    ...                {"id": "c", "name": "C", "roles": ["hyperscaler"]},
    ...                {"id": "b", "name": "B", "roles": ["neocloud"]}],
    ...   "instruments": [
    ...     {"id": "c1", "kind": "compute_contract", "from": "a", "to": "b", "amount": 30,
    ...      "start": "2025-01-01", "sources": ["s"]},
    ...     {"id": "c2", "kind": "compute_contract", "from": "c", "to": "b", "amount": 10,
    ...      "start": "2025-01-01", "sources": ["s"]}]})
    >>> customer_concentration(lg)
    75.0
    """
    providers = {e.id for e in ledger.entities if set(e.roles) & set(provider_roles)}
    sold: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for c in _contracts(ledger, statuses):
        if c.to in providers:
            sold[c.to][c.from_] += c.amount
    weights = []
    tops = []
    for by_customer in sold.values():
        total = sum(by_customer.values())
        if total > 0:
            weights.append(total)
            tops.append(max(by_customer.values()) / total)
    if not weights:
        return float("nan")
    return 100.0 * sum(w * t for w, t in zip(weights, tops, strict=True)) / sum(weights)
