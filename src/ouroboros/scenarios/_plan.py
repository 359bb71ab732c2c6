"""Compile a ledger and a scenario into the arrays the simulator steps through.

Everything here is deterministic (the same for every run): the period grid, each
entity's starting balance sheet and operating figures (with the basis of every figure in
:attr:`Plan.assumptions`), the contracts, equity investments and debt claims of the ledger
with their schedules per period, equity stakes, power needs and the deals that are run by
the deal engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ouroboros.deals import CompiledDeal, bundled_deal_names, compile_deal, resolve_deal
from ouroboros.errors import InputError
from ouroboros.model import UNIT_SCALES, InstrumentBase, Ledger
from ouroboros.scenarios._io import check_against_ledger
from ouroboros.scenarios._spec import CREDIT_CLASSES, ScenarioSpec
from ouroboros.views import money_flows, select_instruments

__all__ = ["LAYERS", "DealLink", "Plan", "build_plan"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]
B = NDArray[np.bool_]

LAYERS: tuple[str, ...] = (
    "neocloud_equity",
    "spv_equity",
    "spv_bondholders",
    "private_credit_funds",
    "banks",
    "pensions",
    "insurers",
    "sovereign_funds",
    "etf_holders",
    "asset_managers",
    "outside_investors",
    "contract_counterparties",
    "government",
    "other",
)
L_INDEX = {name: k for k, name in enumerate(LAYERS)}
# the layer whose losses an entity's own positions count in: its first role (in the
# dataset's order) that names a holder layer
HOLDER_ROLES: dict[str, str] = {
    "etf": "etf_holders",
    "private_credit": "private_credit_funds",
    "bank": "banks",
    "pension": "pensions",
    "insurer": "insurers",
    "sovereign_fund": "sovereign_funds",
    "asset_manager": "asset_managers",
    "government": "government",
    "rest_of_world": "outside_investors",
}
SPV_ROLES = ("spv", "reit", "developer")
OPERATING_ROLES = (
    "hyperscaler",
    "cloud",
    "chip_vendor",
    "model_lab",
    "neocloud",
    "spv",
    "reit",
    "developer",
)
# operating margin (EBITDA / revenue) where the dataset has no figure; for model labs it is
# before the compute contracts, which the ledger lists and the simulator pays explicitly
DEFAULT_MARGINS = {
    "hyperscaler": 0.45,
    "cloud": 0.35,
    "chip_vendor": 0.55,
    "model_lab": 0.45,
    "neocloud": 0.60,
    "spv": 0.90,
    "reit": 0.85,
    "developer": 0.85,
}
DEFAULT_CONTRACT_MARGINS = {"spv": 0.95, "reit": 0.90, "developer": 0.90}
# years over which an entity's non-cash operating assets depreciate (a blend of buildings,
# goodwill and servers for the large companies; GPUs for neoclouds; campuses for SPVs)
ASSET_LIVES = {
    "spv": 30.0,
    "reit": 30.0,
    "developer": 30.0,
    "hyperscaler": 15.0,
    "cloud": 15.0,
    "chip_vendor": 15.0,
    "model_lab": 5.0,
    "neocloud": 6.0,
}
DEFAULT_CREDIT_CLASS = {
    "hyperscaler": "ig",
    "chip_vendor": "ig",
    "cloud": "ig",
    "bank": "ig",
    "insurer": "ig",
    "pension": "ig",
    "sovereign_fund": "ig",
    "government": "ig",
    "asset_manager": "ig",
    "etf": "ig",
    "utility": "ig",
    "oem": "ig",
    "rest_of_world": "ig",
    "model_lab": "hy",
    "neocloud": "hy",
    "venture": "hy",
    "holding_company": "hy",
    "spv": "spv",
    "reit": "spv",
    "developer": "spv",
    "private_credit": "private",
}
CONTRACT_KINDS = {"compute_contract": 0, "lease": 1, "hardware_purchase": 2}
DEBT_KINDS = ("loan", "bond", "credit_facility")


@dataclass(frozen=True)
class DealLink:
    """A deal run by the deal engine and how it maps onto the ledger."""

    name: str
    deal: CompiledDeal
    entity: int  # index of the deal's entity in the ledger
    scale: float  # deal unit -> ledger unit
    kind: str  # "spv" or "opco"
    lease_tenants: dict[str, int]  # lease id -> tenant index (-1 if not in the ledger)
    lease_terms: dict[str, IntA]  # lease id -> periods (web grid) of its term ends
    customers: dict[str, int]  # customer id -> index (-1 if not in the ledger)
    period_years: F  # calendar year (fractional) of each deal period


@dataclass(frozen=True)
class Plan:
    """Deterministic arrays of one (ledger, scenario) pair; see the module notes."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    roles: tuple[tuple[str, ...], ...]
    unit: str
    base_year: int
    period_start: tuple[dt.date, ...]
    period_end: tuple[dt.date, ...]
    year: IntA  # calendar year of each period
    cal: F  # calendar time of each period's nominal start (2026.0, 2026.25, ...)
    dt: F  # length of each period, years
    time: F  # years from the start of base_year + 1 to the middle of each period
    # entities
    operating: B
    never_fails: B
    is_deal: B
    credit_class: IntA
    holder_layer: IntA
    issuer_layer: IntA  # neocloud_equity / spv_equity or -1
    spv_debtor: B
    tenant: B
    guaranteed: B
    equity_role: B
    debt_role: B
    capex_mode: IntA  # 0 none, 1 follows the AI capex path, 2 spends what it raises
    cash0: F
    other0: F
    ext_debt0: F
    outside0: F  # outside assets of entities whose cash is not simulated
    revenue0: F  # revenue from outside the web, not from AI
    ai_weight: F  # share of AI revenue A(t)
    chip_revenue0: F  # AI hardware revenue that follows AI capex
    margin: F
    contract_margin: F
    capex0: F
    asset_life: F
    equity0: F
    # contracts (compute, lease, hardware)
    c_id: tuple[str, ...]
    c_payer: IntA
    c_payee: IntA
    c_kind: IntA
    c_take_or_pay: B
    c_gw: F
    c_sched: F  # (P, C)
    c_remaining: F  # (P, C) still due from the start of each period
    c_annual: F
    c_term_end: IntA  # (C, M) period indices of lease term ends, -1 padded
    # scheduled equity investments
    q_investor: IntA
    q_investee: IntA
    q_sched: F  # (P, Q)
    # debt claims
    d_id: tuple[str, ...]
    d_debtor: IntA
    d_creditor: IntA
    d_layer: IntA
    d_face0: F
    d_draw: F  # (P, D)
    d_rate: F  # NaN = floating
    d_maturity: IntA  # period index; -1 laddered (no date); P = after the horizon
    # equity stakes: fraction of issuer's equity held by holder
    th_issuer: IntA
    th_holder: IntA
    th_value: F
    required_gw: F  # (P,)
    # money-flow pairs (payer, payee) for circularity: the pair of each flow in the order
    # contracts, equity investments, draws, debt service, outside revenue
    pair_payer: IntA
    pair_payee: IntA
    pair_of_flow: IntA
    pair_row: IntA  # outside-revenue flows: the rest-of-world index (empty if none)
    pair_row_payee: IntA  # ... and the entity each is paid to
    capex_payer: IntA  # AI capex flows (last in the order): the spender of each
    capex_share: F  # ... and the share of its capex that goes to that vendor
    capex_base: float  # planned AI capex in the base year (USD bn)
    deals: tuple[DealLink, ...]
    assumptions: pd.DataFrame = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def periods(self) -> int:
        return len(self.year)


def _grid(
    spec: ScenarioSpec, as_of: dt.date
) -> tuple[list[dt.date], list[dt.date], list[float], int]:
    first = spec.start_year if spec.start_year is not None else as_of.year + 1
    base_year = first - 1
    if spec.horizon < first:
        raise InputError(
            f"horizon {spec.horizon} is before the first simulated year {first}", field="horizon"
        )
    months = 12 if spec.step == "annual" else 3
    starts: list[dt.date] = []
    d = dt.date(first, 1, 1)
    end = dt.date(spec.horizon + 1, 1, 1)
    while d < end:
        starts.append(d)
        m = d.month - 1 + months
        d = dt.date(d.year + m // 12, m % 12 + 1, 1)
    ends = [*starts[1:], end]
    labels = [s.year + (s.month - 1) / 12.0 for s in starts]
    if first == as_of.year + 1 and as_of < starts[0] - dt.timedelta(days=1):
        starts[0] = as_of + dt.timedelta(days=1)  # flows after the as-of date count
    return starts, ends, labels, base_year


def _role_value(roles: tuple[str, ...], table: dict[str, Any], default: Any) -> Any:
    for r in roles:
        if r in table:
            return table[r]
    return default


def _term_ends(inst: InstrumentBase, starts: list[dt.date], ends: list[dt.date]) -> list[int]:
    term = getattr(inst, "initial_term_years", None)
    if not term or inst.end is None:
        return []
    out = []
    k = 1
    while True:
        months = round(12 * term * k)
        y, m = divmod(inst.start.month - 1 + months, 12)
        try:
            when = inst.start.replace(year=inst.start.year + y, month=m + 1)
        except ValueError:
            when = dt.date(inst.start.year + y, m + 1, 28)
        if when >= inst.end:
            break
        idx = next((p for p in range(len(starts)) if starts[p] <= when < ends[p]), None)
        if idx is not None:
            out.append(idx)
        k += 1
        if k > 200:
            break
    return out


def _resolve_deals(spec: ScenarioSpec, ledger: Ledger) -> list[tuple[str, Any]]:
    names = spec.deals
    out = []
    if names is None:
        for name in bundled_deal_names():
            d = resolve_deal(name)
            if d.entity in ledger.entity_ids:
                out.append((name, d))
        return out
    for name in names:
        out.append((name, resolve_deal(name)))
    return out


def build_plan(spec: ScenarioSpec, ledger: Ledger) -> Plan:
    """Compile ``ledger`` under ``spec`` into a :class:`Plan` (see the module notes)."""
    deal_specs = _resolve_deals(spec, ledger)
    check_against_ledger(spec, ledger, [d.entity or "" for _, d in deal_specs])
    as_of = ledger.meta.as_of or dt.date(2025, 12, 31)
    starts, ends, labels, base_year = _grid(spec, as_of)
    P = len(starts)
    ids = tuple(ledger.entity_ids)
    N = len(ids)
    index = {e: i for i, e in enumerate(ids)}
    ents = [ledger.entity(e) for e in ids]
    roles = tuple(tuple(e.roles) for e in ents)
    cal = np.array(labels, dtype=np.float64)
    years = np.floor(cal).astype(np.int64)
    # nominal length of each period in years (a calendar year is 1, a quarter 0.25); a
    # first period stretched back to the as-of date adds its extra days
    months = 12 if spec.step == "annual" else 3
    dts = np.full(len(starts), months / 12.0)
    nominal0 = dt.date(int(labels[0]), round((labels[0] % 1) * 12) + 1, 1)
    dts[0] += max((nominal0 - starts[0]).days, 0) / 365.0
    # years from the middle of the base year (where the adoption curve's level applies) to
    # the middle of each period
    mid = np.array(
        [
            ((s - dt.date(base_year, 7, 2)).days + (e - s).days / 2) / 365.25
            for s, e in zip(starts, ends, strict=True)
        ]
    )

    statuses = ("signed", "funded")
    chosen = select_instruments(ledger, statuses=statuses, include_announced=spec.include_announced)
    chosen_ids = {i.id for i in chosen}

    # ---- schedules per period (money_flows is the one place schedules are read)
    sched: dict[str, F] = {}

    def schedule(inst_ids: set[str]) -> None:
        for p, (s, e) in enumerate(zip(starts, ends, strict=True)):
            fv = money_flows(ledger, start=s, end=e, include_announced=spec.include_announced)
            for iid, amt in zip(
                fv.instrument_flows["instrument"], fv.instrument_flows["amount"], strict=True
            ):
                if iid in inst_ids:
                    sched.setdefault(iid, np.zeros(P))[p] += float(amt)

    schedule(chosen_ids)
    before = money_flows(ledger, end=starts[0], include_announced=spec.include_announced)
    paid_before = dict(
        zip(before.instrument_flows["instrument"], before.instrument_flows["amount"], strict=True)
    )
    year_flows = money_flows(ledger, year=base_year, include_announced=spec.include_announced)

    def period_of(d: dt.date) -> int:
        if d < starts[0]:
            return -2
        for p in range(P):
            if starts[p] <= d < ends[p]:
                return p
        return P

    # ---- contracts
    contracts = [i for i in chosen if i.kind in CONTRACT_KINDS]
    C = len(contracts)
    c_sched = np.zeros((P, C))
    for k, inst in enumerate(contracts):
        c_sched[:, k] = sched.get(inst.id, np.zeros(P))
    c_remaining = np.cumsum(c_sched[::-1], axis=0)[::-1]
    # the annual payment of each contract: its schedule over the years it pays in
    paying_years = (c_sched > 0).astype(np.float64).T @ dts if C else np.zeros(0)
    c_annual = np.zeros(C)
    for k, inst in enumerate(contracts):
        if paying_years[k] > 0:
            c_annual[k] = c_sched[:, k].sum() / paying_years[k]
        else:
            end = inst.end or inst.start
            c_annual[k] = inst.amount / max((end - inst.start).days / 365.25, 1.0)
    terms = [_term_ends(inst, starts, ends) for inst in contracts]
    width = max([len(t) for t in terms] + [1])
    c_term_end = np.full((C, width), -1, dtype=np.int64)
    for k, t in enumerate(terms):
        c_term_end[k, : len(t)] = t

    # ---- scheduled equity investments (only those paid during the simulation matter)
    equity = [i for i in chosen if i.kind == "equity_investment"]
    q_sched = np.zeros((P, len(equity)))
    for k, inst in enumerate(equity):
        q_sched[:, k] = sched.get(inst.id, np.zeros(P))

    # ---- debt claims
    debts = [i for i in chosen if i.kind in DEBT_KINDS]
    D = len(debts)
    d_face0 = np.zeros(D)
    d_draw = np.zeros((P, D))
    d_rate = np.full(D, np.nan)
    d_mat = np.full(D, -1, dtype=np.int64)
    for k, inst in enumerate(debts):
        drawn = getattr(inst, "drawn", None)
        if drawn is not None:
            d_face0[k] = float(drawn)
        else:
            d_face0[k] = float(paid_before.get(inst.id, 0.0))
            d_draw[:, k] = sched.get(inst.id, np.zeros(P))
        rate = getattr(inst, "rate", None)
        if rate is None:
            rate = getattr(inst, "coupon", None)
        if rate is not None and not getattr(inst, "floating", False):
            d_rate[k] = float(rate)
        mat = getattr(inst, "maturity", None)
        if mat is not None:
            p = period_of(mat)
            if p == -2:  # matured before the simulation starts
                d_face0[k] = 0.0
                d_draw[:, k] = 0.0
                d_mat[k] = P
            else:
                d_mat[k] = p
    d_debtor = np.array([index[i.to] for i in debts], dtype=np.int64)
    d_creditor = np.array([index[i.from_] for i in debts], dtype=np.int64)
    d_layer = np.array([int(i.effective_seniority) for i in debts], dtype=np.int64)
    d_layer = np.minimum(d_layer, 2)

    web_debt0 = np.bincount(d_debtor, weights=d_face0, minlength=N)
    claims0 = np.bincount(d_creditor, weights=d_face0, minlength=N)
    future_draws = np.bincount(d_debtor, weights=d_draw.sum(axis=0), minlength=N)
    # what each entity must pay in its first year under signed contracts and investments
    first = np.zeros(N)
    one_year = [p for p in range(P) if (starts[p] - starts[0]).days < 365] or [0]
    for k, inst in enumerate(contracts):
        first[index[inst.from_]] += c_sched[one_year, k].sum()
    for k, inst in enumerate(equity):
        first[index[inst.from_]] += q_sched[one_year, k].sum()
    for k, inst in enumerate(debts):
        first[index[inst.from_]] += d_draw[one_year, k].sum()
    first_year_commitments = first

    # ---- deals
    deal_links: list[DealLink] = []
    is_deal = np.zeros(N, dtype=bool)
    for name, dspec in deal_specs:
        cd = compile_deal(dspec)
        ent_idx = index.get(dspec.entity, -1)
        if ent_idx < 0:
            continue
        is_deal[ent_idx] = True
        lease_tenants = {ls.id: index.get(ls.tenant, -1) for ls in cd.leases}
        lease_terms = {
            ls.id: np.array(
                [p for p in (period_of(d) for d in ls.term_ends) if 0 <= p < P], dtype=np.int64
            )
            for ls in cd.leases
        }
        customers = {c.customer: index.get(c.customer, -1) for c in cd.contracts}
        pyears = np.array(
            [d.year + (d.timetuple().tm_yday - 0.5) / 366.0 for d in cd.dates], dtype=np.float64
        )
        deal_links.append(
            DealLink(
                name=name,
                deal=cd,
                entity=ent_idx,
                scale=UNIT_SCALES[dspec.unit] / UNIT_SCALES[ledger.meta.unit],
                kind=dspec.kind,
                lease_tenants=lease_tenants,
                lease_terms=lease_terms,
                customers=customers,
                period_years=pyears,
            )
        )

    # ---- entities: starting figures
    ratio = spec.contagion.equity_ratio
    econ = spec.economics
    cc_table: dict[str, str] = dict(DEFAULT_CREDIT_CLASS)
    cc_table.update({str(k): str(v) for k, v in spec.rates.credit_class.items()})
    margins: dict[str, float] = dict(DEFAULT_MARGINS)
    margins.update({str(k): float(v) for k, v in econ.margins.items()})
    cmargins: dict[str, float] = dict(DEFAULT_CONTRACT_MARGINS)
    cmargins.update({str(k): float(v) for k, v in econ.contract_margins.items()})
    outside_rev = np.zeros(N)
    for payee, kind, amt in zip(
        year_flows.instrument_flows["payee"],
        year_flows.instrument_flows["kind"],
        year_flows.instrument_flows["amount"],
        strict=True,
    ):
        if kind == "revenue":
            outside_rev[index[payee]] += float(amt)
    raised_last_year = np.zeros(N)
    year_ago = as_of - dt.timedelta(days=365)
    for inst in equity:
        if year_ago < inst.start <= as_of:
            raised_last_year[index[inst.to]] += float(paid_before.get(inst.id, 0.0))

    operating = np.array([any(r in OPERATING_ROLES for r in rs) for rs in roles]) & ~is_deal
    never = np.array(["rest_of_world" in rs for rs in roles])
    operating &= ~never
    credit_class = np.array(
        [CREDIT_CLASSES.index(_role_value(rs, cc_table, "ig")) for rs in roles], dtype=np.int64
    )
    holder_layer = np.array(
        [
            L_INDEX[next((HOLDER_ROLES[r] for r in rs if r in HOLDER_ROLES), "other")]
            for rs in roles
        ],
        dtype=np.int64,
    )
    issuer_layer = np.array(
        [
            L_INDEX["neocloud_equity"]
            if "neocloud" in rs
            else L_INDEX["spv_equity"]
            if any(r in SPV_ROLES for r in rs)
            else -1
            for rs in roles
        ],
        dtype=np.int64,
    )
    spv_debtor = np.array([any(r in SPV_ROLES for r in rs) for rs in roles])
    sd = spec.strategic_default
    if sd.tenants is not None:
        tenant = np.array([e in sd.tenants for e in ids])
    else:
        tenant = np.array([any(r in sd.roles for r in rs) for rs in roles])
    tenant &= ~never
    gspec = spec.guarantee
    guaranteed = np.array(
        [
            gspec.enabled and (any(r in gspec.roles for r in rs) or e in gspec.entities)
            for e, rs in zip(ids, roles, strict=True)
        ]
    )
    fund = spec.funding
    equity_role = np.array([any(r in fund.equity_roles for r in rs) for rs in roles])
    debt_role = np.array([any(r in fund.debt_roles for r in rs) for rs in roles])
    capex_mode = np.array(
        [
            1
            if any(r in ("hyperscaler", "cloud", "chip_vendor") for r in rs)
            else 2
            if any(r in ("spv", "reit", "developer", "neocloud") for r in rs)
            else 0
            for rs in roles
        ],
        dtype=np.int64,
    )

    cash0 = np.zeros(N)
    other0 = np.zeros(N)
    ext_debt0 = np.zeros(N)
    outside0 = np.zeros(N)
    revenue0 = np.zeros(N)
    chip0 = np.zeros(N)
    margin = np.zeros(N)
    cmargin = np.zeros(N)
    capex0 = np.zeros(N)
    life = np.zeros(N)
    equity0 = np.zeros(N)
    ai_basis = np.zeros(N)
    rows = []
    for i, (eid, ent) in enumerate(zip(ids, ents, strict=True)):
        rs = roles[i]
        ov = spec.entities.get(eid)
        notes: list[str] = []
        _, rev = ent.latest("revenue", base_year)
        _, ai_rev = ent.latest("ai_revenue", base_year)
        _, ebitda = ent.latest("ebitda", base_year)
        _, ocf = ent.latest("operating_cash_flow", base_year)
        _, cash = ent.latest("cash", base_year)
        _, debt = ent.latest("debt", base_year)
        _, eq = ent.latest("equity", base_year)
        _, ta = ent.latest("total_assets", base_year)
        _, cpx = ent.latest("capex", base_year)
        if ov is not None and ov.revenue is not None:
            rev = ov.revenue
            notes.append("revenue from the scenario")
        if rev is None and outside_rev[i] > 0:
            rev = outside_rev[i]
            notes.append(f"revenue = outside revenue in {base_year} (ledger)")
        rev = rev or 0.0
        ai_rev = ai_rev or 0.0
        if "chip_vendor" in rs:
            chip0[i] = min(ai_rev, rev)
            revenue0[i] = rev - chip0[i]
        elif "model_lab" in rs:
            revenue0[i] = max(rev - ai_rev, 0.0)
            ai_basis[i] = ai_rev or rev
        else:
            revenue0[i] = rev
        role_margin = _role_value(rs, margins, 0.0)
        if ov is not None and ov.margin is not None:
            margin[i] = ov.margin
            notes.append("margin from the scenario")
        elif ebitda is not None and rev > 0:
            margin[i] = ebitda / rev
            notes.append("margin = EBITDA / revenue")
        elif ocf is not None and rev > 0:
            margin[i] = ocf / rev
            notes.append("margin = operating cash flow / revenue")
        else:
            margin[i] = role_margin
            notes.append(f"margin {role_margin:g} assumed for its role")
        if "model_lab" in rs and (ov is None or ov.margin is None):
            margin[i] = role_margin  # labs: margin before the compute contracts
        cmargin[i] = _role_value(rs, cmargins, margin[i] if margin[i] > 0 else 0.5)
        life[i] = _role_value(rs, ASSET_LIVES, 6.0)
        debt_total = max(debt or 0.0, web_debt0[i])
        if ov is not None and ov.debt is not None:
            debt_total = max(ov.debt, web_debt0[i])
        if operating[i]:
            builder = any(r in ("spv", "reit", "developer") for r in rs)
            committed = web_debt0[i] + future_draws[i]
            if ov is not None and ov.cash is not None:
                cash0[i] = ov.cash
                notes.append("cash from the scenario")
            elif cash is not None:
                cash0[i] = cash
            elif builder and eq is None:
                # the equity of a project is paid in alongside its loans: assets planned are
                # the committed debt / (1 - equity ratio); built so far, today's debt / (1 - r)
                cash0[i] = ratio / (1.0 - ratio) * committed - ratio / (1.0 - ratio) * web_debt0[i]
                notes.append(
                    f"project: equity {ratio:g} of the assets its committed loans build, held "
                    "as cash until spent"
                )
            else:
                base_cash = (
                    raised_last_year[i] + 0.5 * rev
                    if any(r in ("model_lab", "neocloud") for r in rs)
                    else 0.05 * debt_total / (1.0 - ratio)
                )
                cash0[i] = max(base_cash, first_year_commitments[i])
                notes.append(
                    "cash = the larger of "
                    + (
                        "equity raised in the last 12 months + half a year's revenue"
                        if any(r in ("model_lab", "neocloud") for r in rs)
                        else "5% of assumed total assets"
                    )
                    + " and its signed commitments for the first year"
                )
            ext_debt0[i] = max(debt_total - web_debt0[i], 0.0)
            if ov is not None and ov.equity is not None:
                equity0[i] = ov.equity
                notes.append("equity from the scenario")
            elif eq is not None:
                equity0[i] = eq
            elif ta is not None:
                equity0[i] = ta - debt_total
                notes.append("equity = total assets - debt")
            elif builder:
                equity0[i] = ratio / (1.0 - ratio) * committed
            elif debt_total > 0:
                equity0[i] = ratio / (1.0 - ratio) * debt_total + cash0[i]
                notes.append(f"equity = {ratio:g} of assumed total assets, plus cash")
            else:
                equity0[i] = cash0[i]
                notes.append("no debt: equity = cash")
            other0[i] = equity0[i] + debt_total - cash0[i] - claims0[i]
            if other0[i] < 0:
                notes.append(f"equity raised by {-other0[i]:.3g} so that other assets are >= 0")
                equity0[i] -= other0[i]
                other0[i] = 0.0
            capex0[i] = cpx or 0.0
        elif not is_deal[i]:
            # investors: cash is not simulated; outside assets as the contagion adapter does
            if never[i]:
                outside0[i] = 0.0
                notes.append("rest of world (never fails)")
            elif ta is not None:
                liab = (
                    ta - eq if eq is not None else (debt if debt is not None else ta * (1 - ratio))
                )
                outside0[i] = max(ta - claims0[i], 0.0)
                debt_total = max(liab, web_debt0[i])
                notes.append("outside assets = total assets - claims on the web")
            elif debt_total > 0:
                outside0[i] = max(debt_total / (1.0 - ratio) - claims0[i], 0.0)
                notes.append(f"outside assets so that equity is {ratio:g} of assets")
            else:
                notes.append("no liabilities known: cannot fail, takes losses")
            ext_debt0[i] = max(debt_total - web_debt0[i], 0.0)
            equity0[i] = outside0[i] + claims0[i] - debt_total
        rows.append(
            {
                "entity": eid,
                "simulated": "operating"
                if operating[i]
                else "deal engine"
                if is_deal[i]
                else "investor",
                "revenue": rev,
                "margin": margin[i],
                "cash": cash0[i],
                "debt_in_web": web_debt0[i],
                "debt_outside_web": ext_debt0[i],
                "claims_on_web": claims0[i],
                "equity": equity0[i],
                "basis": "; ".join(notes) or "financials",
            }
        )

    # AI revenue shares: each role's share of A(t), split within the role by AI revenue
    # where the dataset gives it (model labs), evenly otherwise; an entity counts once
    ai_weight = np.zeros(N)
    taken = never | is_deal
    for role, share in spec.adoption.split.items():
        members = np.array([role in rs for rs in roles]) & ~taken
        if not members.any():
            continue
        basis = np.where(members, np.maximum(ai_basis, 0.0), 0.0)
        if basis.sum() <= 0:
            basis = members.astype(np.float64)
        ai_weight += share * basis / basis.sum()
        taken = taken | members
    for eid, ov in spec.entities.items():
        if ov.ai_share is not None:
            ai_weight[index[eid]] = ov.ai_share
    ai_weight[is_deal] = 0.0

    # ---- equity stakes
    th_i: list[int] = []
    th_h: list[int] = []
    th_v: list[float] = []
    all_eq = [i for i in chosen if i.kind == "equity_investment"]
    amounts: dict[int, float] = {}
    for inst in all_eq:
        amounts[index[inst.to]] = amounts.get(index[inst.to], 0.0) + inst.amount
    for inst in all_eq:
        iss, hold = index[inst.to], index[inst.from_]
        if iss == hold:
            continue
        stake = getattr(inst, "stake", None)
        if stake is None:
            base = max(equity0[iss], amounts[iss] / 0.99, 1e-12)
            stake = inst.amount / base
        th_i.append(iss)
        th_h.append(hold)
        th_v.append(float(stake))
    th_issuer = np.array(th_i, dtype=np.int64)
    th_holder = np.array(th_h, dtype=np.int64)
    th_value = np.array(th_v, dtype=np.float64)
    held = np.bincount(th_issuer, weights=th_value, minlength=N)
    over = held > 0.99
    if over.any():
        th_value = th_value * np.where(over, 0.99 / np.where(over, held, 1.0), 1.0)[th_issuer]

    # ---- power needs: GW of contracts (while active) and purchases (for their asset life)
    required = np.zeros(P)
    for inst in chosen:
        gw = getattr(inst, "gw", None)
        if not gw:
            continue
        s = inst.start
        e = inst.end or inst.start
        if inst.kind == "hardware_purchase":
            e = dt.date(s.year + 6, s.month, min(s.day, 28))
        for p in range(P):
            if starts[p] < e and ends[p] > s:
                required[p] += float(gw)

    capex_base = float(_curve_at(spec.capex.path, base_year))

    # money-flow pairs
    row_ids = [i for i in range(N) if never[i]]
    row_payee = np.flatnonzero(operating) if row_ids else np.zeros(0, dtype=np.int64)
    flow_payer = np.concatenate(
        [
            np.array([index[i.from_] for i in contracts], dtype=np.int64),
            np.array([index[i.from_] for i in equity], dtype=np.int64),
            d_creditor,
            d_debtor,
            np.full(row_payee.size, row_ids[0] if row_ids else 0),
        ]
    )
    flow_payee = np.concatenate(
        [
            np.array([index[i.to] for i in contracts], dtype=np.int64),
            np.array([index[i.to] for i in equity], dtype=np.int64),
            d_debtor,
            d_creditor,
            row_payee,
        ]
    )
    # AI capex of the companies that follow the capex path goes to the chip vendors, in
    # proportion to their AI hardware revenue (the chip vendors' revenue model)
    vendors = np.flatnonzero(chip0 > 0)
    spenders = np.flatnonzero(capex_mode == 1)
    capex_payer = np.repeat(spenders, vendors.size)
    capex_payee = np.tile(vendors, spenders.size)
    capex_share = np.tile(chip0[vendors] / max(chip0[vendors].sum(), 1e-12), spenders.size)
    flow_payer = np.concatenate([flow_payer, capex_payer])
    flow_payee = np.concatenate([flow_payee, capex_payee])
    pair_key = flow_payer * N + flow_payee
    uniq, pair_of_flow = np.unique(pair_key, return_inverse=True)

    return Plan(
        ids=ids,
        names=tuple(e.name for e in ents),
        roles=roles,
        unit=ledger.meta.unit,
        base_year=base_year,
        period_start=tuple(starts),
        period_end=tuple(ends),
        year=years,
        cal=cal,
        dt=dts,
        time=mid,
        operating=operating,
        never_fails=never,
        is_deal=is_deal,
        credit_class=credit_class,
        holder_layer=holder_layer,
        issuer_layer=issuer_layer,
        spv_debtor=spv_debtor,
        tenant=tenant,
        guaranteed=guaranteed,
        equity_role=equity_role,
        debt_role=debt_role,
        capex_mode=capex_mode,
        cash0=cash0,
        other0=other0,
        ext_debt0=ext_debt0,
        outside0=outside0,
        revenue0=revenue0,
        ai_weight=ai_weight,
        chip_revenue0=chip0,
        margin=margin,
        contract_margin=cmargin,
        capex0=capex0,
        asset_life=life,
        equity0=equity0,
        c_id=tuple(i.id for i in contracts),
        c_payer=np.array([index[i.from_] for i in contracts], dtype=np.int64),
        c_payee=np.array([index[i.to] for i in contracts], dtype=np.int64),
        c_kind=np.array([CONTRACT_KINDS[i.kind] for i in contracts], dtype=np.int64),
        c_take_or_pay=np.array(
            [
                bool(getattr(i, "take_or_pay", True)) or i.kind != "compute_contract"
                for i in contracts
            ],
            dtype=bool,
        ),
        c_gw=np.array([float(getattr(i, "gw", None) or 0.0) for i in contracts]),
        c_sched=c_sched,
        c_remaining=c_remaining,
        c_annual=c_annual,
        c_term_end=c_term_end,
        q_investor=np.array([index[i.from_] for i in equity], dtype=np.int64),
        q_investee=np.array([index[i.to] for i in equity], dtype=np.int64),
        q_sched=q_sched,
        d_id=tuple(i.id for i in debts),
        d_debtor=d_debtor,
        d_creditor=d_creditor,
        d_layer=d_layer,
        d_face0=d_face0,
        d_draw=d_draw,
        d_rate=d_rate,
        d_maturity=d_mat,
        th_issuer=th_issuer,
        th_holder=th_holder,
        th_value=th_value,
        required_gw=required,
        pair_payer=(uniq // N).astype(np.int64),
        pair_payee=(uniq % N).astype(np.int64),
        pair_of_flow=pair_of_flow.astype(np.int64),
        pair_row=np.array(row_ids[:1], dtype=np.int64),
        pair_row_payee=row_payee.astype(np.int64),
        capex_payer=capex_payer.astype(np.int64),
        capex_share=capex_share,
        capex_base=capex_base,
        deals=tuple(deal_links),
        assumptions=pd.DataFrame(rows),
    )


def curve_at(curve: float | dict[int, float], t: F | float) -> F:
    """A curve's value at (fractional) calendar year(s) ``t``: linear, flat outside.

    >>> curve_at({2025: 1.0, 2027: 3.0}, np.array([2024, 2026, 2030])).tolist()
    [1.0, 2.0, 3.0]
    """
    tt = np.asarray(t, dtype=np.float64)
    if isinstance(curve, int | float):
        return np.full(tt.shape, float(curve))
    xs = np.array(list(curve.keys()), dtype=np.float64)
    ys = np.array(list(curve.values()), dtype=np.float64)
    return np.asarray(np.interp(tt, xs, ys), dtype=np.float64)


def _curve_at(curve: float | dict[int, float], year: float) -> float:
    return float(curve_at(curve, np.array([year]))[0])
