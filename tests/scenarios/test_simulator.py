"""The simulator on webs small enough to work out by hand, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.model import default_ledger
from ouroboros.scenarios import ScenarioSpec, run_stress
from ouroboros.scenarios._batch import BatchPayload, run_batch
from ouroboros.scenarios._plan import LAYERS, build_plan
from scenarios._webs import four_entity_web, quiet_spec


def _loss(result, year: int, layer: str) -> float:
    lb = result.losses_by_layer
    return float(lb[(lb["year"] == year) & (lb["layer"] == layer)]["loss"].iloc[0])


def test_insolvency_then_contagion_by_hand() -> None:
    # lab: cash 10, equity 5, debt 5 (0%, due 2040), pays 4 a year. End of 2026: cash 6,
    # assets 6 >= debt 5. End of 2027: cash 2 < 5: insolvent. It realises alpha = 0.6 of its
    # cash, 1.2, shared pro rata by the senior claims: the loan (5) and the cloud's damages
    # claim (one year of the contract, 4): 1.2 * 5/9 and 1.2 * 4/9. The fund, whose only
    # asset is the loan, gets 0.6667 < its bank debt 4 and fails; the bank gets
    # beta * 0.6667 = 0.6.
    res = run_stress(quiet_spec(), four_entity_web())
    tl = res.timeline
    assert tl[["year", "entity"]].values.tolist() == [[2027, "lab"], [2027, "fund"]]
    assert tl["cause"].tolist() == [
        "insolvent: equity exhausted by operating losses",
        "insolvent: losses on its claims (contagion)",
    ]
    assert tl["counterparty"].iloc[1] == "lab"
    cl = res.credit_losses.set_index(["creditor", "debtor"])
    assert_allclose(cl.loc[("fund", "lab"), "recovered"], 1.2 * 5 / 9, rtol=1e-12)
    assert_allclose(cl.loc[("cloud", "lab"), "recovered"], 1.2 * 4 / 9, rtol=1e-12)
    assert_allclose(cl.loc[("bank", "fund"), "recovered"], 0.9 * 1.2 * 5 / 9, rtol=1e-12)
    assert_allclose(_loss(res, 2027, "private_credit_funds"), 5 - 1.2 * 5 / 9, rtol=1e-12)
    assert_allclose(_loss(res, 2027, "banks"), 4 - 0.9 * 1.2 * 5 / 9, rtol=1e-12)
    assert_allclose(_loss(res, 2027, "contract_counterparties"), 4 - 1.2 * 4 / 9, rtol=1e-12)
    assert _loss(res, 2026, "banks") == 0.0
    assert res.default_years() == {"lab": 2027, "cloud": None, "fund": 2027, "bank": None}


def test_liquidity_default_by_hand() -> None:
    # with equity 15 the lab also holds 10 of other assets, depreciating 20% a year (a model
    # lab's five-year life): 8 after 2026, 6.4 after 2027. It stays solvent but has 2 of
    # cash when 4 falls due in 2028: a liquidity default. It realises 0.6 * (2 + 6.4) = 5.04,
    # shared 5:4 between the loan and the damages claim.
    res = run_stress(quiet_spec(lab_equity=15.0), four_entity_web())
    ev = res.events.set_index("entity")
    assert int(ev.loc["lab", "year"]) == 2028
    assert ev.loc["lab", "cause"].startswith("liquidity: compute-contract")
    cl = res.credit_losses.set_index(["creditor", "debtor"])
    got = 0.6 * (2 + 6.4)
    assert_allclose(cl.loc[("fund", "lab"), "recovered"], got * 5 / 9, rtol=1e-12)
    assert_allclose(cl.loc[("bank", "fund"), "recovered"], 0.9 * got * 5 / 9, rtol=1e-12)


def test_enough_cash_and_equity_means_no_default() -> None:
    # cash 30, equity 25: after five years of 4 the lab has 10 of cash against 5 of debt
    res = run_stress(quiet_spec(lab_cash=30.0, lab_equity=25.0), four_entity_web())
    assert res.events.empty
    assert res.losses_by_layer["loss"].abs().max() == 0.0
    # with cash 20 and equity 15, four years of losses leave equity 15 - 16 < 0 in 2029
    res = run_stress(quiet_spec(lab_cash=20.0, lab_equity=15.0), four_entity_web())
    assert res.default_years()["lab"] == 2029


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cash=st.floats(1.0, 30.0),
    extra=st.floats(0.0, 20.0),
    contract=st.floats(0.5, 8.0),
    loan=st.floats(0.5, 10.0),
    facility=st.floats(0.1, 9.0),
    alpha=st.floats(0.0, 1.0),
    beta=st.floats(0.0, 1.0),
)
def test_losses_are_conserved_on_random_small_webs(
    cash: float,
    extra: float,
    contract: float,
    loan: float,
    facility: float,
    alpha: float,
    beta: float,
) -> None:
    """What creditors lose equals what the defaulters fail to pay, from both sides."""
    lg = four_entity_web(contract=contract, loan=loan, facility=facility)
    spec = quiet_spec(lab_cash=cash, lab_equity=cash - loan + extra, alpha=alpha, beta=beta)
    plan = build_plan(spec, lg)
    out = run_batch(BatchPayload(plan, spec, 0, True), 0, 1).web
    creditor_side = float((out.cl_face - out.cl_paid).sum())
    debtor_side = float((out.dd_owed - out.dd_paid).sum())
    assert_allclose(creditor_side, debtor_side, rtol=1e-9, atol=1e-9)
    assert (out.cl_paid >= -1e-12).all() and (out.cl_paid <= out.cl_face + 1e-9).all()
    # no negative cash for anybody still standing; the layers' credit losses only grow
    survivors = out.default_period < 0
    assert (out.cash_min[survivors] >= -1e-9).all()
    layers = out.layers[0]
    for name in ("private_credit_funds", "banks", "contract_counterparties"):
        k = LAYERS.index(name)
        assert (np.diff(layers[:, k]) >= -1e-12).all()


@pytest.fixture(scope="module")
def dataset_batch():  # type: ignore[no-untyped-def]
    spec = ScenarioSpec.model_validate(
        {
            "name": "mc",
            "adoption": {
                "years_to_scale": {"dist": "triangular", "low": 8, "mode": 14, "high": 20},
                "volatility": 0.2,
            },
            "strategic_default": {"from_year": 2029, "threshold": 0.8, "breach": True},
        }
    )
    plan = build_plan(spec, default_ledger())
    return plan, run_batch(BatchPayload(plan, spec, 11, False), 0, 100)


def test_conservation_and_balances_on_the_dataset(dataset_batch) -> None:  # type: ignore[no-untyped-def]
    plan, batch = dataset_batch
    w = batch.web
    assert (w.default_period >= 0).any()  # the scenario does break something
    for run in range(batch.n_runs):
        cl = w.cl_run == run
        dd = w.dd_run == run
        assert_allclose(
            (w.cl_face[cl] - w.cl_paid[cl]).sum(),
            (w.dd_owed[dd] - w.dd_paid[dd]).sum(),
            rtol=1e-9,
            atol=1e-7,
        )
    assert (w.cl_paid >= -1e-9).all() and (w.cl_paid <= w.cl_face + 1e-7).all()
    survivors = (w.default_period < 0) & plan.operating[None, :]
    assert (w.cash_min[survivors] >= -1e-6).all()
    # credit losses never shrink
    for name in ("spv_bondholders", "private_credit_funds", "banks", "contract_counterparties"):
        k = LAYERS.index(name)
        assert (np.diff(w.layers[:, :, k], axis=1) >= -1e-9).all()


def test_a_deal_customer_default_reaches_the_deal(dataset_batch) -> None:  # type: ignore[no-untyped-def]
    # coupling: in every run where OpenAI defaults before CoreWeave's deal ends, the deal
    # engine was told (its trigger is OpenAI, or an earlier customer)
    plan, batch = dataset_batch
    i_openai = plan.ids.index("openai")
    k = [d.name for d in plan.deals].index("coreweave")
    out = batch.deals[k]
    openai_year = batch.web.default_period[:, i_openai]
    hit = (openai_year >= 0) & (out.event_period >= 0)
    assert hit.any()
    assert (out.event_period[hit] >= openai_year[hit]).all()
