"""Random draws for Monte Carlo, reproducible whatever the batching or the executor.

Runs are grouped in fixed blocks of :data:`RNG_BLOCK` runs. Block ``b`` draws from its own
generator, ``PCG64(SeedSequence(seed, spawn_key=(b,)))`` (numpy's recommended way to give
parallel streams independent seeds), always the same quantities in the same order. A run's
numbers therefore depend only on the seed and the run's index, never on which batch or
worker computed it; batches are whole numbers of blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ouroboros.scenarios._spec import Distribution, ScenarioSpec, param_paths

__all__ = ["RNG_BLOCK", "Draws", "block_generator", "central_draws", "draw_runs"]

RNG_BLOCK = 50
F = NDArray[np.float64]


@dataclass(frozen=True)
class Draws:
    """Everything random about a set of runs.

    Attributes
    ----------
    params : dict
        Dotted parameter path -> one value per run, shape ``(R,)``.
    adoption_noise, rate_noise : ndarray (R, P)
        Standard normal shocks per period.
    shut_uniform : ndarray (R, P)
        Uniforms deciding whether the market is shut in a period.
    act_uniform : ndarray (R, N)
        Uniforms deciding whether a tenant that meets the strategic-default rule acts.
    first_run : int
        Index of the first run.
    """

    params: dict[str, F]
    adoption_noise: F
    rate_noise: F
    shut_uniform: F
    act_uniform: F
    first_run: int = 0

    @property
    def n(self) -> int:
        return int(self.adoption_noise.shape[0])

    def value(self, path: str) -> F:
        """The draws of one parameter, ``(R, 1)`` for broadcasting over periods."""
        return self.params[path][:, None]

    def take(self, rows: NDArray[np.int64]) -> Draws:
        """The draws of a subset of runs."""
        return Draws(
            {k: v[rows] for k, v in self.params.items()},
            self.adoption_noise[rows],
            self.rate_noise[rows],
            self.shut_uniform[rows],
            self.act_uniform[rows],
            self.first_run,
        )


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of block ``block`` of runs for ``seed``.

    >>> a = block_generator(7, 3).random(); b = block_generator(7, 3).random()
    >>> a == b, a == block_generator(7, 4).random()
    (True, False)
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def _sample(d: Distribution, gen: np.random.Generator, size: int) -> F:
    if d.dist == "normal":
        return np.asarray(gen.normal(float(d.mean_), float(d.sd), size), dtype=np.float64)  # type: ignore[arg-type]
    if d.dist == "lognormal":
        z = gen.standard_normal(size)
        return np.asarray(float(d.median) * np.exp(float(d.sigma) * z), dtype=np.float64)  # type: ignore[arg-type]
    lo, hi = d.support()
    if d.dist == "uniform":
        return np.asarray(gen.uniform(lo, hi, size), dtype=np.float64)
    if d.dist == "triangular":
        return np.asarray(gen.triangular(lo, float(d.mode), hi, size), dtype=np.float64)  # type: ignore[arg-type]
    x = gen.beta(float(d.a), float(d.b), size)  # type: ignore[arg-type]
    return np.asarray(lo + (hi - lo) * x, dtype=np.float64)


def _get(spec: ScenarioSpec, path: str) -> float | Distribution:
    obj: object = spec
    for part in path.split("."):
        obj = getattr(obj, part)
    assert isinstance(obj, float | Distribution)
    return obj


def _block(spec: ScenarioSpec, gen: np.random.Generator, periods: int, entities: int) -> Draws:
    size = RNG_BLOCK
    params: dict[str, F] = {}
    for path in param_paths(spec):
        value = _get(spec, path)
        if isinstance(value, Distribution):
            params[path] = _sample(value, gen, size)
        else:
            params[path] = np.full(size, float(value))
    return Draws(
        params,
        gen.standard_normal((size, periods)),
        gen.standard_normal((size, periods)),
        gen.random((size, periods)),
        gen.random((size, entities)),
    )


def draw_runs(
    spec: ScenarioSpec, seed: int, first_run: int, n_runs: int, periods: int, entities: int
) -> Draws:
    """The draws of runs ``first_run .. first_run + n_runs - 1``.

    Examples
    --------
    >>> from ouroboros.scenarios import ScenarioSpec
    >>> s = ScenarioSpec(name="x", adoption={"level": {"dist": "uniform", "low": 50, "high": 70}})
    >>> whole = draw_runs(s, 1, 0, 120, 5, 3).params["adoption.level"]
    >>> part = draw_runs(s, 1, 60, 60, 5, 3).params["adoption.level"]
    >>> bool((whole[60:] == part).all())
    True
    """
    blocks = range(first_run // RNG_BLOCK, (first_run + n_runs - 1) // RNG_BLOCK + 1)
    parts = [_block(spec, block_generator(seed, b), periods, entities) for b in blocks]
    lo = first_run - blocks[0] * RNG_BLOCK
    sl = slice(lo, lo + n_runs)
    keys = parts[0].params.keys()
    return Draws(
        {k: np.concatenate([p.params[k] for p in parts])[sl] for k in keys},
        np.concatenate([p.adoption_noise for p in parts])[sl],
        np.concatenate([p.rate_noise for p in parts])[sl],
        np.concatenate([p.shut_uniform for p in parts])[sl],
        np.concatenate([p.act_uniform for p in parts])[sl],
        first_run,
    )


def central_draws(spec: ScenarioSpec, periods: int, entities: int) -> Draws:
    """One deterministic run: every distribution at its mean, no noise, no random shut."""
    params: dict[str, F] = {}
    for path in param_paths(spec):
        value = _get(spec, path)
        params[path] = np.array([value.mean() if isinstance(value, Distribution) else value])
    # a random event (the market shuts in a year, a tenant meeting the rule acts) happens
    # in the central run when its probability exceeds one half
    return Draws(
        params,
        np.zeros((1, periods)),
        np.zeros((1, periods)),
        np.full((1, periods), 0.5),
        np.full((1, entities), 0.5),
    )
