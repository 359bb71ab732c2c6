"""Small building blocks shared by the pages: cards, KPIs, tables, source notes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from dash import dash_table, dcc, html
from dash.development.base_component import Component

from ouroboros.api import DEFAULT_KEY
from ouroboros.errors import DatasetError, OuroborosError
from ouroboros.model import Ledger

__all__ = [
    "GRAPH_CONFIG",
    "card",
    "control",
    "dataset_source",
    "error_box",
    "fmt_money",
    "fmt_pct",
    "graph",
    "kpi",
    "kpis",
    "problem_list",
    "slider",
    "source_note",
    "table",
    "year_control",
]

FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"],
}
"""Plotly config: no logo, no "edit in Chart Studio" link, nothing sent anywhere."""


def fmt_money(value: float | None, unit: str = "", digits: int = 1) -> str:
    """``1234.5, "USD bn"`` → ``"1,234.5 USD bn"``; ``None``/NaN → ``"–"``.

    >>> fmt_money(553.846e9 / 1e9, "USD bn", 0)
    '554 USD bn'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{digits}f} {unit}".strip()


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """``0.1234`` → ``"12.3%"``; ``None``/NaN → ``"–"``.

    >>> fmt_pct(0.0191, 2)
    '1.91%'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * value:.{digits}f}%"


def dataset_source(ledger: Ledger, key: str) -> str:
    """Where a page's data comes from, in one line."""
    m = ledger.meta
    bits = [f"dataset “{m.name}”", f"version {m.version}"]
    if m.as_of:
        bits.append(f"as of {m.as_of.isoformat()}")
    where = "startup dataset" if key == DEFAULT_KEY else f"store {key}"
    return ", ".join(bits) + f" ({where}); every record cites its sources (Data page)"


def source_note(*parts: Any) -> Component:
    """The "Source:" line under a figure."""
    return html.P(["Source: ", *parts], className="source")


def control(
    label: str, child: Any, *, html_for: str | None = None, wide: bool = False
) -> Component:
    """A labelled control box; ``html_for`` ties the label to the input with that id."""
    kw: dict[str, Any] = {"htmlFor": html_for} if html_for is not None else {}
    return html.Div(
        [html.Label(label, **kw), child], className="control wide" if wide else "control"
    )


def year_control(id: str, value: int, years: Sequence[int]) -> Component:
    """A labelled "Year" dropdown: ``0`` means all years, then each year of ``years``."""
    return control(
        "Year",
        dcc.Dropdown(
            id=id,
            value=value,
            clearable=False,
            options=[{"label": "all years", "value": 0}]
            + [{"label": str(y), "value": y} for y in years],
        ),
        html_for=id,
    )


def card(title: str, *children: Any, source: Any = None, id: str | None = None) -> Component:
    """A titled box holding a figure or table and its source line."""
    body: list[Any] = [html.H3(title), *children]
    if source is not None:
        body.append(source if isinstance(source, Component) else source_note(source))
    kw: dict[str, Any] = {"className": "card"}
    if id is not None:
        kw["id"] = id
    return html.Section(body, **kw)


def graph(id: str, figure: go.Figure | None = None, **kw: Any) -> Component:
    """A Plotly graph with the local, no-telemetry config."""
    return dcc.Graph(id=id, figure=figure or go.Figure(), config=cast(Any, GRAPH_CONFIG), **kw)


def kpi(label: str, value: str, note: str | None = None) -> Component:
    """One headline number."""
    kids: list[Any] = [
        html.Div(value, className="kpi-value"),
        html.Div(label, className="kpi-label"),
    ]
    if note:
        kids.append(html.Div(note, className="kpi-note"))
    return html.Div(kids, className="kpi")


def kpis(items: Sequence[tuple[str, str] | tuple[str, str, str]]) -> Component:
    """A row of headline numbers."""
    return html.Div([kpi(*it) for it in items], className="kpis")


def _column(name: str, dtype: Any) -> dict[str, Any]:
    col: dict[str, Any] = {"name": name.replace("_", " "), "id": name}
    if pd.api.types.is_float_dtype(dtype):
        col["type"] = "numeric"
        col["format"] = {"specifier": ",.4~g"}
    elif pd.api.types.is_integer_dtype(dtype):
        col["type"] = "numeric"
    return col


def table(
    df: pd.DataFrame,
    id: str,
    *,
    page_size: int = 15,
    selectable: bool = False,
    style_data_conditional: list[dict[str, Any]] | None = None,
) -> Component:
    """A sortable DataTable of ``df`` (lists shown as comma-separated text)."""
    shown = df.copy()
    for c in shown.columns:
        if shown[c].map(lambda v: isinstance(v, list | tuple)).any():
            shown[c] = shown[c].map(
                lambda v: ", ".join(str(x) for x in v) if isinstance(v, list | tuple) else v
            )
    kw: dict[str, Any] = {}
    if selectable:
        kw["row_selectable"] = "single"
    # dash_table ships no type information for DataTable
    table_: Component = cast(Any, dash_table).DataTable(
        id=id,
        data=shown.to_dict("records"),
        columns=[_column(str(c), shown[c].dtype) for c in shown.columns],
        page_size=page_size,
        sort_action="native",
        style_table={"overflowX": "auto"},
        style_cell={
            "fontFamily": FONT_STACK,
            "fontSize": "13px",
            "padding": "4px 8px",
            "textAlign": "left",
            "maxWidth": "420px",
            "whiteSpace": "normal",
            "height": "auto",
        },
        style_header={"fontWeight": "600", "backgroundColor": "#f3f4f6"},
        style_data_conditional=style_data_conditional or [],
        **kw,
    )
    return table_


def slider(
    id: str,
    label: str,
    lo: float,
    hi: float,
    step: float,
    value: float,
    marks: dict[float, str] | None = None,
) -> Component:
    """A labelled slider whose value shows under it."""
    return html.Div(
        [
            html.Label(label, htmlFor=id),
            dcc.Slider(
                id=id,
                min=lo,
                max=hi,
                step=step,
                value=value,
                marks=marks or {lo: f"{lo:g}", hi: f"{hi:g}"},
                tooltip={"placement": "top", "always_visible": True},
                updatemode="mouseup",
                allow_direct_input=False,
            ),
        ],
        className="slider",
    )


def problem_list(exc: OuroborosError) -> Component:
    """Every problem of an error as a list, each naming its record and field."""
    if isinstance(exc, DatasetError):
        items = []
        for p in exc.problems:
            where = [x for x in (p.record, p.field) if x]
            items.append(
                html.Li(
                    [
                        html.Code(": ".join(where)) if where else None,
                        (": " if where else "") + p.message,
                        html.Span(
                            f"  ({p.file}{'' if p.line is None else ':' + str(p.line)})",
                            className="muted",
                        ),
                    ],
                    className="problem",
                    **cast(dict[str, Any], {"data-field": p.field or ""}),
                )
            )
        n = len(exc.problems)
        head = f"Not saved: {n} problem{'s' if n != 1 else ''}"
        return html.Div([html.Strong(head), html.Ul(items)], className="error-box")
    field = getattr(exc, "field", None)
    return html.Div(
        [
            html.Strong("Not saved: "),
            html.Code(field) if field else None,
            (": " if field else "") + str(exc),
        ],
        className="error-box",
    )


def error_box(exc: Exception) -> Component:
    """An error shown in place of a figure (the message, no traceback)."""
    name = type(exc).__name__
    return html.Div([html.Strong(f"{name}: "), str(exc)], className="error-box")
