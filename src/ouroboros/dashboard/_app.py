"""The app factory: one Flask server with the Dash pages, the JSON API and the report.

Everything the browser loads comes from this server (``serve_locally``: Dash, React and
Cytoscape bundles ship inside the Python packages, plotly.js is Ouroboros's own partial
bundle, see :mod:`ouroboros._plotlyjs`); pages carry a Content-Security-Policy that forbids
loading anything from another host. Component code is loaded lazily (``eager_loading`` off),
so a page fetches only the chunks it draws.
"""

from __future__ import annotations

import collections
import hashlib
import os
import time
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

import dash
import flask
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component
from werkzeug.wrappers import Response

from ouroboros import __version__
from ouroboros._plotlyjs import plotlyjs
from ouroboros.api import (
    DEFAULT_KEY,
    DEFAULT_UPLOAD_LIMIT,
    Workspace,
    api_blueprint,
    install_error_pages,
    is_loopback,
    protect,
)
from ouroboros.dashboard._pages import PAGES
from ouroboros.dashboard._pages.data import dataset_options
from ouroboros.dashboard._ui import error_box
from ouroboros.errors import OuroborosError
from ouroboros.store import Store

__all__ = ["CALLBACK_PATH", "create_app", "workspace_of"]

CALLBACK_PATH = "/_dash-update-component"
WORKSPACE_KEY = "OUROBOROS_WORKSPACE"
TIMINGS_KEY = "OUROBOROS_TIMINGS"
#: the file Dash's graphs load plotly.js from (answered with the partial bundle)
PLOTLY_FULL = "plotly.min.js"


def _nav_id(path: str) -> str:
    return "nav-" + (path.strip("/") or "network")


_BY_PATH = {p.path: p for p in PAGES}


def _render(
    ws: Workspace, path: str | None, key: str, flash: dict[str, Any] | None = None
) -> tuple[Any, list[str], str]:
    """A page's content, the menu's classes and the report link for ``path``."""
    page = _BY_PATH.get(path or "/")
    classes = ["nav-link active" if p is page else "nav-link" for p in PAGES]
    report = f"/report?dataset={key}"
    if page is None:
        body: Any = html.Div([html.H2("Not found"), html.P(f"No page at {path}. Pick one above.")])
        return body, classes, report
    try:
        body = page.layout(ws, key)
    except (OuroborosError, KeyError) as exc:
        body = html.Div([html.H2(page.title), error_box(exc)])
    banner = html.P(flash["text"], className="ok-box") if flash else None
    return html.Div([banner, body]), classes, report


def _requested_path() -> str | None:
    """The page the browser is loading, from the layout request's same-origin Referer."""
    try:
        ref = flask.request.referrer
    except RuntimeError:  # no request (layout built outside a request)
        return None
    if not ref:
        return None
    parts = urlsplit(ref)
    return parts.path if parts.netloc == flask.request.host else None


def _shell(ws: Workspace) -> Component:
    # The page asked for is drawn into the layout itself, so a first visit needs no
    # second round trip; the router skips its initial call when this content matches.
    path = _requested_path()
    body, classes, report = (
        _render(ws, path, DEFAULT_KEY)
        if path is not None
        else (None, ["nav-link"] * len(PAGES), "/report")
    )
    links = [
        dcc.Link(p.title, href=p.path, id=_nav_id(p.path), className=c)
        for p, c in zip(PAGES, classes, strict=True)
    ]
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="flash", data=None),
            dcc.Store(id="rendered", data={"path": path, "key": DEFAULT_KEY} if path else None),
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("Ouroboros", className="brand"),
                            html.Span(
                                "the money web behind AI infrastructure", className="tagline"
                            ),
                        ],
                        className="title",
                    ),
                    html.Nav(links, className="nav"),
                    html.Div(
                        [
                            html.Label("Dataset", htmlFor="dataset"),
                            dcc.Dropdown(
                                id="dataset",
                                options=dataset_options(ws),
                                value=DEFAULT_KEY,
                                clearable=False,
                                searchable=False,
                                persistence=True,
                                persistence_type="session",
                                className="dataset-picker",
                            ),
                            html.A(
                                "HTML report",
                                id="report-link",
                                href=report,
                                target="_blank",
                                className="report-link",
                            ),
                        ],
                        className="dataset",
                    ),
                ],
                className="top",
            ),
            html.Main(body, id="page", className="page"),
            html.Footer(
                f"Ouroboros {__version__} · runs entirely on this machine: no CDN, no "
                "telemetry · every figure names its source",
                className="foot",
            ),
        ]
    )


def workspace_of(app: dash.Dash) -> Workspace:
    """The :class:`~ouroboros.api.Workspace` an app was built on."""
    ws: Workspace = app.server.config[WORKSPACE_KEY]
    return ws


def create_app(
    dataset: str | os.PathLike[str] | None = None,
    *,
    store: Store | str | os.PathLike[str] | None = None,
    token: str | None = None,
    host: str = "127.0.0.1",
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    workspace: Workspace | None = None,
) -> dash.Dash:
    """Build the dashboard: Dash pages, the ``/api`` JSON API and ``/report``.

    Parameters
    ----------
    dataset : path-like, optional
        The startup dataset (default: the bundled one).
    store : Store or path-like, optional
        The DuckDB store edits and uploads are saved to (default: the user's store).
    token : str, optional
        Shared secret every request must carry (required when ``host`` is not loopback).
    host : str
        The address the server will listen on; a loopback host also checks the ``Host``
        header of every request.
    upload_limit : int
        Largest dataset upload, bytes.
    workspace : Workspace, optional
        Use this workspace instead of building one from ``dataset`` and ``store``.

    Returns
    -------
    dash.Dash
        Its Flask server is ``app.server`` (WSGI).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> app = create_app(store=pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
    >>> client = app.server.test_client()
    >>> client.get("/").status_code, client.get("/api/datasets").get_json()["datasets"][0]["id"]
    (200, 'default')
    """
    ws = workspace or Workspace(dataset, store=store, upload_limit=upload_limit)
    server = flask.Flask("ouroboros.dashboard")
    server.config[WORKSPACE_KEY] = ws
    server.config[TIMINGS_KEY] = collections.deque(maxlen=2000)
    # a base64 upload inside a Dash callback is 4/3 of the file, plus the request's JSON
    protect(
        server,
        token=token,
        loopback_only=is_loopback(host),
        max_body=ws.upload_limit * 4 // 3 + 256_000,
    )
    server.register_blueprint(api_blueprint(ws))
    install_error_pages(server)
    _install_timing(server)
    _install_plotlyjs(server)
    _install_report(server, ws)

    assets = str(resources.files("ouroboros.dashboard").joinpath("assets"))
    app = dash.Dash(
        "ouroboros.dashboard",
        server=cast(Any, server),
        assets_folder=assets,
        serve_locally=True,
        compress=False,
        eager_loading=False,
        title="Ouroboros",
        update_title="",
        suppress_callback_exceptions=True,
        enable_mcp=False,
        description="Ouroboros: the money web behind AI infrastructure",
    )
    app.layout = lambda: _shell(ws)
    _register_router(app, ws)
    for page in PAGES:
        page.register(app, ws)
    return app


def _register_router(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("page", "children"),
        Output("flash", "data"),
        *[Output(_nav_id(p.path), "className") for p in PAGES],
        Output("report-link", "href"),
        Output("rendered", "data"),
        Input("url", "pathname"),
        Input("dataset", "value"),
        State("flash", "data"),
        State("rendered", "data"),
    )
    def _route(
        path: str | None,
        key: str | None,
        flash: dict[str, Any] | None,
        rendered: dict[str, Any] | None,
    ) -> tuple[Any, ...]:
        key = key or DEFAULT_KEY
        if rendered == {"path": path or "/", "key": key}:
            # first call after a page load: the layout already holds this page
            n = len(PAGES) + 3
            return (*[dash.no_update] * n, None)
        body, classes, report = _render(ws, path, key, flash)
        return body, None, *classes, report, None


def _install_timing(server: flask.Flask) -> None:
    """Record the server time of every Dash callback (``Server-Timing`` header too)."""

    @server.before_request
    def _start() -> None:
        flask.g.ouroboros_t0 = time.perf_counter()

    @server.after_request
    def _stop(resp: Response) -> Response:
        t0 = getattr(flask.g, "ouroboros_t0", None)
        if t0 is None:
            return resp
        ms = 1000 * (time.perf_counter() - t0)
        resp.headers["Server-Timing"] = f"app;dur={ms:.1f}"
        if flask.request.path.endswith(CALLBACK_PATH):
            body = flask.request.get_json(silent=True) or {}
            server.config[TIMINGS_KEY].append({"output": str(body.get("output", "?")), "ms": ms})
        return resp


def _install_plotlyjs(server: flask.Flask) -> None:
    """Serve the partial plotly.js bundle where Dash's graphs fetch plotly.js from.

    With lazy loading, ``dcc.Graph`` loads ``window._dashPlotlyJSURL`` (which the Dash
    renderer sets to this path when assets are served locally) the first time a page draws a
    chart; answering it with :func:`ouroboros._plotlyjs.plotlyjs_file` (1.4 MB instead of
    plotly's full 4.8 MB) cuts a cold first page load by about a second. The URL carries no
    version, so the browser revalidates it (ETag) instead of caching it for a year.
    """
    path = f"/_dash-component-suites/plotly/package_data/{PLOTLY_FULL}"
    body = plotlyjs().encode("utf-8")
    etag = hashlib.sha256(body).hexdigest()[:32]

    @server.before_request
    def _plotlyjs() -> Response | None:
        if flask.request.path != path:
            return None
        resp = Response(body, mimetype="application/javascript")
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "no-cache"
        return resp.make_conditional(flask.request)


def _install_report(server: flask.Flask, ws: Workspace) -> None:
    @server.route("/report")
    def _report() -> Response:
        from ouroboros.report import build_report

        key = flask.request.args.get("dataset") or DEFAULT_KEY
        try:
            lg = ws.ledger(key)
            html_text = build_report(lg, dataset_key=key)
        except OuroborosError as exc:
            return Response(f"{type(exc).__name__}: {exc}\n", status=400, mimetype="text/plain")
        return Response(html_text, mimetype="text/html")
