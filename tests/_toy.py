"""A small hand-made ledger whose matrices are computed by hand."""

from __future__ import annotations

from typing import Any


def toy_data() -> dict[str, Any]:
    """The three-friends loop plus outside revenue, a loan and a contingent backstop.

    Amounts in USD billions. Flows in 2026 by hand:
    nvidia -> openai   100 (equity, bullet 2026-03-01)
    openai -> oracle    60 (compute, straight 2026-01-01..2028-01-01: 730 days, 365 in 2026 -> 30)
    oracle -> nvidia    40 (hardware, explicit {2026: 25, 2027: 15} -> 25)
    rest-of-world -> openai 12 (revenue, straight over 2026 -> 12)
    bank -> oracle      18 (loan, bullet 2025-09-15 -> 0 in 2026)
    nvidia -> oracle    6 (backstop, contingent: never a flow)
    """
    src = ["seed"]
    return {
        "meta": {"name": "toy web", "unit": "billion", "as_of": "2025-11-30"},
        "sources": [{"id": "seed", "title": "Hand-made example", "kind": "estimate"}],
        "entities": [
            {"id": "rest-of-world", "name": "Rest of world", "roles": ["rest_of_world"]},
            {"id": "nvidia", "name": "Nvidia", "roles": ["chip_vendor"]},
            {"id": "openai", "name": "OpenAI", "roles": ["model_lab"]},
            {"id": "oracle", "name": "Oracle", "roles": ["cloud"]},
            {"id": "bank", "name": "A bank", "roles": ["bank"]},
        ],
        "instruments": [
            {"id": "nv-oai", "kind": "equity_investment", "from": "nvidia", "to": "openai",
             "amount": 100, "stake": 0.02, "start": "2026-03-01", "sources": src},
            {"id": "oai-orcl", "kind": "compute_contract", "from": "openai", "to": "oracle",
             "amount": 60, "start": "2026-01-01", "end": "2028-01-01", "profile": "straight",
             "take_or_pay": True, "sources": src},
            {"id": "orcl-nv", "kind": "hardware_purchase", "from": "oracle", "to": "nvidia",
             "amount": 40, "start": "2026-01-01", "profile": "explicit",
             "cashflows": {2026: 25, 2027: 15}, "sources": src},
            {"id": "rev-oai", "kind": "revenue", "from": "rest-of-world", "to": "openai",
             "amount": 12, "start": "2026-01-01", "end": "2027-01-01", "profile": "straight",
             "sources": src},
            {"id": "bank-orcl", "kind": "loan", "from": "bank", "to": "oracle", "amount": 18,
             "start": "2025-09-15", "seniority": "secured", "rate": 0.05, "sources": src},
            {"id": "nv-orcl-backstop", "kind": "capacity_backstop", "from": "nvidia",
             "to": "oracle", "amount": 6, "start": "2026-01-01", "sources": src},
            {"id": "nv-oai-loi", "kind": "equity_investment", "from": "nvidia", "to": "openai",
             "amount": 90, "start": "2026-06-01", "status": "letter_of_intent",
             "estimate": True, "confidence": "low", "sources": src},
        ],
    }  # fmt: skip
