"""Benchmark the stress simulator: 10,000 runs of the bundled dataset to 2050.

Run by hand (not collected by pytest)::

    python benchmarks/bench_scenarios.py                     # everything below
    python benchmarks/bench_scenarios.py --runs 2000 --skip-dask

Reports wall-clock time (and CPU time of this process) for:

* ``breakdown``: one batch of 1,000 runs in this process, split into the exogenous paths,
  the deal engine (Hyperion and CoreWeave, all runs at once), the web simulation and the
  assembly of the result tables;
* ``local``: ``--runs`` runs (default 10,000) of ``baseline`` and ``slow-productivity`` on
  the local process executor with 1 and 2 workers;
* ``dask``: the same on a Dask ``LocalCluster`` with 1 and 2 worker processes (one thread
  each), cluster start-up excluded: the scaling with workers.

Target (issue 8): 10,000 runs of the default dataset to 2050 in under 60 s on a 2-core
machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from ouroboros.model import default_ledger
from ouroboros.scenarios import DaskExecutor, LocalExecutor, builtin_scenario, run_stress
from ouroboros.scenarios._batch import BatchPayload, run_batch
from ouroboros.scenarios._deals import run_deals
from ouroboros.scenarios._engine import simulate_web
from ouroboros.scenarios._paths import build_paths
from ouroboros.scenarios._plan import build_plan
from ouroboros.scenarios._result import assemble
from ouroboros.scenarios._sample import draw_runs


def _timed(label: str, fn, *args, **kw):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"| {label} | {wall:.2f} | {cpu:.2f} |")
    return out, wall


def breakdown(name: str, runs: int) -> None:
    spec = builtin_scenario(name)
    lg = default_ledger()
    print(f"\n### One batch of {runs} runs of `{name}`, in process\n")
    print("| step | wall s | CPU s |\n|---|---|---|")
    plan, _ = _timed("compile the plan (ledger + scenario)", build_plan, spec, lg)
    draws, _ = _timed("draws", draw_runs, spec, 1, 0, runs, plan.periods, plan.n)
    paths, _ = _timed("exogenous paths", build_paths, plan, spec, draws)
    cust = np.full((runs, plan.n), -1)
    deals, _ = _timed("deal engine (2 deals)", run_deals, plan, spec, paths, draws, cust)
    _timed("web simulation (one pass)", simulate_web, plan, spec, paths, draws, deals)
    payload = BatchPayload(plan, spec, 1, False)
    batch, _ = _timed("whole batch (coupled passes)", run_batch, payload, 0, runs)
    _timed(
        "result tables",
        assemble,
        plan,
        spec,
        [batch],
        seed=1,
        dataset=lg.meta.name,
        parameters={},
    )
    print(f"\ncoupling passes: {batch.passes}")


def local(names: list[str], runs: int, workers: list[int]) -> None:
    print(f"\n### {runs:,} runs to 2050, local process executor\n")
    print("| scenario | workers | wall s | runs/s |\n|---|---|---|---|")
    for name in names:
        for w in workers:
            t = time.perf_counter()
            res = run_stress(name, runs=runs, seed=1, executor=LocalExecutor(w))
            wall = time.perf_counter() - t
            print(f"| {name} | {w} | {wall:.1f} | {runs / wall:,.0f} |")
            del res


def dask(names: list[str], runs: int, workers: list[int]) -> None:
    from distributed import Client, LocalCluster

    print(f"\n### {runs:,} runs to 2050, Dask LocalCluster (processes, 1 thread each)\n")
    print("| scenario | workers | wall s | runs/s | speed-up |\n|---|---|---|---|---|")
    for name in names:
        base = None
        for w in workers:
            with (
                LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                             dashboard_address=None) as cluster,
                Client(cluster) as client,
            ):  # fmt: skip
                client.wait_for_workers(w)
                t = time.perf_counter()
                run_stress(name, runs=runs, seed=1, executor=DaskExecutor(client=client))
                wall = time.perf_counter() - t
            base = base or wall
            print(f"| {name} | {w} | {wall:.1f} | {runs / wall:,.0f} | {base / wall:.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}")  # fmt: skip
    breakdown("slow-productivity", args.batch)
    names = ["baseline", "slow-productivity"]
    local(names, args.runs, [1, 2])
    if not args.skip_dask:
        dask(["slow-productivity"], args.runs, [1, 2])


if __name__ == "__main__":
    main()
