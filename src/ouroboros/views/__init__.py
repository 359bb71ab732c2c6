"""Views derived from a ledger: money flows, claims by seniority, balance sheets.

Engines read these views (sparse arrays with an entity index), never the files.
"""

from __future__ import annotations

from ouroboros.views._claims import ClaimsView, balance_sheets, claims
from ouroboros.views._flows import (
    ANNOUNCED_STATUSES,
    DEFAULT_STATUSES,
    FlowView,
    Period,
    money_flows,
    period_fraction,
    resolve_period,
    select_instruments,
)

__all__ = [
    "ANNOUNCED_STATUSES",
    "DEFAULT_STATUSES",
    "ClaimsView",
    "FlowView",
    "Period",
    "balance_sheets",
    "claims",
    "money_flows",
    "period_fraction",
    "resolve_period",
    "select_instruments",
]
