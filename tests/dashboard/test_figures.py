"""Figure builders: what they draw matches the ledger and the engines, counted by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _toy import toy_data
from ouroboros.dashboard import (
    KIND_COLORS,
    ROLE_COLORS,
    circular_share_figure,
    instrument_years,
    ledger_years,
    loop_elements,
    network_elements,
    network_figure,
    network_positions,
    sankey_figure,
    tornado_figure,
)
from ouroboros.dashboard._figures import _width
from ouroboros.deals import yearly_summary
from ouroboros.flows import circularity_report
from ouroboros.model import Ledger, default_ledger


@pytest.fixture(scope="module")
def lg() -> Ledger:
    return default_ledger()


def _edges(els: list[dict]) -> list[dict]:
    return [e["data"] for e in els if "source" in e["data"]]


def test_every_instrument_is_an_edge_and_every_entity_a_node(lg: Ledger) -> None:
    els = network_elements(lg)
    edges = _edges(els)
    nodes = [e for e in els if "source" not in e["data"]]
    assert sorted(e["instrument"] for e in edges) == sorted(i.id for i in lg.instruments)
    assert [n["data"]["id"] for n in nodes] == lg.entity_ids
    for n, ent in zip(nodes, lg.entities, strict=True):
        assert n["data"]["color"] == ROLE_COLORS[ent.roles[0]]
    for e in edges:
        inst = lg.instrument(e["instrument"])
        assert (e["source"], e["target"], e["status"]) == (inst.from_, inst.to, inst.status)
        assert e["color"] == KIND_COLORS[inst.kind]


def test_filters_by_year_kind_and_status(lg: Ledger) -> None:
    edges = _edges(network_elements(lg, year=2027, kinds={"compute_contract", "lease"},
                                    statuses={"signed", "funded"}))  # fmt: skip
    want = []
    for i in lg.instruments:
        if i.kind not in ("compute_contract", "lease") or i.status not in ("signed", "funded"):
            continue
        if i.profile == "explicit" and i.cashflows:
            first, last = min(i.cashflows), max(i.cashflows)
        else:
            end = i.end or i.start
            first = i.start.year
            last = end.year - 1 if (end.month, end.day) == (1, 1) and end > i.start else end.year
        if first <= 2027 <= last:
            want.append(i.id)
    assert sorted(e["instrument"] for e in edges) == sorted(want) and want


def test_edge_width_grows_with_amount(lg: Ledger) -> None:
    edges = sorted(_edges(network_elements(lg)), key=lambda e: e["amount"])
    widths = [e["width"] for e in edges]
    assert widths == sorted(widths)
    assert widths[0] >= 1.0 and widths[-1] == pytest.approx(14.0)


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(1e-3, 1e6))
def test_width_is_monotone_and_bounded(a: float, b: float, top: float) -> None:
    lo, hi = sorted((min(a, top), min(b, top)))
    assert 1.0 <= _width(lo, top) <= _width(hi, top) <= 14.0


def test_instrument_years_of_schedules() -> None:
    lg = Ledger.model_validate(toy_data())
    assert instrument_years(lg.instrument("oai-orcl")) == (2026, 2027)  # ends 2028-01-01
    assert instrument_years(lg.instrument("orcl-nv")) == (2026, 2027)  # explicit cash flows
    assert instrument_years(lg.instrument("bank-orcl")) == (2025, 2025)  # bullet
    assert ledger_years(lg) == [2025, 2026, 2027]


def test_positions_follow_the_risk_chain(lg: Ledger) -> None:
    pos = network_positions(lg)
    assert set(pos) == set(lg.entity_ids)
    x = {k: v[0] for k, v in pos.items()}
    assert x["us-public-pensions"] < x["blackstone"] < x["coreweave"] < x["microsoft"]
    assert x["microsoft"] < x["openai"] < x["nvidia"] < x["rest-of-world"]
    assert len(set(pos.values())) == len(pos)  # no two nodes on the same spot


def test_sankey_splits_each_flow_into_circular_and_remainder() -> None:
    lg = Ledger.model_validate(toy_data())
    rep = circularity_report(lg, year=2026)
    fig = sankey_figure(lg, rep.maximal.edges, title="t")
    s = fig.data[0]
    assert sum(s.link.value) == pytest.approx(167.0)  # every 2026 payment, by hand
    red = [v for v, c in zip(s.link.value, s.link.color, strict=True) if c.startswith("rgba(214")]
    assert sum(red) == pytest.approx(75.0)  # 25 round the three-friends loop, 3 edges
    labels = list(s.node.label)
    assert "Rest of world (outside money in)" in labels
    assert not any("paid outside" in x for x in labels)  # nobody pays the world in the toy


def test_sankey_declutter_and_empty() -> None:
    lg = Ledger.model_validate(toy_data())
    edges = circularity_report(lg, year=2026).maximal.edges
    fig = sankey_figure(lg, edges, title="t", min_share=0.2)  # keep flows >= 20 of 100
    assert sum(fig.data[0].link.value) == pytest.approx(100 + 30 + 25)
    empty = sankey_figure(lg, edges.iloc[0:0], title="t")
    assert "No money flows" in empty.layout.annotations[0].text


def test_circular_share_bars_and_range() -> None:
    ents = pd.DataFrame(
        {"name": ["A", "B", "C"], "inflow": [10.0, 20.0, 5.0], "circular_inflow": [5.0, 2.0, 0.0],
         "circular_share": [0.5, 0.1, 0.0], "circular_share_min": [0.4, 0.1, 0.0],
         "circular_share_max": [0.7, 0.1, 0.0]}
    )  # fmt: skip
    bar = circular_share_figure(ents, title="t").data[0]
    assert list(bar.y) == ["B", "A"]  # C has no circular flow; largest circular inflow on top
    np.testing.assert_allclose(bar.x, [10.0, 50.0])
    np.testing.assert_allclose(bar.error_x.array, [0.0, 20.0])
    np.testing.assert_allclose(bar.error_x.arrayminus, [0.0, 10.0])


def test_loop_elements_highlight_the_chosen_loop() -> None:
    lg = Ledger.model_validate(toy_data())
    rep = circularity_report(lg, year=2026)
    els = loop_elements(lg, rep.maximal.edges, rep.cycles, highlight=1)
    marked = {(e["data"]["source"], e["data"]["target"]) for e in els
              if e.get("classes") == "loop"}  # fmt: skip
    assert marked == {("nvidia", "openai"), ("openai", "oracle"), ("oracle", "nvidia")}
    every = loop_elements(lg, rep.maximal.edges, rep.cycles, highlight=None)
    assert {(e["data"]["source"], e["data"]["target"]) for e in every
            if e.get("classes") == "loop"} == marked  # fmt: skip


def test_deal_years_sum_periods() -> None:  # the roll-up the cash-flow figure draws
    periods = pd.DataFrame(
        {"date": pd.to_datetime([dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2027, 3, 31)]),
         "revenue": [1.0, 2.0, 4.0], "cfads": [0.5, 1.0, 2.0], "interest": [0.1, 0.1, 0.2],
         "principal": [0.2, 0.3, 0.4], "distributions": [0.0, 0.5, 1.0],
         "dscr": [1.7, 2.5, np.nan], "debt": [10.0, 9.7, 9.3]}
    )  # fmt: skip
    y = yearly_summary(periods)
    assert y["year"].tolist() == [2026, 2027]
    np.testing.assert_allclose(y["revenue"], [3.0, 4.0])
    np.testing.assert_allclose(y["min_dscr"], [1.7, np.nan])
    np.testing.assert_allclose(y["debt"], [9.7, 9.3])


def test_tornado_bars_start_at_the_base() -> None:
    table = pd.DataFrame({"input": ["capex", "tax_rate"], "low_value": [2.4, 0.0],
                          "high_value": [3.6, 0.0], "output_low": [400e9, 500e9],
                          "output_high": [600e9, 500e9], "swing": [200e9, 0.0]})  # fmt: skip
    fig = tornado_figure(table, base=500e9, title="t")
    low, high = fig.data
    assert list(low.y) == ["capex"]  # no swing, no bar
    assert (low.base, low.x[0], high.x[0]) == (500.0, -100.0, 100.0)


def test_static_network_figure_for_the_report(lg: Ledger) -> None:
    fig = network_figure(lg)
    nodes = fig.data[-1]
    assert len(nodes.x) == len(lg.entities)
