"""The OpenAPI 3.1 document of the JSON API (served at ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from ouroboros import __version__
from ouroboros.model import INSTRUMENT_KINDS, ROLES, STATUSES

__all__ = ["openapi_document"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _q(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _p(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


_ERR = {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
_ERRORS = {
    "400": {**_ERR, "description": "A parameter is invalid (``field`` names it)"},
    "404": {**_ERR, "description": "Unknown dataset, record or recipe"},
}
_WRITE_ERRORS = {
    **_ERRORS,
    "413": {**_ERR, "description": "Body larger than the upload limit"},
    "422": {**_ERR, "description": "The dataset would be invalid; nothing was saved"},
}
_DATASET = _p("dataset", "Dataset id: 'default' or '<slug>@<version>' (see GET /api/datasets)")
_RECORD_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/yaml": {"schema": {"type": "string"}},
    },
    "description": "The record's fields as in a dataset file (an instrument's payer is 'from').",
}
_SAVED = _ok(
    "Saved as a new store version", {"type": "object", "properties": {"dataset": _ref("Dataset")}}
)

_HURDLE_PARAMS = [
    _q("capex", {"type": "number"}, "Total capex, USD (default 3e12)"),
    _q("ebitda_yield", {"type": "number"}, "Stated EBITDA over capex (default 0.12)"),
    _q("recovery", {"type": "boolean"}, "Use the capital-recovery yield at WACC instead"),
    _q("ebitda_margin", {"type": "number"}, "EBITDA over revenue (default 0.65)"),
    _q("gdp", {"type": "number"}, "GDP to compare with, USD (default 29e12)"),
    _q("cloud_revenue", {"type": "number"}, "Cloud revenue to compare with (default 400e9)"),
    _q("debt_share", {"type": "number"}, "Debt over funding (default 0.3)"),
    _q("cost_of_debt", {"type": "number"}, "Interest rate on debt (default 0.075)"),
    _q("cost_of_equity", {"type": "number"}, "Target equity return (default 0.20)"),
    _q("tax_rate", {"type": "number"}, "Corporate tax rate (default 0)"),
    _q("asset_life", {"type": "number"}, "One asset life in years (default 6)"),
    _q("asset_mix", {"type": "string"}, "'datacentre' or 'name:share:life,...'"),
    _q("build_years", {"type": "integer"}, "Years each vintage is paid over (default 1)"),
    _q("guarantee", {"type": "boolean"}, "Government guarantee: debt at Treasury + spread"),
    _q("treasury_rate", {"type": "number"}, "Treasury rate under a guarantee (0.045)"),
    _q("guarantee_spread", {"type": "number"}, "Spread under a guarantee (0.004)"),
    _q("claimed_equity_return", {"type": "number"}, "An equity return claimed for these inputs"),
]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every ``/api`` route.

    Examples
    --------
    >>> doc = openapi_document()
    >>> doc["openapi"], "/api/datasets" in doc["paths"]
    ('3.1.0', True)
    """
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error", "field"],
            "properties": {
                "error": {"type": "string", "description": "What is wrong"},
                "field": {"type": ["string", "null"], "description": "The parameter or field"},
                "problems": {"type": "array", "items": _ref("Problem")},
            },
        },
        "Problem": {
            "type": "object",
            "properties": {
                "file": {"type": "string"},
                "line": {"type": ["integer", "null"]},
                "record": {"type": ["string", "null"]},
                "field": {"type": ["string", "null"]},
                "message": {"type": "string"},
                "text": {"type": "string"},
            },
        },
        "Dataset": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "version": {"type": ["integer", "null"]},
                "origin": {"type": "string"},
                "entities": {"type": "integer"},
                "instruments": {"type": "integer"},
                "imported_at": {"type": ["string", "null"]},
            },
        },
        "EntityRow": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "roles": {"type": "array", "items": {"type": "string", "enum": list(ROLES)}},
                "country": {"type": ["string", "null"]},
                "ticker": {"type": ["string", "null"]},
                "instruments": {"type": "integer"},
                "sources": {"type": "array", "items": {"type": "string"}},
            },
        },
        "InstrumentRow": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "kind": {"type": "string", "enum": list(INSTRUMENT_KINDS)},
                "from": {"type": "string"},
                "to": {"type": "string"},
                "amount": {"type": "number"},
                "currency": {"type": "string"},
                "start": {"type": "string", "format": "date"},
                "end": {"type": ["string", "null"], "format": "date"},
                "status": {"type": "string", "enum": list(STATUSES)},
                "estimate": {"type": "boolean"},
                "confidence": {"type": "string"},
                "sources": {"type": "array", "items": {"type": "string"}},
            },
        },
        "RunRequest": {
            "type": "object",
            "required": ["scenario"],
            "properties": {
                "scenario": {"type": "string", "description": "A built-in scenario"},
                "runs": {"type": "integer", "minimum": 1, "maximum": 2000, "default": 1},
                "seed": {"type": ["integer", "null"], "minimum": 0},
                "dataset": {"type": "string", "default": "default"},
            },
        },
        "RunStatus": {
            "type": "object",
            "properties": {
                "job_id": {"type": ["string", "null"]},
                "run_id": {"type": ["string", "null"], "description": "Set once stored"},
                "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                "message": {"type": "string", "description": "Why it failed"},
                "scenario": {"type": ["string", "null"]},
                "runs": {"type": ["integer", "null"]},
                "seed": {"type": ["integer", "null"]},
                "dataset": {"type": ["string", "null"]},
                "results": {
                    "type": "object",
                    "properties": {
                        "defaults": {"type": "array", "items": {"type": "object"}},
                        "losses_by_layer": {"type": "array", "items": {"type": "object"}},
                        "timeline": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    }
    paths: dict[str, Any] = {
        "/api": {
            "get": {"summary": "Links to the API's parts", "responses": {"200": _ok("Links")}}
        },
        "/api/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": _ok("OpenAPI 3.1")}}
        },
        "/api/datasets": {
            "get": {
                "summary": "Datasets: the startup one and every stored version",
                "responses": {
                    "200": _ok(
                        "Datasets",
                        {
                            "type": "object",
                            "properties": {"datasets": {"type": "array", "items": _ref("Dataset")}},
                        },
                    )
                },
            },
            "post": {
                "summary": "Upload a dataset file; validated, then stored as a new version",
                "parameters": [_q("filename", {"type": "string"}, "Name used in messages")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/yaml": {"schema": {"type": "string"}},
                        "application/json": {"schema": {"type": "object"}},
                    },
                },
                "responses": {"201": _SAVED, **_WRITE_ERRORS},
            },
        },
        "/api/datasets/{dataset}": {
            "get": {
                "summary": "A dataset's metadata, counts and totals by kind, status, role",
                "parameters": [_DATASET],
                "responses": {"200": _ok("Summary"), **_ERRORS},
            }
        },
        "/api/datasets/{dataset}/sources": {
            "get": {
                "summary": "Every source the dataset cites",
                "parameters": [_DATASET],
                "responses": {"200": _ok("Sources"), **_ERRORS},
            }
        },
        "/api/datasets/{dataset}/entities": {
            "get": {
                "summary": "Entities, filtered by role and search text",
                "parameters": [
                    _DATASET,
                    _q("role", {"type": "string", "enum": list(ROLES)}, "Only this role"),
                    _q("q", {"type": "string"}, "Search id, name, roles, country, ticker"),
                ],
                "responses": {
                    "200": _ok(
                        "Entities",
                        {
                            "type": "object",
                            "properties": {
                                "entities": {"type": "array", "items": _ref("EntityRow")}
                            },
                        },
                    ),
                    **_ERRORS,
                },
            },
            "post": {
                "summary": "Add an entity (same validation as the CLI; nothing saved if invalid)",
                "parameters": [_DATASET],
                "requestBody": _RECORD_BODY,
                "responses": {"201": _SAVED, **_WRITE_ERRORS},
            },
        },
        "/api/datasets/{dataset}/entities/{id}": {
            "get": {
                "summary": "An entity with its deals, financials and cited sources",
                "parameters": [_DATASET, _p("id", "Entity id")],
                "responses": {"200": _ok("Entity"), **_ERRORS},
            },
            "put": {
                "summary": "Replace an entity (validated; saved as a new version)",
                "parameters": [_DATASET, _p("id", "Entity id")],
                "requestBody": _RECORD_BODY,
                "responses": {"200": _SAVED, **_WRITE_ERRORS},
            },
        },
        "/api/datasets/{dataset}/instruments": {
            "get": {
                "summary": "Instruments, filtered by kind, status, entity and search text",
                "parameters": [
                    _DATASET,
                    _q("kind", {"type": "string"}, "Comma-separated kinds"),
                    _q("status", {"type": "string"}, "Comma-separated statuses"),
                    _q("entity", {"type": "string"}, "Instruments paid or received by this entity"),
                    _q("q", {"type": "string"}, "Search id, kind, parties, description"),
                ],
                "responses": {
                    "200": _ok(
                        "Instruments",
                        {
                            "type": "object",
                            "properties": {
                                "unit": {"type": "string"},
                                "instruments": {"type": "array", "items": _ref("InstrumentRow")},
                            },
                        },
                    ),
                    **_ERRORS,
                },
            },
            "post": {
                "summary": "Add an instrument (validated; saved as a new version)",
                "parameters": [_DATASET],
                "requestBody": _RECORD_BODY,
                "responses": {"201": _SAVED, **_WRITE_ERRORS},
            },
        },
        "/api/datasets/{dataset}/instruments/{id}": {
            "get": {
                "summary": "An instrument with every field",
                "parameters": [_DATASET, _p("id", "Instrument id")],
                "responses": {"200": _ok("Instrument"), **_ERRORS},
            },
            "put": {
                "summary": "Replace an instrument (validated; saved as a new version)",
                "parameters": [_DATASET, _p("id", "Instrument id")],
                "requestBody": _RECORD_BODY,
                "responses": {"200": _SAVED, **_WRITE_ERRORS},
            },
        },
        "/api/datasets/{dataset}/loops": {
            "get": {
                "summary": "Circularity of the money web: totals, per entity (min-max), loops",
                "description": "The JSON of `ouroboros loops --format json`.",
                "parameters": [
                    _DATASET,
                    _q("year", {"type": "integer"}, "Calendar year (all of time by default)"),
                    _q("include_announced", {"type": "boolean"}, "Count announced deals too"),
                    _q("status", {"type": "string"}, "Comma-separated statuses counted"),
                    _q("kind", {"type": "string"}, "Only these kinds"),
                    _q("exclude_kind", {"type": "string"}, "Leave these kinds out"),
                    _q("method", {"type": "string", "enum": ["maximal", "bff"]}, "Decomposition"),
                    _q("max_cycles", {"type": "integer"}, "Loops listed (default 20)"),
                ],
                "responses": {"200": _ok("Circularity report"), **_ERRORS},
            }
        },
        "/api/hurdle": {
            "get": {
                "summary": "The revenue hurdle calculator",
                "description": "The JSON of `ouroboros hurdle --format json`.",
                "parameters": _HURDLE_PARAMS,
                "responses": {"200": _ok("Hurdle result"), **_ERRORS},
            },
            "post": {
                "summary": "The revenue hurdle calculator (parameters as a JSON object)",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": _ok("Hurdle result"), **_ERRORS},
            },
        },
        "/api/hurdle/tornado": {
            "get": {
                "summary": "Tornado: the output at each input's low and high value",
                "parameters": [
                    *_HURDLE_PARAMS,
                    _q("output", {"type": "string"}, "Output studied (revenue_required)"),
                    _q("change", {"type": "number"}, "Relative change of each input (0.2)"),
                ],
                "responses": {"200": _ok("Tornado"), **_ERRORS},
            },
            "post": {
                "summary": "Tornado (parameters as a JSON object)",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": _ok("Tornado"), **_ERRORS},
            },
        },
        "/api/hurdle/recipes": {
            "get": {
                "summary": "Published hurdle estimates with their headline figures and sources",
                "responses": {"200": _ok("Recipes")},
            }
        },
        "/api/hurdle/recipes/{name}": {
            "get": {
                "summary": "Run one recipe; any query parameter overrides the input it names",
                "parameters": [_p("name", "Recipe name")],
                "responses": {"200": _ok("Recipe result"), **_ERRORS},
            }
        },
        "/api/runs": {
            "get": {
                "summary": "Stress runs kept in the store (newest first) and the jobs under way",
                "responses": {"200": _ok("Runs"), **_ERRORS},
            },
            "post": {
                "summary": "Start a stress run of a built-in scenario; poll its url",
                "description": (
                    "Runs one at a time on a background worker; the result is kept in the "
                    "store like 'ouroboros stress'. 422 names the invalid field."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("RunRequest")}},
                },
                "responses": {
                    "202": _ok("Queued", _ref("RunStatus")),
                    **_ERRORS,
                    "422": {**_ERR, "description": "Unknown scenario, or runs/seed out of range"},
                },
            },
        },
        "/api/runs/{id}": {
            "get": {
                "summary": "A run's status (queued, running, done, failed) and, once done, results",
                "parameters": [_p("id", "Job id or stored run id")],
                "responses": {"200": _ok("Run", _ref("RunStatus")), **_ERRORS},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ouroboros JSON API",
            "version": __version__,
            "description": (
                "Datasets, entities, instruments, loops, stress runs and the revenue hurdle of the "
                "Ouroboros money web. Errors are JSON {error, field}. With a server token, "
                "send it as 'Authorization: Bearer T'."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
        "paths": paths,
    }
