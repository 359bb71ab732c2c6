"""Time-value and fixed-income helpers: XIRR, NPV, bond price/yield/duration, sculpting.

Every function here is a plain function of numbers. The deal engine uses the vectorised
kernels (:func:`xirr_rows`) to compute one IRR per scenario without a Python loop over
scenarios; the scalar functions are the documented public API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from ouroboros.errors import ConvergenceError, InputError

__all__ = [
    "SculptedDebt",
    "bond_price",
    "bond_yield",
    "irr_time_major",
    "level_payment",
    "macaulay_duration",
    "modified_duration",
    "npv",
    "sculpt",
    "xirr",
    "xirr_rows",
]

FloatArray = NDArray[np.float64]
DAYS_PER_YEAR = 365.0
IRR_LOW, IRR_HIGH = -0.9999, 1e4
"""The rates the IRR solvers search: -99.99% to 1,000,000% a year."""

# ------------------------------------------------------------------------------ XIRR


def _year_fractions(dates: Sequence[dt.date | np.datetime64 | str]) -> FloatArray:
    """ACT/365 year fractions of ``dates`` from the first one."""
    try:
        days = np.asarray(dates, dtype="datetime64[D]")
    except (ValueError, TypeError) as exc:
        raise InputError(f"dates must be calendar dates: {exc}", field="dates") from None
    if days.ndim != 1:
        raise InputError("dates must be a one-dimensional sequence", field="dates")
    out: FloatArray = (days - days[0]).astype(np.float64) / DAYS_PER_YEAR
    return out


class _Flows:
    """Rows of cash flows laid out time-major for fast repeated NPV evaluation.

    When the times are whole days (ACT/365), the NPV and its derivative are evaluated by a
    backward Horner recursion over the periods, ``S_k = a_k + q^(d_(k+1) - d_k) S_(k+1)``
    with ``q = (1 + r)^(-1/365)``: a handful of vector operations per period and a few
    ``exp`` per row, instead of one ``exp`` per flow.
    """

    def __init__(self, times: FloatArray, flows_tm: FloatArray) -> None:
        self.t = times
        self.aT = flows_tm  # (T, rows), C-contiguous
        days = times * DAYS_PER_YEAR
        gaps = np.diff(days)
        self.whole_days = bool(np.all(np.abs(days - np.round(days)) < 1e-7) and np.all(gaps >= 0))
        if self.whole_days:
            self.d0 = float(np.round(days[0]))
            self.gaps = np.round(gaps)
            self.codes, self.inv = np.unique(self.gaps, return_inverse=True)

    def npv(self, rate: FloatArray, sel: NDArray[np.int64] | None) -> tuple[FloatArray, FloatArray]:
        """NPV and its derivative in the rate for the rows ``sel`` (all when ``None``)."""
        n = self.aT.shape[1]
        if sel is not None and sel.size > n // 2:
            # gathering most rows costs more than evaluating all of them
            full = np.full(n, 0.1)
            full[sel] = rate
            f, df = self.npv(full, None)
            return f[sel], df[sel]
        a = self.aT if sel is None else self.aT[:, sel]
        if not self.whole_days:
            x = np.exp(-np.outer(self.t, np.log1p(rate)))
            np.multiply(x, a, out=x)
            return x.sum(axis=0), -(self.t @ x) / (1.0 + rate)
        lq = -np.log1p(rate) / DAYS_PER_YEAR  # log q
        powers = np.exp(np.outer(self.codes, lq))  # q ** gap, for each distinct gap
        acc = a[-1].copy()  # sum_j>=k a_j q^(d_j - d_k)
        dacc = np.zeros_like(acc)  # sum_j>=k a_j (d_j - d_k) q^(d_j - d_k)
        tmp = np.empty_like(acc)
        gaps, inv = self.gaps, self.inv
        for k in range(a.shape[0] - 2, -1, -1):
            p = powers[inv[k]]
            np.multiply(acc, gaps[k], out=tmp)
            dacc += tmp
            dacc *= p
            acc *= p
            acc += a[k]
        scale = np.exp(self.d0 * lq)
        f = scale * acc
        weighted = scale * (dacc + self.d0 * acc)  # sum_j a_j d_j q^(d_j)
        return f, -weighted / (DAYS_PER_YEAR * (1.0 + rate))


def _npv_and_slope(
    rate: FloatArray, times: FloatArray, amounts: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Row-wise NPV and its derivative in the rate; rows of ``amounts`` against ``times``."""
    lg = np.log1p(rate)[:, None]
    disc = np.exp(-times[None, :] * lg)
    pv = amounts * disc
    f = pv.sum(axis=1)
    df = -(pv * times[None, :]).sum(axis=1) / (1.0 + rate)
    return f, df


def xirr_rows(
    times: ArrayLike,
    amounts: ArrayLike,
    *,
    guess: float | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> FloatArray:
    """The internal rate of return of every row of ``amounts``, vectorised over rows.

    Solves ``sum_k a_k (1 + r) ** -t_k = 0`` for each row: Newton's method first, from
    ``guess`` or, by default, from each row's ``M ** (1 / D) - 1`` (``M`` the money
    multiple, ``D`` the gap between the mean times of money received and paid: exact for
    one payment and one receipt); rows it does not settle within a few steps continue
    with a safeguarded Newton (steps kept inside a bracket where the NPV changes sign,
    bisection of ``log(1 + r)`` otherwise; Press et al., *Numerical Recipes*, ``rtsafe``)
    on ``[-0.9999, 1e4]``; rows whose NPV has the same sign at both ends and whose flows
    are not "pay then receive" are searched on a grid of rates. Rows with no sign change
    in their flows (all of one sign, or all zero), or no IRR in ``[-0.9999, 1e4]``, get
    ``nan``.

    Parameters
    ----------
    times : array_like, shape (T,)
        Times of the flows in years (ACT/365 from the first date for XIRR).
    amounts : array_like, shape (S, T) or (T,)
        Cash flows; negative is money paid out (an investment), positive money received.
    guess, tol, max_iter
        Newton's start, tolerance on the rate, iteration limit.

    Returns
    -------
    ndarray, shape (S,)
        The IRR of each row as an annual effective rate, ``nan`` where none exists.

    Examples
    --------
    >>> xirr_rows([0.0, 1.0, 2.0], [[-100, 10, 110], [-100, 0, 121], [1, 1, 1]]).round(10)
    array([0.1, 0.1, nan])
    """
    t = np.asarray(times, dtype=np.float64)
    a = np.atleast_2d(np.asarray(amounts, dtype=np.float64))
    if a.shape[1] != t.shape[0]:
        raise InputError(
            f"amounts have {a.shape[1]} columns but there are {t.shape[0]} times", field="amounts"
        )
    return irr_time_major(t, np.ascontiguousarray(a.T), guess=guess, tol=tol, max_iter=max_iter)


def irr_time_major(
    t: FloatArray,
    flows: FloatArray,
    *,
    guess: float | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> FloatArray:
    """:func:`xirr_rows` on flows laid out time-major, shape ``(T, S)``: one column per row.

    The deal engine records flows this way, so no transpose or copy is needed.
    """
    aT = np.ascontiguousarray(flows, dtype=np.float64)
    n = aT.shape[1]
    out = np.full(n, np.nan)
    # per-row sums, one period at a time: no (T, S) temporaries (fresh large arrays are
    # costly), money received and paid with their mean times for the starting guess
    p_sum, n_sum, p_time, n_time = (np.zeros(n) for _ in range(4))
    for k in range(aT.shape[0]):
        row = aT[k]
        pos = np.maximum(row, 0.0)
        neg = pos - row
        p_sum += pos
        n_sum += neg
        p_time += t[k] * pos
        n_time += t[k] * neg
    valid = (p_sum > 0) & (n_sum > 0)
    if not valid.any():
        return out
    scale = p_sum + n_sum
    flows_ = _Flows(t, aT)
    if guess is None:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            gap = p_time / p_sum - n_time / n_sum
            start = (p_sum / n_sum) ** (1.0 / np.where(np.abs(gap) > 1e-6, gap, 1.0)) - 1.0
        rate = np.where(np.isfinite(start) & (gap > 1e-6), np.clip(start, -0.95, 10.0), 0.1)
    else:
        rate = np.full(n, guess)
    done = ~valid  # rows without both signs never enter the search (and stay nan)
    # 1. plain Newton: a few steps settle well-behaved rows
    act: NDArray[np.int64] | None = None if valid.all() else np.flatnonzero(valid)
    for _ in range(12):
        sel = np.arange(n) if act is None else act
        if sel.size == 0:
            break
        r = rate[sel]
        f, df = flows_.npv(r, act)
        with np.errstate(divide="ignore", invalid="ignore"):
            nxt = r - f / df
        # a step past -100% goes halfway to it instead (the NPV blows up near -1)
        nxt = np.where(nxt > -0.999, nxt, 0.5 * (r - 0.999))
        ok = np.isfinite(nxt)
        # a tiny step is convergence only where the NPV is ~0 too (near -100% the slope is
        # huge and steps are tiny anywhere)
        conv = ok & (np.abs(nxt - r) <= tol * np.maximum(1.0, np.abs(r)))
        conv &= np.abs(f) <= 1e-8 * scale[sel]
        rate[sel] = np.where(ok, nxt, r)
        done[sel[conv]] = True
        act = sel[ok & ~conv]
    # 2. safeguarded Newton on a sign-changing bracket for the rest
    left = np.flatnonzero(~done)
    if left.size:
        lo = np.full(left.size, IRR_LOW)
        hi = np.full(left.size, IRR_HIGH)
        f_lo = flows_.npv(lo, left)[0]
        f_hi = flows_.npv(hi, left)[0]
        ok = np.sign(f_lo) * np.sign(f_hi) < 0
        sub = np.flatnonzero(ok)
        r_all = np.clip(rate[left], -0.99, 1e2)
        r_all = np.where(np.isfinite(r_all), r_all, 0.1)
        for _ in range(max_iter):
            if sub.size == 0:
                break
            r = r_all[sub]
            f, df = flows_.npv(r, left[sub])
            same = np.sign(f) == np.sign(f_lo[sub])
            lo[sub] = np.where(same, r, lo[sub])
            f_lo[sub] = np.where(same, f, f_lo[sub])
            hi[sub] = np.where(same, hi[sub], r)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = r - f / df
            b_lo, b_hi = lo[sub], hi[sub]
            inside = np.isfinite(newton) & (newton > b_lo) & (newton < b_hi)
            mid = np.sqrt((1.0 + b_lo) * (1.0 + b_hi)) - 1.0
            nxt = np.where(inside, newton, mid)
            nxt = np.where(f == 0.0, r, nxt)  # an exact root is kept as it is
            conv = (np.abs(nxt - r) <= tol * np.maximum(1.0, np.abs(r))) | (f == 0.0)
            conv |= (b_hi - b_lo) <= tol * np.maximum(1.0, np.abs(r))
            r_all[sub] = nxt
            done[left[sub[conv]]] = True
            rate[left[sub[conv]]] = nxt[conv]
            sub = sub[~conv]
    solved = done & valid
    out[solved] = rate[solved]
    rest = np.flatnonzero(~done)
    if rest.size:
        # invest-then-receive flows have a decreasing NPV: no sign change on the bracket
        # means no IRR in the bracket; only the others are searched on a grid
        r = aT[:, rest].T
        cols = np.arange(r.shape[1])
        last_neg = np.where(r < 0, cols, -1).max(axis=1)
        first_pos = np.where(r > 0, cols, r.shape[1]).min(axis=1)
        odd = last_neg > first_pos
        if odd.any():
            out[rest[odd]] = _bisect_rows(t, r[odd], tol)
    return out


def _bisect_rows(t: FloatArray, rows: FloatArray, tol: float) -> FloatArray:
    """Bisection for the rows Newton could not solve; nan where no bracket is found."""
    grid = np.concatenate([np.linspace(IRR_LOW, -0.5, 6), np.geomspace(1e-4, IRR_HIGH, 60) - 0.5])
    grid = np.unique(np.concatenate([grid, [0.0]]))
    vals = np.stack([_npv_and_slope(np.full(rows.shape[0], g), t, rows)[0] for g in grid], 1)
    sign = np.sign(vals)
    change = sign[:, :-1] * sign[:, 1:] <= 0
    has = change.any(axis=1)
    first = np.argmax(change, axis=1)
    lo = grid[first]
    hi = grid[np.minimum(first + 1, grid.size - 1)]
    flo = vals[np.arange(rows.shape[0]), first]
    out = np.full(rows.shape[0], np.nan)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = _npv_and_slope(mid, t, rows)[0]
        left = np.sign(fm) == np.sign(flo)
        lo = np.where(left, mid, lo)
        flo = np.where(left, fm, flo)
        hi = np.where(left, hi, mid)
        if np.all(hi - lo <= tol * np.maximum(1.0, np.abs(mid))):
            break
    out[has] = 0.5 * (lo + hi)[has]
    return out


def xirr(
    dates: Sequence[dt.date | np.datetime64 | str],
    amounts: Sequence[float] | ArrayLike,
    *,
    guess: float = 0.1,
) -> float:
    """Internal rate of return of dated cash flows (Excel's XIRR, ACT/365).

    Finds ``r`` with ``sum_k a_k / (1 + r) ** ((d_k - d_0) / 365) = 0`` by Newton's method,
    falling back to bisection on a sign-changing bracket when Newton fails. This is the
    definition used by Microsoft Excel's ``XIRR`` function.

    Parameters
    ----------
    dates : sequence of dates
        Payment dates; the first is the reference date (need not be the earliest payment).
    amounts : sequence of float
        Payments, negative for money paid out; at least one of each sign.
    guess : float
        Newton's starting rate.

    Returns
    -------
    float
        The annual effective rate.

    Raises
    ------
    InputError
        If lengths differ or the flows do not contain both signs.
    ConvergenceError
        If no rate makes the NPV zero within ``[-0.9999, 1e4]``.

    Examples
    --------
    The worked example of Excel's XIRR documentation (result 0.373362535):

    >>> d = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(xirr(d, [-10000, 2750, 4250, 3250, 2750]), 8)
    0.37336253
    """
    a = np.asarray(amounts, dtype=np.float64)
    if a.ndim != 1 or a.shape[0] != len(dates):
        raise InputError(
            f"dates and amounts must have the same length; got {len(dates)} and {a.shape}",
            field="amounts",
        )
    if not ((a > 0).any() and (a < 0).any()):
        raise InputError(
            "XIRR needs at least one positive and one negative amount", field="amounts"
        )
    r = float(xirr_rows(_year_fractions(dates), a, guess=guess)[0])
    if not np.isfinite(r):
        raise ConvergenceError(
            "XIRR did not converge: no rate in [-99.99%, 1e6%] makes the NPV zero"
        )
    return r


def npv(
    rate: float,
    amounts: Sequence[float] | ArrayLike,
    *,
    dates: Sequence[dt.date | np.datetime64 | str] | None = None,
    times: ArrayLike | None = None,
) -> float:
    """Net present value at an annual effective ``rate``.

    With ``dates`` the flows are discounted ACT/365 from the first date (Excel's XNPV);
    with ``times`` (in years) at those times; with neither, flow ``k`` is discounted ``k``
    periods (Excel's NPV convention shifted so the first flow is at time 0).

    Parameters
    ----------
    rate : float
        Discount rate per year (or per period when neither dates nor times are given).
    amounts : sequence of float
        The cash flows.
    dates, times : optional
        When the flows happen.

    Examples
    --------
    >>> round(npv(0.1, [-100, 60, 60]), 6)
    4.132231
    >>> d = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(npv(0.09, [-10000, 2750, 4250, 3250, 2750], dates=d), 2)  # Excel XNPV example
    2086.65
    """
    a = np.asarray(amounts, dtype=np.float64)
    if dates is not None:
        t = _year_fractions(dates)
    elif times is not None:
        t = np.asarray(times, dtype=np.float64)
    else:
        t = np.arange(a.shape[0], dtype=np.float64)
    if t.shape != a.shape:
        raise InputError(
            f"amounts and their times must have the same length; got {a.shape} and {t.shape}",
            field="amounts",
        )
    if rate <= -1.0:
        raise InputError(f"rate must be > -1; got {rate}", field="rate")
    return float(np.sum(a * np.exp(-t * np.log1p(rate))))


# ------------------------------------------------------------------------------- bonds


def _bond_parts(
    coupon: float, years: float, frequency: int, face: float
) -> tuple[FloatArray, FloatArray, float]:
    """Coupon times (in periods from settlement), cash flows, and accrued interest.

    Street convention: the first coupon is ``w = frac(years * f)`` periods away (a full
    period when ``years * f`` is whole), later ones one period apart.
    """
    if frequency not in (1, 2, 4, 12):
        raise InputError(f"frequency must be 1, 2, 4 or 12; got {frequency}", field="frequency")
    if years <= 0:
        raise InputError(f"years to maturity must be > 0; got {years}", field="years")
    periods = years * frequency
    n = int(np.ceil(periods - 1e-9))
    w = periods - (n - 1)  # periods to the next coupon, in (0, 1]
    k = np.arange(n, dtype=np.float64) + w
    cpn = face * coupon / frequency
    flows = np.full(n, cpn)
    flows[-1] += face
    accrued = cpn * (1.0 - w)
    return k, flows, accrued


def bond_price(
    coupon: float,
    ytm: float,
    years: float,
    *,
    frequency: int = 2,
    face: float = 100.0,
    clean: bool = True,
) -> float:
    """Price of a fixed-rate bullet bond from its yield to maturity (street convention).

    ``dirty = sum_k CF_k / (1 + y/f) ** (k - 1 + w)`` with ``w`` the fraction of a coupon
    period to the next coupon; ``clean = dirty - accrued``. See Fabozzi, *Bond Markets,
    Analysis and Strategies*, ch. 2.

    Parameters
    ----------
    coupon : float
        Annual coupon rate (0.05 for 5%).
    ytm : float
        Yield to maturity, compounded ``frequency`` times a year.
    years : float
        Time to maturity in years; a non-multiple of ``1/frequency`` means settlement
        between coupon dates.
    frequency : {1, 2, 4, 12}
        Coupons per year.
    face : float
        Redemption amount.
    clean : bool
        Return the clean price (without accrued interest).

    Examples
    --------
    A 10-year 5% semi-annual bond at a 6% yield (Fabozzi's textbook case):

    >>> round(bond_price(0.05, 0.06, 10), 4)
    92.5613
    >>> round(bond_price(0.06, 0.06, 10), 10)  # coupon = yield: par on a coupon date
    100.0
    """
    k, flows, accrued = _bond_parts(coupon, years, frequency, face)
    y = ytm / frequency
    if y <= -1.0:
        raise InputError(f"ytm must be > -{frequency}; got {ytm}", field="ytm")
    dirty = float(np.sum(flows * (1.0 + y) ** -k))
    return dirty - accrued if clean else dirty


def bond_yield(
    price: float,
    coupon: float,
    years: float,
    *,
    frequency: int = 2,
    face: float = 100.0,
    clean: bool = True,
) -> float:
    """Yield to maturity of a fixed-rate bullet bond from its price (Brent's method).

    Inverts :func:`bond_price` on ``[-0.99 f, 10 f]``.

    Examples
    --------
    >>> round(bond_yield(92.5613, 0.05, 10), 6)
    0.06
    """
    if price <= 0:
        raise InputError(f"price must be > 0; got {price}", field="price")

    def f(y: float) -> float:
        return bond_price(coupon, y, years, frequency=frequency, face=face, clean=clean) - price

    lo, hi = -0.99 * frequency, 10.0 * frequency
    if f(lo) * f(hi) > 0:
        raise ConvergenceError(f"no yield in [{lo}, {hi}] gives the price {price}")
    return float(brentq(f, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=200))


def macaulay_duration(
    coupon: float, ytm: float, years: float, *, frequency: int = 2, face: float = 100.0
) -> float:
    """Macaulay duration in years: the present-value-weighted average time of the flows.

    ``D = sum_k t_k PV_k / sum_k PV_k`` with ``t_k = (k - 1 + w) / f`` (Macaulay, 1938).

    Examples
    --------
    >>> round(macaulay_duration(0.05, 0.06, 10), 4)
    7.895
    """
    k, flows, _ = _bond_parts(coupon, years, frequency, face)
    pv = flows * (1.0 + ytm / frequency) ** -k
    return float(np.sum(pv * k) / np.sum(pv) / frequency)


def modified_duration(
    coupon: float, ytm: float, years: float, *, frequency: int = 2, face: float = 100.0
) -> float:
    """Modified duration: ``-dP/dy / P`` = Macaulay duration / ``(1 + y/f)``.

    Examples
    --------
    >>> round(modified_duration(0.05, 0.06, 10), 4)
    7.665
    """
    mac = macaulay_duration(coupon, ytm, years, frequency=frequency, face=face)
    return mac / (1.0 + ytm / frequency)


# ------------------------------------------------------------------ debt schedules


def level_payment(amount: float, rate: float, periods: int) -> float:
    """Level (annuity) payment that repays ``amount`` over ``periods`` at ``rate`` a period.

    ``A = P r / (1 - (1 + r) ** -n)``, or ``P / n`` at a zero rate.

    Examples
    --------
    >>> round(level_payment(1000.0, 0.01, 12), 6)
    88.848789
    """
    if periods <= 0:
        raise InputError(f"periods must be > 0; got {periods}", field="periods")
    if abs(rate) < 1e-12:
        return amount / periods
    return float(amount * rate / -np.expm1(-periods * np.log1p(rate)))


@dataclass(frozen=True)
class SculptedDebt:
    """A debt schedule sculpted so that DSCR equals a target in every period.

    Attributes
    ----------
    size : float
        The debt the CFADS can carry: ``sum_t (CFADS_t / DSCR) * DF_t``.
    opening_balance, interest, principal, debt_service, closing_balance : ndarray
        One entry per period.
    """

    size: float
    opening_balance: FloatArray
    interest: FloatArray
    principal: FloatArray
    debt_service: FloatArray
    closing_balance: FloatArray


def sculpt(cfads: ArrayLike, rate: float | ArrayLike, target_dscr: float) -> SculptedDebt:
    """Size and sculpt debt so that ``CFADS_t / debt service_t`` equals the target each period.

    Debt service is ``CFADS_t / DSCR``; the debt size is its present value at the debt's
    per-period ``rate`` (scalar or one rate per period); principal is debt service less the
    interest on the opening balance (the standard project-finance sculpting identity,
    e.g. Yescombe, *Principles of Project Finance*, 2nd ed., ch. 12; Gatti, *Project
    Finance in Theory and Practice*).

    Parameters
    ----------
    cfads : array_like, shape (T,)
        Cash flow available for debt service per period (may contain zeros).
    rate : float or array_like
        Interest rate per period.
    target_dscr : float
        The DSCR to hold, > 0.

    Returns
    -------
    SculptedDebt

    Examples
    --------
    >>> s = sculpt([130.0, 130.0], 0.10, 1.3)
    >>> round(s.size, 4), s.debt_service.round(4).tolist(), s.principal.round(4).tolist()
    (173.5537, [100.0, 100.0], [82.6446, 90.9091])
    """
    c = np.asarray(cfads, dtype=np.float64)
    if c.ndim != 1:
        raise InputError("cfads must be one-dimensional", field="cfads")
    if target_dscr <= 0:
        raise InputError(f"target_dscr must be > 0; got {target_dscr}", field="target_dscr")
    r = np.broadcast_to(np.asarray(rate, dtype=np.float64), c.shape)
    if np.any(r <= -1.0):
        raise InputError("rate must be > -1 in every period", field="rate")
    ds = c / target_dscr
    df = np.cumprod(1.0 / (1.0 + r))
    size = float(np.sum(ds * df))
    # closing balance = PV at t of the remaining debt service
    pv_after = np.concatenate([np.cumsum((ds * df)[::-1])[::-1][1:], [0.0]])
    closing = pv_after / df
    opening = np.concatenate([[size], closing[:-1]])
    interest = opening * r
    principal = ds - interest
    return SculptedDebt(size, opening, interest, principal, ds, closing)
