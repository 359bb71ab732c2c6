"""Breakeven stresses against closed forms on small deals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from numpy.testing import assert_allclose

from ouroboros.deals import (
    DealSpec,
    breakeven,
    bundled_deal,
    level_payment,
    make_drivers,
    run_deal,
)
from ouroboros.errors import InputError

Toy = Callable[..., DealSpec]


def test_dscr_breakeven_is_one_minus_the_inverse_dscr(toy: Toy) -> None:
    pay = level_payment(100.0, 0.06, 10)
    for stress in ("rent_haircut", "cfads_haircut"):
        be = breakeven(toy(), stress, target="dscr")
        assert be.found and not be.at_base
        assert_allclose(be.value, 1.0 - pay / 20.0, atol=2e-6)
        assert_allclose(be.level, pay / 20.0, atol=2e-6)


def test_first_loss_breakeven(toy: Toy) -> None:
    # nothing to sell and nothing recovered: the first missed payment is a loss
    assets = [
        {
            "id": "lease",
            "kind": "lease",
            "tenant": "t",
            "rent": 20.0,
            "start": "2026-01-01",
            "initial_term_years": 10,
            "value": 0.0,
        }
    ]
    spec = toy(assets=assets, enforcement={"recovery": 0.0})
    be = breakeven(spec, "rent_haircut")
    pay = level_payment(100.0, 0.06, 10)
    assert be.found and be.first_loser == "senior" and be.tranche is None
    assert_allclose(be.value, 1.0 - pay / 20.0, atol=2e-6)
    # just below no loss, just above a loss
    below, above = be.value - 1e-5, be.value + 1e-5
    res = run_deal(spec, make_drivers(2, rent_factor=[[1 - below], [1 - above]]))
    assert res.tranche_summary.loss[0] == 0 and res.tranche_summary.loss[1] > 0
    assert be.description == "senior takes its first loss at a 32.07% cut in lease rents"


def test_rate_rise_breakeven_on_a_floating_loan(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {
                "id": "loan",
                "amount": 100.0,
                "maturity": "2040-12-31",
                "rate": {"index": "sofr", "spread": 0.02},
            }
        ]
    )
    be = breakeven(spec, "rate_rise", target="dscr")
    # 20 of rent against 100 x (4% SOFR + 2% + x) of interest: DSCR 1 at x = 14%
    assert_allclose(be.value, 0.14, atol=2e-6)
    assert be.level is None and "1,400bp" in be.description


def test_watching_one_tranche(toy: Toy) -> None:
    spec = toy(
        tranches=[
            {
                "id": "senior",
                "seniority": 1,
                "amount": 60.0,
                "rate": {"fixed": 0.05},
                "amortisation": {"kind": "level"},
                "maturity": "2035-12-31",
            },
            {
                "id": "junior",
                "seniority": 2,
                "amount": 40.0,
                "rate": {"fixed": 0.10},
                "amortisation": {"kind": "level"},
                "maturity": "2035-12-31",
                "deferrable": True,
            },
        ],
        assets=[
            {
                "id": "lease",
                "kind": "lease",
                "tenant": "t",
                "rent": 20.0,
                "start": "2026-01-01",
                "initial_term_years": 10,
                "value": 30.0,
            }
        ],
        enforcement={"recovery": 0.5},
    )
    any_tranche = breakeven(spec, "rent_haircut")
    senior = breakeven(spec, "rent_haircut", tranche="senior")
    assert any_tranche.first_loser == "junior"
    assert senior.first_loser == "senior"
    # the junior absorbs losses first: the senior needs a deeper cut
    assert senior.value > any_tranche.value  # type: ignore[operator]


def test_no_breakeven_and_at_base() -> None:
    be = breakeven(bundled_deal("hyperion"), "gpu_price_fall")
    assert not be.found and be.value is None
    assert be.description.startswith("no breakeven: no tranche loses even at a 100.00%")
    be = breakeven(bundled_deal("coreweave"), "utilisation_fall", target="dscr")
    # CoreWeave's contracts run off before 2033 with no new ones assumed: min DSCR < 1
    assert be.found and be.at_base and be.value == 0.0


def test_bad_arguments(toy: Toy) -> None:
    with pytest.raises(InputError, match="unknown stress 'meteor'") as info:
        breakeven(toy(), "meteor")
    assert info.value.field == "stress"
    with pytest.raises(InputError, match="unknown tranche 'mezz'"):
        breakeven(toy(), "rent_haircut", tranche="mezz")
    with pytest.raises(InputError, match="one base scenario"):
        breakeven(toy(), "rent_haircut", base=make_drivers(2))
    with pytest.raises(InputError, match="target"):
        breakeven(toy(), "rent_haircut", target="irr")  # type: ignore[arg-type]
