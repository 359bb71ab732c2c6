"""Who may talk to the server: loopback by default, a token everywhere else.

* :func:`check_bind` refuses to bind a non-loopback address without a token.
* :func:`protect` installs request checks on a Flask server:

  - with a token, every request must carry it (``Authorization: Bearer T``, the
    ``X-Ouroboros-Token`` header, the ``ouroboros_token`` cookie, or ``?token=T`` once,
    which sets the cookie for the browser);
  - on a loopback server, the ``Host`` header must name the loopback (this stops a web
    page from reaching the server through DNS rebinding);
  - requests that change data must not come from another origin, and the body size is
    capped (``MAX_CONTENT_LENGTH``);
  - HTML pages carry a Content-Security-Policy that lets the browser load nothing from
    another host (no CDN, no web fonts, no telemetry).
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

import flask
from werkzeug.wrappers import Response

from ouroboros.errors import InputError

__all__ = ["LOOPBACK_NAMES", "check_bind", "is_loopback", "protect"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
TOKEN_COOKIE = "ouroboros_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'"
)
"""Pages may load nothing from other hosts: the browser itself enforces "no CDN"."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on a non-loopback address without a token.

    >>> check_bind("127.0.0.1", None)
    >>> check_bind("0.0.0.0", None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: binding 0.0.0.0 makes the dashboard reachable ... --token T ...
    """
    if not is_loopback(host) and not token:
        raise InputError(
            f"binding {host} makes the dashboard reachable from other machines; give --token T "
            "(or bind 127.0.0.1)",
            field="token",
        )
    if token is not None and len(token) < 8:
        raise InputError("--token must be at least 8 characters long", field="token")


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def _deny(status: int, message: str, field: str | None) -> Response:
    if flask.request.path.startswith("/api"):
        resp = flask.jsonify({"error": message, "field": field})
        resp.status_code = status
        return resp
    return Response(message + "\n", status=status, mimetype="text/plain")


def protect(
    server: flask.Flask,
    *,
    token: str | None = None,
    loopback_only: bool = True,
    max_body: int = 4_000_000,
) -> None:
    """Install the request checks described in the module notes on ``server``.

    Parameters
    ----------
    server : flask.Flask
    token : str, optional
        The shared secret; ``None`` lets every local request through.
    loopback_only : bool
        The server listens on a loopback address: check the ``Host`` header.
    max_body : int
        Largest request body in bytes (Flask answers 413 above it).
    """
    server.config["MAX_CONTENT_LENGTH"] = int(max_body)

    @server.before_request
    def _check() -> Response | None:
        req = flask.request
        if loopback_only and not is_loopback(_host_name(req.host)):
            return _deny(403, f"host {req.host!r} is not allowed", "host")
        if req.method not in _SAFE_METHODS:
            origin = req.headers.get("Origin")
            if origin and origin != "null":
                o = urlsplit(origin)
                if o.netloc != req.host:
                    return _deny(403, "cross-origin requests that change data are refused", None)
        if token is None:
            return None
        given = (
            req.headers.get("X-Ouroboros-Token")
            or _bearer(req.headers.get("Authorization", ""))
            or req.cookies.get(TOKEN_COOKIE)
            or req.args.get("token")
        )
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            return _deny(401, "a valid token is required (open the URL printed by serve)", "token")
        flask.g.ouroboros_set_cookie = req.args.get("token") == token
        return None

    @server.after_request
    def _cookie(resp: Response) -> Response:
        if token is not None and getattr(flask.g, "ouroboros_set_cookie", False):
            resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return resp


def _bearer(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
