"""Executors: where the batches of a Monte Carlo run.

An executor maps a function over batches and returns the results in the batches' order.
The payload every batch needs (the compiled plan, the scenario, the seed) is sent once per
worker, not once per batch. Three executors ship:

* :class:`SerialExecutor` — in this process (tests, small runs);
* :class:`LocalExecutor` — a :class:`concurrent.futures.ProcessPoolExecutor` (the default);
* :class:`DaskExecutor` — a Dask ``distributed`` cluster (``pip install "dask[distributed]"``),
  at an address (``tcp://host:8786``), an existing ``Client``, or a ``LocalCluster`` started
  for the run.

Because each run's random numbers depend only on the seed and the run's index (see
:mod:`ouroboros.scenarios._sample`), every executor gives the same results.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol, runtime_checkable

from ouroboros.errors import InputError

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "SerialExecutor", "get_executor"]

Task = tuple[int, int]  # (first run, number of runs)
BatchFn = Callable[[Any, int, int], Any]
Progress = Callable[[int], None]

_PAYLOAD: dict[str, Any] = {}
_TUNED = {"done": False}


def tune_allocator() -> bool:
    """Undo the effect of ``MALLOC_TRIM_THRESHOLD_`` on glibc's allocator in this process.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (to hand memory back
    to the OS). With that variable set, glibc stops adapting its mmap threshold, so every
    temporary array above 128 KiB is a fresh ``mmap`` that page-faults on first touch: the
    simulator's many medium-sized numpy temporaries then run about 8x slower. Raising the
    mmap and trim thresholds with ``mallopt`` restores normal speed. Returns whether it
    changed anything (only on glibc, only when the variable is set, once per process).
    """
    if _TUNED["done"] or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    _TUNED["done"] = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024) == 1
        ok &= libc.mallopt(m_trim_threshold, 256 * 1024 * 1024) == 1
        return bool(ok)
    except (OSError, AttributeError):  # not glibc: nothing to undo
        return False


def _dask_task(fn: BatchFn, payload: Any, first: int, n: int) -> Any:
    tune_allocator()
    return fn(payload, first, n)


def _init_worker(payload: Any) -> None:
    _PAYLOAD["payload"] = payload


def _call(fn: BatchFn, task: Task) -> Any:
    return fn(_PAYLOAD["payload"], task[0], task[1])


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn(payload, first_run, n_runs)`` for every task; results in task order."""

    @property
    def workers(self) -> int:
        """How many batches can run at once (to size the batches)."""
        ...

    def map(
        self, fn: BatchFn, payload: Any, tasks: Sequence[Task], progress: Progress | None = None
    ) -> list[Any]:
        """Results of ``fn`` for each task, in order; ``progress(n_runs)`` as each ends."""
        ...


class SerialExecutor:
    """Runs every batch in this process, one after the other.

    >>> SerialExecutor().map(lambda p, a, n: p + a + n, 100, [(0, 10), (10, 5)])
    [110, 115]
    """

    workers = 1

    def map(
        self, fn: BatchFn, payload: Any, tasks: Sequence[Task], progress: Progress | None = None
    ) -> list[Any]:
        out = []
        for first, n in tasks:
            out.append(fn(payload, first, n))
            if progress is not None:
                progress(n)
        return out


class LocalExecutor:
    """Batches on local processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    Parameters
    ----------
    workers : int, optional
        Number of processes (default: the number of CPUs). With one task, or one worker,
        the batches run in this process.
    """

    def __init__(self, workers: int | None = None) -> None:
        n = workers if workers is not None else (os.cpu_count() or 1)
        if n < 1:
            raise InputError(f"workers must be >= 1, got {n}", field="workers")
        self._workers = n

    @property
    def workers(self) -> int:
        return self._workers

    def map(
        self, fn: BatchFn, payload: Any, tasks: Sequence[Task], progress: Progress | None = None
    ) -> list[Any]:
        if len(tasks) <= 1 or self._workers == 1:
            return SerialExecutor().map(fn, payload, tasks, progress)
        out: list[Any] = [None] * len(tasks)
        with ProcessPoolExecutor(
            max_workers=min(self._workers, len(tasks)),
            initializer=_init_worker,
            initargs=(payload,),
        ) as pool:
            futures = {pool.submit(_call, fn, task): k for k, task in enumerate(tasks)}
            for fut in as_completed(futures):
                k = futures[fut]
                out[k] = fut.result()
                if progress is not None:
                    progress(tasks[k][1])
        return out


class DaskExecutor:
    """Batches on a Dask ``distributed`` cluster.

    Parameters
    ----------
    address : str, optional
        The scheduler's address (``tcp://host:8786``).
    client : distributed.Client, optional
        An existing client (a ``LocalCluster``'s, say). Without either, a ``LocalCluster``
        of ``workers`` processes is started for each :meth:`map` and closed after it.
    workers : int, optional
        For a cluster started here: its number of workers.

    Raises
    ------
    InputError
        If ``dask.distributed`` is not installed (``pip install "dask[distributed]"``) or
        the scheduler cannot be reached.
    """

    def __init__(
        self, address: str | None = None, *, client: Any = None, workers: int | None = None
    ) -> None:
        try:
            import distributed  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
        except ImportError:
            raise InputError(
                'the dask executor needs dask.distributed: pip install "dask[distributed]" '
                "(or ouroboros[dask])",
                field="executor",
            ) from None
        self.address = address
        self.client = client
        self._workers = workers

    @property
    def workers(self) -> int:
        if self.client is not None:
            try:
                return max(len(self.client.scheduler_info().get("workers", {})), 1)
            except Exception:  # pragma: no cover - a client that cannot answer
                return 1
        return self._workers or (os.cpu_count() or 1)

    def map(
        self, fn: BatchFn, payload: Any, tasks: Sequence[Task], progress: Progress | None = None
    ) -> list[Any]:
        from distributed import (  # type: ignore[import-not-found,unused-ignore]
            Client,
            LocalCluster,
        )
        from distributed import (  # type: ignore[import-not-found,unused-ignore]
            as_completed as dask_completed,
        )

        own: list[Any] = []
        client = self.client
        try:
            if client is None:
                if self.address is not None:
                    try:
                        client = Client(self.address, timeout="10s")  # type: ignore[no-untyped-call,unused-ignore]
                    except (OSError, TimeoutError) as exc:
                        raise InputError(
                            f"cannot reach the Dask scheduler at {self.address}: {exc}",
                            field="address",
                        ) from None
                else:
                    cluster = LocalCluster(  # type: ignore[no-untyped-call,unused-ignore]
                        n_workers=self._workers or (os.cpu_count() or 1),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                    own.append(cluster)
                    client = Client(cluster)  # type: ignore[no-untyped-call,unused-ignore]
                own.insert(0, client)
            [shared] = client.scatter([payload], broadcast=True)
            futures = [
                client.submit(_dask_task, fn, shared, first, n, pure=False) for first, n in tasks
            ]
            index = {f.key: k for k, f in enumerate(futures)}
            out: list[Any] = [None] * len(tasks)
            for fut in dask_completed(futures):  # type: ignore[no-untyped-call,unused-ignore]
                k = index[fut.key]
                out[k] = fut.result()
                if progress is not None:
                    progress(tasks[k][1])
            return out
        finally:
            for obj in own:
                obj.close()


def get_executor(
    name: str | Executor | None = None, *, address: str | None = None, workers: int | None = None
) -> Executor:
    """An executor by name: ``local`` (default), ``dask`` or ``serial``.

    >>> get_executor("serial").workers
    1
    >>> get_executor("ray")
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: executor must be one of local, dask, serial; got 'ray'
    """
    if name is not None and not isinstance(name, str):
        return name
    kind = name or "local"
    if address is not None and kind != "dask":
        raise InputError("--address needs --executor dask", field="address")
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(address, workers=workers)
    if kind == "serial":
        return SerialExecutor()
    raise InputError(f"executor must be one of local, dask, serial; got {kind!r}", field="executor")
