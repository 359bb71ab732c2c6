"""The revenue hurdle: what AI must earn to pay for the build-out.

* :func:`hurdle` — the general calculator (capex, asset-life mix, funding mix, margin,
  tax, optional government guarantee), every result with its derivation ``steps`` and
  ``checks`` of claims against implied figures; :func:`hurdle_sweep` vectorises it.
* Recipes — published estimates as YAML data (``seed-2025``, ``sequoia-2023``,
  ``sequoia-2024``, ``kupperman-2025``, ``morgan-stanley-2025``, ``bain-2025``,
  ``jpmorgan-2025``): :func:`builtin_recipes`, :func:`load_recipes`, :func:`run_recipe`.
* Sensitivity — :func:`tornado` and :func:`solve_for` on the calculator or any recipe.
* Gap — :func:`revenue_gap`, :func:`ledger_gap`: the hurdle against AI revenue earned and
  the years to close it.

Examples
--------
>>> from ouroboros.hurdle import HurdleInputs, hurdle, run_recipe, get_recipe
>>> round(hurdle(HurdleInputs(capex=3e12, ebitda_yield=0.12)).revenue_required / 1e9)
554
>>> run_recipe(get_recipe("sequoia-2024")).outputs["gap"] / 1e9
500.0
"""

from __future__ import annotations

from ouroboros.hurdle._calculator import (
    AI_DATACENTRE_MIX,
    ASSET_MIXES,
    CALCULATOR_OUTPUTS,
    AssetClass,
    HurdleInputs,
    HurdleResult,
    hurdle,
    hurdle_sweep,
    parse_asset_mix,
)
from ouroboros.hurdle._expr import FUNCTIONS, Expression, ExpressionError, parse_expression
from ouroboros.hurdle._finance import annuity_factor, capital_recovery_factor
from ouroboros.hurdle._gap import (
    AI_REVENUE_ROLES,
    AI_REVENUE_RULE,
    AI_SELLER_ROLES,
    GapResult,
    ai_revenue,
    ledger_gap,
    revenue_gap,
    years_to_close,
)
from ouroboros.hurdle._recipes import (
    Recipe,
    RecipeCheck,
    RecipeInput,
    RecipeResult,
    RecipeSource,
    RecipeStep,
    builtin_recipes,
    get_recipe,
    load_recipes,
    parse_recipes,
    run_recipe,
)
from ouroboros.hurdle._result import Check, Step
from ouroboros.hurdle._sensitivity import SolveResult, TornadoResult, solve_for, tornado

__all__ = [
    "AI_DATACENTRE_MIX",
    "AI_REVENUE_ROLES",
    "AI_REVENUE_RULE",
    "AI_SELLER_ROLES",
    "ASSET_MIXES",
    "CALCULATOR_OUTPUTS",
    "FUNCTIONS",
    "AssetClass",
    "Check",
    "Expression",
    "ExpressionError",
    "GapResult",
    "HurdleInputs",
    "HurdleResult",
    "Recipe",
    "RecipeCheck",
    "RecipeInput",
    "RecipeResult",
    "RecipeSource",
    "RecipeStep",
    "SolveResult",
    "Step",
    "TornadoResult",
    "ai_revenue",
    "annuity_factor",
    "builtin_recipes",
    "capital_recovery_factor",
    "get_recipe",
    "hurdle",
    "hurdle_sweep",
    "ledger_gap",
    "load_recipes",
    "parse_asset_mix",
    "parse_expression",
    "parse_recipes",
    "revenue_gap",
    "run_recipe",
    "solve_for",
    "tornado",
    "years_to_close",
]
