"""Furfine sequential default and threshold (Gai–Kapadia) cascades."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ouroboros.contagion import furfine, threshold_cascade
from ouroboros.errors import InputError


def test_furfine_by_hand() -> None:
    # A owes B 10, B owes C 10, C owes A 5; e = (0, 2, 1): capital A -5, B 2, C 6.
    liab = [[0, 10, 0], [0, 0, 10], [5, 0, 0]]
    r = furfine(liab, [0, 2, 1], entities=["A", "B", "C"])
    # LGD 1: A fails, B loses 10 > 2 fails, C loses 10 > 6 fails
    assert r.default_round[0].tolist() == [1, 2, 3]
    assert_allclose(r.losses[0], [5, 10, 10])
    # LGD 0.5: B loses 5 > 2 fails, C loses 5 <= 6 survives
    r = furfine(liab, [0, 2, 1], lgd=0.5, entities=["A", "B", "C"])
    assert r.default_round[0].tolist() == [1, 2, 0]
    assert_allclose(r.paid[0], [5, 5, 5])
    assert_allclose(r.equity[0], [0, 0, 1])
    rounds = r.losses_by_round
    assert rounds[["round", "loss"]].values.tolist() == [[1, 5.0], [2, 5.0]]


def test_furfine_batch_and_per_debtor_lgd() -> None:
    liab = np.array([[0, 10, 0], [0, 0, 10], [5, 0, 0]])
    shock = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 1]])
    r = furfine(liab, [10, 2, 1], lgd=[1.0, 0.1, 1.0], shock=shock)
    for k in range(3):
        one = furfine(liab, [10, 2, 1], lgd=[1.0, 0.1, 1.0], shock=shock[k])
        assert (r.default_round[k] == one.default_round[0]).all()
    # scenario 2: B and C lose their external assets: B capital 0, C capital 5;
    # nobody is negative, nobody fails
    assert not r.default[2].any()


def test_threshold_cascade_by_count_and_amount() -> None:
    a = np.zeros((5, 5))
    for i in range(5):
        a[i, (i + 1) % 5] = a[i, (i + 2) % 5] = 1
    r = threshold_cascade(a, [0.4] * 5, initial_defaults=["1"], by="count")
    assert r.default_round[0].tolist() == [2, 1, 3, 3, 2]
    # everyone ends up with all its counterparties failed
    assert_allclose(r.loss[0], [1.0, 1.0, 1.0, 1.0, 1.0])
    # by amount: bank 4 lent 9 to 0 and only 1 to 1, so 1's failure costs it 10%; it
    # waits for 0 (round 3), and bank 2 (lent to 3 and 4) waits for both (round 4)
    a[4, 0], a[4, 1] = 9, 1
    r = threshold_cascade(a, [0.4] * 5, initial_defaults=["1"], by="amount")
    assert r.default_round[0].tolist() == [2, 1, 4, 3, 3]


def test_threshold_cascade_batch_and_gk_reading() -> None:
    # Gai–Kapadia: capital ratio 4% of assets, interbank assets 20% -> a bank fails when
    # more than 0.04 / 0.2 = 20% of its interbank assets are lost (recovery 0).
    rng = np.random.default_rng(0)
    n = 200
    a = (rng.random((n, n)) < 0.02).astype(float)
    np.fill_diagonal(a, 0)
    first = np.zeros((3, n), dtype=bool)
    first[0, 0] = first[1, 5] = first[2, :10] = True
    r = threshold_cascade(a, np.full(n, 0.2), initial_defaults=first, by="count")
    for k in range(3):
        one = threshold_cascade(a, np.full(n, 0.2), initial_defaults=first[k], by="count")
        assert (r.default_round[k] == one.default_round[0]).all()
    # every failure beyond the first round is justified by the rule
    share = (a @ r.default.T.astype(float)).T / np.maximum(a.sum(axis=1), 1)
    later = r.default & ~first
    assert (share[later] > 0.2).all()
    assert (share[~r.default] <= 0.2 + 1e-12).all()


def test_initial_defaults_by_id_or_mask() -> None:
    a = np.zeros((5, 5))
    for i in range(5):
        a[i, (i + 1) % 5] = a[i, (i + 2) % 5] = 1
    by_id = threshold_cascade(a, [0.4] * 5, initial_defaults=["1"], by="count")
    mask = threshold_cascade(a, [0.4] * 5, initial_defaults=[0, 1, 0, 0, 0], by="count")
    assert by_id.default_round.tolist() == mask.default_round.tolist() == [[2, 1, 3, 3, 2]]
    # nobody fails first: nothing happens
    none = threshold_cascade(a, [0.4] * 5, initial_defaults=[], by="count")
    assert not none.default.any()


def test_edge_tables_need_ids() -> None:
    edges = pd.DataFrame({"holder": ["a"], "counterparty": ["b"], "amount": [1.0]})
    with pytest.raises(InputError, match="thresholds as a Series keyed by entity id"):
        threshold_cascade(edges, [0.5, 0.5], initial_defaults=["a"])
    r = threshold_cascade(edges, pd.Series({"a": 0.5, "b": 0.5}), initial_defaults=["b"])
    assert r.ids == ("a", "b") and r.default[0].tolist() == [True, True]


def test_bad_input() -> None:
    with pytest.raises(InputError, match="lgd"):
        furfine([[0, 1], [0, 0]], [1, 1], lgd=1.5)
    with pytest.raises(InputError, match="unknown entity"):
        threshold_cascade([[0, 1], [1, 0]], [0.5, 0.5], initial_defaults=["x"])
    with pytest.raises(InputError, match="share between 0 and 1"):
        threshold_cascade([[0, 1], [1, 0]], [1.5, 0.5], initial_defaults=["0"])
    with pytest.raises(InputError, match="by"):
        threshold_cascade([[0, 1], [1, 0]], [0.5, 0.5], initial_defaults=["0"], by="x")  # type: ignore[arg-type]
