"""Maximal circulation (MTCS): worked examples, invariants, an independent LP."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose
from scipy import sparse

from flows._flow_helpers import balance, is_acyclic, lp_max_circulation, networks
from ouroboros.errors import InputError
from ouroboros.flows import bff_circulation, maximal_circulation
from ouroboros.model import Ledger
from ouroboros.views import money_flows


def dense(res_edges: object, ids: list[str], col: str) -> np.ndarray:
    import pandas as pd

    assert isinstance(res_edges, pd.DataFrame)
    pos = {e: i for i, e in enumerate(ids)}
    out = np.zeros((len(ids), len(ids)))
    for p, q, v in res_edges[["payer", "payee", col]].itertuples(index=False):
        out[pos[p], pos[q]] = v
    return out


def test_three_friends_are_fully_circular(friends: tuple[np.ndarray, list[str]]) -> None:
    # Seed 000: Nvidia -> OpenAI -> Oracle -> Nvidia, $100 each: $300 booked, all circular.
    m, ids = friends
    res = maximal_circulation(m, entities=ids)
    assert res.circular_flow == 300.0
    assert res.total_flow == 350.0  # plus 50 of outside revenue to Oracle
    assert res.circularity == pytest.approx(300 / 350)
    assert res.remaining_flow == 50.0
    by = res.by_entity.set_index("id")
    assert by.loc["oracle", "circular_share"] == pytest.approx(100 / 150)
    assert by.loc["nvidia", "circular_share"] == 1.0
    # NID: Oracle is owed 50 net, the world owes 50 net
    assert res.nid_before == res.nid_after == 50.0


def test_longer_loop_beats_bilateral_netting() -> None:
    # i->j 5, j->i 3, j->k 10, k->i 10. Netting the pair first clears 6 + 2*3 = 12; the
    # optimum sends all 5 of i->j round i->j->k->i: 3*5 = 15 (hand LP: max 2a + 3b,
    # a + b <= 5, a <= 3, with a on j->i and b on j->k).
    m = np.zeros((3, 3))
    m[0, 1], m[1, 0], m[1, 2], m[2, 0] = 5, 3, 10, 10
    res = maximal_circulation(m)
    assert res.circular_flow == 15.0
    c = dense(res.edges, res.entities, "circular")
    assert_allclose(c, [[0, 5, 0], [0, 0, 5], [5, 0, 0]])


def test_homs_dones_readme_example_maximal_is_three() -> None:
    # 1->2, 2->3, 1->3, 3->1, all 1: 3->1 can close either 1->3->1 (2 units of flow) or
    # 1->2->3->1 (3 units); the maximum takes the longer loop.
    m = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0.0]])
    res = maximal_circulation(m)
    assert res.circular_flow == 3.0
    assert res.circularity == 0.75


def test_rest_of_world_cannot_close_a_loop() -> None:
    # a pays the world 10 and the world pays a 10: a loop through the world is not
    # circular revenue (different outsiders), so excluding it leaves nothing circular.
    m = np.array([[0, 10.0], [10.0, 0]])
    assert maximal_circulation(m).circular_flow == 20.0
    res = maximal_circulation(m, entities=["a", "world"], exclude=["world"])
    assert res.circular_flow == 0.0
    assert res.total_flow == 20.0


def test_priorities_choose_which_loop_is_cleared() -> None:
    # Two loops share x -> hub (4): via a (3) or via b (2). Unweighted any split with
    # a in [2, 3] is maximal; weight 10 on b's loop makes b's loop full first.
    m = np.zeros((4, 4))
    m[0, 1], m[1, 2], m[1, 3], m[2, 0], m[3, 0] = 4, 3, 2, 3, 2
    w = np.zeros((4, 4))
    w[0, 1], w[1, 2], w[2, 0] = 1, 1, 1
    w[1, 3], w[3, 0] = 10, 10
    res = maximal_circulation(m, weights=w)
    c = dense(res.edges, res.entities, "circular")
    assert (c[1, 3], c[3, 0], c[1, 2], c[2, 0], c[0, 1]) == (2, 2, 2, 2, 4)
    # weight 0 keeps an edge out of any set-off
    w[1, 3] = 0
    res = maximal_circulation(m, weights=w)
    c = dense(res.edges, res.entities, "circular")
    assert (c[1, 3], c[3, 0], c[1, 2]) == (0, 0, 3)


def test_amounts_are_rounded_down_to_cents() -> None:
    # 0.015 each way: the solver sees 1 cent, the remaining 0.005 stays in the remainder
    m = np.array([[0, 0.015], [0.015, 0]])
    res = maximal_circulation(m)
    assert_allclose(res.edges["circular"], [0.01, 0.01])
    assert_allclose(res.edges["remainder"], [0.005, 0.005])
    coarse = maximal_circulation(m, resolution=0.02)
    assert coarse.circular_flow == 0.0


def test_flow_view_uses_cents_of_the_dataset_unit() -> None:
    lg = Ledger.model_validate(
        {
            "meta": {"name": "t", "unit": "billion"},
            "sources": [{"id": "s", "title": "t"}],
            "entities": [
                {"id": "a", "name": "A", "roles": ["cloud"]},
                {"id": "b", "name": "B", "roles": ["model_lab"]},
            ],
            "instruments": [
                {"id": "x", "kind": "loan", "from": "a", "to": "b", "amount": 1.23456789012,
                 "start": "2026-01-01", "sources": ["s"]},
                {"id": "y", "kind": "loan", "from": "b", "to": "a", "amount": 2,
                 "start": "2026-01-01", "sources": ["s"]},
            ],
        }
    )  # fmt: skip
    res = maximal_circulation(money_flows(lg))
    assert res.parameters["resolution"] == pytest.approx(1e-11)
    # $1,234,567,890.12 of the 1.23456789012 billion is set off, to the cent
    assert res.edges.set_index("payer").loc["a", "circular"] == pytest.approx(1.23456789012)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_invariants_and_lp_optimum(m: np.ndarray) -> None:
    res = maximal_circulation(m)
    c = dense(res.edges, res.entities, "circular")
    r = dense(res.edges, res.entities, "remainder")
    off = m - np.diag(np.diag(m))
    assert np.all(r >= 0) and np.all(r <= off + 1e-12)
    assert_allclose(c + r, off, atol=1e-9)
    assert_allclose(balance(c), 0, atol=1e-9)  # circular part balanced at every node
    assert_allclose(balance(r), balance(off), atol=1e-9)  # net positions unchanged
    assert res.nid_after == pytest.approx(res.nid_before)
    assert res.circular_flow == pytest.approx(lp_max_circulation(off), abs=1e-6)
    assert is_acyclic(r)  # nothing circular is left over
    assert bff_circulation(m).circular_flow <= res.circular_flow + 1e-9


@settings(max_examples=30, deadline=None)
@given(networks(decimals=2))
def test_decimal_amounts_match_the_lp(m: np.ndarray) -> None:
    res = maximal_circulation(sparse.csr_array(m))
    assert res.circular_flow == pytest.approx(lp_max_circulation(m), abs=1e-6)


@pytest.mark.parametrize(
    ("flows", "kwargs", "field", "text"),
    [
        (np.zeros((2, 3)), {}, "flows", "square"),
        (np.zeros(3), {}, "flows", "2-D"),
        (np.array([[0, -1.0], [1, 0]]), {}, "flows", ">= 0"),
        (np.array([[0, np.nan], [1, 0]]), {}, "flows", "finite"),
        (np.zeros((2, 2)), {"entities": ["a"]}, "entities", "1 entity ids"),
        (np.zeros((2, 2)), {"entities": ["a", "a"]}, "entities", "unique"),
        (np.zeros((2, 2)), {"exclude": ["zz"]}, "exclude", "unknown entity 'zz'"),
        (np.zeros((2, 2)), {"resolution": 0.0}, "resolution", "> 0"),
        (np.array([[0, 1e30], [1e30, 0]]), {}, "resolution", "coarser resolution"),
        (np.ones((2, 2)), {"weights": -np.ones((2, 2))}, "weights", "whole numbers"),
        (np.ones((2, 2)), {"weights": np.full((2, 2), 0.5)}, "weights", "whole numbers"),
        (np.ones((2, 2)), {"weights": np.ones((3, 3))}, "weights", "2 x 2"),
    ],
)
def test_bad_input_names_the_parameter(
    flows: np.ndarray, kwargs: dict[str, object], field: str, text: str
) -> None:
    with pytest.raises(InputError, match=text) as info:
        maximal_circulation(flows, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
