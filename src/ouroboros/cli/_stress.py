"""``ouroboros stress ...`` and ``ouroboros runs ...``: stress scenarios and stored runs.

``ouroboros stress SCENARIO`` runs a scenario (``stress run`` is the same command);
``stress compare A B ...`` prints scenarios side by side; ``stress list`` lists the
built-ins. ``ouroboros runs list|show|export`` reads the runs kept in the DuckDB store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer
from typer.core import TyperGroup

from ouroboros.cli._common import (
    OutputFormat,
    console,
    load_path_or_default,
    parse_format,
    print_json,
    print_table,
    to_jsonable,
)
from ouroboros.errors import InputError
from ouroboros.store import Run, Store

if TYPE_CHECKING:
    from ouroboros.scenarios import StressResult

__all__ = ["register"]


class _StressGroup(TyperGroup):
    """A group whose first argument, when it is not a subcommand, is a scenario to run."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


stress_app = typer.Typer(
    cls=_StressGroup,
    help=(
        "Run stress scenarios over the web (once, or --runs N Monte Carlo): "
        "'ouroboros stress SCENARIO|FILE', 'stress compare A B ...', 'stress list'."
    ),
    no_args_is_help=True,
)
runs_app = typer.Typer(help="List, show and export runs kept in the store.", no_args_is_help=True)

RUNS_OPT = typer.Option(1, "--runs", "-n", help="Number of runs (1: the central scenario).")
SEED_OPT = typer.Option(None, "--seed", help="Seed of the random numbers (default: drawn).")
EXECUTOR_OPT = typer.Option("local", "--executor", help="local (processes), dask or serial.")
ADDRESS_OPT = typer.Option(None, "--address", help="Dask scheduler address, tcp://host:8786.")
WORKERS_OPT = typer.Option(None, "--workers", help="Local processes (default: CPUs).")
BATCH_OPT = typer.Option(None, "--batch-size", help="Runs per batch (default: automatic).")
FORMAT_OPT = typer.Option("table", "--format", "-f", help="table or json.")
DATASET_OPT = typer.Option(None, "--dataset", help="A dataset file or folder (default: bundled).")
PROGRESS_OPT = typer.Option(
    None, "--progress/--no-progress", help="Progress bar on stderr (default: long runs, terminal)."
)
_RUN_STRESS_OPTIONS = ("runs", "seed", "executor", "address", "workers", "batch_size", "progress")


def _run_stress_options(ctx: typer.Context) -> dict[str, Any]:
    """The command's options that are keywords of :func:`run_stress`, as given."""
    return {k: v for k, v in ctx.params.items() if k in _RUN_STRESS_OPTIONS}


def _years_as_int(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [("" if pd.isna(v) else str(round(float(v)))) for v in out[c]]
    return out


def _print_result(result: StressResult, run_id: str | None) -> None:
    head = f"[bold]{result.name}[/bold]: {result.runs} run{'s' if result.runs > 1 else ''}"
    head += f", seed {result.seed}" if result.runs > 1 else " (central scenario)"
    head += f", {result.years[0]}-{result.years[-1]}, dataset '{result.dataset}' (USD bn)"
    console.print(head, highlight=False)
    if result.scenario.description:
        console.print(result.scenario.description, style="dim", highlight=False)
    tl = result.timeline
    if result.runs == 1:
        if tl.empty:
            console.print("No defaults and no walk-aways to the horizon.")
        else:
            print_table(tl.fillna(""), title="Timeline")
    else:
        dp = result.default_probability
        dp = dp[dp["probability"] > 0]
        if dp.empty:
            console.print("No entity defaults in any run.")
        else:
            dp = _years_as_int(dp, ("mean_year", "p05", "p50", "p95"))
            print_table(dp, title="Default probability and years of default", floatfmt="{:,.3f}")
        if not tl.empty:
            top = tl.sort_values("runs", ascending=False).head(15).sort_values("year")
            print_table(
                top,
                title="Most frequent events (runs with the event that year)",
                floatfmt="{:,.3f}",
            )
    lb = result.losses_by_layer
    if result.runs == 1:
        years = [y for y in (2030, 2035, 2040, 2045, result.years[-1]) if y in result.years]
        wide = lb[lb["year"].isin(years)].pivot(index="layer", columns="year", values="loss")
        wide = wide.reindex(lb["layer"].unique()).reset_index()
        wide.columns = [str(c) for c in wide.columns]
        print_table(wide, title="Cumulative losses by layer (USD bn)")
    else:
        last = lb[lb["year"] == result.years[-1]].drop(columns="year")
        print_table(last, title=f"Losses by layer by {result.years[-1]} (USD bn, over runs)")
    if not result.deals.empty:
        cols = [
            "deal",
            "entity",
            "loss_probability",
            "mean_year",
            "loss_rate_secured",
            "loss_rate_senior",
            "equity_loss",
            "min_dscr_p50",
        ]
        deals = _years_as_int(result.deals[cols], ("mean_year",))
        print_table(deals.fillna(""), title="Deals (deal engine)", floatfmt="{:,.3f}")
    h = result.hurdle
    sel = h[h["year"].isin([y for y in (2027, 2030, 2035, 2040, 2050) if y in result.years])]
    print_table(
        sel[["year", "ai_revenue", "revenue_required", "coverage", "ai_return"]],
        title="AI revenue against the revenue hurdle (medians)",
        floatfmt="{:,.3f}",
    )
    if run_id is not None:
        console.print(
            f"saved as run [bold]{run_id}[/bold] (ouroboros runs show {run_id})", highlight=False
        )


@stress_app.command("run")
def stress_run(
    ctx: typer.Context,
    scenario: str = typer.Argument(..., help="A built-in scenario (see 'stress list') or a file."),
    runs: int = RUNS_OPT,
    seed: int | None = SEED_OPT,
    executor: str = EXECUTOR_OPT,
    address: str | None = ADDRESS_OPT,
    workers: int | None = WORKERS_OPT,
    batch_size: int | None = BATCH_OPT,
    fmt: str = FORMAT_OPT,
    dataset: Path | None = DATASET_OPT,
    save: bool = typer.Option(True, "--save/--no-save", help="Keep the run in the store."),
    progress: bool | None = PROGRESS_OPT,
) -> None:
    """Run a stress scenario: defaults, losses by layer, timeline (and distributions)."""
    from ouroboros.scenarios import run_stress  # not at import: 'runs' needs none of it

    out = parse_format(fmt)
    ledger = load_path_or_default(dataset)
    result = run_stress(scenario, ledger, **_run_stress_options(ctx))
    run_id = result.save(ledger) if save else None
    if out is OutputFormat.json:
        data = result.to_dict()
        if run_id is not None:
            data["run_id"] = run_id
        print_json(data)
    else:
        _print_result(result, run_id)


@stress_app.command("compare")
def stress_compare(
    ctx: typer.Context,
    scenarios: list[str] = typer.Argument(..., help="Two or more scenarios (names or files)."),
    runs: int = RUNS_OPT,
    seed: int | None = SEED_OPT,
    executor: str = EXECUTOR_OPT,
    address: str | None = ADDRESS_OPT,
    workers: int | None = WORKERS_OPT,
    fmt: str = FORMAT_OPT,
    dataset: Path | None = DATASET_OPT,
    save: bool = typer.Option(False, "--save/--no-save", help="Keep each run in the store."),
    progress: bool | None = PROGRESS_OPT,
) -> None:
    """Run scenarios with the same runs and seed and print them side by side."""
    from ouroboros.scenarios import compare_scenarios, format_comparison, run_stress

    out = parse_format(fmt)
    ledger = load_path_or_default(dataset)
    options = _run_stress_options(ctx)
    if seed is None and runs > 1:  # one seed for all, so the scenarios share their draws
        import secrets

        options["seed"] = secrets.randbits(63)
    results = [run_stress(s, ledger, **options) for s in scenarios]
    table = compare_scenarios(results)
    run_ids = {r.name: r.save(ledger) for r in results} if save else {}
    if out is OutputFormat.json:
        print_json(
            {
                "scenarios": [r.name for r in results],
                "runs": runs,
                "seed": results[0].seed,
                "table": table.to_dict(orient="records"),
                "results": {
                    r.name: {
                        k: v
                        for k, v in r.to_dict().items()
                        if k in ("defaults", "default_probability", "losses_at_horizon", "deals")
                    }
                    for r in results
                },
                **({"run_ids": run_ids} if run_ids else {}),
            }
        )
        return
    plural = "s" if runs > 1 else ""
    print_table(format_comparison(table), title=f"Scenarios side by side ({runs} run{plural})")
    for name, rid in run_ids.items():
        console.print(f"{name}: saved as run {rid}", highlight=False)


@stress_app.command("list")
def stress_list(fmt: str = FORMAT_OPT) -> None:
    """List the built-in scenarios."""
    from ouroboros.scenarios import builtin_scenario, builtin_scenario_names, builtin_scenario_path

    out = parse_format(fmt)
    rows = []
    for name in builtin_scenario_names():
        spec = builtin_scenario(name)
        rows.append(
            {
                "name": name,
                "years_to_scale": spec.adoption.years_to_scale,
                "ceiling": spec.adoption.ceiling,
                "description": (spec.description or "").split(". ")[0].rstrip(".") + ".",
                "file": str(builtin_scenario_path(name)),
            }
        )
    df = pd.DataFrame(rows)
    if out is OutputFormat.json:
        print_json(df.to_dict(orient="records"))
    else:
        print_table(df.drop(columns="file"), title="Built-in scenarios", floatfmt="{:,.0f}")


# ------------------------------------------------------------------------------ runs


@runs_app.command("list")
def runs_list(
    kind: str | None = typer.Option(None, "--kind", help="Only runs of this kind (stress)."),
    fmt: str = FORMAT_OPT,
) -> None:
    """Runs kept in the store, newest first."""
    out = parse_format(fmt)
    df = Store().list_runs(kind)
    if out is OutputFormat.json:
        print_json(df.to_dict(orient="records"))
    elif df.empty:
        console.print("No runs in the store.")
    else:
        print_table(df.astype({"created_at": str}).fillna(""), title="Runs", floatfmt="{:,.0f}")


_SMALL = ("timeline", "default_probability", "losses_by_layer", "deals")


def _run_meta(run: Run) -> dict[str, Any]:
    """A stored run's identity and parameters (``runs show`` and ``params.json``)."""
    return {
        "run_id": run.run_id,
        "kind": run.kind,
        "created_at": run.created_at,
        "seed": run.seed,
        "dataset": run.dataset,
        "dataset_version": run.dataset_version,
        "params": run.params,
    }


@runs_app.command("show")
def runs_show(
    run_id: str = typer.Argument(..., help="A run id (see 'runs list')."),
    table: str | None = typer.Option(None, "--table", help="Print this table in full."),
    fmt: str = FORMAT_OPT,
) -> None:
    """A stored run: its parameters, seed, dataset and tables."""
    out = parse_format(fmt)
    run = Store().load_run(run_id)
    if table is not None and table not in run.tables:
        raise InputError(
            f"run {run_id} has no table {table!r}; it has {', '.join(sorted(run.tables))}",
            field="table",
        )
    if out is OutputFormat.json:
        if table is not None:
            print_json(run.tables[table].to_dict(orient="records"))
            return
        print_json(
            {
                **_run_meta(run),
                "tables": {
                    name: {"rows": len(df), "columns": [str(c) for c in df.columns]}
                    for name, df in run.tables.items()
                },
                **{n: run.tables[n].to_dict(orient="records") for n in _SMALL if n in run.tables},
            }
        )
        return
    if table is not None:
        print_table(run.tables[table].fillna(""), title=f"{run_id}: {table}")
        return
    scen = run.params.get("scenario", {})
    name = scen.get("name", "?") if isinstance(scen, dict) else "?"
    console.print(
        f"run [bold]{run.run_id}[/bold] ({run.kind}) {name}, {run.params.get('runs', '?')} "
        f"runs, seed {run.seed}, dataset {run.dataset} v{run.dataset_version}, "
        f"created {run.created_at}",
        highlight=False,
    )
    sizes = pd.DataFrame({"table": list(run.tables), "rows": [len(d) for d in run.tables.values()]})
    print_table(sizes, title="Tables", floatfmt="{:,.0f}")
    if "timeline" in run.tables and not run.tables["timeline"].empty:
        print_table(
            run.tables["timeline"].head(20).fillna(""),
            title="Timeline (first rows)",
            floatfmt="{:,.3f}",
        )


@runs_app.command("export")
def runs_export(
    run_id: str = typer.Argument(..., help="A run id (see 'runs list')."),
    out_dir: Path = typer.Option(..., "--out", help="Folder to write the tables into."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or json (file format)."),
) -> None:
    """Write a stored run's tables (CSV or JSON) and its parameters (params.json)."""
    if fmt not in ("csv", "json"):
        raise InputError(f"--format must be csv or json; got {fmt!r}", field="format")
    run = Store().load_run(run_id)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "params.json").write_text(
            json.dumps(to_jsonable(_run_meta(run)), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written = ["params.json"]
        for name, df in run.tables.items():
            path = out_dir / f"{name}.{fmt}"
            if fmt == "csv":
                df.to_csv(path, index=False)
            else:
                path.write_text(
                    json.dumps(to_jsonable(df), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8",
                )
            written.append(path.name)
    except OSError as exc:
        raise InputError(f"cannot write to {out_dir}: {exc.strerror}", field="out") from None
    console.print(f"wrote {len(written)} files to {out_dir}: {', '.join(written)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``stress`` and ``runs`` groups to ``app``."""
    app.add_typer(stress_app, name="stress")
    app.add_typer(runs_app, name="runs")
