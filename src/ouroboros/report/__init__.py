"""The self-contained HTML report (``ouroboros report``), optionally printed to PDF.

One HTML file with Plotly's JavaScript inline, so it opens with no internet: the network,
money flows, loops, the hurdle, the deals, liquidity and layers, the thermometer and every
source of the dataset. :func:`print_pdf` prints it with the system's Chromium.

Examples
--------
>>> from ouroboros.model import default_ledger
>>> text = build_report(default_ledger())
>>> text.startswith("<!DOCTYPE html>") and "cdn.plot.ly/plotly" not in text[-200_000:]
True
"""

from __future__ import annotations

from ouroboros.report._html import (
    SECTIONS,
    STRESS_SECTION,
    build_report,
    run_report_stress,
    sections,
    write_report,
)
from ouroboros.report._pdf import CHROMIUM_NAMES, find_chromium, print_pdf

__all__ = [
    "CHROMIUM_NAMES",
    "SECTIONS",
    "STRESS_SECTION",
    "build_report",
    "find_chromium",
    "print_pdf",
    "run_report_stress",
    "sections",
    "write_report",
]
