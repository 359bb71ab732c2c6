"""DebtRank: single-hit (Battiston et al. 2012) and differential (Bardoscia et al. 2015)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.contagion import debtrank
from ouroboros.errors import InputError


def test_two_banks_by_hand() -> None:
    # A lent 30 to B, B lent 40 to A; buffers 100; A loses half its buffer.
    exposures = [[0, 30], [40, 0]]
    single = debtrank(exposures, [100, 100], shock=[0.5, 0], weights=[1, 1])
    # single-hit: B gets 0.4 * 0.5 = 0.2, then A gets 0.3 * 0.2 = 0.06 once; then stop
    assert_allclose(single.stress[0], [0.56, 0.2])
    assert_allclose(single.debtrank[0], 0.5 * 0.56 + 0.5 * 0.2 - 0.5 * 0.5)
    assert single.rounds[0] == 2
    # differential: every increment passes on: h = h0 + Lambda h, so
    # h_A = 0.5 / (1 - 0.3 * 0.4), h_B = 0.4 h_A
    diff = debtrank(exposures, [100, 100], shock=[0.5, 0], weights=[1, 1], method="differential")
    h_a = 0.5 / (1 - 0.12)
    assert_allclose(diff.stress[0], [h_a, 0.4 * h_a], rtol=1e-10)
    assert_allclose(diff.debtrank[0], 0.5 * (h_a + 0.4 * h_a) - 0.25, rtol=1e-10)


def test_impact_capped_at_one() -> None:
    # B lent 300 to A against a buffer of 100: A's default wipes B out (impact min(1, 3)).
    r = debtrank([[0, 0], [300, 0]], [100, 100], shock=[0.2, 0], weights=[1, 1])
    assert_allclose(r.stress[0], [0.2, 0.2])  # single-hit: W = 1, passes 0.2
    d = debtrank(
        [[0, 0], [300, 0]], [100, 100], shock=[0.2, 0], weights=[1, 1], method="differential"
    )
    assert_allclose(d.stress[0], [0.2, 0.6])  # Lambda = 3 is not capped, h is
    d = debtrank(
        [[0, 0], [300, 0]], [100, 100], shock=[0.5, 0], weights=[1, 1], method="differential"
    )
    assert_allclose(d.stress[0], [0.5, 1.0])
    assert d.defaults[0].tolist() == [False, True]


def test_default_weights_follow_interbank_assets_or_total_assets() -> None:
    exposures = [[0, 10], [30, 0]]
    r = debtrank(exposures, [100, 100], shock=[1, 0])
    assert_allclose(r.weights, [0.25, 0.75])
    r = debtrank(exposures, [100, 100], shock=[1, 0], total_assets=[300, 100])
    assert_allclose(r.weights, [0.75, 0.25])
    assert_allclose(r.debtrank[0], 0.25 * 0.3)


@st.composite
def exposure_cases(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 7))
    a = np.array(draw(st.lists(st.integers(0, 30), min_size=n * n, max_size=n * n)))
    a = a.reshape(n, n)
    np.fill_diagonal(a, 0)
    buffers = np.array(draw(st.lists(st.integers(1, 40), min_size=n, max_size=n)))
    shock = np.array(draw(st.lists(st.sampled_from([0, 0, 0.25, 0.5, 1]), min_size=n, max_size=n)))
    return a, buffers, shock


@settings(max_examples=60, deadline=None)
@given(case=exposure_cases())
def test_differential_never_below_single_hit_and_bounds(case) -> None:  # type: ignore[no-untyped-def]
    a, buffers, shock = case
    s = debtrank(a, buffers, shock=shock, weights=np.ones(len(buffers)))
    d = debtrank(a, buffers, shock=shock, weights=np.ones(len(buffers)), method="differential")
    for r in (s, d):
        assert (r.stress >= shock - 1e-15).all()
        assert (r.stress <= 1).all()
        assert 0 <= r.debtrank[0] <= 1 + 1e-12
    assert (d.stress >= s.stress - 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(case=exposure_cases(), data=st.data())
def test_permutation_invariance(case, data) -> None:  # type: ignore[no-untyped-def]
    a, buffers, shock = case
    perm = np.array(data.draw(st.permutations(range(len(buffers)))))
    for method in ("single-hit", "differential"):
        r = debtrank(a, buffers, shock=shock, weights=np.arange(1, len(buffers) + 1), method=method)
        rp = debtrank(
            a[np.ix_(perm, perm)], buffers[perm], shock=shock[perm],
            weights=np.arange(1, len(buffers) + 1)[perm], method=method,
        )  # fmt: skip
        assert_allclose(rp.stress[0], r.stress[0][perm], atol=1e-12)
        assert_allclose(rp.debtrank, r.debtrank, atol=1e-12)


def test_on_a_dag_with_small_impacts_both_versions_agree() -> None:
    # a chain shocked at its root moves each stress once: both versions coincide
    a = np.zeros((4, 4))
    a[1, 0], a[2, 1], a[3, 2] = 50, 20, 80
    for h0 in ([1, 0, 0, 0], [0.3, 0, 0, 0]):
        s = debtrank(a, [100] * 4, shock=h0)
        d = debtrank(a, [100] * 4, shock=h0, method="differential")
        assert_allclose(s.stress, d.stress)
    # shocked at two points, node 2 is hit twice; single-hit passes on only the first
    # hit: h3 = 0.8 * 0.5, while differential adds 0.8 * (0.2 * 0.15)
    h0 = [0.3, 0, 0.5, 0]
    assert_allclose(debtrank(a, [100] * 4, shock=h0).stress[0], [0.3, 0.15, 0.53, 0.4])
    d = debtrank(a, [100] * 4, shock=h0, method="differential")
    assert_allclose(d.stress[0], [0.3, 0.15, 0.53, 0.424])


def test_batch_and_history() -> None:
    a = np.array([[0, 30, 0], [40, 0, 10], [0, 50, 0]])
    shocks = np.eye(3)
    batch = debtrank(a, [100, 100, 100], shock=shocks)
    for k in range(3):
        one = debtrank(a, [100, 100, 100], shock=shocks[k])
        assert_allclose(batch.stress[k], one.stress[0])
        assert_allclose(batch.debtrank[k], one.debtrank[0])
    hist = batch.stress_by_round
    last = hist.sort_values("round").groupby(["scenario", "entity"], observed=True)["h"].last()
    for (scen, ent), h in last.items():
        assert h == pytest.approx(batch.stress[scen, batch.ids.index(str(ent))])


def test_dataframe_input_and_bad_input() -> None:
    x = pd.DataFrame({"holder": ["b"], "counterparty": ["a"], "amount": [50.0]})
    r = debtrank(x, pd.Series({"a": 100.0, "b": 100.0}), shock={"a": 1.0})
    assert_allclose(r.stress[0], [1.0, 0.5])
    with pytest.raises(InputError, match="share between 0 and 1"):
        debtrank([[0, 1], [1, 0]], [1, 1], shock=[2, 0])
    with pytest.raises(InputError, match="buffer is 0"):
        debtrank([[0, 1], [1, 0]], [0, 1], shock=[1, 0])
    with pytest.raises(InputError, match="sum to 0"):
        debtrank([[0, 1], [1, 0]], [1, 1], shock=[1, 0], weights=[0, 0])
    with pytest.raises(InputError, match="negative"):
        debtrank([[0, -1], [1, 0]], [1, 1], shock=[1, 0])
    with pytest.raises(InputError, match="method"):
        debtrank([[0, 1], [1, 0]], [1, 1], shock=[1, 0], method="triple")  # type: ignore[arg-type]
