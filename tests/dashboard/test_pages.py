"""Every page and callback through the Dash HTTP protocol (no browser): right numbers,
sources under every figure, invalid edits refused with the field named."""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import numpy as np
import pandas as pd
import pytest
import yaml

from _toy import toy_data
from ouroboros.dashboard import PAGES, create_app, workspace_of
from ouroboros.dashboard._testing import call_callback
from ouroboros.deals import bundled_deal, run_deal
from ouroboros.flows import circularity_report
from ouroboros.model import default_ledger, ledger_from_data

pytestmark = pytest.mark.filterwarnings("ignore:(?s).*DataTable will be removed:DeprecationWarning")


def _arr(v: Any) -> np.ndarray:
    """A figure array as sent to the browser (Plotly writes numpy arrays as base64)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray([np.nan if x is None else x for x in v], dtype=float)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    return create_app(store=tmp_path_factory.mktemp("dash") / "store.duckdb")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            yield node
            yield from _walk(node["props"].get("children"))
        else:
            for v in node.values():
                yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _text(node: Any) -> str:
    parts: list[str] = []

    def go(n: Any) -> None:
        if isinstance(n, str):
            parts.append(n)
        elif isinstance(n, int | float):
            parts.append(str(n))
        elif isinstance(n, list):
            for x in n:
                go(x)
        elif isinstance(n, dict) and "props" in n:
            go(n["props"].get("children"))

    go(node)
    return " ".join(parts)


def _page(app: dash.Dash, path: str, key: str = "default") -> dict[str, Any]:
    r = call_callback(app, "page.children", {"url.pathname": path, "dataset.value": key})
    assert r.status == 200
    return r.props


@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_page_renders_and_every_figure_names_its_source(app: dash.Dash, path: str) -> None:
    props = _page(app, path)
    tree = props["page.children"]
    assert "error-box" not in json.dumps(tree)
    active = [k for k, v in props.items() if k.startswith("nav-") and v == "nav-link active"]
    assert len(active) == 1
    cards = [n for n in _walk(tree) if n["props"].get("className") == "card"]
    assert cards
    for card in cards:
        inner = list(_walk(card["props"].get("children")))
        has_figure = any(n["type"] in ("Graph", "Cytoscape") for n in inner)
        has_source = any(n["props"].get("className") == "source" for n in inner)
        if has_figure:
            title = _text(card["props"]["children"][0])
            assert has_source, f"{path}: card {title!r} has a figure without a source"


def test_unknown_page(app: dash.Dash) -> None:
    assert "No page at /nope" in _text(_page(app, "/nope")["page.children"])


def test_network_click_shows_deals_financials_sources(app: dash.Dash) -> None:
    lg = default_ledger()
    r = call_callback(app, "net-detail.children",
                      {"net-graph.tapNodeData": {"id": "oracle"}, "dataset.value": "default"},
                      changed=["net-graph.tapNodeData"])  # fmt: skip
    tree = r.props["net-detail.children"]
    tables = {n["props"]["id"]: n["props"]["data"] for n in _walk(tree) if n["type"] == "DataTable"}
    mine = {i.id for i in lg.instruments if "oracle" in (i.from_, i.to)}
    assert {d["id"] for d in tables["net-entity-deals"]} == mine
    fin = {row["field"]: row for row in tables["net-entity-fin"]}
    year = max(lg.entity("oracle").financials)
    assert fin["revenue"][str(year)] == lg.entity("oracle").financials[year].revenue
    cited = {s for i in lg.instruments if i.id in mine for s in i.sources}
    shown = {
        n["props"]["id"][4:]
        for n in _walk(tree)
        if str(n["props"].get("id", "")).startswith("src-")
    }
    assert cited <= shown
    r = call_callback(app, "net-detail.children",
                      {"net-graph.tapEdgeData": {"instrument": "openai-amd-gpus-6gw"},
                       "dataset.value": "default"}, changed=["net-graph.tapEdgeData"])  # fmt: skip
    assert "openai-amd-gpus-6gw" in _text(r.props["net-detail.children"])


def test_network_filters(app: dash.Dash) -> None:
    r = call_callback(app, "net-graph.elements", {
        "net-year.value": 0, "net-kinds.value": ["lease"], "net-statuses.value": ["funded",
        "signed"], "net-layout.value": "cose", "dataset.value": "default"})  # fmt: skip
    edges = [e for e in r.props["net-graph.elements"] if "source" in e["data"]]
    lg = default_ledger()
    assert {e["data"]["instrument"] for e in edges} == {
        i.id for i in lg.instruments if i.kind == "lease" and i.status in ("funded", "signed")
    }
    assert r.props["net-graph.layout"]["name"] == "cose"


def _kpis(tree: Any) -> dict[str, str]:
    out = {}
    for n in _walk(tree):
        if n["props"].get("className") == "kpi":
            kids = n["props"]["children"]
            out[_text(kids[1])] = _text(kids[0])
    return out


def test_hurdle_slider_redraws_with_the_hand_figure(app: dash.Dash) -> None:
    values = {"h-capex.value": 6.0, "h-yield.value": 12.0, "h-margin.value": 65.0,
              "h-debt.value": 30.0, "h-rd.value": 7.5, "h-re.value": 20.0, "h-tax.value": 0.0,
              "h-life.value": 6.0, "h-recovery.value": [], "h-guarantee.value": [],
              "h-growth.value": 30.0, "dataset.value": "default"}  # fmt: skip
    r = call_callback(app, "h-kpis.children", values)
    k = _kpis(r.props["h-kpis.children"])
    assert k["revenue required a year"] == "1,108 USD bn"  # 6e12 x 12% / 65% = 1,107.7e9
    assert k["EBITDA required a year"] == "720 USD bn"
    rec = r.props["h-recipes.figure"]
    line = next(s for s in rec["layout"]["shapes"] if s.get("type") == "line")
    assert line["x0"] == pytest.approx(6e12 * 0.12 / 0.65 / 1e9)


def test_deal_sliders_redraw_dscr(app: dash.Dash) -> None:
    def run(rent: float) -> dict[str, Any]:
        return call_callback(app, "deal-kpis.children", {
            "deal-pick.value": "hyperion", "deal-rent.value": rent, "deal-util.value": 1.0,
            "deal-gpu.value": 1.0, "deal-rates.value": 0.0}).props  # fmt: skip

    base, cut = run(1.0), run(0.7)
    y_base = _arr(base["deal-dscr.figure"]["data"][0]["y"])
    y_cut = _arr(cut["deal-dscr.figure"]["data"][0]["y"])
    assert np.nanmin(y_cut) < np.nanmin(y_base)
    engine = run_deal(bundled_deal("hyperion"))
    assert np.nanmin(y_base) == pytest.approx(float(engine.periods["dscr"].min()))
    assert _kpis(base["deal-kpis.children"])["minimum DSCR"] == f"{np.nanmin(y_base):.2f}x"


def test_breakeven_button(app: dash.Dash) -> None:
    r = call_callback(app, "deal-be-out.children", {
        "deal-be-go.n_clicks": 1, "deal-pick.value": "hyperion",
        "deal-be-stress.value": "rent_haircut", "deal-be-target.value": "dscr",
        "deal-rent.value": 1.0, "deal-util.value": 1.0, "deal-gpu.value": 1.0,
        "deal-rates.value": 0.0})  # fmt: skip
    text = _text(r.props["deal-be-out.children"])
    pct = float(re.search(r"at a ([\d.]+)% cut", text).group(1))  # type: ignore[union-attr]
    # at that cut the minimum DSCR is 1.0: min DSCR scales with rents here (no other income)
    engine = run_deal(bundled_deal("hyperion"))
    assert pct / 100 == pytest.approx(1 - 1 / float(engine.periods["dscr"].min()), abs=2e-3)


def test_loops_method_and_highlight(app: dash.Dash) -> None:
    r = call_callback(app, "loops-kpis.children", {
        "loops-year.value": 2026, "loops-announced.value": ["yes"],
        "loops-method.value": "bff", "dataset.value": "default"})  # fmt: skip
    rep = circularity_report(default_ledger(), year=2026, include_announced=True, method="bff")
    k = _kpis(r.props["loops-kpis.children"])
    assert k["circular flow C"] == f"{rep.bff_circular_flow:,.1f} USD bn"
    assert r.props["loops-method-note.children"].startswith("Balanced Flow Forwarding")
    r = call_callback(app, "loops-graph.elements", {
        "loops-pick.value": 1, "loops-year.value": 2026, "loops-announced.value": ["yes"],
        "loops-method.value": "bff", "dataset.value": "default"},
        changed=["loops-pick.value"])  # fmt: skip
    path = list(rep.cycles["path"].iloc[0])
    marked = {
        (e["data"]["source"], e["data"]["target"])
        for e in r.props["loops-graph.elements"]
        if e.get("classes") == "loop"
    }
    assert marked == set(itertools.pairwise(path))


def test_liquidity_slider(app: dash.Dash) -> None:
    def coc(se: float) -> float:
        r = call_callback(app, "liq-kpis.children", {"liq-se.value": se, "liq-ie.value": 0.5,
                          "liq-floor.value": 5400, "liq-qe.value": 0.0})  # fmt: skip
        return float(_kpis(r.props["liq-kpis.children"])["cost of capital 2028"].rstrip("%"))

    # more elastic saving meets the same excess demand with a smaller rate rise
    assert coc(1.0) < coc(0.3) == pytest.approx(5.44, abs=0.005)


def test_invalid_edit_is_refused_with_the_field(app: dash.Dash) -> None:
    ws = workspace_of(app)
    before = len(ws.datasets())
    text = ("id: bad-loan\nkind: loan\nfrom: nvidia\nto: openai\namount: -5\n"
            "start: 2026-01-01\nsources: [seed-001-gate-ai-infrastructure-3t]\n")  # fmt: skip
    r = call_callback(app, "data-result.children", {
        "data-save.n_clicks": 1, "data-editor.value": text,
        "data-editing.data": {"section": "instruments", "replace": None},
        "dataset.value": "default"})  # fmt: skip
    assert "dataset.value" not in r.props  # nothing switched, nothing saved
    box = r.props["data-result.children"]
    fields = [
        n["props"]["data-field"] for n in _walk(box) if n["props"].get("className") == "problem"
    ]
    assert fields == ["amount"]
    assert "must be >= 0, got -5" in _text(box)
    assert len(ws.datasets()) == before


def test_valid_edit_is_saved_and_shown(app: dash.Dash) -> None:
    ws = workspace_of(app)
    load = call_callback(app, "data-editor.value", {"data-entities.selected_row_ids": ["lambda"],
                         "dataset.value": "default"},
                         changed=["data-entities.selected_row_ids"])  # fmt: skip
    text = load.props["data-editor.value"]
    assert yaml.safe_load(text)["name"] == "Lambda, Inc."
    edited = text.replace("Lambda, Inc.", "Lambda Labs, Inc.")
    r = call_callback(
        app,
        "data-result.children",
        {
            "data-save.n_clicks": 1,
            "data-editor.value": edited,
            "data-editing.data": load.props["data-editing.data"],
            "dataset.value": "default",
        },
    )
    key = r.props["dataset.value"]
    assert ws.ledger(key).entity("lambda").name == "Lambda Labs, Inc."
    assert key in {o["value"] for o in r.props["dataset.options"]}
    page = _page(app, "/", key)
    assert "error-box" not in json.dumps(page["page.children"])


def test_upload_through_the_page(app: dash.Dash, tmp_path: Path) -> None:
    raw = yaml.safe_dump(toy_data()).encode()
    contents = "data:application/x-yaml;base64," + base64.b64encode(raw).decode()
    r = call_callback(
        app,
        "data-upload-result.children",
        {"data-upload.contents": contents, "data-upload.filename": "toy.yaml"},
    )
    assert r.props["dataset.value"].startswith("toy-web@")
    bad = "data:application/x-yaml;base64," + base64.b64encode(b"meta: [\n").decode()
    r = call_callback(
        app,
        "data-upload-result.children",
        {"data-upload.contents": bad, "data-upload.filename": "bad.yaml"},
    )
    assert "dataset.value" not in r.props and "YAML syntax error" in _text(
        r.props["data-upload-result.children"]
    )


def test_download_is_the_dataset_under_its_store_name(app: dash.Dash) -> None:
    r = call_callback(
        app, "data-download.data", {"data-download-go.n_clicks": 1, "dataset.value": "default"}
    )
    lg = default_ledger()
    # "AI capex web, late 2025": the name the store gives it, one dash per gap
    assert r.props["data-download.data"]["filename"] == "ai-capex-web-late-2025.yaml"
    assert ledger_from_data(yaml.safe_load(r.props["data-download.data"]["content"])) == lg


def test_token_protects_pages_and_callbacks(tmp_path: Path) -> None:
    app = create_app(store=tmp_path / "s.duckdb", token="a-long-token", host="0.0.0.0")
    c = app.server.test_client()
    assert c.get("/").status_code == 401
    assert c.get("/?token=a-long-token").status_code == 200
    assert c.get("/_dash-layout").status_code == 200  # the cookie now carries the token
    with pytest.raises(PermissionError):
        call_callback(app, "page.children", {"url.pathname": "/hurdle"})
    fresh = app.server.test_client()
    assert fresh.post("/_dash-update-component", json={}).status_code == 401
    r = call_callback(
        app,
        "page.children",
        {"url.pathname": "/hurdle"},
        headers={"Authorization": "Bearer a-long-token"},
    )
    assert r.status == 200


def test_pages_send_a_content_security_policy(app: dash.Dash) -> None:
    resp = app.server.test_client().get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    html = resp.get_data(as_text=True)
    assert "unpkg.com" not in html and "cdn.plot.ly" not in html and "fonts.g" not in html


def _stress(app: dash.Dash, scenarios: Any, runs: Any, seed: Any) -> tuple[Any, Any]:
    """Press Run, then poll as the page's interval does until every job has finished.

    Returns (what the page keeps: the job ids, the last poll's props); when the controls
    are refused the plan is ``{"refused": field}`` and the props are Run's own answer."""
    values = {
        "stress-run.n_clicks": 1,
        "stress-scenarios.value": scenarios,
        "stress-runs.value": runs,
        "stress-seed.value": seed,
        "dataset.value": "default",
    }
    r = call_callback(app, "stress-jobs.data", values)
    assert r.status == 200
    plan = r.props["stress-jobs.data"]
    if "refused" in plan:
        return plan, r.props
    changed, deadline = "stress-jobs.data", time.monotonic() + 60
    for k in itertools.count():
        p = call_callback(app, "stress-results.children",
                          {"stress-jobs.data": plan, "stress-poll.n_intervals": k},
                          changed=[changed])  # fmt: skip
        assert p.status == 200
        if p.props["stress-poll.disabled"]:
            return plan, p.props
        # while the runs go: a progress line, the interval stays on
        assert "done (" in _text(p.props["stress-progress.children"])
        assert time.monotonic() < deadline, "the stress runs did not finish"
        changed = "stress-poll.n_intervals"
        time.sleep(0.1)
    raise AssertionError("unreachable")


def _by_id(tree: Any) -> dict[str, dict[str, Any]]:
    return {n["props"]["id"]: n for n in _walk(tree) if isinstance(n["props"].get("id"), str)}


def _chain_from_events(events: pd.DataFrame, runs: int) -> dict[tuple[str, ...], float]:
    """(counterparty, entity, event, cause) -> share of runs with that link, from the events."""
    linked = events.dropna(subset=["counterparty"])
    per_link = linked.groupby(["counterparty", "entity", "event", "cause"])["run"].nunique()
    return {tuple(map(str, k)): n / runs for k, n in per_link.items()}


def _chain_edges(elements: list[dict[str, Any]]) -> dict[tuple[str, ...], float]:
    """The same from the drawn edges."""
    out = {}
    for e in elements:
        d = e["data"]
        if "source" in d:
            key = (d["source"], d["target"], d["event"], d["cause"])
            assert key not in out
            out[key] = d["share"]
    return out


def test_stress_central_run_shows_the_engine_timeline_chain_and_comparison(
    app: dash.Dash,
) -> None:
    from ouroboros.scenarios import LAYERS, run_stress

    chosen = ["slow-productivity", "baseline"]
    plan, props = _stress(app, chosen, 1, "0")
    assert [j["scenario"] for j in plan["jobs"]] == chosen and plan["runs"] == 1
    tree = props["stress-results.children"]
    assert "error-box" not in json.dumps(tree)
    assert _text(props["stress-progress.children"]).startswith("2 of 2 done (central run)")
    nodes = _by_id(tree)
    # the timeline holds exactly the events of the direct central runs
    direct = {s: run_stress(s, runs=1, seed=0, executor="serial") for s in chosen}
    rows = nodes["stress-timeline"]["props"]["data"]
    want = sorted(
        (s, int(y), e) for s, d in direct.items()
        for y, e in zip(d.timeline["year"], d.timeline["entity"], strict=True)
    )  # fmt: skip
    assert sorted((x["scenario"], x["year"], x["entity"]) for x in rows) == want
    assert len(want) > 0  # slow-productivity defaults someone
    # one line per layer that loses something and scenario; each equals the engine's losses
    fig = nodes["stress-losses"]["props"]["figure"]
    losing = {
        (s, layer)
        for s, d in direct.items()
        for layer in LAYERS
        if (d.losses_by_layer.loc[d.losses_by_layer["layer"] == layer, "loss"] != 0).any()
    }
    assert {t["name"] for t in fig["data"]} == {f"{lay} ({s})".replace("_", " ")
                                                for s, lay in losing}  # fmt: skip
    assert ("baseline", "etf_holders") not in losing  # flat zero lines are left out
    lb = direct["slow-productivity"].losses_by_layer
    banks = next(t for t in fig["data"] if t["name"] == "banks (slow-productivity)")
    np.testing.assert_allclose(_arr(banks["y"]), lb[lb["layer"] == "banks"]["loss"].to_numpy())
    # the chain of the first scenario: every link of its events, each in its one run
    ev = direct["slow-productivity"].events
    chain = nodes["stress-chain"]["props"]["elements"]
    assert _chain_edges(chain) == _chain_from_events(ev, 1)
    pairs = {(e["data"]["source"], e["data"]["target"]) for e in chain if "source" in e["data"]}
    linked = ev.dropna(subset=["counterparty"])
    assert pairs == set(zip(linked["counterparty"], linked["entity"], strict=True)) != set()
    drawn = {e["data"]["id"] for e in chain if "source" not in e["data"]}
    assert drawn == set(ev["entity"]) | set(ev["counterparty"].dropna())
    roots = {e["data"]["id"] for e in chain if "root" in e.get("classes", "")}
    assert roots == set(ev.loc[ev["counterparty"].isna(), "entity"])
    # one run: no distributions, said plainly
    assert "pick more runs to see distributions" in _text(tree)
    assert "stress-probability" not in nodes
    # the comparison table has one column per scenario
    cols = [c["id"] for c in nodes["stress-compare"]["props"]["columns"]]
    assert cols == ["measure", *chosen]


def test_stress_monte_carlo_equals_the_engine_and_is_not_run_twice(app: dash.Dash) -> None:
    from ouroboros.scenarios import run_stress

    chosen, runs, seed = ["slow-productivity", "power-crunch"], 100, 7
    jobs = app.server.extensions["ouroboros_runs"]
    plan, props = _stress(app, chosen, runs, str(seed))
    tree = props["stress-results.children"]
    assert "error-box" not in json.dumps(tree)
    nodes = _by_id(tree)
    direct = {s: run_stress(s, runs=runs, seed=seed, executor="serial") for s in chosen}
    # every card says how many runs and which seed
    notes = [_text(n) for n in _walk(tree) if n["props"].get("className") == "source"]
    assert len(notes) >= 5 and all(f"{runs} runs, seed {seed}" in t for t in notes)
    # timeline: each scenario's (year, entity, event) and its share of runs
    got = {(r["scenario"], r["year"], r["entity"], r["event"]): r["probability"]
           for r in nodes["stress-timeline"]["props"]["data"]}  # fmt: skip
    want = {(s, int(r.year), r.entity, r.event): r.runs / runs
            for s, d in direct.items() for r in d.timeline.itertuples()}  # fmt: skip
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), atol=1e-4)
    # expected defaults per run: the worst scenario's sum of default probabilities
    worst = max(float(d.default_probability["probability"].sum()) for d in direct.values())
    assert float(_kpis(tree)["expected defaults per run"]) == pytest.approx(worst, abs=0.006)
    # default probability by entity, with the p05 / median / p95 years of default
    bars = {t["name"]: t for t in nodes["stress-probability"]["props"]["figure"]["data"]}
    assert set(bars) == set(chosen)
    for s, d in direct.items():
        dp = d.default_probability.set_index("entity")
        x = list(bars[s]["x"])
        assert set(dp.index[dp["probability"] > 0]) <= set(x)
        np.testing.assert_allclose(_arr(bars[s]["y"]), dp.loc[x, "probability"].to_numpy())
        for ent, cd in zip(x, bars[s]["customdata"], strict=True):
            if dp.loc[ent, "probability"] > 0:
                assert cd[1:] == [f"{dp.loc[ent, q]:.0f}" for q in ("p05", "p50", "p95")]
    # losses at the horizon: box quartiles, whiskers p05/p95 and mean over the 100 runs
    boxes = {t["name"]: t for t in nodes["stress-horizon"]["props"]["figure"]["data"]}
    for s, d in direct.items():
        box = boxes[s]
        at = d.layer_losses_at_horizon[list(box["x"])].to_numpy()
        assert at.shape == (runs, len(box["x"])) and (at != 0).any(axis=0).all()
        q = np.quantile(at, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        for k, name in enumerate(["lowerfence", "q1", "median", "q3", "upperfence"]):
            np.testing.assert_allclose(_arr(box[name]), q[k])
        np.testing.assert_allclose(_arr(box["mean"]), at.mean(axis=0))
    # losses over time (first scenario): the mean line and its p05-p95 band of a layer
    s0, lb = chosen[0], direct[chosen[0]].losses_by_layer
    fig = nodes["stress-losses"]["props"]["figure"]["data"]
    banks = next(i for i, t in enumerate(fig) if t.get("name") == f"banks ({s0})")
    rows = lb[lb["layer"] == "banks"]
    np.testing.assert_allclose(_arr(fig[banks]["y"]), rows["mean"].to_numpy())
    band = _arr(fig[banks - 1]["y"])
    np.testing.assert_allclose(band, np.r_[rows["p95"].to_numpy(), rows["p05"].to_numpy()[::-1]])
    # the chain: each link's share of runs, computed here from the events with pandas
    for s in chosen:
        if s == chosen[0]:
            chain = nodes["stress-chain"]["props"]["elements"]
        else:
            r = call_callback(app, "stress-chain.elements",
                              {"stress-pick.value": s, "stress-jobs.data": plan})  # fmt: skip
            chain = r.props["stress-chain.elements"]
            other = r.props["stress-losses.figure"]["data"]
            assert any(t.get("name", "").endswith(f"({s})") for t in other)
        ev = direct[s].events
        want_links = _chain_from_events(ev, runs)
        assert want_links, s
        got_links = _chain_edges(chain)
        assert got_links.keys() == want_links.keys()
        pairs = {(e["data"]["source"], e["data"]["target"]) for e in chain if "source" in e["data"]}
        assert pairs == {k[:2] for k in want_links}
        np.testing.assert_allclose([got_links[k] for k in want_links], list(want_links.values()))
        dp = direct[s].default_probability.set_index("entity")["probability"]
        for n in chain:
            if "source" not in n["data"] and n["data"]["default_probability"] > 0:
                assert n["data"]["default_probability"] == pytest.approx(dp[n["data"]["id"]])
    # the same Run again: the finished jobs are reused, nothing is queued or recomputed
    n_jobs = len(jobs._jobs)
    again, props2 = _stress(app, chosen, runs, f" {seed} ")
    assert [j["job_id"] for j in again["jobs"]] == [j["job_id"] for j in plan["jobs"]]
    assert all(j["reused"] for j in again["jobs"]) and len(jobs._jobs) == n_jobs
    assert "reused 2 finished runs" in _text(props2["stress-progress.children"])
    assert json.dumps(props2["stress-results.children"]) == json.dumps(tree)


@pytest.mark.parametrize(
    ("scenarios", "runs", "seed", "field", "says"),
    [
        (["slow-productivity"], 100, "x1", "seed", "seed must be a whole number"),
        (["slow-productivity"], 100, "-3", "seed", "seed must be a whole number"),
        ([], 100, "0", "scenarios", "scenarios must name at least one"),
        (["nope"], 1, "0", "scenarios", "unknown scenario 'nope'"),
        (["baseline"], 5000, "0", "runs", "runs must be one of 1, 100, 500, 1000, 2000"),
    ],
)
def test_stress_refuses_bad_controls_naming_the_field(
    app: dash.Dash, scenarios: list[str], runs: int, seed: str, field: str, says: str
) -> None:
    jobs = app.server.extensions["ouroboros_runs"]
    n_jobs = len(jobs._jobs)
    plan, props = _stress(app, scenarios, runs, seed)
    assert plan == {"refused": field} and len(jobs._jobs) == n_jobs  # nothing queued
    box = props["stress-progress.children"]
    assert box["props"]["data-field"] == field
    assert "error-box" in json.dumps(box) and says in _text(box)
