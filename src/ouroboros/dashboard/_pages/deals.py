"""Page 4, deals: move a deal's drivers and watch cash flows, DSCR and balances redraw."""

from __future__ import annotations

import functools
from typing import Any

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import Workspace
from ouroboros.dashboard._figures import (
    deal_balance_figure,
    deal_cashflow_figure,
    deal_dscr_figure,
)
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import (
    card,
    control,
    error_box,
    fmt_money,
    fmt_pct,
    graph,
    kpis,
    slider,
    source_note,
    table,
)
from ouroboros.deals import (
    STRESSES,
    CompiledDeal,
    DealResult,
    DealSpec,
    breakeven,
    bundled_deal,
    bundled_deal_names,
    compile_deal,
    make_drivers,
    run_deal,
)
from ouroboros.errors import OuroborosError

__all__ = ["PAGE", "deal_drivers", "run_bundled"]


@functools.cache
def _deal(name: str) -> tuple[DealSpec, CompiledDeal]:
    spec = bundled_deal(name)
    return spec, compile_deal(spec)


def deal_drivers(
    cd: CompiledDeal, *, rent: float, utilisation: float, gpu_price: float, rate_shift: float
) -> Any:
    """One scenario of drivers: three multipliers and a parallel shift of the rate curves."""
    kw: dict[str, Any] = {
        "rent_factor": rent,
        "utilisation_factor": utilisation,
        "gpu_price_factor": gpu_price,
    }
    if rate_shift:
        if cd.sofr is not None:
            kw["sofr"] = np.asarray(cd.sofr, dtype=float) + rate_shift
        if cd.treasury is not None:
            kw["treasury"] = np.asarray(cd.treasury, dtype=float) + rate_shift
    return make_drivers(1, names=["dashboard"], **kw)


def run_bundled(
    name: str,
    *,
    rent: float = 1.0,
    utilisation: float = 1.0,
    gpu_price: float = 1.0,
    rate_shift: float = 0.0,
) -> tuple[DealSpec, DealResult]:
    """Run a bundled deal under the slider values."""
    spec, cd = _deal(name)
    drv = deal_drivers(
        cd, rent=rent, utilisation=utilisation, gpu_price=gpu_price, rate_shift=rate_shift
    )
    return spec, run_deal(cd, drv)


def _covenant(spec: DealSpec) -> float | None:
    for c in spec.covenants:
        if c.metric == "dscr":
            return float(c.threshold)
    return None


def _draw(name: str, rent: float, util: float, gpu: float, shift: float) -> list[Any]:
    spec, res = run_bundled(name, rent=rent, utilisation=util, gpu_price=gpu, rate_shift=shift)
    unit = f"{spec.currency} {spec.unit}s"
    s = res.summary_dict(0)
    numbers = kpis(
        [
            ("minimum DSCR", "–" if s["min_dscr"] is None else f"{s['min_dscr']:.2f}x"),
            ("LLCR at close", "–" if s["llcr"] is None else f"{s['llcr']:.2f}x"),
            ("equity IRR", fmt_pct(s["equity_irr"])),
            ("debt written off", fmt_money(s["total_loss"], unit, 0)),
            ("first covenant breach", str(s["first_breach"] or "none")),
            ("default", str(s["default_date"] or "none")),
        ]
    )
    cash = deal_cashflow_figure(res.periods, unit=unit, title=f"Cash flows by year ({unit})")
    dscr = deal_dscr_figure(res.periods, title="DSCR per period", covenant=_covenant(spec))
    bal = deal_balance_figure(res.tranches, unit=unit, title=f"Tranche balances ({unit})")
    tr = res.tranche_summary.drop(columns=["scenario"])
    return [
        numbers,
        cash,
        dscr,
        bal,
        tr.to_dict("records"),
        [{"name": c.replace("_", " "), "id": c} for c in tr.columns],
    ]


def _sources(spec: DealSpec) -> Component:
    items = []
    for s in spec.sources:
        bits: list[Any] = [html.B(s.title)]
        meta = ", ".join(str(x) for x in (s.publisher, s.date) if x)
        if meta:
            bits.append(f" — {meta}")
        if s.note:
            bits.append(html.Div(s.note, className="muted small"))
        items.append(html.Li(bits))
    return html.Details(
        [
            html.Summary(f"Sources of the {spec.id} deal spec ({len(items)})"),
            html.Ul(items, className="sources"),
        ]
    )


_FIG_IDS = ("deal-src-cash", "deal-src-dscr", "deal-src-bal")


def _fig_source(name: str, id_: str, what: str = "") -> Component:
    extra = f"; {what}" if what else ""
    return source_note(
        "bundled deal spec ",
        html.Code(name, id=id_),
        f" (sources listed below) run by ouroboros.deals.run_deal with the drivers above{extra}",
    )


def layout(ws: Workspace, key: str) -> Component:
    names = bundled_deal_names()
    name = names[0] if names else ""
    numbers, cash, dscr, bal, rows, _cols = _draw(name, 1.0, 1.0, 1.0, 0.0)
    spec, _ = _deal(name)
    return html.Div(
        [
            html.H2("Deals"),
            html.P(
                "Run a deal's cash flows and waterfall. Move the drivers: the cash flows, the "
                "debt service cover ratio (DSCR) and the tranche balances redraw.",
                className="lead",
            ),
            html.Div(
                [
                    control(
                        "Deal",
                        dcc.Dropdown(
                            id="deal-pick",
                            value=name,
                            clearable=False,
                            options=[{"label": n, "value": n} for n in names],
                        ),
                        html_for="deal-pick",
                    ),
                    slider(
                        "deal-rent",
                        "Lease rents (× base)",
                        0,
                        1.5,
                        0.05,
                        1.0,
                        {0: "0", 0.5: "0.5", 1: "1", 1.5: "1.5"},
                    ),
                    slider(
                        "deal-util",
                        "GPU utilisation (× base)",
                        0,
                        1.2,
                        0.05,
                        1.0,
                        {0: "0", 0.5: "0.5", 1: "1", 1.2: "1.2"},
                    ),
                    slider(
                        "deal-gpu",
                        "$ per GPU-hour (× base)",
                        0,
                        1.5,
                        0.05,
                        1.0,
                        {0: "0", 0.5: "0.5", 1: "1", 1.5: "1.5"},
                    ),
                    slider(
                        "deal-rates",
                        "Rate shift, pp (SOFR, Treasuries)",
                        -2,
                        6,
                        0.25,
                        0.0,
                        {-2: "−2", 0: "0", 2: "+2", 4: "+4", 6: "+6"},
                    ),
                ],
                className="controls sliders",
            ),
            html.Div(html.P(spec.description or "", className="muted"), id="deal-description"),
            html.Div(numbers, id="deal-kpis"),
            html.Div(
                [
                    card(
                        "Cash flows",
                        graph("deal-cash", cash),
                        source=_fig_source(name, _FIG_IDS[0]),
                    ),
                    card(
                        "Debt service cover",
                        graph("deal-dscr", dscr),
                        source=_fig_source(
                            name, _FIG_IDS[1], "DSCR = CFADS / scheduled debt service"
                        ),
                    ),
                ],
                className="split even",
            ),
            html.Div(
                [
                    card(
                        "Tranches",
                        graph("deal-balances", bal),
                        source=_fig_source(name, _FIG_IDS[2]),
                    ),
                    card(
                        "Tranche results", table(pd.DataFrame(rows), "deal-tranches", page_size=10)
                    ),
                ],
                className="split even",
            ),
            card(
                "Breakeven",
                html.P(
                    "How far can one driver fall (or rates rise) from the slider values "
                    "before a tranche loses money, or the minimum DSCR reaches 1.0? "
                    "(Root finding over the whole deal; takes a second or two.)",
                    className="muted",
                ),
                html.Div(
                    [
                        dcc.Dropdown(
                            id="deal-be-stress",
                            value="rent_haircut",
                            clearable=False,
                            options=[
                                {"label": f"{k.replace('_', ' ')} ({v.what})", "value": k}
                                for k, v in STRESSES.items()
                            ],
                        ),
                        dcc.RadioItems(
                            id="deal-be-target",
                            value="dscr",
                            inline=True,
                            options=[
                                {"label": "DSCR reaches 1.0", "value": "dscr"},
                                {"label": "a tranche loses", "value": "first_loss"},
                            ],
                        ),
                        html.Button("Find breakeven", id="deal-be-go", n_clicks=0),
                    ],
                    className="controls",
                ),
                dcc.Loading(html.Div(id="deal-be-out")),
            ),
            html.Div(
                [
                    source_note(
                        "bundled deal spec ",
                        html.Code(name, id="deal-spec-id"),
                        " run by ouroboros.deals.run_deal (DSCR, LLCR per Yescombe, "
                        "Principles of Project Finance); every figure of the spec cites "
                        "its source:",
                    ),
                    html.Div(_sources(spec), id="deal-sources"),
                ]
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("deal-kpis", "children"),
        Output("deal-cash", "figure"),
        Output("deal-dscr", "figure"),
        Output("deal-balances", "figure"),
        Output("deal-tranches", "data"),
        Output("deal-tranches", "columns"),
        Input("deal-pick", "value"),
        Input("deal-rent", "value"),
        Input("deal-util", "value"),
        Input("deal-gpu", "value"),
        Input("deal-rates", "value"),
        prevent_initial_call=True,
    )
    def _redraw(
        name: str, rent: float, util: float, gpu: float, shift_pp: float
    ) -> tuple[Any, ...]:
        return tuple(_draw(name, float(rent), float(util), float(gpu), float(shift_pp) / 100))

    @app.callback(
        Output("deal-description", "children"),
        Output("deal-sources", "children"),
        Output("deal-spec-id", "children"),
        *[Output(i, "children") for i in _FIG_IDS],
        Input("deal-pick", "value"),
        prevent_initial_call=True,
    )
    def _describe(name: str) -> tuple[Any, ...]:
        spec, _ = _deal(name)
        return (
            html.P(spec.description or "", className="muted"),
            _sources(spec),
            name,
            name,
            name,
            name,
        )

    @app.callback(
        Output("deal-be-out", "children"),
        Input("deal-be-go", "n_clicks"),
        State("deal-pick", "value"),
        State("deal-be-stress", "value"),
        State("deal-be-target", "value"),
        State("deal-rent", "value"),
        State("deal-util", "value"),
        State("deal-gpu", "value"),
        State("deal-rates", "value"),
        prevent_initial_call=True,
    )
    def _breakeven(
        _: int,
        name: str,
        stress: str,
        target: str,
        rent: float,
        util: float,
        gpu: float,
        shift_pp: float,
    ) -> Component:
        _spec, cd = _deal(name)
        base = deal_drivers(
            cd,
            rent=float(rent),
            utilisation=float(util),
            gpu_price=float(gpu),
            rate_shift=float(shift_pp) / 100,
        )
        try:
            be = breakeven(cd, stress, target=target, base=base)  # type: ignore[arg-type]
        except OuroborosError as exc:
            return error_box(exc)
        return html.P([html.B(f"{name}: "), be.description], className="breakeven")


PAGE = Page(path="/deals", title="Deals", layout=layout, register=register)
