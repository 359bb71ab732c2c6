"""Small webs whose stress outcome can be computed by hand."""

from __future__ import annotations

from typing import Any

from ouroboros.model import Ledger
from ouroboros.scenarios import ScenarioSpec


def four_entity_data(
    *, contract: float = 4.0, loan: float = 5.0, facility: float = 4.0
) -> dict[str, Any]:
    """A lab that pays a cloud ``contract`` a year (2026-2030, take-or-pay), borrowed
    ``loan`` from a private-credit fund, which borrowed ``facility`` from a bank.

    All debt at 0% and due in 2040 (after the horizon): only the contract drains the lab.
    The as-of date is 31 December 2025, so periods are calendar years.
    """
    src = ["hand"]
    return {
        "meta": {"name": "four-entity web", "unit": "billion", "as_of": "2025-12-31"},
        "sources": [{"id": "hand", "title": "Hand-made example", "kind": "estimate"}],
        "entities": [
            {"id": "lab", "name": "Lab", "roles": ["model_lab"]},
            {"id": "cloud", "name": "Cloud", "roles": ["cloud"]},
            {"id": "fund", "name": "Fund", "roles": ["private_credit"]},
            {"id": "bank", "name": "Bank", "roles": ["bank"]},
        ],
        "instruments": [
            {
                "id": "lab-cloud",
                "kind": "compute_contract",
                "from": "lab",
                "to": "cloud",
                "amount": 5 * contract,
                "start": "2026-01-01",
                "end": "2030-12-31",
                "profile": "explicit",
                "take_or_pay": True,
                "sources": src,
                "cashflows": dict.fromkeys(range(2026, 2031), contract),
            },
            {
                "id": "fund-lab",
                "kind": "loan",
                "from": "fund",
                "to": "lab",
                "amount": loan,
                "rate": 0.0,
                "start": "2025-06-01",
                "maturity": "2040-01-01",
                "seniority": "senior",
                "sources": src,
            },
            {
                "id": "bank-fund",
                "kind": "credit_facility",
                "from": "bank",
                "to": "fund",
                "amount": facility,
                "drawn": facility,
                "rate": 0.0,
                "start": "2025-01-01",
                "maturity": "2040-01-01",
                "seniority": "senior",
                "sources": src,
            },
        ],
    }


def four_entity_web(**kw: float) -> Ledger:
    return Ledger.model_validate(four_entity_data(**kw))


def quiet_spec(
    *,
    lab_cash: float = 10.0,
    lab_equity: float = 5.0,
    alpha: float = 0.6,
    beta: float = 0.9,
    horizon: int = 2032,
    **extra: Any,
) -> ScenarioSpec:
    """A scenario where nothing moves but the ledger's contracts and debts."""
    data: dict[str, Any] = {
        "name": "hand",
        "horizon": horizon,
        "adoption": {"split": {}},
        "strategic_default": {"enabled": False},
        "fire_sales": {"enabled": False},
        "funding": {"equity_revenue_multiple": 0.0},
        "contagion": {"alpha": alpha, "beta": beta, "contract_claim_years": 1.0},
        "economics": {"base_growth": 0.0},
        "deals": [],
        "entities": {
            "lab": {"cash": lab_cash, "equity": lab_equity, "revenue": 0.0, "margin": 0.0},
            "cloud": {"cash": 0.0, "revenue": 0.0, "margin": 0.5},
        },
    }
    for key, value in extra.items():
        data[key] = value
    return ScenarioSpec.model_validate(data)
