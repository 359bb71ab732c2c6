"""Eisenberg–Noe and Rogers–Veraart clearing: worked examples, invariants, bad input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from contagion._oracle import greatest_fixed_point, picard_python
from contagion._strategies import small_networks
from ouroboros.contagion import eisenberg_noe, rogers_veraart
from ouroboros.errors import ConvergenceError, InputError

PP = "pari-passu"


# --- worked examples ------------------------------------------------------------------


def test_three_bank_example_by_hand() -> None:
    # e = (10, 10, 10); A owes B 20 and C 10, B owes A 5 and C 24, C owes A 10.
    # C is solvent; A and B default: p_A = 10 + 10 + (5/29) p_B, p_B = 10 + (2/3) p_A,
    # so p_A = 1890/77 and p_B = 2030/77.
    liab = [[0, 20, 10], [5, 0, 24], [10, 0, 0]]
    r = eisenberg_noe(liab, [10, 10, 10], external_seniority=PP, entities=["A", "B", "C"])
    assert_allclose(r.paid[0], [1890 / 77, 2030 / 77, 10.0], rtol=1e-12)
    assert r.to_dict()["defaults"] == ["A", "B"]
    # C's equity: 10 + (1/3) p_A + (24/29) p_B - 10
    assert_allclose(r.equity[0, 2], 1890 / 77 / 3 + 24 / 29 * 2030 / 77, rtol=1e-12)


def test_chain_of_defaults_by_round() -> None:
    # A owes B 10, B owes C 10, C owes A 5; e = (0, 2, 1). A defaults (round 1) paying 5;
    # then B cannot pay 10 (round 2) and pays 2 + 5 = 7; C stays solvent.
    liab = [[0, 10, 0], [0, 0, 10], [5, 0, 0]]
    r = eisenberg_noe(liab, [0, 2, 1], external_seniority=PP, entities=["A", "B", "C"])
    assert r.default_round[0].tolist() == [1, 2, 0]
    assert_allclose(r.paid[0], [5, 7, 5])
    rounds = r.defaults_by_round
    assert rounds["entity"].astype(str).tolist() == ["A", "B"]
    # losses by creditor round by round: B loses 5 on A after round 1, C loses 3 on B
    losses = r.losses_by_round
    assert losses[["round", "loss"]].values.tolist() == [[1, 5.0], [2, 3.0]]
    assert losses["creditor"].astype(str).tolist() == ["B", "C"]
    assert r.to_dict()["rounds"][1]["network_loss"] == pytest.approx(8.0)


def test_senior_versus_pari_passu_external_liabilities() -> None:
    # A has 6 of outside assets, owes the bank B 10 and outside creditors 10.
    liab = [[0, 10], [0, 0]]
    pp = eisenberg_noe(liab, [6, 0], [10, 0], external_seniority="pari-passu")
    sen = eisenberg_noe(liab, [6, 0], [10, 0], external_seniority="senior")
    # pari passu: 6 split 50/50; senior: outside creditors take all 6, the bank nothing
    assert_allclose(pp.paid[0, 0], 6.0)
    assert_allclose(pp.received[0, 1], 3.0)
    assert_allclose(sen.paid[0, 0], 6.0)
    assert_allclose(sen.paid_network[0, 0], 0.0)
    assert_allclose(sen.received[0, 1], 0.0)


def test_senior_external_with_network_inflow() -> None:
    # A: e = 4, owes outside 6 and B 10; B: e = 1, owes A 5. Senior: A pays outside first.
    # B is solvent (1 + p_A >= 5 needs p_A >= 4); try A default: p_A = max(0, 4 + 5 - 6) = 3
    # -> B: 1 + 3 = 4 < 5, B defaults: p_B = 4 (no outside debts), p_A = 4 + 4 - 6 = 2,
    # p_B = 1 + 2 = 3, p_A = 4 + 3 - 6 = 1, ... fixed point p_A = 4 + p_B - 6,
    # p_B = 1 + p_A  =>  p_A = -1 + p_A: none with both positive; so p_A = 0, p_B = 1.
    liab = [[0, 10], [5, 0]]
    r = eisenberg_noe(liab, [4, 1], [6, 0], external_seniority="senior")
    assert_allclose(r.paid_network[0], [0.0, 1.0], atol=1e-12)
    # A's outside creditors get 4 + 1 = 5 of 6
    assert_allclose(r.paid[0, 0], 5.0)


def test_rogers_veraart_example_by_hand() -> None:
    # Same three banks as the EN example, alpha = 0.5, beta = 0.8. A and B default:
    # p_A = 0.5*10 + 0.8*(10 + (5/29) p_B), p_B = 0.5*10 + 0.8*(2/3) p_A.
    liab = [[0, 20, 10], [5, 0, 24], [10, 0, 0]]
    r = rogers_veraart(liab, [10, 10, 10], alpha=0.5, beta=0.8, external_seniority=PP)
    a = np.array([[1, -0.8 * 5 / 29], [-0.8 * 2 / 3, 1]])
    b = np.array([5 + 8, 5])
    p_ab = np.linalg.solve(a, b)
    # C: 10 + p_A/3 + 24/29 p_B >= 10 -> solvent, pays 10
    assert_allclose(r.paid[0], [*p_ab, 10.0], rtol=1e-12)


def test_rogers_veraart_default_costs_by_hand() -> None:
    # A owes B 10 and outside creditors 12 (pari passu), B owes A 10; e = (9.5, 10.5).
    # EN: B solvent, A defaults and pays 9.5 + 10 = 19.5 (B gets 10/22 of it, enough).
    # RV with alpha = beta = 0.5: A realises 0.5 * 9.5 + 0.5 * 10 = 9.75.
    liab = [[0, 10], [10, 0]]
    en = eisenberg_noe(liab, [9.5, 10.5], [12, 0], external_seniority=PP)
    rv = rogers_veraart(liab, [9.5, 10.5], [12, 0], alpha=0.5, beta=0.5, external_seniority=PP)
    assert_allclose(en.paid[0], [19.5, 10.0])
    assert_allclose(rv.paid[0], [9.75, 10.0])
    assert_allclose(rv.received[0, 1], 9.75 * 10 / 22)


# --- invariants -----------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(net=small_networks(), senior=st.booleans(), a=st.integers(1, 4), b=st.integers(1, 4))
def test_matches_exhaustive_rational_oracle(net, senior, a, b) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    alpha, beta = Fraction(a, 4), Fraction(b, 4)
    ref = greatest_fixed_point(
        liab.tolist(), e.tolist(), ext.tolist(), senior=senior, alpha=alpha, beta=beta
    )
    assume(ref is not None)
    seniority = "senior" if senior else PP
    for method in ("fictitious-default", "fixed-point"):
        r = rogers_veraart(
            liab, e, ext, alpha=float(alpha), beta=float(beta),
            external_seniority=seniority, method=method,
        )  # fmt: skip
        got = r.paid_network[0] if senior else r.paid[0]
        assert_allclose(got, [float(x) for x in ref], atol=1e-9, rtol=1e-9)


@settings(max_examples=80, deadline=None)
@given(net=small_networks(max_n=7), senior=st.booleans())
def test_payments_within_bounds_and_default_consistent(net, senior) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    r = eisenberg_noe(liab, e, ext, external_seniority="senior" if senior else PP)
    owed = liab.sum(axis=1) + ext
    assert (r.paid[0] >= -1e-12).all()
    assert (r.paid[0] <= owed + 1e-9).all()
    short = r.paid[0] < owed - 1e-7
    assert (short == r.default[0]).all()
    assert (r.equity[0][r.default[0]] == 0).all()
    assert r.residual[0] <= 1e-8 * max(1.0, owed.max())


@settings(max_examples=60, deadline=None)
@given(net=small_networks(max_n=7), a=st.integers(0, 4), b=st.integers(0, 4))
def test_rv_with_unit_recovery_is_en_and_costs_lower_payments(net, a, b) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    for seniority in ("senior", PP):
        en = eisenberg_noe(liab, e, ext, external_seniority=seniority)
        rv1 = rogers_veraart(liab, e, ext, alpha=1.0, beta=1.0, external_seniority=seniority)
        assert_allclose(rv1.paid, en.paid, atol=1e-9)
        rv = rogers_veraart(liab, e, ext, alpha=a / 4, beta=b / 4, external_seniority=seniority)
        assert (rv.paid <= en.paid + 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(net=small_networks(max_n=8))
def test_fictitious_default_fixed_point_and_lp_agree(net) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    fd = eisenberg_noe(liab, e, ext, external_seniority=PP, method="fictitious-default")
    fp = eisenberg_noe(liab, e, ext, external_seniority=PP, method="fixed-point")
    lp = eisenberg_noe(liab, e, ext, external_seniority=PP, method="lp")
    assert_allclose(fp.paid, fd.paid, atol=1e-9)
    assert_allclose(lp.paid, fd.paid, atol=1e-6)
    ref = picard_python(liab.tolist(), e.tolist(), ext.tolist(), senior=False)
    assert_allclose(fd.paid[0], ref, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(net=small_networks(max_n=7), senior=st.booleans(), data=st.data())
def test_permutation_invariance(net, senior, data) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    n = e.size
    perm = np.array(data.draw(st.permutations(range(n))))
    seniority = "senior" if senior else PP
    ids = [f"e{i}" for i in range(n)]
    r = eisenberg_noe(liab, e, ext, external_seniority=seniority, entities=ids)
    rp = eisenberg_noe(
        liab[np.ix_(perm, perm)], e[perm], ext[perm], external_seniority=seniority,
        entities=[ids[i] for i in perm],
    )  # fmt: skip
    assert_allclose(rp.paid[0], r.paid[0][perm], atol=1e-9)
    assert (rp.default[0] == r.default[0][perm]).all()
    assert (rp.default_round[0] == r.default_round[0][perm]).all()


@settings(max_examples=40, deadline=None)
@given(net=small_networks(max_n=6), data=st.data())
def test_more_shock_never_raises_payments(net, data) -> None:  # type: ignore[no-untyped-def]
    liab, e, ext = net
    n = e.size
    s1 = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    s2 = np.minimum(
        1.0, s1 + np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    )
    r = eisenberg_noe(liab, e, ext, external_seniority=PP, shock=np.vstack([s1, s2]))
    assert (r.paid[1] <= r.paid[0] + 1e-9).all()


def test_batch_equals_one_by_one_and_solvers_agree() -> None:
    rng = np.random.default_rng(3)
    n, s = 300, 40
    liab = sp.random_array((n, n), density=0.03, rng=rng, format="csr") * 10
    liab.setdiag(0)
    liab.eliminate_zeros()
    owed = np.asarray(liab.sum(axis=1)).ravel()
    e = owed * rng.uniform(0.3, 1.2, n)
    ext = owed * rng.uniform(0, 0.5, n)
    shock = rng.uniform(0, 0.6, (s, n)) * (rng.random((s, n)) < 0.2)
    for seniority in ("senior", PP):
        batch = eisenberg_noe(liab, e, ext, external_seniority=seniority, shock=shock)
        it = eisenberg_noe(
            liab, e, ext, external_seniority=seniority, shock=shock, solver="iterative"
        )
        fp = eisenberg_noe(
            liab, e, ext, external_seniority=seniority, shock=shock, method="fixed-point"
        )
        direct = eisenberg_noe(
            liab, e, ext, external_seniority=seniority, shock=shock, solver="direct"
        )
        assert_allclose(it.paid, batch.paid, rtol=1e-9, atol=1e-9)
        assert_allclose(direct.paid, batch.paid, rtol=1e-9, atol=1e-9)
        assert_allclose(fp.paid, batch.paid, rtol=1e-9, atol=1e-9)
        for k in (0, 7, s - 1):
            one = eisenberg_noe(liab, e, ext, external_seniority=seniority, shock=shock[k])
            assert_allclose(batch.paid[k], one.paid[0], rtol=1e-12, atol=1e-12)
            assert (batch.default_round[k] == one.default_round[0]).all()
        assert batch.default.any()


def test_last_round_losses_equal_final_losses() -> None:
    rng = np.random.default_rng(5)
    n = 200
    liab = sp.random_array((n, n), density=0.05, rng=rng, format="csr") * 5
    liab.setdiag(0)
    liab.eliminate_zeros()
    owed = np.asarray(liab.sum(axis=1)).ravel()
    r = eisenberg_noe(liab, owed * 0.6, external_seniority=PP, shock=rng.uniform(0, 1, n))
    table = r.losses_by_round
    last = table.sort_values("round").groupby("creditor", observed=True)["loss"].last()
    final = pd.Series(r.losses[0], index=list(r.ids))
    assert_allclose(last.to_numpy(), final[last.index.astype(str)].to_numpy(), atol=1e-9)
    assert_allclose(final.drop(last.index.astype(str)).to_numpy(), 0.0, atol=1e-12)


def test_dataframe_input() -> None:
    edges = pd.DataFrame({"debtor": ["a", "b"], "creditor": ["b", "c"], "amount": [10, 10]})
    assets = pd.Series({"a": 0.0, "b": 2.0, "c": 1.0})
    r = eisenberg_noe(edges, assets, external_seniority=PP)
    assert r.ids == ("a", "b", "c")
    assert_allclose(r.paid[0], [0, 2, 0])


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("liab", "message"),
    [
        ([[0, np.nan], [0, 0]], "NaN"),
        ([[0, -1], [0, 0]], "negative"),
        ([[3, 1], [0, 0]], "owes itself"),
        ([[0, 1, 2], [0, 0, 0]], "square"),
    ],
)
def test_bad_matrix(liab, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        eisenberg_noe(liab, np.zeros(len(liab)), external_seniority=PP)


def test_bad_vectors_and_options() -> None:
    liab = [[0, 1], [1, 0]]
    with pytest.raises(InputError, match=r"external_assets.*NaN"):
        eisenberg_noe(liab, [1, np.nan], external_seniority=PP)
    with pytest.raises(InputError, match=r"external_liabilities.*expected >= 0"):
        eisenberg_noe(liab, [1, 1], [-1, 0], external_seniority=PP)
    with pytest.raises(InputError, match=r"external_assets must have shape \(N,\)"):
        eisenberg_noe(liab, [1, 1, 1], external_seniority=PP)
    with pytest.raises(InputError, match="one value per entity"):
        eisenberg_noe(liab, [1, 1], [1, 1, 1], external_seniority=PP)
    with pytest.raises(InputError, match=r"shock.*share between 0 and 1"):
        eisenberg_noe(liab, [1, 1], external_seniority=PP, shock=[1.5, 0])
    with pytest.raises(InputError, match="external_seniority"):
        eisenberg_noe(liab, [1, 1], external_seniority="junior")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        eisenberg_noe(liab, [1, 1])  # type: ignore[call-arg]
    with pytest.raises(InputError, match="pari-passu"):
        eisenberg_noe(liab, [1, 1], external_seniority="senior", method="lp")
    with pytest.raises(InputError, match="alpha"):
        rogers_veraart(liab, [1, 1], alpha=1.5, beta=1, external_seniority=PP)
    with pytest.raises(InputError, match="lists 'a' more than once"):
        eisenberg_noe(liab, [1, 1], external_seniority=PP, entities=["a", "a"])


def test_unknown_ids_in_edge_table() -> None:
    edges = pd.DataFrame({"debtor": ["a"], "creditor": ["zz"], "amount": [1.0]})
    with pytest.raises(InputError, match="unknown creditor 'zz'"):
        eisenberg_noe(edges, pd.Series({"a": 1.0, "b": 1.0}), external_seniority=PP)
    edges = pd.DataFrame({"debtor": ["a"], "creditor": ["a"], "amount": [1.0]})
    with pytest.raises(InputError, match="owes itself"):
        eisenberg_noe(edges, pd.Series({"a": 1.0, "b": 1.0}), external_seniority=PP)


def test_round_limit_raises_convergence_error() -> None:
    liab = [[0, 10, 0], [0, 0, 10], [5, 0, 0]]
    with pytest.raises(ConvergenceError, match="max_rounds"):
        eisenberg_noe(liab, [0, 2, 1], external_seniority=PP, max_rounds=1)


def test_senior_closed_cycle_of_defaulters_matches_oracle() -> None:
    # Senior external debts make every row of Pi sum to 1: when a whole cycle defaults the
    # linear system is singular and the fixed-point fallback must still find the answer.
    liab = np.array(
        [
            [0, 7, 2, 2, 15, 0],
            [0, 0, 12, 2, 0, 0],
            [0, 0, 0, 18, 0, 0],
            [6, 0, 0, 0, 19, 13],
            [8, 0, 0, 14, 0, 0],
            [16, 1, 17, 5, 0, 0],
        ]
    )
    e = np.array([3, 8, 7, 5, 5, 12])
    ext = np.array([10, 10, 1, 9, 10, 2])
    ref = greatest_fixed_point(liab.tolist(), e.tolist(), ext.tolist(), senior=True)
    assert ref is not None
    for method in ("fictitious-default", "fixed-point"):
        r = eisenberg_noe(liab, e, ext, external_seniority="senior", method=method)
        assert_allclose(r.paid_network[0], [float(x) for x in ref], atol=1e-9)
        assert r.residual[0] < 1e-9


# The asymmetric six-bank network of Rogers & Veraart (2013), as transcribed in the test
# suite of FinNetValu.jl (no outside liabilities).
RV_PAPER_L = [
    [0, 4.94, 2.47, 5.59, 0, 0],
    [6, 0, 0, 2, 0, 0],
    [0, 13, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 8],
    [12, 0, 0, 0, 0, 0],
    [2.79, 6.21, 0, 0, 0, 0],
]
RV_PAPER_E = [1, 1, 11.51, 1.4, 12.5, 2]


@pytest.mark.parametrize(
    ("alpha", "beta", "scale"),
    [(1, 1, 0.3), (0.5, 0.5, 1.0), (0.9, 0.2, 0.6)],
)
def test_rogers_veraart_paper_network_matches_oracle(alpha, beta, scale) -> None:  # type: ignore[no-untyped-def]
    e = [x * scale for x in RV_PAPER_E]
    exact = [[Fraction(str(x)) for x in row] for row in RV_PAPER_L]
    ref = greatest_fixed_point(
        exact,  # type: ignore[arg-type]
        [Fraction(str(x)) * Fraction(str(scale)) for x in RV_PAPER_E],  # type: ignore[misc]
        [0] * 6,
        senior=False,
        alpha=Fraction(str(alpha)),
        beta=Fraction(str(beta)),
    )
    assert ref is not None
    for method in ("fictitious-default", "fixed-point"):
        r = rogers_veraart(
            RV_PAPER_L, e, alpha=alpha, beta=beta, external_seniority=PP, method=method
        )
        assert_allclose(r.paid[0], [float(x) for x in ref], rtol=1e-10, atol=1e-12)
