"""Connector settings: SEC User-Agent, FRED key, base URLs, HTTP cache and retry policy.

Settings come from, in order of precedence:

1. environment variables: ``OUROBOROS_SEC_USER_AGENT``, ``FRED_API_KEY``,
   ``OUROBOROS_SEC_BASE_URL``, ``OUROBOROS_FRED_BASE_URL``, ``OUROBOROS_CACHE_DIR``;
2. a TOML file: ``$OUROBOROS_MONITOR_CONFIG``, else ``monitor.toml`` in the user config
   directory (``~/.config/ouroboros/monitor.toml`` on Linux)::

       [sec]
       user_agent = "Jane Analyst jane@example.org"   # SEC requires name and e-mail
       [fred]
       api_key = "0123456789abcdef0123456789abcdef"
       [http]
       max_retries = 4
       cache_ttl_hours = 12

3. the defaults below.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from ouroboros.errors import InputError

__all__ = ["MonitorConfig", "config_path", "load_config"]

SEC_BASE_URL = "https://data.sec.gov"
FRED_BASE_URL = "https://api.stlouisfed.org/fred"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_FRED_KEY = re.compile(r"^[a-z0-9]{32}$")


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """Everything the connectors need; build it with :func:`load_config`.

    Examples
    --------
    >>> cfg = MonitorConfig(sec_user_agent="Jane Analyst jane@example.org")
    >>> cfg.sec_rate_per_second, cfg.fred_base_url
    (10.0, 'https://api.stlouisfed.org/fred')
    >>> cfg.user_agent_problem() is None
    True
    >>> MonitorConfig(sec_user_agent="python-urllib").user_agent_problem()
    "the SEC User-Agent must hold a name and an e-mail address, got 'python-urllib'"
    """

    sec_user_agent: str | None = None
    fred_api_key: str | None = None
    sec_base_url: str = SEC_BASE_URL
    fred_base_url: str = FRED_BASE_URL
    cache_dir: Path | None = None
    cache_ttl_hours: float = 12.0
    sec_rate_per_second: float = 10.0
    fred_rate_per_second: float = 2.0
    max_retries: int = 4
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 30.0
    source_file: str | None = None

    def user_agent_problem(self) -> str | None:
        """Why the SEC User-Agent is unusable, or ``None`` when it is fine."""
        ua = (self.sec_user_agent or "").strip()
        if not ua:
            return "no SEC User-Agent is set"
        name = _EMAIL.sub("", ua).strip(" <>,;()")
        if not _EMAIL.search(ua) or not re.search(r"[A-Za-z]", name):
            return f"the SEC User-Agent must hold a name and an e-mail address, got {ua!r}"
        return None

    def fred_key_problem(self) -> str | None:
        """Why the FRED API key is unusable, or ``None`` when it is fine."""
        key = (self.fred_api_key or "").strip()
        if not key:
            return "no FRED API key is set"
        if not _FRED_KEY.match(key):
            return "the FRED API key must be a 32-character lower-case alphanumeric string"
        return None

    def http_options(self, cache_subdir: str) -> dict[str, Any]:
        """The cache and retry settings every connector's ``JsonClient`` takes (its cache
        in ``cache_subdir`` of the cache directory)."""
        return {
            "cache_dir": self.cache_dir / cache_subdir if self.cache_dir else None,
            "cache_ttl": self.cache_ttl_hours * 3600.0,
            "max_retries": self.max_retries,
            "backoff": self.backoff_seconds,
            "max_backoff": self.max_backoff_seconds,
            "timeout": self.timeout_seconds,
        }

    def with_(self, **changes: Any) -> MonitorConfig:
        """A copy with some settings changed."""
        return replace(self, **changes)


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The config file looked for (it need not exist)."""
    env = os.environ if env is None else env
    if env.get("OUROBOROS_MONITOR_CONFIG"):
        return Path(env["OUROBOROS_MONITOR_CONFIG"]).expanduser()
    return Path(platformdirs.user_config_dir("ouroboros", appauthor=False)) / "monitor.toml"


def _get(table: Any, key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(table, Mapping):
        return None
    value = table.get(key)
    if value is not None and not isinstance(value, typ):
        raise InputError(f"{where}: {key} has the wrong type ({type(value).__name__})", field=key)
    return value


def load_config(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None
) -> MonitorConfig:
    """Read the connector settings (see the module docstring for where from).

    Raises
    ------
    InputError
        When the config file exists but is not valid TOML or has wrongly typed values.
    """
    env = os.environ if env is None else env
    p = Path(path) if path is not None else config_path(env)
    data: dict[str, Any] = {}
    source_file = None
    if p.is_file():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the monitor config {p}: {exc}", field="config") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{p}: not valid TOML: {exc}", field="config") from None
        source_file = str(p)
    elif path is not None:
        raise InputError(f"the monitor config {p} does not exist", field="config")
    where = str(p)
    sec, fred, http = data.get("sec", {}), data.get("fred", {}), data.get("http", {})
    num = (int, float)
    cfg = MonitorConfig(source_file=source_file)
    cache = env.get("OUROBOROS_CACHE_DIR") or _get(http, "cache_dir", str, where)
    values: dict[str, Any] = {
        "sec_user_agent": env.get("OUROBOROS_SEC_USER_AGENT")
        or _get(sec, "user_agent", str, where),
        "fred_api_key": env.get("FRED_API_KEY") or _get(fred, "api_key", str, where),
        "sec_base_url": env.get("OUROBOROS_SEC_BASE_URL")
        or _get(sec, "base_url", str, where)
        or SEC_BASE_URL,
        "fred_base_url": env.get("OUROBOROS_FRED_BASE_URL")
        or _get(fred, "base_url", str, where)
        or FRED_BASE_URL,
        "cache_dir": Path(cache).expanduser()
        if cache
        else Path(platformdirs.user_cache_dir("ouroboros", appauthor=False)) / "http",
    }
    for key, attr in (("rate_per_second", "sec_rate_per_second"),):
        v = _get(sec, key, num, where)
        if v is not None:
            values[attr] = min(float(v), 10.0)  # the SEC's published limit is a ceiling
    v = _get(fred, "rate_per_second", num, where)
    if v is not None:
        values["fred_rate_per_second"] = float(v)
    for key, attr in (
        ("cache_ttl_hours", "cache_ttl_hours"),
        ("max_retries", "max_retries"),
        ("backoff_seconds", "backoff_seconds"),
        ("max_backoff_seconds", "max_backoff_seconds"),
        ("timeout_seconds", "timeout_seconds"),
    ):
        v = _get(http, key, num, where)
        if v is not None:
            values[attr] = int(v) if attr == "max_retries" else float(v)
    return cfg.with_(**values)
