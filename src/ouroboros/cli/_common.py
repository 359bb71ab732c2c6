"""Shared plumbing of the CLI: output formats, JSON printing, the dataset argument.

The CLI only parses and prints; every command calls one library function.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from ouroboros._json import jsonable as to_jsonable
from ouroboros.errors import InputError

if TYPE_CHECKING:
    from ouroboros.model import Ledger

__all__ = [
    "OutputFormat",
    "console",
    "err_console",
    "load_path_or_default",
    "print_json",
    "print_table",
    "to_jsonable",
]

console = Console(soft_wrap=False)
err_console = Console(stderr=True)


class OutputFormat(str, Enum):
    """How a command prints its result."""

    table = "table"
    json = "json"


def print_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout and nothing else."""
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")


def print_table(rows: pd.DataFrame, *, title: str | None = None, floatfmt: str = "{:,.2f}") -> None:
    """Print a DataFrame as a Rich table (numbers right-aligned)."""
    table = Table(title=title, show_lines=False)
    for col in rows.columns:
        numeric = pd.api.types.is_numeric_dtype(rows[col])
        table.add_column(str(col), justify="right" if numeric else "left")
    for rec in rows.itertuples(index=False):
        cells = []
        for v in rec:
            if isinstance(v, float | np.floating):
                cells.append("" if np.isnan(v) else floatfmt.format(v))
            else:
                cells.append(str(v))
        table.add_row(*cells)
    console.print(table)


def load_path_or_default(path: Path | None) -> Ledger:
    """Load ``path``, or the bundled default dataset when ``path`` is ``None``."""
    from ouroboros.model import default_dataset_path, load_ledger  # not at import: --help

    return load_ledger(path if path is not None else default_dataset_path())


def parse_format(value: str) -> OutputFormat:
    """Check a ``--format`` value."""
    try:
        return OutputFormat(value)
    except ValueError:
        raise InputError(
            f"--format must be one of table, json; got {value!r}", field="format"
        ) from None
