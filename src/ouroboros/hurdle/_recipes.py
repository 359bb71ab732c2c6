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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ouroboros._problems import Path_, ProblemCollector, lines_by_path, show_value
from ouroboros._yamldoc import parse_yaml, read_source
from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.hurdle._expr import FUNCTIONS, Expression, ExpressionError, parse_expression
from ouroboros.hurdle._result import (
    HEADLINE_KEYS,
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
_M = TypeVar("_M", bound=BaseModel)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RECIPE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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


# ---------------------------------------------------------------------------- validation

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


def _as_number(x: Any) -> Any:
    n = _number(x)
    if n is None:
        raise ValueError(f"must be a finite number, got {show_value(x)}")
    return x if isinstance(x, int | float) else n  # a bound's error shows what was written


def _as_text(x: Any) -> Any:
    """A YAML scalar as text: a date as its ISO form, a number as written, null as ''."""
    if x is None:
        return ""
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, int | float) and not isinstance(x, bool):
        return str(x)
    return x  # text passes; a list, a mapping or a boolean fails as "a valid string"


def _as_formula(x: Any) -> Any:
    return repr(float(x)) if isinstance(x, int | float) and not isinstance(x, bool) else x


def _non_empty(x: str) -> str:
    if not x.strip():
        raise ValueError("must not be empty")
    return x.strip()


_Number = Annotated[float, BeforeValidator(_as_number)]
_Text = Annotated[str, BeforeValidator(_as_text)]
_Title = Annotated[str, BeforeValidator(_as_text), AfterValidator(_non_empty)]
_Formula = Annotated[str, BeforeValidator(_as_formula), AfterValidator(_non_empty)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RecipeIn(_Strict):
    name: _Text
    title: _Title
    description: _Text = ""
    # checked part by part below, so that every problem of a recipe is found at once
    source: Any
    inputs: Any
    steps: Any
    outputs: Any = None
    checks: Any = None


class _SourceIn(_Strict):
    title: _Title
    author: _Text | None = None
    publisher: _Text | None = None
    date: _Text | None = None
    url: _Text | None = None
    secondary: list[_Text] | None = None
    note: _Text | None = None


class _InputIn(_Strict):
    value: _Number
    unit: _Text = ""
    label: _Text = ""
    note: _Text = ""


class _StepIn(_Strict):
    name: _Text
    label: _Text = ""
    formula: _Formula
    unit: _Text = ""
    note: _Text = ""


class _CheckIn(_Strict):
    label: _Text = ""
    claim: _Text = ""
    relation: Relation = "approx"
    claimed: Any  # a number, or [low, high] for 'between': checked with the relation
    implied: _Formula
    tolerance: _Number = Field(default=0.01, ge=0)
    note: _Text = ""


def _bad_name(name: Any) -> str | None:
    """Why ``name`` cannot name an input or a step, or None if it can."""
    if isinstance(name, str) and _IDENT.match(name) and name not in FUNCTIONS:
        return None
    return f"{name!r} is not a usable name (letters, digits and _, not a function's name)"


def _raw_text(spec: Any, key: str) -> str | None:
    """The text at ``key`` of a mapping that did not validate, if it is usable text."""
    text = spec.get(key) if isinstance(spec, Mapping) else None
    return text if isinstance(text, str) and text.strip() else None


class _RecipeParser:
    """Validates one recipe at path ``at`` of a document, recording every problem."""

    def __init__(self, col: ProblemCollector, at: Path_, record: str) -> None:
        self.col = col
        self.at = at
        self.record = record

    def add(self, path: Path_, message: str) -> None:
        """A problem at ``path`` within the recipe."""
        self.col.add((*self.at, *path), message, record=self.record, field=".".join(path))

    def validate(self, model: type[_M], raw: Any, path: Path_) -> _M | None:
        """``raw``, the part of the recipe at ``path``, validated by ``model``."""
        return self.col.validate(
            model, raw, at=(*self.at, *path), record=self.record, field=".".join(path) or None
        )

    def line(self, path: Path_) -> int | None:
        return self.col.line((*self.at, *path))

    def formula(self, text: str, known: set[str], path: Path_) -> Expression | None:
        try:
            expr = parse_expression(text)
        except ExpressionError as exc:
            self.add(path, f"syntax error in {text!r}: {exc}")
            return None
        missing = sorted(expr.names - known)
        if missing:
            avail = ", ".join(sorted(known)) or "none"
            self.add(
                path,
                f"unknown name {missing[0]!r} in {text!r} (inputs and earlier steps: {avail})",
            )
            return None
        return expr

    def source(self, raw: Any) -> RecipeSource:
        m = self.validate(_SourceIn, raw, ("source",))
        if m is None:
            return RecipeSource(title="?")
        return RecipeSource(
            m.title, m.author, m.publisher, m.date, m.url, tuple(m.secondary or ()), m.note
        )

    def inputs(self, raw: Any) -> list[RecipeInput]:
        if not isinstance(raw, Mapping) or not raw:
            self.add(("inputs",), "must be a non-empty mapping of name: value")
            return []
        out: list[RecipeInput] = []
        for name, spec in raw.items():
            path = ("inputs", str(name))
            if (why := _bad_name(name)) is not None:
                self.add(path, why)
            elif _number(spec) is not None:
                out.append(RecipeInput(name, cast(float, _number(spec)), line=self.line(path)))
            elif not isinstance(spec, Mapping):
                self.add(
                    path, f"must be a number or a mapping with a value, got {show_value(spec)}"
                )
            elif (m := self.validate(_InputIn, spec, path)) is not None:
                out.append(RecipeInput(name, m.value, m.unit, m.label, m.note, self.line(path)))
        return out

    def steps(self, raw: Any, known: set[str]) -> list[RecipeStep]:
        if not isinstance(raw, list) or not raw:
            self.add(("steps",), "must be a non-empty list of steps")
            return []
        out: list[RecipeStep] = []
        for i, spec in enumerate(raw):
            path = ("steps", str(i))
            m = self.validate(_StepIn, spec, path)
            name = spec.get("name") if isinstance(spec, Mapping) else None
            if (why := _bad_name(name)) is not None:
                if m is not None or isinstance(name, str):  # else pydantic has said why
                    self.add((*path, "name"), why)
                continue
            if name in known:
                self.add((*path, "name"), f"{name!r} is already an input or an earlier step")
                continue
            text = m.formula if m is not None else _raw_text(spec, "formula")
            expr = None if text is None else self.formula(text, known, (*path, "formula"))
            known.add(str(name))  # later steps may use it even if this step is broken
            if m is not None and expr is not None:
                label = m.label or m.name
                out.append(RecipeStep(m.name, label, expr, m.unit, m.note, self.line(path)))
        return out

    def outputs(self, raw: Any, known: set[str]) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.add(("outputs",), "must be a mapping of key: step or input name")
            return {}
        out: dict[str, str] = {}
        for key, target in raw.items():
            path = ("outputs", str(key))
            if not isinstance(key, str) or not _IDENT.match(key):
                self.add(path, f"{key!r} is not a usable key (letters, digits and _)")
            elif not isinstance(target, str) or target not in known:
                self.add(path, f"{target!r} is not an input or step of the recipe")
            else:
                out[key] = target
        return out

    def checks(self, raw: Any, known: set[str]) -> list[RecipeCheck]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(("checks",), "must be a list of checks")
            return []
        out: list[RecipeCheck] = []
        for i, spec in enumerate(raw):
            path = ("checks", str(i))
            m = self.validate(_CheckIn, spec, path)
            if m is None:  # its formula can still be checked
                if (text := _raw_text(spec, "implied")) is not None:
                    self.formula(text, known, (*path, "implied"))
                continue
            low: float | None
            high: float | None = None
            if m.relation == "between":
                pair = m.claimed if isinstance(m.claimed, list) and len(m.claimed) == 2 else []
                low, high = (_number(pair[0]), _number(pair[1])) if pair else (None, None)
                if low is None or high is None:
                    got = show_value(m.claimed)
                    self.add((*path, "claimed"), f"'between' needs [low, high], got {got}")
            else:
                low = _number(m.claimed)
                if low is None:
                    self.add((*path, "claimed"), f"must be a number, got {show_value(m.claimed)}")
            expr = self.formula(m.implied, known, (*path, "implied"))
            if expr is None or low is None or (m.relation == "between" and high is None):
                continue
            out.append(
                RecipeCheck(
                    label=m.label or f"check {i}",
                    relation=m.relation,
                    claimed=low,
                    claimed_high=high,
                    implied=expr,
                    tolerance=m.tolerance,
                    claim=m.claim,
                    note=m.note,
                    line=self.line(path),
                )
            )
        return out


def _parse_one(raw: Any, col: ProblemCollector, at: Path_, index: int, file: str) -> Recipe | None:
    name = _as_text(raw.get("name")) if isinstance(raw, Mapping) else None
    rec = name if isinstance(name, str) and name else f"recipe[{index}]"
    before = len(col.problems)
    top = col.validate(_RecipeIn, raw, at=at, record=rec)
    if not isinstance(raw, Mapping):
        return None
    p = _RecipeParser(col, at, rec)
    if top is not None and not _RECIPE_NAME.match(top.name):
        p.add(("name",), f"must be lower-case letters, digits, '-' or '_', got {top.name!r}")
    source = p.source(raw["source"]) if "source" in raw else None
    inputs = p.inputs(raw["inputs"]) if "inputs" in raw else []
    known = {i.name for i in inputs}
    if isinstance(raw.get("inputs"), Mapping):  # a broken input is still a name
        known |= {k for k in raw["inputs"] if _bad_name(k) is None}
    steps = p.steps(raw["steps"], known) if "steps" in raw else []
    outputs = p.outputs(raw.get("outputs"), known)
    checks = p.checks(raw.get("checks"), known)
    if len(col.problems) > before or top is None or source is None:
        return None
    return Recipe(
        name=top.name,
        title=top.title,
        source=source,
        inputs=tuple(inputs),
        steps=tuple(steps),
        outputs=outputs,
        checks=tuple(checks),
        description=top.description.strip(),
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
        Listing every problem as ``file:line: recipe: field: what is wrong``.

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
    <input>:8: tiny: steps.1.formula: unknown name 'ebitd' in 'ebitd / 0.5' ...
    """
    doc = parse_yaml(text, file)
    data = doc.data
    col = ProblemCollector(file, lines_by_path(doc))
    base: Path_ = ()
    if isinstance(data, Mapping) and "recipes" in data and "name" not in data:
        items, base = data["recipes"], ("recipes",)
    elif isinstance(data, list):
        items = data
    else:
        items = [] if data is None else [data]
    if not isinstance(items, list) or not items:
        col.add(base, "expected a recipe, a list of recipes or recipes: [...]")
        col.raise_if_any()
    out: dict[str, Recipe] = {}
    for i, raw in enumerate(items):
        at = (*base, str(i)) if base or isinstance(data, list) else ()
        recipe = _parse_one(raw, col, at, i, file)
        if recipe is None:
            continue
        if recipe.name in out:
            col.add(
                (*at, "name"),
                "duplicate recipe name in this file",
                record=recipe.name,
                field="name",
            )
            continue
        out[recipe.name] = recipe
    col.raise_if_any()
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
            recipes = parse_recipes(read_source(f), file=str(f))
        except DatasetError as exc:
            problems.extend(exc.problems)
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
