"""Return probabilities and Finn's cycling index, checked by hand and by hitting times."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose

from flows._flow_helpers import networks
from ouroboros.flows import open_system


def test_finn_hand_example() -> None:
    # world -> a 10, a -> b 15, b -> a 5, b -> world 10. T_a = T_b = 15 (TST 30).
    # G: a->b 1, b->a 1/3; a unit at a returns with probability 1 * 1/3, same for b;
    # cycled throughflow 5 + 5 = 10: FCI = 10/30 (Finn 1980).
    m = np.array([[0, 10, 0], [0, 0, 15], [10, 5, 0.0]])
    res = open_system(m, entities=["world", "a", "b"], outside=["world"])
    assert res.total_system_throughflow == 30.0
    assert res.finn_cycling_index == pytest.approx(1 / 3)
    assert_allclose(res.entities["cycled"], [1 / 3, 1 / 3])
    assert_allclose(res.entities["return_probability"], [1 / 3, 1 / 3])
    assert res.entities["id"].tolist() == ["a", "b"]  # the world is the boundary


def test_retained_money_is_absorbed() -> None:
    # world -> a 10, a -> b 10, b -> a 4; b keeps 6. T_a = max(14, 10) = 14, T_b = 10.
    # A dollar a pays reaches b, which passes on 4/10 of what it gets: 0.4. A dollar b
    # pays reaches a, which passes on 10/14: 5/7. Cycled = (10/14)(4/10) = 2/7 for both;
    # FCI = 2/7 * (14 + 10) / 24 = 2/7.
    m = np.array([[0, 10, 0], [0, 0, 10], [0, 4, 0.0]])
    res = open_system(m, entities=["world", "a", "b"], outside=["world"])
    assert_allclose(res.entities["return_probability"], [0.4, 5 / 7])
    assert_allclose(res.entities["cycled"], [2 / 7, 2 / 7])
    assert res.finn_cycling_index == pytest.approx(2 / 7)


def test_closed_and_acyclic_extremes() -> None:
    ring = np.roll(np.eye(4), 1, axis=1) * 3.0
    res = open_system(ring)
    assert_allclose(res.entities["return_probability"], 1.0)
    assert res.finn_cycling_index == 1.0
    dag = np.triu(np.ones((4, 4)), 1)
    res = open_system(dag)
    assert res.finn_cycling_index == 0.0
    assert np.isnan(res.entities["return_probability"].iloc[-1])  # pays nothing


def _return_by_hitting(m: np.ndarray, i: int) -> float:
    """P(a dollar i pays out comes back), via hitting probabilities (no inverse of I-G)."""
    n = m.shape[0]
    through = np.maximum(m.sum(0), m.sum(1))
    g = np.divide(m, through[:, None], out=np.zeros_like(m), where=through[:, None] > 0)
    others = [k for k in range(n) if k != i]
    # h_j = P(reach i from j) = g_ji + sum_{k != i} g_jk h_k
    a = np.eye(n - 1) - g[np.ix_(others, others)]
    h = np.linalg.lstsq(a, g[others, i], rcond=None)[0]
    paid = m[i].sum()
    return float((m[i, others] @ h) / paid) if paid > 0 else float("nan")


@settings(max_examples=40, deadline=None)
@given(networks(max_nodes=6))
def test_matches_hitting_probabilities(m: np.ndarray) -> None:
    # every node also pays 1 to an outside node (which pays nothing back): no component
    # is closed, and the outside node absorbs
    n = m.shape[0]
    big = np.zeros((n + 1, n + 1))
    big[:n, :n] = m
    big[:n, n] = 1.0
    res = open_system(big, outside=[str(n)])
    for i in range(n):
        assert res.entities["return_probability"][i] == pytest.approx(
            _return_by_hitting(big, i), abs=1e-9
        )
