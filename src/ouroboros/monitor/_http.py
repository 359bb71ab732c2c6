"""A small JSON-over-HTTP client on the standard library: rate limit, retries, disk cache.

* Rate limit: at most ``rate_per_second`` requests (a minimum spacing between them).
* Retries: HTTP 429 and 5xx answers and network errors are retried with exponential
  backoff (``backoff * 2**attempt``, capped), honouring a ``Retry-After`` header.
* Errors: other 4xx answers, non-JSON bodies and exhausted retries raise
  :class:`~ouroboros.monitor.SourceError` with a message saying what to do.
* Cache: successful JSON bodies are kept on disk (keyed by the URL without secrets) and
  reused while younger than ``cache_ttl``; secrets such as ``api_key`` never reach disk.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ouroboros.monitor._errors import SourceError

__all__ = ["JsonClient", "RateLimiter"]


class RateLimiter:
    """Space calls at least ``1 / per_second`` seconds apart (thread-safe).

    Examples
    --------
    >>> clock = [0.0]
    >>> slept = []
    >>> lim = RateLimiter(10, clock=lambda: clock[0], sleep=slept.append)
    >>> lim.wait(); lim.wait()
    >>> slept
    [0.1]
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = -float("inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call is allowed."""
        with self._lock:
            now = self._clock()
            delay = self._next - now
            if delay > 0:
                self._sleep(round(delay, 9))
                now = self._next
            self._next = now + self.interval


def _redact(url: str, secrets: tuple[str, ...]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, "REDACTED" if k in secrets else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _decode(body: bytes, encoding: str | None) -> bytes:
    enc = (encoding or "").lower()
    if enc == "gzip":
        return gzip.decompress(body)
    if enc == "deflate":
        return zlib.decompress(body)
    return body


class JsonClient:
    """GET JSON documents from one service.

    Parameters
    ----------
    name : str
        The service, for messages (``"SEC EDGAR"``, ``"FRED"``).
    base_url : str
        Prefix of every request path; tests point it at a local server.
    headers : mapping
        Sent with every request (the SEC's User-Agent goes here).
    rate_per_second : float
        Request ceiling.
    cache_dir : path or None
        Where to keep responses; ``None`` disables the cache.
    cache_ttl : float
        Seconds a cached response stays fresh.
    max_retries, backoff, max_backoff, timeout : numbers
        Retry policy and per-request timeout (seconds).
    secret_params : tuple of str
        Query parameters never written to disk or shown in messages.
    error_detail : callable, optional
        Extracts the service's own error message from a 4xx body.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        rate_per_second: float = 1.0,
        cache_dir: Path | None = None,
        cache_ttl: float = 12 * 3600.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: float = 30.0,
        secret_params: tuple[str, ...] = ("api_key",),
        error_detail: Callable[[bytes], str | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        source: str | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.headers.setdefault("Accept", "application/json")
        self.headers.setdefault("Accept-Encoding", "gzip, deflate")
        self.limiter = RateLimiter(rate_per_second, sleep=sleep)
        self.cache_dir = cache_dir
        self.cache_ttl = cache_ttl
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.secret_params = secret_params
        self.error_detail = error_detail
        self._sleep = sleep
        self.source = source
        self.requests_made = 0

    # -- cache ---------------------------------------------------------------------

    def _cache_file(self, public_url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(public_url.encode("utf-8")).hexdigest()[:32]
        return self.cache_dir / f"{digest}.json"

    def _cache_get(self, public_url: str) -> Any | None:
        path = self._cache_file(public_url)
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("url") != public_url:
                return None
            if time.time() - float(entry["stored_at"]) > self.cache_ttl:
                return None
            return entry["data"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged cache entry is ignored and overwritten

    def _cache_put(self, public_url: str, data: Any) -> None:
        path = self._cache_file(public_url)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"url": public_url, "stored_at": time.time(), "data": data}, fh)
            os.replace(tmp, path)
        except OSError:
            pass  # the cache is an optimisation; failing to write it is not an error

    # -- requests ------------------------------------------------------------------

    def get_json(
        self, path: str, params: Mapping[str, str] | None = None, *, what: str = ""
    ) -> Any:
        """GET ``base_url + path`` and return the parsed JSON.

        Parameters
        ----------
        path : str
            Path under the base URL, starting with ``/``.
        params : mapping, optional
            Query parameters.
        what : str
            What is being fetched, for messages (``"company facts of CIK0000789019"``).
        """
        query = urllib.parse.urlencode(dict(params or {}))
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        public = _redact(url, self.secret_params)
        label = what or public
        cached = self._cache_get(public)
        if cached is not None:
            return cached
        attempt = 0
        last = ""
        while True:
            self.limiter.wait()
            self.requests_made += 1
            retry_wait: float | None = None
            try:
                req = urllib.request.Request(url, headers=self.headers, method="GET")
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = _decode(resp.read(), resp.headers.get("Content-Encoding"))
                break
            except urllib.error.HTTPError as exc:
                try:
                    raw = _decode(exc.read(), exc.headers.get("Content-Encoding"))
                except (OSError, ValueError, zlib.error):
                    raw = b""
                code = exc.code
                if code == 429 or code >= 500:
                    last = f"HTTP {code} {exc.reason}"
                    retry_wait = _retry_after(exc.headers.get("Retry-After"))
                else:
                    detail = self.error_detail(raw) if self.error_detail else None
                    keyish = code in (401, 403) or "api_key" in (detail or "").lower()
                    hint = " (check the API key)" if keyish else ""
                    raise SourceError(
                        f"{self.name}: {label}: HTTP {code} {exc.reason}"
                        + (f": {detail}" if detail else "")
                        + hint,
                        source=self.source,
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"network error: {reason}"
            if attempt >= self.max_retries:
                advice = (
                    "the service is rate-limiting; wait and run the update again"
                    if last.startswith("HTTP 429")
                    else "try again later"
                )
                raise SourceError(
                    f"{self.name}: {label}: {last} after {attempt + 1} attempts; {advice}",
                    source=self.source,
                )
            delay = min(self.max_backoff, self.backoff * (2**attempt))
            if retry_wait is not None:
                delay = min(self.max_backoff, max(delay, retry_wait))
            self._sleep(delay)
            attempt += 1
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            snippet = body[:80].decode("utf-8", "replace")
            raise SourceError(
                f"{self.name}: {label}: the response is not valid JSON ({exc}); it starts "
                f"with {snippet!r}",
                source=self.source,
            ) from None
        self._cache_put(public, data)
        return data
