"""The CISS steps against hand calculations, a naive second implementation and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from ouroboros.monitor import ciss_composite, ecdf_scores, ewma_correlations

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


# ---------------------------------------------------------------- empirical CDF


def test_ecdf_hand_example_recursive_and_full_sample() -> None:
    x = [3.0, 1.0, 2.0, 2.0]
    # recursive: 3 among {3} -> 1; 1 among {3,1} -> 1/2; 2 among {3,1,2} -> 2/3;
    # 2 among {3,1,2,2}: ties take the highest rank -> 3/4
    assert_allclose(ecdf_scores(x), [1.0, 0.5, 2 / 3, 0.75])
    # full sample: ranks 4, 1, 3, 3 out of 4 (ties at the highest rank)
    assert_allclose(ecdf_scores(x, expanding=False), [1.0, 0.25, 0.75, 0.75])


def test_ecdf_blocks_give_the_same_answer() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=300).round(1)  # with ties
    assert_allclose(ecdf_scores(x, block=7), ecdf_scores(x, block=4096))
    naive = np.array([(x[: k + 1] <= x[k]).mean() for k in range(len(x))])
    assert_allclose(ecdf_scores(x), naive)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=50))
def test_ecdf_is_invariant_to_a_nonlinear_increasing_transform(xs: list[int]) -> None:
    x = np.array(xs, dtype=float)
    assert_allclose(ecdf_scores(x**3 + 5.0 * x), ecdf_scores(x))


def test_ecdf_rejects_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        ecdf_scores([1.0, float("nan")])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=finite))
def test_ecdf_invariants(x: np.ndarray) -> None:
    z = ecdf_scores(x)
    assert ((z > 0) & (z <= 1)).all()
    # the last recursive score equals the full-sample score of the last observation
    assert z[-1] == pytest.approx(ecdf_scores(x, expanding=False)[-1])
    # a strictly increasing transform leaves every score unchanged (rank-based); scaling by
    # a power of two is exact in floating point
    assert_allclose(ecdf_scores(4.0 * x), z)
    # the running maximum always scores 1
    is_max = x >= np.maximum.accumulate(x)
    assert_allclose(z[is_max], 1.0)


# ---------------------------------------------------------------- EWMA correlations


def _naive_ewma(s: np.ndarray, lam: float) -> np.ndarray:
    t, n = s.shape
    dev = np.nan_to_num(s - 0.5)
    cov = np.eye(n) / 12
    out = np.empty((t, n, n))
    for k in range(t):
        cov = lam * cov + (1 - lam) * np.outer(dev[k], dev[k])
        d = np.sqrt(np.diag(cov))
        out[k] = cov / np.outer(d, d)
    return out


def test_ewma_two_steps_by_hand() -> None:
    # s~ = (0.3, -0.1) then (0.1, 0.2), lam = 0.5, prior variance 1/12, covariance 0
    c = ewma_correlations([[0.8, 0.4], [0.6, 0.7]], lam=0.5)
    v1 = [0.5 / 12 + 0.5 * 0.09, 0.5 / 12 + 0.5 * 0.01]
    c1 = 0.5 * (0.3 * -0.1)
    v2 = [0.5 * v1[0] + 0.5 * 0.01, 0.5 * v1[1] + 0.5 * 0.04]
    c2 = 0.5 * c1 + 0.5 * (0.1 * 0.2)
    assert c[0, 0, 1] == pytest.approx(c1 / np.sqrt(v1[0] * v1[1]))
    assert c[1, 0, 1] == pytest.approx(c2 / np.sqrt(v2[0] * v2[1]))
    assert_allclose(c[:, 0, 0], 1.0)


def test_ewma_matches_a_naive_loop() -> None:
    rng = np.random.default_rng(7)
    s = rng.uniform(size=(200, 5))
    assert_allclose(ewma_correlations(s, 0.93), _naive_ewma(s, 0.93), atol=1e-12)


def test_ewma_perfectly_correlated_and_opposite_subindices() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0.55, 1.0, size=400)
    same = ewma_correlations(np.column_stack([a, a]), 0.93)
    opposite = ewma_correlations(np.column_stack([a, 1.0 - a]), 0.93)
    # the prior (uncorrelated) weighs lam**t at t: gone after 400 weekly steps
    assert same[-1, 0, 1] == pytest.approx(1.0, abs=1e-9)
    assert opposite[-1, 0, 1] == pytest.approx(-1.0, abs=1e-9)


def test_ewma_missing_subindex_fades_out() -> None:
    s = np.full((300, 2), 0.9)
    s[150:, 1] = np.nan  # the second segment stops reporting
    c = ewma_correlations(s, 0.9)
    assert c[149, 0, 1] == pytest.approx(1.0, abs=1e-6)
    assert abs(c[-1, 0, 1]) < 1e-3


# ---------------------------------------------------------------- composite


def test_composite_perfectly_correlated_versus_uncorrelated_by_hand() -> None:
    # two segments at 0.8 and 0.6 with equal weights
    assert ciss_composite([0.8, 0.6], np.ones((2, 2)))[0] == pytest.approx((0.4 + 0.3) ** 2)
    assert ciss_composite([0.8, 0.6], np.eye(2))[0] == pytest.approx(0.4**2 + 0.3**2)
    # five segments all at s: correlated -> s**2, uncorrelated -> s**2 / 5
    s = np.full(5, 0.7)
    assert ciss_composite(s, np.ones((5, 5)))[0] == pytest.approx(0.49)
    assert ciss_composite(s, np.eye(5))[0] == pytest.approx(0.49 / 5)


def test_composite_with_unequal_weights_and_a_missing_segment() -> None:
    # weights 1, 3 over (0.9, 0.5): w = (0.25, 0.75); rho = 0.5
    c = np.array([[1.0, 0.5], [0.5, 1.0]])
    a, b = 0.25 * 0.9, 0.75 * 0.5
    assert ciss_composite([0.9, 0.5], c, [1, 3])[0] == pytest.approx(
        a * a + b * b + 2 * 0.5 * a * b
    )
    # a missing segment is left out and the others' weights renormalised
    c3 = np.eye(3)
    assert ciss_composite([0.9, np.nan, 0.5], c3)[0] == pytest.approx(0.45**2 + 0.25**2)
    assert np.isnan(ciss_composite([np.nan, np.nan], np.eye(2))[0])


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (30, 4), elements=st.floats(0.01, 1.0)),
    arrays(np.float64, 4, elements=st.floats(0.1, 5.0)),
)
def test_composite_bounds(s: np.ndarray, w: np.ndarray) -> None:
    corr = ewma_correlations(s, 0.93)
    c = ciss_composite(s, corr, w)
    wn = w / w.sum()
    upper = (s @ wn) ** 2  # everything perfectly correlated
    assert ((c >= 0) & (c <= 1)).all()
    assert (c <= upper + 1e-12).all()
    # correlations all 1 reach the upper bound exactly
    assert_allclose(ciss_composite(s, np.ones((4, 4)), w), upper)


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(0.01, 0.999),
    t=st.integers(1, 1200),
    seed=st.integers(0, 2**32 - 1),
)
def test_ewma_matches_a_naive_loop_for_any_decay_and_length(lam: float, t: int, seed: int) -> None:
    # long series cross several of the closed form's blocks; small lam makes blocks short
    s = np.random.default_rng(seed).uniform(size=(t, 3))
    assert_allclose(ewma_correlations(s, lam), _naive_ewma(s, lam), rtol=1e-9, atol=1e-12)
