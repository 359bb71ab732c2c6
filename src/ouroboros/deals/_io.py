"""Load deal specs and scenario files with located errors; the bundled deals.

Every problem in a file is reported at once as one :class:`~ouroboros.errors.DatasetError`
whose problems name the file, the line, the component (its ``id``, or its position) and
the field, and say what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ouroboros._problems import Path_, ProblemCollector, lines_by_path, show_value
from ouroboros._yamldoc import parse_yaml, read_source
from ouroboros.deals._spec import (
    PHASES,
    ContractAsset,
    DealSpec,
    FloatingRate,
    GpuFleetAsset,
    LeaseAsset,
    PayFee,
    PayInterest,
    PayPrincipal,
    Sweep,
    TopUpReserve,
    Transfer,
    TreasuriesAsset,
)
from ouroboros.errors import InputError

__all__ = [
    "bundled_deal",
    "bundled_deal_names",
    "bundled_deal_path",
    "deal_from_data",
    "load_deal",
    "resolve_deal",
]

_DATA_PACKAGE = "ouroboros.data"
_DEALS_FOLDER = "deals"


# ---------------------------------------------------------------------- cross-references


def _reference_problems(spec: DealSpec) -> list[tuple[Path_, str]]:
    """Checks across components: ids, references, sources and uses at close."""
    out: list[tuple[Path_, str]] = []
    src_ids = {s.id for s in spec.sources}
    seen: dict[str, str] = {}
    for section in ("assets", "capex", "accounts", "tranches", "fees", "covenants"):
        for i, comp in enumerate(getattr(spec, section)):
            cid = comp.id
            if cid in ("cash", "equity"):
                out.append(((section, str(i), "id"), f"{cid!r} is reserved; choose another id"))
            elif cid in seen:
                out.append(((section, str(i), "id"), f"duplicate id (already used in {seen[cid]})"))
            seen.setdefault(cid, section)
            for k, sid in enumerate(comp.sources):
                if sid not in src_ids:
                    out.append(((section, str(i), "sources", str(k)), f"unknown source {sid!r}"))

    assets = {a.id: a for a in spec.assets}
    accounts = {a.id: a for a in spec.accounts}
    tranches = {t.id: t for t in spec.tranches}
    fees = {f.id for f in spec.fees}
    close = spec.calendar.close
    funders = {t.id for t in spec.tranches if t.kind in ("delayed_draw", "revolver")}

    def funding(path: Path_, names: list[str]) -> None:
        for k, name in enumerate(names):
            if name not in funders and name not in accounts and name not in ("cash", "equity"):
                out.append(
                    (
                        (*path, str(k)),
                        f"unknown funding source {name!r}; expected a delayed_draw or revolver "
                        "tranche, an account, 'cash' or 'equity'",
                    )
                )

    for i, a in enumerate(spec.assets):
        p: Path_ = ("assets", str(i))
        if isinstance(a, ContractAsset):
            if (a.gpus is None) != (a.fleet is None):
                out.append(((*p, "fleet"), "gpus and fleet go together: give both or neither"))
            if a.fleet is not None and not isinstance(assets.get(a.fleet), GpuFleetAsset):
                out.append(((*p, "fleet"), f"unknown gpu_fleet asset {a.fleet!r}"))
        elif isinstance(a, GpuFleetAsset):
            funding((*p, "funded_by"), a.funded_by)
        elif isinstance(a, LeaseAsset) and a.guarantee is not None and a.value <= 0:
            out.append(((*p, "value"), "a residual value guarantee needs the asset's value > 0"))
    for i, c in enumerate(spec.capex):
        funding(("capex", str(i), "funded_by"), c.funded_by)
    for i, acc in enumerate(spec.accounts):
        p = ("accounts", str(i))
        if acc.invested_in is not None and not isinstance(
            assets.get(acc.invested_in), TreasuriesAsset
        ):
            out.append(((*p, "invested_in"), f"unknown treasuries asset {acc.invested_in!r}"))
        if acc.kind == "reserve" and acc.target is None:
            out.append(((*p, "target"), "a reserve account needs a target"))
        if acc.kind != "reserve" and acc.target is not None:
            out.append(((*p, "target"), f"only reserve accounts have a target, not {acc.kind}"))
        if acc.target is not None:
            for k, tid in enumerate(acc.target.tranches or []):
                if tid not in tranches:
                    out.append(((*p, "target", "tranches", str(k)), f"unknown tranche {tid!r}"))
    for i, t in enumerate(spec.tranches):
        p = ("tranches", str(i))
        if t.maturity <= close:
            out.append(((*p, "maturity"), f"{t.maturity} is not after close {close}"))
        if isinstance(t.rate, FloatingRate):
            for k, cid in enumerate(t.rate.backing or []):
                if not isinstance(assets.get(cid), ContractAsset):
                    out.append(((*p, "rate", "backing", str(k)), f"unknown contract asset {cid!r}"))
        am = t.amortisation
        if am.start is not None and not close < am.start <= t.maturity:
            out.append(
                (
                    (*p, "amortisation", "start"),
                    f"{am.start} must be after close {close} and not after maturity {t.maturity}",
                )
            )
        if t.available_from and t.available_until and t.available_until < t.available_from:
            out.append(((*p, "available_until"), "is before available_from"))
        if t.kind == "revolver" and am.kind != "bullet":
            out.append(((*p, "amortisation", "kind"), "a revolver is repaid at maturity: bullet"))
    holders = [h.id for h in spec.equity.holders]
    for k, h in enumerate(holders):
        if h in holders[:k]:
            out.append((("equity", "holders", str(k), "id"), f"duplicate holder {h!r}"))
    # sources and uses at close
    raised = sum(t.amount for t in spec.tranches) + spec.equity.amount
    used = sum(p_.amount for p_ in spec.close.payments) + sum(a.initial for a in spec.accounts)
    if used > raised * (1 + 1e-12):
        out.append(
            (
                ("close", "payments"),
                f"uses at close ({used:,.6g}) exceed the tranches drawn plus equity "
                f"({raised:,.6g})",
            )
        )
    if spec.close.remainder_to != "cash" and spec.close.remainder_to not in accounts:
        out.append((("close", "remainder_to"), f"unknown account {spec.close.remainder_to!r}"))
    # waterfalls
    for phase in PHASES:
        actions = getattr(spec.waterfalls, phase)
        for i, act in enumerate(actions or []):
            p = ("waterfalls", phase, str(i))
            if isinstance(act, PayFee):
                for k, fid in enumerate(act.fees or []):
                    if fid not in fees:
                        out.append(((*p, "fees", str(k)), f"unknown fee {fid!r}"))
            if isinstance(act, PayInterest | PayPrincipal | Sweep):
                for k, tid in enumerate(act.tranches or []):
                    if tid not in tranches:
                        out.append(((*p, "tranches", str(k)), f"unknown tranche {tid!r}"))
            if isinstance(act, PayFee | PayInterest | PayPrincipal | TopUpReserve):
                for k, src in enumerate(act.from_):
                    ok = (
                        src == "cash"
                        or src in accounts
                        or (src in tranches and tranches[src].kind == "revolver")
                    )
                    if not ok:
                        out.append(
                            (
                                (*p, "from", str(k)),
                                f"unknown source {src!r}; expected 'cash', an account or "
                                "a revolver",
                            )
                        )
            if isinstance(act, TopUpReserve) and (
                act.account not in accounts or accounts[act.account].kind != "reserve"
            ):
                out.append(((*p, "account"), f"unknown reserve account {act.account!r}"))
            if isinstance(act, Transfer) and act.to not in accounts:
                out.append(((*p, "to"), f"unknown account {act.to!r}"))
    return out


# --------------------------------------------------------------------------- loading


def deal_from_data(
    data: Any, *, file: str = "<input>", lines: Mapping[Path_, int] | None = None
) -> DealSpec:
    """Validate plain data (the YAML layout) into a :class:`DealSpec`.

    Parameters
    ----------
    data : mapping
        The deal, as parsed from YAML or JSON.
    file : str
        The name used in problem messages.
    lines : mapping, optional
        Line numbers by path, as the YAML parser records them.

    Raises
    ------
    DatasetError
        Every problem found, each naming the file, line, component and field.

    Examples
    --------
    >>> deal_from_data({"id": "x", "name": "X", "calendar": {"close": "2025-01-01",
    ...                 "end": "2030-01-01", "frequency": "weekly"}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 5 problems in dataset
    <input>: calendar.frequency: got 'weekly'; expected one of 'monthly', 'quarterly' or 'annual'
    <input>: assets: required field is missing
    ...
    """
    col = ProblemCollector(file, lines, data=data)
    if not isinstance(data, Mapping):
        col.add((), f"a deal must be a mapping of fields, got {show_value(data)}")
        col.raise_if_any()
    spec = col.validate(DealSpec, data)
    col.raise_if_any()
    assert spec is not None
    for path, msg in _reference_problems(spec):
        col.add(path, msg)
    col.raise_if_any()
    return spec


def parse_file(path: str | os.PathLike[str]) -> tuple[Any, dict[Path_, int], str]:
    """Read and parse a YAML (or JSON, a subset of YAML) file with line numbers."""
    p = Path(path)
    doc = parse_yaml(read_source(p), str(p))
    return doc.data, lines_by_path(doc), str(p)


def load_deal(path: str | os.PathLike[str]) -> DealSpec:
    """Load and validate a deal spec from a YAML (or JSON) file.

    Examples
    --------
    >>> spec = load_deal(bundled_deal_path("hyperion"))
    >>> spec.id, spec.calendar.frequency, spec.tranches[0].amount
    ('hyperion', 'monthly', 27300.0)
    """
    data, lines, file = parse_file(path)
    return deal_from_data(data, file=file, lines=lines)


def bundled_deal_names() -> list[str]:
    """Names of the deal specs shipped with Ouroboros.

    Examples
    --------
    >>> bundled_deal_names()
    ['coreweave', 'hyperion']
    """
    folder = resources.files(_DATA_PACKAGE).joinpath(_DEALS_FOLDER)
    return sorted(
        f.name.rsplit(".", 1)[0] for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))
    )


def bundled_deal_path(name: str) -> Path:
    """Path of a bundled deal spec by name."""
    names = bundled_deal_names()
    if name not in names:
        raise InputError(
            f"no bundled deal named {name!r}; expected one of {', '.join(names)} or a path "
            "to a .yaml file",
            field="deal",
        )
    return Path(str(resources.files(_DATA_PACKAGE).joinpath(_DEALS_FOLDER, f"{name}.yaml")))


def bundled_deal(name: str) -> DealSpec:
    """A bundled deal spec by name (see :func:`bundled_deal_names`).

    Examples
    --------
    >>> bundled_deal("coreweave").entity
    'coreweave'
    """
    return load_deal(bundled_deal_path(name))


def resolve_deal(spec_or_name: str | os.PathLike[str]) -> DealSpec:
    """A bundled deal by name, or a deal spec file by path."""
    text = str(spec_or_name)
    if text in bundled_deal_names() and not Path(text).exists():
        return load_deal(bundled_deal_path(text))
    if not Path(text).exists() and "/" not in text and not text.endswith((".yaml", ".yml")):
        bundled_deal_path(text)  # raises the "no bundled deal" error
    return load_deal(text)
