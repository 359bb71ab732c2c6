"""Scenario files for ``ouroboros liquidity`` and ``ouroboros layers``.

A scenario is YAML with the same layout as the bundled defaults
(``ouroboros/data/markets/liquidity.yaml`` and ``layers.yaml``). A user's file overrides
only the keys it names; named records (asset classes, selling assets and holders,
ventures, layers, scenarios) are merged field by field, new names are added, and
``name: null`` removes one. Any value may be written bare (``0.3``) or as a figure with its
provenance (``{value: 0.3, unit: ..., source: ...}`` or ``assumption:``). Unknown keys are
errors naming the key.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import yaml

from ouroboros.errors import InputError
from ouroboros.markets._layers import (
    Layer,
    LayerResult,
    PayoffScenario,
    Venture,
    layer_payoffs,
)
from ouroboros.markets._liquidity import LoanableFundsResult, fed_net_liquidity, loanable_funds
from ouroboros.markets._repricing import AssetClass, RepricingResult, reprice
from ouroboros.markets._selling import (
    Holder,
    MarketAsset,
    Position,
    SellingResult,
    forced_selling,
)

__all__ = [
    "LayersScenario",
    "LiquidityReport",
    "LiquidityScenario",
    "default_scenario_path",
    "load_layers_scenario",
    "load_liquidity_scenario",
    "run_layers",
    "run_liquidity",
]

FIGURE_KEYS = frozenset({"value", "unit", "source", "assumption", "note"})
META_KEYS = frozenset({"label", "source", "assumption", "note"})


class _Records:
    """A mapping of named records, each with the given fields (plus META_KEYS)."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = dict(fields)


_LEAF = None

_ASSET_CLASS = dict.fromkeys(
    (
        "kind",
        "risk_premium",
        "growth",
        "coupon",
        "maturity",
        "frequency",
        "cash_flows",
        "terminal_growth",
        "rate_beta",
    )
)
_SELL_ASSET = dict.fromkeys(("asset_class", "depth", "impact", "shock"))
_HOLDER = dict.fromkeys(("cash", "commitment", "redemption_per_loss", "sell_order", "portfolio"))
LIQUIDITY_SCHEMA: dict[str, Any] = {
    "name": _LEAF,
    "description": _LEAF,
    "years": _LEAF,
    "capex": _LEAF,
    "loanable_funds": dict.fromkeys(
        (
            "baseline_capex",
            "funding_share",
            "saving_supply",
            "saving_elasticity",
            "other_investment",
            "investment_elasticity",
            "depreciation",
            "base_rate",
            "multiplier",
            "form",
        )
    ),
    "net_liquidity": dict.fromkeys(("walcl", "tga", "rrp", "level", "floor")),
    "central_bank": dict.fromkeys(("qe", "rate_cut", "pass_through", "qe_response")),
    "repricing": dict.fromkeys(("year", "shock", "risk_free")),
    "asset_classes": _Records(_ASSET_CLASS),
    "selling": {
        "impact": _LEAF,
        "tolerance": _LEAF,
        "max_rounds": _LEAF,
        "assets": _Records(_SELL_ASSET),
        "holders": _Records(_HOLDER),
    },
}

_VENTURE = dict.fromkeys(
    (
        "tenor",
        "debt_share",
        "debt_rate",
        "floating",
        "amortizing",
        "contract_yield",
        "contracted_share",
        "contract_years",
        "walk_year",
        "guarantee",
        "market_yield",
        "exit_multiple",
        "residual_value",
    )
)
_LAYER = dict.fromkeys(
    ("kind", "venture", "underlying", "leverage", "borrow_rate", "fee", "weights")
)
_PAYOFF_SCENARIO = dict.fromkeys(
    ("years_to_scale", "productivity", "rate_shift", "strategic_default")
)
LAYERS_SCHEMA: dict[str, Any] = {
    "name": _LEAF,
    "description": _LEAF,
    "ventures": _Records(_VENTURE),
    "layers": _Records(_LAYER),
    "scenarios": _Records(_PAYOFF_SCENARIO),
}

_NET_LIQUIDITY_UNITS = {"walcl": "million", "tga": "million", "rrp": "billion"}


def default_scenario_path(which: str) -> Path:
    """Path of a bundled parameter file: ``"liquidity"`` or ``"layers"``.

    Examples
    --------
    >>> default_scenario_path("layers").name
    'layers.yaml'
    """
    if which not in ("liquidity", "layers"):
        raise InputError(
            f"no bundled markets file {which!r}; use liquidity or layers", field="which"
        )
    return Path(str(resources.files("ouroboros.data").joinpath(f"markets/{which}.yaml")))


# --------------------------------------------------------------------------- reading


def _read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: scenario file not found", field="scenario") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror}", field="scenario") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{p}{where}: not valid YAML: {problem}", field="scenario") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{p}: a scenario file must be a mapping of sections", field="scenario")
    return data


def _is_figure(node: Any) -> bool:
    return isinstance(node, Mapping) and "value" in node


def _unknown(file: str, path: str, key: str, allowed: Sequence[str]) -> InputError:
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    where = f"{path}.{key}" if path else str(key)
    return InputError(
        f"{file}: {where}: unknown key{hint}; expected one of {', '.join(sorted(allowed))}",
        field=where,
    )


def _check_figure(file: str, path: str, node: Mapping[str, Any]) -> None:
    for k in node:
        if k not in FIGURE_KEYS:
            raise _unknown(file, path, str(k), sorted(FIGURE_KEYS))


def _tag(node: Any, origin: str | None) -> Any:
    """Mark a user-supplied value with where it came from."""
    if origin is None:
        return node
    if _is_figure(node):
        out = dict(node)
        if not out.get("source") and not out.get("assumption"):
            out["source"] = origin
            return out
        for k in ("source", "assumption"):
            if out.get(k):
                out[k] = f"{origin}: {out[k]}"
        return out
    return {"value": node, "source": origin}


def _merge(
    default: Any, override: Any, schema: Any, file: str, path: str, origin: str | None
) -> Any:
    """Merge ``override`` into ``default`` following ``schema``; check every key."""
    if isinstance(schema, _Records):
        if not isinstance(override, Mapping):
            raise InputError(f"{file}: {path}: must be a mapping of named records", field=path)
        out = dict(default) if isinstance(default, Mapping) else {}
        allowed = set(schema.fields) | META_KEYS
        for name, rec in override.items():
            rpath = f"{path}.{name}"
            if rec is None:
                out.pop(name, None)
                continue
            if not isinstance(rec, Mapping):
                raise InputError(f"{file}: {rpath}: must be a mapping of fields", field=rpath)
            base = dict(out.get(name) or {})
            if (
                name not in out
                and origin is not None
                and not ("source" in rec or "assumption" in rec)
            ):
                base["source"] = origin
            for k, v in rec.items():
                if k not in allowed:
                    raise _unknown(file, rpath, str(k), sorted(allowed))
                if _is_figure(v):
                    _check_figure(file, f"{rpath}.{k}", v)
                if k in META_KEYS:
                    base[k] = v if origin is None or k == "label" else f"{origin}: {v}"
                else:
                    base[k] = _tag(v, origin if name in out else None)
            out[name] = base
        return out
    if isinstance(schema, dict):
        if not isinstance(override, Mapping):
            raise InputError(
                f"{file}: {path or 'top level'}: must be a mapping", field=path or "scenario"
            )
        out = dict(default) if isinstance(default, Mapping) else {}
        for k, v in override.items():
            if k not in schema:
                raise _unknown(file, path, str(k), list(schema))
            sub = f"{path}.{k}" if path else str(k)
            if schema[k] is _LEAF:
                if _is_figure(v):
                    _check_figure(file, sub, v)
                out[k] = _tag(v, origin)
            else:
                out[k] = _merge(out.get(k), v, schema[k], file, sub, origin)
        return out
    raise AssertionError("bad schema")  # pragma: no cover


def _load_tree(
    which: str, path: str | os.PathLike[str] | None, schema: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    base_path = default_scenario_path(which)
    tree = _merge({}, _read_yaml(base_path), schema, str(base_path), "", None)
    if path is None:
        return tree, str(base_path)
    user = _read_yaml(path)
    tree = _merge(copy.deepcopy(tree), user, schema, str(path), "", f"scenario file {path}")
    # net liquidity is given either as a level or as its three components: the form the
    # user's file uses replaces the other one from the defaults
    user_nl = user.get("net_liquidity")
    if isinstance(user_nl, Mapping) and "net_liquidity" in tree:
        nl = tree["net_liquidity"]
        parts = ("walcl", "tga", "rrp")
        if "level" in user_nl and not any(k in user_nl for k in parts):
            for k in parts:
                nl.pop(k, None)
        elif any(k in user_nl for k in parts) and "level" not in user_nl:
            nl.pop("level", None)
    return tree, str(path)


# --------------------------------------------------------------------------- typed values


_T = TypeVar("_T")


class _Ctx:
    """Turns raw YAML values into typed ones, recording provenance and naming errors."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.provenance: list[dict[str, Any]] = []

    def err(self, path: str, message: str) -> InputError:
        return InputError(f"{self.file}: {path}: {message}", field=path)

    def raw(self, node: Any, path: str, record: Mapping[str, Any] | None = None) -> Any:
        meta: Mapping[str, Any] = {}
        value = node
        if _is_figure(node):
            meta = node
            value = node["value"]
        elif record is not None:
            meta = record
        self.provenance.append(
            {
                "parameter": path,
                "value": value,
                "unit": meta.get("unit") if _is_figure(node) else None,
                "source": _text(meta.get("source")),
                "assumption": _text(meta.get("assumption")),
            }
        )
        return value

    def num(
        self,
        node: Any,
        path: str,
        record: Mapping[str, Any] | None = None,
        *,
        optional: bool = False,
    ) -> float | None:
        v = self.raw(node, path, record)
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.err(path, f"must be a number, got {v!r}")
        if not np.isfinite(v):
            raise self.err(path, f"must be a finite number, got {v!r}")
        return float(v)

    def req_num(self, node: Any, path: str, record: Mapping[str, Any] | None = None) -> float:
        v = self.num(node, path, record)
        assert v is not None
        return v

    def int_(
        self,
        node: Any,
        path: str,
        record: Mapping[str, Any] | None = None,
        *,
        optional: bool = False,
    ) -> int | None:
        v = self.raw(node, path, record)
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(path, f"must be a whole number, got {v!r}")
        return int(v)

    def bool_(self, node: Any, path: str, record: Mapping[str, Any] | None = None) -> bool:
        v = self.raw(node, path, record)
        if not isinstance(v, bool):
            raise self.err(path, f"must be true or false, got {v!r}")
        return v

    def str_(self, node: Any, path: str, record: Mapping[str, Any] | None = None) -> str:
        v = self.raw(node, path, record)
        if not isinstance(v, str) or not v:
            raise self.err(path, f"must be a non-empty text, got {v!r}")
        return v

    def nums(
        self, node: Any, path: str, n: int | None, record: Mapping[str, Any] | None = None
    ) -> list[float]:
        """A list of numbers (a single number is repeated ``n`` times)."""
        v = self.raw(node, path, record)
        if isinstance(v, int | float) and not isinstance(v, bool) and n is not None:
            v = [v] * n
        if not isinstance(v, list) or not v:
            raise self.err(path, f"must be a list of numbers, got {v!r}")
        out = []
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, int | float) or not np.isfinite(x):
                raise self.err(f"{path}[{i}]", f"must be a finite number, got {x!r}")
            out.append(float(x))
        if n is not None and len(out) != n:
            raise self.err(path, f"has {len(out)} values but years has {n}")
        return out

    def wrap(self, path: str, exc: InputError) -> InputError:
        """Re-raise an engine error with the file and the record's path."""
        msg = str(exc)
        return InputError(
            f"{self.file}: {path}: {msg}", field=f"{path}.{exc.field}" if exc.field else path
        )

    def fields_of(
        self, path: str, record: Mapping[str, Any], *required: str, hint: str = "is required"
    ) -> dict[str, Any]:
        """The record's parameters; an error naming the first ``required`` one missing."""
        f = _fields(record)
        for k in required:
            if k not in f:
                raise self.err(f"{path}.{k}", hint)
        return f

    def each(
        self,
        convert: Callable[[Any, str, Mapping[str, Any]], Any],
        fields: Mapping[str, Any],
        path: str,
        record: Mapping[str, Any],
        keys: Sequence[str],
    ) -> dict[str, Any]:
        """``convert`` each of ``keys`` that ``fields`` gives (``path.key`` names it)."""
        return {k: convert(fields[k], f"{path}.{k}", record) for k in keys if k in fields}

    def build(
        self, make: Callable[..., _T], path: str, name: str, record: Mapping[str, Any], **kw: Any
    ) -> _T:
        """``make`` the named record (labelled as the file says); its errors name ``path``."""
        try:
            return make(name=name, label=str(record.get("label") or name), **kw)
        except InputError as exc:
            raise self.wrap(path, exc) from None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    return " ".join(str(v).split())


def _fields(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A record's parameters (without label, source, assumption, note)."""
    return {k: v for k, v in rec.items() if k not in META_KEYS}


# --------------------------------------------------------------------------- liquidity


@dataclass(frozen=True)
class LiquidityScenario:
    """Everything ``ouroboros liquidity`` needs, typed and checked.

    Build with :func:`load_liquidity_scenario`; change with :func:`dataclasses.replace`.
    ``funds`` holds the keyword arguments of :func:`loanable_funds` (except ``capex``);
    ``selling_assets`` maps each market asset to its asset class (its price shock comes
    from the repricing unless ``MarketAsset.shock`` was set in the file).
    """

    name: str
    description: str
    years: tuple[int, ...]
    capex: pd.Series
    funds: Mapping[str, Any]
    repricing_year: int | None
    repricing_shock: float | None
    risk_free: float | None
    asset_classes: tuple[AssetClass, ...]
    selling_assets: tuple[MarketAsset, ...]
    selling_asset_classes: Mapping[str, str | None]
    explicit_shocks: frozenset[str]
    holders: tuple[Holder, ...]
    tolerance: float
    max_rounds: int
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    file: str = ""


def load_liquidity_scenario(path: str | os.PathLike[str] | None = None) -> LiquidityScenario:
    """The bundled liquidity parameters, with a user's scenario file merged over them.

    Parameters
    ----------
    path : path-like, optional
        A YAML scenario file overriding some parameters.

    Returns
    -------
    LiquidityScenario

    Examples
    --------
    >>> sc = load_liquidity_scenario()
    >>> sc.years
    (2025, 2026, 2027, 2028)
    >>> float(sc.capex.sum())
    2900.0
    """
    tree, file = _load_tree("liquidity", path, LIQUIDITY_SCHEMA)
    ctx = _Ctx(file)
    years_raw = ctx.raw(tree.get("years"), "years")
    if (
        not isinstance(years_raw, list)
        or not years_raw
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years_raw)
    ):
        raise ctx.err("years", f"must be a list of whole years, got {years_raw!r}")
    years = [int(y) for y in years_raw]
    if any(b <= a for a, b in itertools.pairwise(years)):
        raise ctx.err("years", "must be strictly increasing")
    n = len(years)
    capex = ctx.nums(tree.get("capex"), "capex", n)

    lf = tree.get("loanable_funds", {})
    required = (
        "saving_supply",
        "saving_elasticity",
        "other_investment",
        "investment_elasticity",
        "base_rate",
    )
    for k in required:
        if k not in lf:
            raise ctx.err(f"loanable_funds.{k}", "is required")
    funds: dict[str, Any] = {"years": years}
    for k in (
        "baseline_capex",
        "funding_share",
        "saving_supply",
        "saving_elasticity",
        "other_investment",
        "investment_elasticity",
        "depreciation",
        "multiplier",
    ):
        if k in lf:
            funds[k] = ctx.req_num(lf[k], f"loanable_funds.{k}")
    funds["base_rate"] = ctx.nums(lf["base_rate"], "loanable_funds.base_rate", n)
    if "form" in lf:
        funds["form"] = ctx.str_(lf["form"], "loanable_funds.form")

    nl = tree.get("net_liquidity", {})
    if "level" in nl and any(k in nl for k in ("walcl", "tga", "rrp")):
        raise ctx.err("net_liquidity", "give either level or walcl, tga and rrp, not both")
    if "level" in nl:
        funds["net_liquidity"] = ctx.nums(nl["level"], "net_liquidity.level", n)
    else:
        parts = {}
        units = {}
        for k in ("walcl", "tga", "rrp"):
            if k not in nl:
                raise ctx.err(f"net_liquidity.{k}", "is required (or give net_liquidity.level)")
            parts[k] = ctx.nums(nl[k], f"net_liquidity.{k}", n)
            unit = nl[k].get("unit") if _is_figure(nl[k]) else None
            units[k] = unit or _NET_LIQUIDITY_UNITS[k]
        try:
            level = fed_net_liquidity(
                parts["walcl"],
                parts["tga"],
                parts["rrp"],
                walcl_unit=units["walcl"],
                tga_unit=units["tga"],
                rrp_unit=units["rrp"],
                unit="billion",
            )
        except InputError as exc:
            raise ctx.wrap("net_liquidity", exc) from None
        funds["net_liquidity"] = [float(x) for x in np.asarray(level)]
    if "floor" not in nl:
        raise ctx.err("net_liquidity.floor", "is required")
    funds["liquidity_floor"] = ctx.req_num(nl["floor"], "net_liquidity.floor")

    cb = tree.get("central_bank", {})
    if "qe" in cb:
        funds["qe"] = ctx.nums(cb["qe"], "central_bank.qe", n)
    if "rate_cut" in cb:
        funds["rate_cut"] = ctx.nums(cb["rate_cut"], "central_bank.rate_cut", n)
    for k in ("pass_through", "qe_response"):
        if k in cb:
            funds[k] = ctx.req_num(cb[k], f"central_bank.{k}")

    rp = tree.get("repricing", {})
    rep_year = ctx.int_(rp.get("year"), "repricing.year", optional=True)
    rep_shock = ctx.num(rp.get("shock"), "repricing.shock", optional=True)
    risk_free = ctx.num(rp.get("risk_free"), "repricing.risk_free", optional=True)
    if rep_year is not None and rep_year not in years:
        raise ctx.err("repricing.year", f"{rep_year} is not among the years {years}")

    classes = []
    for name, rec in (tree.get("asset_classes") or {}).items():
        classes.append(_asset_class(ctx, str(name), rec))
    if not classes:
        raise ctx.err("asset_classes", "at least one asset class is needed")
    # r > g must hold at every base rate the repricing may use (the shock is checked later)
    rates = [risk_free] if risk_free is not None else list(funds["base_rate"])
    for a in classes:
        try:
            a.check_rate(np.asarray([a.discount_rate(r) for r in rates]), when="at the base rate")
        except InputError as exc:
            raise ctx.wrap(f"asset_classes.{a.name}", exc) from None

    sell = tree.get("selling", {})
    impact = ctx.str_(sell["impact"], "selling.impact") if "impact" in sell else "exponential"
    tolerance = ctx.req_num(sell.get("tolerance", 1e-6), "selling.tolerance")
    max_rounds = ctx.int_(sell.get("max_rounds", 1000), "selling.max_rounds")
    assert max_rounds is not None
    class_names = {c.name for c in classes}
    s_assets = []
    s_classes: dict[str, str | None] = {}
    explicit: set[str] = set()
    for name, rec in (sell.get("assets") or {}).items():
        p = f"selling.assets.{name}"
        ac = rec.get("asset_class")
        ac_name = ctx.str_(ac, f"{p}.asset_class", rec) if ac is not None else None
        if ac_name is not None and ac_name not in class_names:
            raise ctx.err(
                f"{p}.asset_class",
                f"unknown asset class {ac_name!r}; known: {', '.join(sorted(class_names))}",
            )
        if "depth" not in rec:
            raise ctx.err(f"{p}.depth", "is required")
        shock = 0.0
        if "shock" in rec and _unwrapped(rec["shock"]) is not None:
            shock = ctx.req_num(rec["shock"], f"{p}.shock", rec)
            explicit.add(str(name))
        depth = ctx.req_num(rec["depth"], f"{p}.depth", rec)
        own_impact = ctx.str_(rec["impact"], f"{p}.impact", rec) if "impact" in rec else impact
        s_assets.append(
            ctx.build(MarketAsset, p, str(name), rec, depth=depth, shock=shock, impact=own_impact)
        )
        s_classes[str(name)] = ac_name
    holders = []
    for name, rec in (sell.get("holders") or {}).items():
        holders.append(_holder(ctx, str(name), rec))

    capex_s = pd.Series(capex, index=pd.Index(years, name="year"), name="capex")
    sc = LiquidityScenario(
        name=str(_unwrapped(tree.get("name")) or "scenario"),
        description=_text(_unwrapped(tree.get("description"))) or "",
        years=tuple(years),
        capex=capex_s,
        funds=funds,
        repricing_year=rep_year,
        repricing_shock=rep_shock,
        risk_free=risk_free,
        asset_classes=tuple(classes),
        selling_assets=tuple(s_assets),
        selling_asset_classes=s_classes,
        explicit_shocks=frozenset(explicit),
        holders=tuple(holders),
        tolerance=tolerance,
        max_rounds=max_rounds,
        provenance=pd.DataFrame(
            ctx.provenance, columns=["parameter", "value", "unit", "source", "assumption"]
        ),
        file=file,
    )
    # check the engine parameters now, so errors name the file
    try:
        loanable_funds(sc.capex, **funds)
    except InputError as exc:
        section = _section_of(exc.field)
        raise ctx.wrap(section, exc) from None
    return sc


_FUNDS_SECTION = {
    "qe": "central_bank",
    "rate_cut": "central_bank",
    "pass_through": "central_bank",
    "qe_response": "central_bank",
    "net_liquidity": "net_liquidity",
    "liquidity_floor": "net_liquidity",
    "years": "years",
    "capex": "capex",
}


def _section_of(param: str | None) -> str:
    if param is None:
        return "loanable_funds"
    return _FUNDS_SECTION.get(param, "loanable_funds")


def _unwrapped(node: Any) -> Any:
    return node["value"] if _is_figure(node) else node


def _asset_class(ctx: _Ctx, name: str, rec: Mapping[str, Any]) -> AssetClass:
    p = f"asset_classes.{name}"
    f = ctx.fields_of(p, rec, "kind", hint="is required (gordon, bond or cash_flows)")
    kw: dict[str, Any] = {"kind": ctx.str_(f["kind"], f"{p}.kind", rec)}
    optional = partial(ctx.num, optional=True)
    kw |= ctx.each(
        optional, f, p, rec,
        ("risk_premium", "growth", "coupon", "maturity", "terminal_growth", "rate_beta"),
    )  # fmt: skip
    if kw.get("risk_premium") is None:
        kw.pop("risk_premium", None)
    if kw.get("rate_beta") is None:
        kw.pop("rate_beta", None)
    if "frequency" in f:
        kw["frequency"] = ctx.int_(f["frequency"], f"{p}.frequency", rec)
    if "cash_flows" in f:
        kw["cash_flows"] = tuple(ctx.nums(f["cash_flows"], f"{p}.cash_flows", None, rec))
    meta = {k: rec[k] for k in ("source", "assumption") if k in rec}
    return ctx.build(AssetClass, p, name, rec, meta=meta, **kw)


def _holder(ctx: _Ctx, name: str, rec: Mapping[str, Any]) -> Holder:
    p = f"selling.holders.{name}"
    f = ctx.fields_of(p, rec, "cash", "commitment")
    port_raw = _unwrapped(f.get("portfolio", []))
    if not isinstance(port_raw, list):
        raise ctx.err(
            f"{p}.portfolio", "must be a list of {asset, amount}, lowest conviction first"
        )
    positions = []
    for i, item in enumerate(port_raw):
        ip = f"{p}.portfolio[{i}]"
        if not isinstance(item, Mapping):
            raise ctx.err(ip, f"must be a mapping with asset and amount, got {item!r}")
        for k in item:
            if k not in ("asset", "amount") and k not in META_KEYS:
                raise _unknown(ctx.file, ip, str(k), ["amount", "asset", *sorted(META_KEYS)])
        if "asset" not in item or "amount" not in item:
            raise ctx.err(ip, "needs asset and amount")
        positions.append(
            Position(
                ctx.str_(item["asset"], f"{ip}.asset", rec),
                ctx.req_num(item["amount"], f"{ip}.amount", rec),
            )
        )
    kw = ctx.each(ctx.req_num, f, p, rec, ("cash", "commitment"))
    kw["redemption_per_loss"] = ctx.req_num(
        f.get("redemption_per_loss", 0.0), f"{p}.redemption_per_loss", rec
    )
    kw["sell_order"] = (
        ctx.str_(f["sell_order"], f"{p}.sell_order", rec) if "sell_order" in f else "conviction"
    )
    return ctx.build(Holder, p, name, rec, portfolio=tuple(positions), **kw)


@dataclass(frozen=True)
class LiquidityReport:
    """The three linked results of :func:`run_liquidity`.

    Attributes
    ----------
    funds : LoanableFundsResult
        Cost of capital, crowding out and phase per year.
    repricing : RepricingResult
        Each asset class repriced for the rise in the cost of capital.
    selling : SellingResult
        The forced-selling chain started from the repriced assets.
    shock_year : int or None
        The year whose rise was used (None when the scenario imposed a shock).
    shock : float
        The rise in the cost of capital used for repricing.
    """

    funds: LoanableFundsResult
    repricing: RepricingResult
    selling: SellingResult
    shock_year: int | None
    shock: float
    scenario: LiquidityScenario

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: per-year lists, then tables as lists of records."""
        t = self.funds.table
        return {
            "scenario": self.scenario.name,
            "years": self.funds.years,
            "capex": t["capex"].tolist(),
            "cost_of_capital": t["cost_of_capital"].tolist(),
            "crowded_out": t["crowded_out"].tolist(),
            "phase": t["phase"].tolist(),
            "delta_r": t["delta_r"].tolist(),
            "idle_absorbed": t["idle_absorbed"].tolist(),
            "idle_remaining": t["idle_remaining"].tolist(),
            "excess_demand": t["excess_demand"].tolist(),
            "stimulus": t["stimulus"].tolist(),
            "exhaustion_year": self.funds.exhaustion_year(),
            "liquidity": t,
            "shock": {
                "year": self.shock_year,
                "delta_r": self.shock,
                "risk_free": self.repricing.risk_free,
            },
            "repricing": self.repricing.table,
            "selling": {
                "rounds": self.selling.rounds,
                "chain": self.selling.chain,
                "holders": self.selling.holders,
                "prices": self.selling.prices,
            },
            "sources": self.scenario.provenance,
        }


def run_liquidity(
    scenario: LiquidityScenario | None = None, *, capex: pd.Series | None = None
) -> LiquidityReport:
    """Run the loanable-funds model, reprice the asset classes and run the selling chain.

    The repricing shock is the scenario's ``repricing.shock`` if set, else the rise of the
    cost of capital over the base rate in ``repricing.year`` (default: the peak year).
    Each selling asset starts at ``1 +`` its asset class's price change.

    Parameters
    ----------
    scenario : LiquidityScenario, optional
        Default: the bundled parameters.
    capex : pandas.Series, optional
        A capex path by year replacing the scenario's (e.g. from a dataset).

    Returns
    -------
    LiquidityReport

    Examples
    --------
    >>> rep = run_liquidity()
    >>> rep.funds.exhaustion_year()
    2026
    >>> ch = rep.repricing.price_changes()
    >>> ch["crypto"] < ch["unprofitable_saas"] < ch["memory_makers"] < 0
    True
    """
    sc = scenario if scenario is not None else load_liquidity_scenario()
    path = capex if capex is not None else sc.capex
    try:
        funds = loanable_funds(path, **sc.funds)
    except InputError as exc:
        raise InputError(f"{sc.file}: {_section_of(exc.field)}: {exc}", field=exc.field) from None
    if sc.repricing_shock is not None:
        year: int | None = None
        shock = float(sc.repricing_shock)
        idx = 0 if sc.repricing_year is None else funds.years.index(sc.repricing_year)
    else:
        year, shock = funds.shock(sc.repricing_year)
        idx = funds.years.index(year)
    rf = sc.risk_free if sc.risk_free is not None else float(funds.table["base_rate"].iloc[idx])
    try:
        rep = reprice(sc.asset_classes, shock, risk_free=rf)
    except InputError as exc:
        raise InputError(f"{sc.file}: asset_classes: {exc}", field=exc.field) from None
    changes = rep.price_changes()
    assets = []
    for a in sc.selling_assets:
        ac = sc.selling_asset_classes.get(a.name)
        if a.name in sc.explicit_shocks or ac is None:
            assets.append(a)
        else:
            assets.append(
                MarketAsset(a.name, a.depth, shock=changes[ac], impact=a.impact, label=a.label)
            )
    try:
        sell = forced_selling(sc.holders, assets, tolerance=sc.tolerance, max_rounds=sc.max_rounds)
    except InputError as exc:
        raise InputError(f"{sc.file}: selling: {exc}", field=exc.field) from None
    return LiquidityReport(
        funds=funds, repricing=rep, selling=sell, shock_year=year, shock=shock, scenario=sc
    )


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class LayersScenario:
    """Ventures, layers and payoff scenarios for ``ouroboros layers``."""

    name: str
    description: str
    ventures: tuple[Venture, ...]
    layers: tuple[Layer, ...]
    scenarios: tuple[PayoffScenario, ...]
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    file: str = ""


def load_layers_scenario(path: str | os.PathLike[str] | None = None) -> LayersScenario:
    """The bundled investor-layer parameters, with a user's scenario file merged over them.

    Examples
    --------
    >>> sc = load_layers_scenario()
    >>> [s.name for s in sc.scenarios][:2]
    ['productivity_proven', 'slow_productivity']
    """
    tree, file = _load_tree("layers", path, LAYERS_SCHEMA)
    ctx = _Ctx(file)
    ventures = [_venture(ctx, str(n), rec) for n, rec in (tree.get("ventures") or {}).items()]
    layers = [_layer(ctx, str(n), rec) for n, rec in (tree.get("layers") or {}).items()]
    scenarios = [
        _payoff_scenario(ctx, str(n), rec) for n, rec in (tree.get("scenarios") or {}).items()
    ]
    if not layers:
        raise ctx.err("layers", "at least one layer is needed")
    if not scenarios:
        raise ctx.err("scenarios", "at least one scenario is needed")
    sc = LayersScenario(
        name=str(_unwrapped(tree.get("name")) or "layers"),
        description=_text(_unwrapped(tree.get("description"))) or "",
        ventures=tuple(ventures),
        layers=tuple(layers),
        scenarios=tuple(scenarios),
        provenance=pd.DataFrame(
            ctx.provenance, columns=["parameter", "value", "unit", "source", "assumption"]
        ),
        file=file,
    )
    run_layers(sc)  # check cross-references now, so errors name the file
    return sc


def _venture(ctx: _Ctx, name: str, rec: Mapping[str, Any]) -> Venture:
    p = f"ventures.{name}"
    f = ctx.fields_of(p, rec, "tenor")
    kw = ctx.each(ctx.int_, f, p, rec, ("tenor", "contract_years"))
    kw |= ctx.each(partial(ctx.int_, optional=True), f, p, rec, ("walk_year",))
    kw |= ctx.each(ctx.bool_, f, p, rec, ("floating", "amortizing"))
    kw |= ctx.each(
        ctx.req_num, f, p, rec,
        ("debt_share", "debt_rate", "contract_yield", "contracted_share", "guarantee",
         "market_yield", "exit_multiple", "residual_value"),
    )  # fmt: skip
    return ctx.build(Venture, p, name, rec, **kw)


def _layer(ctx: _Ctx, name: str, rec: Mapping[str, Any]) -> Layer:
    p = f"layers.{name}"
    f = ctx.fields_of(p, rec, "kind", hint="is required (equity, debt, levered_fund or portfolio)")
    kw = ctx.each(ctx.str_, f, p, rec, ("kind", "venture", "underlying"))
    kw |= ctx.each(ctx.req_num, f, p, rec, ("leverage", "borrow_rate", "fee"))
    if "weights" in f:
        w = ctx.raw(f["weights"], f"{p}.weights", rec)
        if not isinstance(w, Mapping) or not w:
            raise ctx.err(f"{p}.weights", "must be a mapping of layer: weight")
        weights = {}
        for lk, lv in w.items():
            if isinstance(lv, bool) or not isinstance(lv, int | float):
                raise ctx.err(f"{p}.weights.{lk}", f"must be a number, got {lv!r}")
            weights[str(lk)] = float(lv)
        kw["weights"] = weights
    return ctx.build(Layer, p, name, rec, **kw)


def _payoff_scenario(ctx: _Ctx, name: str, rec: Mapping[str, Any]) -> PayoffScenario:
    p = f"scenarios.{name}"
    f = ctx.fields_of(p, rec, "years_to_scale")
    kw = ctx.each(ctx.req_num, f, p, rec, ("years_to_scale", "productivity", "rate_shift"))
    kw |= ctx.each(ctx.bool_, f, p, rec, ("strategic_default",))
    return ctx.build(PayoffScenario, p, name, rec, **kw)


def run_layers(scenario: LayersScenario | None = None) -> LayerResult:
    """Payoffs of every layer under every scenario of ``scenario`` (default: bundled).

    Examples
    --------
    >>> res = run_layers()
    >>> m = res.pivot("multiple")
    >>> bool(m.loc["neocloud_equity", "productivity_proven"]
    ...      > m.loc["neocloud_equity", "slow_productivity"])
    True
    """
    sc = scenario if scenario is not None else load_layers_scenario()
    try:
        return layer_payoffs(sc.ventures, sc.layers, sc.scenarios)
    except InputError as exc:
        raise InputError(f"{sc.file}: {exc}", field=exc.field) from None
