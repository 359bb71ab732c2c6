"""The thermometer on the bundled history, a hand-made registry and ledgers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ouroboros.model import Ledger
from ouroboros.monitor import (
    GAUGES,
    bundled_history,
    ciss_composite,
    customer_concentration,
    ewma_correlations,
    indicator_series,
    load_registry,
    take_or_pay_share,
    thermometer,
)


def value(series: pd.DataFrame, ind: str, day: str) -> float:
    s = series[(series["indicator"] == ind) & (series["date"] == pd.Timestamp(day))]
    assert len(s) == 1, (ind, day)
    return float(s["value"].iloc[0])


def test_derived_indicators_on_the_bundled_history_by_hand() -> None:
    s = indicator_series(bundled_history())
    assert value(s, "capex_ocf_oracle", "2025-05-31") == pytest.approx(21.2 / 20.8)
    assert value(s, "capex_ocf_meta", "2024-12-31") == pytest.approx(37.256 / 91.328)
    # calendar 2024: the five filers' latest fiscal years within 240 days of 31 Dec 2024
    assert value(s, "hyperscaler_capex", "2024-12-31") == pytest.approx(
        44.477 + 6.866 + 52.535 + 82.999 + 37.256
    )
    assert value(s, "hyperscaler_capex", "2023-12-31") == pytest.approx(
        28.107 + 8.695 + 32.251 + 52.729 + 27.045
    )
    # OpenAI run-rate 5.5 (31 Dec 2024) -> 10 (9 Jun 2025): 160 days
    months = 160 / (365.25 / 12)
    assert value(s, "model_lab_doubling_time", "2025-06-09") == pytest.approx(
        months * math.log(2) / math.log(10 / 5.5)
    )
    assert value(s, "model_lab_revenue_growth", "2025-06-09") == pytest.approx(
        100 * ((10 / 5.5) ** (365.25 / 160) - 1)
    )
    # capex / model-lab revenue: 2025 H1 capex sum over the June 2025 run-rate
    assert value(s, "capex_ai_revenue", "2025-06-30") == pytest.approx(
        (64.551 + 21.2 + 52.535 + 82.999 + 37.256) / 10.0
    )


def test_bundled_thermometer_latest_state() -> None:
    t = thermometer(bundled_history())
    assert t.as_of == pd.Timestamp("2025-12-11")
    ind = t.indicators.set_index("id")
    # Oracle CDS at 139bp: amber by its 100/150 thresholds, and the highest of its 4 points
    assert ind.loc["oracle_cds_5y", "status"] == "amber"
    assert ind.loc["oracle_cds_5y", "score"] == 1.0
    # Hyperion at 110.2 against its issue price of 100 (lower is riskier): 1 of 2 -> 0.5
    assert ind.loc["hyperion_bond_price", "score"] == 0.5
    assert ind.loc["hyperion_bond_price", "status"] == "green"
    # the 2024 queue (2,290 GW) is the third-highest of 1,400, 2,030, 2,600, 2,290 -> 3/4
    assert ind.loc["interconnection_queue_gw", "score"] == 0.75
    g = t.gauges.set_index("name")
    assert g.loc["neocloud", "score"] == 1.0 and g.loc["neocloud", "status"] == "red"
    # power: mean of 0.75 (queue) and 1.0 (data-centre share)
    assert g.loc["power_tech", "score"] == pytest.approx(0.875)
    assert list(t.gauges["name"]) == list(GAUGES)
    # FRED series have no bundled history
    assert ind.loc["hy_oas", "status"] == "unknown"


def test_composite_is_the_ciss_of_its_gauge_history() -> None:
    t = thermometer(bundled_history())
    wide = t.gauge_history.pivot(index="date", columns="gauge", values="score")[list(GAUGES)]
    s = wide.to_numpy()
    expected = ciss_composite(s, ewma_correlations(s, 0.93))
    assert_allclose(t.composite["ciss"].to_numpy(), expected, equal_nan=True)
    red = (t.gauge_history.pivot(index="date", columns="gauge", values="status") == "red").sum(
        axis=1
    )
    assert t.composite["gauges_in_red"].tolist() == red.tolist()


def test_no_look_ahead_backtest() -> None:
    obs = bundled_history()
    start = pd.Timestamp("2022-01-07")
    full = thermometer(obs, start=start)
    cut = pd.Timestamp("2025-06-27")
    past = thermometer(obs[obs["date"] <= cut], start=start, end=cut)
    old = full.composite[full.composite["date"] <= cut].reset_index(drop=True)
    assert_allclose(past.composite["ciss"], old["ciss"], equal_nan=True)
    assert past.composite["status"].tolist() == old["status"].tolist()


REG = """\
gauges:
  neocloud: {title: N, amber: 0.6, red: 0.9}
  power_tech: {title: P}
composite: {amber: 0.2, red: 0.5, ewma_lambda: 0.5}
indicators:
  - {id: a, description: A, gauge: neocloud, unit: bp, frequency: weekly, source: csv,
     direction: higher_is_riskier, amber: 10, red: 20}
  - {id: b, description: B, gauge: neocloud, unit: price, frequency: weekly, source: csv,
     direction: lower_is_riskier, amber: 100, red: 90}
  - {id: c, description: C, gauge: power_tech, unit: gw, frequency: weekly, source: csv,
     direction: higher_is_riskier, amber: 5, red: 6}
"""


def test_small_registry_by_hand(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text(REG)
    reg = load_registry(p)
    days = pd.to_datetime(["2025-01-03", "2025-01-10", "2025-01-17"])
    obs = pd.DataFrame(
        {
            "indicator": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
            "date": list(days) * 3,
            "value": [5, 25, 15, 105, 95, 85, 1, 2, 3],
            "source": "test",
        }
    )
    t = thermometer(obs, reg, freq="W-FRI", min_history=1)
    # recursive CDF scores: a: 1, 1, 2/3; b (negated): 1, 1, 1; c: 1, 1, 1
    g = t.gauge_history.pivot(index="date", columns="gauge", values="score")
    assert_allclose(g["neocloud"], [1.0, 1.0, (2 / 3 + 1) / 2])
    assert_allclose(g["power_tech"], [1.0, 1.0, 1.0])
    assert g[["productivity", "spv_bonds", "contract_quality"]].isna().all().all()
    # neocloud at the end: score 5/6 is amber by score; levels a=15 amber, b=85 red -> half
    # red -> red by the majority rule; the gauge takes the worse: red
    assert t.gauges.set_index("name").loc["neocloud", "status"] == "red"
    # composite by hand: lam 0.5; s~ = (0.5, 0.5), (0.5, 0.5), (1/3, 0.5)
    v = np.array([1 / 12, 1 / 12])
    cov = 0.0
    out = []
    for s in ([1.0, 1.0], [1.0, 1.0], [5 / 6, 1.0]):
        d = np.array(s) - 0.5
        v = 0.5 * v + 0.5 * d * d
        cov = 0.5 * cov + 0.5 * d[0] * d[1]
        rho = cov / math.sqrt(v[0] * v[1])
        w = np.array(s) / 2
        out.append(w[0] ** 2 + w[1] ** 2 + 2 * rho * w[0] * w[1])
    assert_allclose(t.composite["ciss"], out)
    assert t.latest()["status"] == ("red" if out[-1] >= 0.5 else "amber")


def test_stale_indicators_leave_the_gauge(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text(REG)
    reg = load_registry(p)
    obs = pd.DataFrame(
        {
            "indicator": ["a", "a", "c", "c"],
            "date": pd.to_datetime(["2025-01-03", "2025-01-10", "2025-01-03", "2025-06-27"]),
            "value": [5.0, 25.0, 1.0, 2.0],
            "source": "test",
        }
    )
    t = thermometer(obs, reg, min_history=1)
    ind = t.indicators.set_index("id")
    assert bool(ind.loc["a", "stale"]) and not bool(ind.loc["c", "stale"])
    # weekly max age is 31 days: `a` (10 Jan) no longer feeds the neocloud gauge in June
    assert math.isnan(t.gauges.set_index("name").loc["neocloud", "score"])


def _ledger(contracts: list[dict[str, object]]) -> Ledger:
    ents = [
        {"id": "lab", "name": "Lab", "roles": ["model_lab"]},
        {"id": "hyp", "name": "Hyp", "roles": ["hyperscaler"]},
        {"id": "nc1", "name": "NC1", "roles": ["neocloud"]},
        {"id": "nc2", "name": "NC2", "roles": ["neocloud"]},
    ]
    ins = [
        {"kind": "compute_contract", "start": "2025-01-01", "sources": ["s"], **c}
        for c in contracts
    ]
    return Ledger.model_validate(
        {
            "meta": {"name": "t", "unit": "billion", "as_of": "2025-11-30", "version": "7"},
            "sources": [{"id": "s", "title": "hand-made", "kind": "estimate"}],
            "entities": ents,
            "instruments": ins,
        }
    )


def test_ledger_indicators_by_hand() -> None:
    lg = _ledger(
        [
            {"id": "c1", "from": "lab", "to": "nc1", "amount": 60, "take_or_pay": True},
            {"id": "c2", "from": "hyp", "to": "nc1", "amount": 20},
            {"id": "c3", "from": "lab", "to": "nc2", "amount": 20, "take_or_pay": True},
            {"id": "c4", "from": "hyp", "to": "nc2", "amount": 100, "status": "announced"},
        ]
    )
    # signed/funded only: take-or-pay 80 of 100
    assert take_or_pay_share(lg) == pytest.approx(80.0)
    # nc1: top customer 60/80 = 0.75 with weight 80; nc2: 20/20 = 1 with weight 20
    assert customer_concentration(lg) == pytest.approx(100 * (80 * 0.75 + 20 * 1.0) / 100)
    s = indicator_series(bundled_history(), ledger=lg)
    assert value(s, "take_or_pay_share", "2025-11-30") == pytest.approx(80.0)
    src = s[s["indicator"] == "customer_concentration"]["source"].iloc[0]
    assert src == "ledger 't' version 7: customer_concentration"
    assert math.isnan(take_or_pay_share(_ledger([])))


def test_toy_ledger(toy: Ledger) -> None:
    # the toy web's one compute contract (OpenAI -> Oracle) is take-or-pay; Oracle is a cloud
    assert take_or_pay_share(toy) == 100.0
    assert customer_concentration(toy, provider_roles=["cloud"]) == 100.0
    assert math.isnan(customer_concentration(toy))  # no neocloud in the toy web


def test_bad_parameters_are_input_errors() -> None:
    from ouroboros.errors import InputError

    with pytest.raises(InputError, match="freq must be a pandas frequency"):
        thermometer(bundled_history(), freq="fortnightly-ish")
    with pytest.raises(InputError, match="min_history"):
        thermometer(bundled_history(), min_history=0)
