"""Engine calls the pages share, cached per dataset and parameters in the workspace."""

from __future__ import annotations

from typing import Any

from ouroboros.api import Workspace
from ouroboros.flows import CircularityReport, circularity_report

__all__ = ["loops_report", "thermometer_for"]


def loops_report(
    ws: Workspace,
    key: str,
    *,
    year: int | None,
    include_announced: bool,
    method: str = "maximal",
    exclude_kinds: tuple[str, ...] = (),
) -> CircularityReport:
    """The circularity report of a dataset's money flows (cached)."""
    params = (year, include_announced, method, exclude_kinds)
    lg = ws.ledger(key)
    return ws.cached(
        "loops",
        key,
        params,
        lambda: circularity_report(
            lg,
            year=year,
            include_announced=include_announced,
            method=method,
            exclude_kinds=exclude_kinds,
        ),
    )


def thermometer_for(ws: Workspace, key: str) -> Any:
    """The thermometer on the bundled indicator history and the dataset (cached)."""
    from ouroboros.monitor import bundled_history, default_registry, thermometer

    lg = ws.ledger(key)

    def compute() -> Any:
        reg = default_registry()
        return reg, thermometer(bundled_history(), reg, ledger=lg)

    return ws.cached("thermometer", key, (), compute)
