"""Page 8, the thermometer: five gauges, the composite over time, every indicator."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html
from dash.development.base_component import Component

from ouroboros.api import Workspace
from ouroboros.dashboard._figures import STATUS_COLORS, composite_figure, gauges_figure
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._pages._compute import thermometer_for
from ouroboros.dashboard._ui import card, dataset_source, fmt_pct, graph, kpis, source_note, table

__all__ = ["PAGE"]

METHOD = (
    "ouroboros.monitor.thermometer: each indicator standardised by its empirical CDF, "
    "averaged into five gauges, combined with correlation-aware weights as in the ECB's "
    "CISS (Holló, Kremer & Lo Duca 2012)"
)


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    reg, th = thermometer_for(ws, key)
    latest = th.latest()
    thresholds = {name: (g.amber, g.red) for name, g in reg.gauges.items()}
    gauges = gauges_figure(
        th.gauges, title="The five gauges (score: 0 calm … 1 stressed)", thresholds=thresholds
    )
    comp = composite_figure(
        th.composite,
        th.gauge_history,
        title="Composite over time",
        amber=reg.composite.amber,
        red=reg.composite.red,
    )
    ind = th.indicators.copy()
    ind["date"] = pd.to_datetime(ind["date"]).dt.date.astype(str)
    ind = ind[
        [
            "id",
            "gauge",
            "value",
            "unit",
            "date",
            "status",
            "score",
            "stale",
            "source",
            "description",
        ]
    ]
    colour_rules = [
        {
            "if": {"filter_query": f'{{status}} = "{s}"', "column_id": "status"},
            "backgroundColor": c,
            "color": "white" if s != "amber" else "black",
        }
        for s, c in STATUS_COLORS.items()
        if s != "unknown"
    ]
    n = latest["n_gauges"]
    red_share = fmt_pct(latest["gauges_in_red"] / n if n else None, 0)
    as_of = latest["date"].date().isoformat() if latest["date"] is not None else "–"
    numbers = kpis(
        [
            (
                "composite",
                "–" if latest["value"] is None else f"{latest['value']:.2f}",
                str(latest["status"]),
            ),
            ("gauges in red", f"{latest['gauges_in_red']} of {latest['n_gauges']}"),
            ("as of", as_of),
            (
                "indicators with data",
                f"{int(th.indicators['value'].notna().sum())} of {len(th.indicators)}",
            ),
        ]
    )
    return html.Div(
        [
            html.H2("Risk thermometer"),
            html.P(
                "Seed 001's five gauges: how fast AI productivity shows up, neocloud stress, "
                "SPV bonds, the quality of long-term contracts, power and technology. Built "
                "from the recorded indicator history that ships with Ouroboros (works "
                "offline); `ouroboros monitor update` refreshes it.",
                className="lead",
            ),
            numbers,
            card(
                "Gauges",
                graph("thermo-gauges", gauges),
                source=source_note(METHOD, f"; share of gauges in red {red_share}"),
            ),
            card("Composite", graph("thermo-composite", comp), source=source_note(METHOD)),
            card(
                "Indicators",
                table(ind, "thermo-indicators", page_size=20, style_data_conditional=colour_rules),
                source=source_note(
                    "each indicator's own source (column 'source'); "
                    "contract-quality indicators from ",
                    dataset_source(lg, key),
                ),
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    """The thermometer page has no controls: it redraws when the dataset changes."""


PAGE = Page(path="/thermometer", title="Thermometer", layout=layout, register=register)
