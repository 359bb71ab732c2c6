"""Monte Carlo: same seed, same results, whatever the batch size or the executor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.scenarios import (
    DaskExecutor,
    LocalExecutor,
    ScenarioSpec,
    StressResult,
    batch_sizes,
    get_executor,
    run_stress,
)

SPEC = ScenarioSpec.model_validate(
    {
        "name": "mc",
        "horizon": 2036,
        "adoption": {
            "years_to_scale": {"dist": "triangular", "low": 8, "mode": 13, "high": 20},
            "volatility": 0.2,
        },
        "rates": {"shift": {"dist": "normal", "mean": 0.0, "sd": 0.01}, "volatility": 0.005},
        "market": {"shut_probability": 0.1},
        "funding": {"equity_revenue_multiple": {"dist": "uniform", "low": 1.0, "high": 3.0}},
        "contagion": {"alpha": {"dist": "uniform", "low": 0.3, "high": 0.9}},
    }
)


def _same(a: StressResult, b: StressResult) -> None:
    pd.testing.assert_frame_equal(a.defaults, b.defaults)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert_allclose(
        a.layer_losses_at_horizon.to_numpy(), b.layer_losses_at_horizon.to_numpy(), rtol=1e-12
    )
    pd.testing.assert_frame_equal(a.default_probability, b.default_probability)


@pytest.fixture(scope="module")
def reference() -> StressResult:
    return run_stress(SPEC, runs=150, seed=2024, executor="serial", batch_size=150)


def test_same_seed_same_result_and_seed_matters(reference: StressResult) -> None:
    again = run_stress(SPEC, runs=150, seed=2024, executor="serial", batch_size=150)
    _same(reference, again)
    other = run_stress(SPEC, runs=150, seed=2025, executor="serial", batch_size=150)
    assert not np.array_equal(
        reference.layer_losses_at_horizon.to_numpy(), other.layer_losses_at_horizon.to_numpy()
    )
    assert reference.runs == 150 and reference.seed == 2024
    assert (reference.default_probability["probability"] > 0).any()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.sampled_from([50, 100]))
def test_results_do_not_depend_on_batch_size(reference: StressResult, size: int) -> None:
    got = run_stress(SPEC, runs=150, seed=2024, executor="serial", batch_size=size)
    _same(reference, got)


def test_local_processes_give_the_same_result(reference: StressResult) -> None:
    got = run_stress(SPEC, runs=150, seed=2024, executor=LocalExecutor(2), batch_size=50)
    _same(reference, got)
    assert got.parameters["executor"] == "LocalExecutor"


def test_dask_local_cluster_gives_the_same_result(reference: StressResult) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_stress(
            SPEC, runs=150, seed=2024, executor=DaskExecutor(client=client), batch_size=50
        )
    _same(reference, got)
    assert got.parameters["executor"] == "DaskExecutor"


def test_quantiles_and_probabilities_are_consistent(reference: StressResult) -> None:
    dp = reference.default_probability
    ev = reference.events[reference.events["event"] == "default"]
    for rec in dp.itertuples(index=False):
        hits = ev[ev["entity"] == rec.entity]["run"].nunique()
        assert rec.probability == hits / reference.runs
    lb = reference.losses_by_layer
    last = lb[lb["year"] == reference.years[-1]].set_index("layer")
    per_run = reference.layer_losses_at_horizon.drop(columns="run")
    for layer in per_run.columns:
        assert_allclose(last.loc[layer, "mean"], per_run[layer].mean(), rtol=1e-12, atol=1e-12)
        assert_allclose(
            last.loc[layer, "p95"], np.quantile(per_run[layer], 0.95), rtol=1e-12, atol=1e-12
        )


def test_batches_and_executors_are_checked() -> None:
    assert batch_sizes(10_000, 2) == [(k, 1000) for k in range(0, 10_000, 1000)]
    assert sum(n for _, n in batch_sizes(1234, 3)) == 1234
    with pytest.raises(InputError, match="runs must be"):
        batch_sizes(0, 2)
    with pytest.raises(InputError, match="--address needs --executor dask"):
        get_executor("local", address="tcp://x:1")
    with pytest.raises(InputError, match="runs must be a whole number"):
        run_stress(SPEC, runs=0)
    with pytest.raises(InputError, match="seed must be"):
        run_stress(SPEC, runs=2, seed=-1)
