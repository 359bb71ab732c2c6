"""Pieces shared by calculator and recipe results: derivation steps and claim checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = [
    "CHECK_COLUMNS",
    "HEADLINE_KEYS",
    "RELATIONS",
    "STEP_COLUMNS",
    "Check",
    "Step",
    "checks_frame",
    "steps_frame",
]

STEP_COLUMNS = ["name", "label", "formula", "value", "unit", "note"]
CHECK_COLUMNS = [
    "label",
    "claim",
    "relation",
    "claimed",
    "claimed_high",
    "implied",
    "tolerance",
    "consistent",
    "unit",
    "note",
]

HEADLINE_KEYS: tuple[str, ...] = (
    "ebitda_required",
    "revenue_required",
    "share_of_gdp",
    "equity_return",
    "project_irr",
)
"""Output keys every result reports (``None`` when a recipe does not produce one)."""

Relation = Literal["approx", ">=", ">", "<=", "<", "between"]
RELATIONS: tuple[str, ...] = ("approx", ">=", ">", "<=", "<", "between")


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a derivation: ``name = formula = value``.

    Parameters
    ----------
    name : str
        Identifier of the quantity (used by tornado/solve and in formulas).
    label : str
        What the quantity is, in words.
    formula : str
        How it is computed from inputs and earlier steps (``"input"`` for inputs).
    value : float
        The computed value.
    unit : str
        ``USD``, ``ratio`` (a fraction, shown as a percentage), ``years``, ``x`` (multiple)…
    note : str
        Source or caveat for this line.
    """

    name: str
    label: str
    formula: str
    value: float
    unit: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """A claim set beside the figure the inputs imply.

    ``consistent`` is ``implied <relation> claimed``: for ``approx`` the relative difference
    is at most ``tolerance``; for ``between`` ``claimed <= implied <= claimed_high``.

    Examples
    --------
    >>> Check("equity return above 20%", claimed=0.20, implied=0.139, relation=">").consistent
    False
    >>> Check("about $550B", claimed=550e9, implied=553.8e9, relation="approx",
    ...       tolerance=0.02).consistent
    True
    """

    label: str
    claimed: float
    implied: float
    relation: Relation = "approx"
    tolerance: float = 0.01
    claim: str = ""
    claimed_high: float | None = None
    note: str = ""
    unit: str = ""

    @property
    def consistent(self) -> bool:
        """Whether the implied figure bears out the claim."""
        x, c = self.implied, self.claimed
        if x is None or math.isnan(x):
            return False
        if self.relation == "approx":
            if c == 0:
                return abs(x) <= self.tolerance
            return abs(x - c) <= self.tolerance * abs(c) * (1 + 1e-12)
        if self.relation == ">=":
            return x >= c
        if self.relation == ">":
            return x > c
        if self.relation == "<=":
            return x <= c
        if self.relation == "<":
            return x < c
        high = math.inf if self.claimed_high is None else self.claimed_high
        return c <= x <= high

    def as_row(self) -> dict[str, object]:
        """The check as one row of :func:`checks_frame`."""
        return {
            "label": self.label,
            "claim": self.claim,
            "relation": self.relation,
            "claimed": self.claimed,
            "claimed_high": math.nan if self.claimed_high is None else self.claimed_high,
            "implied": self.implied,
            "tolerance": self.tolerance if self.relation == "approx" else math.nan,
            "consistent": self.consistent,
            "unit": self.unit,
            "note": self.note,
        }


def steps_frame(steps: Sequence[Step]) -> pd.DataFrame:
    """Tidy table of a derivation, one row per step (columns :data:`STEP_COLUMNS`)."""
    rows = [
        {
            "name": s.name,
            "label": s.label,
            "formula": s.formula,
            "value": float(s.value),
            "unit": s.unit,
            "note": s.note,
        }
        for s in steps
    ]
    return pd.DataFrame(rows, columns=STEP_COLUMNS)


def checks_frame(checks: Sequence[Check]) -> pd.DataFrame:
    """Tidy table of claims beside implied figures (columns :data:`CHECK_COLUMNS`)."""
    df = pd.DataFrame([c.as_row() for c in checks], columns=CHECK_COLUMNS)
    return df.astype({"consistent": bool}) if len(df) else df
