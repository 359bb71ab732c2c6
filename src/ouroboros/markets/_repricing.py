"""Duration repricing: how much each asset class falls when the discount rate rises.

Each asset class is a cash-flow profile discounted at ``r = risk_free + risk_premium``:

* ``gordon`` — a growing perpetuity, P = CF₁ / (r − g) (Gordon & Shapiro 1956). The exact
  repricing for a rise Δr is P′/P − 1 = (r − g)/(r + Δr − g) − 1 and the modified duration
  −P′(r)/P(r) is exactly 1/(r − g).
* ``bond`` — a fixed-coupon bond priced at yield r with ``frequency`` payments a year;
  modified duration is the exact derivative −P′(y)/P(y) (Macaulay 1938; Fabozzi,
  *Bond Markets, Analysis and Strategies*, ch. 4).
* ``cash_flows`` — explicit yearly cash flows (near-term versus far-future), optionally
  followed by a Gordon tail growing at ``terminal_growth`` after the last year (the
  two-stage dividend-discount model).

Long-duration claims (cash far in the future, r close to g) fall most when the cost of
capital rises; claims paying cash now fall least (seed 002). Repricing is exact: prices
are recomputed at the new rate, and the first-order estimate −D Δr is shown beside it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ouroboros.errors import InputError
from ouroboros.markets._validate import FloatArray, check_number

__all__ = [
    "PROFILE_KINDS",
    "AssetClass",
    "RepricingResult",
    "reprice",
]

ProfileKind = Literal["gordon", "bond", "cash_flows"]
PROFILE_KINDS: tuple[str, ...] = ("gordon", "bond", "cash_flows")


@dataclass(frozen=True)
class AssetClass:
    """An asset class described by its cash-flow profile.

    Parameters
    ----------
    name : str
        Identifier (``"crypto"``).
    kind : {"gordon", "bond", "cash_flows"}
        The profile (see the module docstring).
    risk_premium : float
        Added to the risk-free rate to give the discount rate (a credit spread for bonds,
        an equity risk premium for equities).
    growth : float, optional
        ``gordon``: the perpetual growth rate g (must stay below r).
    coupon : float, optional
        ``bond``: annual coupon rate (decimal of par).
    maturity : float, optional
        ``bond``: years to maturity; ``maturity × frequency`` must be a whole number.
    frequency : int
        ``bond``: coupons a year (1, 2, 4 or 12).
    cash_flows : sequence of float, optional
        ``cash_flows``: cash flows at the end of years 1, 2, … (any scale; only ratios
        matter). Negative early flows (cash burn) are allowed if the price stays positive.
    terminal_growth : float, optional
        ``cash_flows``: growth of a perpetual tail after the last year (None: no tail).
    rate_beta : float
        How much of a rise in the cost of capital reaches this class's discount rate
        (1 = one for one).
    label : str
        A readable name.
    """

    name: str
    kind: ProfileKind
    risk_premium: float = 0.0
    growth: float | None = None
    coupon: float | None = None
    maturity: float | None = None
    frequency: int = 1
    cash_flows: tuple[float, ...] = ()
    terminal_growth: float | None = None
    rate_beta: float = 1.0
    label: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"asset class {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise InputError("an asset class needs a non-empty name", field="name")
        if self.kind not in PROFILE_KINDS:
            raise InputError(
                f"{where}: kind must be one of {', '.join(PROFILE_KINDS)}; got {self.kind!r}",
                field="kind",
            )
        check_number("risk_premium", self.risk_premium, where=where)
        check_number("rate_beta", self.rate_beta, ge=0, where=where)
        if self.kind == "gordon":
            if self.growth is None:
                raise InputError(f"{where}: a gordon profile needs growth", field="growth")
            check_number("growth", self.growth, gt=-1, where=where)
        elif self.kind == "bond":
            if self.coupon is None or self.maturity is None:
                raise InputError(f"{where}: a bond needs coupon and maturity", field="coupon")
            check_number("coupon", self.coupon, ge=0, where=where)
            m = check_number("maturity", self.maturity, gt=0, le=100, where=where)
            if self.frequency not in (1, 2, 4, 12):
                raise InputError(
                    f"{where}: frequency must be 1, 2, 4 or 12; got {self.frequency!r}",
                    field="frequency",
                )
            periods = m * self.frequency
            if abs(periods - round(periods)) > 1e-9:
                raise InputError(
                    f"{where}: maturity × frequency must be a whole number of periods, "
                    f"got {m:g} × {self.frequency}",
                    field="maturity",
                )
        else:
            if len(self.cash_flows) == 0:
                raise InputError(
                    f"{where}: cash_flows must list at least one year", field="cash_flows"
                )
            if len(self.cash_flows) > 500:
                raise InputError(f"{where}: at most 500 years of cash_flows", field="cash_flows")
            for i, c in enumerate(self.cash_flows):
                check_number(f"cash_flows[{i}]", c, where=where)
            if self.terminal_growth is not None:
                check_number("terminal_growth", self.terminal_growth, gt=-1, where=where)

    # ------------------------------------------------------------------ pricing

    def discount_rate(self, risk_free: float) -> float:
        """``risk_free + risk_premium``."""
        return float(risk_free) + float(self.risk_premium)

    def _growth_limit(self) -> float | None:
        if self.kind == "gordon":
            return float(self.growth)  # type: ignore[arg-type]
        if self.kind == "cash_flows" and self.terminal_growth is not None:
            return float(self.terminal_growth)
        return None

    def check_rate(self, r: ArrayLike, *, when: str = "") -> None:
        """Raise an :class:`InputError` naming this class if ``r`` cannot price it."""
        arr = np.atleast_1d(np.asarray(r, dtype=float))
        where = f"asset class {self.name!r}"
        suffix = f" {when}" if when else ""
        if np.any(arr <= -1):
            raise InputError(
                f"{where}: discount rate must be > -1{suffix}, got {float(arr[arr <= -1][0]):g}",
                field="risk_premium",
            )
        g = self._growth_limit()
        if g is not None and np.any(arr <= g):
            bad = float(arr[arr <= g][0])
            gname = "growth" if self.kind == "gordon" else "terminal_growth"
            raise InputError(
                f"{where}: discount rate r = {bad:.6g} must exceed {gname} g = {g:.6g}"
                f"{suffix} (a growing perpetuity needs r > g)",
                field=gname,
            )

    def price(self, r: ArrayLike) -> FloatArray:
        """Price at discount rate(s) ``r`` (gordon: per unit of next year's cash flow;
        bond: per 100 of par; cash_flows: in the flows' own unit)."""
        rr = np.asarray(r, dtype=float)
        self.check_rate(rr)
        p, _ = self._price_and_slope(rr)
        return p

    def modified_duration(self, r: ArrayLike) -> FloatArray:
        """Exact modified duration −P′(r)/P(r) (years)."""
        rr = np.asarray(r, dtype=float)
        self.check_rate(rr)
        p, dp = self._price_and_slope(rr)
        self._check_positive(p)
        out: FloatArray = -dp / p
        return out

    def _check_positive(self, p: FloatArray) -> None:
        if np.any(p <= 0):
            raise InputError(
                f"asset class {self.name!r}: the cash flows have a non-positive present "
                "value; a price change is undefined",
                field="cash_flows",
            )

    def _price_and_slope(self, r: FloatArray) -> tuple[FloatArray, FloatArray]:
        if self.kind == "gordon":
            spread = r - float(self.growth)  # type: ignore[arg-type]
            return 1.0 / spread, -1.0 / spread**2
        if self.kind == "bond":
            f = self.frequency
            n = round(float(self.maturity) * f)  # type: ignore[arg-type]
            c = float(self.coupon) / f * 100.0  # type: ignore[arg-type]
            k = np.arange(1, n + 1, dtype=float)
            v = 1.0 / (1.0 + r[..., None] / f)
            flows = np.full(n, c)
            flows[-1] += 100.0
            p = (flows * v**k).sum(axis=-1)
            dp = -(flows * (k / f) * v ** (k + 1)).sum(axis=-1)
            return p, dp
        cf = np.asarray(self.cash_flows, dtype=float)
        n = cf.size
        t = np.arange(1, n + 1, dtype=float)
        v = 1.0 / (1.0 + r[..., None])
        p = (cf * v**t).sum(axis=-1)
        dp = -(cf * t * v ** (t + 1)).sum(axis=-1)
        if self.terminal_growth is not None:
            g = float(self.terminal_growth)
            tv0 = cf[-1] * (1.0 + g)
            vn = (1.0 + r) ** (-n)
            p = p + tv0 / (r - g) * vn
            dp = dp + tv0 * (-vn / (r - g) ** 2 - n * vn / ((r - g) * (1.0 + r)))
        return p, dp

    def price_change(self, risk_free: float, shock: ArrayLike) -> FloatArray:
        """Exact fractional price change for rise(s) ``shock`` in the cost of capital.

        The discount rate moves by ``rate_beta × shock``. Vectorised over ``shock``.

        Examples
        --------
        >>> a = AssetClass("saas", "gordon", risk_premium=0.06, growth=0.08)
        >>> r = a.discount_rate(0.04)                     # 0.10; r - g = 0.02
        >>> round(float(a.price_change(0.04, 0.01)), 12)  # 0.02 / 0.03 - 1
        -0.333333333333
        """
        r = self.discount_rate(risk_free)
        s = np.asarray(shock, dtype=float)
        self.check_rate(np.asarray(r), when="before the shock")
        new_r = r + self.rate_beta * s
        self.check_rate(new_r, when="after the shock")
        if self.kind == "gordon":
            g = float(self.growth)  # type: ignore[arg-type]
            out: FloatArray = (r - g) / (new_r - g) - 1.0
            return out
        p0, _ = self._price_and_slope(np.asarray(r))
        self._check_positive(np.atleast_1d(p0))
        p1, _ = self._price_and_slope(new_r)
        out = p1 / p0 - 1.0
        return out

    def gordon_duration(self, risk_free: float) -> float:
        """1/(r − g) for a gordon profile (NaN for other kinds)."""
        if self.kind != "gordon":
            return math.nan
        return 1.0 / (self.discount_rate(risk_free) - float(self.growth))  # type: ignore[arg-type]

    def describe(self) -> str:
        """A one-line summary of the profile."""
        if self.kind == "gordon":
            return f"growing perpetuity, g = {self.growth:.2%}"
        if self.kind == "bond":
            return (
                f"{self.maturity:g}-year bond, coupon {self.coupon:.2%}, {self.frequency}x a year"
            )
        tail = (
            f", then growth {self.terminal_growth:.2%} for ever"
            if self.terminal_growth is not None
            else ""
        )
        return f"{len(self.cash_flows)} years of explicit cash flows{tail}"


@dataclass(frozen=True)
class RepricingResult:
    """Outcome of :func:`reprice`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per asset class: ``asset_class, label, kind, profile, discount_rate,
        growth, rate_beta, shock, new_discount_rate, duration, gordon_duration,
        price_change, first_order_change``.
    risk_free, shock : float
        The inputs.
    """

    table: pd.DataFrame
    risk_free: float
    shock: float
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def price_changes(self) -> dict[str, float]:
        """Asset class → exact fractional price change."""
        return {
            str(k): float(v)
            for k, v in zip(self.table["asset_class"], self.table["price_change"], strict=True)
        }


def _as_classes(asset_classes: Iterable[AssetClass] | Mapping[str, AssetClass]) -> list[AssetClass]:
    items = (
        list(asset_classes.values()) if isinstance(asset_classes, Mapping) else list(asset_classes)
    )
    names = [a.name for a in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"asset class {dup[0]!r} is defined twice", field="asset_classes")
    if not items:
        raise InputError("no asset classes to reprice", field="asset_classes")
    return items


def reprice(
    asset_classes: Sequence[AssetClass] | Mapping[str, AssetClass],
    shock: float,
    *,
    risk_free: float,
) -> RepricingResult:
    """Exact repricing of each asset class for a rise ``shock`` in the cost of capital.

    Parameters
    ----------
    asset_classes : sequence or mapping of AssetClass
    shock : float
        Rise in the cost of capital (decimal: 0.01 = 100 bp); each class's discount rate
        rises by ``rate_beta × shock``.
    risk_free : float
        The risk-free rate the premia are added to.

    Returns
    -------
    RepricingResult

    Examples
    --------
    A 10-year par bond at 4% and a perpetuity with r − g = 2%, for +100 bp:

    >>> res = reprice([AssetClass("ust10", "bond", coupon=0.04, maturity=10),
    ...                AssetClass("saas", "gordon", risk_premium=0.06, growth=0.08)],
    ...               0.01, risk_free=0.04)
    >>> res.table[["asset_class", "duration", "price_change", "first_order_change"]].round(4)
      asset_class  duration  price_change  first_order_change
    0       ust10    8.1109       -0.0772             -0.0811
    1        saas   50.0000       -0.3333             -0.5000
    """
    items = _as_classes(asset_classes)
    rf = check_number("risk_free", risk_free)
    dr = check_number("shock", shock)
    rows = []
    for a in items:
        r = a.discount_rate(rf)
        a.check_rate(np.asarray(r), when="before the shock")
        duration = float(a.modified_duration(np.asarray(r)))
        change = float(a.price_change(rf, dr))
        g = a._growth_limit()
        rows.append(
            {
                "asset_class": a.name,
                "label": a.label or a.name,
                "kind": a.kind,
                "profile": a.describe(),
                "discount_rate": r,
                "growth": math.nan if g is None else g,
                "rate_beta": float(a.rate_beta),
                "shock": a.rate_beta * dr,
                "new_discount_rate": r + a.rate_beta * dr,
                "duration": duration,
                "gordon_duration": a.gordon_duration(rf),
                "price_change": change,
                "first_order_change": -duration * a.rate_beta * dr,
            }
        )
    table = pd.DataFrame(rows)
    return RepricingResult(
        table=table,
        risk_free=rf,
        shock=dr,
        parameters={"risk_free": rf, "shock": dr, "asset_classes": [a.name for a in items]},
    )
