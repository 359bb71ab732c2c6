"""The datasets a web session works on: the startup dataset and the store's versions.

The dashboard and the JSON API share one :class:`Workspace`. It names every dataset by a
key (``"default"`` for the dataset the server started with, ``"<slug>@<version>"`` for a
version held in the DuckDB store), loads and caches ledgers, validates edits and uploads
with the CLI's validation (:func:`ouroboros.model.ledger_from_data`) and writes accepted
ones to the store as new versions. Nothing is ever written anywhere else: an upload is
parsed in memory and its file name is used only in messages.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, TypeVar

from ouroboros._problems import Path_, lines_by_path
from ouroboros._yamldoc import parse_yaml
from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.model import Ledger, default_dataset_path, ledger_from_data, load_ledger
from ouroboros.store import Store

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_UPLOAD_LIMIT",
    "MAX_YAML_VALUES",
    "DatasetInfo",
    "UploadTooLargeError",
    "Workspace",
    "check_upload_size",
    "dataset_slug",
    "parse_dataset_text",
    "parse_record_text",
]

DEFAULT_KEY = "default"
DEFAULT_UPLOAD_LIMIT = 2_000_000
"""Largest dataset file accepted by an upload, in bytes (the bundled one is ~120 kB)."""

SECTIONS = ("entities", "instruments")
_T = TypeVar("_T")


def dataset_slug(name: str) -> str:
    """A URL-safe form of a dataset name.

    >>> dataset_slug("AI capex web, late 2025")
    'ai-capex-web-late-2025'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "dataset"


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """One dataset a session can open.

    Attributes
    ----------
    key : str
        ``"default"`` or ``"<slug>@<version>"``.
    name : str
        The dataset's name (its ``meta.name`` or the name it was stored under).
    version : int or None
        The store version (``None`` for the startup dataset).
    origin : str
        Where it came from: a file path, ``"bundled"``, or the store's origin note.
    n_entities, n_instruments : int
    imported_at : str or None
        ISO time of the store import.
    """

    key: str
    name: str
    version: int | None
    origin: str
    n_entities: int
    n_instruments: int
    imported_at: str | None = None

    @property
    def label(self) -> str:
        """A short label for menus."""
        if self.version is None:
            return f"{self.name} (startup dataset)"
        return f"{self.name} (store version {self.version})"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "id": self.key,
            "name": self.name,
            "version": self.version,
            "origin": self.origin,
            "entities": self.n_entities,
            "instruments": self.n_instruments,
            "imported_at": self.imported_at,
        }


# --------------------------------------------------------------------------- parsing


class UploadTooLargeError(InputError):
    """An upload is larger than the limit (the API answers 413)."""


def check_upload_size(size: int, limit: int, name: str) -> None:
    """Raise :class:`UploadTooLargeError` if ``size`` bytes exceed ``limit``."""
    if size > limit:
        raise UploadTooLargeError(
            f"{name}: the file is {size:,} bytes; uploads are limited to {limit:,} bytes",
            field="file",
        )


MAX_YAML_VALUES = 500_000
"""Most values an uploaded YAML document may hold once its aliases are expanded."""


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Path_, int]]:
    """The data and the line of every node, by the loaders' parser (safe, aliases capped)."""
    doc = parse_yaml(text, file, max_values=MAX_YAML_VALUES)
    return doc.data, lines_by_path(doc)


def parse_dataset_text(
    content: bytes | str,
    *,
    filename: str = "upload.yaml",
    limit: int = DEFAULT_UPLOAD_LIMIT,
) -> Ledger:
    """Parse and validate an uploaded dataset file held in memory.

    YAML is read with PyYAML's safe loader only (no tags that build Python objects), and a
    document whose aliases expand to more than :data:`MAX_YAML_VALUES` values is refused,
    so a small file cannot stand for a huge one. JSON is read with the standard library.
    The file name is used only in messages.

    Parameters
    ----------
    content : bytes or str
        The file's content (UTF-8).
    filename : str
        The uploaded file's name; ``.json`` is read as JSON, anything else as YAML.
    limit : int
        Largest accepted size in bytes.

    Returns
    -------
    Ledger

    Raises
    ------
    UploadTooLargeError
        If the file is larger than ``limit`` (``field="file"``).
    InputError
        If the file is not UTF-8 (``field="file"``).
    DatasetError
        With every problem found, as the CLI's ``dataset validate`` reports them.

    Examples
    --------
    >>> parse_dataset_text(b"meta: {name: x}\\nentities: []\\ninstruments: []\\n").meta.name
    'x'
    >>> parse_dataset_text(b"!!python/object:os.system {}", filename="evil.yaml")
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    evil.yaml:1: YAML syntax error: could not determine a constructor for the tag ...
    """
    name = PurePath(str(filename).replace("\\", "/")).name or "upload"
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    check_upload_size(len(raw), limit, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason})", field="file") from None
    if name.lower().endswith(".json"):
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                [Problem(name, exc.lineno, None, None, f"JSON syntax error: {exc.msg}")]
            ) from None
        lines: dict[Path_, int] = {}
    else:
        data, lines = _parse_yaml(text, name)
    return ledger_from_data(data, file=name, lines=lines)


def parse_record_text(text: str, *, file: str = "<edit>") -> dict[str, Any]:
    """Parse one record typed in the data editor (YAML or JSON, a mapping)."""
    data, _ = _parse_yaml(text, file)
    if not isinstance(data, Mapping):
        raise DatasetError(
            [Problem(file, 1, None, None, "a record must be a mapping of fields (field: value)")]
        )
    return {str(k): v for k, v in data.items()}


# ------------------------------------------------------------------------- workspace


class Workspace:
    """The datasets of one server: the startup dataset plus the store's versions.

    Parameters
    ----------
    dataset : path-like, optional
        The startup dataset (default: the bundled one).
    store : Store or path-like, optional
        The DuckDB store edits and uploads are saved to (default: the user's store).
    upload_limit : int
        Largest dataset upload in bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ws = Workspace(store=pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
    >>> [d.key for d in ws.datasets()]
    ['default']
    >>> len(ws.ledger("default").entities) > 40
    True
    """

    def __init__(
        self,
        dataset: str | os.PathLike[str] | None = None,
        *,
        store: Store | str | os.PathLike[str] | None = None,
        upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    ) -> None:
        self.dataset_path = Path(dataset) if dataset is not None else default_dataset_path()
        self.bundled = dataset is None
        self.store = store if isinstance(store, Store) else Store(store)
        self.upload_limit = int(upload_limit)
        self._lock = threading.RLock()
        self._default = load_ledger(self.dataset_path)
        self._ledgers: OrderedDict[str, Ledger] = OrderedDict()
        self._results: OrderedDict[Hashable, Any] = OrderedDict()

    # -- datasets -----------------------------------------------------------------

    def _stored(self) -> list[DatasetInfo]:
        df = self.store.list_datasets()
        out = []
        for rec in df.to_dict("records"):
            imported = rec.get("imported_at")
            out.append(
                DatasetInfo(
                    key=f"{dataset_slug(str(rec['name']))}@{int(rec['version'])}",
                    name=str(rec["name"]),
                    version=int(rec["version"]),
                    origin=str(rec.get("origin") or "store"),
                    n_entities=int(rec["n_entities"]),
                    n_instruments=int(rec["n_instruments"]),
                    imported_at=None if imported is None else str(imported),
                )
            )
        return out

    def datasets(self) -> list[DatasetInfo]:
        """The startup dataset first, then every stored version (newest last per name)."""
        lg = self._default
        first = DatasetInfo(
            key=DEFAULT_KEY,
            name=lg.meta.name,
            version=None,
            origin="bundled" if self.bundled else str(self.dataset_path),
            n_entities=len(lg.entities),
            n_instruments=len(lg.instruments),
        )
        return [first, *self._stored()]

    def info(self, key: str) -> DatasetInfo:
        """The :class:`DatasetInfo` of ``key`` (``InputError`` if there is none)."""
        for d in self.datasets():
            if d.key == key:
                return d
        known = ", ".join(d.key for d in self.datasets())
        raise InputError(f"no dataset {key!r}; datasets: {known}", field="dataset")

    def ledger(self, key: str = DEFAULT_KEY) -> Ledger:
        """The ledger named by ``key`` (cached; stored versions never change)."""
        if key == DEFAULT_KEY:
            return self._default

        def load() -> Ledger:
            info = self.info(key)
            assert info.version is not None
            return self.store.load_dataset(info.name, info.version)

        return self._lru(self._ledgers, key, 8, load)

    # -- caching of computed results ------------------------------------------------

    def cached(self, name: str, key: str, params: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()`` once per (``name``, dataset ``key``, ``params``); LRU of 64."""
        return self._lru(self._results, (name, key, params), 64, compute)

    def _lru(
        self, memo: OrderedDict[Any, Any], k: Hashable, size: int, compute: Callable[[], _T]
    ) -> _T:
        """``memo[k]``, computed (outside the lock) on a miss; the oldest of ``size`` go."""
        with self._lock:
            if k in memo:
                memo.move_to_end(k)
                return memo[k]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            memo[k] = value
            while len(memo) > size:
                memo.popitem(last=False)
        return value

    # -- writing: edits and uploads -------------------------------------------------

    def _save(self, ledger: Ledger, origin: str) -> str:
        v = self.store.import_dataset(ledger, origin=origin)
        return f"{dataset_slug(v.name)}@{v.version}"

    def save_record(
        self,
        key: str,
        section: str,
        record: Mapping[str, Any],
        *,
        replace: str | None = None,
    ) -> str:
        """Add or replace one entity or instrument; validate; store as a new version.

        Parameters
        ----------
        key : str
            The dataset edited.
        section : {"entities", "instruments"}
        record : mapping
            The record's fields, as in a dataset file (``from`` for the payer).
        replace : str, optional
            Id of the record replaced; ``None`` adds a new record.

        Returns
        -------
        str
            The key of the new stored version (the old one is unchanged).

        Raises
        ------
        DatasetError
            If the dataset would be invalid; nothing is saved.
        InputError
            Unknown section, or ``replace`` names no record.
        """
        if section not in SECTIONS:
            raise InputError(
                f"section must be one of {', '.join(SECTIONS)}, got {section!r}", field="section"
            )
        if not isinstance(record, Mapping):
            raise InputError("a record must be a mapping of fields", field="record")
        lg = self.ledger(key)
        data = lg.to_data()
        rows: list[Any] = data[section]
        rec = dict(record)
        file = f"<{section} edit>"
        if replace is None:
            rows.append(rec)
        else:
            ids = [r.get("id") for r in rows]
            if replace not in ids:
                raise InputError(f"no {section[:-1]} {replace!r} in {lg.meta.name!r}", field="id")
            rows[ids.index(replace)] = rec
            if "id" in rec and rec["id"] != replace:
                _check_no_dangling(data, section, replace, str(rec["id"]), file)
        new = ledger_from_data(data, file=file)
        return self._save(new, origin=f"dashboard edit of {section} ({lg.meta.name})")

    def import_upload(self, content: bytes | str, filename: str) -> str:
        """Validate an uploaded dataset file and store it; return the new version's key."""
        lg = parse_dataset_text(content, filename=filename, limit=self.upload_limit)
        safe = PurePath(str(filename).replace("\\", "/")).name
        return self._save(lg, origin=f"upload {safe}")


def _check_no_dangling(
    data: Mapping[str, Any], section: str, old: str, new: str, file: str
) -> None:
    """Renaming an entity would orphan the instruments that name it: say so clearly,
    together with any other problem of the edited record."""
    if section != "entities":
        return
    users = [
        str(i.get("id"))
        for i in data.get("instruments", [])
        if isinstance(i, Mapping) and old in (i.get("from"), i.get("to"))
    ]
    if not users:
        return
    shown = ", ".join(users[:5]) + (" ..." if len(users) > 5 else "")
    rename = Problem(
        file,
        None,
        new,
        "id",
        f"cannot rename {old!r} to {new!r}: instruments {shown} refer to {old!r}",
    )
    # the record's other problems, found with its old id so the references still hold
    probe = {
        **data,
        "entities": [
            {**r, "id": old} if isinstance(r, Mapping) and r.get("id") == new else r
            for r in data["entities"]
        ],
    }
    others: list[Problem] = []
    try:
        ledger_from_data(probe, file=file)
    except DatasetError as exc:
        others = [p for p in exc.problems if p.record in (old, new)]
    raise DatasetError([rename, *others])
