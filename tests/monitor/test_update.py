"""`update`: fetch all, validate, write once; a failing source never touches stored history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from monitor._fakeapi import FakeApi, Reply, json_reply
from ouroboros.errors import InputError
from ouroboros.monitor import (
    fetch_log,
    indicator_series,
    load_observations,
    stored_observations,
    update,
)
from ouroboros.store import Store

NET = ["fed_net_liquidity"]
T0 = dt.datetime(2025, 12, 1, 12, 0)


def test_net_liquidity_end_to_end_by_hand(fake_api: FakeApi, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    rep = update(store=store, config=fake_api.config(tmp_path), only=NET, now=T0)
    assert set(rep.results["indicator"]) == {
        "fed_net_liquidity",
        "fed_assets",
        "tga",
        "reverse_repo",
    }
    st = rep.results.set_index("indicator")["status"]
    assert st["fed_net_liquidity"] == "computed" and (st.drop("fed_net_liquidity") == "ok").all()
    s = indicator_series(load_observations(store, include_bundled=False))
    net = s[s["indicator"] == "fed_net_liquidity"].set_index("date")["value"]
    # WALCL and TGA in $ millions / 1000; RRP already in $ billions; on WALCL's Wednesdays,
    # RRP as of the date (12 Nov is missing: the 10 Nov value is used)
    assert net.to_dict() == {
        pd.Timestamp("2025-11-05"): pytest.approx(6587 - 950 - 25.0),
        pd.Timestamp("2025-11-12"): pytest.approx(6581 - 900 - 22.0),
        pd.Timestamp("2025-11-19"): pytest.approx(6575 - 880 - 15.5),
        pd.Timestamp("2025-11-26"): pytest.approx(6569 - 870 - 10.0),
    }
    assert rep.written == 4 + 4 + 4


def test_second_run_is_not_due_and_force_refetches(fake_api: FakeApi, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    cfg = fake_api.config(tmp_path, cache_dir=None)
    update(store=store, config=cfg, only=["ust_10y"], now=T0)
    n = len(fake_api.requests)
    # without --only, due dates apply; ust_10y (daily) was fetched an hour ago
    rep = update(store=store, config=cfg, now=T0 + dt.timedelta(hours=1))
    row = rep.results.set_index("indicator").loc["ust_10y"]
    assert row["status"] == "not_due" and "--force" in row["message"]
    assert not any(r["query"].get("series_id") == "DGS10" for r in fake_api.requests[n:])
    rep = update(store=store, config=cfg, now=T0 + dt.timedelta(hours=1), force=True)
    assert rep.results.set_index("indicator").loc["ust_10y", "status"] == "ok"


def test_unconfigured_sources_are_skipped_unless_asked_for(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.duckdb")
    cfg = fake_api.config(tmp_path, fred_api_key=None, sec_user_agent=None)
    rep = update(store=store, config=cfg, now=T0)
    assert set(rep.results["status"]) == {"skipped"}
    assert rep.failures.empty and fake_api.requests == []
    assert "FRED_API_KEY" in rep.results.set_index("indicator").loc["hy_oas", "message"]
    rep = update(store=store, config=cfg, only=["hy_oas"], now=T0)
    row = rep.results.set_index("indicator").loc["hy_oas"]
    assert row["status"] == "failed" and "no FRED API key is set" in row["message"]


def test_unknown_only_id(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown indicator.*nope"):
        update(store=Store(tmp_path / "s.duckdb"), only=["nope"], offline=True)


def test_offline_fetches_and_writes_nothing(fake_api: FakeApi, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    rep = update(store=store, config=fake_api.config(tmp_path), offline=True)
    assert set(rep.results["status"]) == {"offline"}
    assert fake_api.requests == [] and not store.path.exists()


def _seed(store: Store, fake_api: FakeApi, tmp_path: Path) -> pd.DataFrame:
    update(
        store=store,
        config=fake_api.config(tmp_path, cache_dir=None),
        only=["ust_10y", "capex_microsoft"],
        now=T0,
    )
    before = stored_observations(store)
    assert set(before["indicator"]) == {"ust_10y", "capex_microsoft"}
    return before


@pytest.mark.parametrize(
    "reply",
    [
        Reply(429, b"Too Many Requests"),
        Reply(500, b"oops"),
        Reply(200, b'{"realtime_start": "2025-12-01", "observations": '),  # cut short
        json_reply({"observations": [{"date": "2025-12-01"}]}),  # no value
        json_reply(
            {
                "error_code": 400,
                "error_message": "Bad Request.  The value for variable api_key is not registered.",
            },
            status=400,
        ),
    ],
    ids=["429-forever", "500-forever", "truncated-json", "malformed", "bad-key"],
)
def test_failing_source_leaves_stored_history_unchanged(
    fake_api: FakeApi, tmp_path: Path, reply: Reply
) -> None:
    store = Store(tmp_path / "s.duckdb")
    before = _seed(store, fake_api, tmp_path)
    fake_api.always["/fred/series/observations"] = reply
    fake_api.always["/sec/api/xbrl/companyfacts/CIK0000789019.json"] = reply
    rep = update(
        store=store,
        config=fake_api.config(tmp_path, cache_dir=None, max_retries=1),
        only=["ust_10y", "capex_microsoft"],
        now=T0 + dt.timedelta(days=1),
    )
    assert set(rep.failures["indicator"]) == {"ust_10y", "capex_microsoft"}
    assert rep.written == 0
    pd.testing.assert_frame_equal(stored_observations(store), before)
    log = fetch_log(store)
    failed = log[log["status"] == "failed"]
    assert set(failed["indicator"]) == {"ust_10y", "capex_microsoft"}
    assert all(m for m in failed["message"])


def test_one_failing_source_does_not_block_the_others(fake_api: FakeApi, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    before = _seed(store, fake_api, tmp_path)
    fake_api.always["/fred/series/observations"] = Reply(429, b"slow down")
    rep = update(
        store=store,
        config=fake_api.config(tmp_path, cache_dir=None, max_retries=1),
        only=["ust_10y", "capex_amazon"],
        now=T0 + dt.timedelta(days=1),
    )
    st = rep.results.set_index("indicator")["status"]
    assert st["ust_10y"] == "failed" and st["capex_amazon"] == "ok"
    assert "HTTP 429" in rep.results.set_index("indicator").loc["ust_10y", "message"]
    after = stored_observations(store)
    # ust_10y rows are exactly those stored before; amazon's were added
    pd.testing.assert_frame_equal(
        after[after["indicator"] == "ust_10y"].reset_index(drop=True),
        before[before["indicator"] == "ust_10y"].reset_index(drop=True),
    )
    amzn = after[after["indicator"] == "capex_amazon"].set_index("date")["value"]
    assert amzn[pd.Timestamp("2025-03-31")] == pytest.approx(82.999 + 25.019 - 14.925)
    assert (
        "PaymentsToAcquireProductiveAssets"
        in after[after["indicator"] == "capex_amazon"]["source"].iloc[0]
    )


def test_stored_observations_override_bundled_ones(fake_api: FakeApi, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    update(store=store, config=fake_api.config(tmp_path), only=["capex_microsoft"], now=T0)
    obs = load_observations(store)
    msft = obs[obs["indicator"] == "capex_microsoft"].set_index("date")
    # FY2024: fetched (same figure as bundled), its source now EDGAR; FY2022: bundled only
    assert msft.loc[pd.Timestamp("2024-06-30"), "value"] == pytest.approx(44.477)
    assert "SEC EDGAR companyfacts" in msft.loc[pd.Timestamp("2024-06-30"), "source"]
    assert "10-K FY2022" in msft.loc[pd.Timestamp("2022-06-30"), "source"]
    assert msft.index.is_unique
