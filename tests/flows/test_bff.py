"""Balanced Flow Forwarding: hand-computed examples and its defining properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose

import ouroboros.flows._bff as bff_module
from flows._flow_helpers import balance, is_acyclic, networks
from ouroboros.flows import bff_circulation, maximal_circulation
from ouroboros.flows._bff import forwarding_rates, round_circulation


def circ_matrix(m: np.ndarray) -> np.ndarray:
    res = bff_circulation(m)
    return np.asarray(res.circular_matrix.toarray())


def test_readme_example_of_the_paper_authors() -> None:
    # 1->2, 2->3, 1->3, 3->1 (all 1). P = [[0,.5,.5],[0,0,1],[1,0,0]], stationary
    # pi = (.4,.2,.4); pi_i P_ij = (.2,.2,.2,.4) is balanced and fits 2.5 times:
    # 1->2 .5, 1->3 .5, 2->3 .5, 3->1 1. The rest (.5,.5,.5) is acyclic.
    m = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0.0]])
    c = circ_matrix(m)
    assert_allclose(c, [[0, 0.5, 0.5], [0, 0, 0.5], [1, 0, 0]])
    res = bff_circulation(m)
    assert res.circular_flow == pytest.approx(2.5)
    assert res.circular_flow < maximal_circulation(m).circular_flow  # 3, see test_maximal


def test_shared_edge_is_split_in_proportion_to_flows() -> None:
    # x->hub 4, hub->a 3, hub->b 2, a->x 3, b->x 2. Stationary pi ~ (1, 1, .6, .4),
    # outflows (4, 5, 3, 2): rates pi/out = (.25, .2, .2, .2) -> scaled (1, .8, .8, .8).
    m = np.zeros((4, 4))
    m[0, 1], m[1, 2], m[1, 3], m[2, 0], m[3, 0] = 4, 3, 2, 3, 2
    c = circ_matrix(m)
    assert (c[0, 1], c[1, 2], c[1, 3], c[2, 0], c[3, 0]) == pytest.approx((4, 2.4, 1.6, 2.4, 1.6))


def test_two_rounds() -> None:
    # Triangle a->b->c->a (1 each) and a 2-cycle c<->d (c->d 10, d->c 1). Round 1:
    # pi ~ (1/11, 1/11, 1, 10/11), out (1, 1, 11, 1), rates (1/11, 1/11, 1/11, 10/11):
    # d saturates, the triangle forwards 0.1. Round 2: what is left of the triangle (0.9
    # each) is a balanced cycle and goes entirely.
    m = np.zeros((4, 4))
    m[0, 1] = m[1, 2] = m[2, 0] = 1
    m[2, 3], m[3, 2] = 10, 1
    c = circ_matrix(m)
    expected = np.zeros((4, 4))
    expected[0, 1] = expected[1, 2] = expected[2, 0] = 1
    expected[2, 3] = expected[3, 2] = 1
    assert_allclose(c, expected, atol=1e-12)
    assert_allclose(forwarding_rates(4, *np.nonzero(m), m[np.nonzero(m)]), [0.1, 0.1, 0.1, 1])


def test_balanced_network_is_all_circular_and_acyclic_is_none() -> None:
    ring = np.roll(np.eye(5), 1, axis=1) * 7.0
    assert bff_circulation(ring).circular_flow == pytest.approx(35.0)
    dag = np.triu(np.ones((5, 5)), 1)
    assert bff_circulation(dag).circular_flow == 0.0


def test_large_component_uses_the_iterative_solver() -> None:
    # a 500-node ring with chords: above the dense limit; the ring part (1 each) plus
    # chords i -> i+2 (2 each) and nothing else: every node forwards 3 and gets 3.
    n = 500
    m = np.zeros((n, n))
    idx = np.arange(n)
    m[idx, (idx + 1) % n] = 1.0
    m[idx, (idx + 2) % n] = 2.0
    assert bff_circulation(m).circular_flow == pytest.approx(3.0 * n)


@pytest.mark.parametrize("steps", [3000, 0])  # power iteration, or straight to sparse LU
def test_iterative_and_sparse_paths_agree_with_the_exact_solve(
    steps: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(7)
    n = 160
    m = np.where(rng.random((n, n)) < 0.02, rng.integers(1, 100, (n, n)), 0).astype(float)
    m[np.arange(n), (np.arange(n) + 1) % n] += 1.0  # one big component
    monkeypatch.setattr(bff_module, "_DENSE_LIMIT", 10_000)
    exact = circ_matrix(m)
    monkeypatch.setattr(bff_module, "_DENSE_LIMIT", 20)
    monkeypatch.setattr(bff_module, "_POWER_STEPS", steps)
    assert_allclose(circ_matrix(m), exact, rtol=1e-7, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_defining_properties(m: np.ndarray) -> None:
    off = m - np.diag(np.diag(m))
    c = circ_matrix(m)
    assert np.all(c >= 0) and np.all(c <= off * (1 + 1e-12) + 1e-12)  # at most the flow
    assert_allclose(balance(c), 0, atol=1e-8 * max(1.0, off.max()))  # balanced
    assert is_acyclic(off - c, tol=1e-7 * max(1.0, off.max()))  # the rest is acyclic
    assert c.sum() <= maximal_circulation(m).circular_flow + 1e-6  # at most maximal
    # unique: the same network listed in another node order gives the same split
    perm = np.random.default_rng(0).permutation(m.shape[0])
    c_perm = circ_matrix(m[np.ix_(perm, perm)])
    assert_allclose(c_perm, c[np.ix_(perm, perm)], atol=1e-8 * max(1.0, off.max()))


def test_rounding_to_cents_keeps_balance() -> None:
    # the BFF split of the README example on amounts of 101 cents: 50.5 is not whole
    src = np.array([0, 0, 1, 2])
    dst = np.array([1, 2, 2, 0])
    real = np.array([50.5, 50.5, 50.5, 101.0])
    cap = np.array([101, 101, 101, 101])
    got = round_circulation(3, src, dst, real, cap)
    assert np.all(np.abs(got - real) < 1)
    out = np.bincount(src, weights=got, minlength=3)
    inn = np.bincount(dst, weights=got, minlength=3)
    assert_allclose(out, inn)
