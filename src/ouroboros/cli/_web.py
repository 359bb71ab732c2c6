"""``ouroboros serve`` (dashboard + JSON API) and ``ouroboros report`` (HTML/PDF report)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ouroboros.cli._common import (
    OutputFormat,
    console,
    err_console,
    load_path_or_default,
    parse_format,
    print_json,
)
from ouroboros.errors import InputError

__all__ = ["register", "serve_app"]

_DATASET = typer.Option(
    None, "--dataset", help="A dataset file or CSV folder to start with (default: bundled)."
)


def serve_app(app: object, host: str, port: int) -> None:  # pragma: no cover - blocks
    """Serve a WSGI app with Werkzeug's threaded server until Ctrl-C."""
    import logging

    from werkzeug.serving import run_simple

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)  # type: ignore[arg-type]


def _check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise InputError(f"--port must be between 1 and 65535, got {port}", field="port")
    return port


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the root app."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8050, "--port", help="Port to listen on."),
        token: str | None = typer.Option(
            None,
            "--token",
            help="Shared secret every request must carry; required to bind a non-loopback address.",
        ),
        dataset: Path | None = _DATASET,
        upload_limit: int = typer.Option(
            2_000_000, "--upload-limit", help="Largest dataset upload, bytes."
        ),
    ) -> None:
        """Open the dashboard and the JSON API (/api) on this machine."""
        from ouroboros.api import check_bind
        from ouroboros.dashboard import create_app

        check_bind(host, token)
        _check_port(port)
        if upload_limit < 1_000:
            raise InputError(
                f"--upload-limit must be at least 1000 bytes, got {upload_limit}",
                field="upload_limit",
            )
        web = create_app(dataset, token=token, host=host, upload_limit=upload_limit)
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}/"
        if token:
            url += f"?token={token}"
        err_console.print(
            f"Ouroboros dashboard on [bold]{url}[/bold]  (JSON API: /api, OpenAPI: "
            "/api/openapi.json; Ctrl-C stops)",
            highlight=False,
        )
        serve_app(web.server, host, port)

    @app.command("report")
    def report(
        out: Path = typer.Option(..., "--out", "-o", help="The HTML file to write."),
        scenario: list[Path] = typer.Option(
            [],
            "--scenario",
            "-s",
            help="A deal scenario file (as for 'deal run --scenario'); its scenarios run on "
            "every bundled deal beside the base case. Repeatable.",
        ),
        stress: list[str] = typer.Option(
            [],
            "--stress",
            help="A stress scenario (built-in name or file, as for 'ouroboros stress'), run "
            "once at its central values; adds a stress section. Repeatable.",
        ),
        dataset: Path | None = _DATASET,
        pdf: bool = typer.Option(False, "--pdf", help="Also print a PDF with Chromium."),
        chromium: str | None = typer.Option(
            None, "--chromium", help="The Chromium executable for --pdf (default: found on PATH)."
        ),
        fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    ) -> None:
        """Write one self-contained HTML report (Plotly inline), optionally a PDF too."""
        from ouroboros.report import print_pdf, sections, write_report

        output = parse_format(fmt)
        if out.suffix.lower() not in (".html", ".htm"):
            raise InputError(f"--out must end in .html, got {out.name!r}", field="out")
        lg = load_path_or_default(dataset)
        written = write_report(lg, out, scenario_files=scenario, stress=stress)
        pdf_path = (
            print_pdf(written, written.with_suffix(".pdf"), chromium=chromium) if pdf else None
        )
        if output is OutputFormat.json:
            print_json(
                {
                    "html": written,
                    "pdf": pdf_path,
                    "bytes": written.stat().st_size,
                    "dataset": lg.meta.name,
                    "sections": list(sections(bool(stress))),
                    "scenarios": [str(s) for s in scenario],
                    "stress": list(stress),
                }
            )
            return
        console.print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB)", highlight=False)
        if pdf_path is not None:
            console.print(f"wrote {pdf_path}", highlight=False)
        sys.stdout.flush()
