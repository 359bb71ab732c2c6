"""Page 1, the network map: entities by role, instruments by kind and status."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto  # type: ignore[import-untyped, unused-ignore]
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import (
    DEFAULT_KEY,
    Workspace,
    entity_detail,
    financials_table,
    instrument_record,
    source_records,
)
from ouroboros.dashboard._figures import (
    KIND_COLORS,
    ROLE_COLORS,
    STATUS_STYLES,
    ledger_years,
    network_elements,
    network_stylesheet,
    unit_label,
)
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import (
    card,
    control,
    dataset_source,
    error_box,
    source_note,
    table,
    year_control,
)
from ouroboros.errors import OuroborosError
from ouroboros.model import Ledger

__all__ = ["PAGE", "entity_panel", "instrument_panel", "sources_block"]

DEFAULT_STATUSES = ["funded", "signed", "announced", "letter_of_intent"]


def _legend_item(name: str, marker: str, colour: str | None = None) -> Component:
    swatch: dict[str, Any] = {"style": {"background": colour}} if colour is not None else {}
    return html.Span(
        [html.I(className=marker, **swatch), name.replace("_", " ")], className="legend-item"
    )


def _legend(ledger: Ledger) -> Component:
    roles = list(dict.fromkeys(e.roles[0] for e in ledger.entities if e.roles))
    kinds = list(dict.fromkeys(i.kind for i in ledger.instruments))
    role_items = [_legend_item(r, "dot", ROLE_COLORS.get(r, "#999")) for r in roles]
    kind_items = [_legend_item(k, "bar", KIND_COLORS.get(k, "#999")) for k in kinds]
    status_items = [_legend_item(s, f"line {style}") for s, (style, _) in STATUS_STYLES.items()]
    return html.Div(
        [
            html.Div([html.B("Nodes (first role): "), *role_items]),
            html.Div([html.B("Edges (kind): "), *kind_items]),
            html.Div([html.B("Line (status): "), *status_items]),
        ],
        className="legend",
    )


def sources_block(ledger: Ledger, ids: list[str]) -> Component:
    """Cited sources as a list: title, publisher, date, link."""
    items = []
    for s in source_records(ledger, ids):
        bits: list[Any] = [html.B(s["title"])]
        meta = ", ".join(str(s[k]) for k in ("publisher", "date", "kind") if s.get(k))
        if meta:
            bits.append(f" — {meta}")
        if s.get("url"):
            bits += [" ", html.A("link", href=s["url"], target="_blank", rel="noopener noreferrer")]
        if s.get("note"):
            bits.append(html.Div(s["note"], className="muted small"))
        items.append(html.Li(bits, id=f"src-{s['id']}"))
    if not items:
        return html.P("No sources cited.", className="muted")
    return html.Ul(items, className="sources")


def entity_panel(ledger: Ledger, entity_id: str) -> Component:
    """An entity's card: roles, deals, financials, sources."""
    d = entity_detail(ledger, entity_id)
    unit = unit_label(ledger)
    deals = pd.DataFrame(d["deals"])
    if not deals.empty:
        deals = deals[["id", "kind", "direction", "counterparty", "amount", "start", "status"]]
    fin = financials_table(ledger.entity(entity_id))
    head = [html.H3(d["name"]), html.P([html.B("Roles: "), ", ".join(d["roles"])])]
    for k in ("country", "ticker", "parent"):
        if d.get(k):
            head.append(html.P([html.B(f"{k.title()}: "), d[k]]))
    if d.get("note"):
        head.append(html.P(d["note"], className="muted"))
    return html.Div(
        [
            *head,
            html.H4(f"Deals ({len(deals)}; amounts in {unit})"),
            table(deals, "net-entity-deals", page_size=10) if len(deals) else html.P("None."),
            html.H4(f"Financials ({unit})"),
            table(fin, "net-entity-fin", page_size=12)
            if len(fin)
            else html.P("No financials in the dataset.", className="muted"),
            html.H4("Sources"),
            sources_block(ledger, [s["id"] for s in d["cited_sources"]]),
        ],
        className="detail",
    )


def instrument_panel(ledger: Ledger, instrument_id: str) -> Component:
    """An instrument's card: every field and its sources."""
    inst = ledger.instrument(instrument_id)
    rec = instrument_record(inst)
    rows = pd.DataFrame(
        {
            "field": list(rec),
            "value": [
                ", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in rec.values()
            ],
        }
    )
    return html.Div(
        [
            html.H3(f"{inst.kind.replace('_', ' ')}: {inst.id}"),
            html.P(inst.description or "", className="muted"),
            table(rows, "net-instrument-fields", page_size=30),
            html.H4("Sources"),
            sources_block(ledger, list(inst.sources)),
        ],
        className="detail",
    )


def _controls(ledger: Ledger) -> Component:
    years = ledger_years(ledger)
    kinds = list(dict.fromkeys(i.kind for i in ledger.instruments))
    statuses = list(
        dict.fromkeys(s for s in STATUS_STYLES if any(i.status == s for i in ledger.instruments))
    )
    return html.Div(
        [
            year_control("net-year", 0, years),
            control(
                "Kinds",
                dcc.Checklist(
                    id="net-kinds",
                    options=[{"label": k.replace("_", " "), "value": k} for k in kinds],
                    value=kinds,
                    inline=True,
                ),
                wide=True,
            ),
            control(
                "Statuses",
                dcc.Checklist(
                    id="net-statuses",
                    options=[{"label": s.replace("_", " "), "value": s} for s in statuses],
                    value=[s for s in statuses if s in DEFAULT_STATUSES],
                    inline=True,
                ),
                wide=True,
            ),
            control(
                "Layout",
                dcc.RadioItems(
                    id="net-layout",
                    options=[
                        {"label": "columns by role", "value": "preset"},
                        {"label": "force-directed", "value": "cose"},
                    ],
                    value="preset",
                    inline=True,
                ),
            ),
        ],
        className="controls",
    )


def _layout_spec(name: str) -> dict[str, Any]:
    if name == "cose":
        return {
            "name": "cose",
            "animate": False,
            "randomize": False,
            "nodeRepulsion": 9000,
            "idealEdgeLength": 90,
            "fit": True,
        }
    return {"name": "preset", "fit": True, "padding": 20}


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    elements = network_elements(lg, statuses=DEFAULT_STATUSES)
    return html.Div(
        [
            html.H2("Network map"),
            html.P(
                "Who pays whom: entities are nodes, coloured by role; each instrument is an "
                "arrow from the payer to the receiver, as wide as its amount. Click an entity "
                "for its deals, financials and sources, or an arrow for the deal.",
                className="lead",
            ),
            _controls(lg),
            html.Div(
                [
                    card(
                        "The money web",
                        cyto.Cytoscape(
                            id="net-graph",
                            elements=elements,
                            stylesheet=network_stylesheet(),
                            layout=_layout_spec("preset"),
                            style={"width": "100%", "height": "680px"},
                            minZoom=0.2,
                            maxZoom=3,
                            wheelSensitivity=0.3,
                        ),
                        _legend(lg),
                        source=source_note(
                            dataset_source(lg, key),
                            html.Span(f"; amounts in {unit_label(lg)}", id="net-count"),
                        ),
                    ),
                    html.Aside(
                        html.P("Click an entity or an arrow.", className="muted"),
                        id="net-detail",
                        className="card side",
                    ),
                ],
                className="split",
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("net-graph", "elements"),
        Output("net-graph", "layout"),
        Output("net-count", "children"),
        Input("net-year", "value"),
        Input("net-kinds", "value"),
        Input("net-statuses", "value"),
        Input("net-layout", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _redraw(
        year: int | None,
        kinds: list[str] | None,
        statuses: list[str] | None,
        layout_name: str,
        key: str | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
        lg = ws.ledger(key or DEFAULT_KEY)
        els = network_elements(
            lg, year=year or None, kinds=set(kinds or []), statuses=set(statuses or [])
        )
        n = sum(1 for e in els if "source" in e["data"])
        when = f"in {year}" if year else "over all years"
        return (
            els,
            _layout_spec(layout_name),
            f"; {n} instruments {when}; amounts in {unit_label(lg)}",
        )

    @app.callback(
        Output("net-detail", "children"),
        Input("net-graph", "tapNodeData"),
        Input("net-graph", "tapEdgeData"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _detail(
        node: dict[str, Any] | None, edge: dict[str, Any] | None, key: str | None
    ) -> Component:
        lg = ws.ledger(key or DEFAULT_KEY)
        trigger = dash.ctx.triggered_id
        try:
            on_edge = dash.ctx.triggered[0]["prop_id"].endswith("EdgeData")
            if trigger == "net-graph" and on_edge and edge and edge.get("instrument"):
                return instrument_panel(lg, str(edge["instrument"]))
            if node and node.get("id"):
                return entity_panel(lg, str(node["id"]))
        except (KeyError, OuroborosError) as exc:
            return error_box(exc)
        return html.P("Click an entity or an arrow.", className="muted")


PAGE = Page(path="/", title="Network", layout=layout, register=register)
