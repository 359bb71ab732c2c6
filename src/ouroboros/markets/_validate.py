"""Checks shared by the markets engines: every bad parameter raises an InputError naming it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ouroboros.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "FloatArray",
    "as_path",
    "check_number",
    "dependency_order",
]


def check_number(
    name: str,
    value: object,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    where: str = "",
) -> float:
    """Return ``value`` as a float, or raise an :class:`InputError` naming ``name``.

    Examples
    --------
    >>> check_number("saving_elasticity", 0.3, ge=0)
    0.3
    >>> check_number("saving_elasticity", -0.3, ge=0)
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: saving_elasticity must be >= 0, got -0.3
    """
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{prefix}{name} must be a number, got {value!r}", field=name)
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{prefix}{name} must be a finite number, got {v}", field=name)
    checks: tuple[tuple[float | None, str], ...] = ((ge, ">="), (gt, ">"), (le, "<="), (lt, "<"))
    for bound, sign in checks:
        if bound is None:
            continue
        ok = {">=": v >= bound, ">": v > bound, "<=": v <= bound, "<": v < bound}[sign]
        if not ok:
            raise InputError(f"{prefix}{name} must be {sign} {bound:g}, got {v:g}", field=name)
    return v


def as_path(
    name: str,
    value: ArrayLike | pd.Series,
    n: int,
    *,
    years: Sequence[int] | None = None,
    ge: float | None = None,
) -> FloatArray:
    """A per-year input as an array of length ``n`` (a scalar is repeated).

    A :class:`pandas.Series` indexed by year is aligned on ``years`` (every year must be
    present).
    """
    if isinstance(value, pd.Series):
        if years is None:
            arr = value.to_numpy(dtype=float)
        else:
            missing = [y for y in years if y not in value.index]
            if missing:
                raise InputError(
                    f"{name} has no value for year(s) {', '.join(map(str, missing))}", field=name
                )
            arr = value.loc[list(years)].to_numpy(dtype=float)
    else:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be numbers, got {value!r}", field=name) from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.ndim != 1 or arr.size != n:
        raise InputError(
            f"{name} must have one value per year ({n}), got shape {arr.shape}", field=name
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite numbers", field=name)
    if ge is not None and np.any(arr < ge):
        bad = float(arr[arr < ge][0])
        raise InputError(f"{name} must be >= {ge:g}, got {bad:g}", field=name)
    return arr


def dependency_order(
    names: Iterable[str], deps: Callable[[str], Iterable[str]], *, cycle: str, field: str
) -> list[str]:
    """``names`` in an order where each comes after everything it depends on.

    A depth-first walk of ``deps(name)``; a cycle raises an :class:`InputError` whose
    message starts with ``cycle`` and shows the loop.

    Examples
    --------
    >>> dependency_order(["fof", "fund"], {"fof": ["fund"], "fund": []}.get,
    ...                  cycle="cycle", field="x")
    ['fund', 'fof']
    >>> dependency_order(["a", "b"], {"a": ["b"], "b": ["a"]}.get, cycle="cycle", field="x")
    Traceback (most recent call last):
    ...
    ouroboros.errors.InputError: cycle: a → b → a
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise InputError(f"{cycle}: {' → '.join([*path, name])}", field=field)
        state[name] = 1
        for dep in deps(name):
            visit(dep, [*path, name])
        state[name] = 2
        order.append(name)

    for name in names:
        visit(name, [])
    return order
