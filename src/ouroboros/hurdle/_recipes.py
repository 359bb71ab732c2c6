"""Published revenue-hurdle estimates as data: YAML recipes of named steps.

A recipe is a list of named steps whose formulas (see :mod:`ouroboros.hurdle._expr`) read
the recipe's inputs and earlier steps, plus the claims the source makes, checked against the
figures the steps imply. The built-in recipes live in ``ouroboros/data/recipes/*.yaml``;
users load their own with :func:`load_recipes`. The format is documented in
``docs/hurdle.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import yaml
from numpy.typing import ArrayLike, NDArray

from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.hurdle._expr import FUNCTIONS, Expression, ExpressionError, parse_expression
from ouroboros.hurdle._result import (
    HEADLINE_KEYS,
    RELATIONS,
    Check,
    Relation,
    Step,
    checks_frame,
    steps_frame,
)

__all__ = [
    "Recipe",
    "RecipeCheck",
    "RecipeInput",
    "RecipeResult",
    "RecipeSource",
    "RecipeStep",
    "builtin_recipes",
    "get_recipe",
    "load_recipes",
    "parse_recipes",
    "run_recipe",
]

FloatArray = NDArray[np.float64]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RECIPE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

_TOP_KEYS = ("name", "title", "description", "source", "inputs", "steps", "outputs", "checks")
_SOURCE_KEYS = ("title", "author", "publisher", "date", "url", "secondary", "note")
_INPUT_KEYS = ("value", "unit", "label", "note")
_STEP_KEYS = ("name", "label", "formula", "unit", "note")
_CHECK_KEYS = ("label", "claim", "relation", "claimed", "implied", "tolerance", "note")


# ---------------------------------------------------------------------------- data classes


@dataclass(frozen=True, slots=True)
class RecipeSource:
    """Where a published figure comes from."""

    title: str
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    secondary: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view."""
        return {
            "title": self.title,
            "author": self.author,
            "publisher": self.publisher,
            "date": self.date,
            "url": self.url,
            "secondary": list(self.secondary),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class RecipeInput:
    """A number a recipe starts from (a user may override it)."""

    name: str
    value: float
    unit: str = ""
    label: str = ""
    note: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RecipeStep:
    """One named step: ``name = formula``."""

    name: str
    label: str
    formula: Expression
    unit: str = ""
    note: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RecipeCheck:
    """A claim of the source, compared with the figure the recipe implies."""

    label: str
    relation: Relation
    claimed: float
    implied: Expression
    claimed_high: float | None = None
    tolerance: float = 0.01
    claim: str = ""
    note: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Recipe:
    """A published revenue-hurdle estimate, reproducible step by step.

    Build recipes with :func:`load_recipes`, :func:`parse_recipes` or
    :func:`builtin_recipes`; run one with :func:`run_recipe`.
    """

    name: str
    title: str
    source: RecipeSource
    inputs: tuple[RecipeInput, ...]
    steps: tuple[RecipeStep, ...]
    outputs: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[RecipeCheck, ...] = ()
    description: str = ""
    file: str = "<input>"

    kind = "recipe"

    def parameters(self) -> dict[str, float]:
        """Base values of the inputs."""
        return {i.name: i.value for i in self.inputs}

    def output_names(self) -> tuple[str, ...]:
        """Every name a result carries: inputs, steps, then output aliases."""
        names = [i.name for i in self.inputs] + [s.name for s in self.steps]
        return tuple(names + [k for k in self.outputs if k not in names])

    def _where(self, what: str) -> str:
        return f"{self.file}: recipe {self.name}: {what}"

    def evaluate(self, values: Mapping[str, ArrayLike] | None = None) -> dict[str, FloatArray]:
        """Every input, step and output alias, vectorised over the given input arrays.

        Parameters
        ----------
        values : mapping, optional
            Input name -> value or array (equal lengths); the rest keep their values.

        Returns
        -------
        dict of str to ndarray
            Arrays of shape ``(S,)``.
        """
        values = dict(values or {})
        base = self.parameters()
        unknown = sorted(set(values) - set(base))
        if unknown:
            raise InputError(
                self._where(f"unknown input {unknown[0]!r}; inputs: {', '.join(base)}"),
                field=unknown[0],
            )
        arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
        for k, arr in arrays.items():
            if not np.all(np.isfinite(arr)):
                raise InputError(self._where(f"input {k!r} must be a finite number"), field=k)
        size = max((a.size for a in arrays.values()), default=1)
        env: dict[str, FloatArray] = {}
        try:
            for k, v in base.items():
                env[k] = np.broadcast_to(arrays.get(k, np.asarray([v])), (size,)).astype(float)
        except ValueError:
            raise InputError(
                self._where("varied inputs must all have the same length"), field="input"
            ) from None
        for step in self.steps:
            try:
                value = step.formula.evaluate(cast(Mapping[str, Any], env))
            except ExpressionError as exc:
                raise InputError(
                    self._where(f"step {step.name!r} ({step.formula.text}): {exc}"),
                    field=step.name,
                ) from None
            env[step.name] = np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy()
        for key, target in self.outputs.items():
            env.setdefault(key, env[target])
        return env


@dataclass(frozen=True)
class RecipeResult:
    """A recipe run: the derivation, the claims checked, the headline outputs, the source.

    Attributes
    ----------
    recipe : Recipe
        The recipe that ran.
    inputs : dict
        Input values used (after overrides).
    outputs : dict
        Every output alias of the recipe and its value.
    steps : pandas.DataFrame
        Inputs then steps, one row each (name, label, formula, value, unit, note).
    checks : pandas.DataFrame
        The source's claims beside the implied figures, with a ``consistent`` flag.
    """

    recipe: Recipe
    inputs: dict[str, float]
    outputs: dict[str, float]
    steps: pd.DataFrame = field(repr=False)
    checks: pd.DataFrame = field(repr=False)

    @property
    def source(self) -> RecipeSource:
        """Where the figures come from."""
        return self.recipe.source

    def value(self, name: str) -> float:
        """The value of an input, step or output alias."""
        if name in self.outputs:
            return self.outputs[name]
        match = self.steps.loc[self.steps["name"] == name, "value"]
        if match.empty:
            raise InputError(
                self.recipe._where(f"no input, step or output named {name!r}"), field=name
            )
        return float(match.iloc[0])

    def _headline(self, key: str) -> float | None:
        return self.outputs.get(key)

    @property
    def ebitda_required(self) -> float | None:
        """EBITDA required, if the recipe derives it."""
        return self._headline("ebitda_required")

    @property
    def revenue_required(self) -> float | None:
        """Revenue required, if the recipe derives it."""
        return self._headline("revenue_required")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view; same keys as the calculator's plus ``source``."""
        out: dict[str, Any] = {
            "kind": "recipe",
            "recipe": self.recipe.name,
            "title": self.recipe.title,
            "description": self.recipe.description,
            "inputs": dict(self.inputs),
        }
        for key in HEADLINE_KEYS:
            out[key] = self.outputs.get(key)
        out["outputs"] = dict(self.outputs)
        out["steps"] = self.steps.to_dict(orient="records")
        out["checks"] = self.checks.to_dict(orient="records")
        out["notes"] = []
        out["source"] = self.recipe.source.to_dict()
        return out


# ---------------------------------------------------------------------------- YAML with lines


class _LineDict(dict[str, Any]):
    line: int | None = None


class _Loader(yaml.SafeLoader):
    """Safe loader that remembers each mapping's line and rejects duplicate keys."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    out = _LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
        out[str(key)] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(obj: Any, default: int | None = None) -> int | None:
    return getattr(obj, "line", default) if isinstance(obj, _LineDict) else default


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, line: int | None, record: str | None, where: str | None, message: str) -> None:
        self.items.append(Problem(self.file, line, record, where, message))


_NUMBER_TEXT = re.compile(r"^[-+]?(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")


def _number(x: Any) -> float | None:
    """A finite number from YAML, accepting ``3e12`` (which YAML 1.1 reads as a string)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, str) and _NUMBER_TEXT.match(x.strip()):
        return float(x.strip())
    return None


def _is_number(x: Any) -> bool:
    return _number(x) is not None


def _text(x: Any) -> str:
    if isinstance(x, dt.date):
        return x.isoformat()
    return "" if x is None else str(x)


def _unknown_keys(
    raw: Mapping[str, Any], allowed: Iterable[str], probs: _Problems, rec: str, where: str
) -> None:
    allowed = tuple(allowed)
    for key in raw:
        if key not in allowed:
            probs.add(
                _line(raw), rec, where, f"unknown key {key!r} (allowed: {', '.join(allowed)})"
            )


def _parse_source(raw: Any, probs: _Problems, rec: str, line: int | None) -> RecipeSource:
    if not isinstance(raw, Mapping):
        probs.add(line, rec, "source", "source must be a mapping with at least a title")
        return RecipeSource(title="?")
    _unknown_keys(raw, _SOURCE_KEYS, probs, rec, "source")
    title = _text(raw.get("title")).strip()
    if not title:
        probs.add(_line(raw, line), rec, "source.title", "the source needs a title")
    secondary = raw.get("secondary") or []
    if not isinstance(secondary, list):
        probs.add(_line(raw, line), rec, "source.secondary", "must be a list of URLs or titles")
        secondary = []

    def opt(key: str) -> str | None:
        v = raw.get(key)
        return None if v is None else _text(v)

    return RecipeSource(
        title=title or "?",
        author=opt("author"),
        publisher=opt("publisher"),
        date=opt("date"),
        url=opt("url"),
        secondary=tuple(_text(s) for s in secondary),
        note=opt("note"),
    )


def _parse_inputs(raw: Any, probs: _Problems, rec: str, line: int | None) -> list[RecipeInput]:
    if not isinstance(raw, Mapping) or not raw:
        probs.add(line, rec, "inputs", "inputs must be a non-empty mapping of name: value")
        return []
    out: list[RecipeInput] = []
    for name, spec in raw.items():
        where = f"inputs.{name}"
        iline = _line(spec, _line(raw, line))
        if not _IDENT.match(name) or name in FUNCTIONS:
            probs.add(iline, rec, where, f"{name!r} is not a usable name (letters, digits, _)")
            continue
        if _is_number(spec):
            out.append(RecipeInput(name, cast(float, _number(spec)), line=iline))
            continue
        if not isinstance(spec, Mapping):
            probs.add(
                iline, rec, where, f"must be a number or a mapping with a value, got {spec!r}"
            )
            continue
        _unknown_keys(spec, _INPUT_KEYS, probs, rec, where)
        if "value" not in spec:
            probs.add(iline, rec, where, "missing input value")
            continue
        if not _is_number(spec["value"]):
            probs.add(
                iline, rec, f"{where}.value", f"must be a finite number, got {spec['value']!r}"
            )
            continue
        out.append(
            RecipeInput(
                name,
                cast(float, _number(spec["value"])),
                unit=_text(spec.get("unit")),
                label=_text(spec.get("label")),
                note=_text(spec.get("note")),
                line=iline,
            )
        )
    return out


def _parse_formula(
    text: Any, known: set[str], probs: _Problems, rec: str, where: str, line: int | None
) -> Expression | None:
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = repr(float(text))
    if not isinstance(text, str) or not text.strip():
        probs.add(line, rec, where, "missing formula")
        return None
    try:
        expr = parse_expression(text)
    except ExpressionError as exc:
        probs.add(line, rec, where, f"syntax error in {text!r}: {exc}")
        return None
    missing = sorted(expr.names - known)
    if missing:
        avail = ", ".join(sorted(known)) or "none"
        probs.add(
            line,
            rec,
            where,
            f"unknown name {missing[0]!r} in {text!r} (inputs and earlier steps: {avail})",
        )
        return None
    return expr


def _parse_steps(
    raw: Any, known: set[str], probs: _Problems, rec: str, line: int | None
) -> list[RecipeStep]:
    if not isinstance(raw, list) or not raw:
        probs.add(line, rec, "steps", "steps must be a non-empty list")
        return []
    out: list[RecipeStep] = []
    for i, spec in enumerate(raw):
        sline = _line(spec, line)
        if not isinstance(spec, Mapping):
            probs.add(
                sline, rec, f"steps[{i}]", "each step must be a mapping with name and formula"
            )
            continue
        name = _text(spec.get("name"))
        where = f"steps[{i}] ({name or '?'})"
        _unknown_keys(spec, _STEP_KEYS, probs, rec, where)
        if not _IDENT.match(name) or name in FUNCTIONS:
            probs.add(sline, rec, where, f"step name {name!r} is missing or not a usable name")
            continue
        if name in known:
            probs.add(sline, rec, where, f"name {name!r} is already an input or earlier step")
            continue
        expr = _parse_formula(spec.get("formula"), known, probs, rec, f"{where}.formula", sline)
        known.add(name)  # later steps may use it even if this formula is broken
        if expr is None:
            continue
        out.append(
            RecipeStep(
                name,
                _text(spec.get("label")) or name,
                expr,
                unit=_text(spec.get("unit")),
                note=_text(spec.get("note")),
                line=sline,
            )
        )
    return out


def _parse_checks(
    raw: Any, known: set[str], probs: _Problems, rec: str, line: int | None
) -> list[RecipeCheck]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        probs.add(line, rec, "checks", "checks must be a list")
        return []
    out: list[RecipeCheck] = []
    for i, spec in enumerate(raw):
        cline = _line(spec, line)
        where = f"checks[{i}]"
        if not isinstance(spec, Mapping):
            probs.add(cline, rec, where, "each check must be a mapping")
            continue
        _unknown_keys(spec, _CHECK_KEYS, probs, rec, where)
        relation = _text(spec.get("relation") or "approx")
        if relation not in RELATIONS:
            probs.add(cline, rec, f"{where}.relation", f"must be one of {', '.join(RELATIONS)}")
            continue
        raw_claimed = spec.get("claimed")
        claimed: float | None
        high: float | None = None
        if relation == "between":
            pair = raw_claimed if isinstance(raw_claimed, list) else []
            bounds = [_number(c) for c in pair]
            low_b, high_b = (bounds[0], bounds[1]) if len(bounds) == 2 else (None, None)
            if low_b is None or high_b is None:
                probs.add(cline, rec, f"{where}.claimed", "'between' needs claimed: [low, high]")
                continue
            claimed, high = low_b, high_b
        else:
            claimed = _number(raw_claimed)
            if claimed is None:
                probs.add(cline, rec, f"{where}.claimed", f"must be a number, got {raw_claimed!r}")
                continue
        tol = _number(spec.get("tolerance", 0.01))
        if tol is None or tol < 0:
            probs.add(cline, rec, f"{where}.tolerance", "must be a number >= 0")
            continue
        expr = _parse_formula(spec.get("implied"), known, probs, rec, f"{where}.implied", cline)
        if expr is None:
            continue
        out.append(
            RecipeCheck(
                label=_text(spec.get("label")) or f"check {i}",
                relation=cast(Relation, relation),
                claimed=claimed,
                claimed_high=high,
                implied=expr,
                tolerance=float(tol),
                claim=_text(spec.get("claim")),
                note=_text(spec.get("note")),
                line=cline,
            )
        )
    return out


def _parse_one(raw: Any, file: str, index: int, probs: _Problems) -> Recipe | None:
    if not isinstance(raw, Mapping):
        probs.add(None, None, f"recipe[{index}]", "a recipe must be a mapping")
        return None
    line = _line(raw)
    name = _text(raw.get("name"))
    rec = name or f"recipe[{index}]"
    before = len(probs.items)
    if not _RECIPE_NAME.match(name):
        probs.add(line, rec, "name", "needs a name of lower-case letters, digits, '-' or '_'")
    _unknown_keys(raw, _TOP_KEYS, probs, rec, "recipe")
    title = _text(raw.get("title")).strip()
    if not title:
        probs.add(line, rec, "title", "missing title")
    source = _parse_source(raw.get("source"), probs, rec, line)
    inputs = _parse_inputs(raw.get("inputs"), probs, rec, line)
    known = {i.name for i in inputs}
    if isinstance(raw.get("inputs"), Mapping):
        known |= {k for k in raw["inputs"] if _IDENT.match(k)}
    steps = _parse_steps(raw.get("steps"), known, probs, rec, line)
    outputs_raw = raw.get("outputs") or {}
    outputs: dict[str, str] = {}
    if not isinstance(outputs_raw, Mapping):
        probs.add(line, rec, "outputs", "outputs must be a mapping of key: step or input name")
    else:
        for key, target in outputs_raw.items():
            if not _IDENT.match(key):
                probs.add(_line(outputs_raw, line), rec, f"outputs.{key}", "not a usable key")
            elif not isinstance(target, str) or target not in known:
                probs.add(
                    _line(outputs_raw, line),
                    rec,
                    f"outputs.{key}",
                    f"{target!r} is not an input or step of the recipe",
                )
            else:
                outputs[key] = target
    checks = _parse_checks(raw.get("checks"), known, probs, rec, line)
    if len(probs.items) > before:
        return None
    return Recipe(
        name=name,
        title=title,
        source=source,
        inputs=tuple(inputs),
        steps=tuple(steps),
        outputs=outputs,
        checks=tuple(checks),
        description=_text(raw.get("description")).strip(),
        file=file,
    )


def parse_recipes(text: str, *, file: str = "<input>") -> dict[str, Recipe]:
    """Parse YAML text holding one recipe, a list of recipes or ``recipes: [...]``.

    Parameters
    ----------
    text : str
        The YAML document.
    file : str
        Name used in error messages.

    Returns
    -------
    dict of str to Recipe
        By recipe name, in file order.

    Raises
    ------
    DatasetError
        Listing every problem (file, line, recipe, step or field, what is wrong).

    Examples
    --------
    >>> doc = '''
    ... name: tiny
    ... title: A tiny recipe
    ... source: {title: "Back of the envelope"}
    ... inputs: {capex: 100, y: 0.1}
    ... steps:
    ...   - {name: ebitda, formula: capex * y}
    ...   - {name: revenue, formula: ebitda / 0.5}
    ... outputs: {revenue_required: revenue}
    ... '''
    >>> run_recipe(parse_recipes(doc)["tiny"]).outputs["revenue_required"]
    20.0
    >>> parse_recipes(doc.replace("ebitda / 0.5", "ebitd / 0.5"))
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    <input>:8: tiny: steps[1] (revenue).formula: unknown name 'ebitd' in 'ebitd / 0.5' ...
    """
    probs = _Problems(file)
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = None if mark is None else mark.line + 1
        probs.add(line, None, None, f"not valid YAML: {exc.problem}")
        raise DatasetError(probs.items) from None
    except yaml.YAMLError as exc:
        probs.add(None, None, None, f"not valid YAML: {exc}")
        raise DatasetError(probs.items) from None
    if isinstance(data, Mapping) and "recipes" in data and "name" not in data:
        items = data["recipes"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    if not isinstance(items, list) or not items:
        probs.add(None, None, None, "expected a recipe, a list of recipes or recipes: [...]")
        raise DatasetError(probs.items)
    out: dict[str, Recipe] = {}
    for i, raw in enumerate(items):
        recipe = _parse_one(raw, file, i, probs)
        if recipe is None:
            continue
        if recipe.name in out:
            probs.add(_line(raw), recipe.name, "name", "duplicate recipe name in this file")
            continue
        out[recipe.name] = recipe
    if probs.items:
        raise DatasetError(probs.items)
    return out


def load_recipes(path: str | Path) -> dict[str, Recipe]:
    """Load recipes from a YAML file or from every ``*.yaml``/``*.yml`` in a directory.

    Parameters
    ----------
    path : str or Path
        File or directory.

    Returns
    -------
    dict of str to Recipe

    Raises
    ------
    InputError
        If the path does not exist or a directory holds no recipe file.
    DatasetError
        With every problem of every file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(
            f"recipes file or directory {str(p)!r} does not exist", field="recipes_file"
        )
    files = sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if p.is_dir() else [p]
    if not files:
        raise InputError(f"no *.yaml recipe files in {str(p)!r}", field="recipes_file")
    out: dict[str, Recipe] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            recipes = parse_recipes(f.read_text(encoding="utf-8"), file=str(f))
        except DatasetError as exc:
            problems.extend(exc.problems)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(f), None, None, None, f"cannot read: {exc}"))
            continue
        for name, r in recipes.items():
            if name in out:
                problems.append(
                    Problem(str(f), None, name, "name", f"also defined in {out[name].file}")
                )
            out[name] = r
    if problems:
        raise DatasetError(problems)
    return out


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Recipe]:
    folder = resources.files("ouroboros").joinpath("data", "recipes")
    out: dict[str, Recipe] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out.update(
                parse_recipes(entry.read_text(encoding="utf-8"), file=f"<builtin>/{entry.name}")
            )
    return out


def builtin_recipes() -> dict[str, Recipe]:
    """The recipes shipped with Ouroboros, by name.

    Examples
    --------
    >>> sorted(builtin_recipes())[:3]
    ['bain-2025', 'jpmorgan-2025', 'kupperman-2025']
    """
    return dict(_builtin())


def get_recipe(name: str, recipes: Mapping[str, Recipe] | None = None) -> Recipe:
    """Look a recipe up by name among ``recipes`` (built-ins if omitted).

    Raises
    ------
    InputError
        Naming the known recipes if ``name`` is not one of them.
    """
    pool = builtin_recipes() if recipes is None else recipes
    try:
        return pool[name]
    except KeyError:
        raise InputError(
            f"unknown recipe {name!r}; known recipes: {', '.join(sorted(pool))}", field="recipe"
        ) from None


def run_recipe(recipe: Recipe, overrides: Mapping[str, float] | None = None) -> RecipeResult:
    """Run a recipe: every step's value, the claims checked, the headline outputs.

    Parameters
    ----------
    recipe : Recipe
        The recipe.
    overrides : mapping, optional
        New values for some inputs (e.g. ``{"ebitda_yield": 0.13}``).

    Returns
    -------
    RecipeResult

    Examples
    --------
    >>> res = run_recipe(get_recipe("seed-2025"))
    >>> round(res.outputs["revenue_required"] / 1e9, 1)
    553.8
    >>> bool(res.checks.loc[0, "consistent"])  # "equity above 20% at debt:equity 3:7"
    False
    """
    values = dict(overrides or {})
    env = recipe.evaluate(values)
    scalar = {k: float(v[0]) for k, v in env.items()}
    steps: list[Step] = [
        Step(i.name, i.label or i.name, "input", scalar[i.name], i.unit, i.note)
        for i in recipe.inputs
    ]
    steps += [
        Step(s.name, s.label, s.formula.text, scalar[s.name], s.unit, s.note) for s in recipe.steps
    ]
    units = {s.name: s.unit for s in steps}
    checks: list[Check] = []
    for c in recipe.checks:
        try:
            implied = float(np.asarray(c.implied.evaluate(scalar), dtype=float))
        except ExpressionError as exc:
            raise InputError(
                recipe._where(f"check {c.label!r} ({c.implied.text}): {exc}"), field="checks"
            ) from None
        checks.append(
            Check(
                c.label,
                claimed=c.claimed,
                implied=implied,
                relation=c.relation,
                tolerance=c.tolerance,
                claim=c.claim,
                claimed_high=c.claimed_high,
                note=c.note,
                unit=units.get(c.implied.text.strip(), ""),
            )
        )
    return RecipeResult(
        recipe=recipe,
        inputs={i.name: scalar[i.name] for i in recipe.inputs},
        outputs={k: scalar[k] for k in recipe.outputs},
        steps=steps_frame(steps),
        checks=checks_frame(checks),
    )
