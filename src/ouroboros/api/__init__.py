"""The JSON API: datasets, entities, instruments, loops, runs and the hurdle under ``/api``.

The API runs on the dashboard's Flask server (``ouroboros serve``) and is described by an
OpenAPI 3.1 document at ``/api/openapi.json``. It shares one :class:`Workspace` with the
dashboard: the startup dataset plus the versions held in the DuckDB store. Edits and
uploads go through the CLI's validation and are saved as new store versions, never
anywhere else.

* :class:`Workspace`, :class:`DatasetInfo`, :func:`parse_dataset_text` — datasets and safe
  uploads.
* :func:`api_blueprint`, :func:`install_error_pages`, :func:`openapi_document` — the routes.
* :class:`RunJobs` — stress runs started with ``POST /api/runs``, one at a time on a
  background thread, polled with ``GET /api/runs/<id>``.
* :func:`protect`, :func:`check_bind` — the token, host and origin checks.

Errors are JSON ``{"error": message, "field": field}``.

Examples
--------
>>> import tempfile, pathlib, flask
>>> ws = Workspace(store=pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> server = flask.Flask("demo")
>>> server.register_blueprint(api_blueprint(ws))
>>> client = server.test_client()
>>> client.get("/api/datasets/default/entities/nvidia").get_json()["name"]
'NVIDIA Corporation'
>>> r = client.get("/api/hurdle?debt_share=2")
>>> r.status_code, r.get_json()["field"]
(400, 'debt_share')
"""

from __future__ import annotations

from ouroboros._json import jsonable
from ouroboros.api._openapi import openapi_document
from ouroboros.api._records import (
    entity_detail,
    entity_rows,
    financials_table,
    instrument_record,
    instrument_rows,
    short_name,
    source_records,
)
from ouroboros.api._routes import (
    HURDLE_PARAMETERS,
    api_blueprint,
    error_response,
    hurdle_inputs_from,
    install_error_pages,
)
from ouroboros.api._runs import MAX_WEB_RUNS, RunJob, RunJobs, parse_run_request, run_results
from ouroboros.api._security import check_bind, is_loopback, protect
from ouroboros.api._workspace import (
    DEFAULT_KEY,
    DEFAULT_UPLOAD_LIMIT,
    MAX_YAML_VALUES,
    DatasetInfo,
    UploadTooLargeError,
    Workspace,
    check_upload_size,
    dataset_slug,
    parse_dataset_text,
    parse_record_text,
)

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_UPLOAD_LIMIT",
    "HURDLE_PARAMETERS",
    "MAX_WEB_RUNS",
    "MAX_YAML_VALUES",
    "DatasetInfo",
    "RunJob",
    "RunJobs",
    "UploadTooLargeError",
    "Workspace",
    "api_blueprint",
    "check_bind",
    "check_upload_size",
    "dataset_slug",
    "entity_detail",
    "entity_rows",
    "error_response",
    "financials_table",
    "hurdle_inputs_from",
    "install_error_pages",
    "instrument_record",
    "instrument_rows",
    "is_loopback",
    "jsonable",
    "openapi_document",
    "parse_dataset_text",
    "parse_record_text",
    "parse_run_request",
    "protect",
    "run_results",
    "short_name",
    "source_records",
]
