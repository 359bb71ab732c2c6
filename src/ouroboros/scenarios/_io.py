"""Load scenario files with located errors; the built-in scenarios; checks against a ledger.

Every problem in a file is reported at once as one :class:`~ouroboros.errors.DatasetError`
whose problems name the file, the line, the scenario and the dotted field, and say what
was expected.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ouroboros._problems import ProblemCollector, lines_by_path, show_value
from ouroboros._yamldoc import YamlDoc, parse_yaml
from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.model import Ledger
from ouroboros.scenarios._spec import ScenarioSpec

__all__ = [
    "builtin_scenario",
    "builtin_scenario_names",
    "builtin_scenario_path",
    "check_against_ledger",
    "load_scenario",
    "resolve_scenario",
    "scenario_from_data",
]

_FOLDER = "scenarios"


def scenario_from_data(
    data: Any, *, file: str = "<input>", doc: YamlDoc | None = None
) -> ScenarioSpec:
    """Validate a scenario's data (the layout of a scenario file) into a :class:`ScenarioSpec`.

    Raises
    ------
    DatasetError
        With every problem, each naming the file, line, scenario and field.

    Examples
    --------
    >>> scenario_from_data({"name": "x", "power": {"available_gw": {2026: -5}}})
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    <input>: x: power.available_gw: curve value for 2026 must be >= 0, got -5
    """
    doc = doc or YamlDoc(data, {}, file)
    col = ProblemCollector(doc.file, lines_by_path(doc))
    if not isinstance(data, Mapping):
        col.add((), f"a scenario file is a mapping of fields, got {show_value(data)}")
        col.raise_if_any()
    record = str(data["name"]) if isinstance(data.get("name"), str | int) else None
    spec = col.validate(ScenarioSpec, data, record=record)
    col.raise_if_any()
    assert spec is not None
    spec._doc = doc
    return spec


def load_scenario(path: str | os.PathLike[str]) -> ScenarioSpec:
    """Load a scenario file (YAML or JSON, which YAML reads too).

    Raises
    ------
    InputError
        If the file cannot be read.
    DatasetError
        If it is not a valid scenario (every problem, located).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read scenario file {p}: {exc.strerror}", field="scenario"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"cannot read scenario file {p}: not UTF-8 text ({exc.reason})", field="scenario"
        ) from None
    doc = parse_yaml(text, str(p))
    return scenario_from_data(doc.data, file=str(p), doc=doc)


def builtin_scenario_names() -> list[str]:
    """Names of the built-in scenarios (``baseline``, ``slow-productivity``, ...).

    >>> "productivity-refuted" in builtin_scenario_names()
    True
    """
    folder = resources.files("ouroboros.data").joinpath(_FOLDER)
    names = [p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml")]
    order = [
        "baseline",
        "slow-productivity",
        "productivity-refuted",
        "power-crunch",
        "rates-up",
        "government-guarantee",
    ]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def builtin_scenario_path(name: str) -> Path:
    """Path of a built-in scenario file."""
    names = builtin_scenario_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"no built-in scenario {name!r}{hint}; built-ins: " + ", ".join(names),
            field="scenario",
        )
    return Path(str(resources.files("ouroboros.data").joinpath(_FOLDER, name + ".yaml")))


def builtin_scenario(name: str) -> ScenarioSpec:
    """A built-in scenario by name.

    >>> builtin_scenario("slow-productivity").adoption.years_to_scale
    15.0
    """
    return load_scenario(builtin_scenario_path(name))


def resolve_scenario(name_or_path: str | os.PathLike[str] | ScenarioSpec) -> ScenarioSpec:
    """A :class:`ScenarioSpec`, a built-in name, or a path to a scenario file."""
    if isinstance(name_or_path, ScenarioSpec):
        return name_or_path
    text = str(name_or_path)
    if text in builtin_scenario_names():
        return builtin_scenario(text)
    p = Path(text)
    if p.suffix.lower() in (".yaml", ".yml", ".json") or p.exists():
        if not p.exists():
            raise InputError(f"scenario file {p} does not exist", field="scenario")
        return load_scenario(p)
    return builtin_scenario(text)  # raises with the list of built-ins


def check_against_ledger(
    spec: ScenarioSpec, ledger: Ledger, deal_entities: Sequence[str] = ()
) -> None:
    """Check that every entity a scenario names exists in ``ledger``.

    Raises
    ------
    DatasetError
        One problem per unknown id, located in the scenario file when it was loaded from
        one.
    """
    doc = spec._doc if isinstance(spec._doc, YamlDoc) else YamlDoc(None, {}, "<scenario>")
    known = set(ledger.entity_ids)
    problems: list[Problem] = []

    def bad(path: tuple[str | int, ...], eid: str) -> None:
        close = difflib.get_close_matches(eid, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            Problem(
                doc.file,
                doc.line(path),
                spec.name,
                ".".join(str(x) for x in path),
                f"unknown entity {eid!r}{hint}; it is not in dataset {ledger.meta.name!r}",
            )
        )

    for i, eid in enumerate(spec.strategic_default.tenants or []):
        if eid not in known:
            bad(("strategic_default", "tenants", i), eid)
    for i, eid in enumerate(spec.guarantee.entities):
        if eid not in known:
            bad(("guarantee", "entities", i), eid)
    for eid in spec.entities:
        if eid not in known:
            bad(("entities", eid), eid)
    for i, eid in enumerate(deal_entities):
        if eid and eid not in known:
            problems.append(
                Problem(
                    doc.file,
                    doc.line(("deals", i)),
                    spec.name,
                    f"deals.{i}",
                    f"the deal's entity {eid!r} is not in dataset {ledger.meta.name!r}",
                )
            )
    if problems:
        raise DatasetError(problems)


def as_data(spec: ScenarioSpec) -> dict[str, Any]:
    """The scenario as plain data (the file's layout), for storing with a run."""
    out: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    return out
