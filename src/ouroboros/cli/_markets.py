"""``ouroboros liquidity`` and ``ouroboros layers``: the markets package from the shell.

``liquidity`` runs the loanable-funds model with its idle-liquidity buffer, reprices the
asset classes for the rise in the cost of capital and runs the forced-selling chain;
``layers`` shows the payoff of each investor layer under each scenario. Both read the
bundled, sourced parameters with an optional ``--scenario FILE`` merged over them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer

from ouroboros.cli._common import OutputFormat, console, parse_format, print_json, print_table
from ouroboros.errors import InputError
from ouroboros.markets import (
    LayerResult,
    LayersScenario,
    LiquidityReport,
    load_layers_scenario,
    load_liquidity_scenario,
    run_layers,
    run_liquidity,
)

__all__ = ["capex_from_dataset", "register"]

CAPEX_ROLES: tuple[str, ...] = ("hyperscaler", "cloud", "neocloud")

_SCENARIO = typer.Option(
    None,
    "--scenario",
    "-s",
    help="A YAML file overriding the bundled parameters (same layout; see docs/markets.md).",
)
_FORMAT = typer.Option("table", "--format", "-f", help="table or json.")
_DATASET = typer.Option(
    None,
    "--dataset",
    help=(
        "Take the capex of the scenario's years from a dataset: the sum of `capex` of "
        "entities with role hyperscaler, cloud or neocloud (years it lacks keep the "
        "scenario's path)."
    ),
)
_CHAIN_ROWS = typer.Option(20, "--chain-rows", help="Rows of the selling chain in the table.")


def capex_from_dataset(path: Path, years: tuple[int, ...], base: pd.Series) -> pd.Series:
    """The scenario's capex path with the years a dataset covers replaced by its total.

    Amounts are converted from the dataset's unit to USD billions.
    """
    from ouroboros.model import load_ledger  # the CLI may import every package

    lg = load_ledger(path)
    scale = lg.meta.scale / 1e9
    totals: dict[int, float] = {}
    for e in lg.entities:
        if not set(e.roles) & set(CAPEX_ROLES):
            continue
        for year, fin in e.financials.items():
            if fin.capex is not None and int(year) in years:
                totals[int(year)] = totals.get(int(year), 0.0) + fin.capex * scale
    if not totals:
        raise InputError(
            f"{path}: no capex for entities with role {', '.join(CAPEX_ROLES)} in the years "
            f"{years[0]}–{years[-1]}",
            field="dataset",
        )
    out = base.astype(float).copy()
    out.update(pd.Series(totals, dtype=float))
    out.attrs["from_dataset"] = sorted(totals)
    return out


def _pct(x: pd.Series) -> pd.Series:
    return x * 100.0


def _print_liquidity(rep: LiquidityReport, chain_rows: int) -> None:
    sc = rep.scenario
    t = rep.funds.table
    ex = rep.funds.exhaustion_year()
    console.print(f"[bold]{sc.name}[/bold]: {sc.description}", highlight=False)
    console.print(
        "idle liquidity "
        + (f"runs out in {ex}" if ex is not None else "lasts the whole period")
        + f"; repricing for a rise of {rep.shock * 1e4:,.0f} bp"
        + (
            f" (cost of capital over the base rate in {rep.shock_year})"
            if rep.shock_year
            else " (imposed by the scenario)"
        ),
        highlight=False,
    )
    funds = pd.DataFrame(
        {
            "year": t["year"].astype(str),
            "capex $bn": t["capex"],
            "extra demand": t["ai_demand"],
            "from idle": t["idle_absorbed"],
            "idle left": t["idle_remaining"],
            "excess": t["excess_demand"],
            "Δr bp": t["delta_r"] * 1e4,
            "cost of capital %": _pct(t["cost_of_capital"]),
            "crowded out": t["crowded_out"],
            "stimulus": t["stimulus"],
            "phase": t["phase"],
        }
    )
    print_table(funds, title="Loanable funds (USD bn a year)")
    r = rep.repricing.table
    print_table(
        pd.DataFrame(
            {
                "asset class": r["label"],
                "profile": r["profile"],
                "r %": _pct(r["discount_rate"]),
                "Δr bp": r["shock"] * 1e4,
                "duration": r["duration"],
                "price change %": _pct(r["price_change"]),
                "first order %": _pct(r["first_order_change"]),
            }
        ),
        title="Duration repricing (exact; first order = −duration × Δr)",
    )
    h = rep.selling.holders
    print_table(
        pd.DataFrame(
            {
                "holder": h["label"],
                "commitment": h["commitment"],
                "outside redemptions": h["outside_redemptions"],
                "sold": h["sold_value"],
                "unpaid": h["unpaid"],
                "NAV start": h["nav_start"],
                "NAV end": h["nav_end"],
                "failed": h["failed"].map({True: "yes", False: ""}),
            }
        ),
        title=f"Forced selling: holders ({rep.selling.rounds} rounds)",
    )
    p = rep.selling.prices
    print_table(
        pd.DataFrame(
            {
                "asset": p["label"],
                "after repricing %": _pct(p["start_price"] - 1.0),
                "after selling %": _pct(p["change_from_reference"]),
                "units sold": p["units_sold"],
            }
        ),
        title="Forced selling: prices (change from before the shock)",
    )
    chain = rep.selling.chain
    if len(chain):
        shown = chain.head(max(chain_rows, 0))
        print_table(
            shown, title="Chain of sales (quantity in units; price per unit)", floatfmt="{:,.3f}"
        )
        if len(chain) > len(shown):
            console.print(
                f"… {len(chain) - len(shown)} more rows (--chain-rows N or --format json)",
                highlight=False,
            )


def _layers_json(sc: LayersScenario, res: LayerResult) -> dict[str, Any]:
    return {
        "name": sc.name,
        "description": sc.description,
        "scenarios": [
            {
                "name": s.name,
                "label": s.label,
                "years_to_scale": s.years_to_scale,
                "productivity": s.productivity,
                "rate_shift": s.rate_shift,
                "strategic_default": s.strategic_default,
            }
            for s in sc.scenarios
        ],
        "layers": [
            {
                "name": lay.name,
                "label": lay.label,
                "kind": lay.kind,
                "venture": lay.venture,
                "underlying": lay.underlying,
                "weights": dict(lay.weights) or None,
            }
            for lay in sc.layers
        ],
        "payoffs": res.table,
        "sources": sc.provenance,
    }


def register(app: typer.Typer) -> None:
    """Add the ``liquidity`` and ``layers`` commands to ``app``."""

    @app.command("liquidity")
    def liquidity(
        scenario: Path | None = _SCENARIO,
        fmt: str = _FORMAT,
        dataset: Path | None = _DATASET,
        chain_rows: int = _CHAIN_ROWS,
    ) -> None:
        """The liquidity drain: cost of capital, crowding out, repricing, forced selling."""
        out = parse_format(fmt)
        sc = load_liquidity_scenario(scenario)
        capex = None
        if dataset is not None:
            capex = capex_from_dataset(dataset, sc.years, sc.capex)
        rep = run_liquidity(sc, capex=capex)
        if out is OutputFormat.json:
            data = rep.to_dict()
            data["capex_from_dataset"] = (
                capex.attrs.get("from_dataset", []) if capex is not None else []
            )
            print_json(data)
            return
        _print_liquidity(rep, chain_rows)

    @app.command("layers")
    def layers(scenario: Path | None = _SCENARIO, fmt: str = _FORMAT) -> None:
        """Which layer are you in: payoff of 1 invested in each layer, per scenario."""
        out = parse_format(fmt)
        sc = load_layers_scenario(scenario)
        res = run_layers(sc)
        if out is OutputFormat.json:
            print_json(_layers_json(sc, res))
            return
        console.print(f"[bold]{sc.name}[/bold]: {sc.description}", highlight=False)
        labels = {lay.name: lay.label for lay in sc.layers}
        t = res.table
        for s in sc.scenarios:
            rows = t[t["scenario"] == s.name]
            print_table(
                pd.DataFrame(
                    {
                        "layer": [labels.get(n, n) for n in rows["layer"]],
                        "multiple": rows["multiple"].to_numpy(),
                        "IRR %": rows["irr"].to_numpy() * 100.0,
                        "loss %": rows["loss"].to_numpy() * 100.0,
                        "default year": [
                            "" if pd.isna(y) else f"{int(y)}" for y in rows["default_year"]
                        ],
                        "years": rows["horizon"].to_numpy(),
                    }
                ),
                title=(
                    f"{s.label or s.name}: {s.years_to_scale:g} years to scale, productivity "
                    f"{s.productivity:g}, funding {s.rate_shift * 1e4:+,.0f} bp"
                    + (", tenants walk" if s.strategic_default else "")
                ),
                floatfmt="{:,.2f}",
            )
        console.print(
            "multiple = cash back per 1 invested; default year = the venture's first year of "
            "default (blank: none)",
            highlight=False,
        )
