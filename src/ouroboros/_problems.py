"""Turn pydantic validation errors into located problems: file, line, record and field.

Shared by every loader that validates a file with pydantic (datasets, deal specs and
their scenario files, stress scenarios), so a bad value is reported the same way
whatever the file: ``file:line: record: field: what is wrong, got what``. The YAML
parser that records the line of every node is :mod:`ouroboros._yamldoc`.

An error's location (pydantic's ``loc``) is mapped back onto the keys of the data as the
user wrote them: union labels (``lease`` in ``assets.0.lease.rent``) are dropped, a field
is named by its alias (``from``, not ``from_``), and a model-level check whose message
starts with a field of that model (``"end: is before start"``) is placed on that field.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, InitErrorDetails

from ouroboros._yamldoc import YamlDoc, nearest_line
from ouroboros.errors import DatasetError, Problem

__all__ = [
    "BOUNDS",
    "Path_",
    "ProblemCollector",
    "error_message",
    "field_names",
    "lines_by_path",
    "record_and_field",
    "show_value",
    "translate_errors",
    "value_errors",
]

Path_ = tuple[str, ...]
"""A path into a document's data: mapping keys and list indices, as text."""

_M = TypeVar("_M", bound=BaseModel)

BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}
"""pydantic's bound errors and the comparison each one failed."""

_NUMBER_ERRORS = ("float_parsing", "float_type", "int_parsing", "int_type")
_DATE_ERRORS = ("date_from_datetime_parsing", "date_parsing", "date_type")
_CONTAINER_ERRORS = ("list_type", "dict_type", "model_type", "model_attributes_type")
_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found")


def show_value(value: Any) -> str:
    """``repr(value)``, cut to 60 characters for an error message.

    Examples
    --------
    >>> show_value("lots"), len(show_value("x" * 100)), show_value("x" * 100)[-6:]
    ("'lots'", 60, 'xxx...')
    """
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _discriminator(err: ErrorDetails) -> str:
    return str(err.get("ctx", {}).get("discriminator", "kind")).strip("'")


def error_message(err: ErrorDetails) -> str:
    """One pydantic error as a sentence that says what was expected and what was given.

    The location is not part of the message (see :func:`translate_errors`).

    Examples
    --------
    >>> from pydantic import BaseModel, Field, ValidationError
    >>> class Loan(BaseModel):
    ...     amount: float = Field(ge=0)
    >>> try:
    ...     Loan(amount=-5)
    ... except ValidationError as exc:
    ...     [error_message(e) for e in exc.errors()]
    ['must be >= 0, got -5']
    """
    kind = err["type"]
    msg = str(err["msg"])
    got = show_value(err.get("input"))
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind in BOUNDS:
        bound = next(iter(ctx.values()), "?")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be {BOUNDS[kind]} {bound}, got {got}"
    if kind in _NUMBER_ERRORS:
        return f"must be a number, got {got}"
    if kind == "int_from_float":
        return f"must be a whole number, got {got}"
    if kind == "finite_number":
        return f"must be a finite number, got {got}"
    if kind in ("literal_error", "enum"):
        return f"got {got}; expected one of {ctx.get('expected', '')}"
    if kind == "union_tag_invalid":
        return (
            f"unknown {_discriminator(err)} {show_value(ctx.get('tag'))}; "
            f"expected one of {ctx.get('expected_tags', '')}"
        )
    if kind == "union_tag_not_found":
        return f"required field {_discriminator(err)!r} is missing"
    if kind in _DATE_ERRORS:
        return f"must be a date (YYYY-MM-DD), got {got}"
    if kind in _CONTAINER_ERRORS:
        return f"{msg.lower()}, got {got}"
    if msg.startswith("Value error, "):
        return msg[len("Value error, ") :]
    if kind == "assertion_error" or not err["loc"]:
        return msg  # a check on the whole record: its input is the record itself
    return f"{msg}, got {got}"


# ------------------------------------------------------------- locations onto the data


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _plain(tp: Any, disc: str | None = None) -> tuple[Any, str | None]:
    """``tp`` without ``Annotated`` and ``Optional``, and the union discriminator it names."""
    while True:
        if get_origin(tp) is Annotated:
            tp, *meta = get_args(tp)
            for m in meta:
                d = getattr(m, "discriminator", None)
                if isinstance(m, FieldInfo | Discriminator) and isinstance(d, str):
                    disc = d
            continue
        if _is_union(tp):
            members = [a for a in get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp, disc


def _member(union: Any, label: str, disc: str | None) -> Any:
    """The member of ``union`` that pydantic names ``label`` in a location, or None."""

    def literal(model: Any, name: str) -> set[str]:
        field = model.model_fields.get(name) if _is_model(model) else None
        ann = field.annotation if field is not None else None
        return {str(v) for v in get_args(ann)} if get_origin(ann) is Literal else set()

    members = get_args(union)
    for m in members:  # Annotated[Model, Tag("label")]
        meta = get_args(m)[1:] if get_origin(m) is Annotated else ()
        if any(isinstance(t, Tag) and t.tag == label for t in meta):
            return m
    for m in members:  # Field(discriminator="kind"): the member whose kind is the label
        if disc is not None and label in literal(_plain(m)[0], disc):
            return m
    for m in members:  # a smart union names the member's type
        if getattr(_plain(m)[0], "__name__", None) == label:
            return m
    return None


def _only_model(tp: Any) -> Any:
    """The one model among the members of a union (``float | Distribution``), else ``tp``."""
    if _is_union(tp):
        models = [m for m in (_plain(a)[0] for a in get_args(tp)) if _is_model(m)]
        if len(models) == 1:
            return models[0]
    return tp


def _field(model: type[BaseModel], key: str) -> tuple[str, FieldInfo] | None:
    """The field of ``model`` named or aliased ``key``: (its key in a file, its info)."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.alias or name, info
    return None


def _child(node: Any, key: str | int) -> Any:
    if isinstance(node, Mapping):
        return node.get(key, node.get(str(key)))
    if isinstance(node, list) and str(key).isdigit() and int(key) < len(node):
        return node[int(key)]
    return None


def _walk(model: type[BaseModel], loc: Sequence[str | int], data: Any) -> tuple[Path_, Any]:
    """The data path of a pydantic location, and the type found there (None if unknown)."""
    tp: Any = model
    disc: str | None = None
    node = data
    path: list[str] = []
    for part in loc:
        tp, disc = _plain(tp, disc)
        key = str(part)
        if _is_union(tp):
            member = _member(tp, key, disc)
            model = _only_model(tp)
            keyed = _is_model(model) and (
                _field(model, key) is not None or (isinstance(node, Mapping) and key in node)
            )
            if member is not None or not keyed:  # the label of the member that was tried
                tp, disc = member, None
                continue
            tp = model  # errors a validator re-raised from the union's one model
        origin, args = get_origin(tp), get_args(tp)
        if _is_model(tp) and (found := _field(tp, key)) is not None:
            file_key, info = found
            if not (isinstance(node, Mapping) and key in node):
                key = file_key
            tp = info.annotation
            disc = info.discriminator if isinstance(info.discriminator, str) else None
        elif origin in (list, set, frozenset) or (origin is tuple and args[1:] == (...,)):
            tp = args[0]
        elif origin is tuple and key.isdigit() and int(key) < len(args):
            tp = args[int(key)]
        elif origin in (dict, Mapping) and len(args) == 2:
            tp = args[1]
        else:
            tp = None
        path.append(key)
        node = _child(node, part)
    return tuple(path), _only_model(_plain(tp)[0])


def field_names(model: type[BaseModel], loc: Sequence[str | int]) -> list[str] | None:
    """The keys a file may give for the model found at ``loc``, or None if there is none.

    Examples
    --------
    >>> from pydantic import BaseModel, Field
    >>> class Flow(BaseModel):
    ...     from_: str = Field(alias="from")
    ...     to: str
    >>> field_names(Flow, ()), field_names(Flow, ("to",))
    (['from', 'to'], None)
    """
    tp = _walk(model, loc, None)[1]
    if not _is_model(tp):
        return None
    return [info.alias or name for name, info in tp.model_fields.items()]


def _unknown_field(key: str, allowed: list[str] | None) -> str:
    if not allowed:
        return "unknown field"
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown field{hint}; expected one of {', '.join(allowed)}"


def translate_errors(
    exc: ValidationError, model: type[BaseModel], data: Any = None
) -> list[tuple[Path_, str]]:
    """Every error of ``exc`` as the path of the bad value in ``data`` and a message.

    Parameters
    ----------
    exc : pydantic.ValidationError
        Raised by ``model.model_validate(data)``.
    model : type of pydantic.BaseModel
        The model that was validated; its fields map the error locations onto the keys of
        the data (aliases, union members) and say which keys were allowed.
    data : any, optional
        The data that was validated, so a field given by name rather than alias keeps the
        key the file used.

    Returns
    -------
    list of (tuple of str, str)
        One ``(path, message)`` per error, in pydantic's order. An unknown field's message
        suggests the closest allowed key and lists them all; a model-level check whose
        message starts with ``"field: "`` is moved onto that field.

    Examples
    --------
    >>> from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
    >>> class Loan(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     id: str
    ...     amount: float = Field(ge=0)
    ...     start: int
    ...     end: int
    ...     @model_validator(mode="after")
    ...     def _order(self) -> "Loan":
    ...         if self.end < self.start:
    ...             raise ValueError(f"end: {self.end} is before start {self.start}")
    ...         return self
    >>> class Book(BaseModel):
    ...     loans: list[Loan]
    >>> data = {"loans": [{"id": "a", "amount": -5, "start": 2026, "end": 2030, "amont": 1},
    ...                   {"id": "b", "amount": 1, "start": 2030, "end": 2026}]}
    >>> try:
    ...     Book.model_validate(data)
    ... except ValidationError as exc:
    ...     for path, message in translate_errors(exc, Book, data):
    ...         print(".".join(path), "|", message)
    loans.0.amount | must be >= 0, got -5
    loans.0.amont | unknown field (did you mean 'amount'?); expected one of id, amount, start, end
    loans.1.end | 2026 is before start 2030
    """
    out: list[tuple[Path_, str]] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path, found = _walk(model, loc, data)
        msg = error_message(err)
        if err["type"] == "extra_forbidden" and loc:
            msg = _unknown_field(str(loc[-1]), field_names(model, loc[:-1]))
        elif err["type"] in _TAG_ERRORS:
            path = (*path, _discriminator(err))
        else:
            head, sep, rest = msg.partition(": ")
            named = _field(found, head) if sep and _is_model(found) else None
            if named is not None:
                path, msg = (*path, named[0]), rest
        out.append((path, msg))
    return out


def value_errors(title: str, errors: Sequence[tuple[Path_, str, Any]]) -> ValidationError:
    """A :class:`~pydantic.ValidationError` holding several located problems at once.

    For a validator that finds more than one thing wrong: raised from a model or field
    validator, pydantic places each error at its location below the value being
    validated, so :func:`translate_errors` reports each one on its own field.

    Parameters
    ----------
    title : str
        The model's name (pydantic's title for the error).
    errors : sequence of (path, message, input)
        Where each problem is (relative to the value validated), what is wrong, and the
        value found there.

    Examples
    --------
    >>> from pydantic import BaseModel, model_validator
    >>> class Band(BaseModel):
    ...     low: float
    ...     high: float
    ...     @model_validator(mode="after")
    ...     def _order(self) -> "Band":
    ...         if self.low > self.high:
    ...             raise value_errors("Band", [
    ...                 (("low",), f"must not exceed high ({self.high:g})", self.low),
    ...                 (("high",), f"must not be below low ({self.low:g})", self.high),
    ...             ])
    ...         return self
    >>> try:
    ...     Band(low=3, high=1)
    ... except ValidationError as exc:
    ...     translate_errors(exc, Band)
    [(('low',), 'must not exceed high (1)'), (('high',), 'must not be below low (3)')]
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(type="value_error", loc=path, input=value, ctx={"error": message})
            for path, message, value in errors
        ],
    )


# ---------------------------------------------------------------------- located problems


def record_and_field(data: Any, path: Sequence[str]) -> tuple[str | None, str | None]:
    """The record a path falls in and the dotted field within it.

    The record is the innermost list item on the path that is a mapping: its ``id`` (or
    ``name``), else ``list[index]``; the field is the rest of the path.

    Examples
    --------
    >>> data = {"assets": [{"id": "lease", "rent": "lots"}], "calendar": {"end": 1}}
    >>> record_and_field(data, ("assets", "0", "rent"))
    ('lease', 'rent')
    >>> record_and_field(data, ("calendar", "end"))
    (None, 'calendar.end')
    """
    node: Any = data
    record: str | None = None
    cut = 0
    for i, key in enumerate(path):
        item = _child(node, key) if isinstance(node, list) else None
        if isinstance(item, Mapping):
            rid = item.get("id", item.get("name"))
            record = str(rid) if isinstance(rid, str | int) else f"{'.'.join(path[:i])}[{key}]"
            cut = i + 1
        node = _child(node, key)
    return record, ".".join(path[cut:]) or None


def lines_by_path(doc: YamlDoc) -> dict[Path_, int]:
    """The line of every node of a parsed YAML document, by its path as text."""
    return {tuple(str(x) for x in k): v for k, v in doc.lines.items()}


class ProblemCollector:
    """Collects every problem of one file, each located by its path in the file's data.

    Parameters
    ----------
    file : str
        The file named by the problems (``"<input>"`` for in-memory data).
    lines : mapping, optional
        The 1-based line of each path (see :func:`lines_by_path`); a path without one
        takes the line of its nearest ancestor that has one.
    files : mapping, optional
        File names by path prefix, for data gathered from several files (CSV tables).
    data : any, optional
        The whole document. When given, a problem added without a record and a field is
        placed in the record it falls in (see :func:`record_and_field`).

    Examples
    --------
    >>> from pydantic import BaseModel, Field
    >>> class Entity(BaseModel):
    ...     id: str
    ...     cash: float = Field(ge=0)
    >>> col = ProblemCollector("web.yaml", {("entities", "1"): 7, ("entities", "1", "cash"): 9})
    >>> col.validate(Entity, {"id": "acme", "cash": -1}, at=("entities", "1"), record="acme")
    >>> col.validate(Entity, {"id": "ok", "cash": 2}, at=("entities", "2"), record="ok")
    Entity(id='ok', cash=2.0)
    >>> col.raise_if_any()
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    web.yaml:9: acme: cash: must be >= 0, got -1
    """

    def __init__(
        self,
        file: str,
        lines: Mapping[Path_, int] | None = None,
        *,
        files: Mapping[Path_, str] | None = None,
        data: Any = None,
    ) -> None:
        self.file = file
        self.lines: Mapping[Path_, int] = lines or {}
        self.files: Mapping[Path_, str] = files or {}
        self.data = data
        self.problems: list[Problem] = []

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        return nearest_line(self.lines, path)

    def file_of(self, path: Path_) -> str:
        """The file that holds ``path``."""
        for k in range(len(path), 0, -1):
            if path[:k] in self.files:
                return self.files[path[:k]]
        return self.file

    def add(
        self, path: Path_, message: str, *, record: str | None = None, field: str | None = None
    ) -> None:
        """Record a problem at ``path`` (record and field found in ``data`` if not given)."""
        if record is None and field is None and self.data is not None:
            record, field = record_and_field(self.data, path)
        self.problems.append(Problem(self.file_of(path), self.line(path), record, field, message))

    def validate(
        self,
        model: type[_M],
        raw: Any,
        *,
        at: Path_ = (),
        record: str | None = None,
        field: str | None = None,
    ) -> _M | None:
        """``model.model_validate(raw)``, or None with every problem recorded.

        ``raw`` sits at path ``at`` of the document; its problems name ``record`` and
        their field within it (or the record found in ``data``, when it was given).
        ``field`` is the field of ``record`` that ``raw`` is, if ``raw`` is not the whole
        record: the fields of its problems start with it (``fetch.series``).
        """
        if not isinstance(raw, Mapping):
            message = f"expected a mapping of fields, got {show_value(raw)}"
            self.add(at, message, record=record, field=field)
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            head = (field,) if field else ()
            for path, message in translate_errors(exc, model, raw):
                where = (*at, *path)
                if self.data is not None:
                    self.add(where, message)
                else:
                    self.add(where, message, record=record, field=".".join((*head, *path)) or None)
            return None

    def raise_if_any(self) -> None:
        """Raise one :class:`DatasetError` with every problem, in file and line order."""
        if self.problems:
            raise DatasetError(sorted(self.problems, key=lambda p: (p.file, p.line or 0)))
