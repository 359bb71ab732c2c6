"""The JSON API through Flask's test client, plus one real HTTP request."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import numpy as np
import pytest

from _toy import toy_data
from ouroboros.api import (
    Workspace,
    api_blueprint,
    check_bind,
    install_error_pages,
    openapi_document,
    protect,
)
from ouroboros.dashboard._testing import serve_in_thread
from ouroboros.errors import InputError
from ouroboros.model import default_ledger
from ouroboros.views import money_flows


def _server(ws: Workspace, **kw: Any) -> flask.Flask:
    server = flask.Flask("test")
    protect(server, **kw)
    server.register_blueprint(api_blueprint(ws))
    install_error_pages(server)
    return server


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(store=tmp_path_factory.mktemp("api") / "store.duckdb", upload_limit=50_000)


@pytest.fixture(scope="module")
def client(ws: Workspace) -> Any:
    return _server(ws, max_body=200_000).test_client()


def _error(resp: Any, status: int, field: str | None) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body: dict[str, Any] = resp.get_json()
    assert body["field"] == field and isinstance(body["error"], str) and body["error"]
    return body


# ------------------------------------------------------------------------- reading


def test_datasets_list_the_startup_dataset(client: Any) -> None:
    lg = default_ledger()
    first = client.get("/api/datasets").get_json()["datasets"][0]
    assert first == {"id": "default", "name": lg.meta.name, "version": None, "origin": "bundled",
                     "entities": len(lg.entities), "instruments": len(lg.instruments),
                     "imported_at": None}  # fmt: skip


def test_dataset_summary_totals(client: Any) -> None:
    body = client.get("/api/datasets/default").get_json()
    lg = default_ledger()
    leases = [i.amount for i in lg.instruments if i.kind == "lease"]
    row = next(r for r in body["by_kind"] if r["kind"] == "lease")
    assert row["count"] == len(leases)
    assert row["amount"] == pytest.approx(sum(leases))
    assert body["counts"]["sources"] == len(lg.sources)


def test_entities_filter_by_role_and_search(client: Any) -> None:
    lg = default_ledger()
    rows = client.get("/api/datasets/default/entities?role=neocloud").get_json()["entities"]
    assert [r["id"] for r in rows] == [e.id for e in lg.entities if "neocloud" in e.roles]
    rows = client.get("/api/datasets/default/entities?q=NVDA").get_json()["entities"]
    assert [r["id"] for r in rows] == ["nvidia"]


def test_entity_detail_lists_every_deal_and_source(client: Any) -> None:
    lg = default_ledger()
    body = client.get("/api/datasets/default/entities/coreweave").get_json()
    mine = [i for i in lg.instruments if "coreweave" in (i.from_, i.to)]
    assert sorted(d["id"] for d in body["deals"]) == sorted(i.id for i in mine)
    pays = {d["id"] for d in body["deals"] if d["direction"] == "pays"}
    assert pays == {i.id for i in mine if i.from_ == "coreweave"}
    cited = {s for i in mine for s in i.sources} | set(lg.entity("coreweave").sources)
    assert {s["id"] for s in body["cited_sources"]} >= cited


def test_instruments_filters(client: Any) -> None:
    lg = default_ledger()
    body = client.get("/api/datasets/default/instruments?kind=lease,bond&status=funded").get_json()
    want = [i.id for i in lg.instruments if i.kind in ("lease", "bond") and i.status == "funded"]
    assert [r["id"] for r in body["instruments"]] == want
    assert body["unit"] == "USD billion"
    one = client.get(f"/api/datasets/default/instruments/{want[0]}").get_json()
    assert one["id"] == want[0] and "from" in one and one["sources"]


def test_not_found_and_bad_parameters_are_json(client: Any) -> None:
    _error(client.get("/api/datasets/default/instruments/nope"), 404, "id")
    _error(client.get("/api/datasets/default/entities/nope"), 404, "id")
    _error(client.get("/api/datasets/no-such@9/entities"), 404, "dataset")
    _error(client.get("/api/datasets/default/instruments?kind=swap"), 400, "kind")
    _error(client.get("/api/datasets/default/loops?year=abc"), 400, "year")
    _error(client.get("/api/datasets/default/loops?method=magic"), 400, "method")
    _error(client.get("/api/nothing-here"), 404, None)
    _error(client.delete("/api/datasets"), 405, None)


# -------------------------------------------------------------------------- hurdle


def test_hurdle_defaults_match_the_seed_arithmetic(client: Any) -> None:
    body = client.get("/api/hurdle").get_json()
    # $3T x 12% = $360B of EBITDA; / 65% = $553.8B of revenue; / $29T of GDP
    assert body["ebitda_required"] == pytest.approx(360e9)
    assert body["revenue_required"] == pytest.approx(360e9 / 0.65)
    assert body["share_of_gdp"] == pytest.approx(360e9 / 0.65 / 29e12)
    post = client.post("/api/hurdle", json={"capex": 2e12, "ebitda_margin": 0.5}).get_json()
    assert post["revenue_required"] == pytest.approx(2e12 * 0.12 / 0.5)


def test_hurdle_recovery_uses_the_capital_recovery_factor(client: Any) -> None:
    body = client.get("/api/hurdle?recovery=true&debt_share=0&cost_of_equity=0.1&asset_life=5")
    b = body.get_json()
    crf = 0.1 / (1 - 1.1**-5)  # level payment repaying 1 over 5 years at 10%
    assert b["ebitda_yield"] == pytest.approx(crf)
    assert b["revenue_required"] == pytest.approx(3e12 * crf / 0.65)


def test_hurdle_bad_input_names_the_parameter(client: Any) -> None:
    _error(client.get("/api/hurdle?debt_share=2"), 400, "debt_share")
    _error(client.get("/api/hurdle?capex=lots"), 400, "capex")
    _error(client.get("/api/hurdle?capexx=1"), 400, "capexx")
    _error(client.get("/api/hurdle?recovery=true&ebitda_yield=0.1"), 400, "recovery")
    _error(client.post("/api/hurdle", data="[1]", content_type="application/json"), 400, "body")


def test_tornado_swing_of_capex_is_linear(client: Any) -> None:
    body = client.get("/api/hurdle/tornado?change=0.25").get_json()
    base = 3e12 * 0.12 / 0.65
    row = next(r for r in body["rows"] if r["input"] == "capex")
    assert body["base_output"] == pytest.approx(base)
    assert row["swing"] == pytest.approx(0.5 * base)  # revenue is proportional to capex


def test_recipes_reproduce_published_figures(client: Any) -> None:
    rows = {r["name"]: r for r in client.get("/api/hurdle/recipes").get_json()["recipes"]}
    assert rows["sequoia-2024"]["revenue_required"] == pytest.approx(600e9)  # "$600B question"
    assert rows["sequoia-2023"]["revenue_required"] == pytest.approx(200e9)
    one = client.get("/api/hurdle/recipes/seed-2025?roi_low=0.13").get_json()
    assert one["inputs"]["roi_low"] == 0.13 and one["source"]["title"]
    _error(client.get("/api/hurdle/recipes/seed-2025?nope=1"), 400, "nope")
    _error(client.get("/api/hurdle/recipes/not-a-recipe"), 404, "recipe")


# --------------------------------------------------------------------------- loops


def test_loops_of_the_toy_web_by_hand(client: Any, ws: Workspace) -> None:
    resp = client.post("/api/datasets?filename=toy.json", data=json.dumps(toy_data()),
                       content_type="application/json")  # fmt: skip
    assert resp.status_code == 201
    key = resp.get_json()["dataset"]["id"]
    body = client.get(f"/api/datasets/{key}/loops?year=2026").get_json()
    # 2026 by hand: nvidia->openai 100, openai->oracle 30, oracle->nvidia 25, world->openai 12
    assert body["total_flow"] == pytest.approx(167.0)
    assert body["circular_flow"] == pytest.approx(75.0)  # 25 round the three-friends loop
    assert body["cycles"][0]["path"] == ["nvidia", "openai", "oracle", "nvidia"]
    with_loi = client.get(f"/api/datasets/{key}/loops?year=2026&include_announced=1").get_json()
    assert with_loi["total_flow"] == pytest.approx(167.0 + 90.0)


def test_loops_total_equals_the_money_flow_view(client: Any) -> None:
    body = client.get("/api/datasets/default/loops?year=2026&include_announced=true").get_json()
    fv = money_flows(default_ledger(), year=2026, include_announced=True)
    assert body["total_flow"] == pytest.approx(float(fv.matrix.sum()), rel=1e-9)
    assert 0 < body["circular_flow"] < body["total_flow"]
    shares = np.array([e["circular_share"] for e in body["entities"] if e["circular_share"]])
    assert np.all((shares >= 0) & (shares <= 1))


# ------------------------------------------------------------------------- writing


def test_invalid_entity_is_refused_and_nothing_saved(client: Any, ws: Workspace) -> None:
    before = len(ws.datasets())
    body = _error(
        client.post("/api/datasets/default/entities",
                    json={"id": "Bad Id", "name": "x", "roles": ["wizard"]}),
        422, "id",
    )  # fmt: skip
    fields = {p["field"] for p in body["problems"]}
    assert fields == {"id", "roles.0"}
    assert len(ws.datasets()) == before


def test_put_instrument_saves_a_new_version(client: Any, ws: Workspace) -> None:
    rec = client.get("/api/datasets/default/instruments/openai-amd-gpus-6gw").get_json()
    rec["amount"] = 61.5
    resp = client.put("/api/datasets/default/instruments/openai-amd-gpus-6gw", json=rec)
    assert resp.status_code == 200
    key = resp.get_json()["dataset"]["id"]
    assert key.startswith("ai-capex-web-late-2025@")
    new = client.get(f"/api/datasets/{key}/instruments/openai-amd-gpus-6gw").get_json()
    old = client.get("/api/datasets/default/instruments/openai-amd-gpus-6gw").get_json()
    assert (new["amount"], old["amount"]) == (61.5, 60.0)


def test_yaml_record_body(client: Any) -> None:
    text = ("id: tiny-cloud\nname: Tiny Cloud\nroles: [neocloud]\n"
            "sources: [seed-001-gate-ai-infrastructure-3t]\n")  # fmt: skip
    resp = client.post("/api/datasets/default/entities", data=text,
                       content_type="application/yaml")  # fmt: skip
    assert resp.status_code == 201
    key = resp.get_json()["dataset"]["id"]
    assert client.get(f"/api/datasets/{key}/entities/tiny-cloud").get_json()["name"] == "Tiny Cloud"
    _error(client.post("/api/datasets/default/entities", data=text, content_type="text/plain"),
           400, "body")  # fmt: skip


def test_upload_limits_and_unsafe_yaml(client: Any) -> None:
    _error(client.post("/api/datasets", data=b"#" * 60_000, content_type="application/yaml"),
           413, "file")  # fmt: skip
    _error(client.post("/api/datasets", data=b"#" * 300_000, content_type="application/yaml"),
           413, "file")  # fmt: skip
    evil = b"!!python/object/apply:os.system ['echo hacked']\n"
    body = _error(client.post("/api/datasets", data=evil, content_type="application/yaml"),
                  422, None)  # fmt: skip
    assert "constructor" in body["error"]
    _error(client.post("/api/datasets", data=b"x", content_type="text/plain"), 400, "file")


# -------------------------------------------------------------------------- openapi


def test_openapi_describes_exactly_the_routes(ws: Workspace) -> None:
    server = _server(ws)
    routes: dict[str, set[str]] = {}
    for rule in server.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(
                m.lower() for m in rule.methods or () if m not in ("HEAD", "OPTIONS")
            )
    doc = openapi_document()
    documented = {p: set(ops) for p, ops in doc["paths"].items()}
    assert routes == documented
    for ops in doc["paths"].values():
        for op in ops.values():
            codes = set(op["responses"])
            assert op["summary"] and codes & {"200", "201", "202"}


# ------------------------------------------------------------------------- security


def test_token_is_required_when_set(ws: Workspace) -> None:
    c = _server(ws, token="s3cret-token").test_client()
    _error(c.get("/api/datasets"), 401, "token")
    _error(c.get("/api/datasets", headers={"Authorization": "Bearer wrong-token"}), 401, "token")
    ok = c.get("/api/datasets", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200
    first = c.get("/api?token=s3cret-token")
    assert first.status_code == 200 and "ouroboros_token=" in first.headers["Set-Cookie"]
    assert c.get("/api/datasets").status_code == 200  # the cookie carries it now


def test_host_header_and_cross_origin_writes(ws: Workspace) -> None:
    c = _server(ws).test_client()
    _error(c.get("/api/datasets", headers={"Host": "evil.example:8050"}), 403, "host")
    assert c.get("/api/datasets", headers={"Host": "127.0.0.1:8050"}).status_code == 200
    resp = c.post("/api/hurdle", json={}, headers={"Origin": "https://evil.example"})
    _error(resp, 403, None)
    same = c.post("/api/hurdle", json={}, headers={"Origin": "http://localhost"})
    assert same.status_code == 200


def test_binding_elsewhere_needs_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    for host in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(InputError) as info:
            check_bind(host, None)
        assert info.value.field == "token"
    check_bind("0.0.0.0", "long-enough-token")
    with pytest.raises(InputError):
        check_bind("0.0.0.0", "short")


# ---------------------------------------------------------------- one real request


@pytest.fixture
def live(ws: Workspace) -> Iterator[str]:
    with serve_in_thread(_server(ws)) as url:
        yield url


def test_real_http_request(live: str, tmp_path: Path) -> None:
    with urllib.request.urlopen(f"{live}/api/datasets/default/entities?role=spv", timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "application/json"
        body = json.loads(r.read())
    assert {e["id"] for e in body["entities"]} == {
        e.id for e in default_ledger().entities if "spv" in e.roles
    }
