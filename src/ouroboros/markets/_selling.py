"""The forced-selling chain: holders meeting commitments sell what they believe in least.

Large holders (sovereign funds, SoftBank-like investors) must meet commitments; without
idle cash they sell their lowest-conviction positions first, or redeem from funds (weak
hedge funds), which must then sell in turn. Selling moves prices through a price-impact
function; funds whose net asset value falls face redemptions from outside investors
(flow follows performance), so they sell more. Rounds continue until no holder needs to
sell (seed 002; fire-sale mechanics after Cifuentes, Ferrucci & Shin, "Liquidity risk and
contagion", JEEA 3(2–3), 2005, exponential inverse demand; Greenwood, Landier & Thesmar,
JFE 115(3), 2015, linear price impact; Cont & Schaanning, 2017, rounds of deleveraging
with market depth).

Units. Holdings of a market asset are in units whose reference price is 1, so an amount
is the position's value before any shock (e.g. USD bn). A fund's units are worth its net
asset value per unit, 1 at the start (before the shock), so a stake in a fund is also
given by its value. Every price starts at ``1 + shock`` (the repricing).

One round:

1. mark every holder to market (funds before their holders); a fund whose NAV per unit
   ``u`` is below 1 receives outside redemptions: cumulative redeemed units
   ``= redemption_per_loss × (1 − u) × outside units at the start``, paid at ``u``;
2. every holder pays what it owes from its cash (pro rata across creditors);
3. a holder whose obligations exceed its cash plus money due to it from funds sells, in
   its conviction order (lowest first), enough at today's prices to cover the gap; a
   stake in a fund is redeemed (the fund now owes the holder);
4. all sales of an asset in the round execute together against the absorbing market, at
   the average price along the impact curve; the price moves to the new level.

A holder with nothing left to sell, no cash and nothing due to it, still owing, has
failed: what it owes to other holders is written off (so they must sell instead). The
chain stops when a round changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ouroboros.errors import ConvergenceError, InputError
from ouroboros.markets._validate import FloatArray, check_number, dependency_order

__all__ = [
    "IMPACT_KINDS",
    "SELL_ORDERS",
    "Holder",
    "MarketAsset",
    "Position",
    "SellingResult",
    "forced_selling",
    "impact_price",
    "impact_proceeds",
]

ImpactKind = Literal["exponential", "linear"]
IMPACT_KINDS: tuple[str, ...] = ("exponential", "linear")
SellOrder = Literal["conviction", "pro_rata"]
SELL_ORDERS: tuple[str, ...] = ("conviction", "pro_rata")


@dataclass(frozen=True)
class MarketAsset:
    """An asset traded against an absorbing market with finite depth.

    Parameters
    ----------
    name : str
    depth : float
        Market depth D (same unit as holdings, ``> 0``): selling X units moves the price
        to ``p₀ exp(−X/D)`` (exponential) or ``p₀ max(0, 1 − X/D)`` (linear).
    shock : float
        Fractional price change before the chain starts (e.g. from :func:`reprice`),
        ``> -1``.
    impact : {"exponential", "linear"}
    label : str
    """

    name: str
    depth: float
    shock: float = 0.0
    impact: ImpactKind = "exponential"
    label: str = ""

    def __post_init__(self) -> None:
        where = f"asset {self.name!r}"
        check_number("depth", self.depth, gt=0, where=where)
        check_number("shock", self.shock, gt=-1, where=where)
        if self.impact not in IMPACT_KINDS:
            raise InputError(
                f"{where}: impact must be exponential or linear; got {self.impact!r}",
                field="impact",
            )

    @property
    def start_price(self) -> float:
        """Price when the chain starts, ``1 + shock``."""
        return 1.0 + float(self.shock)


@dataclass(frozen=True)
class Position:
    """A holding: ``amount`` units of a market asset or of a fund (another holder)."""

    asset: str
    amount: float


@dataclass(frozen=True)
class Holder:
    """An investor that may have to sell.

    Parameters
    ----------
    name : str
    cash : float
        Cash available (``>= 0``).
    commitment : float
        Cash it must pay out (capital calls, pledged investments, benefits), ``>= 0``.
    portfolio : sequence of Position
        Ordered from **lowest** conviction (sold first) to highest.
    redemption_per_loss : float
        Outside investors redeem this multiple of the fractional NAV loss of their units
        (0 for holders without outside investors), ``>= 0``.
    sell_order : {"conviction", "pro_rata"}
        Sell positions in portfolio order (lowest conviction first), or the same share of
        every position (an index fund or ETF).
    label : str
    """

    name: str
    cash: float
    commitment: float
    portfolio: tuple[Position, ...] = ()
    redemption_per_loss: float = 0.0
    sell_order: SellOrder = "conviction"
    label: str = ""

    def __post_init__(self) -> None:
        where = f"holder {self.name!r}"
        check_number("cash", self.cash, ge=0, where=where)
        check_number("commitment", self.commitment, ge=0, where=where)
        check_number("redemption_per_loss", self.redemption_per_loss, ge=0, where=where)
        if self.sell_order not in SELL_ORDERS:
            raise InputError(
                f"{where}: sell_order must be conviction or pro_rata; got {self.sell_order!r}",
                field="sell_order",
            )
        seen: set[str] = set()
        for i, pos in enumerate(self.portfolio):
            check_number(f"portfolio[{i}].amount", pos.amount, ge=0, where=where)
            if pos.asset in seen:
                raise InputError(
                    f"{where}: {pos.asset!r} appears twice in the portfolio", field="portfolio"
                )
            seen.add(pos.asset)


def impact_price(kind: str, start: float, sold: FloatArray | float, depth: float) -> FloatArray:
    """Price after ``sold`` units have been sold since the start.

    Examples
    --------
    >>> float(impact_price("linear", 1.0, 10.0, 100.0))
    0.9
    >>> round(float(impact_price("exponential", 1.0, 10.0, 100.0)), 6)
    0.904837
    """
    x = np.asarray(sold, dtype=float)
    if kind == "linear":
        out: FloatArray = start * np.maximum(0.0, 1.0 - x / depth)
    else:
        out = start * np.exp(-x / depth)
    return out


def impact_proceeds(
    kind: str, start: float, sold_before: float, quantity: float, depth: float
) -> float:
    """Cash the absorbing market pays for ``quantity`` units: the integral of the price
    curve from ``sold_before`` to ``sold_before + quantity``.

    Examples
    --------
    Ten units into a linear market of depth 100: average price (1 + 0.9) / 2.

    >>> impact_proceeds("linear", 1.0, 0.0, 10.0, 100.0)
    9.5
    """
    a, b = sold_before, sold_before + quantity
    if kind == "linear":
        a, b = min(a, depth), min(b, depth)
        return float(start * ((b - a) - (b * b - a * a) / (2.0 * depth)))
    return float(start * depth * (np.exp(-a / depth) - np.exp(-b / depth)))


@dataclass(frozen=True)
class SellingResult:
    """Outcome of :func:`forced_selling`.

    Attributes
    ----------
    chain : pandas.DataFrame
        Every sale and redemption: ``round, holder, asset, kind (sale|redemption),
        quantity, price, proceeds``; ``price`` is the average execution price of a sale,
        or the NAV per unit of a redemption.
    holders : pandas.DataFrame
        Per holder: ``holder, label, cash_start, cash_end, commitment,
        outside_redemptions, paid, unpaid, sold_value, nav_start, nav_end, nav_change,
        failed``.
    prices : pandas.DataFrame
        Per market asset: ``asset, label, start_price, end_price, change_from_start,
        change_from_reference, units_sold, market_bought, market_paid``.
    holdings : pandas.DataFrame
        ``holder, asset, start, end`` units of every position.
    rounds : int
        Rounds that sold or paid something.
    """

    chain: pd.DataFrame
    holders: pd.DataFrame
    prices: pd.DataFrame
    holdings: pd.DataFrame
    rounds: int
    parameters: Mapping[str, Any] = field(default_factory=dict)


def _fund_order(holders: Sequence[Holder]) -> list[int]:
    """Holders ordered so that every fund comes before the holders that own it."""
    index = {h.name: i for i, h in enumerate(holders)}

    def funds_held(name: str) -> list[str]:
        return [p.asset for p in holders[index[name]].portfolio if p.asset in index]

    names = dependency_order(index, funds_held, cycle="fund stakes form a cycle", field="portfolio")
    return [index[n] for n in names]


def forced_selling(
    holders: Iterable[Holder],
    assets: Iterable[MarketAsset],
    *,
    tolerance: float = 1e-6,
    max_rounds: int = 1000,
) -> SellingResult:
    """Run the forced-selling chain until no holder needs to sell.

    Parameters
    ----------
    holders : iterable of Holder
        Each portfolio position names a market asset or another holder (a fund stake).
    assets : iterable of MarketAsset
    tolerance : float
        Shortfalls at or below this are ignored (``> 0``; it guarantees termination).
    max_rounds : int
        Raise :class:`~ouroboros.errors.ConvergenceError` beyond this many rounds.

    Returns
    -------
    SellingResult

    Examples
    --------
    A holder owing 10 sells 10 units into a linear market of depth 100 and receives
    9.5 (average price 0.95); it then sells 0.5 / 0.9 more, and so on:

    >>> res = forced_selling(
    ...     [Holder("sov", cash=0, commitment=10, portfolio=(Position("a", 50),))],
    ...     [MarketAsset("a", depth=100, impact="linear")], tolerance=1e-9)
    >>> res.chain[["round", "holder", "quantity", "price"]].head(2).round(6)
       round holder   quantity     price
    0      1    sov  10.000000  0.950000
    1      2    sov   0.555556  0.897222
    >>> float(res.holders["unpaid"].iloc[0]) < 1e-9
    True
    """
    hs = list(holders)
    assets_l = list(assets)
    tol = check_number("tolerance", tolerance, gt=0)
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise InputError(
            f"max_rounds must be an integer >= 1, got {max_rounds!r}", field="max_rounds"
        )
    a_index = {a.name: k for k, a in enumerate(assets_l)}
    h_index = {h.name: i for i, h in enumerate(hs)}
    if len(a_index) != len(assets_l):
        raise InputError("an asset name is used twice", field="assets")
    if len(h_index) != len(hs):
        raise InputError("a holder name is used twice", field="holders")
    both = sorted(set(a_index) & set(h_index))
    if both:
        raise InputError(f"{both[0]!r} is both an asset and a holder", field="holders")
    for h in hs:
        for p in h.portfolio:
            if p.asset == h.name:
                raise InputError(
                    f"holder {h.name!r} cannot hold units of itself", field="portfolio"
                )
            if p.asset not in a_index and p.asset not in h_index:
                raise InputError(
                    f"holder {h.name!r}: portfolio names unknown asset or fund {p.asset!r}",
                    field="portfolio",
                )
    order = _fund_order(hs)
    nh, na = len(hs), len(assets_l)

    # state
    q = np.zeros((nh, na))  # market units
    u = np.zeros((nh, nh))  # fund units: u[i, f] units of fund f held by i
    for i, h in enumerate(hs):
        for p in h.portfolio:
            if p.asset in a_index:
                q[i, a_index[p.asset]] = p.amount
            else:
                u[i, h_index[p.asset]] = p.amount
    q0, u0 = q.copy(), u.copy()
    cash = np.array([float(h.cash) for h in hs])
    cash0 = cash.copy()
    owed_out = np.array([float(h.commitment) for h in hs])  # to outsiders
    owed_to = np.zeros((nh, nh))  # owed_to[f, i]: fund f owes holder i
    paid = np.zeros(nh)
    depth = np.array([float(a.depth) for a in assets_l])
    start = np.array([a.start_price for a in assets_l])
    sold = np.zeros(na)
    market_paid = np.zeros(na)
    price = start.copy()
    beta = np.array([float(h.redemption_per_loss) for h in hs])
    failed = np.zeros(nh, dtype=bool)

    def nav_all(px: FloatArray) -> tuple[FloatArray, FloatArray]:
        nav = np.zeros(nh)
        per_unit = np.zeros(nh)
        for i in order:  # funds first
            stakes = float(u[i] @ np.maximum(per_unit, 0.0))
            nav[i] = (
                cash[i]
                + owed_to[:, i].sum()
                + float(q[i] @ px)
                + stakes
                - owed_out[i]
                - owed_to[i].sum()
            )
            per_unit[i] = nav[i] / units[i] if units[i] > 0 else 0.0
        return nav, per_unit

    # units of each holder: NAV at reference prices (1 for every asset and fund unit)
    units = np.zeros(nh)
    for i in order:
        units[i] = cash[i] + q[i].sum() + u[i].sum() - owed_out[i]
    held_units = u.sum(axis=0)
    for f in range(nh):
        if held_units[f] > 0 and units[f] <= 0:
            raise InputError(
                f"holder {hs[f].name!r} is held as a fund but its commitments exceed its "
                "assets (net asset value <= 0)",
                field="commitment",
            )
        if held_units[f] > 0 and held_units[f] > units[f] * (1 + 1e-12):
            raise InputError(
                f"holders own {held_units[f]:g} units of fund {hs[f].name!r}, more than its "
                f"net asset value {units[f]:g}",
                field="portfolio",
            )
    outside0 = np.maximum(units - held_units, 0.0)
    outside_redeemed = np.zeros(nh)
    outside_value = np.zeros(nh)
    nav_start, _ = nav_all(np.ones(na))

    rows: list[tuple[int, str, str, str, float, float, float]] = []
    rounds = 0
    for rnd in range(1, max_rounds + 2):
        if rnd > max_rounds:
            raise ConvergenceError(
                f"the selling chain did not stop within max_rounds={max_rounds}; raise "
                "max_rounds or tolerance"
            )
        changed = False
        # 1. mark to market; outside redemptions
        _, per_unit = nav_all(price)
        for f in range(nh):
            if beta[f] <= 0 or outside0[f] <= 0 or failed[f]:
                continue
            loss = max(0.0, 1.0 - per_unit[f])
            target = min(beta[f] * loss * outside0[f], outside0[f])
            new = target - outside_redeemed[f]
            if new * max(per_unit[f], 0.0) > tol:
                value = new * per_unit[f]
                outside_redeemed[f] = target
                units[f] -= new
                owed_out[f] += value
                outside_value[f] += value
                rows.append(
                    (rnd, hs[f].name, hs[f].name, "outside_redemption", new, per_unit[f], value)
                )
                changed = True
        # 2. pay obligations from cash, pro rata
        receipts = np.zeros(nh)
        for i in range(nh):
            total = owed_out[i] + owed_to[i].sum()
            if total <= 0 or cash[i] <= 0:
                continue
            pay = min(cash[i], total)
            frac = pay / total
            cash[i] -= pay
            paid[i] += pay
            owed_out[i] -= owed_out[i] * frac
            receipts += owed_to[i] * frac
            owed_to[i] -= owed_to[i] * frac
            if pay > tol * 1e-3:
                changed = True
        cash += receipts
        # failures: nothing left, still owing
        _, per_unit = nav_all(price)
        for i in range(nh):
            if failed[i]:
                continue
            owing = owed_out[i] + owed_to[i].sum()
            has_assets = (q[i] * price).sum() + (u[i] * np.maximum(per_unit, 0)).sum() > tol
            if owing > tol and cash[i] <= tol and owed_to[:, i].sum() <= tol and not has_assets:
                failed[i] = True
                owed_to[i] = 0.0  # written off: its fund investors lose these claims
                changed = True
        # 3. orders
        orders = np.zeros((nh, na))
        for i in range(nh):
            if failed[i]:
                continue
            gap = owed_out[i] + owed_to[i].sum() - cash[i] - owed_to[:, i].sum()
            if gap <= tol:
                continue
            share = 1.0
            if hs[i].sell_order == "pro_rata":
                worth = sum(
                    q[i, a_index[p.asset]] * price[a_index[p.asset]]
                    if p.asset in a_index
                    else u[i, h_index[p.asset]]
                    * max(per_unit[h_index[p.asset]], 0.0)
                    * (not failed[h_index[p.asset]])
                    for p in hs[i].portfolio
                )
                share = min(1.0, gap / worth) if worth > 0 else 1.0
            for p in hs[i].portfolio:
                if gap <= tol * 1e-6:
                    break
                if p.asset in a_index:
                    k = a_index[p.asset]
                    if q[i, k] <= 0 or price[k] <= 0:
                        continue
                    x = q[i, k] * share if share < 1.0 else min(q[i, k], gap / price[k])
                    orders[i, k] += x
                    gap -= x * price[k]
                else:
                    f = h_index[p.asset]
                    if u[i, f] <= 0 or per_unit[f] <= 0 or failed[f]:
                        continue
                    y = u[i, f] * share if share < 1.0 else min(u[i, f], gap / per_unit[f])
                    value = y * per_unit[f]
                    u[i, f] -= y
                    units[f] -= y
                    owed_to[f, i] += value
                    gap -= value
                    rows.append((rnd, hs[i].name, p.asset, "redemption", y, per_unit[f], value))
                    changed = True
        # 4. execute sales against the absorbing market
        total_q = orders.sum(axis=0)
        for k in (int(j) for j in np.flatnonzero(total_q > 0)):
            a = assets_l[k]
            proceeds = impact_proceeds(a.impact, start[k], sold[k], total_q[k], depth[k])
            avg = proceeds / total_q[k]
            sold[k] += total_q[k]
            market_paid[k] += proceeds
            price[k] = float(impact_price(a.impact, start[k], sold[k], depth[k]))
            for i in (int(j) for j in np.flatnonzero(orders[:, k] > 0)):
                q[i, k] -= orders[i, k]
                q[i, k] = max(q[i, k], 0.0)
                cash[i] += orders[i, k] * avg
                rows.append(
                    (rnd, hs[i].name, a.name, "sale", orders[i, k], avg, orders[i, k] * avg)
                )
            changed = True
        if not changed:
            break
        rounds = rnd

    nav_end, _ = nav_all(price)
    chain = pd.DataFrame(
        rows, columns=["round", "holder", "asset", "kind", "quantity", "price", "proceeds"]
    )
    chain = chain.astype({"round": "int64", "holder": object, "asset": object, "kind": object})
    sale_value = chain[chain["kind"].isin(["sale", "redemption"])].groupby("holder")["proceeds"]
    sold_value = sale_value.sum()
    holders_t = pd.DataFrame(
        {
            "holder": [h.name for h in hs],
            "label": [h.label or h.name for h in hs],
            "cash_start": cash0,
            "cash_end": cash,
            "commitment": [float(h.commitment) for h in hs],
            "outside_redemptions": outside_value,
            "paid": paid,
            "unpaid": owed_out + owed_to.sum(axis=1),
            "sold_value": [float(sold_value.get(h.name, 0.0)) for h in hs],
            "nav_start": nav_start,
            "nav_end": nav_end,
            "nav_change": nav_end - nav_start,
            "failed": failed,
        }
    ).astype({"holder": object, "label": object})
    prices_t = pd.DataFrame(
        {
            "asset": [a.name for a in assets_l],
            "label": [a.label or a.name for a in assets_l],
            "start_price": start,
            "end_price": price,
            "change_from_start": price / start - 1.0,
            "change_from_reference": price - 1.0,
            "units_sold": (q0 - q).sum(axis=0),
            "market_bought": sold,
            "market_paid": market_paid,
        }
    ).astype({"asset": object, "label": object})
    hold_rows = []
    for i, h in enumerate(hs):
        for p in h.portfolio:
            if p.asset in a_index:
                k = a_index[p.asset]
                hold_rows.append((h.name, p.asset, q0[i, k], q[i, k]))
            else:
                f = h_index[p.asset]
                hold_rows.append((h.name, p.asset, u0[i, f], u[i, f]))
    holdings = pd.DataFrame(hold_rows, columns=["holder", "asset", "start", "end"]).astype(
        {"holder": object, "asset": object}
    )
    return SellingResult(
        chain=chain,
        holders=holders_t,
        prices=prices_t,
        holdings=holdings,
        rounds=rounds,
        parameters={"tolerance": tol, "max_rounds": max_rounds},
    )
