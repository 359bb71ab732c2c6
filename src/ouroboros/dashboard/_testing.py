"""Drive a Dash callback over HTTP without a browser (tests and benchmarks).

The request is the one the browser's Dash renderer sends to ``/_dash-update-component``,
so what is measured and checked is the server's real work: the callback plus the JSON
of its figures.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dash
from werkzeug.serving import make_server

from ouroboros.dashboard._app import CALLBACK_PATH
from ouroboros.report._pdf import OFFLINE_FLAGS

__all__ = ["CHROMIUM_ARGS", "CallbackResponse", "call_callback", "find_callback", "serve_in_thread"]

#: Flags for headless Chromium on a machine with no network and no sandbox (as root).
CHROMIUM_ARGS = OFFLINE_FLAGS


@contextmanager
def serve_in_thread(wsgi_app: Any) -> Iterator[str]:
    """Serve ``wsgi_app`` on a free 127.0.0.1 port from a daemon thread; yield its base URL.

    Examples
    --------
    >>> import flask, urllib.request
    >>> app = flask.Flask("x")
    >>> _ = app.route("/")(lambda: "hi")
    >>> with serve_in_thread(app) as url:
    ...     urllib.request.urlopen(url).read()
    b'hi'
    """
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(timeout=10)


@dataclass(frozen=True)
class CallbackResponse:
    """A callback's answer: HTTP status, the new props by ``"id.prop"``, server time."""

    status: int
    props: dict[str, Any]
    seconds: float


def _outputs(spec: str) -> list[tuple[str, str]]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    out = []
    for p in parts:
        cid, _, prop = p.rpartition(".")
        if "@" in prop:  # allow_duplicate outputs carry a hash suffix
            prop = prop.split("@", 1)[0]
        out.append((cid, prop))
    return out


def find_callback(
    app: dash.Dash,
    output: str,
    *,
    trigger: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The dependency entry whose outputs include ``output`` (``"id.prop"``) and, if
    ``trigger`` is given, whose inputs include it (several callbacks may share an output)."""
    client = app.server.test_client()
    resp = client.get("/_dash-dependencies", headers=dict(headers or {}))
    if resp.status_code != 200:
        raise PermissionError(f"/_dash-dependencies answered {resp.status_code}")
    for dep in resp.get_json():
        if output not in {f"{c}.{p}" for c, p in _outputs(dep["output"])}:
            continue
        if trigger is None or trigger in {f"{d['id']}.{d['property']}" for d in dep["inputs"]}:
            return dict(dep)
    raise KeyError(f"no callback outputs {output!r}")


def call_callback(
    app: dash.Dash,
    output: str,
    values: Mapping[str, Any],
    *,
    changed: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> CallbackResponse:
    """POST one callback as the browser would and decode the answer.

    Parameters
    ----------
    app : dash.Dash
    output : str
        One of the callback's outputs, ``"id.prop"``.
    values : mapping
        ``"id.prop" -> value`` for its inputs and states (missing ones are ``None``).
    changed : list of str, optional
        The inputs that changed (default: the first input).
    headers : mapping, optional
        Extra request headers (e.g. a token).
    """
    dep = find_callback(app, output, trigger=changed[0] if changed else None, headers=headers)
    outs = _outputs(dep["output"])

    def entry(d: Mapping[str, str]) -> dict[str, Any]:
        key = f"{d['id']}.{d['property']}"
        return {"id": d["id"], "property": d["property"], "value": values.get(key)}

    inputs = [entry(d) for d in dep["inputs"]]
    payload = {
        "output": dep["output"],
        "outputs": [{"id": c, "property": p} for c, p in outs]
        if dep["output"].startswith("..")
        else {"id": outs[0][0], "property": outs[0][1]},
        "inputs": inputs,
        "state": [entry(d) for d in dep["state"]],
        "changedPropIds": changed or [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    client = app.server.test_client()
    t0 = time.perf_counter()
    resp = client.post(CALLBACK_PATH, json=payload, headers=dict(headers or {}))
    seconds = time.perf_counter() - t0
    props: dict[str, Any] = {}
    if resp.status_code == 200:
        body = resp.get_json()
        for cid, changes in (body.get("response") or {}).items():
            for prop, value in changes.items():
                props[f"{cid}.{prop}"] = value
    return CallbackResponse(resp.status_code, props, seconds)
