"""``/api/runs``: start a stress run, poll it, read it back from the store."""

from __future__ import annotations

import time
from typing import Any

import flask
import numpy as np
import pytest

from ouroboros.api import RunJobs, Workspace, api_blueprint, install_error_pages, protect
from ouroboros.scenarios import LAYERS, run_stress


def _server(ws: Workspace) -> flask.Flask:
    server = flask.Flask("test-runs")
    protect(server)
    server.register_blueprint(api_blueprint(ws))
    install_error_pages(server)
    return server


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(store=tmp_path_factory.mktemp("runs") / "store.duckdb")


@pytest.fixture(scope="module")
def client(ws: Workspace) -> Any:
    return _server(ws).test_client()


def _poll(client: Any, url: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(url).get_json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def _error(resp: Any, status: int, field: str | None) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["field"] == field and body["error"]


def test_run_is_queued_polled_and_stored(client: Any, ws: Workspace) -> None:
    resp = client.post("/api/runs", json={"scenario": "slow-productivity", "runs": 1, "seed": 5})
    assert resp.status_code == 202
    started = resp.get_json()
    assert started["status"] in ("queued", "running", "done") and started["job_id"]
    done = _poll(client, started["url"])
    assert done["status"] == "done", done
    # the same scenario run directly: the API must return the very same events
    direct = run_stress("slow-productivity", runs=1, seed=5, executor="serial")
    res = done["results"]
    assert [(r["year"], r["entity"]) for r in res["defaults"]] == list(
        zip(direct.defaults["year"].astype(int), direct.defaults["entity"], strict=True)
    )
    assert {r["entity"] for r in res["timeline"]} == set(direct.timeline["entity"])
    # every layer, every year, the same losses as the direct run
    lb = direct.losses_by_layer
    for layer in LAYERS:
        losses = [r["loss"] for r in res["losses_by_layer"] if r["layer"] == layer]
        assert len(losses) == len(direct.years)
        np.testing.assert_allclose(losses, lb[lb["layer"] == layer]["loss"].to_numpy())
    # kept in the workspace's store, listed and readable by its run id
    run_id = done["run_id"]
    listed = client.get("/api/runs").get_json()["runs"]
    assert run_id in [r["run_id"] for r in listed]
    assert ws.store.load_run(run_id).params["scenario"]["name"] == "slow-productivity"
    by_id = client.get(f"/api/runs/{run_id}").get_json()
    assert by_id["status"] == "done" and by_id["results"]["defaults"] == res["defaults"]


def test_stored_run_is_read_back_by_a_new_server(ws: Workspace) -> None:
    c1 = _server(ws).test_client()
    job = c1.post("/api/runs", json={"scenario": "baseline", "runs": 1, "seed": 1}).get_json()
    run_id = _poll(c1, job["url"])["run_id"]
    body = _server(ws).test_client().get(f"/api/runs/{run_id}").get_json()
    assert body["status"] == "done" and body["job_id"] is None
    assert body["scenario"] == "baseline" and body["runs"] == 1
    assert body["results"]["defaults"] == []  # the central baseline defaults nobody


def test_run_errors_name_the_field(client: Any) -> None:
    _error(client.post("/api/runs", json={"scenario": "apocalypse", "runs": 1}), 422, "scenario")
    _error(client.post("/api/runs", json={"scenario": "baseline", "runs": 0}), 422, "runs")
    _error(client.post("/api/runs", json={"scenario": "baseline", "runs": 2001}), 422, "runs")
    _error(client.post("/api/runs", json={"scenario": "baseline", "runs": "5"}), 422, "runs")
    _error(client.post("/api/runs", json={"scenario": "baseline", "seed": -1}), 422, "seed")
    _error(client.post("/api/runs", json={"scenario": "baseline", "rnus": 3}), 422, "rnus")
    _error(client.post("/api/runs", data="x", content_type="text/plain"), 400, "body")
    _error(
        client.post("/api/runs", json={"scenario": "baseline", "dataset": "nope@1"}),
        404,
        "dataset",
    )
    _error(client.get("/api/runs/nosuchrun"), 404, "id")


def test_same_parameters_reuse_the_job_and_nothing_else_does(ws: Workspace) -> None:
    jobs = RunJobs(ws)
    try:
        first = jobs.submit("baseline", 1, 4, "default", reuse=True)
        # asked again while queued or running, then once done: the same job, no new work
        assert jobs.submit("baseline", 1, 4, "default", reuse=True) is first
        assert jobs.wait(first.job_id).status == "done"
        assert jobs.submit("baseline", 1, 4, "default", reuse=True) is first
        assert jobs.find("baseline", 1, 4, "default") is first
        assert len(jobs._jobs) == 1
        # any other parameter, or a seed drawn at random, matches nothing
        assert jobs.find("baseline", 1, 5, "default") is None
        assert jobs.find("rates-up", 1, 4, "default") is None
        assert jobs.find("baseline", 100, 4, "default") is None
        assert jobs.find("baseline", 1, None, "default") is None
        # without reuse a new job is queued
        again = jobs.submit("baseline", 1, 4, "default")
        assert again is not first and jobs.wait(again.job_id).status == "done"
        assert jobs.find("baseline", 1, 4, "default") is again  # the newest one
        # a failed job is never reused
        bad = jobs.submit("no-such-scenario", 1, 4, "default", reuse=True)
        assert jobs.wait(bad.job_id).status == "failed" and bad.message
        assert jobs.find("no-such-scenario", 1, 4, "default") is None
        retry = jobs.submit("no-such-scenario", 1, 4, "default", reuse=True)
        assert retry is not bad
        jobs.wait(retry.job_id)
    finally:
        jobs.shutdown()
