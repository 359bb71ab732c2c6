"""Page 9, data: browse, search, add and edit records, upload a dataset file.

Edits and uploads go through :func:`ouroboros.model.ledger_from_data`, the validation the
CLI uses; an invalid one shows every problem (record, field, message) and saves nothing.
A valid one is stored in the DuckDB store as a new version, and the page switches to it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

import dash
import pandas as pd
import yaml
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from ouroboros.api import (
    DEFAULT_KEY,
    Workspace,
    dataset_slug,
    entity_rows,
    instrument_record,
    instrument_rows,
    parse_record_text,
)
from ouroboros.dashboard._pages._base import Page
from ouroboros.dashboard._ui import (
    card,
    control,
    dataset_source,
    problem_list,
    source_note,
    table,
)
from ouroboros.errors import InputError, OuroborosError
from ouroboros.model import INSTRUMENT_KINDS, ROLES, STATUSES, Ledger, dumps_ledger

__all__ = ["PAGE", "dataset_options", "record_yaml"]

_ENT_COLS = ["id", "name", "roles", "country", "ticker", "instruments", "sources"]
_INS_COLS = ["id", "kind", "from", "to", "amount", "start", "end", "status", "estimate", "sources"]


def dataset_options(ws: Workspace) -> list[dict[str, str]]:
    """Dropdown options for every dataset of the workspace."""
    return [{"label": d.label, "value": d.key} for d in ws.datasets()]


def record_yaml(record: dict[str, Any]) -> str:
    """A record as YAML for the editor.

    >>> print(record_yaml({"id": "a", "roles": ["cloud"]}), end="")
    id: a
    roles:
    - cloud
    """
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=90)


def _entities(lg: Ledger, q: str | None, role: str | None) -> list[dict[str, Any]]:
    rows = entity_rows(lg, role=role or None, query=q)
    for r in rows:
        r["roles"] = ", ".join(r["roles"])
        r["sources"] = ", ".join(r["sources"])
    return rows


def _instruments(
    lg: Ledger, q: str | None, kind: str | None, status: str | None
) -> list[dict[str, Any]]:
    rows = instrument_rows(
        lg, kinds=[kind] if kind else None, statuses=[status] if status else None, query=q
    )
    for r in rows:
        r["sources"] = ", ".join(r["sources"])
    return rows


def _templates(lg: Ledger) -> dict[str, dict[str, Any]]:
    src = [lg.sources[0].id] if lg.sources else []
    ids = lg.entity_ids
    return {
        "entities": {
            "id": "new-entity",
            "name": "New entity",
            "roles": ["cloud"],
            "country": "US",
            "sources": src,
        },
        "instruments": {
            "id": "new-deal",
            "kind": "compute_contract",
            "from": ids[1] if len(ids) > 1 else "a",
            "to": ids[2] if len(ids) > 2 else "b",
            "amount": 1.0,
            "start": dt.date.today().isoformat(),
            "status": "announced",
            "confidence": "medium",
            "sources": src,
            "description": "what the deal is, in one line",
        },
    }


def layout(ws: Workspace, key: str) -> Component:
    lg = ws.ledger(key)
    sources = pd.DataFrame(
        [s.model_dump(mode="json", exclude_none=True) for s in lg.sources],
        columns=["id", "title", "publisher", "date", "kind", "url"],
    )
    limit = ws.upload_limit
    return html.Div(
        [
            html.H2("Data"),
            html.P(
                [
                    "Browse and search the dataset, edit a record or add one, or upload a "
                    "dataset file. Every change is checked with the same validation as ",
                    html.Code("ouroboros dataset validate"),
                    "; an invalid change is refused with each problem named, and a valid one "
                    "is saved as a new version in the store (the old one stays).",
                ],
                className="lead",
            ),
            html.Div(
                [
                    control(
                        "Search",
                        dcc.Input(
                            id="data-q",
                            type="search",
                            debounce=True,
                            placeholder="id, name, kind, description…",
                        ),
                        html_for="data-q",
                        wide=True,
                    ),
                    control(
                        "Role",
                        dcc.Dropdown(id="data-role", options=list(ROLES), placeholder="any role"),
                    ),
                    control(
                        "Kind",
                        dcc.Dropdown(
                            id="data-kind", options=list(INSTRUMENT_KINDS), placeholder="any kind"
                        ),
                    ),
                    control(
                        "Status",
                        dcc.Dropdown(
                            id="data-status", options=list(STATUSES), placeholder="any status"
                        ),
                    ),
                ],
                className="controls",
            ),
            html.Div(
                [
                    card(
                        f"Entities ({len(lg.entities)})",
                        table(
                            pd.DataFrame(_entities(lg, None, None), columns=_ENT_COLS),
                            "data-entities",
                            page_size=12,
                            selectable=True,
                        ),
                    ),
                    card(
                        f"Instruments ({len(lg.instruments)}; amounts in {lg.meta.currency} "
                        f"{lg.meta.unit}s)",
                        table(
                            pd.DataFrame(_instruments(lg, None, None, None), columns=_INS_COLS),
                            "data-instruments",
                            page_size=12,
                            selectable=True,
                        ),
                    ),
                ],
                className="split even",
            ),
            card(
                "Edit or add a record",
                html.P(
                    "Select a row above to edit it, or start from a template. Write the "
                    "record as in a dataset file (YAML); an instrument's payer is 'from'.",
                    className="muted",
                ),
                html.Div(
                    [
                        html.Button("New entity", id="data-new-entity", n_clicks=0),
                        html.Button("New instrument", id="data-new-instrument", n_clicks=0),
                        html.Span("", id="data-editing-label", className="muted"),
                    ],
                    className="buttons",
                ),
                dcc.Textarea(
                    id="data-editor",
                    value="",
                    spellCheck=False,
                    style={"width": "100%", "height": "340px"},
                    className="code",
                ),
                html.Div(
                    html.Button(
                        "Validate and save", id="data-save", n_clicks=0, className="primary"
                    ),
                    className="buttons",
                ),
                html.Div(id="data-result"),
                dcc.Store(id="data-editing", data=None),
            ),
            card(
                "Upload a dataset file",
                dcc.Upload(
                    id="data-upload",
                    children=html.Div(
                        ["Drop a .yaml or .json dataset here, or ", html.A("choose a file")]
                    ),
                    accept=".yaml,.yml,.json",
                    max_size=limit,
                    multiple=False,
                    className="upload",
                ),
                html.P(
                    f"Up to {limit / 1e6:.1f} MB; read with YAML's safe loader only (no tags "
                    "that build objects, no aliases); never written to disk outside the store.",
                    className="muted small",
                ),
                html.Div(id="data-upload-result"),
            ),
            html.Div(
                [
                    html.Button("Download this dataset as YAML", id="data-download-go", n_clicks=0),
                    dcc.Download(id="data-download"),
                ],
                className="buttons",
            ),
            card(
                f"Sources ({len(sources)})",
                table(sources, "data-sources", page_size=10),
                source=source_note(dataset_source(lg, key)),
            ),
        ]
    )


def _decode_upload(contents: str) -> bytes:
    _, _, b64 = contents.partition(",")
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("the upload is not valid base64 data", field="file") from None


def register(app: dash.Dash, ws: Workspace) -> None:
    @app.callback(
        Output("data-entities", "data"),
        Output("data-instruments", "data"),
        Input("data-q", "value"),
        Input("data-role", "value"),
        Input("data-kind", "value"),
        Input("data-status", "value"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _filter(
        q: str | None, role: str | None, kind: str | None, status: str | None, key: str | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        lg = ws.ledger(key or DEFAULT_KEY)
        return _entities(lg, q, role), _instruments(lg, q, kind, status)

    @app.callback(
        Output("data-editor", "value"),
        Output("data-editing", "data"),
        Output("data-editing-label", "children"),
        Input("data-entities", "selected_row_ids"),
        Input("data-instruments", "selected_row_ids"),
        Input("data-new-entity", "n_clicks"),
        Input("data-new-instrument", "n_clicks"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _load(
        ent_ids: list[str] | None,
        ins_ids: list[str] | None,
        _ne: int,
        _ni: int,
        key: str | None,
    ) -> tuple[str, dict[str, Any], str]:
        lg = ws.ledger(key or DEFAULT_KEY)
        trigger = dash.ctx.triggered_id
        if trigger == "data-entities" and ent_ids:
            e = lg.entity(str(ent_ids[0]))
            rec = e.model_dump(mode="json", exclude_none=True)
            return (
                record_yaml(rec),
                {"section": "entities", "replace": e.id},
                f"editing entity {e.id}",
            )
        if trigger == "data-instruments" and ins_ids:
            i = lg.instrument(str(ins_ids[0]))
            return (
                record_yaml(instrument_record(i)),
                {"section": "instruments", "replace": i.id},
                f"editing instrument {i.id}",
            )
        section = "entities" if trigger == "data-new-entity" else "instruments"
        tpl = _templates(lg)[section]
        return record_yaml(tpl), {"section": section, "replace": None}, f"new {section[:-1]}"

    @app.callback(
        Output("data-result", "children"),
        Output("dataset", "value", allow_duplicate=True),
        Output("dataset", "options", allow_duplicate=True),
        Output("flash", "data", allow_duplicate=True),
        Input("data-save", "n_clicks"),
        State("data-editor", "value"),
        State("data-editing", "data"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _save(
        n_clicks: int | None, text: str | None, editing: dict[str, Any] | None, key: str | None
    ) -> tuple[Any, Any, Any, Any]:
        no = dash.no_update
        if not n_clicks:
            return no, no, no, no
        if not editing or not (text or "").strip():
            return (
                html.P("Select a record or start from a template first.", className="muted"),
                no,
                no,
                no,
            )
        try:
            record = parse_record_text(text or "", file="<editor>")
            new = ws.save_record(
                key or DEFAULT_KEY, editing["section"], record, replace=editing.get("replace")
            )
        except OuroborosError as exc:
            return problem_list(exc), no, no, no
        info = ws.info(new)
        msg = (
            f"Saved: {editing['section'][:-1]} {record.get('id')!s} is in "
            f"{info.name!r} version {info.version} (store key {new}); now showing it."
        )
        return html.P(msg, className="ok-box"), new, dataset_options(ws), {"text": msg}

    @app.callback(
        Output("data-upload-result", "children"),
        Output("dataset", "value", allow_duplicate=True),
        Output("dataset", "options", allow_duplicate=True),
        Output("flash", "data", allow_duplicate=True),
        Input("data-upload", "contents"),
        State("data-upload", "filename"),
        prevent_initial_call=True,
    )
    def _upload(contents: str | None, filename: str | None) -> tuple[Any, Any, Any, Any]:
        no = dash.no_update
        if not contents:
            return no, no, no, no
        try:
            new = ws.import_upload(_decode_upload(contents), filename or "upload.yaml")
        except OuroborosError as exc:
            return problem_list(exc), no, no, no
        info = ws.info(new)
        msg = (
            f"Uploaded {filename}: stored as {info.name!r} version {info.version} "
            f"({info.n_entities} entities, {info.n_instruments} instruments); now showing it."
        )
        return html.P(msg, className="ok-box"), new, dataset_options(ws), {"text": msg}

    @app.callback(
        Output("data-download", "data"),
        Input("data-download-go", "n_clicks"),
        State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _download(_: int, key: str | None) -> dict[str, Any]:
        lg = ws.ledger(key or DEFAULT_KEY)
        return {
            "content": dumps_ledger(lg, "yaml"),
            "filename": f"{dataset_slug(lg.meta.name)}.yaml",
        }


PAGE = Page(path="/data", title="Data", layout=layout, register=register)
