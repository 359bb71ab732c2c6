"""Load and save ledgers as YAML, JSON or CSV tables, reporting every problem at once.

A dataset file has the top-level keys ``meta``, ``sources``, ``entities`` and
``instruments``. A CSV dataset is a folder holding ``entities.csv`` and
``instruments.csv`` (required) and ``sources.csv``, ``financials.csv`` and ``meta.csv``
(optional), so the data can be kept in a spreadsheet.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel

from ouroboros._problems import Path_, ProblemCollector, lines_by_path
from ouroboros._yamldoc import NESTED_TOO_DEEPLY, parse_yaml, read_source
from ouroboros.errors import DatasetError, Problem
from ouroboros.model._ledger import Ledger, cross_reference_problems
from ouroboros.model._schema import (
    FINANCIAL_FIELDS,
    INSTRUMENT_KINDS,
    Entity,
    Financials,
    InstrumentBase,
    Meta,
    Source,
)

__all__ = [
    "DEFAULT_DATASET",
    "default_ledger",
    "ledger_from_data",
    "load_ledger",
    "save_ledger",
]

DEFAULT_DATASET = "ai_capex_2025.yaml"
TOP_LEVEL_KEYS = ("meta", "sources", "entities", "instruments")
Format = Literal["yaml", "json", "csv"]
_M = TypeVar("_M", bound=BaseModel)

# ---------------------------------------------------------------------------- parsing


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML, returning the data and the 1-based line of every node by path."""
    doc = parse_yaml(text, file)
    return doc.data, lines_by_path(doc)


def _parse_json(text: str, file: str) -> tuple[Any, dict[Path_, int]]:
    def no_dup(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=no_dup), {}
    except json.JSONDecodeError as exc:
        raise DatasetError(
            [Problem(file, exc.lineno, None, None, f"JSON syntax error: {exc.msg}")]
        ) from None
    except ValueError as exc:
        raise DatasetError([Problem(file, None, None, None, f"JSON error: {exc}")]) from None
    except RecursionError:
        raise DatasetError([Problem(file, None, None, None, NESTED_TOO_DEEPLY)]) from None


# -------------------------------------------------------------------------- validation


def _record_id(raw: Any) -> str | None:
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
        return str(raw["id"])
    return None


def ledger_from_data(
    data: Any,
    *,
    file: str = "<input>",
    lines: Mapping[Path_, int] | None = None,
    files: Mapping[Path_, str] | None = None,
) -> Ledger:
    """Validate plain data (the dataset file's layout) into a :class:`Ledger`.

    Every problem is collected and raised together as one :class:`DatasetError`.

    Parameters
    ----------
    data : mapping
        With keys ``meta``, ``sources``, ``entities`` and ``instruments``.
    file : str
        The name used in problem messages.
    lines : mapping, optional
        Line numbers by path, as the YAML parser records them.
    files : mapping, optional
        File names by path prefix, for datasets spread over several files (CSV tables).

    Examples
    --------
    >>> ledger_from_data({"meta": {"name": "x"}, "entities": [], "instruments": [],
    ...                   "extra": 1})
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    <input>: extra: unknown top-level key; expected meta, sources, entities, instruments
    """
    col = ProblemCollector(file, lines, files=files)
    if not isinstance(data, Mapping):
        col.add((), "a dataset must be a mapping with keys " + ", ".join(TOP_LEVEL_KEYS))
        raise DatasetError(col.problems)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            col.add(
                (str(key),),
                "unknown top-level key; expected " + ", ".join(TOP_LEVEL_KEYS),
                field=str(key),
            )
    meta = None
    if "meta" not in data:
        col.add((), "required top-level key is missing", field="meta")
    else:
        meta = col.validate(Meta, data["meta"], at=("meta",), record="meta")

    def section(name: str, required: bool) -> list[Any]:
        raw = data.get(name)
        if raw is None:
            if required:
                col.add((), "required top-level key is missing", field=name)
            return []
        if not isinstance(raw, list):
            col.add((name,), f"must be a list of records, got {type(raw).__name__}", field=name)
            return []
        return raw

    sources = _validate_list(col, "sources", section("sources", False), Source)
    entities = _validate_list(col, "entities", section("entities", True), Entity)
    instruments: list[tuple[int, InstrumentBase]] = []
    for i, raw in enumerate(section("instruments", True)):
        path = ("instruments", str(i))
        rid = _record_id(raw)
        kind = raw.get("kind") if isinstance(raw, Mapping) else None
        if isinstance(raw, Mapping) and kind is None:
            col.add(path, "required field is missing", record=rid, field="kind")
            continue
        if isinstance(raw, Mapping) and kind not in INSTRUMENT_KINDS:
            col.add(
                (*path, "kind"),
                f"unknown kind {kind!r}; expected one of {', '.join(INSTRUMENT_KINDS)}",
                record=rid,
                field="kind",
            )
            continue
        model = INSTRUMENT_KINDS[str(kind)] if isinstance(raw, Mapping) else InstrumentBase
        inst = col.validate(model, raw, at=path, record=rid)
        if inst is not None:
            instruments.append((i, inst))

    # Duplicate ids, counted over every record (also those that failed validation).
    valid_ids = {
        "sources": {r.id for _, r in sources},
        "entities": {r.id for _, r in entities},
        "instruments": {r.id for _, r in instruments},
    }
    failed_ids: set[str] = set()
    for name in ("sources", "entities", "instruments"):
        raws = data.get(name)
        if not isinstance(raws, list):
            continue
        seen: set[str] = set()
        for i, raw in enumerate(raws):
            rid = _record_id(raw)
            if rid is None:
                continue
            if rid in seen:
                col.add((name, str(i), "id"), f"duplicate id in {name}", record=rid, field="id")
            seen.add(rid)
        failed_ids |= seen - valid_ids[name]

    # Cross-reference checks on the records that validated, mapped back to file positions;
    # a reference to a record that failed validation is not reported a second time.
    partial = Ledger.model_construct(
        meta=meta or Meta(name="?"),
        sources=[s for _, s in sources],
        entities=[e for _, e in entities],
        instruments=[x for _, x in instruments],  # type: ignore[misc]
    )
    origin = {
        "sources": [i for i, _ in sources],
        "entities": [i for i, _ in entities],
        "instruments": [i for i, _ in instruments],
    }
    for p in cross_reference_problems(partial, check_duplicates=False):
        if p.ref is not None and p.ref in failed_ids:
            continue
        sect, idx, *rest = p.path
        where: Path_ = (str(sect), str(origin[str(sect)][int(idx)]), *(str(x) for x in rest))
        col.add(where, p.message, record=p.record, field=p.field)
    col.raise_if_any()
    return Ledger.model_validate(
        {
            "meta": meta,
            "sources": partial.sources,
            "entities": partial.entities,
            "instruments": partial.instruments,
        }
    )


def _validate_list(
    col: ProblemCollector, name: str, raws: list[Any], model: type[_M]
) -> list[tuple[int, _M]]:
    out: list[tuple[int, _M]] = []
    for i, raw in enumerate(raws):
        obj = col.validate(model, raw, at=(name, str(i)), record=_record_id(raw))
        if obj is not None:
            out.append((i, obj))
    return out


# ------------------------------------------------------------------------------ CSV

_LIST_SEP = ";"
_INSTRUMENT_LEAD = (
    "id", "kind", "from", "to", "amount", "currency", "start", "end", "profile", "cashflows",
    "status", "estimate", "confidence", "seniority", "sources", "description",
)  # fmt: skip
_ENTITY_COLS = ("id", "name", "roles", "country", "ticker", "parent", "sources", "note")
_FIN_COLS = ("entity", "year", *FINANCIAL_FIELDS, "fiscal_year_end", "estimate", "sources")


def _instrument_columns() -> list[str]:
    cols = list(_INSTRUMENT_LEAD)
    for cls in INSTRUMENT_KINDS.values():
        for name, f in cls.model_fields.items():
            key = f.alias or name
            if key not in cols:
                cols.append(key)
    return cols


def _split(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(_LIST_SEP) if x.strip()]


def _read_csv(
    path: Path, required: bool, col: ProblemCollector
) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        if required:
            col.problems.append(Problem(str(path), None, None, None, "required file is missing"))
        return []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for row in reader:
            if None in row:
                col.problems.append(
                    Problem(
                        str(path), reader.line_num, None, None, "more cells than header columns"
                    )
                )
                continue
            clean = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if any(clean.values()):
                rows.append((reader.line_num, {k: v for k, v in clean.items() if v != ""}))
        return rows


def _load_csv_dir(folder: Path) -> Ledger:
    """Read the CSV tables of ``folder`` and validate them, with per-row line numbers."""
    col = ProblemCollector(str(folder))
    lines: dict[Path_, int] = {}
    files: dict[Path_, str] = {("meta",): str(folder / "meta.csv")}
    data: dict[str, Any] = {"meta": {"name": folder.name}}

    meta_rows = _read_csv(folder / "meta.csv", False, col)
    if meta_rows:
        data["meta"] = {r.get("key", ""): r.get("value") for _, r in meta_rows}
    for name, required in (("sources", False), ("entities", True), ("instruments", True)):
        path = folder / f"{name}.csv"
        files[(name,)] = str(path)
        recs: list[dict[str, Any]] = []
        for i, (line, row) in enumerate(_read_csv(path, required, col)):
            lines[(name, str(i))] = line
            rec: dict[str, Any] = dict(row)
            if name == "entities" and "roles" in row:
                rec["roles"] = _split(row["roles"])
            if name in ("entities", "instruments") and "sources" in row:
                rec["sources"] = _split(row["sources"])
            if name == "instruments" and "cashflows" in row:
                flows: dict[str, str] = {}
                for part in _split(row["cashflows"]):
                    year, _, value = part.partition(":")
                    flows[year.strip()] = value.strip()
                rec["cashflows"] = flows
            recs.append(rec)
        data[name] = recs
    index = {str(e.get("id")): i for i, e in enumerate(data["entities"])}
    fin_path = folder / "financials.csv"
    for line, row in _read_csv(fin_path, False, col):
        pos = index.get(row.get("entity", ""))
        if pos is None:
            col.problems.append(
                Problem(str(fin_path), line, row.get("entity"), "entity", "unknown entity")
            )
            continue
        i = pos
        year = row.get("year", "")
        fin: dict[str, Any] = {k: v for k, v in row.items() if k not in ("entity", "year")}
        if "sources" in fin:
            fin["sources"] = _split(fin["sources"])
        data["entities"][i].setdefault("financials", {})[year] = fin
        key = ("entities", str(i), "financials", year)
        lines[key] = line
        files[key] = str(fin_path)
    col.raise_if_any()
    return ledger_from_data(data, file=str(folder), lines=lines, files=files)


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> None:
    header = list(header)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="raise")
        w.writeheader()
        for r in rows:
            w.writerow({k: _cell(r.get(k)) for k in header})


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return _LIST_SEP.join(str(x) for x in v)
    if isinstance(v, dict):
        return _LIST_SEP.join(f"{k}:{x!r}" for k, x in v.items())
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _save_csv_dir(ledger: Ledger, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = ledger.to_data()
    _write_csv(folder / "meta.csv", ("key", "value"), [
        {"key": k, "value": v} for k, v in data["meta"].items()
    ])  # fmt: skip
    _write_csv(folder / "sources.csv", Source.model_fields, data["sources"])
    ents = [{k: v for k, v in e.items() if k != "financials"} for e in data["entities"]]
    _write_csv(folder / "entities.csv", _ENTITY_COLS, ents)
    fins = [
        {"entity": e["id"], "year": year, **fin}
        for e in data["entities"]
        for year, fin in e.get("financials", {}).items()
    ]
    _write_csv(folder / "financials.csv", _FIN_COLS, fins)
    _write_csv(folder / "instruments.csv", _instrument_columns(), data["instruments"])


# ------------------------------------------------------------------------- public API


def _format_of(path: Path) -> Format:
    if path.is_dir() or path.suffix.lower() == ".csv":
        return "csv"
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise DatasetError(
        [
            Problem(
                str(path),
                None,
                None,
                None,
                "unknown dataset format; expected a .yaml/.yml or .json file, or a folder "
                "of CSV tables (entities.csv, instruments.csv)",
            )
        ]
    )


def load_ledger(path: str | os.PathLike[str]) -> Ledger:
    """Load and validate a dataset from YAML, JSON or a folder of CSV tables.

    Parameters
    ----------
    path : path-like
        A ``.yaml``/``.yml`` or ``.json`` file, or a folder (or one of its ``.csv``
        files) holding ``entities.csv`` and ``instruments.csv``.

    Returns
    -------
    Ledger

    Raises
    ------
    DatasetError
        With one :class:`~ouroboros.errors.Problem` per problem, each naming the file,
        the line where the format gives one, the record id and the field.

    Examples
    --------
    >>> lg = load_ledger(default_dataset_path())
    >>> lg.meta.name
    'AI capex web, late 2025'
    """
    p = Path(path)
    fmt = _format_of(p)
    if fmt == "csv":
        folder = p if p.is_dir() else p.parent
        if not folder.exists():
            raise DatasetError([Problem(str(p), None, None, None, "no such folder")])
        return _load_csv_dir(folder)
    text = read_source(p)
    parse: Callable[[str, str], tuple[Any, dict[Path_, int]]]
    parse = _parse_yaml if fmt == "yaml" else _parse_json
    data, lines = parse(text, str(p))
    return ledger_from_data(data, file=str(p), lines=lines)


class _Dumper(yaml.SafeDumper):
    """Keeps readable Unicode but escapes the characters YAML reads as line breaks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(c in value for c in _YAML_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_YAML_BREAKS = ("\x85", "\u2028", "\u2029", "\r")
_Dumper.add_representer(str, _represent_str)


def dumps_ledger(ledger: Ledger, fmt: Literal["yaml", "json"]) -> str:
    """Serialise a ledger to YAML or JSON text (the dataset file's layout).

    >>> from ouroboros.model import Ledger
    >>> lg = Ledger.model_validate({"meta": {"name": "two\N{LINE SEPARATOR}lines"}})
    >>> ledger_from_data(yaml.safe_load(dumps_ledger(lg, "yaml"))) == lg
    True
    """
    data = ledger.to_data()
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def save_ledger(ledger: Ledger, path: str | os.PathLike[str], *, fmt: Format | None = None) -> Path:
    """Save a ledger as YAML, JSON or a folder of CSV tables; return the path written.

    The write is atomic for single files (a temporary file renamed into place), so an
    interrupted save never leaves half a dataset.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> lg = default_ledger()
    >>> out = save_ledger(lg, pathlib.Path(tempfile.mkdtemp()) / "web.json")
    >>> load_ledger(out) == lg
    True
    """
    p = Path(path)
    chosen: Format = fmt or _format_of(p)
    if chosen == "csv":
        _save_csv_dir(ledger, p)
        return p
    text = dumps_ledger(ledger, chosen)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, p)
    return p


def default_dataset_path() -> Path:
    """Path of the bundled default dataset "AI capex web, late 2025"."""
    return Path(str(resources.files("ouroboros.data").joinpath(DEFAULT_DATASET)))


def default_ledger() -> Ledger:
    """The bundled default dataset, loaded and validated.

    Examples
    --------
    >>> lg = default_ledger()
    >>> len(lg.entities) >= 40 and len(lg.instruments) >= 80
    True
    """
    return load_ledger(default_dataset_path())


# keep Financials importable from here for CSV users building rows by hand
_ = Financials
