"""The built-in scenarios on the bundled dataset: comparative statics and cross-checks.

These do not pin the simulator's numbers; they check directions that follow from the
mechanics (slower adoption cannot save anyone, a guarantee cannot add defaults), figures
that a second method gives (the hurdle package), and facts stated by the deal specs.
"""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from ouroboros.scenarios import StressResult, builtin_scenario, compare_scenarios, run_stress


@pytest.fixture(scope="module")
def central() -> dict[str, StressResult]:
    names = [
        "baseline",
        "slow-productivity",
        "productivity-refuted",
        "government-guarantee",
        "power-crunch",
        "rates-up",
    ]
    return {n: run_stress(n) for n in names}


def _defaulted(r: StressResult) -> dict[str, int]:
    return {e: y for e, y in r.default_years().items() if y is not None}


def test_slower_adoption_fails_at_least_the_same_entities_no_later(
    central: dict[str, StressResult],
) -> None:
    # slow-productivity's AI revenue is below the baseline's in every year (same level and
    # ceiling, slower rate); refuted's is not below slow's early on (it grows faster to a
    # low plateau), so only baseline vs each of them is ordered
    base = _defaulted(central["baseline"])
    for name in ("slow-productivity", "productivity-refuted"):
        other = _defaulted(central[name])
        assert set(base) <= set(other)
        for entity, year in base.items():
            assert other[entity] <= year
    assert len(_defaulted(central["productivity-refuted"])) > len(base)


def test_the_slow_case_chain_runs_from_the_lab_to_the_neocloud(
    central: dict[str, StressResult],
) -> None:
    slow = central["slow-productivity"]
    years = _defaulted(slow)
    assert years["openai"] < years["coreweave"]
    cw = slow.events[slow.events["entity"] == "coreweave"].iloc[0]
    assert cw["counterparty"] == "openai" and cw["cause"].startswith("deal engine")
    # the neocloud's equity is the first shield: it is gone before lenders lose
    deal = slow.deals.set_index("deal").loc["coreweave"]
    assert deal["equity_loss"] == pytest.approx(deal["equity_paid_in"])


def test_walking_away_at_a_renewal_leaves_the_notes_whole_a_breach_does_not(
    central: dict[str, StressResult],
) -> None:
    refuted = central["productivity-refuted"]
    walks = refuted.events[refuted.events["event"] == "walk_away"]
    assert "meta" in set(walks["entity"])
    assert refuted.deals.set_index("deal").loc["hyperion", "loss_rate_secured"] > 0
    # without the breach Meta leaves at the next renewal; its residual value guarantee pays
    # the notes' shortfall (docs/deals.md), so the SPV's bondholders lose nothing
    spec = builtin_scenario("productivity-refuted").model_copy(
        update={
            "strategic_default": builtin_scenario(
                "productivity-refuted"
            ).strategic_default.model_copy(update={"breach": False})
        }
    )
    renewal = run_stress(spec)
    hyp = renewal.deals.set_index("deal").loc["hyperion"]
    assert hyp["loss_rate_secured"] == 0.0
    assert "meta" in set(renewal.events[renewal.events["event"] == "walk_away"]["entity"])


def test_a_guarantee_adds_no_default_and_moves_losses_to_the_state(
    central: dict[str, StressResult],
) -> None:
    slow_r, guar_r = central["slow-productivity"], central["government-guarantee"]
    assert set(_defaulted(guar_r)) <= set(_defaulted(slow_r))
    # lenders to covered debtors are made whole; the government pays what they would lose
    covered = {"coreweave", "openai"}  # a neocloud and a model lab: covered roles
    cl = guar_r.credit_losses
    debt = cl[(cl["kind"] != "contract damages") & cl["debtor"].isin(covered)]
    assert len(debt) > 0
    assert_allclose(debt["loss"], 0.0, atol=1e-9)
    assert_allclose(debt["recovered"], debt["face"], rtol=1e-12)
    lb = guar_r.losses_by_layer
    gov = lb[(lb["layer"] == "government") & (lb["year"] == 2050)]["loss"].iloc[0]
    assert_allclose(gov, debt["from_government"].sum(), rtol=1e-9)
    # contract damages are not guaranteed
    assert cl[cl["kind"] == "contract damages"]["from_government"].sum() == 0.0


def test_hurdle_matches_the_hurdle_package(central: dict[str, StressResult]) -> None:
    for r in central.values():
        h = r.hurdle
        assert_allclose(h["revenue_required"], h["revenue_required_hurdle_pkg"], rtol=1e-9)
        assert_allclose(h["coverage"], h["ai_revenue"] / h["revenue_required"], rtol=1e-9)


def test_circularity_and_repricing_tables_are_sane(central: dict[str, StressResult]) -> None:
    base = central["baseline"]
    c = base.circularity
    assert (c["circular_flow"] <= c["total_flow"] + 1e-9).all()
    assert (c["circularity"].between(0, 1)).all()
    rep = central["rates-up"].repricing
    tsy = rep[(rep["asset_class"] == "treasuries") & (rep["year"] == 2030)].iloc[0]
    assert tsy["rate_change"] > 0.015 and tsy["price_change"] < 0
    power = central["power-crunch"].paths
    pw = power[(power["series"] == "power") & (power["year"] == 2028)].iloc[0]
    assert pw["p50"] < 1.0


def test_compare_table(central: dict[str, StressResult]) -> None:
    t = compare_scenarios([central["baseline"], central["slow-productivity"]])
    rows = t.set_index("measure")
    assert rows.loc["first default", "baseline"] == "none"
    assert rows.loc["first default", "slow-productivity"].startswith("openai")
    assert rows.loc["defaults (entities)", "slow-productivity"] >= 2
