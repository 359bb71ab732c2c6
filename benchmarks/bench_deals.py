"""Benchmark the deal engine: 10,000 scenarios of a 25-year monthly SPV (300 periods).

Run by hand (not collected by pytest)::

    python benchmarks/bench_deals.py            # default 10,000 scenarios, 5 repeats
    python benchmarks/bench_deals.py -n 2000 -r 3

Reports wall-clock and CPU time (best of the repeats) for:

* ``spv-300``: a synthetic single-tenant SPV, 300 monthly periods of operation, two
  tranches (senior level-amortising, junior bullet with refinancing), a DSRA, a lock-up
  account, DSCR and LLCR covenants, rents, Treasury yields and refinancing rates moving
  per scenario and per period, a tenant walk-away date per scenario;
* ``hyperion``: the bundled Hyperion spec (284 periods with 38 of construction) under
  random rent paths, Treasury yields and walk-away dates;
* both with ``detail=False`` (summaries only: what a Monte Carlo wants) and, for 1,000
  scenarios, with the full per-period tables.

Target (issue 5): 10,000 scenarios of the 300-period SPV in under 2 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ouroboros.deals import (
    CompiledDeal,
    Drivers,
    breakeven,
    bundled_deal,
    compile_deal,
    deal_from_data,
    make_drivers,
    run_deal,
)


def spv_300() -> CompiledDeal:
    """A 25-year monthly single-tenant SPV with two tranches, reserves and covenants."""
    data: dict[str, Any] = {
        "id": "spv-300",
        "name": "Benchmark SPV, 25 years monthly",
        "calendar": {"close": "2025-12-31", "end": "2050-12-31", "frequency": "monthly"},
        "rates": {"treasury": 0.04, "sofr": 0.04},
        "assets": [
            {"id": "lease", "kind": "lease", "tenant": "tenant", "rent": 2600.0,
             "escalation": 0.02, "start": "2026-01-01", "initial_term_years": 5,
             "renewal": {"options": 4, "term_years": 5}, "value": 27000.0,
             "residual_value": {0: 1.0, 25: 0.3},
             "guarantee": {"cap": 10000.0, "years": 15}},
            {"id": "tsy", "kind": "treasuries"},
        ],
        "accounts": [
            {"id": "dsra", "kind": "reserve", "initial": 1200.0, "invested_in": "tsy",
             "target": {"periods_of_debt_service": 6}},
            {"id": "trap", "kind": "lock_up"},
        ],
        "tranches": [
            {"id": "senior", "seniority": 1, "amount": 22000.0, "rate": {"fixed": 0.0658},
             "amortisation": {"kind": "level"}, "maturity": "2050-12-31"},
            {"id": "junior", "seniority": 2, "amount": 3000.0, "rate": {"fixed": 0.09},
             "maturity": "2035-12-31", "deferrable": True,
             "refinance": {"term_years": 10, "spread": 0.05}},
        ],
        "fees": [{"id": "admin", "amount": 10.0, "escalation": 0.02}],
        "equity": {"amount": 2500.0, "holders": [{"id": "a", "share": 0.8},
                                                  {"id": "b", "share": 0.2}]},
        "close": {"payments": [{"id": "asset", "amount": 26300.0}]},
        "covenants": [
            {"id": "dscr", "metric": "dscr", "threshold": 1.1, "window_periods": 12,
             "breach": "lock_up", "cure_periods": 6},
            {"id": "llcr", "metric": "llcr", "threshold": 1.05, "breach": "cash_sweep"},
        ],
        "enforcement": {"delay_periods": 6, "recovery": 0.6},
        "waterfalls": {"operation": [
            {"action": "pay_fee"},
            {"action": "pay_interest", "from": ["cash", "dsra"]},
            {"action": "pay_principal", "from": ["cash", "dsra"]},
            {"action": "top_up_reserve", "account": "dsra"},
            {"action": "sweep", "share": 1.0},
            {"action": "distribute"},
        ]},
    }  # fmt: skip
    return compile_deal(deal_from_data(data))


def random_drivers(cd: CompiledDeal, n: int, seed: int = 0) -> Drivers:
    """Rents on a random walk, Treasury and refinancing paths, walk-away dates."""
    rng = np.random.default_rng(seed)
    T = cd.n_periods
    shocks = rng.normal(0.0, 0.01, (n, T)).cumsum(axis=1)
    rent = np.clip(rng.uniform(0.7, 1.1, (n, 1)) + shocks, 0.0, None)
    tsy = np.clip(rng.uniform(0.02, 0.06, (n, 1)) + rng.normal(0, 0.001, (n, T)).cumsum(1), 0, None)
    refi = tsy + rng.uniform(0.0, 0.06, (n, 1))
    walk = np.where(
        rng.uniform(size=n) < 0.3,
        np.datetime64("2030-01-01") + rng.integers(0, 20 * 365, n).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    ).astype("datetime64[D]")
    return make_drivers(
        n, rent_factor=rent, treasury=tsy, refinance_rate=refi, walk_away={"*": walk}
    )


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=10_000, help="scenarios")
    ap.add_argument("-r", type=int, default=5, help="repeats (best of)")
    args = ap.parse_args()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} cpus, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    rows = []
    for name, cd in (("spv-300", spv_300()), ("hyperion", compile_deal(bundled_deal("hyperion")))):
        drv = random_drivers(cd, args.n)
        # the first run in a process pays for fresh memory (page faults); later runs reuse it
        wall, cpu = timed(lambda cd=cd, drv=drv: run_deal(cd, drv, detail=False))
        rows.append((name, cd.n_periods, args.n, "summary, first run", wall, cpu))
        wall, cpu = best_of(lambda cd=cd, drv=drv: run_deal(cd, drv, detail=False), args.r)
        rows.append((name, cd.n_periods, args.n, f"summary, best of {args.r}", wall, cpu))
        small = random_drivers(cd, 1000)
        wall, cpu = best_of(
            lambda cd=cd, d=small: run_deal(cd, d, detail=True), max(1, args.r // 2)
        )
        rows.append((name, cd.n_periods, 1000, "full tables", wall, cpu))
    be = compile_deal(bundled_deal("hyperion"))
    wall, cpu = timed(lambda: breakeven(be, "rent_haircut"))
    rows.append(("hyperion", be.n_periods, 1, "breakeven", wall, cpu))
    head = f"{'deal':<10} {'periods':>7} {'scenarios':>9} {'run':<22} {'wall s':>8} {'cpu s':>8}"
    print(head)
    for r in rows:
        print(f"{r[0]:<10} {r[1]:>7} {r[2]:>9,} {r[3]:<22} {r[4]:>8.3f} {r[5]:>8.3f}")
    cd = spv_300()
    res = run_deal(cd, random_drivers(cd, 2000), detail=False)
    s = res.summary
    print(
        f"sanity (2,000 spv-300 scenarios): {int(s.default_date.notna().sum())} defaults, "
        f"median min DSCR {s.min_dscr.median():.3f}, "
        f"median equity IRR {s.equity_irr.median():.3%}"
    )


if __name__ == "__main__":
    main()
