"""Page 6, stress: run built-in scenarios, see the defaults, losses by layer, comparison."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import DEFAULT_KEY, Workspace
from ouroboros.dashboard._figures import empty_figure, stress_losses_figure, unit_label
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import card, dataset_source, error_box, graph, kpis, source_note, table
from ouroboros.errors import InputError, OuroborosError
from ouroboros.scenarios import (
    StressResult,
    builtin_scenario,
    builtin_scenario_names,
    compare_scenarios,
    run_stress,
)

__all__ = ["PAGE", "results_view", "stress_result"]

DEFAULT_SCENARIOS = ["slow-productivity"]
METHOD = (
    "ouroboros.scenarios.run_stress, the central run of each scenario (every distribution "
    "at its mean): time-stepped cash flows, refinancing, liquidity defaults, clearing by "
    "seniority with default costs (Eisenberg & Noe 2001; Rogers & Veraart 2013)"
)
_TIMELINE_COLUMNS = ["scenario", "year", "entity", "event", "cause", "counterparty"]


def stress_result(ws: Workspace, key: str, scenario: str) -> StressResult:
    """The central run of a built-in ``scenario`` on dataset ``key`` (cached per both)."""
    if scenario not in builtin_scenario_names():
        raise InputError(
            f"unknown scenario {scenario!r}; built-ins: {', '.join(builtin_scenario_names())}",
            field="scenario",
        )
    lg = ws.ledger(key)
    return ws.cached(
        "stress",
        key,
        (scenario,),
        lambda: run_stress(scenario, lg, runs=1, seed=0, executor="serial"),
    )


def _timeline(results: list[StressResult]) -> pd.DataFrame:
    frames = []
    for r in results:
        tl = r.timeline.copy()
        tl.insert(0, "scenario", r.name)
        frames.append(tl)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for c in _TIMELINE_COLUMNS:
        if c not in df.columns:
            df[c] = pd.Series(dtype=object)
    df = df[_TIMELINE_COLUMNS].sort_values(["year", "scenario"], kind="stable")
    df["year"] = df["year"].astype(int)
    return df.fillna("")


def _comparison(results: list[StressResult]) -> pd.DataFrame:
    table_ = compare_scenarios(results)
    for c in table_.columns[1:]:
        table_[c] = [f"{v:,.2f}" if isinstance(v, float) else str(v) for v in table_[c]]
    return table_


def results_view(ws: Workspace, key: str, scenarios: list[str]) -> Component:
    """The results of ``scenarios`` on dataset ``key``: timeline, losses, comparison."""
    if not scenarios:
        return html.P("Pick at least one scenario, then press Run.", className="muted")
    lg = ws.ledger(key)
    results = [stress_result(ws, key, s) for s in scenarios]
    unit = unit_label(lg)
    tl = _timeline(results)
    n_def = int((tl["event"] == "default").sum())
    first = tl[tl["event"] == "default"].head(1)
    losses = stress_losses_figure(
        {r.name: r.losses_by_layer for r in results},
        unit=unit,
        title="Cumulative losses by investor layer",
    )
    src = source_note(METHOD, "; web from ", dataset_source(lg, key))
    return html.Div(
        [
            kpis(
                [
                    ("scenarios run", str(len(results))),
                    ("defaults (all scenarios)", str(n_def)),
                    (
                        "first default",
                        "none"
                        if first.empty
                        else f"{first['entity'].iloc[0]} ({first['year'].iloc[0]})",
                        "" if first.empty else str(first["scenario"].iloc[0]),
                    ),
                    ("horizon", str(results[0].years[-1])),
                ]
            ),
            card(
                "Timeline of defaults and walk-aways",
                table(tl, "stress-timeline", page_size=20)
                if not tl.empty
                else html.P("No defaults and no walk-aways to the horizon.", id="stress-none"),
                source=src,
            ),
            card("Losses by layer", graph("stress-losses", losses), source=src),
            card(
                "Scenarios side by side",
                table(_comparison(results), "stress-compare", page_size=30),
                source=source_note("ouroboros.scenarios.compare_scenarios; ", METHOD),
            ),
        ]
    )


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    names = builtin_scenario_names()
    options = []
    for n in names:
        desc = (builtin_scenario(n).description or "").split(". ")[0].rstrip(".")
        options.append({"label": n, "value": n, "title": desc})
    return html.Div(
        [
            html.H2("Stress scenarios"),
            html.P(
                "Run the whole money web forward to 2050 under a built-in scenario: who "
                "defaults, when and why, and which layer of investors takes the losses. "
                "Each scenario is run once at its central values on the selected dataset; "
                "'ouroboros stress NAME --runs N' gives the Monte Carlo distributions.",
                className="lead",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Scenarios", htmlFor="stress-scenarios"),
                            dcc.Dropdown(
                                id="stress-scenarios",
                                options=options,
                                value=list(DEFAULT_SCENARIOS),
                                multi=True,
                                clearable=True,
                            ),
                        ],
                        className="control wide",
                    ),
                    html.Button("Run", id="stress-run", n_clicks=0, className="primary"),
                ],
                className="controls",
            ),
            dcc.Loading(
                html.Div(
                    card(
                        "Losses by layer",
                        graph(
                            "stress-losses",
                            empty_figure("Pick scenarios and press Run.", "Losses by layer"),
                        ),
                        source=source_note(METHOD, "; web from ", dataset_source(lg, key)),
                    ),
                    id="stress-results",
                ),
                type="default",
            ),
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("stress-results", "children"),
        Input("stress-run", "n_clicks"),
        State("stress-scenarios", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _run(n_clicks: int | None, scenarios: Any, key: str | None) -> Any:
        chosen = [scenarios] if isinstance(scenarios, str) else list(scenarios or [])
        try:
            return results_view(ws, key or DEFAULT_KEY, chosen)
        except OuroborosError as exc:
            return error_box(exc)


PAGE = Page(path="/stress", title="Stress", layout=layout, register=register)
