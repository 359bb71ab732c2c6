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
    stress,
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
    stress.PAGE,
    markets.PAGE,
    thermometer.PAGE,
    data.PAGE,
)
"""Every page, in menu order."""
