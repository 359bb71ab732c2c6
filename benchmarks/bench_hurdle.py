"""Timings of the revenue-hurdle package (run by hand: ``python benchmarks/bench_hurdle.py``).

Measures the single calculator run (with its step list and both IRRs), the vectorised
sweep over many scenarios (root finding included), tornado and solve on the calculator
and on a recipe, and running every built-in recipe.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np

from ouroboros.hurdle import (
    AI_DATACENTRE_MIX,
    HurdleInputs,
    builtin_recipes,
    get_recipe,
    hurdle,
    hurdle_sweep,
    run_recipe,
    solve_for,
    tornado,
)


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall time of ``number`` calls, in seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main() -> None:
    rng = np.random.default_rng(7)
    base = HurdleInputs(ebitda_yield=None, asset_mix=AI_DATACENTRE_MIX, tax_rate=0.21)
    stated = HurdleInputs(asset_mix=AI_DATACENTRE_MIX, tax_rate=0.21)
    recipes = builtin_recipes()
    rows: list[tuple[str, float]] = [
        ("hurdle() seed defaults, steps + checks + 2 IRRs", best_of(hurdle, number=20)),
        (
            "hurdle() 3-class mix, tax, 3 build years",
            best_of(
                lambda: hurdle(
                    HurdleInputs(asset_mix=AI_DATACENTRE_MIX, tax_rate=0.21, build_years=3)
                ),
                number=20,
            ),
        ),
        ("run_recipe(seed-2025)", best_of(lambda: run_recipe(get_recipe("seed-2025")), number=50)),
        (
            "run all 7 built-in recipes",
            best_of(lambda: [run_recipe(r) for r in recipes.values()], number=10),
        ),
        ("tornado(calculator), 10 inputs", best_of(lambda: tornado(base), number=10)),
        (
            "tornado(calculator) on equity_irr",
            best_of(lambda: tornado(stated, output="equity_irr"), number=10),
        ),
        (
            "tornado(seed-2025), 12 inputs",
            best_of(lambda: tornado(get_recipe("seed-2025")), number=10),
        ),
        (
            "solve_for(asset_life), recovery mode",
            best_of(lambda: solve_for(base, "asset_life", 1.2e12), number=10),
        ),
        (
            "solve_for(ebitda_yield -> equity_irr = 15%)",
            best_of(
                lambda: solve_for(
                    stated, "ebitda_yield", 0.15, output="equity_irr", low=0.05, high=0.6
                ),
                number=5,
            ),
        ),
    ]
    for n in (1_000, 100_000):
        draws = {
            "capex": rng.uniform(1e12, 5e12, n),
            "ebitda_yield": rng.uniform(0.08, 0.4, n),
            "debt_share": rng.uniform(0.0, 0.8, n),
            "cost_of_debt": rng.uniform(0.04, 0.10, n),
            "asset_life": rng.uniform(6.0, 20.0, n),
        }
        t = best_of(lambda draws=draws: hurdle_sweep(stated, **draws), repeat=3)
        rows.append((f"hurdle_sweep, {n:,} scenarios, all outputs incl. both IRRs", t))

    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds * 1e3:10.3f} ms")


if __name__ == "__main__":
    main()
