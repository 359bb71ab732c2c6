"""Recorded SEC EDGAR and FRED responses served from a local HTTP server (no network)."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ouroboros.monitor import MonitorConfig

FIXTURES = Path(__file__).parent / "fixtures"
FRED_KEY = "0123456789abcdef0123456789abcdef"
USER_AGENT = "Ouroboros Test Suite tests@example.org"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeApi:
    """What the server answers and what it was asked."""

    base: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    # "path" or "path?series_id" -> replies to give first (then the recorded fixture)
    scripted: dict[str, list[Reply]] = field(default_factory=dict)
    always: dict[str, Reply] = field(default_factory=dict)

    def script(self, path: str, *replies: Reply) -> None:
        self.scripted.setdefault(path, []).extend(replies)

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r["path"] == path)

    def config(self, tmp: Path, **changes: Any) -> MonitorConfig:
        cfg = MonitorConfig(
            sec_user_agent=USER_AGENT,
            fred_api_key=FRED_KEY,
            sec_base_url=self.base + "/sec",
            fred_base_url=self.base + "/fred",
            cache_dir=tmp / "cache",
            max_retries=3,
            backoff_seconds=0.01,
            max_backoff_seconds=0.05,
            timeout_seconds=5.0,
            fred_rate_per_second=1000.0,
        )
        return cfg.with_(**changes)


def fixture_for(path: str, query: dict[str, str]) -> Reply:
    if path.startswith("/sec/api/xbrl/companyfacts/"):
        f = FIXTURES / "edgar" / path.rsplit("/", 1)[1]
    elif path == "/fred/series":
        f = FIXTURES / "fred" / f"series_{query.get('series_id')}.json"
    elif path == "/fred/series/observations":
        f = FIXTURES / "fred" / f"obs_{query.get('series_id')}.json"
    else:
        return Reply(404, b"not found")
    if not f.is_file():
        if path.startswith("/fred"):
            return Reply(
                400,
                (FIXTURES / "fred" / "error_400.json").read_bytes(),
                {"Content-Type": "application/json"},
            )
        return Reply(404, b"<html>Not Found</html>")
    return Reply(200, f.read_bytes(), {"Content-Type": "application/json"})


def json_reply(data: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})


def handle(api: FakeApi, raw_path: str, headers: dict[str, str]) -> Reply:
    """Record a request and choose its reply: scripted, then always, then the fixture."""
    parts = urllib.parse.urlsplit(raw_path)
    query = dict(urllib.parse.parse_qsl(parts.query))
    api.requests.append({"path": parts.path, "query": query, "headers": headers})
    key = parts.path + (f"?{query['series_id']}" if "series_id" in query else "")
    for k in (key, parts.path):
        if api.scripted.get(k):
            return api.scripted[k].pop(0)
        if k in api.always:
            return api.always[k]
    return fixture_for(parts.path, query)
