"""The JSON API under ``/api``: datasets, entities, instruments, loops, hurdle, runs.

Every error is JSON ``{"error": message, "field": field}`` (plus ``problems`` for an
invalid dataset, each located by file, line, record and field) with an HTTP status:
400 bad parameter, 401 token, 403 refused, 404 unknown, 405 method, 413 too large,
422 invalid dataset or record, 503 store unavailable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ouroboros._json import dumps
from ouroboros.api._openapi import openapi_document
from ouroboros.api._records import entity_detail, entity_rows, instrument_record, instrument_rows
from ouroboros.api._runs import RunJobs, parse_run_request, run_results
from ouroboros.api._workspace import (
    UploadTooLargeError,
    Workspace,
    check_upload_size,
    parse_record_text,
)
from ouroboros.errors import DatasetError, InputError, OuroborosError, StoreError
from ouroboros.flows import METHODS, circularity_report
from ouroboros.hurdle import (
    AssetClass,
    HurdleInputs,
    builtin_recipes,
    get_recipe,
    hurdle,
    parse_asset_mix,
    run_recipe,
    tornado,
)
from ouroboros.model import INSTRUMENT_KINDS, STATUSES, Ledger, summarize

__all__ = [
    "HURDLE_PARAMETERS",
    "api_blueprint",
    "error_response",
    "hurdle_inputs_from",
    "install_error_pages",
]

API_PREFIX = "/api"


def _json(obj: Any, status: int = 200) -> Response:
    return Response(dumps(obj), status=status, mimetype="application/json")


def error_response(status: int, message: str, field: str | None = None, **extra: Any) -> Response:
    """A JSON error ``{"error": message, "field": field, ...}`` with ``status``."""
    return _json({"error": message, "field": field, **extra}, status)


class _NotFoundError(OuroborosError):
    def __init__(self, message: str, field: str) -> None:
        self.field = field
        super().__init__(message)


# ------------------------------------------------------------------------ parameters


def _arg(name: str) -> str | None:
    v = flask.request.args.get(name)
    return None if v is None or v.strip() == "" else v.strip()


def _int(name: str, lo: int | None = None, hi: int | None = None) -> int | None:
    v = _arg(name)
    if v is None:
        return None
    try:
        out = int(v)
    except ValueError:
        raise InputError(f"{name} must be a whole number, got {v!r}", field=name) from None
    if (lo is not None and out < lo) or (hi is not None and out > hi):
        raise InputError(f"{name} must be between {lo} and {hi}, got {out}", field=name)
    return out


def _bool(name: str, default: bool = False) -> bool:
    v = _arg(name)
    return default if v is None else _truthy(name, v)


def _list(name: str, allowed: tuple[str, ...] | None = None) -> list[str] | None:
    v = _arg(name)
    if v is None:
        return None
    items = [x.strip() for x in v.split(",") if x.strip()]
    if allowed is not None:
        for x in items:
            if x not in allowed:
                raise InputError(
                    f"{name}: unknown value {x!r}; expected one of {', '.join(allowed)}",
                    field=name,
                )
    return items


def _number(name: str, raw: Any) -> float:
    if isinstance(raw, bool):
        raise InputError(f"{name} must be a number, got {raw!r}", field=name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {raw!r}", field=name) from None
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number, got {raw!r}", field=name)
    return value


_HURDLE_NUMBERS = (
    "capex",
    "ebitda_yield",
    "ebitda_margin",
    "gdp",
    "cloud_revenue",
    "debt_share",
    "cost_of_debt",
    "cost_of_equity",
    "tax_rate",
    "treasury_rate",
    "guarantee_spread",
    "claimed_equity_return",
)
HURDLE_PARAMETERS = (
    *_HURDLE_NUMBERS,
    "recovery",
    "guarantee",
    "asset_life",
    "asset_mix",
    "build_years",
)


def _truthy(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise InputError(f"{name} must be true or false, got {raw!r}", field=name)


def hurdle_inputs_from(params: Mapping[str, Any]) -> HurdleInputs:
    """Build :class:`~ouroboros.hurdle.HurdleInputs` from API parameters.

    Names are those of ``HurdleInputs`` plus ``recovery`` (use the capital-recovery
    yield instead of ``ebitda_yield``) and ``asset_life`` (one class of assets with that
    life; or ``asset_mix`` as ``datacentre`` or ``name:share:life,...``).

    Examples
    --------
    >>> hurdle_inputs_from({"capex": "2e12", "asset_life": 5}).asset_mix[0].life
    5.0
    >>> hurdle_inputs_from({"debt_share": "lots"})
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: debt_share must be a number, got 'lots'
    """
    unknown = sorted(set(params) - set(HURDLE_PARAMETERS) - {"output", "change", "token"})
    if unknown:
        raise InputError(
            f"unknown parameter {unknown[0]!r}; parameters: {', '.join(HURDLE_PARAMETERS)}",
            field=unknown[0],
        )
    kw: dict[str, Any] = {}
    for name in _HURDLE_NUMBERS:
        if params.get(name) not in (None, ""):
            kw[name] = _number(name, params[name])
    if _truthy("recovery", params.get("recovery", False)):
        if "ebitda_yield" in kw:
            raise InputError("give either ebitda_yield or recovery, not both", field="recovery")
        kw["ebitda_yield"] = None
    kw["guarantee"] = _truthy("guarantee", params.get("guarantee", False))
    life, mix = params.get("asset_life"), params.get("asset_mix")
    if life not in (None, "") and mix not in (None, ""):
        raise InputError("give either asset_life or asset_mix, not both", field="asset_mix")
    if life not in (None, ""):
        kw["asset_mix"] = (AssetClass("all assets", 1.0, _number("asset_life", life)),)
    elif mix not in (None, ""):
        kw["asset_mix"] = parse_asset_mix(str(mix))
    if params.get("build_years") not in (None, ""):
        years = _number("build_years", params["build_years"])
        if not years.is_integer():
            raise InputError(
                f"build_years must be a whole number, got {years:g}", field="build_years"
            )
        kw["build_years"] = int(years)
    return HurdleInputs(**kw)


# --------------------------------------------------------------------------- routes


def api_blueprint(ws: Workspace) -> flask.Blueprint:
    """The ``/api`` blueprint over ``ws`` (register it on the dashboard's Flask server)."""
    bp = flask.Blueprint("ouroboros_api", __name__, url_prefix=API_PREFIX)

    def ledger(key: str) -> Ledger:
        try:
            return ws.ledger(key)
        except InputError as exc:
            raise _NotFoundError(str(exc), "dataset") from None

    @bp.errorhandler(OuroborosError)
    def _ouroboros_error(exc: OuroborosError) -> Response:
        if isinstance(exc, DatasetError):
            first = exc.problems[0] if exc.problems else None
            return error_response(
                422,
                str(first) if first else "invalid dataset",
                first.field if first else None,
                problems=[
                    {
                        "file": p.file,
                        "line": p.line,
                        "record": p.record,
                        "field": p.field,
                        "message": p.message,
                        "text": str(p),
                    }
                    for p in exc.problems
                ],
            )
        if isinstance(exc, _NotFoundError):
            return error_response(404, str(exc), exc.field)
        if isinstance(exc, UploadTooLargeError):
            return error_response(413, str(exc), "file")
        if isinstance(exc, StoreError):
            return error_response(503, str(exc), "store")
        return error_response(400, str(exc), getattr(exc, "field", None))

    @bp.route("", methods=["GET"])
    def index() -> Response:
        return _json(
            {
                "name": "Ouroboros JSON API",
                "openapi": f"{API_PREFIX}/openapi.json",
                "datasets": f"{API_PREFIX}/datasets",
                "hurdle": f"{API_PREFIX}/hurdle",
                "runs": f"{API_PREFIX}/runs",
            }
        )

    @bp.route("/openapi.json", methods=["GET"])
    def openapi() -> Response:
        return _json(openapi_document())

    # -- datasets ---------------------------------------------------------------------

    @bp.route("/datasets", methods=["GET"])
    def list_datasets() -> Response:
        return _json({"datasets": [d.to_dict() for d in ws.datasets()]})

    @bp.route("/datasets", methods=["POST"])
    def upload_dataset() -> Response:
        content, filename = _upload_body(ws.upload_limit)
        key = ws.import_upload(content, filename)
        return _json({"dataset": ws.info(key).to_dict()}, 201)

    @bp.route("/datasets/<dataset>", methods=["GET"])
    def show_dataset(dataset: str) -> Response:
        lg = ledger(dataset)
        s = summarize(lg)
        return _json(
            {
                **ws.info(dataset).to_dict(),
                "meta": lg.meta.model_dump(mode="json", exclude_none=True),
                "counts": {
                    "sources": s.n_sources,
                    "entities": s.n_entities,
                    "instruments": s.n_instruments,
                    "estimates": s.n_estimates,
                },
                "by_kind": s.by_kind,
                "by_status": s.by_status,
                "by_role": s.by_role,
            }
        )

    @bp.route("/datasets/<dataset>/sources", methods=["GET"])
    def list_sources(dataset: str) -> Response:
        lg = ledger(dataset)
        return _json(
            {"sources": [s.model_dump(mode="json", exclude_none=True) for s in lg.sources]}
        )

    # -- entities -----------------------------------------------------------------

    @bp.route("/datasets/<dataset>/entities", methods=["GET"])
    def list_entities(dataset: str) -> Response:
        lg = ledger(dataset)
        return _json({"entities": entity_rows(lg, role=_arg("role"), query=_arg("q"))})

    @bp.route("/datasets/<dataset>/entities/<id>", methods=["GET"])
    def show_entity(dataset: str, id: str) -> Response:
        lg = ledger(dataset)
        try:
            return _json(entity_detail(lg, id))
        except KeyError:
            raise _NotFoundError(f"no entity {id!r} in dataset {lg.meta.name!r}", "id") from None

    @bp.route("/datasets/<dataset>/entities", methods=["POST"])
    def add_entity(dataset: str) -> Response:
        ledger(dataset)
        new = ws.save_record(dataset, "entities", _record_body())
        return _json({"dataset": ws.info(new).to_dict()}, 201)

    @bp.route("/datasets/<dataset>/entities/<id>", methods=["PUT"])
    def replace_entity(dataset: str, id: str) -> Response:
        _must_exist(ledger(dataset), "entities", id)
        new = ws.save_record(dataset, "entities", _record_body(), replace=id)
        return _json({"dataset": ws.info(new).to_dict()})

    # -- instruments ----------------------------------------------------------------

    @bp.route("/datasets/<dataset>/instruments", methods=["GET"])
    def list_instruments(dataset: str) -> Response:
        lg = ledger(dataset)
        entity = _arg("entity")
        if entity is not None:
            _must_exist(lg, "entities", entity)
        rows = instrument_rows(
            lg,
            kinds=_list("kind", tuple(INSTRUMENT_KINDS)),
            statuses=_list("status", STATUSES),
            entity=entity,
            query=_arg("q"),
        )
        return _json({"unit": f"{lg.meta.currency} {lg.meta.unit}", "instruments": rows})

    @bp.route("/datasets/<dataset>/instruments/<id>", methods=["GET"])
    def show_instrument(dataset: str, id: str) -> Response:
        lg = ledger(dataset)
        _must_exist(lg, "instruments", id)
        return _json(instrument_record(lg.instrument(id)))

    @bp.route("/datasets/<dataset>/instruments", methods=["POST"])
    def add_instrument(dataset: str) -> Response:
        ledger(dataset)
        new = ws.save_record(dataset, "instruments", _record_body())
        return _json({"dataset": ws.info(new).to_dict()}, 201)

    @bp.route("/datasets/<dataset>/instruments/<id>", methods=["PUT"])
    def replace_instrument(dataset: str, id: str) -> Response:
        _must_exist(ledger(dataset), "instruments", id)
        new = ws.save_record(dataset, "instruments", _record_body(), replace=id)
        return _json({"dataset": ws.info(new).to_dict()})

    # -- loops --------------------------------------------------------------------

    @bp.route("/datasets/<dataset>/loops", methods=["GET"])
    def loops(dataset: str) -> Response:
        lg = ledger(dataset)
        method = _arg("method") or "maximal"
        if method not in METHODS:
            raise InputError(
                f"method must be one of {', '.join(METHODS)}, got {method!r}", field="method"
            )
        year = _int("year", 1900, 2200)
        announced = _bool("include_announced")
        statuses = _list("status", STATUSES)
        kinds = _list("kind", tuple(INSTRUMENT_KINDS))
        excluded = _list("exclude_kind", tuple(INSTRUMENT_KINDS)) or []
        max_cycles = _int("max_cycles", 1, 200) or 20
        frozen = (
            year,
            announced,
            tuple(statuses or ()) if statuses else None,
            tuple(kinds) if kinds else None,
            tuple(excluded),
            method,
            max_cycles,
        )
        rep = ws.cached(
            "api-loops",
            dataset,
            frozen,
            lambda: circularity_report(
                lg,
                year=year,
                include_announced=announced,
                statuses=statuses,
                kinds=kinds,
                exclude_kinds=excluded,
                method=method,
                max_cycles=max_cycles,
            ),
        )
        return _json(rep.to_dict())

    # -- hurdle -------------------------------------------------------------------

    def _hurdle_params() -> dict[str, Any]:
        if flask.request.method == "POST":
            body = flask.request.get_json(silent=True)
            if not isinstance(body, dict):
                raise InputError("the body must be a JSON object of parameters", field="body")
            return body
        return {k: v for k, v in flask.request.args.items() if k != "token"}

    @bp.route("/hurdle", methods=["GET", "POST"])
    def run_hurdle() -> Response:
        return _json(hurdle(hurdle_inputs_from(_hurdle_params())).to_dict())

    @bp.route("/hurdle/tornado", methods=["GET", "POST"])
    def run_tornado() -> Response:
        params = _hurdle_params()
        output = str(params.get("output") or "revenue_required")
        change = _number("change", params.get("change", 0.2))
        res = tornado(hurdle_inputs_from(params), output=output, change=change)
        return _json(res.to_dict())

    @bp.route("/hurdle/recipes", methods=["GET"])
    def list_recipes() -> Response:
        rows = []
        for name, r in builtin_recipes().items():
            res = run_recipe(r)
            rows.append(
                {
                    "name": name,
                    "title": r.title,
                    "source": r.source.to_dict(),
                    "revenue_required": res.revenue_required,
                    "ebitda_required": res.ebitda_required,
                    "url": f"{API_PREFIX}/hurdle/recipes/{name}",
                }
            )
        return _json({"recipes": rows})

    @bp.route("/hurdle/recipes/<name>", methods=["GET"])
    def show_recipe(name: str) -> Response:
        try:
            recipe = get_recipe(name)
        except InputError as exc:
            raise _NotFoundError(str(exc), "recipe") from None
        known = set(recipe.parameters())
        overrides = {}
        for k, v in flask.request.args.items():
            if k == "token":
                continue
            if k not in known:
                raise InputError(
                    f"recipe {name}: unknown input {k!r}; inputs: {', '.join(sorted(known))}",
                    field=k,
                )
            overrides[k] = _number(k, v)
        return _json(run_recipe(recipe, overrides).to_dict())

    # -- runs ---------------------------------------------------------------------

    jobs = RunJobs(ws)
    bp.record_once(lambda state: state.app.extensions.setdefault("ouroboros_runs", jobs))

    @bp.route("/runs", methods=["POST"])
    def start_run() -> Response:
        body = flask.request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InputError("the body must be a JSON object {scenario, runs, seed}", field="body")
        try:
            scenario, runs, seed, dataset = parse_run_request(body)
        except InputError as exc:
            return error_response(422, str(exc), exc.field)
        ledger(dataset)  # 404 for an unknown dataset
        job = jobs.submit(scenario, runs, seed, dataset)
        return _json({**job.to_dict(), "url": f"{API_PREFIX}/runs/{job.job_id}"}, 202)

    @bp.route("/runs", methods=["GET"])
    def list_runs() -> Response:
        df = ws.store.list_runs("stress")
        stored = [
            {**rec, "url": f"{API_PREFIX}/runs/{rec['run_id']}"}
            for rec in df.to_dict(orient="records")
        ]
        return _json({"runs": stored, "jobs": [j.to_dict() for j in jobs.active()]})

    @bp.route("/runs/<id>", methods=["GET"])
    def show_run(id: str) -> Response:
        job = jobs.get(id)
        if job is not None:
            return _json(job.to_dict(results=True))
        if id not in set(ws.store.list_runs()["run_id"]):
            raise _NotFoundError(f"no run or job {id!r} (see GET {API_PREFIX}/runs)", "id")
        run = ws.store.load_run(id)
        scen = run.params.get("scenario")
        return _json(
            {
                "job_id": None,
                "run_id": run.run_id,
                "status": "done",
                "scenario": scen.get("name") if isinstance(scen, dict) else None,
                "runs": run.params.get("runs"),
                "seed": run.seed,
                "dataset": run.dataset,
                "dataset_version": run.dataset_version,
                "created_at": run.created_at,
                "results": run_results(run.tables),
            }
        )

    return bp


def _must_exist(lg: Ledger, section: str, rid: str) -> None:
    ids = lg.entity_ids if section == "entities" else [i.id for i in lg.instruments]
    if rid not in ids:
        raise _NotFoundError(f"no {section[:-1]} {rid!r} in dataset {lg.meta.name!r}", "id")


def _record_body() -> dict[str, Any]:
    req = flask.request
    if req.mimetype == "application/json":
        body = req.get_json(silent=True)
        if not isinstance(body, dict):
            raise InputError("the body must be a JSON object (the record's fields)", field="body")
        return body
    if req.mimetype in _YAML_TYPES:
        return parse_record_text(req.get_data(as_text=True), file="<request body>")
    raise InputError(
        f"send the record as application/json or application/yaml, not {req.mimetype or 'nothing'}",
        field="body",
    )


_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def _upload_body(limit: int) -> tuple[bytes, str]:
    req = flask.request
    if req.content_length is not None:
        check_upload_size(req.content_length, limit, req.args.get("filename") or "upload")
    name = req.args.get("filename") or ""
    if req.mimetype == "application/json":
        return req.get_data(), name or "upload.json"
    if req.mimetype in _YAML_TYPES:
        return req.get_data(), name or "upload.yaml"
    raise InputError(
        "send the dataset file as the body with Content-Type application/yaml or "
        f"application/json, not {req.mimetype or 'nothing'}",
        field="file",
    )


def install_error_pages(server: flask.Flask) -> None:
    """JSON errors for every ``/api`` path, including unknown routes and 413."""

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        if not flask.request.path.startswith(API_PREFIX):
            return exc
        status = exc.code or 500
        if status == 413:
            return error_response(413, "the request body is larger than the server accepts", "file")
        return error_response(status, exc.description or exc.name, None)

    @server.errorhandler(Exception)
    def _bug(exc: Exception) -> Response:
        # a bug, not a user error: no traceback leaves the server
        server.logger.exception("unhandled error on %s", flask.request.path)
        if flask.request.path.startswith(API_PREFIX):
            return error_response(500, f"internal error: {type(exc).__name__}", None)
        return Response("internal error\n", status=500, mimetype="text/plain")
