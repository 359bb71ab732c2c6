"""Vectorised time-value kernels: capital recovery, annuities, construction carry, loan interest.

All functions broadcast over numpy arrays, accept fractional periods (an asset life of 3.33
years is the formal extension of the discrete formulas) and stay accurate near a zero rate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["annuity_factor", "capital_recovery_factor"]

FloatArray = NDArray[np.float64]

_SMALL_RATE = 1e-9


def capital_recovery_factor(rate: ArrayLike, periods: ArrayLike) -> FloatArray:
    """Capital recovery factor ``r / (1 - (1 + r)**-n)``: the level end-of-period payment
    that repays 1 unit of capital over ``n`` periods at rate ``r``.

    It is the reciprocal of the annuity factor, tends to ``1/n`` as ``r -> 0`` and to ``r``
    as ``n -> inf``. Standard engineering-economics result (e.g. Grant, Ireson & Leavenworth,
    *Principles of Engineering Economy*; the "equivalent annual cost" of an asset).

    Parameters
    ----------
    rate : array_like
        Rate per period, each ``> -1``.
    periods : array_like
        Number of periods, each ``> 0`` (may be fractional).

    Returns
    -------
    ndarray
        The factor, broadcast over ``rate`` and ``periods`` (0-d for scalar input).

    Examples
    --------
    >>> round(float(capital_recovery_factor(0.08, 6)), 6)
    0.216315
    >>> round(float(capital_recovery_factor(0.0, 4)), 6)
    0.25
    """
    r = np.asarray(rate, dtype=float)
    n = np.asarray(periods, dtype=float)
    small = np.abs(r) < _SMALL_RATE
    safe = np.where(small, 1.0, r)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exact = safe / -np.expm1(-n * np.log1p(safe))
        # second-order expansion around r = 0 keeps full accuracy where the exact form cancels
        series = 1.0 / n + r * (n + 1.0) / (2.0 * n)
    out: FloatArray = np.where(small, series, exact)
    return out


def annuity_factor(rate: ArrayLike, periods: ArrayLike) -> FloatArray:
    """Present value of 1 paid at the end of each of ``n`` periods: ``(1 - (1 + r)**-n) / r``.

    Parameters
    ----------
    rate : array_like
        Rate per period, each ``> -1``.
    periods : array_like
        Number of periods (may be fractional).

    Returns
    -------
    ndarray
        ``1 / capital_recovery_factor(rate, periods)``.

    Examples
    --------
    >>> round(float(annuity_factor(0.10, 3)), 6)
    2.486852
    """
    out: FloatArray = 1.0 / capital_recovery_factor(rate, periods)
    return out


def construction_carry(rate: ArrayLike, weights: NDArray[np.float64]) -> FloatArray:
    """Value at commissioning of 1 unit of capex paid over the build years.

    ``weights[i]`` of the capex is paid at the start of build year ``i`` (``i = 0..B-1``) and
    the asset enters service when the last instalment is paid, so the carry is
    ``sum_i w_i (1 + r)**(B - 1 - i)``; one build year gives exactly 1.
    """
    r = np.asarray(rate, dtype=float)
    b = weights.shape[0]
    expo = np.arange(b - 1, -1, -1, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        growth = np.power.outer(1.0 + r, expo)
    out: FloatArray = growth @ weights
    return out


def interest_pv_factor(rate: ArrayLike, loan_rate: ArrayLike, periods: ArrayLike) -> FloatArray:
    """Present value at ``rate`` of the interest paid on a level-payment loan, per unit of
    level payment.

    For a loan repaid by ``n`` level payments ``S`` at ``loan_rate`` ``r_d``, the interest in
    period ``t`` is ``S (1 - (1 + r_d)**-(n - t + 1))``, so the present value at ``r`` is
    ``S [A(r, n) - (1 + r_d)**-(n + 1) sum_t q**t]`` with ``q = (1 + r_d) / (1 + r)``.
    """
    r = np.asarray(rate, dtype=float)
    rd = np.asarray(loan_rate, dtype=float)
    n = np.asarray(periods, dtype=float)
    q = (1.0 + rd) / (1.0 + r)
    near_one = np.abs(q - 1.0) < 1e-10
    safe_q = np.where(near_one, 2.0, q)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        geometric = np.where(near_one, n, safe_q * np.expm1(n * np.log(safe_q)) / (safe_q - 1.0))
        out: FloatArray = annuity_factor(r, n) - np.power(1.0 + rd, -(n + 1.0)) * geometric
    return out


def solve_increasing(
    func: Callable[[FloatArray], FloatArray],
    target: FloatArray,
    *,
    lower: float = -0.99,
    upper: float = 10.0,
    iterations: int = 200,
) -> FloatArray:
    """Vectorised bracketed root finding: for each scenario the ``x`` in ``[lower, upper]``
    with ``func(x) = target``; ``nan`` where ``func - target`` does not change sign there.

    ``func`` maps an array of shape ``(S,)`` to shape ``(S,)``. The Illinois variant of
    regula falsi (Dowell & Jarratt, BIT 11, 1971) keeps the root bracketed, converges
    superlinearly and falls back to bisection if a secant step leaves the bracket; all
    scenarios advance together, so the cost is a few dozen calls of ``func``.
    """
    tgt = np.asarray(target, dtype=float)
    with np.errstate(all="ignore"):
        lo = np.full(tgt.shape, lower)
        hi = np.full(tgt.shape, upper)
        f_lo = func(lo) - tgt
        f_hi = func(hi) - tgt
        rising = (f_lo <= 0.0) & (f_hi >= 0.0)
        falling = (f_lo >= 0.0) & (f_hi <= 0.0)
        ok = (rising | falling) & np.isfinite(f_lo) & np.isfinite(f_hi)
        sign = np.where(falling & ~rising, -1.0, 1.0)
        # orient so that g(a) <= 0 <= g(b)
        a, b = lo.copy(), hi.copy()
        fa, fb = sign * f_lo, sign * f_hi
        x = np.where(fa == 0.0, a, np.where(fb == 0.0, b, np.nan))
        active = ok & np.isnan(x)
        last = np.zeros(tgt.shape)
        prev = np.full(tgt.shape, np.inf)
        for _ in range(iterations):
            if not active.any():
                break
            denom = fb - fa
            c = np.where(denom > 0.0, b - fb * (b - a) / np.where(denom > 0, denom, 1.0), 0.0)
            outside = ~((c > a) & (c < b))
            c = np.where(outside, 0.5 * (a + b), c)
            fc = sign * (func(c) - tgt)
            left = fc < 0.0
            # Illinois: halve the value kept at the end that survived twice in a row
            fb = np.where(left & (last < 0), 0.5 * fb, fb)
            fa = np.where(~left & (last > 0), 0.5 * fa, fa)
            a = np.where(active & left, c, a)
            fa = np.where(active & left, fc, fa)
            b = np.where(active & ~left, c, b)
            fb = np.where(active & ~left, fc, fb)
            last = np.where(left, -1.0, 1.0)
            tol = 4e-16 * (1.0 + np.abs(c))
            done = active & ((fc == 0.0) | (b - a <= tol) | (np.abs(c - prev) <= tol))
            x = np.where(done, c, x)
            active &= ~done
            prev = c
        x = np.where(active, 0.5 * (a + b), x)
    out: FloatArray = np.where(ok, x, np.nan)
    return out
