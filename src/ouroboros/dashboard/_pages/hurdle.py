"""Page 5, the hurdle: the calculator with sliders, the published recipes, the tornado."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import DEFAULT_KEY, Workspace
from ouroboros.dashboard._figures import recipes_figure, tornado_figure
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import (
    card,
    fmt_money,
    fmt_pct,
    graph,
    kpis,
    slider,
    source_note,
    table,
)
from ouroboros.errors import OuroborosError
from ouroboros.hurdle import (
    AssetClass,
    HurdleInputs,
    HurdleResult,
    builtin_recipes,
    hurdle,
    ledger_gap,
    run_recipe,
    tornado,
)

__all__ = ["PAGE", "hurdle_from_sliders", "recipe_rows"]

DEFAULTS: dict[str, float] = {
    "capex": 3.0,
    "yield": 12.0,
    "margin": 65.0,
    "debt": 30.0,
    "rd": 7.5,
    "re": 20.0,
    "tax": 0.0,
    "life": 6.0,
    "growth": 30.0,
}


def hurdle_from_sliders(
    capex_tn: float,
    yield_pct: float,
    margin_pct: float,
    debt_pct: float,
    rd_pct: float,
    re_pct: float,
    tax_pct: float,
    life: float,
    recovery: bool,
    guarantee: bool,
) -> HurdleInputs:
    """The calculator's inputs from the page's sliders (percentages and $ trillions)."""
    return HurdleInputs(
        capex=capex_tn * 1e12,
        ebitda_yield=None if recovery else yield_pct / 100,
        ebitda_margin=margin_pct / 100,
        debt_share=debt_pct / 100,
        cost_of_debt=rd_pct / 100,
        cost_of_equity=re_pct / 100,
        tax_rate=tax_pct / 100,
        asset_mix=(AssetClass("all assets", 1.0, life),),
        guarantee=guarantee,
    )


def recipe_rows(ws: Workspace) -> pd.DataFrame:
    """Every built-in recipe's headline figures and source (cached)."""

    def compute() -> pd.DataFrame:
        rows = []
        for name, r in builtin_recipes().items():
            res = run_recipe(r)
            src = r.source
            cite = ", ".join(x for x in (src.author, src.publisher, src.date) if x)
            rows.append(
                {
                    "recipe": name,
                    "label": name,
                    "title": r.title,
                    "revenue_required": res.revenue_required,
                    "ebitda_required": res.ebitda_required,
                    "source": f"{src.title} ({cite})" if cite else src.title,
                }
            )
        return pd.DataFrame(rows)

    return ws.cached("recipes", "-", (), compute)


def _numbers(r: HurdleResult) -> Component:
    return kpis(
        [
            ("revenue required a year", fmt_money(r.revenue_required / 1e9, "USD bn", 0)),
            ("EBITDA required a year", fmt_money(r.ebitda_required / 1e9, "USD bn", 0)),
            ("share of US GDP", fmt_pct(r.share_of_gdp, 2)),
            ("today's cloud industries", f"{r.cloud_multiple:.2f}×"),
            ("equity cash yield", fmt_pct(r.equity_return), "before depreciation"),
            ("equity IRR", fmt_pct(r.equity_irr), "over the asset life"),
            ("project IRR", fmt_pct(r.project_irr)),
        ]
    )


def _gap(ws: Workspace, key: str, required: float, growth_pct: float) -> Component:
    lg = ws.ledger(key)
    try:
        g = ledger_gap(lg, required, growth=growth_pct / 100)
    except OuroborosError as exc:
        return html.P(str(exc), className="muted")
    close = (
        "never at this growth"
        if g.close_year is None or g.close_year == float("inf")
        else (f"around {g.close_year:.0f}")
    )
    return html.Div(
        [
            kpis(
                [
                    (
                        f"AI revenue in the dataset ({g.year})",
                        fmt_money(g.current / 1e9, "USD bn", 0),
                    ),
                    ("gap to the hurdle", fmt_money(g.gap / 1e9, "USD bn", 0)),
                    ("coverage", fmt_pct(g.coverage)),
                    (f"years to close at {growth_pct:g}% growth", f"{g.years_to_close:.1f}", close),
                ]
            ),
            html.P(g.rule, className="muted small"),
        ]
    )


def _steps(r: HurdleResult) -> pd.DataFrame:
    return r.steps[["label", "formula", "value", "unit"]]


def _checks(r: HurdleResult) -> pd.DataFrame:
    return r.checks[["label", "claimed", "implied", "consistent", "note"]].assign(
        consistent=lambda d: d["consistent"].map({True: "yes", False: "NO"})
    )


def _draw(ws: Workspace, key: str, values: list[Any]) -> list[Any]:
    capex, yld, margin, debt, rd, re, tax, life, recovery, guarantee, growth = values
    inp = hurdle_from_sliders(
        float(capex),
        float(yld),
        float(margin),
        float(debt),
        float(rd),
        float(re),
        float(tax),
        float(life),
        bool(recovery),
        bool(guarantee),
    )
    r = hurdle(inp)
    rows = recipe_rows(ws)
    rec_fig = recipes_figure(
        rows, title="Published estimates beside your inputs", highlight=r.revenue_required
    )
    tr = tornado(inp, output="revenue_required", change=0.2)
    tor = tornado_figure(
        tr.table,
        base=tr.base_output,
        title="Which input matters: revenue required at ±20% of each input",
    )
    return [
        _numbers(r),
        _steps(r).to_dict("records"),
        _checks(r).to_dict("records"),
        rec_fig,
        tor,
        _gap(ws, key, r.revenue_required, float(growth)),
    ]


def layout(ws: Workspace, key: str) -> Component:
    d = DEFAULTS
    values = [
        d["capex"],
        d["yield"],
        d["margin"],
        d["debt"],
        d["rd"],
        d["re"],
        d["tax"],
        d["life"],
        False,
        False,
        d["growth"],
    ]
    numbers, steps, checks, rec_fig, tor, gap = _draw(ws, key, values)
    rows = recipe_rows(ws)
    shown = rows.assign(
        revenue_required=rows["revenue_required"] / 1e9,
        ebitda_required=rows["ebitda_required"] / 1e9,
    )[["recipe", "title", "revenue_required", "ebitda_required", "source"]].rename(
        columns={
            "revenue_required": "revenue required, USD bn",
            "ebitda_required": "EBITDA required, USD bn",
        }
    )
    return html.Div(
        [
            html.H2("The revenue hurdle"),
            html.P(
                "How much revenue must AI earn each year to pay for the build-out? The seed "
                "article's arithmetic: $3T of capex × a 12% EBITDA yield = $360B of EBITDA, "
                "about $550B of revenue at a 65% margin. Move the inputs.",
                className="lead",
            ),
            html.Div(
                [
                    slider(
                        "h-capex",
                        "Capex, USD trillion",
                        0.5,
                        6,
                        0.1,
                        d["capex"],
                        {0.5: "0.5", 3: "3", 6: "6"},
                    ),
                    slider(
                        "h-yield",
                        "EBITDA yield on capex, %",
                        2,
                        40,
                        0.5,
                        d["yield"],
                        {2: "2", 12: "12", 40: "40"},
                    ),
                    slider(
                        "h-margin",
                        "EBITDA margin, %",
                        20,
                        100,
                        1,
                        d["margin"],
                        {20: "20", 65: "65", 100: "100"},
                    ),
                    slider(
                        "h-debt",
                        "Debt share of funding, %",
                        0,
                        90,
                        1,
                        d["debt"],
                        {0: "0", 30: "30", 90: "90"},
                    ),
                    slider(
                        "h-rd",
                        "Cost of debt, %",
                        2,
                        15,
                        0.25,
                        d["rd"],
                        {2: "2", 7.5: "7.5", 15: "15"},
                    ),
                    slider(
                        "h-re",
                        "Target equity return, %",
                        5,
                        30,
                        0.5,
                        d["re"],
                        {5: "5", 20: "20", 30: "30"},
                    ),
                    slider(
                        "h-tax", "Tax rate, %", 0, 35, 1, d["tax"], {0: "0", 21: "21", 35: "35"}
                    ),
                    slider(
                        "h-life",
                        "Asset life, years",
                        2,
                        30,
                        0.5,
                        d["life"],
                        {2: "2", 6: "6", 30: "30"},
                    ),
                    html.Div(
                        [
                            dcc.Checklist(
                                id="h-recovery",
                                value=[],
                                options=[
                                    {
                                        "label": "use the yield the returns require "
                                        "(capital recovery at WACC) instead of the stated yield",
                                        "value": "yes",
                                    }
                                ],
                            ),
                            dcc.Checklist(
                                id="h-guarantee",
                                value=[],
                                options=[
                                    {
                                        "label": "government guarantee: debt at Treasury + 0.4%",
                                        "value": "yes",
                                    }
                                ],
                            ),
                        ],
                        className="control wide",
                    ),
                    slider(
                        "h-growth",
                        "AI revenue growth a year, %",
                        0,
                        100,
                        5,
                        d["growth"],
                        {0: "0", 30: "30", 100: "100"},
                    ),
                ],
                className="controls sliders",
            ),
            html.Div(numbers, id="h-kpis"),
            card(
                "Against the dataset",
                html.Div(gap, id="h-gap"),
                source=source_note(
                    "ouroboros.hurdle.ledger_gap over the dataset's AI revenue "
                    "(ai_revenue of labs, neoclouds, clouds, hyperscalers)"
                ),
            ),
            html.Div(
                [
                    card(
                        "Recipes side by side",
                        graph("h-recipes", rec_fig),
                        source=source_note(
                            "ouroboros.hurdle built-in recipes; each figure "
                            "cites its source (table below)"
                        ),
                    ),
                    card(
                        "Tornado",
                        graph("h-tornado", tor),
                        source=source_note(
                            "ouroboros.hurdle.tornado on the calculator with your inputs"
                        ),
                    ),
                ],
                className="split even",
            ),
            card("Recipes and their sources", table(shown, "h-recipe-table", page_size=10)),
            html.Div(
                [
                    card(
                        "How the answer is derived",
                        table(pd.DataFrame(steps), "h-steps", page_size=25),
                    ),
                    card(
                        "Claims checked",
                        table(pd.DataFrame(checks), "h-checks", page_size=10),
                        source=source_note(
                            "the seed article's claims beside what its inputs "
                            "imply (docs/hurdle.md)"
                        ),
                    ),
                ],
                className="split even",
            ),
        ]
    )


_INPUTS = ["h-capex", "h-yield", "h-margin", "h-debt", "h-rd", "h-re", "h-tax", "h-life"]


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("h-kpis", "children"),
        Output("h-steps", "data"),
        Output("h-checks", "data"),
        Output("h-recipes", "figure"),
        Output("h-tornado", "figure"),
        Output("h-gap", "children"),
        *[Input(i, "value") for i in _INPUTS],
        Input("h-recovery", "value"),
        Input("h-guarantee", "value"),
        Input("h-growth", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _redraw(*args: Any) -> tuple[Any, ...]:
        *values, key = args
        values[8] = bool(values[8])
        values[9] = bool(values[9])
        try:
            return tuple(_draw(ws, key or DEFAULT_KEY, values))
        except OuroborosError as exc:
            msg = html.Div(str(exc), className="error-box")
            return (
                msg,
                dash.no_update,
                dash.no_update,
                dash.no_update,
                dash.no_update,
                dash.no_update,
            )


PAGE = Page(path="/hurdle", title="Hurdle", layout=layout, register=register)
