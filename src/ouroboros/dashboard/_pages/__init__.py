"""The dashboard's pages, in menu order."""

from __future__ import annotations

from ouroboros.dashboard._pages import (
    data,
    deals,
    flows,
    hurdle,
    loops,
    markets,
    network,
    thermometer,
)
from ouroboros.dashboard._pages._base import Page

__all__ = ["PAGES", "Page"]

PAGES: tuple[Page, ...] = (
    network.PAGE,
    flows.PAGE,
    loops.PAGE,
    deals.PAGE,
    hurdle.PAGE,
    markets.PAGE,
    thermometer.PAGE,
    data.PAGE,
)
"""Every page. A Stress page joins them when ``ouroboros.scenarios`` exists (issue 8)."""
