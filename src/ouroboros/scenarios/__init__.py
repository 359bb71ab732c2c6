"""Stress scenarios: run the whole web forward in time, once or ten thousand times.

* Scenario specs (:class:`ScenarioSpec`, YAML files with located errors): the adoption
  curve of AI revenue, AI capex, rates and spreads, power, whether the refinancing market
  is open, a government guarantee, and the rules everyone follows (strategic default,
  fund-raising, default costs, fire sales). Any parameter may be a distribution.
* Built-in scenarios (``ouroboros/data/scenarios``): ``baseline``, ``slow-productivity``,
  ``productivity-refuted``, ``power-crunch``, ``rates-up``, ``government-guarantee``.
* :func:`run_stress` — the time-stepped simulator over a ledger, vectorised over runs:
  operating cash, contracts, refinancing, fund-raising, liquidity defaults, the deal
  engine for the SPV and neocloud deals, clearing by seniority with default costs, fire
  sales, repricing; Monte Carlo through an executor (local processes, Dask).
* :class:`StressResult` — tidy tables: events and timeline, defaults, default
  probabilities, losses by layer, credit losses, hurdle, circularity, repricing, deals.
* :func:`compare_scenarios` — the side-by-side table.

Examples
--------
>>> from ouroboros.scenarios import builtin_scenario_names, run_stress
>>> builtin_scenario_names()[:3]
['baseline', 'slow-productivity', 'productivity-refuted']
>>> res = run_stress("slow-productivity")
>>> res.default_years()["openai"] is not None
True
"""

from __future__ import annotations

from ouroboros.scenarios._executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    get_executor,
)
from ouroboros.scenarios._io import (
    builtin_scenario,
    builtin_scenario_names,
    builtin_scenario_path,
    check_against_ledger,
    load_scenario,
    resolve_scenario,
    scenario_from_data,
)
from ouroboros.scenarios._plan import LAYERS
from ouroboros.scenarios._result import QUANTILES, StressResult
from ouroboros.scenarios._run import (
    batch_sizes,
    compare_scenarios,
    format_comparison,
    run_stress,
    stacked_timelines,
)
from ouroboros.scenarios._sample import RNG_BLOCK
from ouroboros.scenarios._spec import (
    AdoptionSpec,
    CapexSpec,
    ContagionSpec,
    Distribution,
    EconomicsSpec,
    EntityOverride,
    ExpectationsSpec,
    FireSaleSpec,
    FundingSpec,
    GuaranteeSpec,
    MarketSpec,
    PowerSpec,
    RatesSpec,
    ScenarioSpec,
    StrategicDefaultSpec,
)

__all__ = [
    "LAYERS",
    "QUANTILES",
    "RNG_BLOCK",
    "AdoptionSpec",
    "CapexSpec",
    "ContagionSpec",
    "DaskExecutor",
    "Distribution",
    "EconomicsSpec",
    "EntityOverride",
    "Executor",
    "ExpectationsSpec",
    "FireSaleSpec",
    "FundingSpec",
    "GuaranteeSpec",
    "LocalExecutor",
    "MarketSpec",
    "PowerSpec",
    "RatesSpec",
    "ScenarioSpec",
    "SerialExecutor",
    "StrategicDefaultSpec",
    "StressResult",
    "batch_sizes",
    "builtin_scenario",
    "builtin_scenario_names",
    "builtin_scenario_path",
    "check_against_ledger",
    "compare_scenarios",
    "format_comparison",
    "get_executor",
    "load_scenario",
    "resolve_scenario",
    "run_stress",
    "scenario_from_data",
    "stacked_timelines",
]
