"""The dashboard: Dash pages over every engine, the JSON API and the report on one server.

``ouroboros serve`` runs :func:`create_app` on 127.0.0.1:8050. Pages: the network map,
money flows (Sankey), loops, deals, the hurdle, liquidity and layers, the thermometer and
the data editor. Every asset is served by the app itself (no CDN, no web fonts, no
telemetry) and every figure names its source.

The figure builders are plain functions of engine results returning Plotly figures (or
Cytoscape elements); the HTML report uses the same ones.

Examples
--------
>>> import tempfile, pathlib
>>> app = create_app(store=pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> app.server.test_client().get("/api/openapi.json").get_json()["openapi"]
'3.1.0'
"""

from __future__ import annotations

from ouroboros.dashboard._app import CALLBACK_PATH, create_app, workspace_of
from ouroboros.dashboard._figures import (
    KIND_COLORS,
    ROLE_COLORS,
    STATUS_COLORS,
    STATUS_STYLES,
    circular_share_figure,
    composite_figure,
    cost_of_capital_figure,
    deal_balance_figure,
    deal_cashflow_figure,
    deal_dscr_figure,
    empty_figure,
    gauges_figure,
    instrument_years,
    layers_figure,
    ledger_years,
    loop_elements,
    network_elements,
    network_figure,
    network_positions,
    network_stylesheet,
    recipes_figure,
    repricing_figure,
    sankey_figure,
    stress_chain_elements,
    stress_chain_stylesheet,
    stress_default_probability_figure,
    stress_horizon_losses_figure,
    stress_losses_band_figure,
    stress_losses_figure,
    stress_year_color,
    tornado_figure,
    unit_label,
)
from ouroboros.dashboard._pages import PAGES, Page

__all__ = [
    "CALLBACK_PATH",
    "KIND_COLORS",
    "PAGES",
    "ROLE_COLORS",
    "STATUS_COLORS",
    "STATUS_STYLES",
    "Page",
    "circular_share_figure",
    "composite_figure",
    "cost_of_capital_figure",
    "create_app",
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
    "workspace_of",
]
