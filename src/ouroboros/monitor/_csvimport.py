"""CSV import for series without a free API (CDS, private bond prices, fund discounts...).

The file has a header row and one observation per line::

    date,value,unit,source,note
    2025-12-02,128,bp,"Bloomberg (ICE close), 2 Dec 2025",
    2025-12-11,1.39,percent,"Reuters (S&P Global MI), 11 Dec 2025",intraday

``date`` (ISO ``YYYY-MM-DD``) and ``value`` are required. ``unit`` is optional; when given
it must be the indicator's unit or one convertible to it (``usd``/``usd_mn``/``usd_tn`` to
``usd_bn``, ``percent`` to ``bp`` and back, ``mw`` to ``gw``). ``source`` defaults to the
file name; an ``indicator`` column, if present, must name the indicator imported.
Every problem is reported with its file and line, and nothing is written unless the whole
file is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

import pandas as pd

from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.monitor._registry import Indicator

__all__ = ["UNIT_CONVERSIONS", "read_indicator_csv"]

UNIT_CONVERSIONS: dict[tuple[str, str], float] = {
    ("usd", "usd_bn"): 1e-9,
    ("usd_mn", "usd_bn"): 1e-3,
    ("usd_bn", "usd_bn"): 1.0,
    ("usd_tn", "usd_bn"): 1e3,
    ("percent", "bp"): 100.0,
    ("bp", "percent"): 0.01,
    ("mw", "gw"): 1e-3,
}
"""Factors from a CSV unit to an indicator unit (identity is always allowed)."""

_REQUIRED = ("date", "value")
_KNOWN = ("date", "value", "unit", "source", "note", "indicator")


def _factor(unit: str, target: str) -> float | None:
    u = unit.strip().lower().replace("%", "percent").replace(" ", "_")
    if u == target:
        return 1.0
    return UNIT_CONVERSIONS.get((u, target))


def read_indicator_csv(path: str | Path, indicator: Indicator) -> pd.DataFrame:
    """Read and validate a CSV of observations for ``indicator``.

    Parameters
    ----------
    path : path-like
        The CSV file.
    indicator : Indicator
        The registry entry the rows belong to (its unit is checked).

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator, date, value, source``, values in the indicator's unit.

    Raises
    ------
    DatasetError
        Listing every bad line as ``file:line: indicator: field: message``.
    InputError
        When the file cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ouroboros.monitor import default_registry
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cds.csv"
    >>> _ = p.write_text("date,value,unit\\n2025-12-02,1.28,percent\\n")
    >>> read_indicator_csv(p, default_registry()["oracle_cds_5y"]).value.tolist()
    [128.0]
    """
    p = Path(path)
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no such file: {p}", field="csv") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {p}: {exc}", field="csv") from None
    reader = csv.reader(io.StringIO(text))
    problems: list[Problem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError([Problem(file, 1, indicator.id, None, "the file is empty")]) from None
    cols = [h.strip().lower() for h in header]
    for c in _REQUIRED:
        if c not in cols:
            problems.append(
                Problem(
                    file,
                    1,
                    indicator.id,
                    c,
                    f"missing column {c!r}; the header must include date,value "
                    "(optional: unit, source, note, indicator)",
                )
            )
    for c in cols:
        if c not in _KNOWN:
            problems.append(
                Problem(
                    file,
                    1,
                    indicator.id,
                    c or "(empty)",
                    f"unknown column; expected {', '.join(_KNOWN)}",
                )
            )
    if problems:
        raise DatasetError(problems)
    at = {c: cols.index(c) for c in cols}
    rows: list[tuple[dt.date, float, str]] = []
    seen: dict[dt.date, int] = {}
    for line_no, rec in enumerate(reader, start=2):
        if not rec or all(not x.strip() for x in rec):
            continue
        if len(rec) != len(cols):
            problems.append(
                Problem(
                    file,
                    line_no,
                    indicator.id,
                    None,
                    f"expected {len(cols)} fields, got {len(rec)}",
                )
            )
            continue
        cell = {c: rec[i].strip() for c, i in at.items()}
        ok = True
        if "indicator" in cell and cell["indicator"] and cell["indicator"] != indicator.id:
            problems.append(
                Problem(
                    file,
                    line_no,
                    indicator.id,
                    "indicator",
                    f"row is for {cell['indicator']!r}, not {indicator.id!r}",
                )
            )
            ok = False
        day: dt.date | None = None
        try:
            day = dt.date.fromisoformat(cell["date"])
            if len(cell["date"]) != 10:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(
                    file,
                    line_no,
                    indicator.id,
                    "date",
                    f"not a date in YYYY-MM-DD form: {cell['date']!r}",
                )
            )
            ok = False
        value = math.nan
        try:
            value = float(cell["value"].replace(",", "")) if cell["value"] else math.nan
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            problems.append(
                Problem(
                    file, line_no, indicator.id, "value", f"not a finite number: {cell['value']!r}"
                )
            )
            ok = False
        factor = 1.0
        if cell.get("unit"):
            f = _factor(cell["unit"], indicator.unit)
            if f is None:
                problems.append(
                    Problem(
                        file,
                        line_no,
                        indicator.id,
                        "unit",
                        f"unit {cell['unit']!r} cannot be converted to "
                        f"{indicator.unit} ({indicator.id}'s unit)",
                    )
                )
                ok = False
            else:
                factor = f
        if day is not None and day in seen:
            problems.append(
                Problem(
                    file,
                    line_no,
                    indicator.id,
                    "date",
                    f"date {day} already given on line {seen[day]}",
                )
            )
            ok = False
        if ok and day is not None:
            seen[day] = line_no
            rows.append((day, value * factor, cell.get("source") or f"CSV import: {p.name}"))
    if problems:
        raise DatasetError(problems)
    if not rows:
        raise DatasetError([Problem(file, None, indicator.id, None, "no observations in the file")])
    return (
        pd.DataFrame(
            {
                "indicator": indicator.id,
                "date": pd.to_datetime([r[0] for r in rows]),
                "value": [r[1] for r in rows],
                "source": [r[2] for r in rows],
            }
        )
        .sort_values("date", kind="stable")
        .reset_index(drop=True)
    )
