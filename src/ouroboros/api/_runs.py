"""Stress runs started from the web: a one-worker queue and the stored runs.

``POST /api/runs`` queues a built-in scenario on a :class:`RunJobs` (a thread pool of one
worker, the serial executor); ``GET /api/runs/<id>`` polls the job and, once it is done,
returns its results. Finished runs are kept in the workspace's DuckDB store through the
same code path as ``ouroboros stress`` (:meth:`ouroboros.scenarios.StressResult.save`).
The dashboard's Stress page queues on the same :class:`RunJobs` and asks it to reuse a job
of the same scenario, runs, seed and dataset (``submit(..., reuse=True)``) rather than run
it again.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ouroboros._json import jsonable
from ouroboros.api._workspace import DEFAULT_KEY, Workspace
from ouroboros.errors import InputError, OuroborosError
from ouroboros.scenarios import StressResult, builtin_scenario_names, run_stress

__all__ = ["MAX_WEB_RUNS", "RunJob", "RunJobs", "parse_run_request", "run_results"]

MAX_WEB_RUNS = 2000
_RESULT_TABLES = ("defaults", "losses_by_layer", "timeline")


def parse_run_request(body: Any) -> tuple[str, int, int | None, str]:
    """Check a ``POST /api/runs`` body; return ``(scenario, runs, seed, dataset)``.

    Examples
    --------
    >>> parse_run_request({"scenario": "baseline", "runs": 1, "seed": 7})
    ('baseline', 1, 7, 'default')
    >>> parse_run_request({"scenario": "baseline", "runs": 0})
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: runs must be a whole number from 1 to 2000, got 0
    """
    if not isinstance(body, Mapping):
        raise InputError("the body must be a JSON object {scenario, runs, seed}", field="body")
    unknown = sorted(set(body) - {"scenario", "runs", "seed", "dataset"})
    if unknown:
        raise InputError(
            f"unknown field {unknown[0]!r}; fields: scenario, runs, seed, dataset",
            field=unknown[0],
        )
    names = builtin_scenario_names()
    scenario = body.get("scenario")
    if not isinstance(scenario, str) or scenario not in names:
        raise InputError(
            f"scenario must be a built-in scenario ({', '.join(names)}), got {scenario!r}",
            field="scenario",
        )
    runs = body.get("runs", 1)
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_WEB_RUNS:
        raise InputError(
            f"runs must be a whole number from 1 to {MAX_WEB_RUNS}, got {runs!r}", field="runs"
        )
    seed = body.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63
    ):
        raise InputError(f"seed must be a whole number in [0, 2**63), got {seed!r}", field="seed")
    dataset = body.get("dataset", DEFAULT_KEY)
    if not isinstance(dataset, str) or not dataset:
        raise InputError(f"dataset must be a dataset id, got {dataset!r}", field="dataset")
    return scenario, runs, seed, dataset


def run_results(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The results a finished run returns: its defaults, losses by layer and timeline."""
    return {name: jsonable(tables[name]) for name in _RESULT_TABLES if name in tables}


@dataclass
class RunJob:
    """One stress run started from the web and its state."""

    job_id: str
    scenario: str
    runs: int
    seed: int | None
    dataset: str
    status: str = "queued"
    message: str | None = None
    run_id: str | None = None
    result: StressResult | None = field(default=None, repr=False)

    def to_dict(self, *, results: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "job_id": self.job_id,
            "run_id": self.run_id,
            "status": self.status,
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed if self.result is None else self.result.seed,
            "dataset": self.dataset,
        }
        if self.status == "failed":
            out["message"] = self.message
        if results and self.result is not None:
            out["results"] = run_results(self.result.tables())
        return out


class RunJobs:
    """Stress runs of one server, run one at a time on a background thread.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ws = Workspace(store=pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
    >>> jobs = RunJobs(ws)
    >>> job = jobs.submit("baseline", 1, 3, "default")
    >>> jobs.wait(job.job_id).status
    'done'
    >>> jobs.submit("baseline", 1, 3, "default", reuse=True) is job  # no second run
    True
    >>> jobs.shutdown()
    """

    def __init__(self, ws: Workspace, *, keep: int = 200) -> None:
        self.ws = ws
        self.keep = keep
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ouroboros-runs")
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, RunJob] = OrderedDict()
        self._futures: dict[str, Any] = {}

    def submit(
        self, scenario: str, runs: int, seed: int | None, dataset: str, *, reuse: bool = False
    ) -> RunJob:
        """Queue a run (the dataset is checked now: ``InputError`` if unknown).

        With ``reuse=True``, a job of the same parameters that is queued, running or done
        (see :meth:`find`) is returned instead of queueing the same work again; it is
        looked up before the dataset is checked, so a reused run touches no store.
        """
        if reuse and (same := self.find(scenario, runs, seed, dataset)) is not None:
            return same
        self.ws.info(dataset)
        with self._lock:
            if reuse and (same := self._find(scenario, runs, seed, dataset)) is not None:
                return same
            job = RunJob(uuid.uuid4().hex[:12], scenario, runs, seed, dataset)
            self._jobs[job.job_id] = job
            while len(self._jobs) > self.keep:
                old, _ = self._jobs.popitem(last=False)
                self._futures.pop(old, None)
            self._futures[job.job_id] = self._pool.submit(self._run, job)
        return job

    def _run(self, job: RunJob) -> None:
        job.status = "running"
        try:
            ledger = self.ws.ledger(job.dataset)
            result = run_stress(
                job.scenario, ledger, runs=job.runs, seed=job.seed, executor="serial"
            )
            job.run_id = result.save(ledger, self.ws.store)
            job.result = result
            job.status = "done"
        except OuroborosError as exc:
            job.message = str(exc)
            job.status = "failed"
        except Exception as exc:  # a bug: report it, never lose the worker
            job.message = f"internal error: {type(exc).__name__}: {exc}"
            job.status = "failed"

    def find(self, scenario: str, runs: int, seed: int | None, dataset: str) -> RunJob | None:
        """The newest job of these parameters that is queued, running or done, else ``None``.

        A run is a pure function of its scenario, runs, seed and dataset (stored dataset
        versions never change), so such a job's result can stand in for a new run. A job
        with no seed (``None``: drawn at random) matches nothing, and failed jobs are
        never reused.
        """
        with self._lock:
            return self._find(scenario, runs, seed, dataset)

    def _find(self, scenario: str, runs: int, seed: int | None, dataset: str) -> RunJob | None:
        if seed is None:
            return None
        want = (scenario, runs, seed, dataset)
        for job in reversed(self._jobs.values()):
            if job.status != "failed" and (job.scenario, job.runs, job.seed, job.dataset) == want:
                return job
        return None

    def get(self, job_id: str) -> RunJob | None:
        """The job ``job_id`` or, if it is a finished job's run id, that job."""
        with self._lock:
            if job_id in self._jobs:
                return self._jobs[job_id]
            for job in self._jobs.values():
                if job.run_id == job_id:
                    return job
        return None

    def active(self) -> list[RunJob]:
        """Jobs queued or running, oldest first."""
        with self._lock:
            return [j for j in self._jobs.values() if j.status in ("queued", "running")]

    def wait(self, job_id: str, timeout: float | None = None) -> RunJob:
        """Block until ``job_id`` has finished; return it."""
        with self._lock:
            fut = self._futures.get(job_id)
            job = self._jobs[job_id]
        if fut is not None:
            fut.result(timeout=timeout)
        return job

    def shutdown(self) -> None:
        """Stop the worker after the queued jobs."""
        self._pool.shutdown(wait=True)
