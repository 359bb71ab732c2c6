"""Page 7, liquidity and layers: cost of capital, repricing, payoffs by investor layer."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, dcc, html
from dash.development.base_component import Component

from ouroboros.api import Workspace
from ouroboros.dashboard._figures import cost_of_capital_figure, layers_figure, repricing_figure
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import (
    card,
    error_box,
    fmt_pct,
    graph,
    kpis,
    slider,
    source_note,
)
from ouroboros.errors import OuroborosError
from ouroboros.markets import (
    LayersScenario,
    LiquidityScenario,
    PayoffScenario,
    load_layers_scenario,
    load_liquidity_scenario,
    run_layers,
    run_liquidity,
)

__all__ = ["PAGE", "custom_layers", "custom_liquidity"]


@functools.cache
def _liquidity_base() -> LiquidityScenario:
    return load_liquidity_scenario()


@functools.cache
def _layers_base() -> LayersScenario:
    return load_layers_scenario()


def custom_liquidity(
    saving_elasticity: float, investment_elasticity: float, floor: float, qe_response: float
) -> LiquidityScenario:
    """The bundled liquidity scenario with four parameters changed."""
    sc = _liquidity_base()
    funds = {
        **sc.funds,
        "saving_elasticity": saving_elasticity,
        "investment_elasticity": investment_elasticity,
        "liquidity_floor": floor,
        "qe_response": qe_response,
    }
    return dataclasses.replace(sc, funds=funds)


def custom_layers(
    years_to_scale: float, productivity: float, rate_shift: float, strategic_default: bool
) -> LayersScenario:
    """The bundled layers scenarios plus a "your scenario" column."""
    sc = _layers_base()
    mine = PayoffScenario(
        name="your_scenario",
        years_to_scale=years_to_scale,
        productivity=productivity,
        rate_shift=rate_shift,
        strategic_default=strategic_default,
        label="Your scenario",
    )
    return dataclasses.replace(sc, scenarios=(*sc.scenarios, mine))


def _provenance(df: pd.DataFrame, id: str) -> Component:
    cols = [c for c in ("parameter", "value", "unit", "source", "assumption") if c in df.columns]
    shown = df[cols].astype(object).where(df[cols].notna(), "")
    # a plain table: light to draw, folded away until asked for
    head = html.Thead(html.Tr([html.Th(c) for c in cols]))
    body = html.Tbody(
        [html.Tr([html.Td(str(v)) for v in row]) for row in shown.itertuples(index=False)]
    )
    return html.Details(
        [
            html.Summary(f"Every parameter and its source ({len(shown)})"),
            html.Table([head, body], id=id, className="plain"),
        ]
    )


def _liquidity(values: list[float]) -> list[Any]:
    se, ie, floor, qe = values
    rep = run_liquidity(custom_liquidity(se, ie, floor, qe))
    t = rep.funds.table
    ex = rep.funds.exhaustion_year()
    numbers = kpis(
        [
            ("idle money runs out", str(ex) if ex else "not in the window"),
            (
                f"cost of capital {t['year'].iloc[-1]}",
                fmt_pct(float(t["cost_of_capital"].iloc[-1]), 2),
            ),
            ("shock used for repricing", f"{rep.shock * 1e4:+.0f} bp"),
            ("forced-selling rounds", str(int(rep.selling.rounds))),
        ]
    )
    coc = cost_of_capital_figure(t, title="Cost of capital and crowding out (phase per year)")
    rp = repricing_figure(
        rep.repricing.table,
        title=f"Repricing for a {rep.shock * 1e4:+.0f} bp rise in the cost of capital",
    )
    return [numbers, coc, rp]


def _layers(values: list[Any]) -> Any:
    yts, prod, shift, walk = values
    res = run_layers(custom_layers(float(yts), float(prod), float(shift) / 100, bool(walk)))
    return layers_figure(
        res.table, title="Cash back per 1 invested (multiple) by layer and scenario"
    )


def layout(ws: Workspace, key: str) -> Component:
    numbers, coc, rp = _liquidity([0.3, 0.5, 5400.0, 0.0])
    lay = _layers([15.0, 1.0, 1.0, False])
    liq_prov = _liquidity_base().provenance
    lay_prov = _layers_base().provenance
    return html.Div(
        [
            html.H2("Liquidity and layers"),
            html.P(
                "Seed 002's \u201creverse QE\u201d: once idle money runs out, every dollar for "
                "AI is pulled from elsewhere, the cost of capital rises and long-duration "
                "assets fall most. Seed 001's \u201cwhich layer are you in\u201d: who gets paid "
                "back under each scenario.",
                className="lead",
            ),
            html.Div(
                [
                    slider(
                        "liq-se",
                        "Saving elasticity",
                        0,
                        1.5,
                        0.05,
                        0.3,
                        {0: "0", 0.3: "0.3", 1.5: "1.5"},
                    ),
                    slider(
                        "liq-ie",
                        "Investment elasticity",
                        0,
                        1.5,
                        0.05,
                        0.5,
                        {0: "0", 0.5: "0.5", 1.5: "1.5"},
                    ),
                    slider(
                        "liq-floor",
                        "Liquidity floor, USD bn",
                        4000,
                        5660,
                        20,
                        5400,
                        {4000: "4,000", 5400: "5,400", 5660: "5,660"},
                    ),
                    slider(
                        "liq-qe",
                        "Central bank absorbs, share",
                        0,
                        1,
                        0.05,
                        0.0,
                        {0: "0", 0.5: "0.5", 1: "1"},
                    ),
                ],
                className="controls sliders",
            ),
            html.Div(numbers, id="liq-kpis"),
            html.Div(
                [
                    card(
                        "Cost of capital path",
                        graph("liq-coc", coc),
                        source=source_note(
                            "ouroboros.markets.loanable_funds: loanable funds "
                            "with an idle-liquidity buffer (docs/markets.md); "
                            "parameters and their sources below"
                        ),
                    ),
                    card(
                        "Repricing by asset class",
                        graph("liq-reprice", rp),
                        source=source_note(
                            "ouroboros.markets.reprice: exact repricing of "
                            "each cash-flow profile (Gordon & Shapiro 1956; "
                            "Macaulay 1938) for the model's rise in the cost "
                            "of capital"
                        ),
                    ),
                ],
                className="split even",
            ),
            html.Div(
                [
                    source_note(
                        "ouroboros.markets.run_liquidity (loanable funds with an idle "
                        "buffer; exact duration repricing; forced selling); bundled "
                        "parameters with your four changes"
                    ),
                    _provenance(liq_prov, "liq-prov"),
                ]
            ),
            html.H3("Which layer are you in?"),
            html.Div(
                [
                    slider(
                        "lay-years",
                        "Years for productivity to scale",
                        1,
                        30,
                        1,
                        15,
                        {1: "1", 5: "5", 15: "15", 30: "30"},
                    ),
                    slider(
                        "lay-prod",
                        "Productivity at scale (× base case)",
                        0,
                        1.5,
                        0.05,
                        1.0,
                        {0: "0", 1: "1", 1.5: "1.5"},
                    ),
                    slider(
                        "lay-shift",
                        "Funding rate shift, pp",
                        -1,
                        4,
                        0.25,
                        1.0,
                        {-1: "−1", 0: "0", 2: "+2", 4: "+4"},
                    ),
                    html.Div(
                        dcc.Checklist(
                            id="lay-walk",
                            value=[],
                            options=[
                                {"label": "strategic default: tenants walk away", "value": "yes"}
                            ],
                        ),
                        className="control",
                    ),
                ],
                className="controls sliders",
            ),
            card(
                "Payoffs by investor layer",
                graph("lay-heat", lay),
                source=html.Div(
                    [
                        source_note(
                            "ouroboros.markets.run_layers: bundled ventures "
                            "(CoreWeave-like neocloud, Hyperion-like SPV, "
                            "tech giant) and scenarios, plus yours"
                        ),
                        _provenance(lay_prov, "lay-prov"),
                    ]
                ),
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("liq-kpis", "children"),
        Output("liq-coc", "figure"),
        Output("liq-reprice", "figure"),
        Input("liq-se", "value"),
        Input("liq-ie", "value"),
        Input("liq-floor", "value"),
        Input("liq-qe", "value"),
        prevent_initial_call=True,
    )
    def _redraw_liquidity(se: float, ie: float, floor: float, qe: float) -> tuple[Any, ...]:
        try:
            return tuple(_liquidity([float(se), float(ie), float(floor), float(qe)]))
        except OuroborosError as exc:
            return error_box(exc), dash.no_update, dash.no_update

    @app.callback(
        Output("lay-heat", "figure"),
        Input("lay-years", "value"),
        Input("lay-prod", "value"),
        Input("lay-shift", "value"),
        Input("lay-walk", "value"),
        prevent_initial_call=True,
    )
    def _redraw_layers(years: float, prod: float, shift: float, walk: list[str]) -> Any:
        try:
            return _layers([years, prod, shift, bool(walk)])
        except OuroborosError:
            return dash.no_update


PAGE = Page(path="/markets", title="Liquidity & layers", layout=layout, register=register)
