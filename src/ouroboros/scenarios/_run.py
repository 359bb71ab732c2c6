"""``run_stress``: one scenario, one or many runs, through an executor; and comparisons."""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from ouroboros import __version__
from ouroboros.errors import InputError
from ouroboros.model import Ledger, default_ledger
from ouroboros.scenarios._batch import BatchOutput, BatchPayload, run_batch
from ouroboros.scenarios._executors import Executor, SerialExecutor, get_executor
from ouroboros.scenarios._io import as_data, resolve_scenario
from ouroboros.scenarios._plan import LAYERS, build_plan
from ouroboros.scenarios._result import StressResult, assemble
from ouroboros.scenarios._sample import RNG_BLOCK
from ouroboros.scenarios._spec import ScenarioSpec

__all__ = [
    "batch_sizes",
    "compare_scenarios",
    "format_comparison",
    "run_stress",
    "stacked_timelines",
]

MAX_BATCH = 1000
MIN_BATCH = 100


def batch_sizes(runs: int, workers: int, batch_size: int | None = None) -> list[tuple[int, int]]:
    """Split ``runs`` into ``(first_run, n_runs)`` tasks of whole blocks of random numbers.

    Without ``batch_size``, batches hold between 100 and 1,000 runs, about four per worker
    (each takes well over 100 ms). Sizes are rounded up to a multiple of the block (50).

    >>> batch_sizes(1000, 2)
    [(0, 150), (150, 150), (300, 150), (450, 150), (600, 150), (750, 150), (900, 100)]
    >>> batch_sizes(120, 2, batch_size=60)
    [(0, 100), (100, 20)]
    """
    if runs < 1:
        raise InputError(f"runs must be >= 1, got {runs}", field="runs")
    if batch_size is None:
        size = min(max(math.ceil(runs / (4 * max(workers, 1))), MIN_BATCH), MAX_BATCH)
    else:
        if batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
        size = batch_size
    size = math.ceil(size / RNG_BLOCK) * RNG_BLOCK
    return [(a, min(size, runs - a)) for a in range(0, runs, size)]


@contextmanager
def _progress_bar(runs: int, label: str, show: bool | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; ``show=None`` shows it on a terminal for long runs."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    visible = show if show is not None else (runs >= 500 and console.is_terminal)
    if not visible:
        yield lambda n: None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=runs)
        yield lambda n: bar.advance(task, n)


def run_stress(
    scenario: ScenarioSpec | str,
    ledger: Ledger | None = None,
    *,
    runs: int = 1,
    seed: int | None = None,
    executor: Executor | str | None = None,
    address: str | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
) -> StressResult:
    """Run a stress scenario over the web: one central run, or a Monte Carlo of many.

    With ``runs == 1`` every distribution takes its mean and paths carry no noise (the
    central scenario; events whose probability exceeds one half happen). With more runs,
    each run draws its parameters and paths from the seed and its index, in batches of
    runs sent through the executor; results are the same whatever the executor, the
    number of workers or the batch size (to rounding in a few aggregated statistics).

    Parameters
    ----------
    scenario : ScenarioSpec or str
        A spec, a built-in name (``baseline``, ``slow-productivity``, ...) or a file path.
    ledger : Ledger, optional
        The web to stress (default: the bundled dataset).
    runs : int
        Number of runs.
    seed : int, optional
        Seed of the random numbers (default: drawn, and reported in the result).
    executor : {"local", "dask", "serial"} or Executor, optional
        Where batches run; ``local`` processes by default.
    address : str, optional
        A Dask scheduler's address (with ``executor="dask"``).
    workers : int, optional
        Local processes (or workers of a Dask cluster started for the run).
    batch_size : int, optional
        Runs per batch (rounded up to a multiple of 50).
    progress : bool, optional
        Show a progress bar on stderr (default: on a terminal, for 500 runs or more).

    Returns
    -------
    StressResult

    Examples
    --------
    >>> from ouroboros.scenarios import run_stress
    >>> res = run_stress("baseline")
    >>> res.runs, res.years[-1]
    (1, 2050)
    >>> sorted(e for e, y in res.default_years().items() if y is not None)
    []
    """
    spec = resolve_scenario(scenario)
    lg = ledger if ledger is not None else default_ledger()
    if not isinstance(runs, int) or runs < 1:
        raise InputError(f"runs must be a whole number >= 1, got {runs!r}", field="runs")
    if seed is None:
        seed = secrets.randbits(63)
    elif not (isinstance(seed, int) and 0 <= seed < 2**63):
        raise InputError(f"seed must be a whole number in [0, 2**63), got {seed!r}", field="seed")
    started = time.perf_counter()
    plan = build_plan(spec, lg)
    central = runs == 1
    payload = BatchPayload(plan=plan, spec=spec, seed=seed, central=central)
    ex = get_executor(executor, address=address, workers=workers)
    tasks = [(0, 1)] if central else batch_sizes(runs, ex.workers, batch_size)
    ex_used: Executor = SerialExecutor() if len(tasks) == 1 else ex
    with _progress_bar(runs, f"stress {spec.name}", progress) as tick:
        batches: list[BatchOutput] = ex_used.map(run_batch, payload, tasks, tick)
    params = {
        "scenario": as_data(spec),
        "runs": runs,
        "seed": seed,
        "dataset": lg.meta.name,
        "dataset_version": lg.meta.version,
        "executor": type(ex_used).__name__,
        "batches": len(tasks),
        "batch_size": tasks[0][1],
        "coupling_passes": max(b.passes for b in batches),
        "seconds": round(time.perf_counter() - started, 3),
        "ouroboros": __version__,
    }
    return assemble(plan, spec, batches, seed=seed, dataset=lg.meta.name, parameters=params)


def compare_scenarios(results: Sequence[StressResult]) -> pd.DataFrame:
    """A side-by-side table of scenarios: one row per measure, one column per scenario.

    Measures: the first default (entity and year), the number of entities that default
    (expected number with many runs), each deal's loss probability, losses by layer at the
    horizon (mean over runs), and the hurdle coverage in the last year.

    >>> from ouroboros.scenarios import run_stress
    >>> t = compare_scenarios([run_stress("baseline"), run_stress("rates-up")])
    >>> list(t.columns)
    ['measure', 'baseline', 'rates-up']
    """
    if not results:
        raise InputError("compare needs at least one scenario", field="scenarios")
    names = []
    for r in results:
        n = r.name
        k = 2
        while n in names:
            n = f"{r.name} ({k})"
            k += 1
        names.append(n)
    cols: dict[str, dict[str, Any]] = {}
    for name, r in zip(names, results, strict=True):
        col: dict[str, Any] = {"runs": r.runs}
        ev = r.events[r.events["event"] == "default"]
        if r.runs == 1:
            first = ev.sort_values("year").head(1)
            col["first default"] = (
                f"{first['entity'].iloc[0]} ({int(first['year'].iloc[0])})"
                if len(first)
                else "none"
            )
            col["defaults (entities)"] = int(ev["entity"].nunique())
            walks = r.events[r.events["event"] == "walk_away"]
            col["walk-aways"] = len(walks)
        else:
            dp = r.default_probability
            top = dp[dp["probability"] > 0].head(1)
            col["most likely default"] = (
                f"{top['entity'].iloc[0]} (p={top['probability'].iloc[0]:.2f}, "
                f"~{top['p50'].iloc[0]:.0f})"
                if len(top)
                else "none"
            )
            col["expected defaults (entities)"] = float(dp["probability"].sum())
        for rec in r.deals.itertuples(index=False):
            col[f"deal {rec.deal}: loss probability"] = rec.loss_probability
        last = r.losses_by_layer[r.losses_by_layer["year"] == r.years[-1]]
        value = "loss" if r.runs == 1 else "mean"
        for layer in LAYERS:
            row = last[last["layer"] == layer]
            col[f"loss {layer}"] = float(row[value].iloc[0]) if len(row) else 0.0
        col["hurdle coverage (last year)"] = float(r.hurdle["coverage"].iloc[-1])
        cols[name] = col
    measures: list[str] = []
    for c in cols.values():
        for m in c:
            if m not in measures:
                measures.append(m)
    data = {"measure": measures}
    for name in names:
        data[name] = [cols[name].get(m, "") for m in measures]
    return pd.DataFrame(data)


def format_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_scenarios`'s table as text for display: numbers with two decimals and
    thousands separators, everything else as it is.

    >>> format_comparison(pd.DataFrame({"measure": ["loss"], "a": [1234.5]}))["a"].tolist()
    ['1,234.50']
    """
    shown = table.copy()
    for c in shown.columns[1:]:
        shown[c] = [f"{v:,.2f}" if isinstance(v, float) else str(v) for v in shown[c]]
    return shown


def stacked_timelines(results: Sequence[StressResult]) -> pd.DataFrame:
    """The timelines of several results in one table, a ``scenario`` column first.

    >>> from ouroboros.scenarios import run_stress
    >>> stacked_timelines([run_stress("baseline")]).columns[0]
    'scenario'
    """
    frames = []
    for r in results:
        tl = r.timeline.copy()
        tl.insert(0, "scenario", r.name)
        frames.append(tl)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"scenario": []})
