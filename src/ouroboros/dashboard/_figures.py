"""Figures of the dashboard and the report: Plotly figures and Cytoscape elements.

Plain functions from engine results to ``plotly.graph_objects.Figure`` objects (or to the
element dictionaries ``dash_cytoscape`` draws). They import nothing of Dash, so the HTML
report uses the same figures as the dashboard.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from plotly.subplots import make_subplots  # type: ignore[import-untyped, unused-ignore]

from ouroboros._plotlyjs import require_bundled
from ouroboros.api import short_name
from ouroboros.deals import yearly_summary
from ouroboros.model import INSTRUMENT_KINDS, InstrumentBase, Ledger

__all__ = [
    "KIND_COLORS",
    "ROLE_COLORS",
    "STATUS_COLORS",
    "STATUS_STYLES",
    "circular_share_figure",
    "composite_figure",
    "cost_of_capital_figure",
    "deal_balance_figure",
    "deal_cashflow_figure",
    "deal_dscr_figure",
    "empty_figure",
    "gauges_figure",
    "instrument_years",
    "layers_figure",
    "ledger_years",
    "loop_elements",
    "network_elements",
    "network_figure",
    "network_positions",
    "network_stylesheet",
    "recipes_figure",
    "repricing_figure",
    "sankey_figure",
    "stress_chain_elements",
    "stress_chain_stylesheet",
    "stress_default_probability_figure",
    "stress_horizon_losses_figure",
    "stress_losses_band_figure",
    "stress_losses_figure",
    "stress_year_color",
    "tornado_figure",
    "unit_label",
]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

ROLE_COLORS: dict[str, str] = {
    "hyperscaler": "#1f77b4",
    "cloud": "#17becf",
    "model_lab": "#9467bd",
    "chip_vendor": "#2ca02c",
    "oem": "#98df8a",
    "neocloud": "#ff7f0e",
    "spv": "#d62728",
    "developer": "#e377c2",
    "reit": "#8c564b",
    "utility": "#637939",
    "private_credit": "#bcbd22",
    "bank": "#7f7f7f",
    "pension": "#aec7e8",
    "insurer": "#c5b0d5",
    "sovereign_fund": "#c49c94",
    "etf": "#f7b6d2",
    "asset_manager": "#dbdb8d",
    "venture": "#ffbb78",
    "holding_company": "#9edae5",
    "government": "#393b79",
    "rest_of_world": "#4d4d4d",
}
"""Node colour of each role (an entity is coloured by its first role)."""

KIND_COLORS: dict[str, str] = {
    "equity_investment": "#6a3d9a",
    "loan": "#e31a1c",
    "bond": "#fb6a4a",
    "credit_facility": "#ff7f00",
    "lease": "#b15928",
    "compute_contract": "#1f78b4",
    "hardware_purchase": "#33a02c",
    "capacity_backstop": "#80b1d3",
    "warrant": "#d4a017",
    "guarantee": "#bc80bd",
    "distribution": "#66a61e",
    "revenue": "#8c8c8c",
}
"""Edge colour of each instrument kind."""

STATUS_STYLES: dict[str, tuple[str, float]] = {
    "funded": ("solid", 0.85),
    "signed": ("solid", 0.6),
    "announced": ("dashed", 0.6),
    "letter_of_intent": ("dotted", 0.6),
    "lapsed": ("dotted", 0.25),
}
"""Line style and opacity of an edge by the instrument's status."""

# columns of the network map, left to right: the risk chain, then the compute loop
_TIERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "investors",
        frozenset(
            {
                "pension",
                "insurer",
                "sovereign_fund",
                "etf",
                "asset_manager",
                "venture",
                "holding_company",
            }
        ),
    ),
    ("credit", frozenset({"private_credit", "bank"})),
    ("vehicles", frozenset({"spv", "neocloud", "reit", "developer", "utility"})),
    ("clouds", frozenset({"hyperscaler", "cloud"})),
    ("labs", frozenset({"model_lab"})),
    ("chips", frozenset({"chip_vendor", "oem"})),
    ("outside", frozenset({"rest_of_world", "government"})),
)
_UNITS = {"unit": "", "thousand": "k", "million": "mn", "billion": "bn", "trillion": "tn"}
_LAYOUT = {
    "font": {"family": FONT, "size": 12},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
}
STATUS_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "unknown": "#9e9e9e"}


def _style(fig: go.Figure, title: str, **layout: Any) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01, "font": {"size": 15}}, **_LAYOUT)
    fig.update_layout(**layout)
    fig.update_xaxes(gridcolor="#eee", zerolinecolor="#ccc")
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#ccc")
    return require_bundled(fig)


def empty_figure(message: str, title: str = "") -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14, "color": "#666"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title, height=300)


def unit_label(ledger: Ledger) -> str:
    """The dataset's amounts as a short label (``"USD bn"``).

    >>> from ouroboros.model import default_ledger
    >>> unit_label(default_ledger())
    'USD bn'
    """
    suffix = _UNITS.get(ledger.meta.unit, ledger.meta.unit)
    return f"{ledger.meta.currency} {suffix}".strip()


def _primary_role(roles: Sequence[str]) -> str:
    return roles[0] if roles else "rest_of_world"


def _tier(role: str) -> int:
    for k, (_, roles) in enumerate(_TIERS):
        if role in roles:
            return k
    return len(_TIERS) - 1


def network_positions(ledger: Ledger) -> dict[str, tuple[float, float]]:
    """Preset node positions: one column per tier of the money web.

    Investors, lenders, vehicles (SPVs, neoclouds), clouds, model labs, chip vendors and
    the rest of the world run left to right; a tall column zig-zags.

    >>> from ouroboros.model import default_ledger
    >>> pos = network_positions(default_ledger())
    >>> pos["us-public-pensions"][0] < pos["blue-owl"][0] < pos["beignet"][0] < pos["nvidia"][0]
    True
    """
    columns: dict[int, list[str]] = {}
    for e in ledger.entities:
        columns.setdefault(_tier(_primary_role(e.roles)), []).append(e.id)
    pos: dict[str, tuple[float, float]] = {}
    for tier, ids in columns.items():
        n = len(ids)
        tall = n > 8
        step = 72.0 if tall else 120.0
        top = -step * (n - 1) / 2
        for k, eid in enumerate(ids):
            dx = (40.0 if k % 2 else -40.0) if tall else 0.0
            pos[eid] = (tier * 190.0 + dx, top + k * step)
    return pos


def instrument_years(inst: InstrumentBase) -> tuple[int, int]:
    """First and last calendar year of an instrument's schedule.

    >>> from ouroboros.model import default_ledger
    >>> instrument_years(default_ledger().instruments[0])[0] >= 2000
    True
    """
    if inst.profile == "explicit" and inst.cashflows:
        return min(inst.cashflows), max(inst.cashflows)
    end = inst.end if inst.end is not None else inst.start
    last = end.year if not (end.month == 1 and end.day == 1 and end > inst.start) else end.year - 1
    return inst.start.year, max(inst.start.year, last)


def _select(
    ledger: Ledger,
    year: int | None,
    kinds: Collection[str] | None,
    statuses: Collection[str] | None,
) -> list[InstrumentBase]:
    out: list[InstrumentBase] = []
    for inst in ledger.instruments:
        if kinds is not None and inst.kind not in kinds:
            continue
        if statuses is not None and inst.status not in statuses:
            continue
        if year is not None:
            a, b = instrument_years(inst)
            if not a <= year <= b:
                continue
        out.append(inst)
    return out


def _width(amount: float, biggest: float, lo: float = 1.0, hi: float = 14.0) -> float:
    if biggest <= 0 or amount <= 0:
        return lo
    return round(lo + (hi - lo) * math.sqrt(amount / biggest), 2)


def network_elements(
    ledger: Ledger,
    *,
    year: int | None = None,
    kinds: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    hide_isolated: bool = False,
) -> list[dict[str, Any]]:
    """Cytoscape elements of the ledger: entities as nodes, instruments as edges.

    Nodes carry ``color`` (first role) and ``size`` (sqrt of money in and out); edges
    carry ``width`` (sqrt of the amount), ``color`` (kind), ``status`` (line style) and
    ``label``. Filters keep the instruments whose schedule touches ``year``, whose kind is
    in ``kinds`` and whose status is in ``statuses``.

    Examples
    --------
    >>> from ouroboros.model import default_ledger
    >>> els = network_elements(default_ledger(), kinds={"lease"})
    >>> edges = [e for e in els if "source" in e["data"]]
    >>> {e["data"]["kind"] for e in edges}
    {'lease'}
    """
    unit = _UNITS.get(ledger.meta.unit, "")
    chosen = _select(ledger, year, kinds, statuses)
    biggest = max((i.amount for i in chosen), default=0.0)
    touched: dict[str, float] = {}
    edges = []
    for inst in chosen:
        touched[inst.from_] = touched.get(inst.from_, 0.0) + inst.amount
        touched[inst.to] = touched.get(inst.to, 0.0) + inst.amount
        edges.append(
            {
                "data": {
                    "id": f"i:{inst.id}",
                    "instrument": inst.id,
                    "source": inst.from_,
                    "target": inst.to,
                    "kind": inst.kind,
                    "status": inst.status,
                    "amount": inst.amount,
                    "width": _width(inst.amount, biggest),
                    "color": KIND_COLORS.get(inst.kind, "#999"),
                    "label": f"{inst.kind.replace('_', ' ')} {inst.amount:,.3g} {unit}",
                },
                "classes": f"{inst.kind} {inst.status}",
            }
        )
    pos = network_positions(ledger)
    top = max(touched.values(), default=0.0)
    nodes = []
    for e in ledger.entities:
        if hide_isolated and e.id not in touched:
            continue
        role = _primary_role(e.roles)
        x, y = pos[e.id]
        size = 18 + 42 * math.sqrt(touched.get(e.id, 0.0) / top) if top > 0 else 18
        nodes.append(
            {
                "data": {
                    "id": e.id,
                    "label": short_name(e.name, 22),
                    "name": e.name,
                    "role": role,
                    "roles": ", ".join(e.roles),
                    "color": ROLE_COLORS.get(role, "#999"),
                    "size": round(size, 1),
                },
                "position": {"x": x, "y": y},
                "classes": role,
            }
        )
    return nodes + edges


def loop_elements(
    ledger: Ledger,
    edges: pd.DataFrame,
    cycles: pd.DataFrame,
    *,
    highlight: int | None = None,
) -> list[dict[str, Any]]:
    """Cytoscape elements of a period's money flows with the circular part marked.

    Parameters
    ----------
    ledger : Ledger
    edges : DataFrame
        ``payer, payee, amount, circular`` (a :class:`~ouroboros.flows.Circulation`'s
        edges).
    cycles : DataFrame
        ``rank, path`` of the top loops.
    highlight : int, optional
        Rank of the loop drawn in red; ``None`` marks every circular edge.
    """
    pos = network_positions(ledger)
    names = {e.id: e for e in ledger.entities}
    biggest = float(edges["amount"].max()) if len(edges) else 0.0
    on_loop: set[tuple[str, str]] = set()
    if highlight is not None:
        row = cycles[cycles["rank"] == highlight]
        if len(row):
            path = list(row["path"].iloc[0])
            on_loop = set(itertools.pairwise(path))
    unit = _UNITS.get(ledger.meta.unit, "")
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for payer, payee, amount, circ in zip(
        edges["payer"].astype(str).tolist(),
        edges["payee"].astype(str).tolist(),
        edges["amount"].to_numpy(dtype=float).tolist(),
        edges["circular"].to_numpy(dtype=float).tolist(),
        strict=True,
    ):
        if highlight is None:
            cls = "loop" if circ > 0 else "dim"
        else:
            cls = "loop" if (payer, payee) in on_loop else "dim"
        used.update((payer, payee))
        out.append(
            {
                "data": {
                    "id": f"f:{payer}>{payee}",
                    "source": payer,
                    "target": payee,
                    "amount": amount,
                    "circular": circ,
                    "width": _width(amount, biggest),
                    "color": "#999999",
                    "label": f"{amount:,.3g} {unit} ({circ:,.3g} circular)",
                },
                "classes": cls,
            }
        )
    nodes = []
    for eid in used:
        e = names[eid]
        role = _primary_role(e.roles)
        x, y = pos[eid]
        nodes.append(
            {
                "data": {
                    "id": eid,
                    "label": short_name(e.name, 22),
                    "name": e.name,
                    "role": role,
                    "color": ROLE_COLORS.get(role, "#999"),
                    "size": 26,
                },
                "position": {"x": x, "y": y},
            }
        )
    return nodes + out


_NODE_STYLE: dict[str, Any] = {
    "label": "data(label)",
    "background-color": "data(color)",
    "width": "data(size)",
    "height": "data(size)",
    "font-size": 11,
    "font-family": FONT,
    "color": "#222",
    "text-valign": "bottom",
    "text-margin-y": 3,
    "text-outline-color": "#fff",
    "text-outline-width": 2,
    "border-width": 1,
    "border-color": "#555",
}
"""An entity on the Cytoscape maps: a dot sized and coloured by its data, named below it."""


def network_stylesheet() -> list[dict[str, Any]]:
    """The Cytoscape stylesheet of the network maps."""
    sheet: list[dict[str, Any]] = [
        {
            "selector": "node",
            "style": {
                **_NODE_STYLE,
                # nodes above every edge, for drawing and for clicks: a small node under
                # the end of a thick edge must still be the thing a click selects
                "z-index-compare": "manual",
                "z-index": 20,
            },
        },
        {
            "selector": "edge",
            "style": {
                "z-index-compare": "manual",
                "z-index": 1,
                "width": "data(width)",
                "line-color": "data(color)",
                "target-arrow-color": "data(color)",
                "target-arrow-shape": "triangle",
                "arrow-scale": 0.9,
                "curve-style": "bezier",
                "opacity": 0.7,
            },
        },
    ]
    for status, (line, opacity) in STATUS_STYLES.items():
        sheet.append(
            {
                "selector": f'edge[status = "{status}"]',
                "style": {"line-style": line, "opacity": opacity},
            }
        )
    sheet += [
        {"selector": ".dim", "style": {"opacity": 0.12}},
        {
            "selector": ".loop",
            "style": {
                "line-color": "#d62728",
                "target-arrow-color": "#d62728",
                "opacity": 0.95,
                "z-index": 10,
            },
        },
        {"selector": "node:selected", "style": {"border-width": 4, "border-color": "#111"}},
        {
            "selector": "edge:selected",
            "style": {"opacity": 1, "line-color": "#111", "target-arrow-color": "#111"},
        },
    ]
    return sheet


def network_figure(
    ledger: Ledger,
    *,
    year: int | None = None,
    kinds: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
) -> go.Figure:
    """The network map as a static Plotly figure (for the HTML report).

    Instruments between the same two entities are pooled into one line (width by amount,
    colour of the largest kind); nodes are coloured by role.
    """
    chosen = _select(ledger, year, kinds, statuses)
    pos = network_positions(ledger)
    unit = unit_label(ledger)
    pooled: dict[tuple[str, str], dict[str, float]] = {}
    for inst in chosen:
        by_kind = pooled.setdefault((inst.from_, inst.to), {})
        by_kind[inst.kind] = by_kind.get(inst.kind, 0.0) + inst.amount
    biggest = max((sum(v.values()) for v in pooled.values()), default=0.0)
    fig = go.Figure()
    for kind in INSTRUMENT_KINDS:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for (a, b), by_kind in pooled.items():
            if max(by_kind, key=lambda k: by_kind[k]) != kind:
                continue
            (x0, y0), (x1, y1) = pos[a], pos[b]
            xs += [x0, x1, None]
            ys += [-y0, -y1, None]
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=kind.replace("_", " "),
                    line={"color": KIND_COLORS[kind], "width": 1.6},
                    opacity=0.55,
                    hoverinfo="skip",
                )
            )
    # edge widths: a second pass drawing each pooled edge with its own width is too many
    # traces for a report; mark the biggest flows with a wider overlay instead
    big = sorted(pooled.items(), key=lambda kv: -sum(kv[1].values()))[:25]
    for (a, b), by_kind in big:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        total = sum(by_kind.values())
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[-y0, -y1],
                mode="lines",
                showlegend=False,
                line={
                    "color": KIND_COLORS[max(by_kind, key=lambda k: by_kind[k])],
                    "width": _width(total, biggest, 1.5, 9.0),
                },
                opacity=0.45,
                hoverinfo="text",
                text=f"{a} → {b}: {total:,.1f} {unit}",
            )
        )
    ids = [e.id for e in ledger.entities]
    roles = [_primary_role(e.roles) for e in ledger.entities]
    fig.add_trace(
        go.Scatter(
            x=[pos[i][0] for i in ids],
            y=[-pos[i][1] for i in ids],
            mode="markers+text",
            text=[short_name(e.name, 18) for e in ledger.entities],
            textposition="bottom center",
            textfont={"size": 9},
            marker={
                "size": 14,
                "color": [ROLE_COLORS.get(r, "#999") for r in roles],
                "line": {"width": 1, "color": "#444"},
            },
            hovertext=[f"{e.name}<br>{', '.join(e.roles)}" for e in ledger.entities],
            hoverinfo="text",
            name="entities",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    what = "all years" if year is None else str(year)
    return _style(
        fig,
        f"The money web ({what}); line colour = instrument kind",
        height=720,
        legend={"orientation": "h", "y": -0.02},
    )


# ---------------------------------------------------------------------- money flows


def sankey_figure(
    ledger: Ledger,
    edges: pd.DataFrame,
    *,
    title: str = "Money flows",
    min_share: float = 0.0,
) -> go.Figure:
    """A Sankey of a period's money flows, circular part in red.

    The rest-of-world node is split in two: money coming into the web from outside (on
    the left) and money leaving it (on the right). Each flow is drawn as its circular part
    (red) and its remainder (grey), so the loops stand out.

    Parameters
    ----------
    ledger : Ledger
    edges : DataFrame
        ``payer, payee, amount`` and optionally ``circular``.
    title : str
    min_share : float
        Leave out flows smaller than this share of the largest one (declutter).
    """
    if edges.empty:
        return empty_figure("No money flows with these filters.", title)
    unit = unit_label(ledger)
    outside = {e.id for e in ledger.entities if e.is_rest_of_world}
    df = edges.copy()
    if "circular" not in df:
        df["circular"] = 0.0
    if min_share > 0:
        df = df[df["amount"] >= min_share * float(df["amount"].max())]
    labels: list[str] = []
    index: dict[str, int] = {}
    colors: list[str] = []

    def node(key: str, label: str, color: str) -> int:
        if key not in index:
            index[key] = len(labels)
            labels.append(label)
            colors.append(color)
        return index[key]

    ents = {e.id: e for e in ledger.entities}
    src: list[int] = []
    dst: list[int] = []
    val: list[float] = []
    col: list[str] = []
    hover: list[str] = []
    for a, b, amount, circ in zip(
        df["payer"].astype(str).tolist(),
        df["payee"].astype(str).tolist(),
        df["amount"].to_numpy(dtype=float).tolist(),
        df["circular"].to_numpy(dtype=float).tolist(),
        strict=True,
    ):
        ea, eb = ents[a], ents[b]
        ia = (
            node(f"{a}|in", f"{short_name(ea.name)} (outside money in)", "#4d4d4d")
            if a in outside
            else node(a, short_name(ea.name), ROLE_COLORS.get(_primary_role(ea.roles), "#999"))
        )
        ib = (
            node(f"{b}|out", f"{short_name(eb.name)} (paid outside)", "#4d4d4d")
            if b in outside
            else node(b, short_name(eb.name), ROLE_COLORS.get(_primary_role(eb.roles), "#999"))
        )

        for part, color, what in (
            (circ, "rgba(214,39,40,0.55)", "circular"),
            (amount - circ, "rgba(140,140,140,0.35)", "not circular"),
        ):
            if part > 1e-12:
                src.append(ia)
                dst.append(ib)
                val.append(part)
                col.append(color)
                hover.append(
                    f"{ea.name} → {eb.name}<br>{part:,.2f} {unit} {what} (of {amount:,.2f})"
                )
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "color": colors,
                "pad": 12,
                "thickness": 14,
                "line": {"color": "#555", "width": 0.5},
                "hovertemplate": "%{label}<br>%{value:,.2f} " + unit + "<extra></extra>",
            },
            link={
                "source": src,
                "target": dst,
                "value": val,
                "color": col,
                "customdata": hover,
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            valueformat=",.2f",
        )
    )
    return _style(fig, title, height=max(520, 18 * len(labels)))


# ---------------------------------------------------------------------------- loops


def circular_share_figure(entities: pd.DataFrame, *, title: str, top: int = 20) -> go.Figure:
    """Each entity's circular share of its inflow, with the min-max range over maximal
    solutions as an error bar.

    Parameters
    ----------
    entities : DataFrame
        ``name, inflow, circular_inflow, circular_share, circular_share_min,
        circular_share_max`` (a circularity report's ``entities``).
    """
    circular = (entities["circular_inflow"] > 0) | (entities["circular_share_max"].fillna(0) > 0)
    df = entities[(entities["inflow"] > 0) & circular].copy()
    df = df.sort_values(["circular_inflow", "inflow"], ascending=False).head(top)
    if df.empty or float(df["circular_inflow"].sum()) <= 0:
        return empty_figure("No circular flow with these filters.", title)
    df = df.iloc[::-1]
    share = df["circular_share"].fillna(0.0).to_numpy()
    lo = df["circular_share_min"].fillna(0.0).to_numpy()
    hi = df["circular_share_max"].fillna(0.0).to_numpy()
    lo_all = np.minimum(lo, share)
    hi_all = np.maximum(hi, share)
    names = [short_name(n, 30) for n in df["name"]]
    fig = go.Figure(
        go.Bar(
            x=share * 100,
            y=names,
            orientation="h",
            marker_color="#d62728",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (hi_all - share) * 100,
                "arrayminus": (share - lo_all) * 100,
                "color": "#333",
                "thickness": 1.5,
            },
            customdata=np.column_stack([lo * 100, hi * 100, df["inflow"], df["circular_inflow"]]),
            hovertemplate=(
                "%{y}<br>circular share %{x:.1f}% (BFF)<br>range over maximal solutions "
                "%{customdata[0]:.1f}–%{customdata[1]:.1f}%<br>inflow %{customdata[2]:,.2f}, "
                "circular %{customdata[3]:,.2f}<extra></extra>"
            ),
            name="circular share",
        )
    )
    fig.update_xaxes(title="share of inflow that came back round a loop (%)", range=[0, 100])
    return _style(fig, title, height=max(320, 26 * len(df) + 120), margin={"l": 190})


# ---------------------------------------------------------------------------- deals


def deal_cashflow_figure(periods: pd.DataFrame, *, unit: str, title: str) -> go.Figure:
    """Yearly revenue, CFADS, debt service and distributions to equity."""
    y = yearly_summary(periods)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=y["year"], y=y["cfads"], name="CFADS", marker_color="#1f77b4"))
    fig.add_trace(go.Bar(x=y["year"], y=-y["interest"], name="interest", marker_color="#ff7f0e"))
    fig.add_trace(go.Bar(x=y["year"], y=-y["principal"], name="principal", marker_color="#d62728"))
    fig.add_trace(
        go.Scatter(
            x=y["year"],
            y=y["revenue"],
            name="revenue",
            mode="lines",
            line={"color": "#555", "dash": "dot"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=y["year"],
            y=y["distributions"],
            name="to equity",
            mode="lines+markers",
            line={"color": "#2ca02c"},
        )
    )
    fig.update_yaxes(title=unit)
    return _style(
        fig, title, barmode="relative", height=380, legend={"orientation": "h", "y": -0.18}
    )


def deal_dscr_figure(
    periods: pd.DataFrame, *, title: str, covenant: float | None = None
) -> go.Figure:
    """DSCR per period with the 1.0 line (and a covenant level if given)."""
    p = periods[periods["dscr"].notna()]
    if p.empty:
        return empty_figure("No period with debt service.", title)
    fig = go.Figure(
        go.Scatter(x=p["date"], y=p["dscr"], mode="lines", name="DSCR", line={"color": "#1f77b4"})
    )
    fig.add_hline(
        y=1.0,
        line={"color": "#c62828", "dash": "dash"},
        annotation_text="1.0: cash only just pays the debt",
    )
    if covenant is not None:
        fig.add_hline(
            y=covenant,
            line={"color": "#f9a825", "dash": "dot"},
            annotation_text=f"covenant {covenant:g}",
        )
    top = float(np.nanpercentile(p["dscr"], 98)) if len(p) else 2.0
    fig.update_yaxes(title="CFADS / debt service", range=[0, max(2.0, top * 1.1)])
    return _style(fig, title, height=340, showlegend=False)


def deal_balance_figure(tranches: pd.DataFrame, *, unit: str, title: str) -> go.Figure:
    """Each tranche's balance over time (stacked)."""
    if tranches.empty:
        return empty_figure("No debt tranches.", title)
    fig = go.Figure()
    for name, g in tranches.groupby("tranche", sort=False):
        fig.add_trace(
            go.Scatter(
                x=g["date"], y=g["balance_end"], name=str(name), mode="lines", stackgroup="debt"
            )
        )
    written = tranches.groupby("date")["written_off"].sum()
    if float(written.sum()) > 0:
        fig.add_trace(
            go.Bar(
                x=written.index, y=written.to_numpy(), name="written off", marker_color="#c62828"
            )
        )
    fig.update_yaxes(title=unit)
    return _style(fig, title, height=340, legend={"orientation": "h", "y": -0.2})


# --------------------------------------------------------------------------- hurdle


def recipes_figure(rows: pd.DataFrame, *, title: str, highlight: float | None = None) -> go.Figure:
    """Revenue each published estimate says AI must earn a year, side by side.

    Parameters
    ----------
    rows : DataFrame
        ``label, revenue_required, source`` (one row per recipe).
    highlight : float, optional
        The calculator's current answer, drawn as a vertical line.
    """
    df = rows.dropna(subset=["revenue_required"]).sort_values("revenue_required")
    fig = go.Figure(
        go.Bar(
            x=df["revenue_required"] / 1e9,
            y=df["label"],
            orientation="h",
            marker_color="#1f77b4",
            customdata=df["source"],
            hovertemplate="%{y}: $%{x:,.0f}B a year<br>%{customdata}<extra></extra>",
        )
    )
    if highlight is not None and math.isfinite(highlight):
        fig.add_vline(
            x=highlight / 1e9,
            line={"color": "#d62728", "dash": "dash"},
            annotation_text=f"your inputs: ${highlight / 1e9:,.0f}B",
        )
    fig.update_xaxes(title="revenue required a year, USD bn")
    return _style(fig, title, height=max(300, 40 * len(df) + 120), margin={"l": 170})


def tornado_figure(
    table: pd.DataFrame, *, base: float, title: str, scale: float = 1e9
) -> go.Figure:
    """A tornado: the output at each input's low and high value around the base."""
    df = table[table["swing"] > 0].iloc[::-1]
    if df.empty:
        return empty_figure("No input moves this output.", title)
    y = df["input"].str.replace("_", " ")
    fig = go.Figure()
    for side, name, colour in (("low", "input −", "#1f77b4"), ("high", "input +", "#ff7f0e")):
        fig.add_trace(
            go.Bar(
                y=y,
                x=(df[f"output_{side}"] - base) / scale,
                base=base / scale,
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=df[f"{side}_value"],
                hovertemplate="%{y} at %{customdata:.4g}: %{x:,.1f}<extra></extra>",
            )
        )
    fig.add_vline(x=base / scale, line={"color": "#333"})
    fig.update_xaxes(title="USD bn" if scale == 1e9 else "")
    return _style(
        fig,
        title,
        barmode="overlay",
        height=max(300, 34 * len(df) + 120),
        margin={"l": 130},
        legend={"orientation": "h", "y": -0.2},
    )


# -------------------------------------------------------------------------- markets


def cost_of_capital_figure(table: pd.DataFrame, *, title: str) -> go.Figure:
    """Cost of capital by year (line) and money crowded out of other uses (bars)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    phase_color = {"stimulus": "#2e7d32", "crowding_out": "#c62828", "slack": "#9e9e9e"}
    fig.add_trace(
        go.Bar(
            x=table["year"],
            y=table["crowded_out"],
            name="crowded out (USD bn)",
            marker_color="#bbb",
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=table["year"],
            y=table["cost_of_capital"] * 100,
            name="cost of capital (%)",
            mode="lines+markers+text",
            line={"color": "#1f77b4", "width": 3},
            marker={"size": 12, "color": [phase_color.get(p, "#999") for p in table["phase"]]},
            text=[p.replace("_", " ") for p in table["phase"]],
            textposition="top center",
        ),
        secondary_y=False,
    )
    fig.update_yaxes(title_text="cost of capital, %", secondary_y=False)
    fig.update_yaxes(title_text="crowded out, USD bn", secondary_y=True, showgrid=False)
    fig.update_xaxes(dtick=1)
    return _style(fig, title, height=380, legend={"orientation": "h", "y": -0.2})


def repricing_figure(table: pd.DataFrame, *, title: str) -> go.Figure:
    """Price change of each asset class for the rise in the cost of capital."""
    df = table.sort_values("price_change")
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=df["label"],
            x=df["price_change"] * 100,
            orientation="h",
            name="exact repricing",
            marker_color="#1f77b4",
            customdata=df["duration"],
            hovertemplate="%{y}: %{x:.1f}% (duration %{customdata:.1f})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=df["label"],
            x=df["first_order_change"] * 100,
            mode="markers",
            name="first order (−duration × Δr)",
            marker={"symbol": "line-ns-open", "size": 14, "color": "#d62728"},
        )
    )
    fig.update_xaxes(title="price change, %")
    return _style(
        fig,
        title,
        height=max(320, 30 * len(df) + 130),
        margin={"l": 200},
        legend={"orientation": "h", "y": -0.15},
    )


def layers_figure(table: pd.DataFrame, *, title: str, value: str = "multiple") -> go.Figure:
    """Payoff of each investor layer under each scenario, as a heat map."""
    piv = table.pivot(index="label", columns="scenario", values=value)
    layers = list(dict.fromkeys(table["label"]))
    scen = list(dict.fromkeys(table["scenario"]))
    piv = piv.loc[layers, scen]
    z = piv.to_numpy(dtype=float)
    text = [[("" if not np.isfinite(v) else f"{v:.2f}") for v in row] for row in z]
    dflt = table.pivot(index="label", columns="scenario", values="default_year").loc[layers, scen]
    for i, row in enumerate(dflt.to_numpy(dtype=float)):
        for j, d in enumerate(row):
            if np.isfinite(d):
                text[i][j] += f"<br>default yr {int(d)}"
    if value == "multiple":
        # 0 = everything lost, 1 = money back (pale yellow), 3x or more = deep green
        top = 3.0
        scale: Any = [[0.0, "#c62828"], [1.0 / top, "#fff3b0"], [1.0, "#1b7837"]]
        zrange = {"zmin": 0.0, "zmax": top}
    else:
        scale, zrange = "RdYlGn", {}
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[s.replace("_", " ") for s in scen],
            y=layers,
            text=text,
            texttemplate="%{text}",
            colorscale=scale,
            **zrange,
            colorbar={"title": value},
            hovertemplate="%{y}<br>%{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, height=max(320, 48 * len(layers) + 140), margin={"l": 220})


# --------------------------------------------------------------------------- stress

_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
"""Dash pattern of the k-th scenario in the stress figures."""
_LAYER_PALETTE: tuple[str, ...] = (
    "#d62728",
    "#ff7f0e",
    "#9467bd",
    "#1f77b4",
    "#2ca02c",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
)
"""Colour of the k-th investor layer in the stress figures."""


def stress_losses_figure(losses: Mapping[str, pd.DataFrame], *, unit: str, title: str) -> go.Figure:
    """Losses to date by investor layer over the years (credit losses accumulate, equity
    erosion is a level that can recover), one line per layer and scenario.

    ``losses`` maps a scenario's name to its ``losses_by_layer`` table (``year, layer``
    and ``loss`` for one run, or ``mean`` over many); colour is the layer, the dash
    pattern the scenario.

    >>> df = pd.DataFrame({"year": [2026, 2027], "layer": ["banks", "banks"], "loss": [0, 2.0]})
    >>> [t.name for t in stress_losses_figure({"a": df}, unit="USD bn", title="").data]
    ['banks (a)']
    """
    fig = go.Figure()
    palette = itertools.cycle(_LAYER_PALETTE)
    colours: dict[str, str] = {}
    for k, (scenario, df) in enumerate(losses.items()):
        value = "loss" if "loss" in df.columns else "mean"
        for layer, rows in df.groupby("layer", sort=False):
            colour = colours.setdefault(str(layer), next(palette))
            fig.add_trace(
                go.Scatter(
                    x=rows["year"].to_numpy(),
                    y=rows[value].to_numpy(dtype=float),
                    name=f"{str(layer).replace('_', ' ')} ({scenario})",
                    mode="lines",
                    line={"color": colour, "dash": _DASHES[k % len(_DASHES)], "width": 2},
                    hovertemplate=f"%{{x}}: %{{y:,.1f}} {unit}<extra>%{{fullData.name}}</extra>",
                )
            )
    fig.update_yaxes(title=f"loss to date ({unit})")
    return _style(fig, title, height=420, legend={"orientation": "h", "y": -0.2})


# ----------------------------------------------------------------------- thermometer


def gauges_figure(
    gauges: pd.DataFrame,
    *,
    title: str,
    thresholds: Mapping[str, tuple[float, float]] | None = None,
) -> go.Figure:
    """The five gauges: each gauge's score (0 calm .. 1 stressed), coloured by status.

    ``thresholds`` maps a gauge name to its (amber, red) score thresholds, shaded on the
    dial (the registry's; 0.7 and 0.9 if not given).
    """
    n = max(1, len(gauges))
    fig = make_subplots(rows=1, cols=n, specs=[[{"type": "indicator"}] * n])
    scores = pd.to_numeric(gauges["score"], errors="coerce").to_numpy(dtype=float)
    for k, (name, title_, status) in enumerate(
        zip(
            gauges["name"].astype(str),
            gauges["title"].astype(str),
            gauges["status"].astype(str),
            strict=True,
        ),
        start=1,
    ):
        raw = float(scores[k - 1])
        score = raw if np.isfinite(raw) else None
        color = STATUS_COLORS.get(status, "#9e9e9e")
        amber, red = (thresholds or {}).get(name, (0.7, 0.9))
        fig.add_trace(
            go.Indicator(
                mode="gauge+number",
                value=score if score is not None else 0.0,
                number={
                    "valueformat": ".2f",
                    "font": {"size": 22},
                    "suffix": "" if score is not None else " (no data)",
                },
                title={
                    "text": f"{title_}<br><span style='font-size:11px;color:{color}'>"
                    f"{status}</span>",
                    "font": {"size": 12},
                },
                gauge={
                    "axis": {"range": [0, 1]},
                    "bar": {"color": color},
                    "steps": [
                        {"range": [0, amber], "color": "#eef5ee"},
                        {"range": [amber, red], "color": "#fdf3dc"},
                        {"range": [red, 1], "color": "#fbe3e3"},
                    ],
                },
            ),
            row=1,
            col=k,
        )
    return _style(fig, title, height=260, margin={"l": 30, "r": 30, "t": 70, "b": 10})


def composite_figure(
    composite: pd.DataFrame,
    history: pd.DataFrame,
    *,
    title: str,
    amber: float | None = None,
    red: float | None = None,
) -> go.Figure:
    """The composite (CISS) over time, coloured by status, with each gauge's score and
    the composite's amber and red thresholds."""
    fig = go.Figure()
    if amber is not None:
        fig.add_hline(
            y=amber, line={"color": STATUS_COLORS["amber"], "dash": "dot"}, annotation_text="amber"
        )
    if red is not None:
        fig.add_hline(
            y=red, line={"color": STATUS_COLORS["red"], "dash": "dot"}, annotation_text="red"
        )
    for name, g in history.groupby("gauge", sort=False):
        fig.add_trace(
            go.Scatter(
                x=g["date"],
                y=g["score"],
                name=str(name).replace("_", " "),
                mode="lines",
                line={"width": 1},
                opacity=0.6,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=composite["date"],
            y=composite["ciss"],
            name="composite",
            mode="lines",
            line={"color": "#111", "width": 3},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=composite["date"],
            y=composite["ciss"],
            mode="markers",
            showlegend=False,
            marker={
                "size": 5,
                "color": [STATUS_COLORS.get(s, "#999") for s in composite["status"]],
            },
            customdata=composite["status"],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.3f} (%{customdata})<extra></extra>",
        )
    )
    fig.update_yaxes(title="score (0 calm … 1 stressed)", range=[0, 1])
    return _style(fig, title, height=380, legend={"orientation": "h", "y": -0.2})


def ledger_years(ledger: Ledger) -> list[int]:
    """Every calendar year an instrument's schedule touches, in order."""
    years: set[int] = set()
    for inst in ledger.instruments:
        a, b = instrument_years(inst)
        years.update(range(a, b + 1))
    return sorted(years)


# ------------------------------------------------- stress: Monte Carlo and contagion chain
# The Stress page's distributions (many runs) and its drawn contagion chain, built from a
# StressResult's tables (ouroboros.scenarios): losses by layer as a mean with a p05-p95
# band, default probabilities with their years, losses at the horizon as boxes, and the
# chain of defaults and walk-aways as Cytoscape elements.

_YEAR_STOPS = ("#800026", "#e31a1c", "#fd8d3c", "#fed976")
"""Early (dark red) to late (pale yellow): the colour of a year in the contagion chain."""

_HORIZON_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def stress_year_color(year: float, first: float, last: float) -> str:
    """The colour of ``year`` on the chain's scale from ``first`` (dark red) to ``last``
    (pale yellow), as a ``#rrggbb`` string; years outside are clipped.

    >>> stress_year_color(2026, 2026, 2050), stress_year_color(2050, 2026, 2050)
    ('#800026', '#fed976')
    """
    t = 0.0 if last <= first else min(1.0, max(0.0, (float(year) - first) / (last - first)))
    pos = t * (len(_YEAR_STOPS) - 1)
    k = min(int(pos), len(_YEAR_STOPS) - 2)
    a, b = _YEAR_STOPS[k], _YEAR_STOPS[k + 1]
    w = pos - k
    rgb = [round((1 - w) * int(a[j : j + 2], 16) + w * int(b[j : j + 2], 16)) for j in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def stress_losses_band_figure(
    losses: Mapping[str, pd.DataFrame], *, unit: str, title: str
) -> go.Figure:
    """Losses to date by layer over many runs: the mean as a line, p05-p95 as a band.

    ``losses`` maps a scenario's name to its ``losses_by_layer`` table: Monte Carlo
    (``year, layer, mean, p05, p50, p95``) or one run (``year, layer, loss``: lines only,
    as :func:`stress_losses_figure` draws them). Only layers with a non-zero loss in some
    year are drawn; colour is the layer (by its place in the table, so a layer keeps its
    colour whatever the scenario), the dash pattern the scenario. A Monte Carlo layer is
    two traces: the band (p95 out along the years, p05 back, filled) and the mean, named
    ``"layer (scenario)"``. Traces are built from plain lists, three times faster than
    from numpy arrays: six scenarios make close to a hundred traces.

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2026, 2027] * 2, "layer": ["banks"] * 2 + ["etf"] * 2,
    ...                    "mean": [0, 2.0, 0, 0], "p05": [0, 0.5, 0, 0],
    ...                    "p50": [0, 2.0, 0, 0], "p95": [0, 4.0, 0, 0]})
    >>> fig = stress_losses_band_figure({"a": df}, unit="USD bn", title="")
    >>> [t.name for t in fig.data if t.showlegend is not False]
    ['banks (a)']
    >>> list(fig.data[0].x), list(fig.data[0].y)  # p95 forward, then p05 back
    ([2026, 2027, 2027, 2026], [0.0, 4.0, 0.5, 0.0])
    >>> one = df.rename(columns={"mean": "loss"})[["year", "layer", "loss"]]
    >>> [(t.name, list(t.y)) for t in stress_losses_band_figure({"b": one}, unit="",
    ...                                                         title="").data]
    [('banks (b)', [0.0, 2.0])]
    """
    traces: list[dict[str, Any]] = []
    for k, (scenario, df) in enumerate(losses.items()):
        dash = _DASHES[k % len(_DASHES)]
        many = "mean" in df.columns
        for j, (layer, rows) in enumerate(df.groupby("layer", sort=False)):
            vals = rows[["mean", "p05", "p95"] if many else ["loss"]].to_numpy(dtype=float)
            if not (np.abs(vals) > 0).any():
                continue
            colour = _LAYER_PALETTE[j % len(_LAYER_PALETTE)]
            name = f"{str(layer).replace('_', ' ')} ({scenario})"
            x = rows["year"].astype(int).tolist()
            line: dict[str, Any] = {
                "type": "scatter",
                "x": x,
                "y": vals[:, 0].tolist(),
                "name": name,
                "legendgroup": name,
                "mode": "lines",
                "line": {"color": colour, "dash": dash, "width": 2},
                "hovertemplate": f"%{{x}}: %{{y:,.1f}} {unit}<extra>%{{fullData.name}}</extra>",
            }
            if many:
                traces.append(
                    {
                        "type": "scatter",
                        "x": x + x[::-1],
                        "y": vals[:, 2].tolist() + vals[::-1, 1].tolist(),
                        "mode": "lines",
                        "line": {"width": 0},
                        "fill": "toself",
                        "fillcolor": _rgba(colour, 0.15),
                        "hoverinfo": "skip",
                        "legendgroup": name,
                        "showlegend": False,
                    }
                )
                line["customdata"] = vals[:, 1:]
                line["hovertemplate"] = (
                    f"%{{x}}: mean %{{y:,.1f}} {unit} (p05 %{{customdata[0]:,.1f}}, "
                    f"p95 %{{customdata[1]:,.1f}})<extra>%{{fullData.name}}</extra>"
                )
            traces.append(line)
    if not traces:
        return empty_figure("No layer loses anything to the horizon.", title)
    fig = go.Figure(data=traces)
    many = any("mean" in df.columns for df in losses.values())
    fig.update_yaxes(title=f"loss to date ({unit})" + ("; band p05-p95" if many else ""))
    return _style(fig, title, height=440, legend={"orientation": "h", "y": -0.2})


def stress_default_probability_figure(
    tables: Mapping[str, pd.DataFrame],
    *,
    title: str,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Default probability by entity over many runs, one bar per scenario.

    ``tables`` maps a scenario's name to its ``default_probability`` table (``entity,
    probability, mean_year, p05, p50, p95``). Entities that never default in any scenario
    are left out; bars are ordered by the highest probability. Each bar's text is the
    median year of default and its hover gives the p05, p50 and p95 years (among the runs
    in which the entity defaults); ``names`` maps entity ids to display names for hovers.

    Examples
    --------
    >>> dp = pd.DataFrame({"entity": ["a", "b", "c"], "probability": [0.2, 0.9, 0.0],
    ...                    "mean_year": [2030.0, 2028.0, None], "p05": [2029.0, 2027.0, None],
    ...                    "p50": [2030.0, 2028.0, None], "p95": [2031.0, 2030.0, None]})
    >>> fig = stress_default_probability_figure({"s": dp}, title="")
    >>> list(fig.data[0].x), fig.data[0].y.tolist(), list(fig.data[0].text)
    (['b', 'a'], [0.9, 0.2], ['2028', '2030'])
    """
    frames = {s: t.set_index(t["entity"].astype(str)) for s, t in tables.items()}
    best: dict[str, float] = {}
    for t in frames.values():
        for eid, p in zip(t.index, t["probability"].to_numpy(dtype=float), strict=True):
            if p > 0:
                best[eid] = max(best.get(eid, 0.0), float(p))
    if not best:
        return empty_figure("No entity defaults in any run.", title)
    order = sorted(best, key=lambda e: (-best[e], e))
    labels = [(names or {}).get(e, e) for e in order]
    fig = go.Figure()
    for scenario, t in frames.items():
        t = t.reindex(order)
        prob = t["probability"].fillna(0.0).to_numpy(dtype=float)
        years = t[["p05", "p50", "p95"]].to_numpy(dtype=float)
        shown = [["–" if not np.isfinite(y) else f"{y:.0f}" for y in row] for row in years]
        text = ["" if s[1] == "–" else s[1] for s in shown]
        fig.add_trace(
            go.Bar(
                x=order,
                y=prob,
                name=scenario,
                text=text,
                textposition="outside",
                customdata=[[lab, *s] for lab, s in zip(labels, shown, strict=True)],
                hovertemplate=(
                    "%{customdata[0]}: defaults in %{y:.1%} of runs<br>year of default: "
                    "p05 %{customdata[1]}, median %{customdata[2]}, p95 %{customdata[3]}"
                    f"<extra>{scenario}</extra>"
                ),
            )
        )
    fig.update_yaxes(title="share of runs in which it defaults", tickformat=".0%", range=[0, 1.1])
    return _style(
        fig,
        title,
        height=400,
        barmode="group",
        legend={"orientation": "h", "y": -0.3},
        uniformtext={"minsize": 8, "mode": "hide"},
    )


def stress_horizon_losses_figure(
    at_horizon: Mapping[str, pd.DataFrame], *, unit: str, title: str
) -> go.Figure:
    """The distribution over runs of each layer's loss at the horizon, as boxes.

    ``at_horizon`` maps a scenario's name to its ``layer_losses_at_horizon`` table (one
    row per run, a ``run`` column and one column per layer). The quantiles are computed
    here with numpy and sent as precomputed boxes (a few numbers per box, however many
    runs): the box spans p25-p75 with the median, the whiskers reach p05 and p95, the
    dashed line is the mean. Only layers with a loss in some run are shown.

    Examples
    --------
    >>> t = pd.DataFrame({"run": [0, 1, 2, 3, 4], "banks": [0.0, 1, 2, 3, 4],
    ...                   "etf": [0.0] * 5})
    >>> box = stress_horizon_losses_figure({"s": t}, unit="USD bn", title="").data[0]
    >>> list(box.x), box.median.tolist(), box.q1.tolist(), box.q3.tolist()
    (['banks'], [2.0], [1.0], [3.0])
    """
    layers: list[str] = []
    for t in at_horizon.values():
        for c in t.columns:
            if c != "run" and c not in layers and (t[c].to_numpy(dtype=float) != 0).any():
                layers.append(str(c))
    if not layers:
        return empty_figure("No layer loses anything to the horizon.", title)
    fig = go.Figure()
    for scenario, t in at_horizon.items():
        vals = t.reindex(columns=layers).fillna(0.0).to_numpy(dtype=float)  # (runs, layers)
        q = np.quantile(vals, _HORIZON_QUANTILES, axis=0)
        fig.add_trace(
            go.Box(
                x=layers,
                lowerfence=q[0],
                q1=q[1],
                median=q[2],
                q3=q[3],
                upperfence=q[4],
                mean=vals.mean(axis=0),
                name=scenario,
                boxpoints=False,
                boxmean=True,
            )
        )
    fig.update_xaxes(tickvals=layers, ticktext=[c.replace("_", " ") for c in layers])
    fig.update_yaxes(title=f"loss at the horizon ({unit})")
    return _style(fig, title, height=420, boxmode="group", legend={"orientation": "h", "y": -0.3})


def _short_cause(cause: str, limit: int = 34) -> str:
    tail = cause.split(": ", 1)[-1]
    return tail if len(tail) <= limit else tail[: limit - 1] + "…"


def _share_text(share: float) -> str:
    return f"{100 * share:.0f}%" if share >= 0.01 else f"{100 * share:.1f}%"


def stress_chain_elements(
    events: pd.DataFrame,
    runs: int,
    *,
    names: Mapping[str, str] | None = None,
    years: tuple[float, float] | None = None,
) -> list[dict[str, Any]]:
    """Cytoscape elements of the contagion chain of a stress run, one run or many.

    Parameters
    ----------
    events : DataFrame
        A :class:`~ouroboros.scenarios.StressResult`'s ``events``: ``run, year, entity,
        event, cause, counterparty``.
    runs : int
        Number of runs behind ``events`` (shares are counts of runs over it).
    names : mapping, optional
        Entity id to display name.
    years : (float, float), optional
        First and last year of the colour scale (default: those of the events).

    Returns
    -------
    list of dict
        One node per entity that defaults or walks away and per counterparty that set one
        off; node data ``default_probability`` and ``walk_probability`` (share of runs),
        ``year`` (median over runs of the year of its first event; ``None`` for a
        counterparty with no event of its own), ``root_share`` (share of runs in which
        it failed on its own cause, with no counterparty: class ``root``), ``color`` (by
        ``year``), ``label`` and a preset ``position`` (one column per year, left to
        right). One directed edge ``counterparty -> entity`` per (counterparty, entity,
        event, cause), data ``runs`` and ``share`` (share of runs with that link),
        ``width`` (grows with ``share``) and ``label`` (the cause, with the share when
        ``runs > 1``), class the event (``default`` or ``walk_away``).

    Notes
    -----
    The chain reads the engine's own attribution: an event's ``counterparty`` is the
    entity whose default or walk-away preceded it (Eisenberg & Noe 2001 clearing with
    default costs, Rogers & Veraart 2013; see ``docs/scenarios.md``).

    Examples
    --------
    >>> ev = pd.DataFrame({
    ...     "run": [0, 0, 1], "year": [2027, 2028, 2029], "entity": ["lab", "cloud", "lab"],
    ...     "event": ["default"] * 3, "cause": ["liquidity: cash", "deal engine: unpaid",
    ...     "liquidity: cash"], "counterparty": [None, "lab", None]})
    >>> els = stress_chain_elements(ev, runs=4)
    >>> [(e["data"]["source"], e["data"]["target"], e["data"]["share"])
    ...  for e in els if "source" in e["data"]]
    [('lab', 'cloud', 0.25)]
    >>> {e["data"]["id"]: e["data"]["default_probability"] for e in els if "year" in e["data"]}
    {'lab': 0.5, 'cloud': 0.25}
    """
    cols = ["run", "year", "entity", "event", "cause", "counterparty"]
    ev = events[cols] if len(events) else pd.DataFrame(columns=cols)
    if ev.empty:
        return []
    n = max(int(runs), 1)
    names = names or {}
    ev = ev.assign(entity=ev["entity"].astype(str))

    def share(frame: pd.DataFrame, by: str | list[str]) -> pd.Series:
        return frame.groupby(by, sort=False)["run"].nunique() / n

    first = ev.groupby(["entity", "run"], sort=False)["year"].min()
    year_of = first.groupby(level=0, sort=False).median().astype(float)
    dprob = share(ev[ev["event"] == "default"], "entity")
    wprob = share(ev[ev["event"] == "walk_away"], "entity")
    rshare = share(ev[ev["counterparty"].isna()], "entity")
    linked = ev[ev["counterparty"].notna()].assign(
        counterparty=lambda d: d["counterparty"].astype(str)
    )
    per_link = linked.groupby(["counterparty", "entity", "event", "cause"], sort=False)["run"]
    counts = per_link.nunique()
    link_runs: list[tuple[Any, int]] = list(
        zip(counts.index.tolist(), counts.tolist(), strict=True)
    )

    lo, hi = years if years is not None else (float(year_of.min()), float(year_of.max()))
    # columns: each node at the median year of its first event; a counterparty with no
    # event of its own just before the earliest entity it set off
    key: dict[str, float] = {
        str(e): float(y) for e, y in zip(year_of.index, year_of.to_numpy(), strict=True)
    }
    for (cp, target, _, _), _count in link_runs:
        if cp not in year_of.index:
            key[cp] = min(key.get(cp, np.inf), float(year_of[target]) - 0.5)
    columns = {k: i for i, k in enumerate(sorted(set(key.values())))}
    by_col: dict[int, list[str]] = {}
    for eid in sorted(key, key=lambda e: (-max(dprob.get(e, 0.0), wprob.get(e, 0.0)), e)):
        by_col.setdefault(columns[key[eid]], []).append(eid)

    nodes: list[dict[str, Any]] = []
    for col, ids in sorted(by_col.items()):
        for k, eid in enumerate(ids):
            d = float(dprob.get(eid, 0.0))
            w = float(wprob.get(eid, 0.0))
            r = float(rshare.get(eid, 0.0))
            has_year = eid in year_of.index
            y = float(year_of[eid]) if has_year else None
            parts = []
            if n == 1:
                if d > 0:
                    parts.append("default")
                if w > 0:
                    parts.append("walks away")
            else:
                if d > 0:
                    parts.append(f"default {_share_text(d)}")
                if w > 0:
                    parts.append(f"walks away {_share_text(w)}")
            detail = " · ".join(parts)
            if y is not None:
                detail += f" · {y:g}" if n > 1 else f" {y:g}"
            classes = ["root" if r > 0 else "", "" if has_year else "trigger"]
            nodes.append(
                {
                    "data": {
                        "id": eid,
                        "name": names.get(eid, eid),
                        "label": short_name(names.get(eid, eid), 22)
                        + (f"\n{detail}" if detail else ""),
                        "default_probability": d,
                        "walk_probability": w,
                        "root_share": r,
                        "year": y,
                        "color": "#bdbdbd" if y is None else stress_year_color(y, lo, hi),
                        "size": round(24 + 30 * max(d, w), 1),
                    },
                    "position": {"x": col * 230.0, "y": (k - (len(ids) - 1) / 2) * 120.0},
                    "classes": " ".join(c for c in classes if c),
                }
            )
    edges: list[dict[str, Any]] = []
    for (cp, target, event, cause), count in link_runs:
        s = float(count) / n
        label = _short_cause(str(cause))
        edges.append(
            {
                "data": {
                    "id": f"{cp}>{target}|{event}|{cause}",
                    "source": cp,
                    "target": target,
                    "event": event,
                    "cause": cause,
                    "runs": int(count),
                    "share": s,
                    "width": round(1.5 + 8.0 * s, 2),
                    "label": label if n == 1 else f"{label} · {_share_text(s)}",
                },
                "classes": str(event),
            }
        )
    return nodes + edges


def stress_chain_stylesheet() -> list[dict[str, Any]]:
    """The Cytoscape stylesheet of the contagion chain: colour = year of the first event,
    diamond = failed on its own cause, dashed arrow = a walk-away, grey = a counterparty
    with no event of its own."""
    return [
        {
            "selector": "node",
            "style": {
                **_NODE_STYLE,
                "text-wrap": "wrap",
                "text-max-width": 200,
                "text-margin-y": 4,
            },
        },
        {
            "selector": ".root",
            "style": {"shape": "diamond", "border-width": 3, "border-color": "#111"},
        },
        {"selector": ".trigger", "style": {"border-style": "dashed"}},
        {
            "selector": "edge",
            "style": {
                "width": "data(width)",
                "line-color": "#8c8c8c",
                "target-arrow-color": "#8c8c8c",
                "target-arrow-shape": "triangle",
                "curve-style": "bezier",
                "label": "data(label)",
                "font-size": 9,
                "font-family": FONT,
                "color": "#444",
                "text-rotation": "autorotate",
                "text-background-color": "#fff",
                "text-background-opacity": 0.85,
                "text-background-padding": 2,
                "opacity": 0.85,
            },
        },
        {"selector": "edge.walk_away", "style": {"line-style": "dashed"}},
        {"selector": "node:selected", "style": {"border-width": 4, "border-color": "#111"}},
    ]
