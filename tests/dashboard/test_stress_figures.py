"""The Stress page's figure builders: the contagion chain and the Monte Carlo figures,
checked against small tables worked out by hand and against pandas on random events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ouroboros.dashboard._figures import (
    stress_chain_elements,
    stress_default_probability_figure,
    stress_horizon_losses_figure,
    stress_losses_band_figure,
    stress_year_color,
)

COLS = ["run", "year", "entity", "event", "cause", "counterparty"]
LIQ = "liquidity: debt service exceeds cash"
UNPAID = "deal engine: debt service unpaid"
WALK = "strategic default: AI return below its cost of capital"
CONTAGION = "insolvent: losses on claims"

# four runs: the lab fails on its own in runs 0 and 1 and sets the cloud off in run 0; the
# tenant walks away from the lessor in runs 0 and 2, the lessor fails in run 2; in run 3 a
# counterparty with no event of its own ("ghost") sets "x" off
EVENTS = pd.DataFrame(
    [
        (0, 2027, "lab", "default", LIQ, None),
        (0, 2028, "cloud", "default", UNPAID, "lab"),
        (0, 2029, "tenant", "walk_away", WALK, "lessor"),
        (1, 2029, "lab", "default", LIQ, None),
        (2, 2030, "tenant", "walk_away", WALK, "lessor"),
        (2, 2031, "lessor", "default", LIQ, None),
        (3, 2032, "x", "default", CONTAGION, "ghost"),
    ],
    columns=COLS,
)


def _nodes(els: list[dict]) -> dict[str, dict]:
    return {e["data"]["id"]: e for e in els if "source" not in e["data"]}


def _edges(els: list[dict]) -> dict[tuple[str, str], dict]:
    return {(e["data"]["source"], e["data"]["target"]): e for e in els if "source" in e["data"]}


def test_chain_of_a_hand_made_monte_carlo() -> None:
    els = stress_chain_elements(EVENTS, 4, names={"lab": "The Lab"}, years=(2026, 2050))
    nodes, edges = _nodes(els), _edges(els)
    assert set(nodes) == {"lab", "cloud", "tenant", "lessor", "x", "ghost"}
    # one arrow counterparty -> entity per link, its share of the four runs
    assert set(edges) == {("lab", "cloud"), ("lessor", "tenant"), ("ghost", "x")}
    assert edges["lab", "cloud"]["data"]["share"] == 0.25
    assert edges["lessor", "tenant"]["data"]["runs"] == 2
    assert edges["lessor", "tenant"]["data"]["share"] == 0.5
    assert edges["lessor", "tenant"]["classes"] == "walk_away"
    assert edges["lab", "cloud"]["data"]["label"] == "debt service unpaid · 25%"
    assert edges["lab", "cloud"]["data"]["width"] > 1.5
    # nodes: default and walk-away shares, median year of the first event, own-cause roots
    lab = nodes["lab"]["data"]
    assert (lab["default_probability"], lab["year"], lab["root_share"]) == (0.5, 2028.0, 0.5)
    assert lab["label"] == "The Lab\ndefault 50% · 2028"
    assert nodes["lab"]["classes"] == "root" and nodes["lessor"]["classes"] == "root"
    assert nodes["cloud"]["classes"] == "" and nodes["tenant"]["classes"] == ""
    tenant = nodes["tenant"]["data"]
    assert (tenant["default_probability"], tenant["walk_probability"]) == (0.0, 0.5)
    assert tenant["year"] == 2029.5 and tenant["label"] == "tenant\nwalks away 50% · 2029.5"
    ghost = nodes["ghost"]["data"]
    assert ghost["year"] is None and nodes["ghost"]["classes"] == "trigger"
    assert ghost["color"] == "#bdbdbd" and ghost["label"] == "ghost"
    # colour by year on the fixed 2026-2050 scale: earlier is darker red
    assert lab["color"] == stress_year_color(2028, 2026, 2050)
    # columns left to right by year; the ghost just before the entity it set off
    x = {k: n["position"]["x"] for k, n in nodes.items()}
    assert x["lab"] == x["cloud"] < x["tenant"] < x["lessor"] < x["ghost"] < x["x"]
    # within a column, the likeliest first
    assert nodes["lab"]["position"]["y"] < nodes["cloud"]["position"]["y"]


def test_chain_of_one_run_labels_events_without_shares() -> None:
    one = EVENTS[EVENTS["run"] == 0]
    els = stress_chain_elements(one, 1)
    nodes, edges = _nodes(els), _edges(els)
    assert nodes["cloud"]["data"]["label"] == "cloud\ndefault 2028"
    assert nodes["tenant"]["data"]["label"] == "tenant\nwalks away 2029"
    assert edges["lab", "cloud"]["data"]["label"] == "debt service unpaid"
    assert {e["data"]["share"] for e in edges.values()} == {1.0}
    assert stress_chain_elements(EVENTS.iloc[:0], 1) == []


_ENTITIES = ["a", "b", "c", "d"]


@st.composite
def _events(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    runs = draw(st.integers(1, 6))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, runs - 1),
                st.integers(2026, 2035),
                st.sampled_from(_ENTITIES),
                st.sampled_from(["default", "walk_away"]),
                st.sampled_from([LIQ, UNPAID, WALK]),
                st.one_of(st.none(), st.sampled_from([*_ENTITIES, "outsider"])),
            ),
            min_size=1,
            max_size=25,
        )
    )
    return pd.DataFrame(rows, columns=COLS), runs


@settings(max_examples=60, deadline=None)
@given(_events())
def test_chain_matches_pandas_on_any_events(case: tuple[pd.DataFrame, int]) -> None:
    ev, runs = case
    els = stress_chain_elements(ev, runs)
    nodes = _nodes(els)
    links = ev.dropna(subset=["counterparty"])
    assert set(nodes) == set(ev["entity"]) | set(links["counterparty"])
    want = links.groupby(["counterparty", "entity", "event", "cause"])["run"].nunique() / runs
    got = {
        (d["source"], d["target"], d["event"], d["cause"]): d["share"]
        for d in (e["data"] for e in els if "source" in e["data"])
    }
    assert got == pytest.approx({tuple(k): v for k, v in want.items()})
    for eid, node in nodes.items():
        mine = ev[ev["entity"] == eid]
        d = node["data"]
        assert d["default_probability"] == pytest.approx(
            mine.loc[mine["event"] == "default", "run"].nunique() / runs
        )
        assert d["walk_probability"] == pytest.approx(
            mine.loc[mine["event"] == "walk_away", "run"].nunique() / runs
        )
        assert ("root" in node["classes"]) == mine["counterparty"].isna().any()
        if len(mine):
            assert d["year"] == pytest.approx(np.median(mine.groupby("run")["year"].min()))
        else:
            assert d["year"] is None and "trigger" in node["classes"]


def test_year_colour_runs_from_dark_red_to_pale_yellow() -> None:
    assert stress_year_color(2026, 2026, 2050) == "#800026"
    assert stress_year_color(2050, 2026, 2050) == "#fed976"
    assert stress_year_color(2070, 2026, 2050) == "#fed976"  # clipped
    assert stress_year_color(1, 0, 3) == "#e31a1c"  # the second stop
    # half-way between the first two stops: the mean of #800026 and #e31a1c, by hand
    assert stress_year_color(0.5, 0, 3) == "#b20d21"


def _losses(values: dict[str, list[float]]) -> pd.DataFrame:
    years = [2026, 2027, 2028]
    rows = []
    for layer, mean in values.items():
        for y, m in zip(years, mean, strict=True):
            rows.append({"year": y, "layer": layer, "mean": m, "p05": 0.5 * m, "p50": m,
                         "p95": 2 * m})  # fmt: skip
    return pd.DataFrame(rows)


def test_losses_band_draws_only_layers_that_lose_with_their_band() -> None:
    df = _losses({"banks": [0, 1, 3], "pensions": [0, 0, 0], "insurers": [0, 0, 2]})
    fig = stress_losses_band_figure({"s": df, "t": df}, unit="USD bn", title="t")
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["banks (s)", "insurers (s)", "banks (t)", "insurers (t)"]
    assert [t.line.dash for t in lines] == ["solid", "solid", "dash", "dash"]
    assert {t.type for t in fig.data} == {"scatter"}
    band = fig.data[0]
    assert list(band.x) == [2026, 2027, 2028, 2028, 2027, 2026]
    np.testing.assert_allclose(band.y, [0, 2, 6, 1.5, 0.5, 0])  # p95 out, p05 back
    np.testing.assert_allclose(fig.data[1].y, [0, 1, 3])
    # the layer's colour as in the one-run figure: third layer, third colour of its palette
    assert fig.data[3].line.color == "#9467bd"
    # one run (a "loss" column): the same lines, no bands
    one = df.drop(columns=["p05", "p50", "p95"]).rename(columns={"mean": "loss"})
    lines = stress_losses_band_figure({"s": one}, unit="USD bn", title="t").data
    assert [(t.name, t.line.color, t.fill) for t in lines] == [
        ("banks (s)", "#d62728", None),
        ("insurers (s)", "#9467bd", None),
    ]
    np.testing.assert_allclose(lines[1].y, [0, 0, 2])
    empty = stress_losses_band_figure({"s": _losses({"banks": [0, 0, 0]})}, unit="", title="t")
    assert empty.data == () and "No layer loses" in empty.layout.annotations[0].text


def test_default_probability_bars_leave_out_who_never_defaults() -> None:
    def dp(probs: dict[str, float]) -> pd.DataFrame:
        rows = []
        for e, p in probs.items():
            yrs = (2029.0, 2030.0, 2033.0) if p > 0 else (None, None, None)
            rows.append({"entity": e, "probability": p, "mean_year": yrs[1], "p05": yrs[0],
                         "p50": yrs[1], "p95": yrs[2]})  # fmt: skip
        return pd.DataFrame(rows)

    fig = stress_default_probability_figure(
        {"s": dp({"a": 0.1, "b": 0.0, "c": 0.4}), "t": dp({"a": 0.7, "b": 0.0, "c": 0.0})},
        title="t",
        names={"a": "Alpha"},
    )
    s, t = fig.data
    assert list(s.x) == list(t.x) == ["a", "c"]  # by the highest probability in any scenario
    np.testing.assert_allclose(s.y, [0.1, 0.4])
    np.testing.assert_allclose(t.y, [0.7, 0.0])
    assert list(s.text) == ["2030", "2030"] and list(t.text) == ["2030", ""]
    assert [list(c) for c in s.customdata] == [["Alpha", "2029", "2030", "2033"],
                                               ["c", "2029", "2030", "2033"]]  # fmt: skip
    assert list(t.customdata[1]) == ["c", "–", "–", "–"]
    none = stress_default_probability_figure({"s": dp({"a": 0.0})}, title="t")
    assert none.data == ()


def test_horizon_boxes_are_the_numpy_quantiles_of_the_runs() -> None:
    rng = np.random.default_rng(5)
    a = pd.DataFrame({"run": range(200), "banks": rng.gamma(2.0, 3.0, 200),
                      "etf": np.zeros(200), "other": rng.uniform(0, 1, 200)})  # fmt: skip
    b = a.assign(banks=0.0, other=a["other"] * 2)
    fig = stress_horizon_losses_figure({"s": a, "t": b}, unit="USD bn", title="t")
    assert [t.type for t in fig.data] == ["box", "box"]
    for box, df in zip(fig.data, (a, b), strict=True):
        assert list(box.x) == ["banks", "other"]  # etf never loses: left out
        vals = df[["banks", "other"]].to_numpy()
        for name, q in zip(["lowerfence", "q1", "median", "q3", "upperfence"],
                           [5, 25, 50, 75, 95], strict=True):  # fmt: skip
            np.testing.assert_allclose(getattr(box, name), np.percentile(vals, q, axis=0))
        np.testing.assert_allclose(box.mean, vals.mean(axis=0))
    # five runs 0..4: quartiles 1 and 3, median 2, whiskers 0.2 and 3.8 (by hand)
    small = pd.DataFrame({"run": range(5), "banks": [4.0, 0, 2, 1, 3]})
    box = stress_horizon_losses_figure({"s": small}, unit="", title="").data[0]
    np.testing.assert_allclose(
        [box.lowerfence[0], box.q1[0], box.median[0], box.q3[0], box.upperfence[0]],
        [0.2, 1, 2, 3, 3.8],
    )
