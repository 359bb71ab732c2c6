"""Scenario drivers: arrays of shape (scenarios, periods) that move a deal's cash flows.

A :class:`Drivers` holds, for ``n`` scenarios at once, multiplicative factors (rents,
utilisation, $/GPU-hour, CFADS, collateral value), absolute rate paths (SOFR, Treasuries,
the refinancing rate) and event dates (a tenant walking away at a renewal, a customer
defaulting). Each array broadcasts to ``(n, T)``: a number applies everywhere, shape
``(T,)`` is one path for every scenario, ``(n, 1)`` one level per scenario, ``(n, T)``
one path per scenario.

Scenario files (YAML) describe named scenarios with the same fields, given as numbers or
calendar curves ``{year or date: value}``; :func:`drivers_for` lays them on a deal's grid.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from ouroboros._problems import ProblemCollector
from ouroboros.deals._compile import CompiledDeal, curve_values
from ouroboros.deals._io import parse_file
from ouroboros.deals._spec import Curve, _Spec
from ouroboros.errors import InputError

__all__ = [
    "FACTOR_DRIVERS",
    "RATE_DRIVERS",
    "Drivers",
    "ScenarioSpec",
    "check_names",
    "drivers_for",
    "load_scenarios",
    "make_drivers",
    "scenarios_from_data",
]

F = NDArray[np.float64]
FACTOR_DRIVERS = (
    "rent_factor",
    "utilisation_factor",
    "gpu_price_factor",
    "cfads_factor",
    "asset_value_factor",
)
RATE_DRIVERS = ("sofr", "treasury", "refinance_rate")


@dataclass(frozen=True)
class Drivers:
    """Scenario drivers for ``n`` scenarios; build with :func:`make_drivers`.

    Attributes
    ----------
    n : int
        Number of scenarios.
    names : tuple of str
        One name per scenario.
    rent_factor, utilisation_factor, gpu_price_factor, cfads_factor, asset_value_factor
        Multipliers (1 = the spec's base case), each broadcastable to ``(n, T)``.
    sofr, treasury, refinance_rate : ndarray or None
        Absolute annual rates replacing the spec's curves (``None``: keep the spec's;
        for ``refinance_rate``: each tranche's index + spread).
    walk_away : dict
        Lease id (or ``"*"`` for every lease) -> ``(n,)`` dates; the tenant leaves at the
        first term end on or after the date (``NaT``: never).
    customer_default : dict
        Customer id -> ``(n,)`` dates from which the customer pays nothing (``NaT``: never).
    """

    n: int
    names: tuple[str, ...]
    rent_factor: F
    utilisation_factor: F
    gpu_price_factor: F
    cfads_factor: F
    asset_value_factor: F
    sofr: F | None = None
    treasury: F | None = None
    refinance_rate: F | None = None
    walk_away: dict[str, NDArray[np.datetime64]] = field(default_factory=dict)
    customer_default: dict[str, NDArray[np.datetime64]] = field(default_factory=dict)

    def grid(self, name: str, T: int) -> F:
        """Driver ``name`` broadcast to ``(T, n)`` (time-major, a view when possible)."""
        value = getattr(self, name)
        arr = np.asarray(value, dtype=np.float64)
        try:
            return np.broadcast_to(arr, (self.n, T)).T
        except ValueError:
            raise InputError(
                f"driver {name} has shape {arr.shape}, which does not broadcast to "
                f"(scenarios, periods) = ({self.n}, {T}); use a number, (periods,), "
                "(scenarios, 1) or (scenarios, periods)",
                field=name,
            ) from None


def _as_array(name: str, value: ArrayLike, n: int) -> F:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] not in (1, n)):
        raise InputError(
            f"driver {name} has shape {arr.shape}; expected a number, (periods,), "
            f"({n}, 1) or ({n}, periods)",
            field=name,
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"driver {name} has non-finite values", field=name)
    if name in FACTOR_DRIVERS and np.any(arr < 0):
        raise InputError(f"driver {name} must be >= 0 (a multiplier)", field=name)
    return arr


def _as_dates(name: str, key: str, value: Any, n: int) -> NDArray[np.datetime64]:
    try:
        arr = np.asarray(value, dtype="datetime64[D]")
    except (TypeError, ValueError):
        raise InputError(f"{name}[{key!r}] must be dates, got {value!r}", field=name) from None
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise InputError(f"{name}[{key!r}] must have one date per scenario ({n})", field=name)
    return arr


def make_drivers(
    n: int = 1,
    *,
    names: Sequence[str] | None = None,
    rent_factor: ArrayLike = 1.0,
    utilisation_factor: ArrayLike = 1.0,
    gpu_price_factor: ArrayLike = 1.0,
    cfads_factor: ArrayLike = 1.0,
    asset_value_factor: ArrayLike = 1.0,
    sofr: ArrayLike | None = None,
    treasury: ArrayLike | None = None,
    refinance_rate: ArrayLike | None = None,
    walk_away: Mapping[str, Any] | None = None,
    customer_default: Mapping[str, Any] | None = None,
) -> Drivers:
    """Drivers for ``n`` scenarios (see :class:`Drivers` for the meaning of each).

    Examples
    --------
    >>> import numpy as np
    >>> d = make_drivers(3, rent_factor=np.array([[1.0], [0.9], [0.8]]))
    >>> d.grid("rent_factor", 2).tolist()
    [[1.0, 0.9, 0.8], [1.0, 0.9, 0.8]]
    """
    if n < 1:
        raise InputError(f"n must be >= 1 scenario; got {n}", field="n")
    nm = tuple(names) if names is not None else tuple(f"s{i}" for i in range(n))
    if len(nm) != n:
        raise InputError(f"names has {len(nm)} entries for {n} scenarios", field="names")

    def rate(name: str, value: ArrayLike | None) -> F | None:
        return None if value is None else _as_array(name, value, n)

    return Drivers(
        n=n,
        names=nm,
        rent_factor=_as_array("rent_factor", rent_factor, n),
        utilisation_factor=_as_array("utilisation_factor", utilisation_factor, n),
        gpu_price_factor=_as_array("gpu_price_factor", gpu_price_factor, n),
        cfads_factor=_as_array("cfads_factor", cfads_factor, n),
        asset_value_factor=_as_array("asset_value_factor", asset_value_factor, n),
        sofr=rate("sofr", sofr),
        treasury=rate("treasury", treasury),
        refinance_rate=rate("refinance_rate", refinance_rate),
        walk_away={k: _as_dates("walk_away", k, v, n) for k, v in (walk_away or {}).items()},
        customer_default={
            k: _as_dates("customer_default", k, v, n) for k, v in (customer_default or {}).items()
        },
    )


# ----------------------------------------------------------------------- scenario files


class ScenarioSpec(_Spec):
    """One named scenario in a scenario file (numbers or calendar curves)."""

    name: str
    description: str | None = None
    rent_factor: Curve = 1.0
    utilisation_factor: Curve = 1.0
    gpu_price_factor: Curve = 1.0
    cfads_factor: Curve = 1.0
    asset_value_factor: Curve = 1.0
    sofr: Curve | None = None
    treasury: Curve | None = None
    refinance_rate: Curve | None = None
    walk_away: dt.date | dict[str, dt.date] | None = None
    customer_default: dict[str, dt.date] = Field(default_factory=dict)


class _ScenarioFile(_Spec):
    scenarios: list[ScenarioSpec] = Field(min_length=1)


def scenarios_from_data(
    data: Any, *, file: str = "<input>", lines: Any = None
) -> list[ScenarioSpec]:
    """Validate a scenario file's data: ``{scenarios: [...]}`` or one scenario mapping.

    Examples
    --------
    >>> [s.name for s in scenarios_from_data({"name": "stress", "rent_factor": 0.8})]
    ['stress']
    """
    col = ProblemCollector(file, lines, data=data)
    if isinstance(data, Mapping) and "scenarios" in data:
        parsed = col.validate(_ScenarioFile, data)
        col.raise_if_any()
        assert parsed is not None
        out = parsed.scenarios
    else:
        one = col.validate(ScenarioSpec, data) if isinstance(data, Mapping) else None
        if not isinstance(data, Mapping):
            col.add((), "a scenario file is a mapping: {scenarios: [...]} or one scenario")
        col.raise_if_any()
        assert one is not None
        out = [one]
    names = [s.name for s in out]
    for i, nm in enumerate(names):
        if nm in names[:i]:
            col.add(("scenarios", str(i), "name"), f"duplicate scenario name {nm!r}")
    col.raise_if_any()
    return out


def load_scenarios(path: str | os.PathLike[str]) -> list[ScenarioSpec]:
    """Load a scenario file (YAML or JSON)."""
    data, lines, file = parse_file(path)
    return scenarios_from_data(data, file=file, lines=lines)


def check_names(
    deal: CompiledDeal,
    walk_away: Iterable[str],
    customer_default: Iterable[str],
    *,
    where: str = "",
) -> None:
    """Raise an :class:`InputError` if drivers name a lease or customer the deal lacks.

    ``walk_away`` holds lease ids (``"*"``: every lease), ``customer_default`` customer
    ids; ``where`` prefixes the message (``"scenario 'x': "``).
    """
    leases = {ls.id for ls in deal.leases}
    for key in walk_away:
        if key != "*" and key not in leases:
            raise InputError(
                f"{where}walk_away names {key!r}, which is not a lease of deal "
                f"{deal.spec.id!r} (leases: {', '.join(sorted(leases)) or 'none'})",
                field="walk_away",
            )
    customers = {c.customer for c in deal.contracts}
    for key in customer_default:
        if key not in customers:
            raise InputError(
                f"{where}customer_default names {key!r}, which is not a customer of deal "
                f"{deal.spec.id!r} (customers: {', '.join(sorted(customers)) or 'none'})",
                field="customer_default",
            )


def drivers_for(deal: CompiledDeal, scenarios: Sequence[ScenarioSpec]) -> Drivers:
    """Lay named scenarios on a deal's period grid as one :class:`Drivers`.

    Raises
    ------
    InputError
        If a scenario names a lease or customer the deal does not have.
    """
    dates = deal.dates
    n = len(scenarios)

    def stack(name: str) -> F | None:
        rows = [getattr(s, name) for s in scenarios]
        if all(r is None for r in rows):
            return None
        base = {"sofr": deal.sofr, "treasury": deal.treasury}.get(name)
        out = []
        for r in rows:
            if r is None:
                out.append(base if base is not None else np.full(len(dates), np.nan))
            else:
                out.append(curve_values(r, dates))
        return np.vstack(out)

    walk: dict[str, list[Any]] = {}
    default: dict[str, list[Any]] = {}
    for i, s in enumerate(scenarios):
        wa = s.walk_away
        items = {"*": wa} if isinstance(wa, dt.date) else dict(wa or {})
        check_names(deal, items, s.customer_default, where=f"scenario {s.name!r}: ")
        for k, v in items.items():
            walk.setdefault(k, [None] * n)[i] = v
        for k, v in s.customer_default.items():
            default.setdefault(k, [None] * n)[i] = v

    def dates_of(values: list[Any]) -> NDArray[np.datetime64]:
        return np.array(
            [np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
            dtype="datetime64[D]",
        )

    refi = stack("refinance_rate")
    if refi is not None and np.isnan(refi).any():
        raise InputError(
            "refinance_rate must be given for every scenario in a file, or for none",
            field="refinance_rate",
        )
    return make_drivers(
        n,
        names=[s.name for s in scenarios],
        **{k: stack(k) for k in FACTOR_DRIVERS},  # type: ignore[arg-type]
        sofr=stack("sofr"),
        treasury=stack("treasury"),
        refinance_rate=refi,
        walk_away={k: dates_of(v) for k, v in walk.items()},
        customer_default={k: dates_of(v) for k, v in default.items()},
    )
