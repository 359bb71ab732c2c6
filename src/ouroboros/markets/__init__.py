"""Markets: the liquidity drain ("reverse QE"), duration repricing, forced selling, layers.

* :func:`loanable_funds` — cost of capital, crowding out and the stimulus versus
  crowding-out phase per year for an AI capex path, with an idle-liquidity buffer
  (:func:`fed_net_liquidity` = WALCL − TGA − RRP) and a central bank that can add water.
* :func:`reprice` — exact repricing of asset classes described by their cash-flow
  profiles (:class:`AssetClass`: Gordon perpetuity, bond, explicit cash flows), with each
  class's modified duration.
* :func:`forced_selling` — holders meeting commitments sell their lowest-conviction
  positions or redeem from funds; price impact and outside redemptions drive further
  rounds until nobody needs to sell.
* :func:`layer_payoffs` — payoff and loss of each investor layer (tech-giant equity, SPV
  bonds and equity, private-credit loans, neocloud equity, LP stakes, pension/ETF holders)
  under productivity and funding scenarios; :func:`layer_payoff_grid` sweeps them.
* :func:`load_liquidity_scenario`, :func:`run_liquidity`, :func:`load_layers_scenario`,
  :func:`run_layers` — the bundled, sourced parameters (``ouroboros/data/markets``) with a
  user's YAML scenario merged over them.

Examples
--------
>>> from ouroboros.markets import AssetClass, reprice
>>> res = reprice([AssetClass("crypto", "gordon", risk_premium=0.08, growth=0.106)],
...               0.01, risk_free=0.041)
>>> round(float(res.table["price_change"].iloc[0]), 4)   # (r-g)/(r+Δr-g) - 1 = 1.5/2.5 - 1
-0.4
"""

from __future__ import annotations

from ouroboros.markets._layers import (
    LAYER_KINDS,
    Layer,
    LayerResult,
    PayoffScenario,
    Venture,
    VentureFlows,
    layer_payoff_grid,
    layer_payoffs,
    venture_cash_flows,
)
from ouroboros.markets._liquidity import (
    PHASES,
    LoanableFundsResult,
    fed_net_liquidity,
    loanable_funds,
)
from ouroboros.markets._repricing import PROFILE_KINDS, AssetClass, RepricingResult, reprice
from ouroboros.markets._scenario import (
    LayersScenario,
    LiquidityReport,
    LiquidityScenario,
    default_scenario_path,
    load_layers_scenario,
    load_liquidity_scenario,
    run_layers,
    run_liquidity,
)
from ouroboros.markets._selling import (
    IMPACT_KINDS,
    SELL_ORDERS,
    Holder,
    MarketAsset,
    Position,
    SellingResult,
    forced_selling,
    impact_price,
    impact_proceeds,
)

__all__ = [
    "IMPACT_KINDS",
    "LAYER_KINDS",
    "PHASES",
    "PROFILE_KINDS",
    "SELL_ORDERS",
    "AssetClass",
    "Holder",
    "Layer",
    "LayerResult",
    "LayersScenario",
    "LiquidityReport",
    "LiquidityScenario",
    "LoanableFundsResult",
    "MarketAsset",
    "PayoffScenario",
    "Position",
    "RepricingResult",
    "SellingResult",
    "Venture",
    "VentureFlows",
    "default_scenario_path",
    "fed_net_liquidity",
    "forced_selling",
    "impact_price",
    "impact_proceeds",
    "layer_payoff_grid",
    "layer_payoffs",
    "load_layers_scenario",
    "load_liquidity_scenario",
    "loanable_funds",
    "reprice",
    "run_layers",
    "run_liquidity",
    "venture_cash_flows",
]
