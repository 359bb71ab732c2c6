"""``ouroboros loops`` and ``ouroboros clear``: circular money and multilateral set-off."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from ouroboros.cli._common import (
    console,
    load_path_or_default,
    parse_format,
    print_json,
    print_table,
)
from ouroboros.errors import InputError

__all__ = ["register"]


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be a date YYYY-MM-DD, got {value!r}", field=name) from None


def _method(value: str) -> str:
    if value not in ("maximal", "bff"):
        raise InputError(f"--method must be maximal or bff; got {value!r}", field="method")
    return value


def _fmt(x: float) -> str:
    return f"{x:,.2f}"


def _print_loops(data: dict[str, Any], top: int) -> None:
    unit = data["unit"]
    console.print(
        f"[bold]Circularity[/bold] {data['period']} (amounts in {unit}, method "
        f"{data['method']})\n"
        f"  gross flow W          {_fmt(data['total_flow'])}\n"
        f"  circular flow C       {_fmt(data['circular_flow'])}   "
        f"circularity C/W {data['circularity']:.1%}\n"
        f"  maximal / BFF C       {_fmt(data['maximal_circular_flow'])} / "
        f"{_fmt(data['bff_circular_flow'])}\n"
        f"  net internal debt     {_fmt(data['nid'])}\n"
        f"  Finn cycling index    {data['finn_cycling_index']:.1%}",
        highlight=False,
    )
    ents = pd.DataFrame(data["entities"]).head(top)
    if not ents.empty:
        short = [str(n).split(" (")[0] for n in ents["name"]]
        show = pd.DataFrame(
            {
                "entity": [n if len(n) <= 28 else n[:27] + "…" for n in short],
                "inflow": ents["inflow"],
                "circular": ents["circular_inflow"],
                "share %": ents["circular_share"] * 100,
                "min %": ents["circular_share_min"] * 100,
                "max %": ents["circular_share_max"] * 100,
                "returns %": ents["return_probability"] * 100,
            }
        )
        print_table(show, title="Circular share of inflow (BFF; min-max over maximal solutions)")
    cyc = pd.DataFrame(data["cycles"])
    if top == 0:
        return
    if not cyc.empty:
        show = pd.DataFrame(
            {
                "#": cyc["rank"],
                "loop": [" → ".join(p) for p in cyc["path"]],
                "amount": cyc["amount"],
                "revenue booked": cyc["flow"],
            }
        )
        print_table(show, title="Largest loops")
    else:
        console.print("No loops: the flows are acyclic.")


def register(app: typer.Typer) -> None:
    """Add the ``loops`` and ``clear`` commands to ``app``."""

    @app.command("loops")
    def loops(
        path: Path | None = typer.Argument(
            None, help="Dataset (YAML, JSON or CSV folder); the bundled one by default."
        ),
        year: int | None = typer.Option(None, "--year", help="Calendar year of the flows."),
        start: str | None = typer.Option(None, "--start", help="Period start YYYY-MM-DD."),
        end: str | None = typer.Option(None, "--end", help="Period end YYYY-MM-DD (excluded)."),
        include_announced: bool = typer.Option(
            False, "--include-announced", help="Count announced deals and letters of intent."
        ),
        kind: list[str] = typer.Option(
            [], "--kind", help="Only these instrument kinds (repeatable)."
        ),
        exclude_kind: list[str] = typer.Option(
            [], "--exclude-kind", help="Leave out these instrument kinds (repeatable)."
        ),
        method: str = typer.Option(
            "maximal", "--method", help="Decomposition for the totals and loops: maximal|bff."
        ),
        top: int = typer.Option(20, "--top", help="How many entities and loops to show."),
        output: str = typer.Option("table", "--format", help="Output format: table|json."),
    ) -> None:
        """How much of the money goes round a loop, per entity and for the whole web."""
        from ouroboros.flows import circularity_report

        fmt = parse_format(output)
        if top < 0:
            raise InputError(f"--top must be >= 0, got {top}", field="top")
        ledger = load_path_or_default(path)
        report = circularity_report(
            ledger,
            year=year,
            start=_date(start, "start"),
            end=_date(end, "end"),
            include_announced=include_announced,
            kinds=kind or None,
            exclude_kinds=exclude_kind,
            method=_method(method),
            max_cycles=top,
        )
        data = report.to_dict()
        if fmt.value == "json":
            print_json(data)
        else:
            _print_loops(data, top)

    @app.command("clear")
    def clear(
        obligations: Path = typer.Argument(
            ..., help="CSV with columns id,debtor,creditor,amount (id optional)."
        ),
        method: str = typer.Option("maximal", "--method", help="Set-off method: maximal|bff."),
        output: str = typer.Option("table", "--format", help="Output format: table|json."),
        out: Path | None = typer.Option(
            None, "--out", help="Write one row per obligation with setoff and remainder."
        ),
    ) -> None:
        """Multilateral set-off: clear the debt that goes round loops, without money."""
        from ouroboros.flows import clear_obligations, read_obligations, write_clearing

        fmt = parse_format(output)
        table = read_obligations(obligations, ids=out is not None)
        result = clear_obligations(table, method=_method(method))
        if result.self_loops_dropped:
            sys.stderr.write(
                f"warning: dropped {result.self_loops_dropped} obligation(s) of an entity to "
                "itself (debtor == creditor)\n"
            )
        if out is not None:
            write_clearing(result, out)
        summary = result.summary()
        if fmt.value == "json":
            print_json(summary)
            return
        rows = pd.DataFrame(
            {
                "": ["total debt", "cleared", "remaining", "net internal debt"],
                "amount": [
                    summary["total_debt"],
                    summary["cleared"],
                    summary["remaining"],
                    summary["nid"],
                ],
            }
        )
        print_table(
            rows,
            title=(
                f"Set-off ({summary['method']}) of {summary['obligations']:,} obligations "
                f"among {summary['entities']:,} entities: "
                f"{summary['cleared_share']:.1%} cleared"
            ),
        )
