"""One batch of runs: draws, paths, the deal engine and the web, coupled until consistent.

The deal engine runs each deal over its whole life at once, so it cannot step in time
with the web. The two are coupled by fixed-point iteration: deals run first with no
customer defaults; the web runs with the deals' outcomes; a deal customer that defaults
in the web (OpenAI, say, for CoreWeave) becomes a ``customer_default`` of the deals, which
are run again for those runs only, and so is the web. Defaults only move earlier from one
pass to the next (more defaults never save anyone), so this ends in at most one pass per
deal customer; :data:`MAX_PASSES` is a safety net and the result says how many passes ran.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ouroboros.errors import ConvergenceError
from ouroboros.scenarios._deals import DealOutcome, run_deals
from ouroboros.scenarios._engine import WebOutput, simulate_web
from ouroboros.scenarios._paths import Paths, build_paths
from ouroboros.scenarios._plan import Plan
from ouroboros.scenarios._sample import Draws, central_draws, draw_runs
from ouroboros.scenarios._spec import ScenarioSpec

__all__ = ["MAX_PASSES", "BatchOutput", "BatchPayload", "run_batch"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]

MAX_PASSES = 12
PATH_SERIES = (
    "ai_revenue",
    "expected",
    "demand",
    "power",
    "capex",
    "capital",
    "ai_return",
    "hurdle_revenue",
    "cost_of_debt",
    "treasury",
    "sofr",
    "confidence",
)


@dataclass(frozen=True)
class BatchPayload:
    """What every batch needs (sent once to each worker)."""

    plan: Plan
    spec: ScenarioSpec
    seed: int
    central: bool  # one deterministic run (means, no noise)


@dataclass
class BatchOutput:
    """The results of a batch of runs (arrays over the batch's runs)."""

    first_run: int
    n_runs: int
    web: WebOutput
    deals: list[DealOutcome]
    decision: IntA  # (R, N) strategic-default decisions
    paths: dict[str, F]  # (R, P) per series
    market_open: NDArray[np.bool_]  # (R, P)
    params: dict[str, F]  # drawn parameters (R,)
    passes: int
    treasury_base: float = 0.0


def _paths_take(paths: Paths, rows: IntA) -> Paths:
    kw = {}
    for f in paths.__dataclass_fields__:
        v = getattr(paths, f)
        if f in ("cal", "guarantee_on", "treasury_base"):
            kw[f] = v
        else:
            kw[f] = v[rows]
    return Paths(**kw)


def run_batch(payload: BatchPayload, first_run: int, n_runs: int) -> BatchOutput:
    """Simulate runs ``first_run .. first_run + n_runs - 1`` (see the module notes)."""
    plan, spec = payload.plan, payload.spec
    draws: Draws = (
        central_draws(spec, plan.periods, plan.n)
        if payload.central
        else draw_runs(spec, payload.seed, first_run, n_runs, plan.periods, plan.n)
    )
    paths = build_paths(plan, spec, draws)
    customers = sorted({c for link in plan.deals for c in link.customers.values() if c >= 0})
    cust = np.full((draws.n, plan.n), -1, dtype=np.int64)
    deals = run_deals(plan, spec, paths, draws, cust)
    web = simulate_web(plan, spec, paths, draws, deals)
    passes = 1
    while customers:
        new = web.default_period[:, customers]
        changed = np.flatnonzero((new != cust[:, customers]).any(axis=1))
        if changed.size == 0:
            break
        passes += 1
        if passes > MAX_PASSES:
            raise ConvergenceError(
                f"deals and web did not agree on the deal customers' defaults in {MAX_PASSES} "
                "passes"
            )
        cust[np.ix_(changed, np.asarray(customers, dtype=np.int64))] = new[changed]
        sub_deals = run_deals(
            plan, spec, _paths_take(paths, changed), draws.take(changed), cust[changed]
        )
        # the web only needs running again where a deal's outcome moved
        moved = np.zeros(changed.size, dtype=bool)
        for old, fresh in zip(deals, sub_deals, strict=True):
            moved |= ~old.take(changed).same_as(fresh)
        deals = [d.put(changed, s) for d, s in zip(deals, sub_deals, strict=True)]
        rows = changed[moved]
        if rows.size:
            sub_web = simulate_web(
                plan, spec, _paths_take(paths, rows), draws.take(rows),
                [d.take(rows) for d in deals],
            )  # fmt: skip
            web = web.replace_runs(rows, sub_web)
    return BatchOutput(
        first_run=first_run,
        n_runs=draws.n,
        web=web,
        deals=deals,
        decision=paths.decision,
        paths={k: np.asarray(getattr(paths, k)) for k in PATH_SERIES},
        market_open=paths.market_open,
        params=draws.params,
        passes=passes,
        treasury_base=paths.treasury_base,
    )
