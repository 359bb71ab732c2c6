"""SEC EDGAR and FRED clients against recorded responses on a local server (no network)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from monitor._fakeapi import FRED_KEY, USER_AGENT, FakeApi, Reply, json_reply
from ouroboros.monitor import (
    EdgarClient,
    FredClient,
    FredSpec,
    RateLimiter,
    SourceError,
    concept_ttm,
    fred_unit_factor,
    ttm_from_facts,
)

MSFT = "/sec/api/xbrl/companyfacts/CIK0000789019.json"


# ----------------------------------------------------------------------- EDGAR


def test_edgar_ttm_from_10k_and_10q_by_hand(fake_api: FakeApi, tmp_path: Path) -> None:
    client = EdgarClient(fake_api.config(tmp_path))
    doc = client.company_facts(789019)
    capex = concept_ttm(doc, 789019, "capex")
    assert capex.tag == "PaymentsToAcquirePropertyPlantAndEquipment"
    got = (capex.values / 1e9).round(3).to_dict()
    # FY to June = the annual fact; Sept 2024 = Q1 FY25 + FY24 - Q1 FY24; Dec 2024 with H1
    assert got == {
        pd.Timestamp("2023-06-30"): 28.107,
        pd.Timestamp("2024-06-30"): 44.477,
        pd.Timestamp("2024-09-30"): round(14.923 + 44.477 - 9.917, 3),
        pd.Timestamp("2024-12-31"): round(30.700 + 44.477 - 19.600, 3),
    }
    ocf = concept_ttm(doc, 789019, "operating_cash_flow")
    assert ocf.values[pd.Timestamp("2024-09-30")] / 1e9 == pytest.approx(34.178 + 118.548 - 30.583)
    assert (
        "CIK0000789019 (MICROSOFT CORPORATION) us-gaap:PaymentsToAcquirePropertyPlantAnd"
        in capex.source
    )


def test_edgar_picks_the_tag_each_filer_uses(fake_api: FakeApi, tmp_path: Path) -> None:
    doc = EdgarClient(fake_api.config(tmp_path)).company_facts(1018724)
    capex = concept_ttm(doc, 1018724, "capex")
    # the PP&E tag only has 2010 data; productive assets run to 2025: that one is chosen
    assert capex.tag == "PaymentsToAcquireProductiveAssets"
    assert capex.values.index[-1] == pd.Timestamp("2025-03-31")
    assert capex.values.iloc[-1] / 1e9 == pytest.approx(82.999 + 25.019 - 14.925)
    # a pinned tag list is obeyed
    pinned = concept_ttm(doc, 1018724, "capex", ["PaymentsToAcquirePropertyPlantAndEquipment"])
    assert pinned.values.to_dict() == {pd.Timestamp("2010-12-31"): 979e6}
    with pytest.raises(SourceError, match="no 10-K/10-Q duration facts for capex"):
        concept_ttm(doc, 1018724, "capex", ["PaymentsForCapitalImprovements"])


def test_restated_period_latest_filing_wins() -> None:
    facts = [
        {
            "start": "2024-01-01",
            "end": "2024-12-31",
            "val": 80,
            "form": "10-K",
            "filed": "2025-02-01",
        },
        {
            "start": "2024-01-01",
            "end": "2024-12-31",
            "val": 83,
            "form": "10-K/A",
            "filed": "2025-04-01",
        },
        {
            "start": "2024-01-01",
            "end": "2024-12-31",
            "val": 99,
            "form": "8-K",
            "filed": "2025-05-01",
        },
    ]
    assert ttm_from_facts(facts).to_dict() == {pd.Timestamp("2024-12-31"): 83.0}


def test_edgar_sends_the_user_agent_and_caches(fake_api: FakeApi, tmp_path: Path) -> None:
    cfg = fake_api.config(tmp_path)
    EdgarClient(cfg).company_facts(789019)
    EdgarClient(cfg).company_facts(789019)  # a new client, same disk cache
    assert fake_api.count(MSFT) == 1
    assert fake_api.requests[0]["headers"]["User-Agent"] == USER_AGENT
    cached = list((tmp_path / "cache" / "sec").glob("*.json"))
    assert len(cached) == 1


@pytest.mark.parametrize("ua", [None, "", "python-urllib/3.11", "jane@example.org"])
def test_edgar_refuses_to_run_without_a_proper_user_agent(
    fake_api: FakeApi, tmp_path: Path, ua: str | None
) -> None:
    with pytest.raises(SourceError, match="OUROBOROS_SEC_USER_AGENT"):
        EdgarClient(fake_api.config(tmp_path, sec_user_agent=ua))
    assert fake_api.requests == []


def test_edgar_malformed_json_and_malformed_facts(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.script(MSFT, Reply(200, b"<html>Service unavailable</html>"))
    client = EdgarClient(fake_api.config(tmp_path, cache_dir=None))
    with pytest.raises(
        SourceError,
        match=r"company facts of CIK0000789019: the response is not "
        r"valid JSON .* starts with '<html>",
    ):
        client.company_facts(789019)
    with pytest.raises(SourceError, match="expected an object with 'facts'"):
        concept_ttm({"cik": 1}, 1, "capex")
    bad = {
        "facts": {
            "us-gaap": {
                "PaymentsToAcquirePropertyPlantAndEquipment": {
                    "units": {
                        "USD": [{"start": "2024-01-01", "form": "10-K", "filed": "2025-01-01"}]
                    }
                }
            }
        }
    }
    with pytest.raises(SourceError, match="fact 0 is malformed"):
        concept_ttm(bad, 1, "capex")


def test_edgar_404_is_not_retried(fake_api: FakeApi, tmp_path: Path) -> None:
    client = EdgarClient(fake_api.config(tmp_path))
    with pytest.raises(SourceError, match=r"CIK0000000001: HTTP 404"):
        client.company_facts(1)
    assert len(fake_api.requests) == 1


def test_rate_limiter_spacing_with_a_fake_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(d: float) -> None:
        slept.append(d)
        now[0] += d

    lim = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        lim.wait()
    assert now[0] == pytest.approx(0.4)  # 5 calls at 10/s: 4 gaps of 0.1 s
    now[0] += 1.0  # idle time is not banked beyond one slot
    lim.wait()
    lim.wait()
    assert slept[-1] == pytest.approx(0.1)


def test_edgar_requests_are_at_most_ten_per_second(fake_api: FakeApi, tmp_path: Path) -> None:
    client = EdgarClient(fake_api.config(tmp_path, cache_dir=None))
    t0 = time.monotonic()
    for _ in range(4):
        client.company_facts(789019)
    assert time.monotonic() - t0 >= 0.3 - 1e-3  # three gaps of at least 0.1 s
    assert fake_api.count(MSFT) == 4


# ----------------------------------------------------------------------- FRED


def test_fred_units_follow_the_series_metadata(fake_api: FakeApi, tmp_path: Path) -> None:
    fred = FredClient(fake_api.config(tmp_path))
    walcl, src = fred.fetch(FredSpec("WALCL"), "usd_bn")
    assert walcl.tolist() == [6587.0, 6581.0, 6575.0, 6569.0]  # millions -> billions
    assert "Millions of U.S. Dollars" in src
    rrp, _ = fred.fetch(FredSpec("RRPONTSYD"), "usd_bn")
    # already in billions: not divided; "." days dropped
    assert rrp.to_dict() == {
        pd.Timestamp("2025-11-05"): 25.0,
        pd.Timestamp("2025-11-10"): 22.0,
        pd.Timestamp("2025-11-19"): 15.5,
        pd.Timestamp("2025-11-26"): 10.0,
    }
    gdp, _ = fred.fetch(FredSpec("GDP", period_end=True), "usd_bn")
    assert list(gdp.index) == [pd.Timestamp("2024-12-31"), pd.Timestamp("2025-03-31")]
    with pytest.raises(SourceError, match="cannot be converted to bp"):
        fred.fetch(FredSpec("WALCL"), "bp")
    sent = fake_api.requests[0]["query"]
    assert sent["api_key"] == FRED_KEY and sent["file_type"] == "json"


def test_fred_unit_factor_table() -> None:
    assert fred_unit_factor("Trillions of Dollars", "usd_bn") == 1000.0
    assert fred_unit_factor("Index Mar 2009=100", "index") == 1.0
    with pytest.raises(SourceError):
        fred_unit_factor("Percent", "usd_bn")


def test_fred_missing_key_is_a_clear_error(fake_api: FakeApi, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no FRED API key is set.*FRED_API_KEY"):
        FredClient(fake_api.config(tmp_path, fred_api_key=None))
    with pytest.raises(SourceError, match="32-character"):
        FredClient(fake_api.config(tmp_path, fred_api_key="short"))
    assert fake_api.requests == []


def test_fred_4xx_shows_freds_own_message(fake_api: FakeApi, tmp_path: Path) -> None:
    fred = FredClient(fake_api.config(tmp_path))
    with pytest.raises(
        SourceError,
        match=r"series NOPE: HTTP 400 Bad Request: Bad Request\.  "
        r"The series does not exist\.$",
    ):
        fred.series_info("NOPE")
    fake_api.script(
        "/fred/series?DGS10",
        json_reply(
            {
                "error_code": 400,
                "error_message": "Bad Request.  The value for variable api_key is not registered.",
            },
            status=400,
        ),
    )
    with pytest.raises(SourceError, match=r"api_key is not registered\. \(check the API key\)"):
        fred.series_info("DGS10")
    assert fake_api.count("/fred/series") == 2  # 4xx answers are not retried


def test_fred_malformed_responses(fake_api: FakeApi, tmp_path: Path) -> None:
    fred = FredClient(fake_api.config(tmp_path, cache_dir=None))
    fake_api.script("/fred/series/observations?DGS10", json_reply({"observation": []}))
    with pytest.raises(SourceError, match="no 'observations' list"):
        fred.observations("DGS10", "2015-01-01")
    fake_api.script(
        "/fred/series/observations?DGS10",
        json_reply({"observations": [{"date": "2025-01-02", "value": "n/a"}]}),
    )
    with pytest.raises(SourceError, match=r"entry 0 \(2025-01-02\) has a non-numeric value 'n/a'"):
        fred.observations("DGS10", "2015-01-01")
    fake_api.script("/fred/series?DGS10", json_reply({"seriess": []}))
    with pytest.raises(SourceError, match="no 'seriess' entry"):
        fred.series_info("DGS10")


def test_rate_limited_then_success_is_retried(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.script(
        "/fred/series?DGS10",
        Reply(429, b"Too Many Requests", {"Retry-After": "0"}),
        Reply(503, b"busy"),
    )
    fred = FredClient(fake_api.config(tmp_path))
    assert fred.series_info("DGS10")["units"] == "Percent"
    assert fake_api.count("/fred/series") == 3


def test_rate_limited_forever_fails_clearly(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.always["/fred/series"] = Reply(429, b"Too Many Requests")
    fred = FredClient(fake_api.config(tmp_path, max_retries=2))
    with pytest.raises(
        SourceError,
        match=r"FRED: series DGS10: HTTP 429 Too Many Requests after "
        r"3 attempts; the service is rate-limiting",
    ):
        fred.series_info("DGS10")
    assert fake_api.count("/fred/series") == 3


def test_the_api_key_never_reaches_the_disk_cache(fake_api: FakeApi, tmp_path: Path) -> None:
    FredClient(fake_api.config(tmp_path)).fetch(FredSpec("DGS10"), "percent")
    files = list((tmp_path / "cache" / "fred").glob("*.json"))
    assert len(files) == 2
    for f in files:
        text = f.read_text()
        assert FRED_KEY not in text and "api_key=REDACTED" in json.loads(text)["url"]


def test_gzip_responses_are_decoded(fake_api: FakeApi, tmp_path: Path) -> None:
    import gzip

    body = (Path(__file__).parent / "fixtures" / "fred" / "series_DGS10.json").read_bytes()
    fake_api.script(
        "/fred/series?DGS10", Reply(200, gzip.compress(body), {"Content-Encoding": "gzip"})
    )
    info = FredClient(fake_api.config(tmp_path)).series_info("DGS10")
    assert info["units"] == "Percent"
    assert fake_api.requests[0]["headers"]["Accept-Encoding"] == "gzip, deflate"


def test_retry_after_is_honoured_up_to_the_cap(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.script("/fred/series?DGS10", Reply(429, b"wait", {"Retry-After": "0.15"}))
    fred = FredClient(fake_api.config(tmp_path, max_backoff_seconds=0.3))
    t0 = time.monotonic()
    fred.series_info("DGS10")
    assert time.monotonic() - t0 >= 0.15
