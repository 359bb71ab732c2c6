"""The CISS aggregation (Holló, Kremer & Lo Duca, ECB Working Paper 1426, 2012).

1. Each raw indicator ``x`` is replaced by its empirical CDF value,
   ``z_t = F_n(x_t) = #{x_i <= x_t} / n`` (ties take the highest rank), which maps any
   distribution onto (0, 1]; computed *recursively* (only data up to ``t``) so a backtest
   never looks ahead.
2. Subindices ``s_{i,t}`` are averages of the transformed indicators of each segment.
3. Cross-correlations ``rho_{ij,t}`` come from exponentially weighted moving averages of
   the subindices demeaned by their theoretical median 0.5, ``s~ = s - 0.5``::

       sigma_{ij,t} = lambda sigma_{ij,t-1} + (1 - lambda) s~_{i,t} s~_{j,t}
       rho_{ij,t}   = sigma_{ij,t} / sqrt(sigma_{ii,t} sigma_{jj,t})

   with ``lambda = 0.93`` in the paper. Here the recursion starts from a prior of
   uncorrelated subindices with the variance of a uniform variable (1/12), so no future
   data enters the start either.
4. The composite is the quadratic form ``CISS_t = (w o s_t)' C_t (w o s_t)`` with weights
   ``w`` summing to one: stress that moves together counts fully, stress in one segment
   alone is diluted.

A segment with no data at ``t`` is left out of the composite at ``t`` (weights renormalised
over the segments present) and enters the EWMA as ``s~ = 0``, so its correlations fade.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["ciss_composite", "ecdf_scores", "ewma_correlations"]

FloatArray = npt.NDArray[np.float64]


def _ewma(x: FloatArray, lam: float, start: FloatArray) -> FloatArray:
    """``y_t = lam y_{t-1} + (1 - lam) x_t`` down axis 0, with ``y_{-1} = start``.

    Closed form per block of ``b`` periods: ``y_k = lam^(k+1) y_(-1) + (1 - lam) lam^k
    cumsum_j(lam^(-j) x_j)``; ``b`` keeps ``lam^(-b)`` below 1e100 so nothing overflows and
    the relative error stays near machine precision. One array expression per block (the
    loop runs T / b times; scipy.signal.lfilter gives the same result but costs a one-second
    import).
    """
    t = x.shape[0]
    out = np.empty_like(x)
    b = int(max(1, min(256, 230.0 // -np.log(lam))))
    k = np.arange(b, dtype=float)
    up = lam ** (-k)[:, None]
    down = lam ** k[:, None]
    state = start
    for i in range(0, t, b):
        blk = x[i : i + b]
        m = blk.shape[0]
        y = lam * down[:m] * state + (1.0 - lam) * down[:m] * np.cumsum(blk * up[:m], axis=0)
        out[i : i + m] = y
        state = y[-1]
    return out


def ecdf_scores(values: npt.ArrayLike, *, expanding: bool = True, block: int = 512) -> FloatArray:
    """Empirical-CDF transform of a series (CISS step 1).

    Parameters
    ----------
    values : array_like
        Observations in time order (orient them first so that higher means riskier).
        NaNs are not allowed.
    expanding : bool
        ``True`` (default): the score of observation ``k`` uses observations ``1..k`` only
        (the recursive, real-time transform). ``False``: the full-sample transform.
    block : int
        Rows handled at once: each block is counted against the sorted earlier values
        (binary search) and within itself (a ``block * block`` comparison), so the cost is
        about ``n log n + n * block``.

    Returns
    -------
    numpy.ndarray
        Scores in (0, 1].

    Examples
    --------
    >>> ecdf_scores([3.0, 1.0, 2.0, 2.0])
    array([1.        , 0.5       , 0.66666667, 0.75      ])
    >>> ecdf_scores([3.0, 1.0, 2.0, 2.0], expanding=False)
    array([1.  , 0.25, 0.75, 0.75])
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if np.isnan(x).any():
        raise ValueError("values must not contain NaN")
    n = x.size
    if n == 0:
        return np.empty(0)
    if not expanding:
        return np.searchsorted(np.sort(x), x, side="right") / n
    out = np.empty(n)
    tri = np.tri(min(block, n), dtype=bool)  # tri[i, j]: j <= i
    for lo in range(0, n, block):  # a few blocks; each one is vectorised
        hi = min(lo + block, n)
        xb = x[lo:hi]
        # earlier blocks: binary search in their sorted values; this block: a triangle
        before = np.searchsorted(np.sort(x[:lo]), xb, side="right")
        within = ((xb[None, :] <= xb[:, None]) & tri[: hi - lo, : hi - lo]).sum(axis=1)
        out[lo:hi] = (before + within) / np.arange(lo + 1, hi + 1)
    return out


def ewma_correlations(
    scores: npt.ArrayLike, lam: float = 0.93, *, init_variance: float = 1.0 / 12.0
) -> FloatArray:
    """Time-varying correlations of subindices by EWMA (CISS step 3).

    Parameters
    ----------
    scores : array_like, shape (T, N)
        Subindex values in [0, 1]; NaN where a subindex has no data.
    lam : float
        Decay, 0 < lam < 1 (0.93 in the CISS paper, weekly data).
    init_variance : float
        Prior variance of each demeaned subindex (1/12, a uniform variable); prior
        covariances are 0.

    Returns
    -------
    numpy.ndarray, shape (T, N, N)
        Correlation matrices.

    Examples
    --------
    Two subindices always equal to 0.8 (``s~ = 0.3``), ``lam = 0.5``, one step:
    variance 0.5/12 + 0.5 * 0.09, covariance 0.5 * 0.09.

    >>> c = ewma_correlations([[0.8, 0.8]], lam=0.5)
    >>> round(float(c[0, 0, 1]), 6), round(0.045 / (0.5 / 12 + 0.045), 6)
    (0.519231, 0.519231)
    """
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2:
        raise ValueError("scores must have shape (T, N)")
    if not 0.0 < lam < 1.0:
        raise ValueError("lam must be in (0, 1)")
    t, n = s.shape
    dev = np.nan_to_num(s - 0.5, nan=0.0)
    prod = (dev[:, :, None] * dev[:, None, :]).reshape(t, n * n)
    sigma0 = (init_variance * np.eye(n)).reshape(1, n * n)
    # sigma_t = lam sigma_{t-1} + (1 - lam) p_t: one first-order IIR filter per pair
    cov = _ewma(prod, lam, sigma0[0]).reshape(t, n, n)
    var = np.diagonal(cov, axis1=1, axis2=2)
    denom = np.sqrt(var[:, :, None] * var[:, None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where(denom > 0, cov / denom, 0.0)
    idx = np.arange(n)
    corr[:, idx, idx] = 1.0
    return np.clip(corr, -1.0, 1.0)


def ciss_composite(
    scores: npt.ArrayLike, correlations: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> FloatArray:
    """The CISS quadratic form ``(w o s)' C (w o s)`` at each time (CISS step 4).

    Parameters
    ----------
    scores : array_like, shape (T, N) or (N,)
        Subindices in [0, 1]; NaN where missing (left out, weights renormalised).
    correlations : array_like, shape (T, N, N) or (N, N)
        Correlation matrices.
    weights : array_like, shape (N,), optional
        Segment weights (equal by default); normalised to sum to one over the segments
        present at each time.

    Returns
    -------
    numpy.ndarray, shape (T,)
        The composite in [0, 1]; NaN when no segment has data.

    Examples
    --------
    Two subindices at 0.8 and 0.6 with equal weights: perfectly correlated gives
    ``(0.4 + 0.3)**2 = 0.49``; uncorrelated ``0.4**2 + 0.3**2 = 0.25``.

    >>> ciss_composite([0.8, 0.6], [[1, 1], [1, 1]])
    array([0.49])
    >>> ciss_composite([0.8, 0.6], [[1, 0], [0, 1]])
    array([0.25])
    """
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    c = np.asarray(correlations, dtype=float)
    if c.ndim == 2:
        c = np.broadcast_to(c, (s.shape[0], *c.shape))
    t, n = s.shape
    if c.shape != (t, n, n):
        raise ValueError(f"correlations must have shape ({t}, {n}, {n}), got {c.shape}")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or (w < 0).any():
        raise ValueError("weights must be N non-negative numbers")
    present = ~np.isnan(s)
    wt = np.where(present, w[None, :], 0.0)
    total = wt.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        wt = np.where(total > 0, wt / total, 0.0)
    ws = wt * np.nan_to_num(s, nan=0.0)
    out = np.einsum("ti,tij,tj->t", ws, c, ws)
    out = np.clip(out, 0.0, 1.0)
    return np.where(present.any(axis=1), out, np.nan)
