"""Time-value kernels against hand calculations and explicit cash-flow sums."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import brentq

from ouroboros.hurdle import annuity_factor, capital_recovery_factor
from ouroboros.hurdle._finance import construction_carry, interest_pv_factor, solve_increasing


def test_crf_hand_calculation_six_years_at_eight_percent() -> None:
    # r / (1 - (1 + r)^-n) with r = 8%, n = 6, computed by hand: 1.08^6 = 1.586874322944
    hand = 0.08 / (1 - 1 / 1.586874322944)
    assert_allclose(capital_recovery_factor(0.08, 6), hand, rtol=1e-12)
    assert_allclose(hand, 0.2163153862, rtol=1e-9)


def test_crf_limits() -> None:
    assert_allclose(capital_recovery_factor(0.0, 4), 0.25)
    assert_allclose(capital_recovery_factor(1e-12, 4), 0.25, rtol=1e-9)
    # continuity across the series/exact switch
    assert_allclose(
        capital_recovery_factor(2e-9, 10), capital_recovery_factor(5e-10, 10), rtol=1e-8
    )
    # long lives tend to the perpetuity yield
    assert_allclose(capital_recovery_factor(0.07, 2000), 0.07, rtol=1e-12)


def test_crf_broadcasts_and_annuity_is_reciprocal() -> None:
    r = np.array([[0.0], [0.05], [0.10]])
    n = np.array([3.0, 6.0, 25.0])
    crf = capital_recovery_factor(r, n)
    assert crf.shape == (3, 3)
    assert_allclose(annuity_factor(r, n) * crf, 1.0)
    # annuity = sum of discount factors for integer n
    assert_allclose(annuity_factor(0.10, 3), 1 / 1.1 + 1 / 1.21 + 1 / 1.331, rtol=1e-12)


def test_crf_negative_rate_repays_with_fewer_dollars() -> None:
    # at -10% a level payment over 6 years repays 1 with less than 1/6 a year
    crf = float(capital_recovery_factor(-0.10, 6))
    assert 0 < crf < 1 / 6
    assert_allclose(sum(crf / 0.9**t for t in range(1, 7)), 1.0, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(-0.5, 1.0),
    rd=st.floats(0.0, 0.3),
    n=st.integers(1, 40),
)
def test_interest_pv_matches_explicit_loan_schedule(r: float, rd: float, n: int) -> None:
    payment = float(capital_recovery_factor(rd, n))  # loan of 1
    balance, pv = 1.0, 0.0
    for t in range(1, n + 1):
        interest = rd * balance
        pv += interest / (1 + r) ** t
        balance = balance + interest - payment
    assert abs(balance) < 1e-9
    scale = float(annuity_factor(r, n))  # size of the discounted sums being differenced
    assert_allclose(payment * interest_pv_factor(r, rd, n), pv, rtol=1e-9, atol=1e-12 * scale)


def test_construction_carry_hand_calculation() -> None:
    w = np.array([0.25, 0.25, 0.5])
    assert_allclose(construction_carry(0.1, w), 0.25 * 1.21 + 0.25 * 1.1 + 0.5)
    assert_allclose(construction_carry(0.1, np.array([1.0])), 1.0)
    assert construction_carry(np.array([0.0, 0.1]), w).shape == (2,)


def test_solve_increasing_matches_brentq() -> None:
    targets = np.array([0.12, 0.2163153862, 0.5])
    roots = solve_increasing(lambda r: capital_recovery_factor(r, 6.0), targets)
    for y, root in zip(targets, roots, strict=True):
        ref = brentq(lambda r, y=y: float(capital_recovery_factor(r, 6.0)) - y, -0.9, 5)
        assert_allclose(root, ref, atol=1e-12)
    assert_allclose(roots[1], 0.08, atol=1e-9)
    # no root in the bracket -> nan
    assert np.isnan(solve_increasing(lambda r: r * 0 + 1.0, np.array([2.0]))[0])
