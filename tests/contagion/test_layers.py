"""Elsinger (2009) clearing with seniority layers and equity cross-holdings."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from contagion._oracle import layered_fixed_point
from contagion._strategies import small_networks
from ouroboros.contagion import edge_losses, eisenberg_noe, elsinger
from ouroboros.errors import InputError


def test_senior_paid_before_junior_by_hand() -> None:
    # B has 9 of assets and owes A 6 (senior) and C 6 (junior): A gets 6, C gets 3.
    senior = [[0, 0, 0], [6, 0, 0], [0, 0, 0]]
    junior = [[0, 0, 0], [0, 0, 6], [0, 0, 0]]
    r = elsinger([senior, junior], [0, 9, 0], entities=["A", "B", "C"])
    assert_allclose(r.paid_by_layer[0, :, 1], [6.0, 3.0])
    assert_allclose(r.received[0], [6.0, 0.0, 3.0])
    assert r.impaired_layer[0].tolist() == [2, 1, 2]
    # the same debts in one pari-passu class would share 9 as 4.5 / 4.5
    one = elsinger([np.add(senior, junior)], [0, 9, 0])
    assert_allclose(one.received[0], [4.5, 0.0, 4.5])
    losses = edge_losses([senior, junior], r)
    assert losses[["layer", "loss"]].values.tolist() == [[1, 3.0]]


def test_cross_holdings_by_hand() -> None:
    # C has 4 + 3 from B and no debts: equity 7, half of it held by A.
    # A has no assets but the stake, and owes D 5: A pays 3.5 and defaults.
    senior = np.zeros((4, 4))
    senior[1, 0] = 6
    senior[0, 3] = 5
    junior = np.zeros((4, 4))
    junior[1, 2] = 6
    theta = np.zeros((4, 4))
    theta[2, 0] = 0.5
    r = elsinger([senior, junior], [0, 9, 4, 0], cross_holdings=theta)
    # A gets 6 from B (senior) + 3.5 of equity = 9.5 >= 5: solvent, equity 4.5
    assert_allclose(r.equity[0], [4.5, 0.0, 7.0, 5.0])
    assert_allclose(r.equity_received[0], [3.5, 0, 0, 0])
    assert not r.default[0, 0]
    # without B's senior debt to A and without C's own assets: B pays C its 6 (B keeps 3),
    # C's equity is 6, A's stake is worth 3 < 5: A defaults and pays D 3.
    senior[1, 0] = 0
    r = elsinger([senior, junior], [0, 9, 0, 0], cross_holdings=theta)
    assert_allclose(r.equity[0], [0.0, 3.0, 6.0, 3.0])
    assert_allclose(r.paid[0, 0], 3.0)
    assert r.default[0].tolist() == [True, False, False, False]


def test_cross_holdings_loop_by_hand() -> None:
    # A and B hold 40% of each other; e = (10, 5), no debts. Equity E = e + 0.4 E_other:
    # E_A = (10 + 0.4*5) / (1 - 0.16), E_B = (5 + 0.4*10) / 0.84
    theta = [[0, 0.4], [0.4, 0]]
    r = elsinger([np.zeros((2, 2))], [10, 5], cross_holdings=theta)
    assert_allclose(r.equity[0], [12 / 0.84, 9 / 0.84], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(net=small_networks(max_n=6), senior=st.booleans())
def test_one_or_two_layers_reproduce_eisenberg_noe(net, senior) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    en = eisenberg_noe(liab, e, ext, external_seniority="senior" if senior else "pari-passu")
    if senior:  # outside creditors form a senior class of their own
        r = elsinger([np.zeros_like(liab), liab], e, [ext, None])
    else:
        r = elsinger([liab], e, [ext])
    assert_allclose(r.paid[0], en.paid[0], atol=1e-9)
    assert_allclose(r.equity[0], en.equity[0], atol=1e-9)
    assert (r.default[0] == en.default[0]).all()


@st.composite
def layered(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 4))
    k = draw(st.integers(1, 2))
    layers = []
    for _ in range(k):
        cells = draw(st.lists(st.integers(0, 12), min_size=n * n, max_size=n * n))
        m = np.array(cells).reshape(n, n)
        np.fill_diagonal(m, 0)
        layers.append(m)
    e = np.array(draw(st.lists(st.integers(0, 15), min_size=n, max_size=n)))
    ext = [np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))) for _ in range(k)]
    theta = [[Fraction(0)] * n for _ in range(n)]
    if draw(st.booleans()):
        for i in range(n):
            for j in range(n):
                if i != j and draw(st.booleans()):
                    theta[i][j] = Fraction(draw(st.integers(1, 3)), 10)
    return layers, e, ext, theta


@settings(max_examples=60, deadline=None)
@given(case=layered())
def test_matches_exhaustive_rational_oracle(case) -> None:  # type: ignore[no-untyped-def]
    layers, e, ext, theta = case
    ref = layered_fixed_point(
        [m.tolist() for m in layers], e.tolist(), [x.tolist() for x in ext], theta
    )
    assume(ref is not None)
    th = np.array([[float(x) for x in row] for row in theta])
    r = elsinger(layers, e, ext, cross_holdings=th if th.any() else None)
    assert_allclose(r.net_worth[0] + r.owed, [float(x) for x in ref], atol=1e-9)
    assert r.residual[0] < 1e-9


@settings(max_examples=40, deadline=None)
@given(case=layered(), data=st.data())
def test_permutation_invariance(case, data) -> None:  # type: ignore[no-untyped-def]
    layers, e, ext, theta = case
    n = e.size
    perm = np.array(data.draw(st.permutations(range(n))))
    th = np.array([[float(x) for x in row] for row in theta])
    r = elsinger(layers, e, ext, cross_holdings=th)
    rp = elsinger(
        [m[np.ix_(perm, perm)] for m in layers], e[perm], [x[perm] for x in ext],
        cross_holdings=th[np.ix_(perm, perm)],
    )  # fmt: skip
    assert_allclose(rp.paid_by_layer[0], r.paid_by_layer[0][:, perm], atol=1e-9)
    assert_allclose(rp.equity[0], r.equity[0][perm], atol=1e-9)


def test_forced_default_and_batch() -> None:
    # A owes B 10 (senior) and C 10 (junior), with plenty of assets; forcing A to fail with
    # 60% recovery pays B 10 and C 2.
    senior = [[0, 10, 0], [0, 0, 0], [0, 0, 0]]
    junior = [[0, 0, 10], [0, 0, 0], [0, 0, 0]]
    r = elsinger([senior, junior], [100, 0, 0], forced_defaults=["0"], recovery=0.6)
    assert_allclose(r.paid_by_layer[0, :, 0], [10.0, 2.0])
    assert r.default_round[0, 0] == 1
    # batch: scenario 0 forces A, scenario 1 shocks nothing
    r = elsinger(
        [senior, junior], [100, 0, 0], forced_defaults=np.array([[1, 0, 0], [0, 0, 0]]),
        recovery=0.6,
    )  # fmt: skip
    assert_allclose(r.paid[:, 0], [12.0, 20.0])
    # the same forced default named by id, given as booleans, or not at all
    ids = elsinger([senior, junior], [100, 0, 0], forced_defaults=["0"], recovery=0.6)
    bools = elsinger(
        [senior, junior], [100, 0, 0], forced_defaults=[True, False, False], recovery=0.6
    )
    assert_allclose(bools.paid, ids.paid)
    nobody = elsinger([senior, junior], [100, 0, 0], forced_defaults=[], recovery=0.6)
    assert_allclose(nobody.paid[0], [20.0, 0.0, 0.0])


def test_bad_input() -> None:
    with pytest.raises(InputError, match="must sum to less than 1"):
        elsinger([np.zeros((2, 2))], [1, 1], cross_holdings=[[0, 1.0], [0, 0]])
    with pytest.raises(InputError, match="owes itself"):
        elsinger([[[1, 0], [0, 0]]], [1, 1])
    with pytest.raises(InputError, match="one vector"):
        elsinger([np.zeros((2, 2))], [1, 1], [[1, 1], [1, 1]])
    with pytest.raises(InputError, match="unknown entity"):
        elsinger([np.zeros((2, 2))], [1, 1], forced_defaults=["x"])
    with pytest.raises(InputError, match="recovery"):
        elsinger([np.zeros((2, 2))], [1, 1], recovery=2.0)


def test_closed_cycle_with_nothing_outside_clears_to_zero() -> None:
    # No one has outside assets and outside creditors rank first: the only clearing is
    # zero payments (a singular system the kernel must not trust).
    liab = np.array([[0, 18, 15, 0], [0, 0, 0, 12], [18, 4, 0, 0], [0, 0, 19, 0]])
    r = elsinger([np.zeros_like(liab), liab], np.zeros(4), [np.array([0, 0, 10, 9]), None])
    assert_allclose(r.paid[0], 0.0)
    en = eisenberg_noe(liab, np.zeros(4), [0, 0, 10, 9], external_seniority="senior")
    assert_allclose(en.paid[0], 0.0)
