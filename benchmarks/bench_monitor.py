"""Speed of the risk thermometer (run by hand: ``python benchmarks/bench_monitor.py``).

A synthetic history for every scored indicator of the bundled registry: daily series for
daily indicators, weekly/monthly/quarterly/annual ones at their frequency, from 2000 to
2025, then the full thermometer (recursive CDF scores, five gauges, EWMA CISS) on a
weekly grid. Random data: only the timing matters.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ouroboros.monitor import default_registry, ecdf_scores, thermometer

FREQ = {"daily": "B", "weekly": "W-WED", "monthly": "ME", "quarterly": "QE", "annual": "YE",
        "irregular": "MS"}  # fmt: skip


def synthetic(start: str = "2000-01-01", end: str = "2025-12-31", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    reg = default_registry()
    frames = []
    for ind in reg:
        if ind.source in ("derived", "ledger"):
            continue
        days = pd.date_range(start, end, freq=FREQ[ind.frequency])
        walk = 100 + np.cumsum(rng.normal(size=len(days)))
        frames.append(
            pd.DataFrame(
                {
                    "indicator": ind.id,
                    "date": days,
                    "value": np.abs(walk) + 1,
                    "source": "synthetic",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    obs = synthetic()
    n_daily = int(obs.groupby("indicator").size().max())
    print(
        f"observations: {len(obs):,} over {obs['indicator'].nunique()} raw series "
        f"(longest {n_daily:,})"
    )
    x = np.random.default_rng(1).normal(size=n_daily)
    print(f"ecdf_scores, one daily series of {n_daily:,}: {best_of(lambda: ecdf_scores(x)):.3f} s")
    t = thermometer(obs)
    print(
        f"thermometer (weekly grid, {len(t.composite):,} dates, {len(t.series):,} series "
        f"rows incl. derived): {best_of(lambda: thermometer(obs)):.3f} s"
    )


if __name__ == "__main__":
    main()
