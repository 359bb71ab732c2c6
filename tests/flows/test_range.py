"""Per-entity circular inflow over all maximal solutions, against one LP per entity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose

from flows._flow_helpers import lp_inflow_range, lp_max_circulation, networks
from ouroboros.flows import circular_inflow_range


def test_shared_edge_gives_a_range() -> None:
    # x->hub 4 feeds two loops: via a (3) and via b (2). Every maximal solution sends 4
    # round; a gets t in [2, 3] and b 4 - t in [1, 2].
    m = np.zeros((4, 4))
    m[0, 1], m[1, 2], m[1, 3], m[2, 0], m[3, 0] = 4, 3, 2, 3, 2
    df = circular_inflow_range(m, entities=["x", "hub", "a", "b"]).set_index("id")
    assert df.loc["a", ["circular_inflow_min", "circular_inflow_max"]].tolist() == [2, 3]
    assert df.loc["b", ["circular_inflow_min", "circular_inflow_max"]].tolist() == [1, 2]
    assert df.loc["x", ["circular_share_min", "circular_share_max"]].tolist() == [0.8, 0.8]
    assert df.loc["b", "circular_share_max"] == 1.0


def test_unique_optimum_has_no_range() -> None:
    m = np.zeros((3, 3))
    m[0, 1] = m[1, 2] = m[2, 0] = 5
    m[0, 2] = 1
    df = circular_inflow_range(m)
    assert_allclose(df["circular_inflow_min"], df["circular_inflow_max"])
    assert_allclose(df["circular_inflow_min"], [5, 5, 5])


def test_outside_entities_are_left_out() -> None:
    m = np.array([[0, 3.0], [3.0, 0]])
    df = circular_inflow_range(m, entities=["a", "world"], exclude=["world"])
    assert df["circular_inflow_max"].tolist() == [0.0, 0.0]
    assert np.isnan(circular_inflow_range(np.zeros((2, 2)))["circular_share_min"]).all()


@settings(max_examples=25, deadline=None)
@given(networks(max_nodes=6))
def test_matches_a_linear_programme_per_entity(m: np.ndarray) -> None:
    total = lp_max_circulation(m)
    df = circular_inflow_range(m)
    for v in range(m.shape[0]):
        if not m[:, v].any():
            continue
        lo, hi = lp_inflow_range(m, v, total)
        assert df["circular_inflow_min"][v] == pytest.approx(lo, abs=1e-6)
        assert df["circular_inflow_max"][v] == pytest.approx(hi, abs=1e-6)
