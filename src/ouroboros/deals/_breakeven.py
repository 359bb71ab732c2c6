"""Breakeven stresses: how hard can a driver move before a tranche loses or DSCR hits 1.0.

The search runs vectorised grids (one engine run evaluates every grid point as a separate
scenario) that bracket the first crossing ever more tightly, then Brent's method
(``scipy.optimize.brentq``) finishes inside the bracket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from ouroboros.deals._compile import CompiledDeal, compile_deal
from ouroboros.deals._drivers import FACTOR_DRIVERS, RATE_DRIVERS, Drivers, make_drivers
from ouroboros.deals._engine import simulate
from ouroboros.deals._spec import DealSpec
from ouroboros.errors import InputError

__all__ = ["STRESSES", "Breakeven", "breakeven"]

F = NDArray[np.float64]


@dataclass(frozen=True)
class _Stress:
    driver: str
    upper: float
    what: str


STRESSES: dict[str, _Stress] = {
    "cfads_haircut": _Stress("cfads_factor", 1.0, "haircut to CFADS"),
    "rent_haircut": _Stress("rent_factor", 1.0, "cut in lease rents"),
    "gpu_price_fall": _Stress("gpu_price_factor", 1.0, "fall in $/GPU-hour"),
    "utilisation_fall": _Stress("utilisation_factor", 1.0, "fall in GPU utilisation"),
    "asset_value_haircut": _Stress("asset_value_factor", 1.0, "haircut to collateral value"),
    "rate_rise": _Stress("rates", 0.20, "rise in SOFR, Treasury and refinancing rates"),
}
"""Named stresses: the driver each moves, the largest stress searched, what it means.

Factor stresses multiply their driver by ``1 - x`` for ``x`` in [0, 1]; ``rate_rise``
adds ``x`` (up to 20 points) to every rate path."""


@dataclass(frozen=True)
class Breakeven:
    """The result of :func:`breakeven`.

    Attributes
    ----------
    deal_id, stress, target : str
        What was searched: ``target`` is ``first_loss`` or ``dscr``.
    tranche : str or None
        The tranche watched (``None``: any debt tranche).
    found : bool
        Whether the target is reached within ``[0, upper]``.
    value : float or None
        The breakeven stress ``x`` (a fraction, or a rate rise in decimal).
    level : float or None
        The driver's multiplier at breakeven, ``1 - x`` (``None`` for ``rate_rise``).
    at_base : bool
        The target is already reached without any stress.
    first_loser : str or None
        For ``first_loss``: the tranche that loses first at the breakeven.
    description : str
        One sentence for people.
    evaluations : int
        Engine runs used.
    """

    deal_id: str
    stress: str
    target: str
    tranche: str | None
    found: bool
    value: float | None
    level: float | None
    at_base: bool
    first_loser: str | None
    description: str
    evaluations: int


def _stressed(cd: CompiledDeal, base: Drivers, name: str, xs: F) -> Drivers:
    """``len(xs)`` copies of the base scenario, the ``i``-th stressed by ``xs[i]``."""
    if base.n != 1:
        raise InputError(f"breakeven needs one base scenario; got {base.n}", field="scenario")
    n, T = xs.shape[0], cd.n_periods
    kw: dict[str, Any] = {k: np.broadcast_to(getattr(base, k), (1, T)) for k in FACTOR_DRIVERS}
    rates: dict[str, Any] = {k: getattr(base, k) for k in RATE_DRIVERS}
    if STRESSES[name].driver == "rates":
        base_curve = {"sofr": cd.sofr, "treasury": cd.treasury, "refinance_rate": None}
        for k, v in rates.items():
            curve = v if v is not None else base_curve[k]
            rates[k] = None if curve is None else np.broadcast_to(curve, (1, T)) + xs[:, None]
    else:
        kw[STRESSES[name].driver] = kw[STRESSES[name].driver] * (1.0 - xs[:, None])
        rates = {k: (None if v is None else np.broadcast_to(v, (1, T))) for k, v in rates.items()}
    return make_drivers(
        n,
        names=[f"x={x:.6g}" for x in xs],
        walk_away={k: np.repeat(v, n) for k, v in base.walk_away.items()},
        customer_default={k: np.repeat(v, n) for k, v in base.customer_default.items()},
        **kw,
        **rates,
    )


def breakeven(
    deal: DealSpec | CompiledDeal,
    stress: str,
    *,
    target: Literal["first_loss", "dscr"] = "first_loss",
    tranche: str | None = None,
    base: Drivers | None = None,
    grid: int = 41,
    xtol: float = 1e-6,
) -> Breakeven:
    """Find the smallest stress at which a tranche takes its first loss, or DSCR hits 1.0.

    Parameters
    ----------
    deal : DealSpec or CompiledDeal
    stress : str
        One of :data:`STRESSES`: ``cfads_haircut``, ``rent_haircut``, ``gpu_price_fall``,
        ``utilisation_fall``, ``asset_value_haircut``, ``rate_rise``.
    target : {"first_loss", "dscr"}
        ``first_loss``: the principal or interest written off on ``tranche`` (any debt
        tranche by default) becomes positive. ``dscr``: the minimum DSCR over operating
        periods falls to 1.0.
    tranche : str, optional
        The tranche watched for ``first_loss``.
    base : Drivers, optional
        One base scenario the stress is applied on (default: the spec's base case).
    grid : int
        Points of the vectorised bracketing grid (all run in one engine call).
    xtol : float
        Tolerance of Brent's method on the stress.

    Returns
    -------
    Breakeven

    Examples
    --------
    >>> from ouroboros.deals import bundled_deal
    >>> be = breakeven(bundled_deal("hyperion"), "rent_haircut", target="dscr")
    >>> be.found and 0.0 < be.value < 0.5
    True
    """
    if stress not in STRESSES:
        raise InputError(
            f"unknown stress {stress!r}; expected one of {', '.join(STRESSES)}", field="stress"
        )
    if target not in ("first_loss", "dscr"):
        raise InputError(f"target must be first_loss or dscr; got {target!r}", field="target")
    cd = deal if isinstance(deal, CompiledDeal) else compile_deal(deal)
    ids = [t.id for t in cd.tranches]
    if tranche is not None and tranche not in ids:
        raise InputError(
            f"unknown tranche {tranche!r}; the deal's tranches are {', '.join(ids)}",
            field="tranche",
        )
    base_drv = base if base is not None else make_drivers(1)
    upper = STRESSES[stress].upper
    evaluations = 0

    def metric(xs: F) -> tuple[F, list[str | None]]:
        nonlocal evaluations
        evaluations += 1
        rec = simulate(cd, _stressed(cd, base_drv, stress, xs))
        if target == "dscr":
            mn = rec["min_dscr"]
            # crossing when min DSCR <= 1; a scenario with no DSCR at all never crosses
            return np.where(np.isnan(mn), -np.inf, 1.0 - mn), [None] * len(xs)
        loss = rec["loss"] + rec["int_loss"]  # (J, S)
        funded = np.array([t.amount for t in cd.tranches])[:, None] + rec["draw"].sum(axis=1)
        rate = loss / np.maximum(funded, 1e-12)
        watch = [ids.index(tranche)] if tranche is not None else list(range(len(ids)))
        sub = rate[watch]
        worst = sub.max(axis=0)
        loser = [
            ids[watch[int(np.argmax(sub[:, s]))]] if worst[s] > 0 else None
            for s in range(sub.shape[1])
        ]
        return worst - 1e-9, loser

    xs = np.linspace(0.0, upper, grid)
    h, losers = metric(xs)
    what = STRESSES[stress].what
    who = tranche or "any tranche"
    goal = "takes its first loss" if target == "first_loss" else "min DSCR falls to 1.0"
    if h[0] > 0:
        return Breakeven(
            cd.spec.id,
            stress,
            target,
            tranche,
            True,
            0.0,
            None if stress == "rate_rise" else 1.0,
            True,
            losers[0],
            f"already at base: {who if target == 'first_loss' else 'the deal' + chr(39) + 's'} "
            f"{goal} without any stress",
            evaluations,
        )
    hit = np.flatnonzero(h > 0)
    if hit.size == 0:
        never = (
            f"{tranche or 'no tranche'} {'never loses' if tranche else 'loses'}"
            if target == "first_loss"
            else "min DSCR stays above 1.0"
        )
        return Breakeven(
            cd.spec.id,
            stress,
            target,
            tranche,
            False,
            None,
            None,
            False,
            None,
            f"no breakeven: {never} even at a {_fmt(stress, upper)} {what}",
            evaluations,
        )
    i = int(hit[0])
    a, b = float(xs[i - 1]), float(xs[i])
    # narrow the bracket with more vectorised grids (one engine call each), then Brent
    for _ in range(8):
        if b - a <= 50 * xtol:
            break
        xs = np.linspace(a, b, grid)
        h, _ = metric(xs)
        k = int(np.flatnonzero(h > 0)[0]) if (h > 0).any() else grid - 1
        if k == 0:
            break
        a, b = float(xs[k - 1]), float(xs[k])

    def scalar(x: float) -> float:
        return float(metric(np.array([x]))[0][0])

    # the grids found h(a) <= 0 < h(b)
    f: Callable[[float], float] = scalar
    root = float(brentq(f, a, b, xtol=xtol, maxiter=100))
    # report the first point at or after the root where the target is reached
    hr, lr = metric(np.array([root, min(root + xtol, upper)]))
    at = root if hr[0] > 0 else min(root + xtol, upper)
    loser = lr[0] if hr[0] > 0 else lr[1]
    level = None if stress == "rate_rise" else 1.0 - at
    subject = (loser or who) if target == "first_loss" else "the deal's"
    desc = f"{subject} {goal} at a {_fmt(stress, at)} {what}"
    return Breakeven(
        cd.spec.id, stress, target, tranche, True, at, level, False, loser, desc, evaluations
    )


def _fmt(stress: str, x: float) -> str:
    if stress == "rate_rise":
        return f"{x * 1e4:,.0f}bp"
    return f"{x:.2%}"
