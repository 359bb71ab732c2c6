"""``ouroboros hurdle ...``: the revenue hurdle, its recipes, sensitivity and gap.

``ouroboros hurdle`` runs the general calculator (or ``--recipe NAME``); the subcommands
``tornado``, ``solve`` and ``gap`` take the same model options after their name.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
from ouroboros.hurdle import (
    HurdleInputs,
    Recipe,
    builtin_recipes,
    get_recipe,
    hurdle,
    ledger_gap,
    load_recipes,
    parse_asset_mix,
    revenue_gap,
    run_recipe,
    solve_for,
    tornado,
)

__all__ = ["register"]

hurdle_app = typer.Typer(
    name="hurdle",
    help=(
        "The revenue hurdle: what AI must earn to pay for the build-out. Without a "
        "subcommand, runs the calculator (or --recipe NAME)."
    ),
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode="rich",
)


def register(app: typer.Typer) -> None:
    """Add the ``hurdle`` command group to ``app``."""
    app.add_typer(hurdle_app, name="hurdle")


# ------------------------------------------------------------------ shared options

_CAPEX = typer.Option(3e12, "--capex", help="Total capex, USD.")
_YIELD = typer.Option(0.12, "--ebitda-yield", help="Stated EBITDA over capex (0.12 = 12%).")
_RECOVERY = typer.Option(
    False,
    "--recovery",
    help="Use the capital-recovery yield at WACC instead of --ebitda-yield.",
)
_MARGIN = typer.Option(0.65, "--ebitda-margin", help="EBITDA over revenue, in (0, 1].")
_GDP = typer.Option(29e12, "--gdp", help="GDP to compare with, USD.")
_CLOUD = typer.Option(400e9, "--cloud-revenue", help="Global cloud revenue, USD.")
_DEBT = typer.Option(0.3, "--debt-share", help="Debt share of funding, in [0, 1].")
_RD = typer.Option(0.075, "--cost-of-debt", help="Cost of debt (0.075 = 7.5%).")
_RE = typer.Option(0.20, "--cost-of-equity", help="Target equity return.")
_TAX = typer.Option(0.0, "--tax-rate", help="Corporate tax rate.")
_LIFE = typer.Option(None, "--asset-life", help="One asset life in years [default: 6].")
_MIX = typer.Option(
    None,
    "--asset-mix",
    help="Asset mix: 'datacentre' or name:share:life,... (e.g. gpus:0.55:6,dc:0.45:25).",
)
_BUILD = typer.Option(1, "--build-years", help="Years each vintage is paid over.")
_WEIGHTS = typer.Option(
    None, "--capex-weights", help="Share of capex paid in each build year, e.g. 0.2,0.3,0.5."
)
_GUARANTEE = typer.Option(
    False, "--guarantee", help="Government guarantee: debt at Treasury rate + spread."
)
_TREASURY = typer.Option(0.045, "--treasury-rate", help="Treasury rate under --guarantee.")
_SPREAD = typer.Option(0.004, "--guarantee-spread", help="Spread under --guarantee.")
_CLAIMED = typer.Option(
    None, "--claimed-equity-return", help="An equity return claimed for these inputs."
)
_RECIPE = typer.Option(None, "--recipe", help="Run a named recipe instead of the calculator.")
_RECIPES_FILE = typer.Option(
    None, "--recipes-file", help="Extra recipes: a YAML file or a directory of them."
)
_SET = typer.Option(None, "--set", help="Override a recipe input: NAME=VALUE (repeatable).")
_FORMAT = typer.Option("table", "--format", help="Output format: table or json.")


def _model_option_template(
    *,
    capex: float = _CAPEX,
    ebitda_yield: float = _YIELD,
    recovery: bool = _RECOVERY,
    ebitda_margin: float = _MARGIN,
    gdp: float = _GDP,
    cloud_revenue: float = _CLOUD,
    debt_share: float = _DEBT,
    cost_of_debt: float = _RD,
    cost_of_equity: float = _RE,
    tax_rate: float = _TAX,
    asset_life: float | None = _LIFE,
    asset_mix: str | None = _MIX,
    build_years: int = _BUILD,
    capex_weights: str | None = _WEIGHTS,
    guarantee: bool = _GUARANTEE,
    treasury_rate: float = _TREASURY,
    guarantee_spread: float = _SPREAD,
    claimed_equity_return: float | None = _CLAIMED,
    recipe: str | None = _RECIPE,
    recipes_file: Path | None = _RECIPES_FILE,
    set_: list[str] | None = _SET,
) -> None:
    """Never called: its signature declares the model options every hurdle command takes."""


_MODEL_PARAMETERS = tuple(
    inspect.signature(_model_option_template, eval_str=True).parameters.values()
)


def _with_model_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the model options (calculator inputs, --recipe, --set).

    Typer reads a command's options from its signature, so the shared ones are spliced
    into it: the command's own parameters before ``*`` come first in ``--help``, then the
    model options, then its keyword-only ones. The command receives the model options in
    its ``**options`` and reads them, like its own, through ``ctx.params``.
    """
    sig = inspect.signature(command, eval_str=True)
    own = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    lead = [p for p in own if p.kind is not p.KEYWORD_ONLY]
    tail = [p for p in own if p.kind is p.KEYWORD_ONLY]
    command.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[*lead, *_MODEL_PARAMETERS, *tail]
    )
    return command


# the calculator's inputs: every model option but the recipe ones
_CALC_OPTIONS = tuple(
    p.name for p in _MODEL_PARAMETERS if p.name not in ("recipe", "recipes_file", "set_")
)

_FIELD_OPTION = {name: "--" + name.replace("_", "-") for name in _CALC_OPTIONS}
_FIELD_OPTION.update(
    {
        "recipe": "--recipe",
        "recipes_file": "--recipes-file",
        "set": "--set",
        "format": "--format",
        "output": "--output",
        "change": "--change",
        "inputs": "--inputs",
        "input": "--input",
        "target": "--target",
        "low": "--low",
        "high": "--high",
        "growth": "--growth",
        "year": "--year",
        "current": "--current",
        "required": "--required",
        "claimed": "--claimed-equity-return",
    }
)

_UNITS = {
    "capex": "USD",
    "ebitda_yield": "ratio",
    "ebitda_margin": "ratio",
    "gdp": "USD",
    "cloud_revenue": "USD",
    "debt_share": "ratio",
    "cost_of_debt": "ratio",
    "cost_of_equity": "ratio",
    "tax_rate": "ratio",
    "asset_life": "years",
    "treasury_rate": "ratio",
    "guarantee_spread": "ratio",
    "ebitda_required": "USD",
    "revenue_required": "USD",
    "share_of_gdp": "ratio",
    "cloud_multiple": "x",
    "equity_return": "ratio",
    "equity_irr": "ratio",
    "project_irr": "ratio",
    "wacc": "ratio",
    "capital_recovery_yield": "ratio",
    "equity_hurdle_yield": "ratio",
    "ebitda_required_recovery": "USD",
    "revenue_required_recovery": "USD",
    "blended_crf": "ratio",
    "construction_carry": "x",
    "equivalent_life": "years",
    "mean_life": "years",
}


@dataclass(frozen=True)
class _ModelOptions:
    values: dict[str, Any]
    explicit: frozenset[str]


def _given(ctx: typer.Context, name: str) -> bool:
    # compare by name: typer may vendor its own copy of click's ParameterSource
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _options(ctx: typer.Context) -> _ModelOptions:
    explicit = frozenset(name for name in ctx.params if _given(ctx, name))
    return _ModelOptions(dict(ctx.params), explicit)


def _translate(exc: InputError) -> InputError:
    """Name the command-line option in a library error message."""
    option = _FIELD_OPTION.get(exc.field or "")
    if option is None:
        return exc
    msg = str(exc)
    field = exc.field or ""
    if msg.startswith(field):
        msg = option + msg[len(field) :]
    elif option not in msg:
        msg = f"{option}: {msg}"
    return InputError(msg, field=exc.field)


def _fmt(value: Any, unit: str) -> str:
    """A number for people: $553.8B, 13.93%, 6.0 y, 1.38x."""
    if value is None:
        return "-"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "never" if unit == "years" else ("inf" if v > 0 else "-inf")
    if unit in ("USD", "count"):
        sign, a = ("-" if v < 0 else ""), abs(v)
        cur = "$" if unit == "USD" else ""
        for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
            if a >= div:
                return f"{sign}{cur}{a / div:,.2f}{suffix}"
        return f"{sign}{cur}{a:,.2f}"
    if unit == "ratio":
        return f"{v:.2%}"
    if unit == "years":
        return f"{v:,.2f} y"
    if unit == "x":
        return f"{v:,.2f}x"
    if unit.startswith("USD/"):
        return f"${v:,.2f}/{unit.split('/', 1)[1]}"
    if unit:
        return f"{v:,.4g} {unit}"
    return f"{v:,.6g}"


def _parse_sets(items: Sequence[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = float(text)
        except ValueError:
            raise InputError(
                f"--set needs NAME=VALUE with a number, got {item!r}", field="set"
            ) from None
    return out


def _recipes(recipes_file: Path | None) -> dict[str, Recipe]:
    pool = builtin_recipes()
    if recipes_file is not None:
        pool.update(load_recipes(recipes_file))
    return pool


def _calculator_inputs(o: _ModelOptions) -> HurdleInputs:
    v = o.values
    if "asset_life" in o.explicit and "asset_mix" in o.explicit:
        raise InputError("give either --asset-life or --asset-mix, not both", field="asset_life")
    if v.get("asset_mix"):
        mix = parse_asset_mix(str(v["asset_mix"]))
    else:
        life = 6.0 if v.get("asset_life") is None else float(v["asset_life"])
        mix = parse_asset_mix(f"all assets:1:{life!r}")
    weights: tuple[float, ...] | None = None
    if v.get("capex_weights"):
        try:
            weights = tuple(float(x) for x in str(v["capex_weights"]).split(","))
        except ValueError:
            raise InputError(
                f"capex_weights must be numbers separated by commas, got {v['capex_weights']!r}",
                field="capex_weights",
            ) from None
    build_years = v["build_years"]
    if weights is not None and "build_years" not in o.explicit:
        build_years = len(weights)
    if v.get("recovery") and "ebitda_yield" in o.explicit:
        raise InputError("give either --ebitda-yield or --recovery, not both", field="recovery")
    return HurdleInputs(
        capex=v["capex"],
        ebitda_yield=None if v.get("recovery") else v["ebitda_yield"],
        ebitda_margin=v["ebitda_margin"],
        gdp=v["gdp"],
        cloud_revenue=v["cloud_revenue"],
        debt_share=v["debt_share"],
        cost_of_debt=v["cost_of_debt"],
        cost_of_equity=v["cost_of_equity"],
        tax_rate=v["tax_rate"],
        asset_mix=mix,
        build_years=build_years,
        capex_weights=weights,
        guarantee=bool(v["guarantee"]),
        treasury_rate=v["treasury_rate"],
        guarantee_spread=v["guarantee_spread"],
        claimed_equity_return=v.get("claimed_equity_return"),
    )


def _model(o: _ModelOptions) -> tuple[HurdleInputs | Recipe, dict[str, float]]:
    """The calculator inputs, or the recipe and its overrides."""
    v = o.values
    overrides = _parse_sets(v.get("set"))
    if v.get("recipe"):
        calc = sorted(o.explicit & set(_CALC_OPTIONS))
        if calc:
            opt = _FIELD_OPTION[calc[0]]
            raise InputError(
                f"{opt} applies to the calculator; with --recipe set recipe inputs with "
                f"--set NAME=VALUE",
                field=calc[0],
            )
        recipe = get_recipe(str(v["recipe"]), _recipes(v.get("recipes_file")))
        known = recipe.parameters()
        for name in overrides:
            if name not in known:
                raise InputError(
                    f"recipe {recipe.name} has no input {name!r}; inputs: {', '.join(known)}",
                    field="set",
                )
        return recipe, overrides
    if overrides:
        raise InputError("--set applies to recipes (use it with --recipe)", field="set")
    return _calculator_inputs(o), {}


def _guard(func: Callable[..., None]) -> Callable[..., None]:
    """Run a command body, naming the option in any InputError."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except InputError as exc:
            raise _translate(exc) from None

    return wrapper


# ------------------------------------------------------------------ hurdle (callback)


def _print_result(data: Mapping[str, Any]) -> None:
    title = str(data.get("title") or "Revenue hurdle")
    steps = pd.DataFrame(data["steps"])
    table = pd.DataFrame(
        {
            "name": steps["name"],
            "step": steps["label"],
            "formula": steps["formula"],
            "value": [_fmt(v, u) for v, u in zip(steps["value"], steps["unit"], strict=True)],
        }
    )
    print_table(table, title=title)
    checks = pd.DataFrame(data["checks"])
    if len(checks):
        rows = []
        for c in checks.to_dict(orient="records"):
            unit = str(c.get("unit") or "")
            claimed = _fmt(c["claimed"], unit)
            if c["relation"] == "between":
                claimed = f"{claimed} and {_fmt(c['claimed_high'], unit)}"
            rows.append(
                {
                    "check": c["label"],
                    "claimed": f"{c['relation']} {claimed}",
                    "implied": _fmt(c["implied"], unit),
                    "consistent": "yes" if c["consistent"] else "NO",
                }
            )
        print_table(pd.DataFrame(rows), title="Claims against the figures the inputs imply")
    for note in data.get("notes") or []:
        console.print(f"note: {note}", highlight=False)
    source = data.get("source")
    if source:
        who = ", ".join(x for x in (source.get("author"), source.get("publisher")) if x)
        line = f"source: {source['title']} — {who} ({source.get('date') or 'n.d.'})"
        console.print(line, highlight=False, soft_wrap=True)
        if source.get("url"):
            console.print(f"        {source['url']}", highlight=False, soft_wrap=True)


def _list_recipes(pool: Mapping[str, Recipe], fmt: str) -> None:
    if fmt == "json":
        print_json(
            [
                {
                    "name": r.name,
                    "title": r.title,
                    "file": r.file,
                    "outputs": dict(r.outputs),
                    "source": r.source.to_dict(),
                }
                for r in pool.values()
            ]
        )
        return
    rows = [
        {
            "name": r.name,
            "title": r.title,
            "source": ", ".join(x for x in (r.source.publisher, r.source.date) if x),
        }
        for r in sorted(pool.values(), key=lambda r: r.name)
    ]
    print_table(pd.DataFrame(rows, columns=["name", "title", "source"]), title="Recipes")


@hurdle_app.callback()
@_guard
@_with_model_options
def hurdle_command(
    ctx: typer.Context,
    *,
    list_recipes: bool = typer.Option(False, "--list-recipes", help="List the recipes."),
    format: str = _FORMAT,
    **options: Any,
) -> None:
    """Compute the revenue hurdle step by step (calculator or --recipe NAME)."""
    opts = _sub_options(ctx)
    if ctx.invoked_subcommand is not None:
        if opts.explicit:
            first = sorted(opts.explicit)[0]
            raise InputError(
                f"put options after the subcommand, e.g. ouroboros hurdle "
                f"{ctx.invoked_subcommand} {_FIELD_OPTION.get(first, first)} ...",
                field=first,
            )
        return
    fmt = parse_format(format).value
    if list_recipes:
        _list_recipes(_recipes(options["recipes_file"]), fmt)
        return
    model, overrides = _model(opts)
    data = (
        hurdle(model).to_dict()
        if isinstance(model, HurdleInputs)
        else run_recipe(model, overrides).to_dict()
    )
    if fmt == "json":
        print_json(data)
    else:
        _print_result(data)


def _unit(model: HurdleInputs | Recipe, name: str) -> str:
    if isinstance(model, HurdleInputs):
        return _UNITS.get(name, "")
    for i in model.inputs:
        if i.name == name:
            return i.unit
    for s in model.steps:
        if s.name == name:
            return s.unit
    target = model.outputs.get(name)
    return _unit(model, target) if target and target != name else ""


def _sub_options(ctx: typer.Context) -> _ModelOptions:
    o = _options(ctx)
    values = dict(o.values)
    values["set"] = values.pop("set_", None)
    return _ModelOptions(values, frozenset("set" if n == "set_" else n for n in o.explicit))


# ------------------------------------------------------------------ tornado


@hurdle_app.command("tornado")
@_guard
@_with_model_options
def tornado_command(
    ctx: typer.Context,
    output: str = typer.Option("revenue_required", "--output", help="Output to study."),
    change: float = typer.Option(0.2, "--change", help="Relative change of each input."),
    inputs: str | None = typer.Option(
        None, "--inputs", help="Comma-separated inputs to move (all by default)."
    ),
    *,
    format: str = _FORMAT,
    **options: Any,
) -> None:
    """Tornado table: the output with each input moved by +/- --change, by swing."""
    fmt = parse_format(format).value
    model, overrides = _model(_sub_options(ctx))
    names = [s.strip() for s in inputs.split(",") if s.strip()] if inputs else None
    res = tornado(model, output=output, change=change, inputs=names, overrides=overrides)
    if fmt == "json":
        print_json(res.to_dict())
        return
    ou = _unit(model, output)
    rows = []
    for r in res.table.to_dict(orient="records"):
        iu = _unit(model, str(r["input"]))
        rows.append(
            {
                "input": r["input"],
                "base": _fmt(r["base_value"], iu),
                "low": _fmt(r["low_value"], iu),
                "high": _fmt(r["high_value"], iu),
                f"{output} at low": _fmt(r["output_low"], ou),
                f"{output} at high": _fmt(r["output_high"], ou),
                "swing": _fmt(r["swing"], ou),
                "clipped": "yes" if r["clipped"] else "",
            }
        )
    title = (
        f"Tornado: {output} (base {_fmt(res.base_output, ou)}), inputs +/-{change:.0%}, {res.model}"
    )
    print_table(pd.DataFrame(rows), title=title)


# ------------------------------------------------------------------ solve


@hurdle_app.command("solve")
@_guard
@_with_model_options
def solve_command(
    ctx: typer.Context,
    input_: str = typer.Option(..., "--input", help="Input to solve for."),
    target: float = typer.Option(..., "--target", help="Value the output must reach."),
    output: str = typer.Option("revenue_required", "--output", help="Output to match."),
    low: float | None = typer.Option(None, "--low", help="Low end of the search bracket."),
    high: float | None = typer.Option(None, "--high", help="High end of the search bracket."),
    *,
    format: str = _FORMAT,
    **options: Any,
) -> None:
    """Solve for the value of --input at which --output equals --target."""
    fmt = parse_format(format).value
    opts = _sub_options(ctx)
    values = dict(opts.values)
    values.pop("input_", None)
    model, overrides = _model(_ModelOptions(values, opts.explicit))
    res = solve_for(model, input_, target, output=output, low=low, high=high, overrides=overrides)
    if fmt == "json":
        print_json(res.to_dict())
        return
    iu, ou = _unit(model, input_), _unit(model, output)
    rows = [
        {"item": f"{input_} (solved)", "value": _fmt(res.value, iu)},
        {"item": f"{input_} (base)", "value": _fmt(res.base_value, iu)},
        {"item": f"{output} target", "value": _fmt(res.target, ou)},
        {"item": f"{output} achieved", "value": _fmt(res.achieved, ou)},
        {"item": "search bracket", "value": f"[{_fmt(res.low, iu)}, {_fmt(res.high, iu)}]"},
        {"item": "roots found on the grid", "value": str(res.roots)},
    ]
    print_table(pd.DataFrame(rows), title=f"Solve {input_} for {output} = {_fmt(target, ou)}")


# ------------------------------------------------------------------ gap


@hurdle_app.command("gap")
@_guard
@_with_model_options
def gap_command(
    ctx: typer.Context,
    growth: float = typer.Option(0.3, "--growth", help="Annual growth of AI revenue."),
    year: int | None = typer.Option(None, "--year", help="Year of the revenue figures."),
    dataset: Path | None = typer.Option(
        None, "--dataset", help="Dataset file or folder (default: the bundled dataset)."
    ),
    current: float | None = typer.Option(
        None, "--current", help="Current AI revenue, USD (instead of the dataset)."
    ),
    required: float | None = typer.Option(
        None, "--required", help="The hurdle, USD (instead of the calculator or recipe)."
    ),
    *,
    format: str = _FORMAT,
    **options: Any,
) -> None:
    """The hurdle against AI revenue in the dataset, and the years to close the gap."""
    fmt = parse_format(format).value
    if required is None:
        model, overrides = _model(_sub_options(ctx))
        if isinstance(model, HurdleInputs):
            required = hurdle(model).revenue_required
        else:
            res = run_recipe(model, overrides)
            if res.revenue_required is None:
                raise InputError(
                    f"recipe {model.name} has no revenue_required output; give --required",
                    field="recipe",
                )
            required = res.revenue_required
    if current is not None:
        gap = revenue_gap(required, current, growth=growth, year=year)
    else:
        ledger = load_path_or_default(dataset)
        gap = ledger_gap(ledger, required, growth=growth, year=year)
    if fmt == "json":
        print_json(gap.to_dict())
        return
    rows = [
        {"item": "revenue required a year", "value": _fmt(gap.required, "USD")},
        {"item": f"AI revenue {gap.year or ''}".strip(), "value": _fmt(gap.current, "USD")},
        {"item": "gap", "value": _fmt(gap.gap, "USD")},
        {"item": "coverage", "value": _fmt(gap.coverage, "ratio")},
        {"item": "growth assumed", "value": _fmt(gap.growth, "ratio")},
        {"item": "years to close", "value": _fmt(gap.years_to_close, "years")},
    ]
    if gap.close_year is not None:
        rows.append({"item": "closes in", "value": f"{gap.close_year:.1f}"})
    print_table(pd.DataFrame(rows), title="Revenue gap")
    if len(gap.breakdown):
        b = gap.breakdown
        print_table(
            pd.DataFrame(
                {
                    "entity": b["name"],
                    "basis": b["basis"],
                    "AI revenue": [_fmt(x, "USD") for x in b["amount"]],
                    "counted": ["yes" if c else "no" for c in b["counted"]],
                    "share": [_fmt(x, "ratio") for x in b["share"]],
                }
            ),
            title="AI revenue by entity",
        )
        console.print(f"rule: {gap.rule}", highlight=False, soft_wrap=True)
