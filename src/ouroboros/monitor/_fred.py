"""FRED (Federal Reserve Bank of St. Louis): series metadata and observations.

``fred/series?series_id=ID&api_key=KEY&file_type=json`` returns ``{"seriess": [{"id",
"title", "units", "frequency_short", ...}]}`` and ``fred/series/observations`` returns
``{"observations": [{"date": "YYYY-MM-DD", "value": "1.23"}, ...]}`` where ``"."`` marks a
missing value; errors come back as ``{"error_code": 400, "error_message": "..."}`` (FRED
API documentation). The connector converts each series from the units FRED declares for it
(e.g. WALCL in millions of US$, RRPONTSYD in billions) to the registry's unit, so a mixed
formula such as net liquidity = WALCL - TGA - RRP is computed in one unit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

from ouroboros.monitor._config import MonitorConfig, config_path
from ouroboros.monitor._errors import SourceError
from ouroboros.monitor._http import JsonClient
from ouroboros.monitor._registry import FredSpec

__all__ = ["FredClient", "fred_unit_factor", "parse_observations"]

_DOLLARS = re.compile(r"^(thousands|millions|billions|trillions) of (u\.?\s?s\.?\s)?dollars")
_SCALE = {"thousands": 1e3, "millions": 1e6, "billions": 1e9, "trillions": 1e12}


def fred_unit_factor(fred_units: str, target: str) -> float:
    """Factor turning values in FRED's declared ``units`` into the registry's ``target``.

    Examples
    --------
    >>> fred_unit_factor("Millions of U.S. Dollars", "usd_bn")
    0.001
    >>> fred_unit_factor("Billions of US Dollars", "usd_bn")
    1.0
    >>> fred_unit_factor("Percent", "bp")
    100.0
    """
    u = fred_units.strip().lower()
    m = _DOLLARS.match(u)
    if target == "usd_bn" and m:
        return _SCALE[m.group(1)] / 1e9
    if u.startswith("percent") and target in ("percent", "bp"):
        return 1.0 if target == "percent" else 100.0
    if u.startswith("index") and target == "index":
        return 1.0
    if target == "ratio" and u in ("ratio", "number"):
        return 1.0
    raise SourceError(
        f"FRED declares units {fred_units!r}, which cannot be converted to {target}; fix the "
        "indicator's unit in the registry",
        source="fred",
    )


def _fred_error(body: bytes) -> str | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(data, dict) and data.get("error_message"):
        return str(data["error_message"]).strip()
    return None


def parse_observations(data: Any, series: str) -> pd.Series:
    """Observations of a FRED response as a float Series (missing ``"."`` values dropped).

    Examples
    --------
    >>> parse_observations({"observations": [{"date": "2025-01-01", "value": "4.5"},
    ...                                      {"date": "2025-01-02", "value": "."}]}, "DGS10")
    2025-01-01    4.5
    dtype: float64
    """
    obs = data.get("observations") if isinstance(data, dict) else None
    if not isinstance(obs, list):
        raise SourceError(
            f"FRED: observations of {series}: malformed response, no 'observations' list",
            source="fred",
        )
    dates: list[pd.Timestamp] = []
    values: list[float] = []
    for k, o in enumerate(obs):
        try:
            raw = o["value"]
            day = pd.Timestamp(str(o["date"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(
                f"FRED: observations of {series}: entry {k} is malformed "
                f"({type(exc).__name__}: {exc}); expected date and value",
                source="fred",
            ) from None
        if raw in (".", "", None):
            continue
        try:
            v = float(raw)
        except (TypeError, ValueError):
            raise SourceError(
                f"FRED: observations of {series}: entry {k} ({day.date()}) has a non-numeric "
                f"value {raw!r}",
                source="fred",
            ) from None
        dates.append(day)
        values.append(v)
    s = pd.Series(values, index=pd.DatetimeIndex(dates), dtype=float)
    return s[~s.index.duplicated(keep="last")].sort_index()


class FredClient:
    """Fetches FRED series with an API key.

    Raises
    ------
    SourceError
        At construction, when no valid API key is configured.
    """

    def __init__(self, config: MonitorConfig) -> None:
        problem = config.fred_key_problem()
        if problem:
            raise SourceError(
                f"FRED: {problem}. Get a free key at https://fred.stlouisfed.org/docs/api/"
                "api_key.html and set FRED_API_KEY or [fred] api_key in "
                f"{config.source_file or config_path()}",
                source="fred",
            )
        assert config.fred_api_key is not None
        self.key = config.fred_api_key.strip()
        self.http = JsonClient(
            "FRED",
            config.fred_base_url,
            rate_per_second=config.fred_rate_per_second,
            error_detail=_fred_error,
            source="fred",
            **config.http_options("fred"),
        )

    def series_info(self, series: str) -> dict[str, Any]:
        """Metadata of ``series`` (title, units, frequency...)."""
        data = self.http.get_json(
            "/series",
            {"series_id": series, "api_key": self.key, "file_type": "json"},
            what=f"series {series}",
        )
        items = data.get("seriess") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise SourceError(
                f"FRED: series {series}: malformed response, no 'seriess' entry", source="fred"
            )
        info = items[0]
        if not isinstance(info.get("units"), str):
            raise SourceError(f"FRED: series {series}: the response gives no units", source="fred")
        return info

    def observations(self, series: str, start: str) -> pd.Series:
        """Raw observations of ``series`` from ``start`` (ISO date)."""
        data = self.http.get_json(
            "/series/observations",
            {
                "series_id": series,
                "api_key": self.key,
                "file_type": "json",
                "observation_start": start,
            },
            what=f"observations of {series}",
        )
        return parse_observations(data, series)

    def fetch(self, spec: FredSpec, unit: str) -> tuple[pd.Series, str]:
        """The series of ``spec`` in ``unit``, with its source citation."""
        info = self.series_info(spec.series)
        factor = fred_unit_factor(info["units"], unit)
        values = self.observations(spec.series, spec.start.isoformat()) * factor
        if spec.period_end:
            freq = str(info.get("frequency_short") or "").upper()
            offset = {
                "Q": pd.offsets.QuarterEnd(0),
                "M": pd.offsets.MonthEnd(0),
                "A": pd.offsets.YearEnd(0),
            }.get(freq)
            if offset is not None:
                values.index = values.index + offset
        src = f"FRED {spec.series} ({info.get('title', spec.series)}; {info['units']})"
        return values, src
