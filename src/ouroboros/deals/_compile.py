"""Turn a :class:`DealSpec` into arrays on the period grid, once, before any scenario runs.

Everything that does not depend on a scenario is computed here as arrays of shape (T,):
base rents, contract revenue, fleet capacity and collateral value, capex, fixed fees,
scheduled balance fractions of each tranche, the waterfalls with ids resolved to
indices. The engine then only multiplies these by the scenario drivers and steps
through the periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ouroboros.deals._finance import sculpt
from ouroboros.deals._spec import (
    AccountSpec,
    Action,
    ContractAsset,
    DealSpec,
    Distribute,
    FixedRate,
    FloatingRate,
    GpuFleetAsset,
    LeaseAsset,
    PayFee,
    PayInterest,
    PayPrincipal,
    Sweep,
    TopUpReserve,
    TrancheSpec,
    Transfer,
    TreasuriesAsset,
)
from ouroboros.errors import InputError
from ouroboros.model import UNIT_SCALES

__all__ = ["CompiledDeal", "compile_deal"]

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
Dates = NDArray[np.datetime64]

MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
DAYS_PER_YEAR = 365.25

# phase codes (per scenario)
CONSTRUCTION, OPERATION, LOCK_UP, DEFAULT, ENDED = 0, 1, 2, 3, 4
PHASE_NAMES = ("construction", "operation", "lock_up", "default", "ended")
# covenant metric and breach codes
DSCR, LLCR, LEVERAGE = 0, 1, 2
BREACH_LOCK_UP, BREACH_SWEEP, BREACH_DEFAULT = 0, 1, 2


# ---------------------------------------------------------------------------- calendar


def _add_months(d: dt.date, months: int, eom: bool) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (nxt - dt.timedelta(days=1)).day
    return dt.date(year, month, last if eom else min(d.day, last))


def period_ends(close: dt.date, end: dt.date, months: int) -> list[dt.date]:
    """Period end dates every ``months`` months after ``close``, the last on or after ``end``.

    Month-end closes roll month-end to month-end.

    Examples
    --------
    >>> period_ends(dt.date(2025, 10, 31), dt.date(2026, 1, 15), 1)
    [datetime.date(2025, 11, 30), datetime.date(2025, 12, 31), datetime.date(2026, 1, 31)]
    """
    eom = (close + dt.timedelta(days=1)).day == 1
    out: list[dt.date] = []
    k = 1
    while True:
        d = _add_months(close, k * months, eom)
        out.append(d)
        if d >= end:
            return out
        k += 1


def _to_days(d: dt.date) -> float:
    return float(d.toordinal())


def curve_values(curve: float | dict[int | dt.date, float], dates: Sequence[dt.date]) -> F:
    """A calendar curve at ``dates``: linear between points, flat outside.

    Examples
    --------
    >>> curve_values({2026: 1.0, 2028: 0.0}, [dt.date(2025, 6, 1), dt.date(2027, 1, 1)])
    array([1. , 0.5])
    """
    x = np.array([_to_days(d) for d in dates])
    if not isinstance(curve, dict):
        return np.full(x.shape, float(curve))
    pts = sorted(
        (_to_days(dt.date(k, 1, 1) if isinstance(k, int) else k), float(v))
        for k, v in curve.items()
    )
    out: F = np.interp(x, [p[0] for p in pts], [p[1] for p in pts])
    return out


def age_values(curve: float | dict[float, float], ages: F) -> F:
    """An age curve (``{years: value}``) at ``ages``, linear between points, flat outside."""
    if not isinstance(curve, dict):
        return np.full(np.shape(ages), float(curve))
    pts = sorted(curve.items())
    out: F = np.interp(ages, [p[0] for p in pts], [p[1] for p in pts])
    return out


# ------------------------------------------------------------------------- compiled parts


@dataclass(frozen=True)
class CLease:
    id: str
    tenant: str
    rent: F  # rent per period if active, before scenario factors
    opex: F
    start_idx: int
    term_ends: list[dt.date]  # end of the initial term and of each renewal
    term_end_idx: I  # the period in which each term ends (first period end on/after it)
    term_end_frac: F  # share of that period still inside the term
    value: F  # asset value by period (before the scenario's asset-value factor)
    guarantee_cap: float
    guarantee_until: dt.date | None


@dataclass(frozen=True)
class CContract:
    id: str
    customer: str
    tier: str
    per_period: F  # contract revenue per period while active
    take_or_pay: float
    gpus: F  # dedicated GPUs while active
    fleet: int  # index into fleets, -1 for none


@dataclass(frozen=True)
class CFleet:
    id: str
    capacity: F
    utilisation: F
    price: F
    hours: float  # GPU-hours per GPU per period
    opex: F  # per period, in the deal unit
    value: F  # collateral (residual) value
    depreciation: F
    book_value: F


@dataclass(frozen=True)
class CTranche:
    id: str
    kind: str
    seniority: int
    amount: float
    commitment: float
    frac: F  # scheduled balance as a fraction of the drawn base, by period
    maturity_idx: int
    available: NDArray[np.bool_]  # may be drawn in this period
    advance_rate: float
    fixed: float | None  # annual fixed rate, or None for floating
    index: str
    spread: float
    floor: float
    deferrable: bool
    refi_periods: int  # 0: no refinancing
    refi_index: str
    refi_spread: float
    refi_level: bool


@dataclass(frozen=True)
class CAccount:
    id: str
    kind: str
    initial: float
    invested: bool
    spread: float
    target_periods: float
    target_amount: float
    target_tranches: tuple[int, ...]


@dataclass(frozen=True)
class CFee:
    id: str
    fixed: F  # per period while active
    rate: float  # per year
    base: str | None
    active: NDArray[np.bool_]
    senior: bool


# A source of money for a payment: ("cash", -1), ("account", k) or ("revolver", j).
Source = tuple[Literal["cash", "account", "revolver"], int]


@dataclass(frozen=True)
class CAction:
    kind: str  # pay_fee, pay_interest, pay_principal, top_up_reserve, sweep, transfer, distribute
    targets: tuple[tuple[int, ...], ...] = ()  # fee indices, or tranche groups by seniority
    sources: tuple[Source, ...] = (("cash", -1),)
    share: float | None = None
    cap: float | None = None
    all_principal: bool = False
    account: int = -1
    always: bool = False


@dataclass(frozen=True)
class CCovenant:
    id: str
    metric: int
    threshold: float
    window: int
    breach: int
    cure: int


@dataclass(frozen=True)
class CompiledDeal:
    """A deal on its period grid: every scenario-independent array, computed once.

    Build it with :func:`compile_deal`; :func:`~ouroboros.deals.run_deal` accepts either
    a spec or a compiled deal (compile once when running a deal many times).
    """

    spec: DealSpec
    dates: list[dt.date]
    months: int
    ppy: int
    period_years: float  # length of a period in years (months / 12)
    t_years: F  # ACT/365 years from close to each period end
    op_start: int
    scale: float
    sofr: F
    treasury: F
    discount_rate: float  # annual
    leases: list[CLease]
    contracts: list[CContract]
    fleets: list[CFleet]
    capex: list[tuple[F, tuple[tuple[str, int], ...]]]
    tranches: list[CTranche]
    accounts: list[CAccount]
    fees: list[CFee]
    covenants: list[CCovenant]
    waterfalls: dict[int, list[CAction]]
    enforcement: list[CAction]
    close_uses: float
    close_to_account: int  # -1: cash
    equity_amount: float
    holders: list[tuple[str, float]]
    last_maturity_idx: int
    all_groups: tuple[tuple[int, ...], ...]
    lockup_derived: bool  # the lock-up waterfall is the operation one, distributions trapped
    lockup_account: int  # where trapped distributions go (-1: they stay in cash)
    base_cfads: F = field(repr=False)

    @property
    def n_periods(self) -> int:
        """Number of periods T."""
        return len(self.dates)

    @property
    def close_remainder(self) -> float:
        """What is left at close after the uses (payments, accounts' initial balances)."""
        return (
            sum(t.amount for t in self.tranches)
            + self.equity_amount
            - self.close_uses
            - sum(a.initial for a in self.accounts)
        )

    @property
    def tol(self) -> float:
        """Amounts at or below this count as zero: 1e-9 of the debt committed (at least 1e-9)."""
        return 1e-9 * max(1.0, sum(t.commitment for t in self.tranches))

    @property
    def discount_factors(self) -> F:
        """``(1 + discount_rate) ** -t`` at each period end, ``t`` in ACT/365 years from close."""
        out: F = (1.0 + self.discount_rate) ** (-self.t_years)
        return out

    def index_of(self, d: dt.date) -> int:
        """The first period whose end is on or after ``d`` (``T`` if after the horizon)."""
        return int(np.searchsorted(self._days, _to_days(d), side="left"))

    @property
    def _days(self) -> F:
        return np.array([_to_days(d) for d in self.dates])


def _years_between(a: dt.date, dates: Sequence[dt.date]) -> F:
    return np.array([(d - a).days for d in dates], dtype=np.float64) / DAYS_PER_YEAR


def _active(
    dates: Sequence[dt.date], start: dt.date | None, end: dt.date | None
) -> NDArray[np.bool_]:
    out = np.ones(len(dates), dtype=bool)
    if start is not None:
        out &= np.array([d >= start for d in dates])
    if end is not None:
        out &= np.array([d < end for d in dates])
    return out


def _overlap_days(
    close: dt.date, dates: Sequence[dt.date], start: dt.date, end: dt.date | None
) -> tuple[F, F]:
    """Days of each period ``(previous end, end]`` inside ``[start, end)``, and period days."""
    b = np.array([d.toordinal() for d in dates], dtype=np.float64)
    a = np.concatenate([[close.toordinal()], b[:-1]])
    lo = np.maximum(a, start.toordinal() - 1)
    hi = b if end is None else np.minimum(b, end.toordinal() - 1)
    return np.maximum(hi - lo, 0.0), b - a


def _months_after(d: dt.date, years: float) -> dt.date:
    return _add_months(d, round(years * 12), eom=False)


def _tranche_rate_base(t: TrancheSpec, sofr: F, treasury: F, spread: float) -> F:
    if isinstance(t.rate, FixedRate):
        return np.full(sofr.shape, t.rate.fixed)
    idx = sofr if t.rate.index == "sofr" else treasury
    return np.maximum(idx, t.rate.floor) + spread


def _spread(t: TrancheSpec, contracts: dict[str, ContractAsset]) -> float:
    if isinstance(t.rate, FixedRate):
        return 0.0
    r: FloatingRate = t.rate
    if r.spread is not None:
        return r.spread
    grid = r.spread_by_tier or {}
    weights = [(contracts[c].value, contracts[c].credit_tier) for c in r.backing or []]
    total = sum(w for w, _ in weights)
    missing = sorted({tier for _, tier in weights if tier not in grid})
    if missing:
        raise InputError(
            f"tranche {t.id!r}: rate.spread_by_tier has no spread for tier(s) "
            f"{', '.join(missing)} of its backing contracts",
            field=f"tranches.{t.id}.rate.spread_by_tier",
        )
    if total <= 0:
        return float(np.mean([grid[tier] for _, tier in weights]))
    return float(sum(w * grid[tier] for w, tier in weights) / total)


def compile_deal(spec: DealSpec) -> CompiledDeal:
    """Lay a deal on its period grid.

    Examples
    --------
    >>> from ouroboros.deals import load_deal, bundled_deal_path
    >>> cd = compile_deal(load_deal(bundled_deal_path("hyperion")))
    >>> cd.n_periods, cd.dates[0], cd.ppy
    (284, datetime.date(2025, 11, 30), 12)
    """
    cal = spec.calendar
    months = MONTHS[cal.frequency]
    ppy = 12 // months
    dtp = months / 12.0
    dates = period_ends(cal.close, cal.end, months)
    T = len(dates)
    days = np.array([_to_days(d) for d in dates])

    def idx(d: dt.date) -> int:
        return int(np.searchsorted(days, _to_days(d), side="left"))

    t_years = np.array([(d - cal.close).days for d in dates], dtype=np.float64) / 365.0
    op_start = idx(cal.operations_start) if cal.operations_start else 0
    scale = UNIT_SCALES[spec.unit]
    sofr = curve_values(spec.rates.sofr, dates)
    treasury = curve_values(spec.rates.treasury, dates)

    assets = {a.id: a for a in spec.assets}
    contracts_by_id = {a.id: a for a in spec.assets if isinstance(a, ContractAsset)}
    fleet_ids = [a.id for a in spec.assets if isinstance(a, GpuFleetAsset)]
    capex: list[tuple[F, tuple[tuple[str, int], ...]]] = []
    tranche_pos = {t.id: j for j, t in enumerate(spec.tranches)}
    account_pos = {a.id: k for k, a in enumerate(spec.accounts)}

    def funding(names: list[str]) -> tuple[tuple[str, int], ...]:
        out: list[tuple[str, int]] = []
        for n in names:
            if n in tranche_pos:
                out.append(("tranche", tranche_pos[n]))
            elif n in account_pos:
                out.append(("account", account_pos[n]))
            else:
                out.append((n, -1))
        return tuple(out)

    leases: list[CLease] = []
    contracts: list[CContract] = []
    fleets: list[CFleet] = []
    for a in spec.assets:
        if isinstance(a, LeaseAsset):
            years = np.floor(np.maximum(_years_between(a.start, dates), 0.0) + 1e-9)
            days_in, period_days = _overlap_days(cal.close, dates, a.start, None)
            on = days_in / period_days  # share of each period after the start
            rent = a.rent * dtp * (1.0 + a.escalation) ** years * on
            ends = [_months_after(a.start, a.initial_term_years)]
            if a.renewal is not None:
                for _ in range(a.renewal.options):
                    ends.append(_months_after(ends[-1], a.renewal.term_years))
            # share of the period in which each term ends that is still inside the term
            end_frac = []
            for e in ends:
                k = idx(e)
                if k < T:
                    prev = dates[k - 1] if k else cal.close
                    d_in, d_all = _overlap_days(prev, dates[k : k + 1], a.start, e)
                    end_frac.append(float(d_in[0] / d_all[0]))
                else:
                    end_frac.append(0.0)
            age = np.maximum(_years_between(a.start, dates), 0.0)
            g = a.guarantee
            leases.append(
                CLease(
                    id=a.id,
                    tenant=a.tenant,
                    rent=rent,
                    opex=a.opex * dtp * on,
                    start_idx=idx(a.start),
                    term_ends=ends,
                    term_end_idx=np.array([idx(e) for e in ends], dtype=np.int64),
                    term_end_frac=np.array(end_frac),
                    value=a.value * age_values(a.residual_value, age),
                    guarantee_cap=g.cap if g else 0.0,
                    guarantee_until=_months_after(a.start, g.years) if g else None,
                )
            )
        elif isinstance(a, ContractAsset):
            # earned evenly by day over [start, end): exact totals, part-periods prorated
            days_in, period_days = _overlap_days(cal.close, dates, a.start, a.end)
            total_days = max((a.end - a.start).days, 1)
            contracts.append(
                CContract(
                    id=a.id,
                    customer=a.customer,
                    tier=a.credit_tier,
                    per_period=a.value * days_in / total_days,
                    take_or_pay=a.take_or_pay,
                    gpus=(a.gpus or 0.0) * days_in / period_days,
                    fleet=fleet_ids.index(a.fleet) if a.fleet else -1,
                )
            )
        elif isinstance(a, GpuFleetAsset):
            cap = np.zeros(T)
            value = np.zeros(T)
            depr = np.zeros(T)
            book = np.zeros(T)
            life = a.depreciation.life_years
            for c in a.cohorts:
                cost = c.gpus * c.cost_per_gpu / scale
                age = _years_between(c.date, dates)
                live = age >= 0
                if a.retire_after_years is not None:
                    live &= age < a.retire_after_years
                cap += c.gpus * live
                value += cost * age_values(a.residual_value, np.maximum(age, 0.0)) * live
                # book value on [close, period ends]: zero before delivery
                age_ext = np.concatenate([[(cal.close - c.date).days / DAYS_PER_YEAR], age])
                a_clip = np.clip(age_ext, 0.0, life)
                if a.depreciation.method == "straight_line":
                    bv_ext = cost * (1.0 - a_clip / life)
                else:
                    rate = a.depreciation.rate or min(2.0 / life, 1.0)
                    bv_ext = cost * (1.0 - rate) ** a_clip * (age_ext < life)
                bv_ext = np.where(age_ext >= 0, bv_ext, 0.0)
                # a cohort delivered after close is bought in its period: capex to fund
                added = np.zeros(T)
                k_in = idx(c.date)
                if c.date > cal.close and k_in < T:
                    added[k_in] = cost
                    capex.append((added, funding(a.funded_by)))
                bv = bv_ext[1:]
                depr += bv_ext[:-1] + added - bv
                book += bv
            hours = a.hours_per_year * dtp
            fleets.append(
                CFleet(
                    id=a.id,
                    capacity=cap,
                    utilisation=curve_values(a.utilisation, dates),
                    price=curve_values(a.price_per_gpu_hour, dates),
                    hours=hours,
                    opex=curve_values(a.opex_per_gpu_hour, dates) * cap * hours / scale,
                    value=value,
                    depreciation=depr,
                    book_value=book,
                )
            )
    for cx in spec.capex:
        lo, hi = idx(cx.start), idx(cx.end)
        amt = np.zeros(T)
        if lo < T:
            hi = min(hi, T - 1)
            amt[lo : hi + 1] = cx.amount / (hi - lo + 1)
        capex.append((amt, funding(cx.funded_by)))

    # Base CFADS before fees (no scenario factors): for sculpting and the default discount.
    base_rev = np.zeros(T)
    base_opex = np.zeros(T)
    for ls in leases:
        k = int(ls.term_end_idx[-1])
        alive = (np.arange(T) < k) + (np.arange(T) == k) * ls.term_end_frac[-1]
        base_rev += ls.rent * alive
        base_opex += ls.opex * alive
    for ct in contracts:
        base_rev += ct.per_period
    for f_i, fl in enumerate(fleets):
        dedicated = sum((ct.gpus for ct in contracts if ct.fleet == f_i), np.zeros(T))
        spot = np.maximum(fl.capacity - dedicated, 0.0)
        base_rev += spot * fl.utilisation * fl.price * fl.hours / scale
        base_opex += fl.opex

    fees: list[CFee] = []
    for fe in spec.fees:
        start = fe.start or cal.close
        yrs = np.floor(np.maximum(_years_between(start, dates), 0.0) + 1e-9)
        active = _active(dates, fe.start, fe.end)
        fees.append(
            CFee(
                id=fe.id,
                fixed=fe.amount * dtp * (1.0 + fe.escalation) ** yrs * active,
                rate=fe.rate,
                base=fe.base,
                active=active,
                senior=fe.senior,
            )
        )
    base_fee = np.zeros(T)
    for cf in fees:
        if cf.senior:
            base_fee += cf.fixed + (
                cf.rate * dtp * base_rev * cf.active if cf.base == "revenue" else 0.0
            )
    base_cfads = base_rev - base_opex - base_fee

    tranches: list[CTranche] = []
    for t in spec.tranches:
        spread = _spread(t, contracts_by_id)
        m_idx = idx(t.maturity)
        rate_path = _tranche_rate_base(t, sofr, treasury, spread) * dtp
        frac = np.ones(T)
        am = t.amortisation
        a_idx = idx(am.start) if am.start else max(op_start, 0)
        last = min(m_idx, T - 1)
        if am.kind == "level" and a_idx <= last:
            n_pay = last - a_idx + 1 if m_idx < T else m_idx - a_idx + 1
            r = float(np.mean(rate_path[a_idx : last + 1]))
            paid = np.arange(1, last - a_idx + 2, dtype=np.float64)
            if abs(r) < 1e-12:
                rem = 1.0 - paid / n_pay
            else:
                rem = 1.0 - np.expm1(paid * np.log1p(r)) / np.expm1(n_pay * np.log1p(r))
            frac[a_idx : last + 1] = rem
        elif am.kind == "custom":
            for d, f in sorted((am.balance or {}).items()):
                k0 = idx(d)
                if k0 < T:
                    frac[k0:] = np.minimum(frac[k0:], f)
        elif am.kind == "sculpted" and a_idx <= last:
            window = base_cfads[a_idx : last + 1] * am.cfads_share
            if window.sum() <= 0:
                raise InputError(
                    f"tranche {t.id!r}: sculpted amortisation needs positive base CFADS between "
                    f"{dates[a_idx]} and maturity; the deal's assets earn none there",
                    field=f"tranches.{t.id}.amortisation",
                )
            s = sculpt(np.maximum(window, 0.0), rate_path[a_idx : last + 1], 1.0)
            frac[a_idx : last + 1] = s.closing_balance / s.size
        if m_idx < T:
            frac[m_idx:] = 0.0
        frac = np.clip(frac, 0.0, 1.0)
        commitment = t.commitment if t.commitment is not None else t.amount
        avail = _active(dates, t.available_from, t.available_until) & (np.arange(T) < m_idx)
        if t.kind not in ("delayed_draw", "revolver"):
            avail[:] = False
        ref = t.refinance
        tranches.append(
            CTranche(
                id=t.id,
                kind=t.kind,
                seniority=t.seniority,
                amount=t.amount,
                commitment=commitment,
                frac=frac,
                maturity_idx=m_idx,
                available=avail,
                advance_rate=t.advance_rate,
                fixed=t.rate.fixed if isinstance(t.rate, FixedRate) else None,
                index="fixed" if isinstance(t.rate, FixedRate) else t.rate.index,
                spread=spread,
                floor=t.rate.floor if isinstance(t.rate, FloatingRate) else 0.0,
                deferrable=t.deferrable,
                refi_periods=max(1, round(ref.term_years * ppy)) if ref else 0,
                refi_index=ref.index if ref else "treasury",
                refi_spread=ref.spread if ref else 0.0,
                refi_level=(ref.amortisation == "level") if ref else True,
            )
        )

    accounts = [_account(a, spec, assets, tranche_pos) for a in spec.accounts]
    covenants = [
        CCovenant(
            id=c.id,
            metric={"dscr": DSCR, "llcr": LLCR, "leverage": LEVERAGE}[c.metric],
            threshold=c.threshold,
            window=c.window_periods,
            breach={
                "lock_up": BREACH_LOCK_UP,
                "cash_sweep": BREACH_SWEEP,
                "default": BREACH_DEFAULT,
            }[c.breach],
            cure=c.cure_periods,
        )
        for c in spec.covenants
    ]
    waterfalls, enforcement = _waterfalls(spec, tranche_pos, account_pos)

    if spec.rates.discount_rate is not None:
        disc = spec.rates.discount_rate
    else:
        w = np.array([max(t.amount, t.commitment or 0.0) for t in spec.tranches])
        r0 = np.array(
            [
                _tranche_rate_base(t, sofr, treasury, tr.spread)[0]
                for t, tr in zip(spec.tranches, tranches, strict=True)
            ]
        )
        disc = float((w * r0).sum() / w.sum()) if w.sum() > 0 else float(r0.mean())

    remainder = spec.close.remainder_to
    return CompiledDeal(
        spec=spec,
        dates=dates,
        months=months,
        ppy=ppy,
        period_years=dtp,
        t_years=t_years,
        op_start=op_start,
        scale=scale,
        sofr=sofr,
        treasury=treasury,
        discount_rate=disc,
        leases=leases,
        contracts=contracts,
        fleets=fleets,
        capex=capex,
        tranches=tranches,
        accounts=accounts,
        fees=fees,
        covenants=covenants,
        waterfalls=waterfalls,
        enforcement=enforcement,
        close_uses=sum(p.amount for p in spec.close.payments),
        close_to_account=account_pos.get(remainder, -1),
        equity_amount=spec.equity.amount,
        holders=[(h.id, h.share) for h in spec.equity.holders],
        last_maturity_idx=min(max(t.maturity_idx for t in tranches), T - 1),
        all_groups=_groups(None, spec, tranche_pos),
        lockup_derived=spec.waterfalls.lock_up is None,
        lockup_account=next((k for k, a in enumerate(spec.accounts) if a.kind == "lock_up"), -1),
        base_cfads=base_cfads,
    )


def _account(
    a: AccountSpec,
    spec: DealSpec,
    assets: Mapping[str, object],
    tranche_pos: dict[str, int],
) -> CAccount:
    inv = assets.get(a.invested_in) if a.invested_in else None
    tgt = a.target
    ids = tgt.tranches if tgt and tgt.tranches is not None else [t.id for t in spec.tranches]
    return CAccount(
        id=a.id,
        kind=a.kind,
        initial=a.initial,
        invested=isinstance(inv, TreasuriesAsset),
        spread=inv.spread if isinstance(inv, TreasuriesAsset) else 0.0,
        target_periods=(tgt.periods_of_debt_service or 0.0) if tgt else 0.0,
        target_amount=(tgt.amount or 0.0) if tgt else 0.0,
        target_tranches=tuple(tranche_pos[i] for i in ids),
    )


def _groups(
    ids: list[str] | None, spec: DealSpec, tranche_pos: dict[str, int]
) -> tuple[tuple[int, ...], ...]:
    """Tranches in seniority order (stable), grouped by equal seniority (paid pro rata)."""
    chosen = ids if ids is not None else [t.id for t in spec.tranches]
    order = sorted(chosen, key=lambda i: spec.tranches[tranche_pos[i]].seniority)
    out: list[list[int]] = []
    last = None
    for i in order:
        s = spec.tranches[tranche_pos[i]].seniority
        if s != last:
            out.append([])
            last = s
        out[-1].append(tranche_pos[i])
    return tuple(tuple(g) for g in out)


def _waterfalls(
    spec: DealSpec, tranche_pos: dict[str, int], account_pos: dict[str, int]
) -> tuple[dict[int, list[CAction]], list[CAction]]:
    fee_pos = {f.id: k for k, f in enumerate(spec.fees)}

    def sources(names: list[str]) -> tuple[Source, ...]:
        out: list[Source] = []
        for n in names:
            if n == "cash":
                out.append(("cash", -1))
            elif n in account_pos:
                out.append(("account", account_pos[n]))
            else:
                out.append(("revolver", tranche_pos[n]))
        return tuple(out)

    def one(a: Action) -> CAction:
        share = a.limit.share if a.limit else None
        cap = a.limit.amount if a.limit else None
        if isinstance(a, PayFee):
            ids = a.fees if a.fees is not None else [f.id for f in spec.fees]
            return CAction(
                "pay_fee", tuple((fee_pos[i],) for i in ids), sources(a.from_), share, cap
            )
        if isinstance(a, PayInterest):
            return CAction(
                "pay_interest", _groups(a.tranches, spec, tranche_pos), sources(a.from_), share, cap
            )
        if isinstance(a, PayPrincipal):
            return CAction(
                "pay_principal",
                _groups(a.tranches, spec, tranche_pos),
                sources(a.from_),
                share,
                cap,
                all_principal=a.amount == "all",
            )
        if isinstance(a, TopUpReserve):
            return CAction(
                "top_up_reserve", (), sources(a.from_), share, cap, account=account_pos[a.account]
            )
        if isinstance(a, Sweep):
            return CAction(
                "sweep",
                _groups(a.tranches, spec, tranche_pos),
                (("cash", -1),),
                a.share if share is None else min(share, a.share),
                cap,
                all_principal=True,
                always=a.when == "always",
            )
        if isinstance(a, Transfer):
            return CAction("transfer", (), (("cash", -1),), share, cap, account=account_pos[a.to])
        assert isinstance(a, Distribute)
        return CAction("distribute", (), (("cash", -1),), share, cap)

    wf = spec.waterfalls
    operation = [one(a) for a in wf.operation]
    all_sources: tuple[Source, ...] = (
        ("cash", -1),
        *(("account", k) for k in range(len(spec.accounts))),
    )
    fee_all = tuple((k,) for k in range(len(spec.fees)))
    # after acceleration each seniority is paid interest and all principal before the next
    default = [CAction("pay_fee", fee_all, all_sources)]
    for grp in _groups(None, spec, tranche_pos):
        default.append(CAction("pay_interest", (grp,), all_sources))
        default.append(CAction("pay_principal", (grp,), all_sources, all_principal=True))
    lockups = [k for k, a in enumerate(spec.accounts) if a.kind == "lock_up"]
    if wf.lock_up is not None:
        lock_up = [one(a) for a in wf.lock_up]
    else:
        lock_up = []
        for a in operation:
            if a.kind == "distribute":
                if lockups:
                    lock_up.append(
                        CAction("transfer", (), (("cash", -1),), a.share, a.cap, account=lockups[0])
                    )
            else:
                lock_up.append(a)
    out = {
        CONSTRUCTION: [one(a) for a in wf.construction] if wf.construction else operation,
        OPERATION: operation,
        LOCK_UP: lock_up,
        DEFAULT: [one(a) for a in wf.default] if wf.default else default,
    }
    enforcement = (
        [one(a) for a in wf.enforcement] if wf.enforcement else [*default, CAction("distribute")]
    )
    return out, enforcement
