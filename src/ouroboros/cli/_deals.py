"""``ouroboros deal ...``: run a deal's cash flows, find breakeven stresses, list bundled deals."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from ouroboros.cli._common import console, print_json, print_table, to_jsonable
from ouroboros.deals import (
    STRESSES,
    CompiledDeal,
    DealSpec,
    Drivers,
    bundled_deal,
    bundled_deal_names,
    compile_deal,
    drivers_for,
    load_scenarios,
    resolve_deal,
    run_deal,
    yearly_summary,
)
from ouroboros.deals import breakeven as find_breakeven
from ouroboros.errors import InputError

__all__ = ["register"]

deal_app = typer.Typer(
    help="Run deal cash flows and waterfalls (SPVs, neoclouds), find breakeven stresses.",
    no_args_is_help=True,
)

SPEC_ARG = typer.Argument(..., help="A bundled deal name (see 'deal list') or a deal .yaml file.")
SCENARIO_OPT = typer.Option(
    None, "--scenario", "-s", help="A scenario file (YAML) with one or more named scenarios."
)
PICK_OPT = typer.Option(
    None, "--pick", help="The scenario to use when the file holds several (by name)."
)


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(
            f"--format must be one of {', '.join(allowed)}; got {value!r}", field="format"
        )
    return value


def _scenario(cd: CompiledDeal, path: Path | None, pick: str | None) -> Drivers | None:
    if path is None:
        if pick is not None:
            raise InputError("--pick needs --scenario FILE", field="pick")
        return None
    scenarios = load_scenarios(path)
    names = [s.name for s in scenarios]
    if pick is not None:
        if pick not in names:
            raise InputError(
                f"no scenario {pick!r} in {path}; it holds {', '.join(names)}", field="pick"
            )
        scenarios = [s for s in scenarios if s.name == pick]
    elif len(scenarios) > 1:
        raise InputError(
            f"{path} holds {len(scenarios)} scenarios ({', '.join(names)}); choose one with "
            "--pick NAME",
            field="pick",
        )
    return drivers_for(cd, scenarios)


def _deal_info(spec: DealSpec, cd: CompiledDeal) -> dict[str, Any]:
    return {
        "id": spec.id,
        "name": spec.name,
        "kind": spec.kind,
        "entity": spec.entity,
        "currency": spec.currency,
        "unit": spec.unit,
        "frequency": spec.calendar.frequency,
        "close": spec.calendar.close,
        "end": cd.dates[-1],
        "periods": cd.n_periods,
    }


@deal_app.command("run")
def run(
    spec: str = SPEC_ARG,
    scenario: Path | None = SCENARIO_OPT,
    pick: str | None = PICK_OPT,
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
) -> None:
    """Run a deal period by period: CFADS, debt service, balances, DSCR/LLCR, returns."""
    out = _format(fmt, ("table", "json", "csv"))
    deal = resolve_deal(spec)
    cd = compile_deal(deal)
    drv = _scenario(cd, scenario, pick)
    res = run_deal(cd, drv)
    name = res.scenarios[0] if drv is not None else "base"
    periods = res.periods.assign(scenario=name, date=res.periods["date"].dt.date)
    if out == "csv":
        periods.to_csv(sys.stdout, index=False)
        return
    summary = res.summary_dict(0)
    if out == "json":
        print_json(
            {
                "deal": _deal_info(deal, cd),
                "scenario": name,
                "summary": summary,
                "close": res.close,
                "periods": periods,
                "tranche_periods": res.tranches.assign(
                    scenario=name, date=res.tranches["date"].dt.date
                ),
            }
        )
        return
    unit = f"{deal.currency} {deal.unit}s"
    console.print(
        f"[bold]{deal.name}[/bold] ({deal.id}; {cd.n_periods} {deal.calendar.frequency} periods "
        f"from {deal.calendar.close} to {cd.dates[-1]}; amounts in {unit}); scenario: {name}",
        highlight=False,
    )
    print_table(_summary_rows(summary), title="Summary")
    tr = res.tranche_summary
    print_table(
        pd.DataFrame(
            {
                "tranche": tr["tranche"],
                "seniority": tr["seniority"],
                "funded": [f"{v:,.0f}" for v in tr["funded"]],
                "wal (y)": [_fmt(v, "{:.2f}") for v in tr["wal"]],
                "irr": [_fmt(v, "{:.2%}") for v in tr["irr"]],
                "loss": [f"{v:,.0f}" for v in tr["loss"]],
            }
        ),
        title="Tranches",
    )
    yearly = yearly_summary(res.periods)[
        ["year", "revenue", "cfads", "debt_service", "distributions", "min_dscr", "debt", "phase"]
    ].rename(columns={"distributions": "to_equity"})
    yearly["min_dscr"] = [("-" if pd.isna(v) else f"{v:.3f}") for v in yearly["min_dscr"]]
    print_table(yearly, title="By year", floatfmt="{:,.0f}")


def _fmt(v: Any, spec: str) -> str:
    v = to_jsonable(v)
    return "-" if v is None else spec.format(v)


def _summary_rows(summary: dict[str, Any]) -> pd.DataFrame:
    shown = [
        ("min DSCR", summary["min_dscr"], "{:.3f}x"),
        ("average DSCR", summary["avg_dscr"], "{:.3f}x"),
        ("LLCR at close", summary["llcr"], "{:.3f}x"),
        ("PLCR at close", summary["plcr"], "{:.3f}x"),
        ("WAL of the debt", summary["wal"], "{:.2f} years"),
        ("equity IRR", summary["equity_irr"], "{:.2%}"),
        ("equity multiple", summary["equity_multiple"], "{:.2f}x"),
        ("first covenant breach", summary["first_breach"], "{}"),
        ("default", summary["default_date"], "{}"),
        ("wound up early", summary["end_date"], "{}"),
        ("debt lost", summary["total_loss"], "{:,.0f}"),
    ]
    return pd.DataFrame(
        {"metric": [m for m, _, _ in shown], "value": [_fmt(v, f) for _, v, f in shown]}
    )


@deal_app.command("breakeven")
def breakeven(
    spec: str = SPEC_ARG,
    stress: str = typer.Option(
        ..., "--stress", help="What to stress: " + ", ".join(STRESSES) + "."
    ),
    target: str = typer.Option(
        "first_loss", "--target", help="first_loss (a tranche loses) or dscr (min DSCR = 1.0)."
    ),
    tranche: str | None = typer.Option(
        None, "--tranche", help="The tranche watched for first_loss (default: any)."
    ),
    scenario: Path | None = SCENARIO_OPT,
    pick: str | None = PICK_OPT,
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Find by root finding the stress at which a tranche first loses, or DSCR hits 1.0."""
    out = _format(fmt, ("table", "json"))
    deal = resolve_deal(spec)
    cd = compile_deal(deal)
    drv = _scenario(cd, scenario, pick)
    if target not in ("first_loss", "dscr"):
        raise InputError(f"--target must be first_loss or dscr; got {target!r}", field="target")
    be = find_breakeven(cd, stress, target=target, tranche=tranche, base=drv)  # type: ignore[arg-type]
    data = {
        "deal": deal.id,
        "scenario": drv.names[0] if drv is not None else "base",
        "stress": be.stress,
        "target": be.target,
        "tranche": be.tranche,
        "found": be.found,
        "value": be.value,
        "level": be.level,
        "at_base": be.at_base,
        "first_loser": be.first_loser,
        "description": be.description,
        "evaluations": be.evaluations,
    }
    if out == "json":
        print_json(data)
        return
    console.print(f"[bold]{deal.id}[/bold]: {be.description}", highlight=False)


@deal_app.command("list")
def list_(fmt: str = typer.Option("table", "--format", "-f", help="table or json.")) -> None:
    """The deal specs bundled with Ouroboros."""
    out = _format(fmt, ("table", "json"))
    rows = []
    for name in bundled_deal_names():
        spec = bundled_deal(name)
        cd = compile_deal(spec)
        rows.append(
            {
                "name": name,
                "title": spec.name,
                "kind": spec.kind,
                "entity": spec.entity,
                "frequency": spec.calendar.frequency,
                "close": spec.calendar.close,
                "end": cd.dates[-1],
                "periods": cd.n_periods,
                "tranches": len(spec.tranches),
                "debt": sum(t.commitment or t.amount for t in spec.tranches),
                "equity": spec.equity.amount,
                "unit": f"{spec.currency} {spec.unit}",
            }
        )
    if out == "json":
        print_json({"deals": rows})
        return
    table = pd.DataFrame(rows)[["name", "kind", "frequency", "periods", "end", "debt", "equity"]]
    print_table(table, title="Bundled deals (amounts in the deal's unit)", floatfmt="{:,.0f}")


def register(app: typer.Typer) -> None:
    """Add the ``deal`` command group to the root app."""
    app.add_typer(deal_app, name="deal")
