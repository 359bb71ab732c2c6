"""The gap between the hurdle and AI revenue in a ledger."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.hurdle import ai_revenue, ledger_gap, revenue_gap, years_to_close
from ouroboros.model import Ledger


def _ledger(unit: str = "billion") -> Ledger:
    data: dict[str, Any] = {
        "meta": {"name": "toy web", "unit": unit},
        "sources": [{"id": "s1", "title": "A note", "kind": "estimate"}],
        "entities": [
            {
                "id": "openai",
                "name": "OpenAI",
                "roles": ["model_lab"],
                "financials": {2024: {"revenue": 3.7}, 2025: {"revenue": 13.0}},
            },
            {
                "id": "coreweave",
                "name": "CoreWeave",
                "roles": ["neocloud"],
                "financials": {2025: {"revenue": 5.0, "estimate": True}},
            },
            {
                "id": "msft",
                "name": "Microsoft",
                "roles": ["hyperscaler", "cloud"],
                "financials": {2025: {"revenue": 280.0, "ai_revenue": 26.0}},
            },
            {
                # a lab that also reports ai_revenue: ai_revenue wins over revenue
                "id": "lab2",
                "name": "Lab Two",
                "roles": ["model_lab"],
                "financials": {2025: {"revenue": 9.0, "ai_revenue": 8.0}},
            },
            {
                # a chip vendor's AI revenue is the build-out's cost: listed, not counted
                "id": "nvda",
                "name": "NVIDIA",
                "roles": ["chip_vendor"],
                "financials": {2025: {"revenue": 130.0, "ai_revenue": 115.0}},
            },
            {
                "id": "bank",
                "name": "Bank",
                "roles": ["bank"],
                "financials": {2025: {"revenue": 150.0}},
            },
            {"id": "row", "name": "Rest of world", "roles": ["rest_of_world"]},
        ],
    }
    return Ledger.model_validate(data)


def test_years_to_close_by_hand() -> None:
    # ln(554 / 60) / ln(1.5)
    assert_allclose(years_to_close(554e9, 60e9, 0.5), math.log(554 / 60) / math.log(1.5))
    assert_allclose(years_to_close(800, 100, 1.0), 3.0)
    assert float(years_to_close(50, 100, 0.3)) == 0.0
    assert math.isinf(float(years_to_close(100, 50, 0.0)))
    assert math.isinf(float(years_to_close(100, 0, 0.5)))
    out = years_to_close(np.array([200.0, 400.0]), 100.0, 1.0)
    assert_allclose(out, [1.0, 2.0])


def test_revenue_gap() -> None:
    g = revenue_gap(553.8e9, 60e9, growth=0.5, year=2025)
    assert_allclose(g.gap, 493.8e9)
    assert_allclose(g.coverage, 60 / 553.8)
    assert_allclose(g.years_to_close, math.log(553.8 / 60) / math.log(1.5))
    assert g.close_year is not None
    assert_allclose(g.close_year, 2025 + g.years_to_close)
    never = revenue_gap(100.0, 10.0, growth=-0.1)
    assert math.isinf(never.years_to_close) and never.close_year is None
    for kwargs, field in [
        ({"required": -1.0, "current": 1.0, "growth": 0.1}, "required"),
        ({"required": 1.0, "current": -1.0, "growth": 0.1}, "current"),
        ({"required": 1.0, "current": 1.0, "growth": -1.0}, "growth"),
    ]:
        with pytest.raises(InputError) as info:
            revenue_gap(**kwargs)  # type: ignore[arg-type]
        assert info.value.field == field


def test_ai_revenue_rule_and_breakdown() -> None:
    table = ai_revenue(_ledger(), 2025)
    by = table.set_index("entity_id")
    # ai_revenue where given; else revenue of model labs and neoclouds; banks excluded
    assert set(by.index) == {"openai", "coreweave", "msft", "lab2", "nvda"}
    assert not by.loc["nvda", "counted"] and np.isnan(by.loc["nvda", "share"])
    assert list(table["entity_id"])[-1] == "nvda"  # not-counted rows come last
    table = table[table["counted"]]
    assert by.loc["msft", "basis"] == "ai_revenue"
    assert by.loc["lab2", "basis"] == "ai_revenue"
    assert by.loc["openai", "basis"] == "revenue (model_lab/neocloud)"
    # scaled from billions to USD
    assert_allclose(by.loc["msft", "amount"], 26e9)
    assert_allclose(by.loc["lab2", "amount"], 8e9)
    assert_allclose(table["amount"].sum(), (13 + 5 + 26 + 8) * 1e9)
    assert_allclose(table["share"].sum(), 1.0)
    assert bool(by.loc["coreweave", "estimate"])
    assert list(table["amount"]) == sorted(table["amount"], reverse=True)


def test_ai_revenue_latest_year_and_units() -> None:
    assert ai_revenue(_ledger()).attrs["year"] == 2025
    t2024 = ai_revenue(_ledger("million"), 2024)
    assert list(t2024["entity_id"]) == ["openai"]
    assert_allclose(t2024["amount"].sum(), 3.7e6)


def test_ledger_gap() -> None:
    g = ledger_gap(_ledger(), 553.8e9, growth=0.6, year=2025)
    current = (13 + 5 + 26 + 8) * 1e9
    assert_allclose(g.current, current)
    assert_allclose(g.gap, 553.8e9 - current)
    assert_allclose(g.years_to_close, math.log(553.8e9 / current) / math.log(1.6))
    assert int(g.breakdown["counted"].sum()) == 4 and len(g.breakdown) == 5
    assert "chip vendors" in g.rule
    d = g.to_dict()
    assert d["year"] == 2025 and len(d["breakdown"]) == 5
    # counting the chip vendor too, on request
    wide = ledger_gap(
        _ledger(),
        553.8e9,
        growth=0.6,
        year=2025,
        seller_roles=("model_lab", "neocloud", "cloud", "hyperscaler", "chip_vendor"),
    )
    assert_allclose(wide.current, current + 115e9)
    with pytest.raises(InputError, match="no AI revenue for 2019"):
        ledger_gap(_ledger(), 553.8e9, growth=0.6, year=2019)
