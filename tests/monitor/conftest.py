"""Fixtures: a local server playing recorded API responses; the CLI with ``monitor``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from monitor._fakeapi import FakeApi, handle


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    """A started server on 127.0.0.1 (random port) and its request log."""
    api = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply = handle(api, self.path, dict(self.headers.items()))
            self.send_response(reply.status)
            for h, v in reply.headers.items():
                self.send_header(h, v)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def cli() -> Any:
    """``ouroboros.cli.main`` with the ``monitor`` group (added here until it is wired)."""
    from ouroboros.cli import _monitor, app, main

    # The lead wires the group in cli/__init__.py; until then, add it so the tests run the
    # real `main` (with its error handling and exit codes).
    if not any(g.name == "monitor" for g in app.registered_groups):
        _monitor.register(app)
    return main
