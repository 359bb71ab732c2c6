"""Page 2, money flows: a Sankey of who pays whom in a year, circular part in red."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import DEFAULT_KEY, Workspace
from ouroboros.dashboard._figures import ledger_years, sankey_figure, unit_label
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._pages._compute import loops_report
from ouroboros.dashboard._ui import (
    card,
    control,
    dataset_source,
    fmt_money,
    fmt_pct,
    graph,
    kpis,
    source_note,
    year_control,
)
from ouroboros.model import Ledger

__all__ = ["PAGE"]

METHOD_NOTE = (
    "money flows of the period from ouroboros.views.money_flows (each deal's schedule, "
    "signed and funded deals, announced ones if ticked); circular part by maximal "
    "circulation (MTCS; Fleischman & Dini 2021) in ouroboros.flows"
)


def _default_year(ledger: Ledger) -> int:
    if ledger.meta.as_of is not None:
        return ledger.meta.as_of.year
    years = ledger_years(ledger)
    return years[-1] if years else 0


def _draw(
    ws: Workspace,
    key: str,
    year: int | None,
    announced: bool,
    min_share: float,
    hide_revenue: bool = False,
) -> tuple[go.Figure, Component]:
    lg = ws.ledger(key)
    rep = loops_report(
        ws,
        key,
        year=year,
        include_announced=announced,
        exclude_kinds=("revenue",) if hide_revenue else (),
    )
    unit = unit_label(lg)
    when = str(year) if year else "all years"
    edges = rep.maximal.edges
    outside = {e.id for e in lg.entities if e.is_rest_of_world}
    from_outside = float(edges.loc[edges["payer"].isin(outside), "amount"].sum())
    fig = sankey_figure(
        lg,
        edges,
        title=f"Money flows, {when} ({unit}); red = goes round a loop",
        min_share=min_share,
    )
    numbers = kpis(
        [
            ("gross flow", fmt_money(rep.total_flow, unit)),
            ("from outside (rest of world)", fmt_money(from_outside, unit)),
            (
                "circular",
                fmt_money(rep.circular_flow, unit),
                fmt_pct(rep.circularity) + " of gross",
            ),
        ]
    )
    return fig, numbers


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    year = _default_year(lg)
    fig, numbers = _draw(ws, key, year, True, 0.0)
    years = ledger_years(lg)
    return html.Div(
        [
            html.H2("Money flows"),
            html.P(
                "Where the money goes in a year. Outside money (end customers, outside "
                "funding) enters from the rest of the world on the left; the red part of each "
                "flow is money that comes back round a loop.",
                className="lead",
            ),
            html.Div(
                [
                    year_control("flows-year", year, years),
                    html.Div(
                        [
                            dcc.Checklist(
                                id="flows-announced",
                                value=["yes"],
                                options=[
                                    {
                                        "label": "include announced deals and letters of intent",
                                        "value": "yes",
                                    }
                                ],
                            ),
                            dcc.Checklist(
                                id="flows-revenue",
                                value=[],
                                options=[
                                    {
                                        "label": "leave out end-customer revenue",
                                        "value": "hide",
                                    }
                                ],
                            ),
                        ],
                        className="control wide",
                    ),
                    control(
                        "Hide flows smaller than (% of the largest)",
                        dcc.Slider(
                            id="flows-min",
                            min=0,
                            max=10,
                            step=0.5,
                            value=0,
                            marks={0: "0", 5: "5", 10: "10"},
                            updatemode="mouseup",
                        ),
                        wide=True,
                    ),
                ],
                className="controls",
            ),
            html.Div(numbers, id="flows-kpis"),
            card(
                "Sankey",
                graph("flows-sankey", fig),
                source=source_note(dataset_source(lg, key), "; ", METHOD_NOTE),
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("flows-sankey", "figure"),
        Output("flows-kpis", "children"),
        Input("flows-year", "value"),
        Input("flows-announced", "value"),
        Input("flows-min", "value"),
        Input("flows-revenue", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _redraw(
        year: int | None,
        announced: list[str] | None,
        min_pct: float | None,
        hide: list[str] | None,
        key: str | None,
    ) -> tuple[go.Figure, Any]:
        return _draw(
            ws,
            key or DEFAULT_KEY,
            year or None,
            bool(announced),
            float(min_pct or 0) / 100,
            bool(hide),
        )


PAGE = Page(path="/flows", title="Money flows", layout=layout, register=register)
