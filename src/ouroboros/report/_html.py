"""The self-contained HTML report: one file, Plotly inline, every figure with its source."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]

from ouroboros import __version__
from ouroboros._plotlyjs import plotlyjs, require_bundled
from ouroboros.api import short_name
from ouroboros.dashboard import (
    circular_share_figure,
    composite_figure,
    cost_of_capital_figure,
    deal_cashflow_figure,
    deal_dscr_figure,
    gauges_figure,
    layers_figure,
    network_figure,
    recipes_figure,
    repricing_figure,
    sankey_figure,
    stress_losses_figure,
    tornado_figure,
    unit_label,
)
from ouroboros.deals import (
    ScenarioSpec,
    bundled_deal,
    bundled_deal_names,
    compile_deal,
    drivers_for,
    load_scenarios,
    run_deal,
)
from ouroboros.errors import InputError, OuroborosError
from ouroboros.flows import circularity_report
from ouroboros.hurdle import HurdleInputs, builtin_recipes, hurdle, ledger_gap, run_recipe, tornado
from ouroboros.markets import run_layers, run_liquidity
from ouroboros.model import Ledger, summarize
from ouroboros.scenarios import (
    StressResult,
    compare_scenarios,
    format_comparison,
    resolve_scenario,
    run_stress,
    stacked_timelines,
)

__all__ = [
    "SECTIONS",
    "STRESS_SECTION",
    "build_report",
    "run_report_stress",
    "sections",
    "write_report",
]

SECTIONS = ("network", "flows", "loops", "hurdle", "deals", "markets", "thermometer", "sources")
"""The report's sections, in order; ``stress`` comes after ``deals`` when stress scenarios
are given."""
STRESS_SECTION = "stress"


def sections(stress: bool = False) -> tuple[str, ...]:
    """The sections of a report, with ``stress`` after ``deals`` when it has stress runs.

    >>> sections(stress=True)[4:6]
    ('deals', 'stress')
    """
    if not stress:
        return SECTIONS
    i = SECTIONS.index("deals") + 1
    return (*SECTIONS[:i], STRESS_SECTION, *SECTIONS[i:])


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;
color:#1f2328;max-width:1180px;margin:0 auto;padding:24px;line-height:1.45;font-size:14px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#6b7280}
.source{font-size:12px;color:#6b7280;margin:4px 0 16px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 12px}
th,td{border:1px solid #e5e7eb;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f4f6}.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 12px}
.kpi{border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px;min-width:140px}
.kpi b{display:block;font-size:19px}.kpi span{font-size:12px;color:#6b7280}
nav a{margin-right:12px}.fig{break-inside:avoid}
@media print{nav{display:none}h2{break-before:page}.fig{break-inside:avoid}}
"""


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


class _Doc:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n_figs = 0

    def add(self, text: str) -> None:
        self.parts.append(text)

    def h2(self, anchor: str, title: str) -> None:
        self.add(f'<h2 id="{_esc(anchor)}">{_esc(title)}</h2>')

    def p(self, text: str, cls: str | None = None) -> None:
        c = f' class="{cls}"' if cls else ""
        self.add(f"<p{c}>{_esc(text)}</p>")

    def source(self, text: str) -> None:
        self.add(f'<p class="source">Source: {_esc(text)}</p>')

    def fig(self, fig: go.Figure, source: str) -> None:
        require_bundled(fig)
        self.n_figs += 1
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=f"fig{self.n_figs}",
            config={"displaylogo": False, "responsive": True},
        )
        self.add(f'<div class="fig">{div}</div>')
        self.source(source)

    def kpis(self, items: Sequence[tuple[str, str]]) -> None:
        cells = "".join(
            f'<div class="kpi"><b>{_esc(v)}</b><span>{_esc(k)}</span></div>' for k, v in items
        )
        self.add(f'<div class="kpis">{cells}</div>')

    def table(self, df: pd.DataFrame, max_rows: int = 60) -> None:
        shown = df.head(max_rows)
        text = shown.to_html(
            index=False, escape=True, border=0, na_rep="–", float_format=lambda v: f"{v:,.4g}"
        )
        self.add(text)
        if len(df) > max_rows:
            self.p(f"({len(df) - max_rows} more rows not shown)", "muted")


def _pct(x: float | None, digits: int = 1) -> str:
    if x is None or not pd.notna(x):
        return "–"
    return f"{100 * float(x):.{digits}f}%"


def _money(x: float | None, unit: str, digits: int = 1) -> str:
    if x is None or not pd.notna(x):
        return "–"
    return f"{float(x):,.{digits}f} {unit}"


def _dataset_line(lg: Ledger, key: str | None) -> str:
    m = lg.meta
    bits = [f"dataset “{m.name}”", f"version {m.version}"]
    if m.as_of:
        bits.append(f"as of {m.as_of.isoformat()}")
    if key:
        bits.append(f"key {key}")
    return ", ".join(bits)


def _section_network(doc: _Doc, lg: Ledger, src: str) -> None:
    doc.h2("network", "The money web")
    s = summarize(lg)
    doc.kpis(
        [
            ("entities", str(s.n_entities)),
            ("instruments", str(s.n_instruments)),
            ("sources", str(s.n_sources)),
            ("estimates", str(s.n_estimates)),
        ]
    )
    doc.fig(network_figure(lg), src + "; columns by role, lines by instrument kind")
    doc.table(s.by_kind.assign(amount=s.by_kind["amount"].round(2)))
    doc.source(f"{src}; amounts in {unit_label(lg)}")


def _section_flows(doc: _Doc, lg: Ledger, src: str, year: int | None) -> None:
    doc.h2("flows", "Money flows")
    rep = circularity_report(lg, year=year, include_announced=True)
    when = str(year) if year else "all years"
    doc.fig(
        sankey_figure(
            lg,
            rep.maximal.edges,
            title=f"Money flows, {when} ({unit_label(lg)}); red = goes round a loop",
            min_share=0.01,
        ),
        f"{src}; ouroboros.views.money_flows (signed, funded and announced deals), circular "
        "part by maximal circulation (MTCS); flows under 1% of the largest left out",
    )


def _section_loops(doc: _Doc, lg: Ledger, src: str) -> None:
    doc.h2("loops", "Loops: how much of the money goes round")
    rep = circularity_report(lg, include_announced=True)
    unit = unit_label(lg)
    doc.kpis(
        [
            ("gross flow W", _money(rep.total_flow, unit)),
            ("circular flow C", _money(rep.circular_flow, unit)),
            ("circularity C/W", _pct(rep.circularity)),
            ("net internal debt", _money(rep.nid, unit)),
            ("Finn cycling index", _pct(rep.finn_cycling_index)),
        ]
    )
    doc.fig(
        circular_share_figure(
            rep.entities,
            title="Circular share of each entity's inflow, all "
            "years (bar: BFF; whisker: min–max over maximal solutions)",
        ),
        f"{src}; ouroboros.flows.circularity_report (Fleischman & Dini 2021; Homs-Dones et al. "
        "2025), rest of world as the boundary",
    )
    names = {e.id: short_name(e.name, 20) for e in lg.entities}
    cyc = rep.cycles
    if len(cyc):
        doc.add("<h3>Top loops</h3>")
        doc.table(
            pd.DataFrame(
                {
                    "rank": cyc["rank"],
                    "loop": [" → ".join(names.get(x, x) for x in p) for p in cyc["path"]],
                    "amount": cyc["amount"],
                    "share": cyc["share"],
                }
            )
        )


def _section_hurdle(doc: _Doc, lg: Ledger) -> None:
    doc.h2("hurdle", "The revenue hurdle")
    r = hurdle(HurdleInputs())
    doc.kpis(
        [
            ("revenue required a year", _money(r.revenue_required / 1e9, "USD bn", 0)),
            ("EBITDA required", _money(r.ebitda_required / 1e9, "USD bn", 0)),
            ("share of US GDP", _pct(r.share_of_gdp, 2)),
            ("equity cash yield", _pct(r.equity_return)),
            ("equity IRR over 6-year assets", _pct(r.equity_irr)),
        ]
    )
    doc.p(
        "Inputs: the seed article's $3T of capex, 12% EBITDA yield, 65% margin, debt:equity "
        "3:7 at 7.5%, 20% target equity return, 6-year assets, no tax.",
        "muted",
    )
    rows = []
    for name, rec in builtin_recipes().items():
        res = run_recipe(rec)
        src = rec.source
        cite = ", ".join(x for x in (src.author, src.publisher, src.date) if x)
        rows.append(
            {
                "label": name,
                "revenue_required": res.revenue_required,
                "source": f"{src.title} ({cite})",
            }
        )
    df = pd.DataFrame(rows)
    doc.fig(
        recipes_figure(
            df,
            title="Published estimates of the revenue AI must earn",
            highlight=r.revenue_required,
        ),
        "ouroboros.hurdle built-in recipes, each reproduced step by step from its source "
        "(table below)",
    )
    doc.table(
        df.assign(revenue_required=(df["revenue_required"] / 1e9).round(0)).rename(
            columns={"revenue_required": "revenue required, USD bn"}
        )
    )
    tr = tornado(HurdleInputs(), output="revenue_required", change=0.2)
    doc.fig(
        tornado_figure(
            tr.table,
            base=tr.base_output,
            title="Which input matters: revenue required at ±20% of each input",
        ),
        "ouroboros.hurdle.tornado on the seed article's inputs",
    )
    doc.add("<h3>Claims checked</h3>")
    doc.table(r.checks[["label", "claimed", "implied", "consistent"]])
    try:
        g = ledger_gap(lg, r.revenue_required, growth=0.3)
    except OuroborosError:
        return
    doc.p(
        f"Against the dataset: AI revenue of {g.current / 1e9:,.0f} USD bn in {g.year} "
        f"covers {_pct(g.coverage)} of the hurdle; at 30% growth a year the gap closes in "
        f"{g.years_to_close:.1f} years."
    )


def _section_deals(doc: _Doc, scenarios: Sequence[ScenarioSpec]) -> None:
    doc.h2("deals", "Deals")
    for name in bundled_deal_names():
        spec = bundled_deal(name)
        cd = compile_deal(spec)
        res = run_deal(cd)
        unit = f"{spec.currency} {spec.unit}s"
        doc.add(f"<h3>{_esc(spec.name)}</h3>")
        if spec.description:
            doc.p(spec.description, "muted")
        s = res.summary_dict(0)
        doc.kpis(
            [
                ("minimum DSCR", "–" if s["min_dscr"] is None else f"{s['min_dscr']:.2f}x"),
                ("LLCR at close", "–" if s["llcr"] is None else f"{s['llcr']:.2f}x"),
                ("equity IRR", _pct(s["equity_irr"])),
                ("debt written off", _money(s["total_loss"], unit, 0)),
            ]
        )
        cites = "; ".join(x.title for x in spec.sources)
        doc.fig(
            deal_cashflow_figure(res.periods, unit=unit, title=f"{spec.id}: cash flows by year"),
            f"bundled deal spec {spec.id} run by ouroboros.deals.run_deal; spec sources: {cites}",
        )
        doc.fig(
            deal_dscr_figure(res.periods, title=f"{spec.id}: DSCR per period"),
            f"ouroboros.deals.run_deal, base case of {spec.id}",
        )
        if scenarios:
            drv = drivers_for(cd, scenarios)
            sc = run_deal(cd, drv, detail=False).summary
            cols = [
                c
                for c in (
                    "scenario",
                    "min_dscr",
                    "llcr",
                    "equity_irr",
                    "total_loss",
                    "first_breach",
                    "default_date",
                )
                if c in sc.columns
            ]
            base = res.summary.assign(scenario="base")[cols]
            doc.add("<h3>Under your scenarios</h3>")
            doc.table(pd.concat([base, sc[cols]], ignore_index=True))


def _section_markets(doc: _Doc) -> None:
    doc.h2("markets", "Liquidity and layers")
    rep = run_liquidity()
    doc.fig(
        cost_of_capital_figure(rep.funds.table, title="Cost of capital and crowding out"),
        "ouroboros.markets.run_liquidity, bundled parameters (docs/markets.md lists each "
        "source or assumption)",
    )
    doc.fig(
        repricing_figure(
            rep.repricing.table, title=f"Repricing for a {rep.shock * 1e4:+.0f} bp rise"
        ),
        "ouroboros.markets.reprice (exact duration repricing)",
    )
    lay = run_layers()
    doc.fig(
        layers_figure(lay.table, title="Cash back per 1 invested, by layer and scenario"),
        "ouroboros.markets.run_layers, bundled ventures and scenarios",
    )


def _section_thermometer(doc: _Doc, lg: Ledger) -> None:
    from ouroboros.monitor import bundled_history, default_registry, thermometer

    doc.h2("thermometer", "Risk thermometer")
    reg = default_registry()
    th = thermometer(bundled_history(), reg, ledger=lg)
    latest = th.latest()
    date = latest["date"].date().isoformat() if latest["date"] is not None else "–"
    value = "–" if latest["value"] is None else f"{latest['value']:.2f}"
    doc.kpis(
        [
            ("composite", f"{value} ({latest['status']})"),
            ("gauges in red", f"{latest['gauges_in_red']} of {latest['n_gauges']}"),
            ("as of", date),
        ]
    )
    method = (
        "ouroboros.monitor.thermometer on the recorded indicator history (CISS method, "
        "Holló, Kremer & Lo Duca 2012)"
    )
    thresholds = {n: (g.amber, g.red) for n, g in reg.gauges.items()}
    doc.fig(gauges_figure(th.gauges, title="The five gauges", thresholds=thresholds), method)
    doc.fig(
        composite_figure(
            th.composite,
            th.gauge_history,
            title="Composite over time",
            amber=reg.composite.amber,
            red=reg.composite.red,
        ),
        method,
    )
    ind = th.indicators[["id", "gauge", "value", "unit", "date", "status", "source"]].copy()
    ind["date"] = pd.to_datetime(ind["date"]).dt.date
    doc.table(ind)


_STRESS_METHOD = (
    "ouroboros.scenarios.run_stress, the central run of each scenario (every distribution at "
    "its mean): time-stepped cash flows, refinancing, liquidity defaults, clearing by "
    "seniority with default costs (Eisenberg & Noe 2001; Rogers & Veraart 2013)"
)


def _section_stress(doc: _Doc, lg: Ledger, src: str, results: Sequence[StressResult]) -> None:
    doc.h2(STRESS_SECTION, "Stress scenarios")
    doc.p(
        "The whole money web run forward under each scenario: who defaults, when and why, and "
        "which layer of investors takes the losses (central run; 'ouroboros stress NAME "
        "--runs N' gives the Monte Carlo distributions)."
    )
    tl = stacked_timelines(results)
    cols = [c for c in ("scenario", "year", "entity", "event", "cause", "counterparty") if c in tl]
    defaults = tl[tl["event"] == "default"] if "event" in tl else tl.iloc[0:0]
    doc.kpis(
        [
            ("scenarios", str(len(results))),
            ("defaults (all scenarios)", str(len(defaults))),
            ("horizon", str(results[0].years[-1])),
        ]
    )
    doc.add("<h3>Timeline of defaults and walk-aways</h3>")
    if tl.empty:
        doc.p("No defaults and no walk-aways to the horizon.")
    else:
        shown = tl[cols].sort_values(["year", "scenario"], kind="stable")
        doc.table(shown.astype({"year": int}), max_rows=100)
    doc.source(f"{_STRESS_METHOD}; web from {src}")
    doc.fig(
        stress_losses_figure(
            {r.name: r.losses_by_layer for r in results},
            unit=unit_label(lg),
            title="Losses to date by investor layer",
        ),
        f"{_STRESS_METHOD}; web from {src}",
    )
    doc.add("<h3>Scenarios side by side</h3>")
    table = format_comparison(compare_scenarios(results))
    doc.table(table, max_rows=len(table))
    doc.source(f"ouroboros.scenarios.compare_scenarios; {_STRESS_METHOD}")


def run_report_stress(ledger: Ledger, scenarios: Sequence[str]) -> list[StressResult]:
    """Run each stress scenario (a built-in name or a file) once, centrally, on ``ledger``.

    >>> from ouroboros.model import default_ledger
    >>> [r.name for r in run_report_stress(default_ledger(), ["baseline"])]
    ['baseline']
    """
    specs = [resolve_scenario(s) for s in scenarios]
    names = [s.name for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"stress scenario {dup[0]!r} is given twice", field="stress")
    return [run_stress(s, ledger, runs=1, seed=0, executor="serial") for s in specs]


def _section_sources(doc: _Doc, lg: Ledger) -> None:
    doc.h2("sources", "Sources of the dataset")
    df = pd.DataFrame(
        [s.model_dump(mode="json", exclude_none=True) for s in lg.sources],
        columns=["id", "title", "publisher", "date", "kind", "url"],
    )
    doc.table(df, max_rows=len(df))


def build_report(
    ledger: Ledger,
    *,
    dataset_key: str | None = None,
    deal_scenarios: Sequence[ScenarioSpec] = (),
    stress: Sequence[StressResult] = (),
    title: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The report as one self-contained HTML page.

    Sections: the network, money flows, loops, the hurdle (calculator, recipes, tornado),
    the bundled deals (and the deal scenarios given), liquidity and layers, the
    thermometer, and every source of the dataset. Plotly's JavaScript is inlined once,
    so the file opens with no internet.

    Parameters
    ----------
    ledger : Ledger
        The dataset.
    dataset_key : str, optional
        How the dataset is named in the store (shown in the sources).
    deal_scenarios : sequence of ScenarioSpec
        Scenarios run on every bundled deal beside its base case.
    stress : sequence of StressResult
        Stress runs shown in a ``stress`` section after the deals (timeline of defaults,
        losses by layer, the scenarios side by side); see :func:`run_report_stress`.
    title : str, optional
        The report's title.
    now : datetime, optional
        The time stamped on the report (default: now).

    Returns
    -------
    str
    """
    src = _dataset_line(ledger, dataset_key)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    name = title or f"Ouroboros report: {ledger.meta.name}"
    year = ledger.meta.as_of.year if ledger.meta.as_of else None
    doc = _Doc()
    doc.add(f"<h1>{_esc(name)}</h1>")
    doc.p(
        f"{src}. Generated {stamp} by Ouroboros {__version__}. Amounts in "
        f"{unit_label(ledger)} unless stated. Every figure names its source.",
        "muted",
    )
    doc.add("<nav>" + "".join(f'<a href="#{s}">{s}</a>' for s in sections(bool(stress))) + "</nav>")
    _section_network(doc, ledger, src)
    _section_flows(doc, ledger, src, year)
    _section_loops(doc, ledger, src)
    _section_hurdle(doc, ledger)
    _section_deals(doc, deal_scenarios)
    if stress:
        _section_stress(doc, ledger, src, stress)
    _section_markets(doc)
    _section_thermometer(doc, ledger)
    _section_sources(doc, ledger)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>{_esc(name)}</title><meta name="viewport" content="width=device-width">'
        f"<style>{_CSS}</style><script>{plotlyjs()}</script></head><body>"
        + "\n".join(doc.parts)
        + "</body></html>\n"
    )


def write_report(
    ledger: Ledger,
    out: str | os.PathLike[str],
    *,
    scenario_files: Sequence[str | os.PathLike[str]] = (),
    dataset_key: str | None = None,
    stress: Sequence[str] = (),
) -> Path:
    """Write :func:`build_report` to ``out`` (atomically) and return the path.

    ``scenario_files`` are deal scenario files (as for ``ouroboros deal run --scenario``);
    their scenarios are run on every bundled deal. ``stress`` names stress scenarios
    (built-in names or files, as for ``ouroboros stress``), each run once centrally.
    """
    scenarios: list[ScenarioSpec] = []
    for f in scenario_files:
        scenarios += load_scenarios(f)
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(
            f"scenario {dup[0]!r} is defined twice in the scenario files", field="scenario"
        )
    results = run_report_stress(ledger, stress)
    text = build_report(ledger, dataset_key=dataset_key, deal_scenarios=scenarios, stress=results)
    path = Path(out)
    if path.is_dir():
        raise InputError(
            f"--out {path} is a folder; give a file name such as report.html", field="out"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
