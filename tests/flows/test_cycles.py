"""Loops of a circulation: the widest first, and together they rebuild it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose

from flows._flow_helpers import networks
from ouroboros.errors import InputError
from ouroboros.flows import bff_circulation, maximal_circulation, top_cycles


def test_three_friends_loop(friends: tuple[np.ndarray, list[str]]) -> None:
    m, ids = friends
    cyc = top_cycles(maximal_circulation(m, entities=ids))
    assert cyc["path"].tolist() == [["nvidia", "openai", "oracle", "nvidia"]]
    assert cyc[["length", "amount", "flow", "share"]].values.tolist() == [[3, 100, 300, 1.0]]


def test_widest_loop_first_and_shortest_through_it() -> None:
    # a<->b carries 7; a->b->c->a carries 3 on top (a->b is 10); a 4-loop of 2.
    ids = ["a", "b", "c", "d"]
    m = np.zeros((4, 4))
    m[0, 1], m[1, 0] = 10, 7
    m[1, 2], m[2, 0] = 3, 3
    m[2, 3], m[3, 0], m[0, 2] = 2, 2, 2
    cyc = top_cycles(m, entities=ids)
    assert cyc["path"].tolist() == [
        ["a", "b", "a"],
        ["a", "b", "c", "a"],
        ["a", "c", "d", "a"],
    ]
    assert cyc["amount"].tolist() == [7, 3, 2]
    assert cyc["share"].sum() == pytest.approx(1.0)


def test_max_cycles_bounds_the_list() -> None:
    ring = np.roll(np.eye(6), 1, axis=1)
    m = ring + ring.T * 2
    assert len(top_cycles(m, max_cycles=1)) == 1
    assert top_cycles(m, max_cycles=0).empty
    with pytest.raises(InputError, match="max_cycles"):
        top_cycles(m, max_cycles=-1)


def test_acyclic_has_no_loops() -> None:
    assert top_cycles(np.triu(np.ones((4, 4)), 1)).empty


@settings(max_examples=40, deadline=None)
@given(networks())
def test_loops_add_up_to_the_circulation(m: np.ndarray) -> None:
    res = bff_circulation(m)
    c = np.asarray(res.circular_matrix.toarray())
    cyc = top_cycles(res, max_cycles=10_000)
    rebuilt = np.zeros_like(c)
    for path, amount in zip(cyc["path"], cyc["amount"], strict=True):
        assert path[0] == path[-1] and len(set(path[:-1])) == len(path) - 1  # simple loop
        for a, b in itertools.pairwise(path):
            rebuilt[int(a), int(b)] += amount
    assert_allclose(rebuilt, c, atol=1e-6 * max(1.0, m.max()))
    assert list(cyc["amount"]) == sorted(cyc["amount"], reverse=True) or len(cyc) <= 1
