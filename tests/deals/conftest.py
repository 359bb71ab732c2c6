"""Shared fixtures for the deal engine tests: a small annual SPV built from plain data."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ouroboros.deals import DealSpec, deal_from_data


def toy_data() -> dict[str, Any]:
    """A ten-year annual SPV: a 20-a-year lease pays a 100 level-amortising 6% bond."""
    return {
        "id": "toy",
        "name": "Toy SPV",
        "unit": "million",
        "calendar": {"close": "2025-12-31", "end": "2035-12-31", "frequency": "annual"},
        "rates": {"sofr": 0.04, "treasury": 0.03, "discount_rate": 0.06},
        "assets": [
            {
                "id": "lease",
                "kind": "lease",
                "tenant": "tenant",
                "rent": 20.0,
                "start": "2026-01-01",
                "initial_term_years": 10,
                "value": 100.0,
                "residual_value": 1.0,
            }
        ],
        "tranches": [
            {
                "id": "senior",
                "amount": 100.0,
                "rate": {"fixed": 0.06},
                "amortisation": {"kind": "level"},
                "maturity": "2035-12-31",
            }
        ],
        "equity": {"amount": 20.0, "holders": [{"id": "sponsor", "share": 1.0}]},
        "close": {"payments": [{"id": "asset", "amount": 120.0}]},
        "waterfalls": {
            "operation": [
                {"action": "pay_interest"},
                {"action": "pay_principal"},
                {"action": "distribute"},
            ]
        },
    }


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` into a copy of ``base`` (lists and scalars are replaced)."""
    out = copy.deepcopy(base)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


@pytest.fixture
def toy() -> Callable[..., DealSpec]:
    """``toy(**patch)``: the toy deal with top-level keys replaced or deep-merged."""

    def make(**patch: Any) -> DealSpec:
        return deal_from_data(merge(toy_data(), patch))

    return make


@pytest.fixture
def toy_yaml(tmp_path: Path) -> Path:
    """The toy deal written as a YAML spec file."""
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(toy_data(), sort_keys=False))
    return path


@pytest.fixture
def cli_main() -> Callable[[list[str]], int]:
    """``ouroboros.cli.main`` with the ``deal`` group registered (until the lead wires it)."""
    import ouroboros.cli as cli
    from ouroboros.cli import _deals

    if not any(g.name == "deal" for g in cli.app.registered_groups):
        _deals.register(cli.app)
    return cli.main
