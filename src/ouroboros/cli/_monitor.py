"""``ouroboros monitor ...``: the risk thermometer (update, show, check, import).

Exit codes: 0 success; 1 an error (``ErrorType: message`` on stderr), including a source
that failed during ``update``; 2 from ``check`` when an alert fires.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ouroboros.cli._common import OutputFormat, console, err_console, parse_format, print_json
from ouroboros.errors import OuroborosError
from ouroboros.model import Ledger, default_ledger, load_ledger
from ouroboros.monitor import (
    GAUGES,
    SourceError,
    Thermometer,
    evaluate_alerts,
    import_csv,
    load_config,
    load_observations,
    load_registry,
    load_rules,
    thermometer,
    update,
)
from ouroboros.monitor._update import failure_summary
from ouroboros.store import Store

__all__ = ["CHECK_ALERT_EXIT_CODE", "register"]

CHECK_ALERT_EXIT_CODE = 2

monitor_app = typer.Typer(
    name="monitor",
    help=(
        "The risk thermometer: indicators from SEC EDGAR, FRED and CSV files, five gauges "
        "and a CISS-style composite, with alerts."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def register(app: typer.Typer) -> None:
    """Add the ``monitor`` command group to ``app``."""
    app.add_typer(monitor_app, name="monitor")


_FORMAT = typer.Option("table", "--format", "-f", help="table or json.")
_REGISTRY = typer.Option(None, "--registry", help="Indicator registry YAML (default: bundled).")
_DATASET = typer.Option(
    None, "--dataset", help="Dataset for the contract-quality indicators (default: bundled)."
)
_BUNDLED = typer.Option(
    False, "--bundled-only", help="Use only the bundled recorded history, not the store."
)
_FREQ = typer.Option("W-FRI", "--freq", help="Grid of the thermometer history (pandas freq).")
_COLOURS = {"green": "green", "amber": "yellow", "red": "red", "unknown": "dim", "n/a": "dim"}


def _status(s: str) -> str:
    return f"[{_COLOURS.get(s, 'white')}]{s}[/]"


def _num(v: Any, fmt: str = "{:,.4g}") -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and np.isinf(v):
        return "inf"
    return fmt.format(v)


def _day(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    return pd.Timestamp(v).date().isoformat()


def _ledger(path: Path | None, notes: list[str]) -> Ledger | None:
    if path is not None:
        return load_ledger(path)
    try:
        return default_ledger()
    except (OuroborosError, OSError) as exc:
        first = str(exc).splitlines()[0]
        notes.append(
            f"contract-quality indicators have no data: the bundled dataset could not "
            f"be loaded ({first})"
        )
        return None


def _build(
    registry: Path | None, dataset: Path | None, bundled_only: bool, freq: str
) -> tuple[Thermometer, Any, list[str], str]:
    reg = load_registry(registry)
    notes: list[str] = []
    store = Store()
    obs = load_observations(store, include_store=not bundled_only)
    where = (
        "bundled history"
        if bundled_only or not store.path.exists()
        else (f"bundled history + store {store.path}")
    )
    lg = _ledger(dataset, notes)
    t = thermometer(obs, reg, ledger=lg, freq=freq)
    return t, reg, notes, where


def _show_json(
    t: Thermometer, notes: list[str], where: str, all_: bool, history: bool
) -> dict[str, Any]:
    inds = t.indicators if all_ else t.indicators[t.indicators["gauge"] != "none"]
    out: dict[str, Any] = {
        "as_of": _day(t.as_of),
        "data": where,
        "indicators": [
            {
                "id": r.id,
                "gauge": r.gauge,
                "value": r.value,
                "unit": r.unit,
                "date": _day(r.date),
                "status": r.status,
                "score": r.score,
                "stale": bool(r.stale),
                "source": r.source,
            }
            for r in inds.itertuples(index=False)
        ],
        "gauges": [
            {
                "name": r.name,
                "title": r.title,
                "score": r.score,
                "status": r.status,
                "n_indicators": r.n_indicators,
                "n_with_data": r.n_with_data,
                "n_red": r.n_red,
            }
            for r in t.gauges.itertuples(index=False)
        ],
        "composite": {
            **{k: (_day(v) if k == "date" else v) for k, v in t.latest().items()},
            "method": "CISS (Hollo, Kremer & Lo Duca 2012): empirical-CDF scores, gauge means, "
            "(w o s)' C (w o s) with EWMA correlations",
        },
        "no_data": [str(i) for i in inds.loc[inds["date"].isna(), "id"]],
        "notes": notes,
    }
    if history:
        c = t.composite
        gh = t.gauge_history.pivot(index="date", columns="gauge", values="score")
        out["history"] = [
            {
                "date": _day(d),
                "composite": ciss,
                "status": st,
                "gauges_in_red": int(nr),
                **{g: gh.loc[d, g] for g in GAUGES},
            }
            for d, ciss, st, nr in zip(
                c["date"], c["ciss"], c["status"], c["gauges_in_red"], strict=True
            )
        ]
    return out


def _show_table(t: Thermometer, notes: list[str], where: str, all_: bool) -> None:
    latest = t.latest()
    head = (
        f"[bold]Risk thermometer[/bold] as of {_day(t.as_of) or 'n/a'} ({escape(where)}): "
        "composite "
        f"{_num(latest['value'], '{:.3f}')} {_status(latest['status'])}, "
        f"{latest['gauges_in_red']} of {len(GAUGES)} gauges red"
    )
    console.print(head, highlight=False)
    gt = Table(title="Gauges")
    for col, just in (
        ("gauge", "left"),
        ("score", "right"),
        ("status", "left"),
        ("indicators", "right"),
        ("with data", "right"),
        ("red", "right"),
    ):
        gt.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in t.gauges.itertuples(index=False):
        gt.add_row(
            str(r.name),
            _num(r.score, "{:.3f}"),
            _status(str(r.status)),
            str(r.n_indicators),
            str(r.n_with_data),
            str(r.n_red),
        )
    console.print(gt)
    it = Table(title="Indicators (cdf: CISS score; * stale: older than its max age)")
    it.add_column("id", no_wrap=True)
    for col in ("value", "unit", "date", "status", "cdf"):
        it.add_column(col, justify="right" if col in ("value", "cdf") else "left", no_wrap=True)
    inds = t.indicators if all_ else t.indicators[t.indicators["gauge"] != "none"]
    for gname, grp in inds.groupby("gauge", sort=False):
        it.add_row(f"[bold]{escape(str(gname))}[/bold]", "", "", "", "", "")
        for r in grp.itertuples(index=False):
            day = _day(r.date) if r.date is not None and r.date is not pd.NaT else None
            it.add_row(
                "  " + escape(str(r.id)),
                _num(r.value),
                str(r.unit),
                (day + ("*" if r.stale else "")) if day else "no data",
                _status(str(r.status)),
                _num(r.score, "{:.2f}"),
            )
    console.print(it)
    for n in notes:
        console.print(f"[dim]note: {escape(n)}[/dim]", highlight=False)


@monitor_app.command("show")
def show(
    fmt: str = _FORMAT,
    registry: Path | None = _REGISTRY,
    dataset: Path | None = _DATASET,
    bundled_only: bool = _BUNDLED,
    all_: bool = typer.Option(False, "--all", help="Also list input series (gauge none)."),
    history: bool = typer.Option(False, "--history", help="JSON: add the composite over time."),
    freq: str = _FREQ,
) -> None:
    """The thermometer now: indicators, the five gauges and the composite."""
    out = parse_format(fmt)
    t, _, notes, where = _build(registry, dataset, bundled_only, freq)
    if out is OutputFormat.json:
        print_json(_show_json(t, notes, where, all_, history))
    else:
        _show_table(t, notes, where, all_)


@monitor_app.command("check")
def check(
    rules: Path | None = typer.Option(None, "--rules", help="Alert rule YAML (default: bundled)."),
    fmt: str = _FORMAT,
    registry: Path | None = _REGISTRY,
    dataset: Path | None = _DATASET,
    bundled_only: bool = _BUNDLED,
    freq: str = _FREQ,
) -> None:
    """Evaluate the alert rules; exit code 2 when an alert fires (for cron and CI)."""
    out = parse_format(fmt)
    t, reg, notes, where = _build(registry, dataset, bundled_only, freq)
    alerts = evaluate_alerts(t, load_rules(rules, reg), reg)
    fired = alerts[alerts["fired"]]
    if out is OutputFormat.json:
        print_json(
            {
                "as_of": _day(t.as_of),
                "data": where,
                "fired": len(fired),
                "alerts": [
                    {
                        "id": r.id,
                        "when": r.when,
                        "target": r.target,
                        "condition": r.condition,
                        "fired": bool(r.fired),
                        "value": r.value,
                        "previous": r.previous,
                        "status": r.status,
                        "date": _day(r.date),
                        "message": r.message,
                    }
                    for r in alerts.itertuples(index=False)
                ],
                "notes": notes,
            }
        )
    else:
        tab = Table(title=escape(f"Alerts as of {_day(t.as_of)} ({where})"))
        tab.add_column("rule", no_wrap=True)
        tab.add_column("value", justify="right", no_wrap=True)
        tab.add_column("fired", no_wrap=True)
        tab.add_column("condition / message")
        for r in alerts.itertuples(index=False):
            tab.add_row(
                escape(str(r.id)),
                _num(r.value),
                "[red]FIRED[/red]" if r.fired else "[green]no[/green]",
                escape(str(r.message if r.fired else r.condition)),
            )
        console.print(tab)
        console.print(f"{len(fired)} alert(s) fired", highlight=False)
    if len(fired):
        raise typer.Exit(code=CHECK_ALERT_EXIT_CODE)


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, total: int) -> None:
        self.task = self.progress.add_task("fetching", total=total)

    def advance(self, label: str) -> None:
        self.progress.update(self.task, advance=1, description=f"fetched {label}")


@monitor_app.command("update")
def update_cmd(
    offline: bool = typer.Option(False, "--offline", help="Fetch nothing; use stored data."),
    only: list[str] | None = typer.Option(
        None, "--only", help="Only these indicators (repeat, or comma-separate), and inputs."
    ),
    force: bool = typer.Option(False, "--force", help="Fetch even what is not due."),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="Monitor config TOML (default: $OUROBOROS_MONITOR_CONFIG or "
        "~/.config/ouroboros/monitor.toml).",
    ),
    registry: Path | None = _REGISTRY,
    fmt: str = _FORMAT,
) -> None:
    """Fetch configured, due indicators (SEC EDGAR, FRED) into the store, with retries.

    A failing source keeps its stored history; the command says why and exits 1.
    """
    out = parse_format(fmt)
    reg = load_registry(registry)
    cfg = load_config(config) if (config is not None or not offline) else None
    store = Store()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=out is OutputFormat.json,
    ) as bar:
        report = update(
            reg,
            store=store,
            config=cfg,
            only=only,
            offline=offline,
            force=force,
            progress=_RichProgress(bar),
        )
    res = report.results
    if out is OutputFormat.json:
        print_json(
            {
                "fetched_at": report.fetched_at,
                "offline": report.offline,
                "store": str(store.path),
                "written": report.written,
                "results": [
                    {
                        "indicator": r["indicator"],
                        "source": r["source"],
                        "status": r["status"],
                        "n_observations": int(r["n_observations"]),
                        "first": _day(r["first"]),
                        "last": _day(r["last"]),
                        "message": r["message"],
                    }
                    for r in res.to_dict("records")
                ],
            }
        )
    else:
        tab = Table(title="monitor update")
        tab.add_column("indicator", no_wrap=True)
        tab.add_column("status", no_wrap=True)
        tab.add_column("obs", justify="right", no_wrap=True)
        tab.add_column("last", no_wrap=True)
        tab.add_column("source / message", no_wrap=True, overflow="ellipsis")
        colour = {"ok": "green", "failed": "red", "skipped": "yellow"}
        notes: dict[str, list[str]] = {}
        for r in res.to_dict("records"):
            st = f"[{colour.get(str(r['status']), 'dim')}]{r['status']}[/]"
            msg = str(r["message"] or r["source"])
            if r["status"] in ("failed", "skipped"):
                notes.setdefault(msg, []).append(str(r["indicator"]))
                msg = "see below"
            tab.add_row(
                str(r["indicator"]),
                st,
                str(int(r["n_observations"])),
                _day(r["last"]) or "",
                escape(msg),
            )
        console.print(tab)
        for msg, ids in notes.items():
            console.print(f"[yellow]{escape(', '.join(ids))}[/yellow]: {escape(msg)}")
        console.print(
            f"wrote {report.written} observation(s) to " + escape(str(store.path)), highlight=False
        )
    if len(report.failures):
        n = report.failures["indicator"].nunique()
        raise SourceError(
            f"{n} indicator(s) could not be updated; their stored history is unchanged:\n"
            + failure_summary(report)
        )


@monitor_app.command("import")
def import_cmd(
    csv_path: Path = typer.Argument(..., metavar="CSV", help="date,value[,unit,source,note]"),
    indicator: str = typer.Option(..., "--indicator", "-i", help="The indicator id."),
    registry: Path | None = _REGISTRY,
    fmt: str = _FORMAT,
) -> None:
    """Import observations from a CSV file (validated; all or nothing)."""
    out = parse_format(fmt)
    reg = load_registry(registry)
    store = Store()
    rep = import_csv(csv_path, indicator, registry=reg, store=store)
    if out is OutputFormat.json:
        print_json(
            {
                "indicator": rep.indicator,
                "path": rep.path,
                "store": str(store.path),
                "n_observations": rep.n_observations,
                "first": _day(rep.first),
                "last": _day(rep.last),
                "replaced": rep.replaced,
            }
        )
    else:
        console.print(
            f"[green]imported[/green] {rep.n_observations} observation(s) of {rep.indicator} "
            f"({_day(rep.first)} to {_day(rep.last)}; {rep.replaced} replaced) into "
            + escape(str(store.path)),
            highlight=False,
        )
