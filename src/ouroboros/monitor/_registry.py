"""The indicator registry: which series feed which gauge, how to fetch them, their thresholds.

The registry is a YAML file (the bundled one is ``ouroboros/data/monitor/registry.yaml``)::

    gauges:
      neocloud: {title: "Neocloud stock and bond prices", amber: 0.7, red: 0.9}
    composite: {amber: 0.25, red: 0.5, ewma_lambda: 0.93}
    indicators:
      - id: oracle_cds_5y
        description: Oracle 5-year CDS spread
        gauge: neocloud             # one of the five gauges, or "none" for an input series
        unit: bp
        frequency: daily
        source: csv                 # sec_edgar | fred | csv | derived | ledger
        direction: higher_is_riskier
        amber: 100
        red: 150

Every problem is reported with its file and line, all at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ouroboros._problems import Path_, ProblemCollector, lines_by_path, record_and_field
from ouroboros._yamldoc import YamlDoc, parse_yaml
from ouroboros.errors import InputError

__all__ = [
    "DIRECTIONS",
    "FREQUENCIES",
    "GAUGES",
    "SOURCES",
    "UNITS",
    "CompositeSpec",
    "DerivedSpec",
    "EdgarSpec",
    "FredSpec",
    "GaugeSpec",
    "Indicator",
    "LedgerSpec",
    "Registry",
    "default_registry",
    "default_registry_path",
    "load_registry",
]

GAUGES: tuple[str, ...] = (
    "productivity",
    "neocloud",
    "spv_bonds",
    "contract_quality",
    "power_tech",
)
"""The five gauges of the thermometer (seed article 001), in display order."""

UNITS: dict[str, str] = {
    "usd_bn": "US$ billion",
    "percent": "percent",
    "bp": "basis points",
    "ratio": "ratio",
    "price": "price per 100 of face value",
    "gw": "gigawatts",
    "months": "months",
    "index": "index points",
}
SOURCES: tuple[str, ...] = ("sec_edgar", "fred", "csv", "derived", "ledger")
FREQUENCIES: dict[str, tuple[int, float]] = {
    # name: (default max age of the latest observation in days, default refresh in days)
    "daily": (31, 1.0),
    "weekly": (31, 3.0),
    "monthly": (93, 7.0),
    "quarterly": (200, 7.0),
    "annual": (550, 30.0),
    "irregular": (183, 7.0),
}
DIRECTIONS: tuple[str, ...] = ("higher_is_riskier", "lower_is_riskier")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FRED_ID = re.compile(r"^[A-Za-z0-9_.]{1,40}$")


# ------------------------------------------------------------------------ specs


@dataclass(frozen=True, slots=True)
class EdgarSpec:
    """Fetch a cash-flow concept from SEC EDGAR company facts (trailing twelve months)."""

    cik: int
    concept: Literal["capex", "operating_cash_flow"]
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FredSpec:
    """Fetch one FRED series (observations endpoint), converted to the indicator's unit."""

    series: str
    start: dt.date = dt.date(2015, 1, 1)
    period_end: bool = False


@dataclass(frozen=True, slots=True)
class DerivedSpec:
    """Compute a series from other indicators (on read, never stored)."""

    op: Literal["ratio", "linear", "growth", "doubling_time"]
    inputs: tuple[str, ...]
    coefficients: tuple[float, ...] = ()
    scale: float = 1.0
    tolerance_days: int = 0
    grid: Literal["inputs", "quarter"] = "inputs"
    min_gap_days: int = 120


@dataclass(frozen=True, slots=True)
class LedgerSpec:
    """Compute a one-point series from a ledger (the bundled dataset by default)."""

    measure: Literal["take_or_pay_share", "customer_concentration"]
    provider_roles: tuple[str, ...] = ("neocloud",)
    statuses: tuple[str, ...] = ("signed", "funded")


Spec = EdgarSpec | FredSpec | DerivedSpec | LedgerSpec


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator of the registry.

    ``gauge`` is ``None`` for input series that only feed derived indicators.
    ``status(value)`` turns a value into ``"green"``, ``"amber"`` or ``"red"`` with the
    thresholds (``"n/a"`` without thresholds).
    """

    id: str
    description: str
    gauge: str | None
    unit: str
    frequency: str
    source: str
    direction: str
    amber: float | None
    red: float | None
    spec: Spec | None
    max_age_days: int
    refresh_days: float
    note: str | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        """Indicators this one is computed from (derived indicators only)."""
        return self.spec.inputs if isinstance(self.spec, DerivedSpec) else ()

    @property
    def fetchable(self) -> bool:
        """Whether ``monitor update`` fetches it from a network source."""
        return self.source in ("sec_edgar", "fred")

    @property
    def sign(self) -> float:
        """+1 when higher values mean more risk, -1 otherwise."""
        return 1.0 if self.direction == "higher_is_riskier" else -1.0

    def status(self, value: float | None) -> str:
        """Threshold status of ``value``.

        Examples
        --------
        >>> ind = default_registry()["hyperion_bond_price"]
        >>> ind.direction, ind.amber, ind.red
        ('lower_is_riskier', 100.0, 95.0)
        >>> [ind.status(v) for v in (110.2, 99.0, 90.0)]
        ['green', 'amber', 'red']
        """
        if value is None or value != value:
            return "unknown"
        if self.amber is None or self.red is None:
            return "n/a"
        s = self.sign
        if s * value >= s * self.red:
            return "red"
        if s * value >= s * self.amber:
            return "amber"
        return "green"


@dataclass(frozen=True, slots=True)
class GaugeSpec:
    """A gauge: title, weight in the composite, amber/red thresholds on its score."""

    name: str
    title: str
    weight: float = 1.0
    amber: float = 0.7
    red: float = 0.9


@dataclass(frozen=True, slots=True)
class CompositeSpec:
    """The composite (CISS) settings: status thresholds and the EWMA decay."""

    amber: float = 0.25
    red: float = 0.5
    ewma_lambda: float = 0.93


@dataclass(frozen=True)
class Registry:
    """A validated registry of indicators, gauges and composite settings.

    Index it by indicator id; iterate over its indicators in file order.
    """

    indicators: tuple[Indicator, ...]
    gauges: dict[str, GaugeSpec]
    composite: CompositeSpec = field(default_factory=CompositeSpec)
    file: str = "<registry>"
    _by_id: dict[str, Indicator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {i.id: i for i in self.indicators})

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self._by_id[indicator_id]
        except KeyError:
            raise InputError(
                f"no indicator {indicator_id!r} in the registry {self.file}; known: "
                + ", ".join(sorted(self._by_id)),
                field="indicator",
            ) from None

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def ids(self) -> list[str]:
        """Indicator ids in file order."""
        return [i.id for i in self.indicators]

    def in_gauge(self, gauge: str) -> list[Indicator]:
        """The indicators that feed ``gauge``."""
        return [i for i in self.indicators if i.gauge == gauge]

    def scored(self) -> list[Indicator]:
        """Indicators that feed a gauge (not input series)."""
        return [i for i in self.indicators if i.gauge is not None]

    def computation_order(self) -> list[Indicator]:
        """Derived indicators sorted so every input comes before its users."""
        order: list[Indicator] = []
        done: set[str] = set()

        def visit(ind: Indicator) -> None:
            if ind.id in done:
                return
            for dep in ind.inputs:
                visit(self[dep])
            done.add(ind.id)
            if ind.source == "derived":
                order.append(ind)

        for ind in self.indicators:
            visit(ind)
        return order

    def dependencies(self, indicator_id: str) -> set[str]:
        """Every indicator ``indicator_id`` needs, itself included (transitively)."""
        out: set[str] = set()
        stack = [indicator_id]
        while stack:
            cur = stack.pop()
            if cur in out:
                continue
            out.add(cur)
            stack.extend(self[cur].inputs)
        return out


# ------------------------------------------------------------------ validation


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _EdgarIn(_Strict):
    cik: int = Field(gt=0, lt=10**10)
    concept: Literal["capex", "operating_cash_flow"]
    tags: list[str] | None = Field(default=None, min_length=1)


class _FredIn(_Strict):
    series: str
    start: dt.date = dt.date(2015, 1, 1)
    period_end: bool = False


class _DerivedIn(_Strict):
    op: Literal["ratio", "linear", "growth", "doubling_time"]
    numerator: str | None = None
    denominator: str | None = None
    terms: dict[str, float] | None = None
    input: str | None = None
    scale: float = Field(default=1.0, allow_inf_nan=False)
    tolerance_days: int = Field(default=0, ge=0)
    grid: Literal["inputs", "quarter"] = "inputs"
    min_gap_days: int = Field(default=120, gt=0)


class _LedgerIn(_Strict):
    measure: Literal["take_or_pay_share", "customer_concentration"]
    provider_roles: list[str] = Field(default_factory=lambda: ["neocloud"], min_length=1)
    statuses: list[str] = Field(default_factory=lambda: ["signed", "funded"], min_length=1)


class _IndicatorIn(_Strict):
    id: str
    description: str = Field(min_length=1)
    gauge: Literal[
        "productivity", "neocloud", "spv_bonds", "contract_quality", "power_tech", "none"
    ]
    unit: Literal["usd_bn", "percent", "bp", "ratio", "price", "gw", "months", "index"]
    frequency: Literal["daily", "weekly", "monthly", "quarterly", "annual", "irregular"]
    source: Literal["sec_edgar", "fred", "csv", "derived", "ledger"]
    fetch: dict[str, Any] | None = None
    direction: Literal["higher_is_riskier", "lower_is_riskier"]
    amber: float | None = Field(default=None, allow_inf_nan=False)
    red: float | None = Field(default=None, allow_inf_nan=False)
    max_age_days: int | None = Field(default=None, gt=0)
    refresh_days: float | None = Field(default=None, gt=0)
    note: str | None = None


class _GaugeIn(_Strict):
    title: str
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    amber: float = Field(default=0.7, ge=0, le=1)
    red: float = Field(default=0.9, ge=0, le=1)


class _CompositeIn(_Strict):
    amber: float = Field(default=0.25, ge=0, le=1)
    red: float = Field(default=0.5, ge=0, le=1)
    ewma_lambda: float = Field(default=0.93, gt=0, lt=1)


class _RegistryIn(_Strict):
    version: Any = None
    gauges: Any = None
    composite: Any = None
    indicators: Any = None


_FETCH_MODELS: dict[str, type[_Strict]] = {
    "sec_edgar": _EdgarIn,
    "fred": _FredIn,
    "derived": _DerivedIn,
    "ledger": _LedgerIn,
}


def _build_spec(
    source: str,
    raw: Mapping[str, Any] | None,
    path: Path_,
    rid: str,
    col: ProblemCollector,
) -> Spec | None:
    fpath = (*path, "fetch")
    if source == "csv":
        if raw:
            col.add(fpath, "csv indicators take no fetch spec", record=rid, field="fetch")
        return None
    if raw is None:
        col.add(fpath, f"a {source} indicator needs a fetch spec", record=rid, field="fetch")
        return None
    model = col.validate(_FETCH_MODELS[source], raw, at=fpath, record=rid, field="fetch")
    if model is None:
        return None
    if isinstance(model, _EdgarIn):
        return EdgarSpec(model.cik, model.concept, tuple(model.tags) if model.tags else None)
    if isinstance(model, _FredIn):
        if not _FRED_ID.match(model.series):
            col.add(
                (*fpath, "series"),
                f"not a FRED series id: {model.series!r}",
                record=rid,
                field="fetch.series",
            )
        return FredSpec(model.series, model.start, model.period_end)
    if isinstance(model, _LedgerIn):
        return LedgerSpec(model.measure, tuple(model.provider_roles), tuple(model.statuses))
    assert isinstance(model, _DerivedIn)
    op = model.op
    inputs: tuple[str, ...] = ()
    coefficients: tuple[float, ...] = ()
    if op == "ratio":
        ok = bool(model.numerator and model.denominator and not (model.terms or model.input))
        need = "numerator and denominator"
        if ok:
            inputs = (str(model.numerator), str(model.denominator))
    elif op == "linear":
        ok = bool(model.terms and not (model.numerator or model.denominator or model.input))
        need = "terms {indicator: coefficient}"
        if ok and model.terms:
            inputs = tuple(model.terms)
            coefficients = tuple(float(v) for v in model.terms.values())
    else:
        ok = bool(model.input and not (model.terms or model.numerator or model.denominator))
        need = "input"
        if ok:
            inputs = (str(model.input),)
    if not ok:
        col.add(fpath, f"op {op} needs {need} (and nothing else)", record=rid, field="fetch")
        return None
    return DerivedSpec(
        op, inputs, coefficients, model.scale, model.tolerance_days, model.grid, model.min_gap_days
    )


def registry_from_doc(doc: YamlDoc) -> Registry:
    """Validate a parsed registry document (see :func:`load_registry`)."""
    col = ProblemCollector(doc.file, lines_by_path(doc))
    data = doc.data
    if not isinstance(data, Mapping):
        col.add((), "a registry must be a mapping with 'indicators'")
        col.raise_if_any()
    col.validate(_RegistryIn, data)  # unknown top-level keys; the parts are checked below

    gauges: dict[str, GaugeSpec] = {}
    graw = data.get("gauges") or {}
    if not isinstance(graw, Mapping):
        col.add(("gauges",), "must be a mapping of gauge name to settings", field="gauges")
        graw = {}
    for name in graw:
        if name not in GAUGES:
            col.add(
                ("gauges", str(name)),
                f"unknown gauge; expected one of {', '.join(GAUGES)}",
                record=str(name),
            )
    for name in GAUGES:
        g = col.validate(
            _GaugeIn, graw.get(name, {"title": name}), at=("gauges", name), record=name
        )
        if g is not None:
            if g.amber > g.red:
                col.add(
                    ("gauges", name, "amber"),
                    f"amber ({g.amber}) must not exceed red ({g.red})",
                    record=name,
                    field="amber",
                )
            gauges[name] = GaugeSpec(name, g.title, g.weight, g.amber, g.red)

    comp = col.validate(
        _CompositeIn, data.get("composite") or {}, at=("composite",), record="composite"
    )
    composite = CompositeSpec()
    if comp is not None:
        if comp.amber > comp.red:
            col.add(
                ("composite", "amber"),
                f"amber ({comp.amber}) must not exceed red ({comp.red})",
                record="composite",
                field="amber",
            )
        composite = CompositeSpec(comp.amber, comp.red, comp.ewma_lambda)

    raw_inds = data.get("indicators")
    if not isinstance(raw_inds, list) or not raw_inds:
        col.add(("indicators",), "must be a non-empty list of indicators", field="indicators")
        raw_inds = []
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    line_of: dict[str, str] = {}
    for k, raw in enumerate(raw_inds):
        path = ("indicators", str(k))
        m = col.validate(_IndicatorIn, raw, at=path, record=record_and_field(data, path)[0])
        if m is None:
            continue
        if not _ID.match(m.id):
            col.add(
                (*path, "id"),
                f"must be lower-case letters, digits and _ (starting with a letter), got {m.id!r}",
                record=m.id,
                field="id",
            )
        if m.id in seen:
            col.add(
                (*path, "id"),
                f"duplicated id (first at line {seen[m.id]})",
                record=m.id,
                field="id",
            )
        seen.setdefault(m.id, col.line(path) or 0)
        line_of.setdefault(m.id, str(k))
        spec = _build_spec(m.source, m.fetch, path, m.id, col)
        gauge = None if m.gauge == "none" else m.gauge
        if (m.amber is None) != (m.red is None):
            col.add(path, "give both amber and red thresholds or neither", record=m.id)
        elif m.amber is not None and m.red is not None:
            if m.direction == "higher_is_riskier" and m.amber > m.red:
                col.add(
                    (*path, "amber"),
                    f"for higher_is_riskier, amber ({m.amber}) must not exceed red ({m.red})",
                    record=m.id,
                    field="amber",
                )
            if m.direction == "lower_is_riskier" and m.amber < m.red:
                col.add(
                    (*path, "amber"),
                    f"for lower_is_riskier, amber ({m.amber}) must not be below red ({m.red})",
                    record=m.id,
                    field="amber",
                )
        elif gauge is not None:
            col.add(
                path, f"an indicator of gauge {gauge} needs amber and red thresholds", record=m.id
            )
        age, refresh = FREQUENCIES[m.frequency]
        indicators.append(
            Indicator(
                id=m.id,
                description=m.description,
                gauge=gauge,
                unit=m.unit,
                frequency=m.frequency,
                source=m.source,
                direction=m.direction,
                amber=m.amber,
                red=m.red,
                spec=spec,
                max_age_days=m.max_age_days or age,
                refresh_days=m.refresh_days or refresh,
                note=m.note,
            )
        )

    # cross references: inputs exist, no cycles
    ids = {i.id for i in indicators}
    for ind in indicators:
        for dep in ind.inputs:
            if dep not in ids:
                col.add(
                    ("indicators", line_of[ind.id], "fetch"),
                    f"input {dep!r} is not an indicator of this registry",
                    record=ind.id,
                    field="fetch",
                )
    if not col.problems:
        state: dict[str, int] = {}

        def visit(i: str, trail: list[str]) -> None:
            if state.get(i) == 2:
                return
            if state.get(i) == 1:
                cyc = " -> ".join([*trail[trail.index(i) :], i])
                col.add(("indicators", line_of[i]), f"inputs form a cycle: {cyc}", record=i)
                return
            state[i] = 1
            for dep in next(x for x in indicators if x.id == i).inputs:
                visit(dep, [*trail, i])
            state[i] = 2

        for ind in indicators:
            visit(ind.id, [])
    col.raise_if_any()
    return Registry(tuple(indicators), gauges, composite, doc.file)


def default_registry_path() -> Path:
    """The bundled registry file."""
    return Path(str(resources.files("ouroboros").joinpath("data", "monitor", "registry.yaml")))


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and validate a registry YAML file (the bundled one by default).

    Raises
    ------
    DatasetError
        Listing every problem as ``file:line: indicator: field: message``.

    Examples
    --------
    >>> reg = load_registry()
    >>> reg["fed_net_liquidity"].spec.inputs
    ('fed_assets', 'tga', 'reverse_repo')
    >>> sorted({i.gauge for i in reg.scored()}) == sorted(GAUGES)
    True
    """
    p = Path(path) if path is not None else default_registry_path()
    return registry_from_doc(parse_yaml(read_text(p, "the registry", "registry"), str(p)))


def read_text(path: Path, what: str, field: str) -> str:
    """The UTF-8 text of a file, or an InputError ``cannot read {what} {path}: why``."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        why = exc.strerror
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 text ({exc.reason})"
    raise InputError(f"cannot read {what} {path}: {why}", field=field)


_DEFAULT: dict[str, Registry] = {}


def default_registry() -> Registry:
    """The bundled registry (loaded once)."""
    if "r" not in _DEFAULT:
        _DEFAULT["r"] = load_registry()
    return _DEFAULT["r"]
