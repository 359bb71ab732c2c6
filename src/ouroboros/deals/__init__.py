"""Deal engine: cash flows and waterfalls for SPVs and neoclouds, vectorised over scenarios.

A deal is a declarative spec (YAML, validated): a calendar, assets (leases, take-or-pay
and usage contracts, GPU fleets, Treasuries), accounts (DSRA, construction, lock-up),
tranches, fees, equity, covenants and one waterfall per phase. :func:`run_deal` steps
through the periods with every scenario at once and returns tidy tables and summaries
(DSCR, LLCR, PLCR, WAL, XIRR, losses); :func:`breakeven` finds the stress at which a
tranche first loses money or DSCR falls to 1.0.

>>> from ouroboros.deals import bundled_deal, run_deal
>>> res = run_deal(bundled_deal("hyperion"))
>>> round(float(res.summary.loc[0, "llcr"]), 2) > 1.0
True
"""

from __future__ import annotations

from ouroboros.deals._breakeven import STRESSES, Breakeven, breakeven
from ouroboros.deals._compile import CompiledDeal, compile_deal
from ouroboros.deals._drivers import (
    Drivers,
    ScenarioSpec,
    drivers_for,
    load_scenarios,
    make_drivers,
    scenarios_from_data,
)
from ouroboros.deals._engine import run_deal
from ouroboros.deals._finance import (
    SculptedDebt,
    bond_price,
    bond_yield,
    level_payment,
    macaulay_duration,
    modified_duration,
    npv,
    sculpt,
    xirr,
    xirr_rows,
)
from ouroboros.deals._io import (
    bundled_deal,
    bundled_deal_names,
    bundled_deal_path,
    deal_from_data,
    load_deal,
    resolve_deal,
)
from ouroboros.deals._result import DealResult, yearly_summary
from ouroboros.deals._spec import (
    AccountSpec,
    CapexSpec,
    ContractAsset,
    Covenant,
    DealSpec,
    EquitySpec,
    FeeSpec,
    FixedRate,
    FloatingRate,
    GpuFleetAsset,
    LeaseAsset,
    TrancheSpec,
    TreasuriesAsset,
    Waterfalls,
)

__all__ = [
    "STRESSES",
    "AccountSpec",
    "Breakeven",
    "CapexSpec",
    "CompiledDeal",
    "ContractAsset",
    "Covenant",
    "DealResult",
    "DealSpec",
    "Drivers",
    "EquitySpec",
    "FeeSpec",
    "FixedRate",
    "FloatingRate",
    "GpuFleetAsset",
    "LeaseAsset",
    "ScenarioSpec",
    "SculptedDebt",
    "TrancheSpec",
    "TreasuriesAsset",
    "Waterfalls",
    "bond_price",
    "bond_yield",
    "breakeven",
    "bundled_deal",
    "bundled_deal_names",
    "bundled_deal_path",
    "compile_deal",
    "deal_from_data",
    "drivers_for",
    "level_payment",
    "load_deal",
    "load_scenarios",
    "macaulay_duration",
    "make_drivers",
    "modified_duration",
    "npv",
    "resolve_deal",
    "run_deal",
    "scenarios_from_data",
    "sculpt",
    "xirr",
    "xirr_rows",
    "yearly_summary",
]
