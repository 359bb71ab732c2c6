"""The bundled Hyperion and CoreWeave specs: sourced terms, assumptions, base-case runs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ouroboros.deals import (
    ContractAsset,
    FloatingRate,
    LeaseAsset,
    bundled_deal,
    bundled_deal_names,
    compile_deal,
    deal_from_data,
    make_drivers,
    run_deal,
)


def test_bundled_names() -> None:
    assert bundled_deal_names() == ["coreweave", "hyperion"]


@pytest.mark.parametrize("name", ["hyperion", "coreweave"])
def test_every_figure_is_cited_or_marked_as_an_assumption(name: str) -> None:
    spec = bundled_deal(name)
    assert spec.sources, "a bundled deal cites its sources"
    for section in ("assets", "capex", "accounts", "tranches", "fees", "covenants"):
        for comp in getattr(spec, section):
            if section == "assets" and comp.kind == "treasuries":
                continue
            assert comp.sources or comp.assumption or comp.note, (section, comp.id)
    for comp in (spec.equity, spec.enforcement):
        assert comp.sources or comp.assumption or comp.note


def test_hyperion_terms_as_reported() -> None:
    spec = bundled_deal("hyperion")
    assert (spec.entity, spec.kind, spec.calendar.frequency) == ("beignet", "spv", "monthly")
    [notes] = spec.tranches
    assert notes.amount == 27300 and notes.maturity.year == 2049
    assert notes.rate.fixed == pytest.approx(0.06581)  # type: ignore[union-attr]
    assert notes.amortisation.kind == "sculpted"  # fully amortising
    assert spec.equity.amount == 2500
    assert {h.id: h.share for h in spec.equity.holders} == {"blue-owl": 0.8, "meta": 0.2}
    [lease] = [a for a in spec.assets if isinstance(a, LeaseAsset)]
    assert (lease.tenant, lease.start, lease.initial_term_years) == ("meta", dt.date(2029, 1, 1), 4)
    assert lease.renewal is not None and lease.renewal.options > 0
    assert lease.guarantee is not None and lease.guarantee.years == 16
    assert any(a.kind == "treasuries" for a in spec.assets)
    assert {a.invested_in for a in spec.accounts if a.kind == "construction"} == {
        "construction-treasuries"
    }


def test_hyperion_base_case() -> None:
    res = run_deal(bundled_deal("hyperion"))
    s = res.summary.iloc[0]
    # sculpted on the rent: DSCR is flat over operations
    assert_allclose(s.min_dscr, s.avg_dscr, rtol=1e-9)
    assert s.min_dscr > 1.10 and s.default_date is None and s.first_breach is None
    assert res.tranche_summary.loss[0] == 0.0
    assert_allclose(res.tranche_summary.principal_paid[0], 27300.0)
    p = res.periods
    # no rent before 2029: construction-period interest comes from the construction account
    build = p[p.phase == "construction"]
    assert (build.revenue == 0).all() and len(build) == 38
    assert_allclose(build.interest, 27300 * 0.06581 / 12)
    acc = res.accounts
    cons = acc[acc.account == "construction"]
    assert cons.balance_end.min() >= 0 and cons.balance_end.iloc[-1] == 0
    # the reserve holds six months of debt service once operations start
    dsra = acc[acc.account == "dsra"].reset_index(drop=True)
    ds = p.debt_service_due.to_numpy()
    assert_allclose(dsra.balance_end[38], 6 * ds[38], rtol=1e-9)
    assert 0.10 < s.equity_irr < 0.25


def test_hyperion_residual_value_guarantee_protects_the_notes() -> None:
    spec = bundled_deal("hyperion")
    # Meta walks at the 2037 renewal and the campus is worth only 20% of its curve value
    drv = make_drivers(1, walk_away={"meta-lease": ["2037-01-01"]}, asset_value_factor=0.2)
    res = run_deal(spec, drv)
    p = res.periods
    sale = p[p.sale_proceeds > 0]
    assert len(sale) == 1 and sale.date.iloc[0] == np.datetime64("2037-01-31")
    assert sale.guarantee.iloc[0] > 0
    assert res.tranche_summary.loss[0] == 0.0
    # the same walk-away without the guarantee leaves the notes short
    data = spec.model_dump(by_alias=True)
    data["assets"][0]["guarantee"] = None
    res2 = run_deal(deal_from_data(data), drv)
    debt = p.debt[p.date == np.datetime64("2036-12-31")].iloc[0]
    value = sale.sale_proceeds.iloc[0]
    assert res2.tranche_summary.loss[0] > 0
    # loss = debt and that month's interest, less the sale and the released reserve (with
    # its month of Treasury income), after the SPV's fee
    p2 = res2.periods
    k = p2.index[p2.sale_proceeds > 0][0]
    assert_allclose(p2.sale_proceeds[k], value)
    interest = debt * 0.06581 / 12
    cash = value + p2.account_withdrawals[k] - p2.fees[k]
    assert_allclose(res2.tranche_summary.loss[0], debt + interest - cash, rtol=1e-12)


def test_coreweave_terms_as_reported() -> None:
    spec = bundled_deal("coreweave")
    assert (spec.entity, spec.kind) == ("coreweave", "opco")
    tr = {t.id: t for t in spec.tranches}
    grid = tr["ddtl-2"].rate
    assert isinstance(grid, FloatingRate) and grid.spread_by_tier == {
        "ig_named": 0.06,
        "ig": 0.065,
        "sub_ig": 0.13,
    }
    assert tr["ddtl-4"].rate.spread == 0.0225  # type: ignore[union-attr]
    assert tr["notes-2031"].amount == 1750 and tr["notes-2031"].rate.fixed == 0.09  # type: ignore[union-attr]
    assert tr["notes-2031"].maturity.year == 2031
    contracts = {a.customer: a for a in spec.assets if isinstance(a, ContractAsset)}
    assert contracts["openai"].value == 22400 and contracts["meta"].value == 14200
    assert contracts["openai"].credit_tier == "sub_ig"
    assert contracts["microsoft"].credit_tier == "ig_named"
    fleet = next(a for a in spec.assets if a.kind == "gpu_fleet")
    assert fleet.depreciation.life_years == 6  # type: ignore[union-attr]
    cd = compile_deal(spec)
    # DDTL 2.0 is backed by the Microsoft contracts: named investment grade, SOFR + 600bp
    assert cd.tranches[[t.id for t in cd.tranches].index("ddtl-2")].spread == 0.06


def test_coreweave_contract_revenue_is_exact() -> None:
    spec = bundled_deal("coreweave")
    cd = compile_deal(spec)
    meta = next(c for c in cd.contracts if c.customer == "meta")
    # Meta's contract (Oct 2025 - Dec 2031) lies inside the horizon: all of it is earned
    assert_allclose(meta.per_period.sum(), 14200.0, rtol=1e-12)
    openai = next(c for c in cd.contracts if c.customer == "openai")
    # OpenAI's started 2025-04-01: the quarter to 30 June 2025 was before close
    days = (dt.date(2030, 9, 30) - dt.date(2025, 4, 1)).days
    earned = (dt.date(2030, 9, 30) - dt.date(2025, 7, 1)).days
    assert_allclose(openai.per_period.sum(), 22400.0 * earned / days, rtol=1e-12)


def test_coreweave_equity_absorbs_losses_first() -> None:
    res = run_deal(
        bundled_deal("coreweave"), make_drivers(3, gpu_price_factor=[[1.0], [0.45], [0.2]])
    )
    ts = res.tranche_summary
    s = res.summary
    assert s.total_loss[0] == 0 and s.equity_irr[0] > 0
    for i in (1, 2):
        name = res.scenarios[i]
        mine = ts[ts.scenario == name]
        # when creditors lose, equity got back less than it put in
        if mine.loss.sum() > 0:
            assert s.equity_multiple[i] < 1.0
        # a senior secured tranche never loses more (as a share) than the junior notes
        senior = mine[mine.seniority == 1].loss_rate.max()
        junior = mine[mine.seniority == 2].loss_rate.min()
        assert senior <= junior + 1e-12
