"""The adapter from a ledger's claims view to the contagion engine."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from ouroboros.contagion import edge_losses, ledger_contagion, ledger_network
from ouroboros.errors import InputError
from ouroboros.model import Ledger


def _toy() -> Ledger:
    return Ledger.model_validate(
        {
            "meta": {"name": "toy"},
            "sources": [{"id": "s", "title": "t"}],
            "entities": [
                {"id": "bank", "name": "Bank", "roles": ["bank"]},
                {"id": "fund", "name": "Fund", "roles": ["private_credit"]},
                {"id": "neo", "name": "Neo", "roles": ["neocloud"],
                 "financials": {2024: {"total_assets": 12.0, "equity": 2.0}}},
            ],
            "instruments": [
                {"id": "l1", "kind": "loan", "from": "bank", "to": "fund", "amount": 5,
                 "start": "2024-01-01", "seniority": "secured", "sources": ["s"]},
                {"id": "l2", "kind": "loan", "from": "fund", "to": "neo", "amount": 7.5,
                 "start": "2024-01-01", "seniority": "secured", "sources": ["s"]},
            ],
        }
    )  # fmt: skip


def test_assumptions_follow_the_stated_rules() -> None:
    net = ledger_network(_toy(), equity_ratio=0.1)
    a = net.assumptions.set_index("entity")
    # neo: total assets 12, equity 2 -> liabilities 10, of which 7.5 to the fund
    assert_allclose(a.loc["neo", ["external_assets", "external_liabilities"]], [12.0, 2.5])
    # fund: no figures; liabilities = its 5 of network debt, assets 5 / 0.9, of which its
    # 7.5 claim on neo already covers more than all: no external assets
    assert a.loc["fund", "external_assets"] == 0.0
    assert "assumed" in a.loc["fund", "basis"]
    assert_allclose(net.external_liabilities[1], [0.0, 0.0, 2.5])


def test_named_default_chain() -> None:
    net = ledger_network(_toy())
    r = ledger_contagion(net, default=["neo"])
    assert r.default_round[0].tolist() == [0, 2, 1]
    losses = edge_losses(list(net.layers), r)
    assert losses[["debtor", "creditor", "loss"]].astype(
        {"debtor": str, "creditor": str}
    ).values.tolist() == [
        ["neo", "fund", 7.5],
        ["fund", "bank", 5.0],
    ]
    half = ledger_contagion(net, default=["neo"], recovery=0.8)
    # the outside creditors' 2.5 rank senior (layer 1) but the fund's loan is secured
    # (layer 0): it recovers min(7.5, 0.8 * 10) = 7.5 and survives
    assert not half.default[0, 1]
    with pytest.raises(InputError, match="unknown entity 'nope'"):
        ledger_contagion(net, default=["nope"])
