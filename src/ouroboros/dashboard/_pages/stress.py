"""Page 6, stress: run built-in scenarios in the background, once or as a Monte Carlo.

"Run" queues one job per scenario on the server's one background queue, the
:class:`ouroboros.api.RunJobs` that ``POST /api/runs`` uses too (a job of the same
scenario, runs, seed and dataset is reused, not run again). A ``dcc.Interval`` polls the
jobs and shows their progress; once all are done the page draws the timeline of defaults,
the contagion chain, losses by layer, the Monte Carlo distributions and the comparison.
Every callback only reads finished results, so each stays far below 300 ms of server
time while the runs themselves take seconds on the worker thread.
"""

from __future__ import annotations

from typing import Any, cast

import dash
import dash_cytoscape as cyto  # type: ignore[import-untyped, unused-ignore]
import flask
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import DEFAULT_KEY, MAX_WEB_RUNS, RunJob, RunJobs, Workspace, short_name
from ouroboros.dashboard._figures import (
    empty_figure,
    stress_chain_elements,
    stress_chain_stylesheet,
    stress_default_probability_figure,
    stress_horizon_losses_figure,
    stress_losses_band_figure,
    stress_year_color,
    unit_label,
)
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import (
    card,
    control,
    dataset_source,
    error_box,
    graph,
    kpis,
    source_note,
    table,
)
from ouroboros.errors import InputError, OuroborosError
from ouroboros.scenarios import (
    StressResult,
    builtin_scenario,
    builtin_scenario_names,
    compare_scenarios,
    format_comparison,
    stacked_timelines,
)

__all__ = [
    "PAGE",
    "RUN_CHOICES",
    "chain_view",
    "parse_runs",
    "parse_seed",
    "pick_view",
    "poll_runs",
    "results_view",
    "start_runs",
]

DEFAULT_SCENARIOS = ["slow-productivity"]
RUN_CHOICES = tuple(n for n in (1, 100, 500, 1000, 2000) if n <= MAX_WEB_RUNS)
"""Numbers of runs offered: 1 is the central run (every distribution at its mean)."""
POLL_MS = 400
METHOD = (
    "ouroboros.scenarios.run_stress: time-stepped cash flows, refinancing, liquidity "
    "defaults, clearing by seniority with default costs (Eisenberg & Noe 2001; Rogers & "
    "Veraart 2013)"
)
_TIMELINE_CENTRAL = ["scenario", "year", "entity", "event", "cause", "counterparty"]
_TIMELINE_MC = ["scenario", "year", "entity", "event", "cause", "probability"]


# -------------------------------------------------------------------- inputs and jobs


def parse_seed(value: Any) -> int:
    """The seed box: a whole number in [0, 2**63); empty means the default, 0.

    >>> parse_seed(" 42 "), parse_seed(None), parse_seed(7.0)
    (42, 0, 7)
    >>> parse_seed("4.5")
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: seed must be a whole number from 0 to 2**63 - 1, got '4.5'
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    seed: int | None = None
    if isinstance(value, bool):
        seed = None
    elif isinstance(value, int):
        seed = value
    elif isinstance(value, float) and value.is_integer():
        seed = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        seed = int(value.strip())
    if seed is None or not 0 <= seed < 2**63:
        raise InputError(
            f"seed must be a whole number from 0 to 2**63 - 1, got {value!r}", field="seed"
        )
    return seed


def parse_runs(value: Any) -> int:
    """The runs menu: one of :data:`RUN_CHOICES`.

    >>> parse_runs(1000)
    1000
    >>> parse_runs(5000)
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: runs must be one of 1, 100, 500, 1000, 2000, got 5000
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or value not in RUN_CHOICES:
        raise InputError(
            f"runs must be one of {', '.join(map(str, RUN_CHOICES))}, got {value!r}",
            field="runs",
        )
    return int(value)


def _scenarios(value: Any) -> list[str]:
    chosen = [value] if isinstance(value, str) else list(value or [])
    if not chosen:
        raise InputError(
            "scenarios must name at least one built-in scenario: pick one, then press Run",
            field="scenarios",
        )
    names = builtin_scenario_names()
    for s in chosen:
        if s not in names:
            raise InputError(
                f"unknown scenario {s!r}; built-ins: {', '.join(names)}", field="scenarios"
            )
    return list(dict.fromkeys(chosen))


def run_jobs() -> RunJobs:
    """The server's one background queue (built by the API blueprint)."""
    jobs = flask.current_app.extensions.get("ouroboros_runs")
    if not isinstance(jobs, RunJobs):
        raise OuroborosError("this server has no run queue (the /api blueprint is missing)")
    return jobs


def start_runs(jobs: RunJobs, key: str, scenarios: Any, runs: Any, seed: Any) -> dict[str, Any]:
    """Check the controls and queue one job per scenario; return what the page keeps.

    A job of the same (scenario, runs, seed, dataset) that is queued, running or done is
    reused (:meth:`RunJobs.submit` with ``reuse=True``). The central run (``runs == 1``)
    draws nothing at random, so its seed is always 0.
    """
    chosen = _scenarios(scenarios)
    n = parse_runs(runs)
    s = parse_seed(seed)
    if n == 1:
        s = 0
    queued = []
    for name in chosen:
        before = jobs.find(name, n, s, key)
        job = jobs.submit(name, n, s, key, reuse=True)
        queued.append({"scenario": name, "job_id": job.job_id, "reused": before is job})
    return {"dataset": key, "runs": n, "seed": s, "jobs": queued}


def _job_of(jobs: RunJobs, entry: dict[str, Any]) -> RunJob:
    job = jobs.get(str(entry.get("job_id")))
    if job is None:
        raise OuroborosError(
            f"the run of {entry.get('scenario')} is no longer held by the server "
            f"(it keeps the last {jobs.keep} runs); press Run again"
        )
    return job


def _progress_text(plan: dict[str, Any], states: list[tuple[str, str]]) -> str:
    done = sum(st in ("done", "failed") for _, st in states)
    what = "central run" if plan["runs"] == 1 else f"{plan['runs']:,} runs, seed {plan['seed']}"
    return f"{done} of {len(states)} done ({what}): " + ", ".join(
        f"{name} {st}" for name, st in states
    )


def poll_runs(
    ws: Workspace, jobs: RunJobs, plan: dict[str, Any] | None, *, started: bool
) -> tuple[Any, Any, bool]:
    """(progress, results, interval disabled) for the jobs in ``plan``.

    While a job is queued or running: the progress line, results unchanged (or a
    placeholder right after Run) and the interval on. Once all have finished: the results
    of the done ones, an error box per failed one, and the interval off.
    """
    if not plan or not plan.get("jobs"):
        return dash.no_update, dash.no_update, True
    try:
        found = [(e, _job_of(jobs, e)) for e in plan["jobs"]]
    except OuroborosError as exc:
        return "", error_box(exc), True
    states = [(e["scenario"], j.status) for e, j in found]
    progress = _progress_text(plan, states)
    if any(st in ("queued", "running") for _, st in states):
        waiting = html.P(
            "Running… the results appear here when every scenario is done.",
            className="muted",
            id="stress-waiting",
        )
        return (
            html.Span(progress, id="stress-progress-text"),
            (waiting if started else dash.no_update),
            False,
        )
    failed = [
        error_box(OuroborosError(f"{e['scenario']}: {j.message}"))
        for e, j in found
        if j.status == "failed"
    ]
    done = [j for _, j in found if j.status == "done" and j.result is not None]
    reused = sum(bool(e.get("reused")) for e in plan["jobs"])
    if reused:
        progress += f" (reused {reused} finished run{'s' if reused != 1 else ''})"
    body: list[Any] = list(failed)
    if done:
        # a job id stands for one finished, never-changing result: draw it once
        key = str(plan["dataset"])
        body.append(
            ws.cached(
                "stress-view",
                key,
                tuple(j.job_id for j in done),
                lambda: results_view(ws, key, [j.result for j in done if j.result is not None]),
            )
        )
    return html.Span(progress, id="stress-progress-text", className="done"), html.Div(body), True


# ------------------------------------------------------------------------------ views


def _timeline(results: list[StressResult]) -> pd.DataFrame:
    mc = results[0].runs > 1
    cols = _TIMELINE_MC if mc else _TIMELINE_CENTRAL
    df = stacked_timelines(results)
    for c in cols:
        if c not in df.columns:
            df[c] = pd.Series(dtype=float if c == "probability" else object)
    df = df[cols]
    if mc:
        df = df.sort_values(["year", "probability"], ascending=[True, False], kind="stable")
        df["probability"] = df["probability"].astype(float).round(4)
    else:
        df = df.sort_values(["year", "scenario"], kind="stable")
    df["year"] = df["year"].astype(int)
    return df.fillna("").reset_index(drop=True)


def _names(ws: Workspace, key: str) -> dict[str, str]:
    return {e.id: short_name(e.name, 28) for e in ws.ledger(key).entities}


def _run_note(runs: int, seed: int) -> str:
    if runs == 1:
        return "the central run (every distribution at its mean, no random draws)"
    return f"a Monte Carlo of {runs:,} runs, seed {seed}"


def _chain_legend(first: int, last: int) -> Component:
    step = max(1, (last - first) // 4)
    years = [*range(first, last, step), last][:6]
    box = {"display": "inline-block", "width": "12px", "height": "12px", "marginRight": "3px"}
    swatches = [
        html.Span(
            [html.Span(style={**box, "background": stress_year_color(y, first, last)}), str(y)],
            style={"marginRight": "10px"},
        )
        for y in years
    ]
    return html.P(
        [
            "Colour: (median) year of the entity's first event ",
            *swatches,
            " · diamond: fails on its own cause (no counterparty) · dashed border: sets "
            "others off with no event of its own · dashed arrow: walk-away · arrow "
            "counterparty → entity, labelled with the cause (and share of runs)",
        ],
        className="muted",
        id="stress-chain-legend",
    )


def chain_view(ws: Workspace, key: str, result: StressResult) -> tuple[list[Any], dict[str, Any]]:
    """The contagion chain of ``result``: Cytoscape elements and layout."""
    els = stress_chain_elements(
        result.events,
        result.runs,
        names=_names(ws, key),
        years=(float(result.years[0]), float(result.years[-1])),
    )
    return els, {"name": "preset", "fit": True, "padding": 30}


def losses_band(result: StressResult, unit: str) -> Any:
    """The losses by layer of one Monte Carlo scenario: mean and p05-p95 band per layer.

    One scenario at a time: thirteen layers of bands per scenario are as many as a reader
    can follow (the boxes and the comparison table set the scenarios side by side).
    """
    return stress_losses_band_figure(
        {result.name: result.losses_by_layer},
        unit=unit,
        title=f"Losses to date by investor layer, {result.name}: mean and p05-p95 over runs",
    )


def pick_view(
    ws: Workspace, jobs: RunJobs, plan: dict[str, Any] | None, name: str | None
) -> tuple[Any, Any, Any]:
    """(chain elements, chain layout, losses figure) of scenario ``name`` of ``plan``; the
    losses figure changes only for a Monte Carlo (one run shows every scenario at once)."""
    keep = dash.no_update
    if not plan or not name:
        return keep, keep, keep
    for entry in plan.get("jobs", []):
        if entry.get("scenario") != name:
            continue
        job = jobs.get(str(entry.get("job_id")))
        if job is None or job.result is None:
            break
        key = str(plan["dataset"])
        elements, cy_layout = chain_view(ws, key, job.result)
        losses = (
            losses_band(job.result, unit_label(ws.ledger(key))) if job.result.runs > 1 else keep
        )
        return elements, cy_layout, losses
    return [], keep, keep


def results_view(ws: Workspace, key: str, results: list[StressResult]) -> Component:
    """The results of finished runs (all with the same runs and seed) on dataset ``key``."""
    lg = ws.ledger(key)
    unit = unit_label(lg)
    runs, seed = results[0].runs, results[0].seed
    mc = runs > 1
    tl = _timeline(results)
    note = _run_note(runs, seed)
    src = source_note(METHOD, f"; {note}; web from ", dataset_source(lg, key))
    horizon = results[0].years[-1]
    items: list[Any] = [("scenarios run", str(len(results))), ("runs each", f"{runs:,}")]
    if mc:
        expected = {r.name: float(r.default_probability["probability"].sum()) for r in results}
        worst = max(expected, key=lambda s: expected[s])
        items.append(("expected defaults per run", f"{expected[worst]:.2f}", worst))
        tops = []
        for r in results:
            dp = r.default_probability[r.default_probability["probability"] > 0]
            if len(dp):
                row = dp.iloc[0]
                tops.append((float(row["probability"]), str(row["entity"]), r.name, row["p50"]))
        if tops:
            p, ent, scen, p50 = max(tops, key=lambda t: t[0])
            items.append(("most likely default", f"{ent} ({p:.0%})", f"median {p50:.0f}, {scen}"))
        else:
            items.append(("most likely default", "none"))
    else:
        defaults = tl[tl["event"] == "default"]
        items.append(("defaults (all scenarios)", str(len(defaults))))
        first = defaults.head(1)
        items.append(
            (
                "first default",
                "none" if first.empty else f"{first['entity'].iloc[0]} ({first['year'].iloc[0]})",
                "" if first.empty else str(first["scenario"].iloc[0]),
            )
        )
    items.append(("horizon", str(horizon)))

    if mc:
        losses = losses_band(results[0], unit)
        names = _names(ws, key)
        distributions: list[Any] = [
            graph(
                "stress-probability",
                stress_default_probability_figure(
                    {r.name: r.default_probability for r in results},
                    title="Default probability by entity (text: median year of default)",
                    names=names,
                ),
            ),
            graph(
                "stress-horizon",
                stress_horizon_losses_figure(
                    {r.name: r.layer_losses_at_horizon for r in results},
                    unit=unit,
                    title=f"Losses by layer at the horizon ({horizon}) over runs",
                ),
            ),
        ]
        dist_src = source_note(
            "StressResult.default_probability (share of runs; years among the runs in which "
            "it defaults) and layer_losses_at_horizon (box p25-p75 with the median, "
            f"whiskers p05 and p95, dashed: mean); {note}; ",
            METHOD,
        )
    else:
        # the one-run lines of stress_losses_figure, drawn by the faster list-based builder
        # (close to a hundred lines for six scenarios) with only the layers that lose
        losses = stress_losses_band_figure(
            {r.name: r.losses_by_layer for r in results},
            unit=unit,
            title="Losses to date by investor layer",
        )
        distributions = [
            html.P(
                "One run is the central scenario: pick more runs to see distributions "
                f"(100 to {RUN_CHOICES[-1]:,} runs give default probabilities and the spread "
                "of losses).",
                className="muted",
                id="stress-no-distributions",
            )
        ]
        dist_src = source_note(f"{note}; ", METHOD)

    elements, cy_layout = chain_view(ws, key, results[0])
    chain = card(
        "Contagion chain",
        control(
            "Scenario shown here" + (" and in the losses over time" if mc else ""),
            dcc.Dropdown(
                id="stress-pick",
                options=[{"label": r.name, "value": r.name} for r in results],
                value=results[0].name,
                clearable=False,
            ),
            html_for="stress-pick",
            wide=True,
        ),
        cyto.Cytoscape(
            id="stress-chain",
            elements=elements,
            stylesheet=stress_chain_stylesheet(),
            layout=cy_layout,
            style={"width": "100%", "height": "460px"},
            minZoom=0.2,
            maxZoom=3,
            wheelSensitivity=0.3,
        ),
        _chain_legend(int(results[0].years[0]), int(horizon)),
        source=source_note(
            "StressResult.events: each default or walk-away and the counterparty whose "
            f"failure preceded it, as attributed by the engine; {note}; ",
            METHOD,
        ),
    )
    return html.Div(
        [
            kpis(items),
            card(
                "Timeline of defaults and walk-aways"
                + (" (share of runs with that event that year)" if mc else ""),
                table(tl, "stress-timeline", page_size=20)
                if not tl.empty
                else html.P("No defaults and no walk-aways to the horizon.", id="stress-none"),
                source=src,
            ),
            chain,
            card(
                "Losses by layer",
                html.P(
                    "Credit losses, contract damages and fire-sale losses add up over time; "
                    "the erosion of equity cushions is a level, so it can shrink again if an "
                    "issuer recovers before it defaults.",
                    className="muted",
                ),
                graph("stress-losses", losses),
                source=src,
            ),
            card("Monte Carlo distributions", *distributions, source=dist_src),
            card(
                "Scenarios side by side",
                table(
                    format_comparison(compare_scenarios(results)), "stress-compare", page_size=30
                ),
                source=source_note("ouroboros.scenarios.compare_scenarios; ", note, "; ", METHOD),
            ),
        ]
    )


# ----------------------------------------------------------------------------- layout


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    options = []
    for n in builtin_scenario_names():
        desc = (builtin_scenario(n).description or "").split(". ")[0].rstrip(".")
        options.append({"label": n, "value": n, "title": desc})
    run_options = [
        {"label": "1 (central run)" if n == 1 else f"{n:,}", "value": n} for n in RUN_CHOICES
    ]
    return html.Div(
        [
            html.H2("Stress scenarios"),
            html.P(
                "Run the whole money web forward to 2050 under built-in scenarios: who "
                "defaults, when and why, who set whom off, and which layer of investors "
                "takes the losses. One run is the central scenario (every distribution at "
                "its mean); more runs give a Monte Carlo with default probabilities and "
                "the spread of losses. Runs queue in the background on this server "
                "(the same queue as POST /api/runs); a finished run is reused.",
                className="lead",
            ),
            html.Div(
                [
                    control(
                        "Scenarios",
                        dcc.Dropdown(
                            id="stress-scenarios",
                            options=options,
                            value=list(DEFAULT_SCENARIOS),
                            multi=True,
                            clearable=True,
                        ),
                        html_for="stress-scenarios",
                        wide=True,
                    ),
                    control(
                        "Runs",
                        dcc.Dropdown(
                            id="stress-runs",
                            options=run_options,
                            value=1,
                            clearable=False,
                            searchable=False,
                        ),
                        html_for="stress-runs",
                    ),
                    control(
                        "Seed",
                        dcc.Input(
                            id="stress-seed", type="text", inputMode="numeric", value="0", size="8"
                        ),
                        html_for="stress-seed",
                    ),
                    html.Button("Run", id="stress-run", n_clicks=0, className="primary"),
                ],
                className="controls",
            ),
            dcc.Store(id="stress-jobs", data=None),
            dcc.Interval(id="stress-poll", interval=POLL_MS, disabled=True, n_intervals=0),
            html.Div(id="stress-progress", className="progress", role="status"),
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
        ]
    )


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("stress-jobs", "data"),
        Output("stress-progress", "children"),
        Input("stress-run", "n_clicks"),
        State("stress-scenarios", "value"),
        State("stress-runs", "value"),
        State("stress-seed", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _start(n_clicks: int | None, scenarios: Any, runs: Any, seed: Any, key: Any) -> Any:
        try:
            plan = start_runs(run_jobs(), str(key or DEFAULT_KEY), scenarios, runs, seed)
        except OuroborosError as exc:
            field = getattr(exc, "field", None) or ""
            attrs = cast(dict[str, Any], {"data-field": field})
            return {"refused": field}, html.Div(error_box(exc), id="stress-error", **attrs)
        return plan, "Queued…"

    @app.callback(
        Output("stress-progress", "children", allow_duplicate=True),
        Output("stress-results", "children"),
        Output("stress-poll", "disabled"),
        Input("stress-jobs", "data"),
        Input("stress-poll", "n_intervals"),
        prevent_initial_call=True,
    )
    def _poll(plan: dict[str, Any] | None, n_intervals: int | None) -> Any:
        started = dash.ctx.triggered_id == "stress-jobs"
        if plan and "refused" in plan:  # the controls were refused: clear the old results
            return dash.no_update, html.P("Fix the input above, then press Run."), True
        try:
            return poll_runs(ws, run_jobs(), plan, started=started)
        except OuroborosError as exc:
            return dash.no_update, error_box(exc), True

    @app.callback(
        Output("stress-chain", "elements"),
        Output("stress-chain", "layout"),
        Output("stress-losses", "figure"),
        Input("stress-pick", "value"),
        State("stress-jobs", "data"),
        prevent_initial_call=True,
    )
    def _pick(name: str | None, plan: dict[str, Any] | None) -> Any:
        return pick_view(ws, run_jobs(), plan, name)


PAGE = Page(path="/stress", title="Stress", layout=layout, register=register)
