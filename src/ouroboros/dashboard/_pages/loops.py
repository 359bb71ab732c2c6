"""Page 3, loops: how circular the web is, per entity (with its range), the top loops."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto  # type: ignore[import-untyped, unused-ignore]
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import DEFAULT_KEY, Workspace, short_name
from ouroboros.dashboard._figures import (
    circular_share_figure,
    ledger_years,
    loop_elements,
    network_stylesheet,
    unit_label,
)
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
    table,
    year_control,
)
from ouroboros.flows import CircularityReport
from ouroboros.model import Ledger

__all__ = ["PAGE"]

METHODS_NOTE = {
    "maximal": "maximal circulation (MTCS; Fleischman & Dini 2021), exact on integer cents",
    "bff": "Balanced Flow Forwarding (Homs-Dones, MacKay, Sansom & Zhou 2025)",
}


def _cycles_table(lg: Ledger, rep: CircularityReport) -> pd.DataFrame:
    names = {e.id: short_name(e.name, 20) for e in lg.entities}
    cyc = rep.cycles
    if cyc.empty:
        return pd.DataFrame(columns=["rank", "loop", "length", "amount", "flow", "share"])
    return pd.DataFrame(
        {
            "rank": cyc["rank"],
            "loop": [" → ".join(names.get(x, x) for x in p) for p in cyc["path"]],
            "length": cyc["length"],
            "amount": cyc["amount"],
            "flow": cyc["flow"],
            "share": cyc["share"],
        }
    )


def _loop_options(rep: CircularityReport) -> list[dict[str, Any]]:
    opts = [{"label": "every circular flow", "value": 0}]
    for rank, path in zip(rep.cycles["rank"], rep.cycles["path"], strict=True):
        opts.append({"label": f"#{rank}: {' → '.join(path)}", "value": int(rank)})
    return opts


def _draw(
    ws: Workspace, key: str, year: int | None, announced: bool, method: str
) -> tuple[Any, go.Figure, pd.DataFrame, list[dict[str, Any]], CircularityReport]:
    lg = ws.ledger(key)
    rep = loops_report(ws, key, year=year, include_announced=announced, method=method)
    unit = unit_label(lg)
    numbers = kpis(
        [
            ("gross flow W", fmt_money(rep.total_flow, unit)),
            ("circular flow C", fmt_money(rep.circular_flow, unit)),
            ("circularity C/W", fmt_pct(rep.circularity)),
            ("net internal debt", fmt_money(rep.nid, unit)),
            ("Finn cycling index", fmt_pct(rep.finn_cycling_index)),
        ]
    )
    when = str(year) if year else "all years"
    fig = circular_share_figure(
        rep.entities,
        title=f"Circular share of each entity's inflow, {when} (bar: BFF; "
        "whisker: min–max over maximal solutions)",
    )
    chosen = rep.maximal if method == "maximal" else rep.bff
    elements = loop_elements(lg, chosen.edges, rep.cycles, highlight=None)
    return numbers, fig, _cycles_table(lg, rep), elements, rep


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    year = None  # all of time: the loops of the whole web
    numbers, fig, cycles, elements, rep = _draw(ws, key, year, True, "maximal")
    years = ledger_years(lg)
    src = source_note(
        dataset_source(lg, key),
        "; ouroboros.flows.circularity_report: ",
        html.Span(METHODS_NOTE["maximal"], id="loops-method-note"),
        "; per-entity share by BFF, range over all maximal solutions; "
        "rest of world as the boundary",
    )
    return html.Div(
        [
            html.H2("Loops"),
            html.P(
                "How much of the money goes round a loop (Nvidia → OpenAI → Oracle → Nvidia) "
                "instead of coming from outside demand, for the whole web and for each company.",
                className="lead",
            ),
            html.Div(
                [
                    year_control("loops-year", year or 0, years),
                    html.Div(
                        [
                            dcc.Checklist(
                                id="loops-announced",
                                value=["yes"],
                                options=[{"label": "include announced deals", "value": "yes"}],
                            )
                        ],
                        className="control",
                    ),
                    control(
                        "Method",
                        dcc.RadioItems(
                            id="loops-method",
                            value="maximal",
                            inline=True,
                            options=[
                                {"label": "maximal (MTCS)", "value": "maximal"},
                                {"label": "BFF", "value": "bff"},
                            ],
                        ),
                    ),
                ],
                className="controls",
            ),
            html.Div(numbers, id="loops-kpis"),
            card("Per entity", graph("loops-share", fig), source=src),
            html.Div(
                [
                    card(
                        "The loops on the map",
                        control(
                            "Highlight",
                            dcc.Dropdown(
                                id="loops-pick",
                                value=0,
                                clearable=False,
                                options=_loop_options(rep),
                            ),
                            html_for="loops-pick",
                            wide=True,
                        ),
                        cyto.Cytoscape(
                            id="loops-graph",
                            elements=elements,
                            stylesheet=network_stylesheet(),
                            layout={"name": "preset", "fit": True, "padding": 20},
                            style={"width": "100%", "height": "560px"},
                            minZoom=0.2,
                            maxZoom=3,
                            wheelSensitivity=0.3,
                        ),
                        source=source_note("money flows of the period; red = circular part"),
                    ),
                    card(
                        "Top loops",
                        table(cycles, "loops-cycles", page_size=12),
                        source=source_note(
                            "ouroboros.flows.top_cycles: largest loops of "
                            "the circular part; amount = money round the loop, "
                            "flow = amount × length"
                        ),
                    ),
                ],
                className="split even",
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("loops-kpis", "children"),
        Output("loops-share", "figure"),
        Output("loops-cycles", "data"),
        Output("loops-graph", "elements"),
        Output("loops-pick", "options"),
        Output("loops-pick", "value"),
        Output("loops-method-note", "children"),
        Input("loops-year", "value"),
        Input("loops-announced", "value"),
        Input("loops-method", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _redraw(
        year: int | None, announced: list[str] | None, method: str, key: str | None
    ) -> tuple[Any, ...]:
        numbers, fig, cycles, elements, rep = _draw(
            ws, key or DEFAULT_KEY, year or None, bool(announced), method
        )
        return (
            numbers,
            fig,
            cycles.to_dict("records"),
            elements,
            _loop_options(rep),
            0,
            METHODS_NOTE[method],
        )

    @app.callback(
        Output("loops-graph", "elements", allow_duplicate=True),
        Input("loops-pick", "value"),
        State("loops-year", "value"),
        State("loops-announced", "value"),
        State("loops-method", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _highlight(
        rank: int | None,
        year: int | None,
        announced: list[str] | None,
        method: str,
        key: str | None,
    ) -> list[dict[str, Any]]:
        k = key or DEFAULT_KEY
        lg = ws.ledger(k)
        rep = loops_report(
            ws, k, year=year or None, include_announced=bool(announced), method=method
        )
        chosen = rep.maximal if method == "maximal" else rep.bff
        return loop_elements(lg, chosen.edges, rep.cycles, highlight=rank or None)


PAGE = Page(path="/loops", title="Loops", layout=layout, register=register)
