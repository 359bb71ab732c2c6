"""The gap between the hurdle and the AI revenue actually earned, and the years to close it."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ouroboros.errors import InputError

if TYPE_CHECKING:
    from ouroboros.model import Ledger

__all__ = [
    "AI_REVENUE_ROLES",
    "AI_REVENUE_RULE",
    "AI_SELLER_ROLES",
    "GapResult",
    "ai_revenue",
    "ledger_gap",
    "revenue_gap",
    "years_to_close",
]

AI_REVENUE_ROLES: tuple[str, ...] = ("model_lab", "neocloud")
"""Roles whose whole revenue counts as AI revenue when ``ai_revenue`` is not given."""

AI_SELLER_ROLES: tuple[str, ...] = ("model_lab", "neocloud", "cloud", "hyperscaler")
"""Roles whose AI revenue counts against the hurdle: those selling AI to end users. Chip
vendors are left out: their AI revenue is the build-out's cost, the other side of the
hurdle, not revenue that pays for it."""

AI_REVENUE_RULE = (
    "AI revenue of a year = sum, over entities whose roles include model_lab, neocloud, "
    "cloud or hyperscaler, of ai_revenue where the dataset gives it, else total revenue "
    "for model_lab and neocloud entities (their business is AI). Other entities' "
    "ai_revenue (e.g. chip vendors, whose AI revenue is the capex itself) is listed but "
    "not counted. Amounts are scaled from the dataset's unit to USD. Money that "
    "circulates inside the web (a lab's cloud bill is the cloud's AI revenue) is counted "
    "at each step, so the sum overstates outside demand."
)

BREAKDOWN_COLUMNS = [
    "entity_id",
    "name",
    "roles",
    "basis",
    "amount",
    "counted",
    "share",
    "estimate",
]


def years_to_close(
    required: ArrayLike, current: ArrayLike, growth: ArrayLike
) -> NDArray[np.float64]:
    """Years for revenue growing at ``growth`` a year to reach ``required``.

    ``ln(required / current) / ln(1 + growth)``; 0 where ``current >= required``, infinity
    where it never gets there (no revenue, or growth <= 0). Vectorised.

    Parameters
    ----------
    required, current : array_like
        Revenue needed and revenue now (same unit).
    growth : array_like
        Annual growth rate, > -1.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> float(years_to_close(800, 100, 1.0))
    3.0
    >>> float(years_to_close(100, 200, 0.5)), float(years_to_close(100, 50, 0.0))
    (0.0, inf)
    """
    req = np.asarray(required, dtype=float)
    cur = np.asarray(current, dtype=float)
    g = np.asarray(growth, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        years = np.log(req / cur) / np.log1p(g)
    reached = cur >= req
    never = ~reached & ((cur <= 0) | (g <= 0))
    out: NDArray[np.float64] = np.where(reached, 0.0, np.where(never, np.inf, years))
    return out


@dataclass(frozen=True)
class GapResult:
    """The hurdle against the AI revenue earned.

    Attributes
    ----------
    required : float
        Revenue the hurdle requires a year, USD.
    current : float
        AI revenue earned in ``year``, USD.
    gap : float
        ``required - current`` (negative when revenue already exceeds the hurdle).
    coverage : float
        ``current / required``.
    growth : float
        Annual growth assumed for AI revenue.
    years_to_close : float
        Years until revenue reaches the hurdle at that growth (``inf`` if never).
    year : int or None
        Year of the revenue figures.
    close_year : float or None
        ``year + years_to_close``.
    breakdown : pandas.DataFrame
        Per-entity AI revenue (empty when ``current`` was given as a number).
    rule : str
        How AI revenue was counted.
    """

    required: float
    current: float
    gap: float
    coverage: float
    growth: float
    years_to_close: float
    year: int | None = None
    close_year: float | None = None
    breakdown: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=BREAKDOWN_COLUMNS), repr=False
    )
    rule: str = "current revenue given as a number"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "required": self.required,
            "current": self.current,
            "gap": self.gap,
            "coverage": self.coverage,
            "growth": self.growth,
            "years_to_close": self.years_to_close,
            "year": self.year,
            "close_year": self.close_year,
            "rule": self.rule,
            "breakdown": self.breakdown.to_dict(orient="records"),
        }


def _check(name: str, value: float, ok: bool, what: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and ok):
        raise InputError(f"{name} must be {what}, got {value!r}", field=name)


def revenue_gap(
    required: float,
    current: float,
    *,
    growth: float,
    year: int | None = None,
    breakdown: pd.DataFrame | None = None,
    rule: str | None = None,
) -> GapResult:
    """Compare a revenue hurdle with current revenue; years to close at a growth rate.

    Parameters
    ----------
    required : float
        Revenue the hurdle requires a year (> 0).
    current : float
        Revenue earned now (>= 0), same unit.
    growth : float
        Annual growth of that revenue (> -1).
    year : int, optional
        Year of ``current``; gives ``close_year``.
    breakdown : pandas.DataFrame, optional
        Per-entity detail to carry along.
    rule : str, optional
        How ``current`` was counted.

    Returns
    -------
    GapResult

    Examples
    --------
    >>> g = revenue_gap(600e9, 75e9, growth=1.0, year=2025)
    >>> g.gap / 1e9, g.years_to_close, g.close_year
    (525.0, 3.0, 2028.0)
    """
    _check("required", required, required > 0, "a positive amount")
    _check("current", current, current >= 0, "an amount >= 0")
    _check("growth", growth, growth > -1, "a rate above -1 (0.3 for 30% a year)")
    years = float(years_to_close(required, current, growth))
    return GapResult(
        required=float(required),
        current=float(current),
        gap=float(required - current),
        coverage=float(current / required),
        growth=float(growth),
        years_to_close=years,
        year=year,
        close_year=None if year is None or math.isinf(years) else year + years,
        breakdown=(pd.DataFrame(columns=BREAKDOWN_COLUMNS) if breakdown is None else breakdown),
        rule=rule or "current revenue given as a number",
    )


def _latest_year(ledger: Ledger, sellers: Collection[str]) -> int | None:
    years: set[int] = set()
    for e in ledger.entities:
        for y, fin in e.financials.items():
            if (fin.ai_revenue is not None and any(r in sellers for r in e.roles)) or (
                fin.revenue is not None and any(r in AI_REVENUE_ROLES for r in e.roles)
            ):
                years.add(int(y))
    return max(years) if years else None


def ai_revenue(
    ledger: Ledger,
    year: int | None = None,
    *,
    seller_roles: Collection[str] = AI_SELLER_ROLES,
) -> pd.DataFrame:
    """Per-entity AI revenue of one year, in USD, by the rule in :data:`AI_REVENUE_RULE`.

    Parameters
    ----------
    ledger : ouroboros.model.Ledger
        The dataset.
    year : int, optional
        The year (the latest with any counted AI revenue if omitted).
    seller_roles : collection of str
        Roles whose ``ai_revenue`` counts (default :data:`AI_SELLER_ROLES`).

    Returns
    -------
    pandas.DataFrame
        Columns ``entity_id, name, roles, basis, amount, counted, share, estimate``;
        ``basis`` is ``"ai_revenue"`` or ``"revenue (model_lab/neocloud)"``; ``amount`` in
        USD; ``counted`` says whether the row enters the total; ``share`` is the share of
        the counted total. Counted rows come first, largest first. ``attrs["year"]``
        holds the year used.

    Examples
    --------
    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({"meta": {"name": "toy", "unit": "billion"},
    ...     "entities": [
    ...       {"id": "lab", "name": "Lab", "roles": ["model_lab"],
    ...        "financials": {2025: {"revenue": 13}}},
    ...       {"id": "cloud", "name": "Cloud", "roles": ["hyperscaler", "cloud"],
    ...        "financials": {2025: {"revenue": 250, "ai_revenue": 26}}},
    ...       {"id": "chips", "name": "Chips", "roles": ["chip_vendor"],
    ...        "financials": {2025: {"revenue": 130, "ai_revenue": 115}}}]})
    >>> ai_revenue(lg, 2025)[["entity_id", "basis", "amount", "counted"]]
      entity_id                         basis        amount  counted
    0     cloud                    ai_revenue  2.600000e+10     True
    1       lab  revenue (model_lab/neocloud)  1.300000e+10     True
    2     chips                    ai_revenue  1.150000e+11    False
    """
    sellers = tuple(seller_roles)
    if year is None:
        year = _latest_year(ledger, sellers)
    scale = float(ledger.meta.scale)
    rows: list[dict[str, Any]] = []
    for e in ledger.entities:
        fin = e.financials.get(year) if year is not None else None
        if fin is None:
            continue
        if fin.ai_revenue is not None:
            basis, amount = "ai_revenue", fin.ai_revenue
            counted = any(r in sellers for r in e.roles)
        elif fin.revenue is not None and any(r in AI_REVENUE_ROLES for r in e.roles):
            basis, amount, counted = "revenue (model_lab/neocloud)", fin.revenue, True
        else:
            continue
        rows.append(
            {
                "entity_id": e.id,
                "name": e.name,
                "roles": ",".join(e.roles),
                "basis": basis,
                "amount": float(amount) * scale,
                "counted": counted,
                "estimate": bool(fin.estimate),
            }
        )
    df = pd.DataFrame(rows, columns=[c for c in BREAKDOWN_COLUMNS if c != "share"])
    df = df.astype({"counted": bool, "estimate": bool})
    total = float(df.loc[df["counted"], "amount"].sum()) if len(df) else 0.0
    df["share"] = np.where(df["counted"], df["amount"] / total if total > 0 else np.nan, np.nan)
    df = df[BREAKDOWN_COLUMNS].sort_values(
        ["counted", "amount"], ascending=[False, False], kind="stable"
    )
    df = df.reset_index(drop=True)
    df.attrs["year"] = year
    return df


def ledger_gap(
    ledger: Ledger,
    required: float,
    *,
    growth: float,
    year: int | None = None,
    seller_roles: Collection[str] = AI_SELLER_ROLES,
) -> GapResult:
    """The gap between a revenue hurdle and the AI revenue in a dataset.

    Parameters
    ----------
    ledger : ouroboros.model.Ledger
        The dataset (amounts in its unit; scaled to USD here).
    required : float
        Revenue the hurdle requires a year, USD.
    growth : float
        Annual growth assumed for AI revenue.
    year : int, optional
        The year of the revenue figures (latest with any AI revenue if omitted).
    seller_roles : collection of str
        Roles whose ``ai_revenue`` counts (default :data:`AI_SELLER_ROLES`).

    Returns
    -------
    GapResult
        With the per-entity breakdown and the counting rule.

    Raises
    ------
    InputError
        If the dataset has no AI revenue for that year.
    """
    table = ai_revenue(ledger, year, seller_roles=seller_roles)
    used = table.attrs.get("year")
    if used is None or not table["counted"].any():
        where = "any year" if year is None else str(year)
        raise InputError(
            f"dataset {ledger.meta.name!r} has no AI revenue for {where} (no ai_revenue of "
            f"a {', '.join(seller_roles)}, and no revenue of a {' or '.join(AI_REVENUE_ROLES)})",
            field="year",
        )
    return revenue_gap(
        required,
        float(table.loc[table["counted"], "amount"].sum()),
        growth=growth,
        year=int(used),
        breakdown=table,
        rule=AI_REVENUE_RULE,
    )
