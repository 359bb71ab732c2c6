"""The batched clearing and fire-sale kernels against the contagion package (second method)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.contagion import elsinger, greenwood_landier_thesmar, rogers_veraart
from ouroboros.scenarios._clearing import Scatter, clear
from ouroboros.scenarios._firesale import fire_sale_round


def _edges(layers: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    deb, cre, lay, face = [], [], [], []
    for k, m in enumerate(layers):
        i, j = np.nonzero(m)
        deb += list(i)
        cre += list(j)
        lay += [k] * len(i)
        face += list(m[i, j])
    return (
        np.array(face, dtype=float)[None, :],
        np.array(deb, dtype=np.int64),
        np.array(cre, dtype=np.int64),
        np.array(lay, dtype=np.int64),
    )


def _network(
    seed: int, n: int, k: int
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(k):
        m = np.where(rng.random((n, n)) < 0.3, rng.uniform(0, 10, (n, n)), 0.0)
        np.fill_diagonal(m, 0.0)
        layers.append(m)
    e = rng.uniform(0, 15, n)
    ext = np.array([rng.uniform(0, 3, n) * (rng.random(n) < 0.5) for _ in range(k)])
    theta = np.where(rng.random((n, n)) < 0.2, rng.uniform(0, 0.4, (n, n)), 0.0)
    np.fill_diagonal(theta, 0.0)
    theta /= np.maximum(theta.sum(axis=1, keepdims=True) / 0.9, 1.0)
    return layers, e, ext, theta


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 9), k=st.integers(1, 3))
@example(seed=1697, n=9, k=3)
def test_clearing_matches_elsinger(seed: int, n: int, k: int) -> None:
    layers, e, ext, theta = _network(seed, n, k)
    ref = elsinger(layers, e, list(ext), cross_holdings=theta)
    face, deb, cre, lay = _edges(layers)
    ti, th = np.nonzero(theta)
    got = clear(face, deb, cre, lay, ext[None], e[None], ti, th, theta[ti, th])
    assert (got.default[0] == ref.default[0]).all()
    assert_allclose(got.equity[0], ref.equity[0], rtol=1e-7, atol=1e-7)
    assert_allclose(got.pay.sum(), ref.paid_network[0].sum(), rtol=1e-7, atol=1e-7)
    # per class and debtor; both solvers stop on a step below ~1e-10 of the largest value,
    # and with cross-holdings near 0.9 the error is ~10x the last step (seed 1697, n=9, k=3:
    # 1.8e-8 apart), so the same 1e-7 as above, not tighter
    for c in range(k):
        for i in range(n):
            mine = (lay == c) & (deb == i)
            assert_allclose(
                got.pay[0, mine].sum() + got.ext_paid[0, c, i],
                ref.paid_by_layer[0, c, i],
                rtol=1e-7,
                atol=1e-7,
            )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 9),
    alpha=st.floats(0.0, 1.0),
    beta=st.floats(0.0, 1.0),
)
def test_clearing_matches_rogers_veraart(seed: int, n: int, alpha: float, beta: float) -> None:
    layers, e, ext, _ = _network(seed, n, 1)
    ref = rogers_veraart(
        layers[0], e, ext[0], alpha=alpha, beta=beta, external_seniority="pari-passu"
    )
    face, deb, cre, lay = _edges(layers)
    none = np.zeros(0, dtype=np.int64)
    got = clear(
        face, deb, cre, lay, ext[None, :1], e[None], none, none, np.zeros(0), alpha=alpha, beta=beta
    )
    assert (got.default[0] == ref.default[0]).all()
    assert_allclose(got.pay[0].sum() + got.ext_paid.sum(), ref.paid[0].sum(), rtol=1e-7, atol=1e-7)


def test_forced_default_and_seniority_by_hand() -> None:
    # B owes A 6 (secured) and C 6 (senior) and has 9 of assets; forced into default with
    # alpha = 0.5 it realises 4.5: A gets 4.5, C nothing. C, with 1 of assets and 3 of debt
    # to D, then fails too; with beta = 0.8 it hands D 0.8 * 0 + 0.5 * 1 = 0.5.
    face = np.array([[6.0, 6.0, 3.0]])
    deb = np.array([1, 1, 2])
    cre = np.array([0, 2, 3])
    lay = np.array([0, 1, 1])
    e = np.array([[0.0, 9.0, 1.0, 0.0]])
    none = np.zeros(0, dtype=np.int64)
    forced = np.array([[False, True, False, False]])
    got = clear(
        face,
        deb,
        cre,
        lay,
        np.zeros((1, 2, 4)),
        e,
        none,
        none,
        np.zeros(0),
        forced=forced,
        alpha=0.5,
        beta=0.8,
    )
    assert_allclose(got.pay[0], [4.5, 0.0, 0.5])
    assert got.default[0].tolist() == [False, True, True, False]
    assert_allclose(got.distributable[0, [1, 2]], [4.5, 0.5])


def test_runs_are_cleared_independently() -> None:
    layers, e, ext, theta = _network(5, 7, 2)
    face, deb, cre, lay = _edges(layers)
    ti, th = np.nonzero(theta)
    scales = np.array([0.2, 1.0, 3.0, 0.7])
    batch = clear(
        face * scales[:, None],
        deb,
        cre,
        lay,
        np.broadcast_to(ext, (4, 2, 7)),
        np.broadcast_to(e, (4, 7)),
        ti,
        th,
        theta[ti, th],
    )
    for r, s in enumerate(scales):
        one = clear(face * s, deb, cre, lay, ext[None], e[None], ti, th, theta[ti, th])
        assert (one.pay[0] == batch.pay[r]).all() and (one.value[0] == batch.value[r]).all()


def test_scatter_sums_in_a_fixed_order() -> None:
    s = Scatter.build(np.array([2, 0, 2, 1]), 4)
    v = np.array([[1.0, 2.0, 4.0, 8.0], [0.5, 0.0, 0.5, 1.0]])
    assert s.sum(v).tolist() == [[2.0, 8.0, 5.0, 0.0], [0.0, 1.0, 1.0, 0.0]]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), k=st.integers(1, 4))
def test_fire_sales_match_greenwood_landier_thesmar(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    holdings = rng.uniform(1, 100, (n, k))
    # equity 5-30% of assets and falls of at most 5%: sales b x stay below the holdings
    # (the kernel never sells more than a holder has; GLT's linear response does not check)
    equity = holdings.sum(axis=1) * rng.uniform(0.05, 0.3, n)
    shock = rng.uniform(-0.05, 0.0, (3, k))
    impact = rng.uniform(1e-6, 1e-4, k)
    ref = greenwood_landier_thesmar(holdings, equity, shock=shock, price_impact=impact)
    loss = -(shock @ holdings.T)
    leverage = (holdings.sum(axis=1) - equity) / equity
    got = fire_sale_round(loss, leverage, holdings, impact)
    assert_allclose(got.sold, ref.sold, rtol=1e-10, atol=1e-12)
    assert_allclose(got.second_round_loss, ref.measures["fire_sale_loss"], rtol=1e-10, atol=1e-12)
