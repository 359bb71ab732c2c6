"""``ouroboros dataset ...``: validate, show, export, import and list datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ouroboros.cli._common import (
    OutputFormat,
    console,
    load_path_or_default,
    parse_format,
    print_json,
    print_table,
)
from ouroboros.errors import InputError
from ouroboros.model import Ledger, default_dataset_path, save_ledger, summarize
from ouroboros.store import Store

__all__ = ["register"]

dataset_app = typer.Typer(
    help="Validate, show, export and store datasets (the bundled one when no PATH is given).",
    no_args_is_help=True,
)

PATH_ARG = typer.Argument(
    None, help="A dataset: .yaml/.json file or a folder of CSV tables. Default: bundled."
)
FORMAT_OPT = typer.Option("table", "--format", "-f", help="table or json.")


def _summary_json(lg: Ledger) -> dict[str, Any]:
    s = summarize(lg)
    return {
        "name": s.name,
        "version": s.version,
        "as_of": s.as_of,
        "currency": s.currency,
        "unit": s.unit,
        "counts": {
            "sources": s.n_sources,
            "entities": s.n_entities,
            "instruments": s.n_instruments,
            "estimates": s.n_estimates,
        },
        "by_kind": s.by_kind,
        "by_status": s.by_status,
        "by_role": s.by_role,
    }


@dataset_app.command("validate")
def validate(path: Path | None = PATH_ARG, fmt: str = FORMAT_OPT) -> None:
    """Check a dataset; print every problem (file:line: record: field: message)."""
    out = parse_format(fmt)
    lg = load_path_or_default(path)
    where = str(path) if path is not None else "bundled dataset"
    if out is OutputFormat.json:
        print_json(
            {"valid": True, "path": where, "entities": len(lg.entities),
             "instruments": len(lg.instruments)}
        )  # fmt: skip
    else:
        console.print(
            f"[green]valid[/green]: {where}: {len(lg.entities)} entities, "
            f"{len(lg.instruments)} instruments, {len(lg.sources)} sources",
            highlight=False,
        )


@dataset_app.command("show")
def show(path: Path | None = PATH_ARG, fmt: str = FORMAT_OPT) -> None:
    """Counts, totals by kind and status, and entities by role."""
    out = parse_format(fmt)
    lg = load_path_or_default(path)
    data = _summary_json(lg)
    if out is OutputFormat.json:
        print_json(data)
        return
    s = summarize(lg)
    console.print(
        f"[bold]{s.name}[/bold] (version {s.version}, as of {s.as_of or '?'}; amounts in "
        f"{s.currency} {s.unit}s)",
        highlight=False,
    )
    console.print(
        f"{s.n_entities} entities, {s.n_instruments} instruments ({s.n_estimates} estimates), "
        f"{s.n_sources} sources"
    )
    print_table(s.by_kind, title="Instruments by kind")
    print_table(s.by_status, title="Instruments by status")
    print_table(s.by_role, title="Entities by role")


@dataset_app.command("export")
def export(
    path: Path = typer.Argument(..., help="Where to write: a file, or a folder for csv."),
    to: str = typer.Option(..., "--to", help="yaml, json or csv (a folder of tables)."),
    source: Path | None = typer.Option(
        None, "--from", help="The dataset to export (default: bundled)."
    ),
) -> None:
    """Write a dataset as YAML, JSON or CSV tables."""
    if to not in ("yaml", "json", "csv"):
        raise InputError(f"--to must be one of yaml, json, csv; got {to!r}", field="to")
    lg = load_path_or_default(source)
    written = save_ledger(lg, path, fmt=to)  # type: ignore[arg-type]
    console.print(f"wrote {to}: {written}", highlight=False)


@dataset_app.command("import")
def import_(
    path: Path | None = PATH_ARG,
    name: str | None = typer.Option(None, "--name", help="Store under this name."),
    fmt: str = FORMAT_OPT,
) -> None:
    """Validate a dataset and store it as a new version in the DuckDB store."""
    out = parse_format(fmt)
    lg = load_path_or_default(path)
    store = Store()
    v = store.import_dataset(lg, name=name, origin=str(path or default_dataset_path()))
    if out is OutputFormat.json:
        print_json(
            {"name": v.name, "version": v.version, "created": v.created, "store": store.path,
             "content_hash": v.content_hash}
        )  # fmt: skip
    else:
        what = "imported" if v.created else "unchanged, already stored"
        console.print(f"{what}: {v.name!r} version {v.version} in {store.path}", highlight=False)


@dataset_app.command("list")
def list_(fmt: str = FORMAT_OPT) -> None:
    """The datasets in the store, with their versions."""
    out = parse_format(fmt)
    store = Store()
    df = store.list_datasets()
    if out is OutputFormat.json:
        print_json({"store": store.path, "datasets": df})
        return
    if df.empty:
        console.print(f"no datasets in {store.path}", highlight=False)
        return
    df = df.assign(imported_at=df["imported_at"].astype(str))
    print_table(df.drop(columns=["content_hash", "origin"]), title=f"Datasets in {store.path}")


def register(app: typer.Typer) -> None:
    """Add the ``dataset`` command group to ``app``."""
    app.add_typer(dataset_app, name="dataset")
