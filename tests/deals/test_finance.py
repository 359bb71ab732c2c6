"""Time-value helpers against published examples, QuantLib and closed forms."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import QuantLib as ql  # noqa: N813
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import brentq

from ouroboros.deals import (
    bond_price,
    bond_yield,
    level_payment,
    macaulay_duration,
    modified_duration,
    npv,
    sculpt,
    xirr,
    xirr_rows,
)
from ouroboros.errors import ConvergenceError, InputError

EXCEL_DATES = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
EXCEL_FLOWS = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]


# ------------------------------------------------------------------------------ XIRR


def test_xirr_excel_documentation_example() -> None:
    # Microsoft's XIRR help page: "Result 0.373362535" (Excel stops within 1e-8).
    assert_allclose(xirr(EXCEL_DATES, EXCEL_FLOWS), 0.373362535, atol=5e-9)


def test_xnpv_excel_documentation_example() -> None:
    # Microsoft's XNPV help page: rate 9% on the same flows gives 2,086.65.
    assert_allclose(npv(0.09, EXCEL_FLOWS, dates=EXCEL_DATES), 2086.65, atol=0.005)


def test_xirr_zeroes_the_xnpv() -> None:
    r = xirr(EXCEL_DATES, EXCEL_FLOWS)
    assert abs(npv(r, EXCEL_FLOWS, dates=EXCEL_DATES)) < 1e-6


def test_xirr_of_a_one_year_doubling_is_act_365() -> None:
    # 365 days apart: (1 + r) = 2 exactly; 2024 is a leap year, so 366 days is not a year
    assert_allclose(xirr([dt.date(2025, 1, 1), dt.date(2026, 1, 1)], [-1, 2]), 1.0)
    r = xirr([dt.date(2024, 1, 1), dt.date(2025, 1, 1)], [-1, 2])
    assert_allclose(r, 2.0 ** (365 / 366) - 1.0)


def test_npv_by_period() -> None:
    assert_allclose(npv(0.1, [-100, 60, 60]), -100 + 60 / 1.1 + 60 / 1.21)


def test_xirr_bad_inputs() -> None:
    with pytest.raises(InputError, match="positive and one negative"):
        xirr(EXCEL_DATES, [1.0] * 5)
    with pytest.raises(InputError, match="same length"):
        xirr(EXCEL_DATES, [1.0, -1.0])
    # flows change sign but 1 - v + v^2 > 0 for every discount factor v: no IRR exists
    with pytest.raises(ConvergenceError):
        xirr(["2020-01-01", "2021-01-01", "2022-01-01"], [1.0, -1.0, 1.0])


def test_xirr_rows_reaches_both_ends_of_its_range() -> None:
    # one outlay, one receipt a year later: the IRR is receipt / outlay - 1, here -99.95%
    # and +199,900%, both inside the documented search range [-99.99%, 1,000,000%]
    got = xirr_rows([0.0, 1.0], [[-10.0, 0.005], [-10.0, 20_000.0], [-22.0, 22.0 * 9886.0]])
    assert_allclose(got, [0.005 / 10.0 - 1.0, 1999.0, 9885.0], rtol=1e-10)
    with pytest.raises(ConvergenceError):  # -99.995% is outside it
        xirr(["2020-01-01", "2020-12-31"], [-10.0, 0.0005])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0.0, 50.0), min_size=2, max_size=12),
    st.floats(10.0, 200.0),
    st.lists(st.integers(1, 400), min_size=12, max_size=12),
)
def test_vectorised_xirr_matches_scalar_root_finding(
    receipts: list[float], outlay: float, gaps: list[int]
) -> None:
    """Invest then receive: the vectorised solver agrees with brentq on the NPV."""
    flows = np.array([-outlay, *receipts])
    days = np.concatenate([[0], np.cumsum(gaps[: len(flows) - 1])])
    times = days / 365.0

    def f(r: float) -> float:
        return float(np.sum(flows * (1.0 + r) ** -times))

    # an IRR between -99.99% and 1,000,000% exists (outside it the rate means nothing)
    assume(f(-0.9999) > 0 > f(1e4))

    expected = brentq(f, -0.9999, 1e4, xtol=1e-14)
    got = xirr_rows(times, np.vstack([flows, flows * 2.0, -flows]))
    assert_allclose(got, expected, rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------- bonds


def _quantlib(coupon: float, ytm: float, settle: ql.Date) -> tuple[float, ...]:
    """Clean and dirty price, Macaulay and modified duration, yield back from the price."""
    issue, maturity = ql.Date(15, 3, 2025), ql.Date(15, 3, 2035)
    schedule = ql.Schedule(
        issue,
        maturity,
        ql.Period(ql.Semiannual),
        ql.NullCalendar(),
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Backward,
        False,
    )
    dc = ql.Thirty360(ql.Thirty360.BondBasis)
    bond = ql.FixedRateBond(0, 100.0, schedule, [coupon], dc)
    ql.Settings.instance().evaluationDate = settle
    rate = ql.InterestRate(ytm, dc, ql.Compounded, ql.Semiannual)
    clean = ql.BondFunctions.cleanPrice(bond, rate, settle)
    dirty = clean + ql.BondFunctions.accruedAmount(bond, settle)
    mac = ql.BondFunctions.duration(bond, rate, ql.Duration.Macaulay, settle)
    mod = ql.BondFunctions.duration(bond, rate, ql.Duration.Modified, settle)
    y = ql.BondFunctions.bondYield(
        bond, ql.BondPrice(clean, ql.BondPrice.Clean), dc, ql.Compounded, ql.Semiannual, settle
    )
    return clean, dirty, mac, mod, y


@pytest.mark.parametrize(
    ("coupon", "ytm", "settle", "years"),
    [
        (0.05, 0.06, ql.Date(15, 3, 2025), 10.0),  # on a coupon date
        (0.07, 0.055, ql.Date(15, 6, 2025), 9.75),  # between coupons (30/360: 3 of 6 months)
        (0.06581, 0.0658, ql.Date(15, 5, 2025), 59 / 6),
        (0.09, 0.12, ql.Date(15, 9, 2029), 5.5),
        (0.0, 0.04, ql.Date(15, 3, 2025), 10.0),  # zero coupon
    ],
)
def test_bond_price_yield_duration_match_quantlib(
    coupon: float, ytm: float, settle: ql.Date, years: float
) -> None:
    clean, dirty, mac, mod, y = _quantlib(coupon, ytm, settle)
    assert_allclose(bond_price(coupon, ytm, years), clean, rtol=1e-11)
    assert_allclose(bond_price(coupon, ytm, years, clean=False), dirty, rtol=1e-11)
    assert_allclose(macaulay_duration(coupon, ytm, years), mac, rtol=1e-10)
    assert_allclose(modified_duration(coupon, ytm, years), mod, rtol=1e-10)
    assert_allclose(bond_yield(clean, coupon, years), y, atol=1e-10)


def test_textbook_bond() -> None:
    # Fabozzi: 10-year 5% semi-annual bond at a 6% yield is priced at 92.5613
    assert_allclose(bond_price(0.05, 0.06, 10), 92.5613, atol=5e-5)
    # a bond whose coupon equals its yield is priced at par on a coupon date
    assert_allclose(bond_price(0.0658, 0.0658, 24), 100.0, rtol=1e-12)
    # the duration of a zero-coupon bond is its maturity
    assert_allclose(macaulay_duration(0.0, 0.05, 7), 7.0, rtol=1e-12)


def test_modified_duration_is_the_price_sensitivity() -> None:
    h = 1e-6
    p = bond_price(0.06581, 0.07, 23.5, clean=False)
    slope = (
        bond_price(0.06581, 0.07 + h, 23.5, clean=False)
        - bond_price(0.06581, 0.07 - h, 23.5, clean=False)
    ) / (2 * h)
    assert_allclose(modified_duration(0.06581, 0.07, 23.5), -slope / p, rtol=1e-6)


def test_bond_bad_inputs() -> None:
    with pytest.raises(InputError, match="frequency"):
        bond_price(0.05, 0.05, 10, frequency=3)
    with pytest.raises(InputError, match="years"):
        bond_price(0.05, 0.05, 0)
    with pytest.raises(InputError, match="price"):
        bond_yield(-1.0, 0.05, 10)


# ----------------------------------------------------------------- level and sculpted


def test_level_payment_is_the_annuity_formula() -> None:
    # P r / (1 - (1 + r)^-n), hand-computed for 27,300 at 6.581%/12 over 240 months
    r = 0.06581 / 12
    assert_allclose(level_payment(27300.0, r, 240), 27300.0 * r / (1 - (1 + r) ** -240))
    assert_allclose(level_payment(1200.0, 0.0, 12), 100.0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1000.0)), min_size=1, max_size=40),
    st.floats(0.0, 0.05),
    st.floats(1.0, 2.5),
)
def test_sculpted_schedule_holds_dscr_at_target(
    cfads: list[float], rate: float, target: float
) -> None:
    c = np.array(cfads)
    s = sculpt(c, rate, target)
    # DSCR = target in every period with CFADS
    has = c > 0
    assert_allclose(c[has] / s.debt_service[has], target, rtol=1e-12)
    # the debt is fully repaid, balances roll forward, and the size is the PV of service
    assert_allclose(s.closing_balance[-1], 0.0, atol=1e-9 * max(1.0, s.size))
    assert_allclose(s.opening_balance - s.principal, s.closing_balance, atol=1e-9 * max(1, s.size))
    assert_allclose(s.interest, s.opening_balance * rate, atol=1e-9 * max(1, s.size))
    pv = npv(rate, np.concatenate([[0.0], c / target]))
    assert_allclose(s.size, pv, rtol=1e-10, atol=1e-12)


def test_sculpt_bad_inputs() -> None:
    with pytest.raises(InputError, match="target_dscr"):
        sculpt([1.0], 0.05, 0.0)
    with pytest.raises(InputError, match="one-dimensional"):
        sculpt([[1.0]], 0.05, 1.2)
