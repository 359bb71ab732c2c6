"""The period-by-period deal engine, vectorised over scenarios.

The loop over periods is unavoidable (a reserve, a lock-up or a default depends on the
path so far) but every step is numpy over all scenarios at once: state is held as arrays
of shape (scenarios,) per tranche and account, and each waterfall action is a handful of
array operations. Scenarios in different phases (operation, lock-up, default) run their
phase's waterfall under a mask, only when some scenario is in that phase.

Within a period the order is: refinancing at maturity; rates, interest and scheduled
principal due; account income and releases; capex funded (accounts, delayed draws, cash,
equity); operating cash in; the phase's waterfall; events of default; terminations (sale
after enforcement, a lease ending, the horizon); covenant tests, which set the phase of
the next period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ouroboros.deals._compile import (
    BREACH_DEFAULT,
    BREACH_LOCK_UP,
    BREACH_SWEEP,
    CONSTRUCTION,
    DEFAULT,
    DSCR,
    ENDED,
    LEVERAGE,
    LLCR,
    LOCK_UP,
    OPERATION,
    CAction,
    CompiledDeal,
    Source,
    compile_deal,
)
from ouroboros.deals._drivers import Drivers, check_names, make_drivers
from ouroboros.deals._result import DealResult, build_result
from ouroboros.deals._spec import DealSpec

__all__ = ["run_deal", "simulate"]

F = NDArray[np.float64]
B = NDArray[np.bool_]


def run_deal(
    deal: DealSpec | CompiledDeal,
    drivers: Drivers | None = None,
    *,
    detail: bool = True,
) -> DealResult:
    """Run a deal over every scenario of ``drivers`` at once.

    Parameters
    ----------
    deal : DealSpec or CompiledDeal
        The deal (compile it once with :func:`~ouroboros.deals.compile_deal` to run it
        many times).
    drivers : Drivers, optional
        Scenario drivers; default one base-case scenario.
    detail : bool
        Build the per-period tidy tables (``periods``, ``tranches``, ``accounts``,
        ``equity``). With ``False`` only the summaries are built, which is what large
        Monte Carlo runs want (the per-period tables of 10,000 scenarios would hold
        millions of rows).

    Returns
    -------
    DealResult

    Examples
    --------
    >>> from ouroboros.deals import bundled_deal, make_drivers
    >>> res = run_deal(bundled_deal("hyperion"), make_drivers(2, rent_factor=[[1.0], [0.7]]))
    >>> res.summary[["scenario", "default_date"]].to_dict("records")[0]["default_date"] is None
    True
    >>> bool(res.summary.loc[1, "min_dscr"] < res.summary.loc[0, "min_dscr"])
    True
    """
    cd = deal if isinstance(deal, CompiledDeal) else compile_deal(deal)
    drv = drivers if drivers is not None else make_drivers(1)
    return build_result(cd, drv, simulate(cd, drv, detail=detail), detail=detail)


def simulate(cd: CompiledDeal, drivers: Drivers, *, detail: bool = False) -> dict[str, Any]:
    """Run the period loop and return the raw records (arrays keyed by name).

    The arrays are time-major, ``(T, S)`` or ``(J, T, S)``; :func:`run_deal` turns them
    into a :class:`DealResult`. Used directly by the breakeven search.
    """
    run = _Run(cd, drivers, detail)
    run.loop()
    return run.records()


class _Run:
    """State and steps of one vectorised run (private; see :func:`run_deal`)."""

    def __init__(self, cd: CompiledDeal, drv: Drivers, detail: bool) -> None:
        self.cd = cd
        self.drv = drv
        self.detail = detail
        S = self.S = drv.n
        T = self.T = cd.n_periods
        J, K, NF = len(cd.tranches), len(cd.accounts), len(cd.fees)
        self.J, self.K, self.NF = J, K, NF
        self.tol = cd.tol
        self.disc = cd.discount_factors  # at close, by period end
        self._precompute()

        # ---- state
        self.bal = np.array([np.full(S, t.amount) for t in cd.tranches]).reshape(J, S)
        self.base = np.array(
            [np.full(S, t.commitment if t.kind == "revolver" else t.amount) for t in cd.tranches]
        ).reshape(J, S)
        self.drawn = np.array([np.full(S, t.amount) for t in cd.tranches]).reshape(J, S)
        self.arrears = np.zeros((J, S))
        self.acct = np.array([np.full(S, a.initial) for a in cd.accounts]).reshape(K, S)
        self.fee_arr = np.zeros((NF, S))
        self.cash = np.zeros(S)
        remainder = cd.close_remainder
        if cd.close_to_account >= 0:
            self.acct[cd.close_to_account] += remainder
        else:
            self.cash += remainder
        self.phase = np.full(S, OPERATION, dtype=np.int8)
        self.default_t = np.full(S, -1, dtype=np.int64)
        self.breach_t = np.full(S, -1, dtype=np.int64)
        self.end_t = np.full(S, -1, dtype=np.int64)
        self.sweep_on = np.zeros(S, dtype=bool)
        self.any_sweep = False
        # trailing CFADS and debt service: running sums and a ring of the last w periods
        self.window_sums: dict[int, tuple[F, F, F, F]] = {
            w: (np.zeros(S), np.zeros(S), np.zeros((w, S)), np.zeros((w, S)))
            for w in {c.window for c in cd.covenants}
        }
        # summaries accumulated as the loop runs
        self.min_dscr = np.full(S, np.inf)
        self.sum_dscr = np.zeros(S)
        self.n_dscr = np.zeros(S)
        self.pv_cfads_life = np.zeros(S)  # to the last maturity (LLCR at close)
        self.pv_cfads_all = np.zeros(S)  # to the horizon (PLCR at close)
        self.wal_num = np.zeros((J, S))
        self.prin_sum = np.zeros((J, S))
        self.lock_mask: B | None = None
        self.lock_pass = np.zeros(S, dtype=np.int64)
        self.sweep_pass = np.zeros(S, dtype=np.int64)
        self.lease_sold = np.zeros((len(cd.leases), S), dtype=bool)
        self.refi_on = np.zeros((J, S), dtype=bool)
        self.refi_start = np.zeros((J, S), dtype=np.int64)
        self.refi_b0 = np.zeros((J, S))
        self.refi_r = np.zeros((J, S))
        self.refi_lg = np.zeros((J, S))
        self.refi_den = np.ones((J, S))
        self.refi_small = np.zeros((J, S), dtype=bool)
        self.any_refi = [False] * J
        self.any_arrears = [False] * J
        self.lockup_used = False
        self.n_ended = 0

        # ---- records: always (T, S); detailed ones (T, S) or a (1, S) scratch row
        Td = T if detail else 1
        self.Td = Td
        z = np.zeros
        # per-period records; in summary mode only the lender and equity flows (for XIRR)
        # are kept for every period: fresh large arrays are costly (page faults), so the
        # other summaries accumulate as the loop runs
        self.r_cfads = z((Td, S))
        self.r_ds = z((Td, S))
        self.r_phase = np.zeros((Td, S), dtype=np.int8)
        # lender and equity flows: row 0 is the money paid in at close, row t + 1 period t
        self.r_lender = z((J, T + 1, S))
        for j, tranche in enumerate(cd.tranches):
            self.r_lender[j, 0] = -tranche.amount
        self.r_prin = z((J, Td, S))
        self.r_draw = z((J, T, S))
        self.r_equity = z((T + 1, S))
        self.r_equity[0] = -cd.equity_amount
        self.r_loss = z((J, S))
        self.r_int_loss = z((J, S))
        self.r_debt = z((Td, S))
        # detailed
        self.r_rev = z((Td, S))
        self.r_opex = z((Td, S))
        self.r_opex_unpaid = z((Td, S))
        self.r_capex = z((Td, S))
        self.r_capex_unfunded = z((Td, S))
        self.r_contrib = z((Td, S))
        self.r_dist = z((Td, S))
        self.r_guar = z((Td, S))
        self.r_sale = z((Td, S))
        self.r_cash_bf = z((Td, S))
        self.r_cash_cf = z((Td, S))
        self.r_fee_due = z((NF, Td, S))
        self.r_fee_paid = z((NF, Td, S))
        self.r_bal0 = z((J, Td, S))
        self.r_bal1 = z((J, Td, S))
        self.r_rate = z((J, Td, S))
        self.r_int_due = z((J, Td, S))
        self.r_int_paid = z((J, Td, S))
        self.r_prin_due = z((J, Td, S))
        self.r_wo = z((J, Td, S))
        self.r_arrears = z((J, Td, S))
        self.r_acc0 = z((K, Td, S))
        self.r_acc1 = z((K, Td, S))
        self.r_dep = z((K, Td, S))
        self.r_wd = z((K, Td, S))
        self.r_inc = z((K, Td, S))
        self.r_cov = np.zeros((len(cd.covenants), Td, S), dtype=bool)
        self.r_sweep = np.zeros((Td, S), dtype=bool)

    # ------------------------------------------------------------------ precompute

    def _precompute(self) -> None:
        cd, drv, S, T = self.cd, self.drv, self.S, self.T
        check_names(cd, drv.walk_away, drv.customer_default)
        tt = np.arange(T)[:, None]
        util_f = drv.grid("utilisation_factor", T)
        rev = np.zeros((T, S))
        opex = np.zeros((T, 1))
        # leases: end index per scenario (walk-away at the first term end on/after a date)
        self.lease_end: list[NDArray[np.int64]] = []
        self.lease_end_periods: set[int] = set()
        self.lease_walk_covered: list[B] = []
        rent_f = drv.grid("rent_factor", T)
        for ls in cd.leases:
            last = len(ls.term_ends) - 1
            term = np.full(S, last, dtype=np.int64)  # which term end the lease stops at
            for key in (ls.id, "*"):
                if key in drv.walk_away:
                    w = drv.walk_away[key]
                    term_days = np.array(ls.term_ends, dtype="datetime64[D]")
                    pos = np.searchsorted(term_days, w, side="left")
                    has = ~np.isnat(w) & (pos <= last)
                    term = np.where(has, np.minimum(pos, last), term)
                    break
            end = ls.term_end_idx[term]
            end_date = np.array(ls.term_ends, dtype="datetime64[D]")[term]
            end_frac = ls.term_end_frac[term]
            self.lease_end.append(end)
            self.lease_end_periods.update(int(x) for x in np.unique(end))
            if ls.guarantee_until is not None:
                covered = end_date <= np.datetime64(ls.guarantee_until, "D")
            else:
                covered = np.zeros(S, dtype=bool)
            self.lease_walk_covered.append(covered)
            # full periods before the one in which the lease ends, a share of that one
            active = (tt < end[None, :]) + (tt == end[None, :]) * end_frac[None, :]
            rev += ls.rent[:, None] * rent_f * active
            if ls.opex.any():
                opex = opex + ls.opex[:, None] * active
        # contracts and fleets
        dedicated = [np.zeros((T, 1)) for _ in cd.fleets]
        for ct in cd.contracts:
            alive: Any = 1.0
            if ct.customer in drv.customer_default:
                d = drv.customer_default[ct.customer]
                days = np.array(cd.dates, dtype="datetime64[D]")
                first = np.searchsorted(days, d, side="left")
                first = np.where(np.isnat(d), T, first)
                alive = tt < first[None, :]
            mult = ct.take_or_pay + (1.0 - ct.take_or_pay) * util_f
            rev += ct.per_period[:, None] * mult * alive
            if ct.fleet >= 0:
                dedicated[ct.fleet] = dedicated[ct.fleet] + ct.gpus[:, None] * alive
        price_f = drv.grid("gpu_price_factor", T)
        for f_i, fl in enumerate(cd.fleets):
            spot = np.maximum(fl.capacity[:, None] - dedicated[f_i], 0.0)
            per_gpu = (fl.utilisation * fl.price * fl.hours / cd.scale)[:, None]
            rev += spot * per_gpu * util_f * price_f
            opex = opex + fl.opex[:, None]
        cf = drv.grid("cfads_factor", T)
        if np.all(drv.cfads_factor == 1.0):
            rev_eff = rev
        else:
            op = rev - opex
            rev_eff = np.where(op > 0, op * cf + opex, rev)
        self.rev = np.ascontiguousarray(rev_eff)
        self.opex = opex  # (T, S), or (T, 1) when no scenario moves it
        self.opex_any: NDArray[np.bool_] = np.asarray(self.opex.any(axis=1))
        self.avf = drv.grid("asset_value_factor", T)
        # rates, time-major
        self.sofr = drv.grid("sofr", T) if drv.sofr is not None else cd.sofr[:, None]
        self.tsy = drv.grid("treasury", T) if drv.treasury is not None else cd.treasury[:, None]
        self.refi_rate = drv.grid("refinance_rate", T) if drv.refinance_rate is not None else None
        self.rates: list[Any] = []
        for t in cd.tranches:
            if t.fixed is not None:
                self.rates.append(t.fixed * cd.period_years)
            else:
                idx = self.sofr if t.index == "sofr" else self.tsy
                arr = (np.maximum(idx, t.floor) + t.spread) * cd.period_years
                self.rates.append(np.ascontiguousarray(arr) if arr.shape[1] == S else arr)
        # fees: senior fixed/revenue parts, for the CFADS metric and LLCR projection
        senior_fee = np.zeros((T, S))
        for fe in cd.fees:
            if fe.senior:
                senior_fee += fe.fixed[:, None]
                if fe.base == "revenue":
                    senior_fee += fe.rate * cd.period_years * self.rev * fe.active[:, None]
        self.cfads_proj = (
            self.rev - self.opex - senior_fee
            if senior_fee.any() or self.opex_any.any()
            else self.rev
        )
        self.capex_total = sum((c[0] for c in cd.capex), np.zeros(T))
        self.has_llcr = any(c.metric == LLCR for c in cd.covenants)
        if self.has_llcr:
            # PV (at close) of projected CFADS after each period, to the last maturity;
            # kept as a running tail so no (T, S) array of forward PVs is needed
            last = cd.last_maturity_idx
            self.pv_tail = self.disc[: last + 1] @ self.cfads_proj[: last + 1]

    # ------------------------------------------------------------------ money moves

    def _take(self, due: F, sources: tuple[Source, ...], tr: int) -> F:
        """Pay ``due`` from ``sources`` in order; return the amount paid."""
        paid: F | None = None
        rem = due
        last = len(sources) - 1
        for i, (kind, k) in enumerate(sources):
            if kind == "cash":
                x = np.minimum(rem, self.cash)
                self.cash -= x
            elif kind == "account":
                x = np.minimum(rem, self.acct[k])
                self.acct[k] -= x
                if self.detail:
                    self.r_wd[k, tr] += x
            else:
                room = np.maximum(self.cd.tranches[k].commitment - self.bal[k], 0.0)
                room *= self.revolver_ok[k]
                x = np.minimum(rem, room)
                self.bal[k] += x
                self.r_draw[k, self.t] += x
                self.r_lender[k, self.t + 1] -= x
            if paid is None:
                paid = x
            else:
                paid += x
            if i < last:
                rem = rem - x
        assert paid is not None
        return paid

    def _budget(self, act: CAction, mask: B | None) -> F | None:
        """The most ``act`` may spend: its share of the cash, within its cap (None: no limit)."""
        if act.share is None and act.cap is None:
            return None
        b = self.cash * (act.share if act.share is not None else 1.0)
        if act.cap is not None:
            b = np.minimum(b, act.cap)
        return b if mask is None else b * mask

    def _spendable(self, budget: F | None, mask: B | None) -> F:
        """The cash an action that takes what is left may use: its budget, else all of it."""
        if budget is not None:
            return budget
        return self.cash.copy() if mask is None else self.cash * mask

    def _pay_groups(
        self, act: CAction, left: F, mask: B | None, tr: int, budget: F | None, what: str
    ) -> None:
        """Pay ``left[j]`` for each seniority group in order, pro rata inside a group."""
        t = self.t
        for grp in act.targets:
            if len(grp) == 1:
                j = grp[0]
                due = left[j] if mask is None else left[j] * mask
                if budget is not None:
                    due = np.minimum(due, budget)
                paid = self._take(due, act.sources, tr)
                parts = [(j, paid)]
            else:
                dues = [left[j] if mask is None else left[j] * mask for j in grp]
                tot = sum(dues[1:], dues[0])
                if budget is not None:
                    capped = np.minimum(tot, budget)
                    paid_all = self._take(capped, act.sources, tr)
                else:
                    paid_all = self._take(tot, act.sources, tr)
                ratio = np.divide(paid_all, tot, out=np.zeros_like(tot), where=tot > 0)
                parts = [(j, d * ratio) for j, d in zip(grp, dues, strict=True)]
                paid = paid_all
            if budget is not None:
                budget -= paid
            for j, p in parts:
                left[j] -= p
                self.r_lender[j, t + 1] += p
                if what == "interest":
                    if self.detail:
                        self.r_int_paid[j, tr] += p
                else:
                    self.bal[j] -= p
                    self.wal_num[j] += self.cd.t_years[t] * p
                    self.prin_sum[j] += p
                    if self.detail:
                        self.r_prin[j, tr] += p
                    if left is not self.prin_left:
                        self.prin_left[j] = np.maximum(self.prin_left[j] - p, 0.0)

    def _run_waterfall(self, actions: list[CAction], mask: B | None) -> None:
        tr = self.tr
        for act in actions:
            kind = act.kind
            budget = self._budget(act, mask)
            if kind == "pay_interest":
                self._pay_groups(act, self.int_left, mask, tr, budget, "interest")
            elif kind == "pay_principal":
                left = self.bal.copy() if act.all_principal else self.prin_left
                self._pay_groups(act, left, mask, tr, budget, "principal")
            elif kind == "pay_fee":
                for (f,) in act.targets:
                    due = self.fee_left[f] if mask is None else self.fee_left[f] * mask
                    if budget is not None:
                        due = np.minimum(due, budget)
                    paid = self._take(due, act.sources, tr)
                    if budget is not None:
                        budget -= paid
                    self.fee_left[f] -= paid
                    if self.detail:
                        self.r_fee_paid[f, tr] += paid
            elif kind == "top_up_reserve":
                k = act.account
                need = self.reserve_target[k] - self.acct[k]
                excess = np.maximum(-need, 0.0)
                if mask is not None:
                    excess *= mask
                self.acct[k] -= excess
                self.cash += excess
                if self.detail:
                    self.r_wd[k, tr] += excess
                due = np.maximum(need, 0.0)
                if mask is not None:
                    due = due * mask
                if budget is not None:
                    due = np.minimum(due, budget)
                paid = self._take(due, act.sources, tr)
                self.acct[k] += paid
                if self.detail:
                    self.r_dep[k, tr] += paid
            elif kind == "sweep":
                if not act.always and not self.any_sweep:
                    continue
                amount = self._spendable(budget, mask)
                if not act.always:
                    amount = amount * self.sweep_on
                self._pay_groups(act, self.bal.copy(), None, tr, amount, "principal")
            elif kind == "transfer":
                amt = self._spendable(budget, mask)
                self.cash -= amt
                self.acct[act.account] += amt
                self.r_dep[act.account, tr] += amt
                if self.cd.accounts[act.account].kind == "lock_up":
                    self.lockup_used = True
            else:  # distribute
                amt = self._spendable(budget, mask)
                if self.lock_mask is not None:
                    # scenarios in lock-up: what equity would get is trapped instead
                    trapped = amt * self.lock_mask
                    amt = amt - trapped
                    k = self.cd.lockup_account
                    if k >= 0:
                        self.cash -= trapped
                        self.acct[k] += trapped
                        self.r_dep[k, tr] += trapped
                        self.lockup_used = True
                self.cash -= amt
                self.r_dist[tr] += amt
                self.r_equity[self.t + 1] += amt

    # -------------------------------------------------------------------- the loop

    def loop(self) -> None:
        """Step through every period."""
        for t in range(self.T):
            self._step(t)

    def _step(self, t: int) -> None:
        cd, S = self.cd, self.S
        self.t = t
        tr = self.tr = t if self.detail else 0
        J, K = self.J, self.K
        phase = self.phase
        in_construction = t < cd.op_start
        if self.detail:
            self.r_phase[t] = phase
            if in_construction:
                self.r_phase[t] = np.where(phase == OPERATION, CONSTRUCTION, phase)
        tested_start = None if in_construction else (phase == OPERATION) | (phase == LOCK_UP)
        alive: B | None = None if self.n_ended == 0 else phase != ENDED
        if self.detail:
            self.r_cash_bf[tr] = self.cash

        # ---- refinancing at maturity, rates, dues
        rate_t: list[Any] = []
        for j, tranche in enumerate(cd.tranches):
            r = self.rates[j]
            r = r[t] if isinstance(r, np.ndarray) else r
            if tranche.refi_periods and t == tranche.maturity_idx:
                self._refinance(j, t)
            if self.any_refi[j]:
                r = np.where(self.refi_on[j] & (self.refi_start[j] <= t), self.refi_r[j], r)
            rate_t.append(r)
        self.rate_t = rate_t
        self.revolver_ok = [
            bool(tr_.available[t]) and tr_.kind == "revolver" for tr_ in cd.tranches
        ]
        if any(self.revolver_ok):
            ok = (phase == OPERATION) | (phase == LOCK_UP)
            self.revolver_ok = [ok if v else False for v in self.revolver_ok]
        self.int_left = np.empty((J, S))
        self.prin_left = np.empty((J, S))
        ds = self.r_ds[tr]  # accumulates in place
        ds[:] = 0.0
        owed: list[F] = []
        in_default = phase == DEFAULT
        any_default = bool(in_default.any())
        for j, tranche in enumerate(cd.tranches):
            b = self.bal[j]
            interest = b * rate_t[j]
            target = tranche.frac[t] * self.base[j]
            if self.any_refi[j]:
                target = np.where(self.refi_on[j], self._refi_target(j, t), target)
            sched = np.maximum(b - target, 0.0)
            owed.append(interest + sched)
            ds += owed[-1]
            if self.any_arrears[j]:
                np.add(interest, self.arrears[j], out=self.int_left[j])
            else:
                self.int_left[j] = interest
            self.prin_left[j] = np.where(in_default, b, sched) if any_default else sched
            if self.detail:
                self.r_bal0[j, tr] = b
                self.r_rate[j, tr] = rate_t[j]
                self.r_int_due[j, tr] = self.int_left[j]
                self.r_prin_due[j, tr] = self.prin_left[j]
        if alive is not None:
            ds *= alive

        # ---- accounts: income, releases, reserve targets
        for k, acc in enumerate(cd.accounts):
            if self.detail:
                self.r_acc0[k, tr] = self.acct[k]
            if acc.invested:
                inc = self.acct[k] * ((self.tsy[t] + acc.spread) * cd.period_years)
                self.acct[k] += inc
                if self.detail:
                    self.r_inc[k, tr] = inc
            if acc.kind == "construction" and t == cd.op_start and t > 0:
                x = self.acct[k].copy()
                self.acct[k] = 0.0
                self.cash += x
                self.r_wd[k, tr] += x
            elif acc.kind == "lock_up" and self.lockup_used:
                x = self.acct[k] * (phase != LOCK_UP)
                self.acct[k] -= x
                self.cash += x
                self.r_wd[k, tr] += x
        self.reserve_target: dict[int, Any] = {}
        for k, acc in enumerate(cd.accounts):
            if acc.kind == "reserve":
                cov = np.zeros(S)
                for j in acc.target_tranches:
                    cov += owed[j]
                self.reserve_target[k] = np.maximum(cov * acc.target_periods, acc.target_amount)

        # ---- capex funding
        if self.capex_total[t] > 0:
            self._fund_capex(t, tr, alive)

        # ---- operating cash
        rev = self.rev[t] if alive is None else self.rev[t] * alive
        self.cash += rev
        self.r_rev[tr] = rev
        if self.opex_any[t]:
            opex = self.opex[t] if alive is None else self.opex[t] * alive
            paid = np.minimum(opex, self.cash)
            self.cash -= paid
            self.r_opex[tr] = paid
            unpaid = opex - paid
            self.r_opex_unpaid[tr] = unpaid
        else:
            unpaid = None
        # fees due
        self.fee_left = np.empty((self.NF, S))
        senior_extra = None
        for f, fe in enumerate(cd.fees):
            due: Any = fe.fixed[t]
            if fe.rate > 0 and fe.active[t]:
                if fe.base == "revenue":
                    due = due + fe.rate * cd.period_years * rev
                else:
                    extra = fe.rate * cd.period_years * self.bal.sum(axis=0)
                    due = due + extra
                    if fe.senior:
                        senior_extra = extra if senior_extra is None else senior_extra + extra
            if alive is not None:
                due = due * alive
            self.fee_left[f] = due + self.fee_arr[f]
            if self.detail:
                self.r_fee_due[f, tr] = self.fee_left[f]
        cfads = self.cfads_proj[t] if senior_extra is None else self.cfads_proj[t] - senior_extra
        if alive is not None:
            cfads = cfads * alive
        self.r_cfads[tr] = cfads
        cfads = self.r_cfads[tr]

        # ---- scenarios wound up this period skip the ordinary waterfall
        term, enforce, ending = self._ending(t)

        # ---- summaries: DSCR over operating periods with debt service (not a wind-up
        # before the horizon, whose debt service is paid from the sale), PV of CFADS
        if tested_start is not None:
            valid = tested_start & (ds > self.tol)
            if term is not None and t != self.T - 1:
                valid &= ~term
            with np.errstate(divide="ignore", invalid="ignore"):
                dscr = cfads / ds
            np.minimum(self.min_dscr, np.where(valid, dscr, np.inf), out=self.min_dscr)
            self.sum_dscr += np.where(valid, dscr, 0.0)
            self.n_dscr += valid
        pv = cfads * self.disc[t]
        self.pv_cfads_all += pv
        if t <= cd.last_maturity_idx:
            self.pv_cfads_life += pv

        # ---- waterfalls by phase
        wf = cd.waterfalls
        op_code = CONSTRUCTION if in_construction else OPERATION
        counts = np.bincount(phase, minlength=5)
        groups = [(OPERATION, op_code), (LOCK_UP, LOCK_UP), (DEFAULT, DEFAULT)]
        self.lock_mask = None
        if cd.lockup_derived and counts[LOCK_UP] and not in_construction:
            # the lock-up waterfall is the operation one with distributions trapped: run it
            # once for both phases, diverting what lock-up scenarios would distribute
            self.lock_mask = phase == LOCK_UP
            if term is not None:
                self.lock_mask &= ~term
            counts[OPERATION] += counts[LOCK_UP]
            counts[LOCK_UP] = 0
        for code, p in groups:
            c = int(counts[code])
            if c == 0:
                continue
            if self.lock_mask is not None and code == OPERATION:
                in_phase = (phase == OPERATION) | (phase == LOCK_UP)
            else:
                in_phase = phase == code
            if term is None:
                self._run_waterfall(wf[p], None if c == S else in_phase)
            else:
                self._run_waterfall(wf[p], in_phase & ~term)
        self.lock_mask = None

        # ---- end of period: arrears, events of default
        shortfall = np.zeros(S, dtype=bool)
        for j, tranche in enumerate(cd.tranches):
            self.arrears[j] = self.int_left[j]
            short = self.int_left[j] > self.tol
            self.any_arrears[j] = bool(short.any())
            if not tranche.deferrable:
                shortfall |= short
                shortfall |= self.prin_left[j] > self.tol
        if unpaid is not None:
            shortfall |= unpaid > self.tol
        self.fee_arr[:] = self.fee_left
        if shortfall.any():
            new_default = shortfall & ((phase == OPERATION) | (phase == LOCK_UP))
            if term is not None:
                new_default &= ~term
            if new_default.any():
                self.default_t[new_default] = t
                phase[new_default] = DEFAULT

        # ---- leases ending, enforcement sales, the horizon
        if term is not None or ending:
            self._wind_up(t, tr, term, enforce, ending)

        # ---- covenants (set next period's phase)
        if self.has_llcr and t <= cd.last_maturity_idx:
            self.pv_tail = self.pv_tail - self.cfads_proj[t] * self.disc[t]
        debt = self.r_debt[tr]
        np.sum(self.bal, axis=0, out=debt)
        if cd.covenants and not in_construction:
            self._covenants(t, tr, debt)

        # ---- records
        if self.detail:
            for j in range(J):
                self.r_bal1[j, tr] = self.bal[j]
                self.r_arrears[j, tr] = self.arrears[j]
            for k in range(K):
                self.r_acc1[k, tr] = self.acct[k]
            self.r_cash_cf[tr] = self.cash
            self.r_sweep[tr] = self.sweep_on

    # ------------------------------------------------------------------ pieces

    def _refinance(self, j: int, t: int) -> None:
        """Roll the balance of tranche ``j`` at its maturity into a new loan.

        The maturing loan still accrues its own rate in its last period and no principal
        falls due; the new loan accrues from the next period and is repaid over
        ``refi_periods`` periods.
        """
        cd, tranche = self.cd, self.cd.tranches[j]
        ok = ((self.phase == OPERATION) | (self.phase == LOCK_UP)) & (self.bal[j] > self.tol)
        if not ok.any():
            return
        if self.refi_rate is not None:
            rate = self.refi_rate[t]
        else:
            idx = self.sofr[t] if tranche.refi_index == "sofr" else self.tsy[t]
            rate = idx + tranche.refi_spread
        rate = np.broadcast_to(rate, (self.S,))
        self.refi_on[j] |= ok
        self.refi_start[j] = np.where(ok, t + 1, self.refi_start[j])
        self.refi_b0[j] = np.where(ok, self.bal[j], self.refi_b0[j])
        self.refi_r[j] = np.where(ok, rate * cd.period_years, self.refi_r[j])
        # level schedule of the new loan: remaining = 1 - ((1+r)^k - 1) / ((1+r)^n - 1)
        r = self.refi_r[j]
        self.refi_small[j] = np.abs(r) < 1e-12
        self.refi_lg[j] = np.log1p(np.where(self.refi_small[j], 1.0, r))
        self.refi_den[j] = np.expm1(tranche.refi_periods * self.refi_lg[j])
        self.any_refi[j] = True

    def _refi_target(self, j: int, t: int) -> F:
        tranche = self.cd.tranches[j]
        n = tranche.refi_periods
        k = (t - self.refi_start[j] + 1).astype(np.float64)
        b0 = self.refi_b0[j]
        if not tranche.refi_level:
            return np.where(k >= n, 0.0, b0)
        frac = 1.0 - np.expm1(k * self.refi_lg[j]) / self.refi_den[j]
        if self.refi_small[j].any():
            frac = np.where(self.refi_small[j], 1.0 - k / n, frac)
        out: F = b0 * np.clip(frac, 0.0, 1.0)
        return out

    def _fund_capex(self, t: int, tr: int, alive: B | None) -> None:
        cd = self.cd
        phase = self.phase
        can_draw = phase == OPERATION  # draw-stop in lock-up and default
        for amounts, order in cd.capex:
            a = amounts[t]
            if a <= 0:
                continue
            rem = np.full(self.S, a) if alive is None else a * alive.astype(np.float64)
            total = rem.copy()
            for kind, k in order:
                if kind == "tranche":
                    tranche = cd.tranches[k]
                    if not tranche.available[t]:
                        continue
                    if tranche.kind == "revolver":
                        room = np.maximum(tranche.commitment - self.bal[k], 0.0)
                    else:
                        room = np.maximum(tranche.commitment - self.drawn[k], 0.0)
                    x = np.minimum(rem * tranche.advance_rate, room) * can_draw
                    self.bal[k] += x
                    self.drawn[k] += x
                    if tranche.kind != "revolver":
                        self.base[k] += x
                    self.r_lender[k, t + 1] -= x
                    self.r_draw[k, t] += x
                elif kind == "account":
                    x = np.minimum(rem, self.acct[k])
                    self.acct[k] -= x
                    self.r_wd[k, tr] += x
                elif kind == "cash":
                    x = np.minimum(rem, self.cash)
                    self.cash -= x
                else:  # equity
                    x = rem.copy()
                    self.r_contrib[tr] += x
                    self.r_equity[t + 1] -= x
                rem = rem - x
            self.r_capex[tr] += total - rem
            self.r_capex_unfunded[tr] += rem

    def _ending(self, t: int) -> tuple[B | None, B | None, list[tuple[int, B]]]:
        """Which scenarios are wound up this period, known at its start.

        Returns the wind-up mask (``None`` if none), the enforcement mask and, per lease
        ending now, its mask. A scenario is wound up when enforcement follows a default
        (``delay_periods`` after it), when the last lease of a lease-only deal ends (by
        walk-away or expiry), or at the horizon.
        """
        cd, S = self.cd, self.S
        if self.n_ended == S:
            return None, None, []
        horizon = t == self.T - 1
        enforce: B | None = None
        if bool((self.phase == DEFAULT).any()):
            delay = max(cd.spec.enforcement.delay_periods, 1)
            enforce = (self.phase == DEFAULT) & (t - self.default_t >= delay)
        ending: list[tuple[int, B]] = []
        if t in self.lease_end_periods:
            live = self.phase != ENDED
            for i in range(len(cd.leases)):
                m = (self.lease_end[i] == t) & live & ~self.lease_sold[i]
                if m.any():
                    ending.append((i, m))
        if not horizon and enforce is None and not ending:
            return None, None, []
        live = self.phase != ENDED
        term = live & horizon if horizon else np.zeros(S, dtype=bool)
        if enforce is not None:
            term |= enforce
        if ending and not cd.contracts and not cd.fleets:
            for i, m in ending:
                final = m.copy()
                for i2 in range(len(cd.leases)):
                    if i2 != i:
                        final &= self.lease_sold[i2] | (self.lease_end[i2] <= t)
                term |= final
        return (term if term.any() else None), enforce, ending

    def _wind_up(
        self, t: int, tr: int, term: B | None, enforce: B | None, ending: list[tuple[int, B]]
    ) -> None:
        """Sell collateral; prepay or wind up.

        A lease that ends is sold; the tenant's residual value guarantee, if it covers
        that date, pays the shortfall of the sale against the debt due, up to its cap. In a
        deal with other assets the proceeds prepay debt by seniority. Scenarios wound up
        (``term``) also sell the rest of the collateral (for ``recovery`` times its value
        after enforcement, at full value at the horizon if ``terminal_sale``), move every
        account into cash and pay it through the enforcement waterfall; what is left goes
        to equity, and what remains owed is written off as a loss.
        """
        cd, S = self.cd, self.S
        avf = self.avf[t]
        no = np.zeros(S, dtype=bool)
        term_m = term if term is not None else no
        for i, m in ending:
            ls = cd.leases[i]
            value = ls.value[t] * avf * m
            g = np.zeros(S)
            if ls.guarantee_cap > 0:
                debt_due = self.bal.sum(axis=0) + self.int_left.sum(axis=0)
                g = np.minimum(ls.guarantee_cap, np.maximum(debt_due - value, 0.0))
                g *= self.lease_walk_covered[i] & m
            self.lease_sold[i] |= m
            self.cash += value + g
            self.r_sale[tr] += value
            self.r_guar[tr] += g
            partial = m & ~term_m
            if partial.any():
                prepay = CAction(
                    "pay_principal", cd.all_groups, (("cash", -1),), all_principal=True
                )
                budget = (value + g) * partial
                self._pay_groups(prepay, self.bal.copy(), None, tr, budget, "principal")
        if term is None:
            return
        unsold = np.zeros(S)
        for i, ls in enumerate(cd.leases):
            unsold += ls.value[t] * ~self.lease_sold[i]
        for fl in cd.fleets:
            unsold += fl.value[t]
        unsold = unsold * avf
        enf = enforce & term if enforce is not None else no
        factor = np.where(enf, cd.spec.enforcement.recovery, 1.0 if cd.spec.terminal_sale else 0.0)
        if t != self.T - 1:
            # before the horizon only enforcement sells the rest (a lease-only deal whose
            # last lease ended has nothing left)
            factor = np.where(enf, factor, 0.0)
        sale = unsold * factor * term
        self.cash += sale
        self.r_sale[tr] += sale
        for i in range(len(cd.leases)):
            self.lease_sold[i] |= term
        # everything left goes through the enforcement waterfall, then to equity
        for k in range(self.K):
            x = self.acct[k] * term
            self.acct[k] -= x
            self.cash += x
            self.r_wd[k, tr] += x
        self.prin_left = np.where(term, self.bal, self.prin_left)
        self._run_waterfall(cd.enforcement, term)
        leftover = self.cash * term
        self.cash -= leftover
        self.r_dist[tr] += leftover
        self.r_equity[t + 1] += leftover
        for j in range(self.J):
            wo = self.bal[j] * term
            self.r_loss[j] += wo
            self.r_int_loss[j] += self.int_left[j] * term
            if self.detail:
                self.r_wo[j, tr] = wo
            self.bal[j] -= self.bal[j] * term
            self.int_left[j] -= self.int_left[j] * term
            self.arrears[j] = self.int_left[j]
            self.any_arrears[j] = bool((self.arrears[j] > 0).any())
        self.fee_left -= self.fee_left * term
        self.fee_arr[:] = self.fee_left
        self.phase[term] = ENDED
        self.end_t[term] = t
        self.n_ended = int((self.phase == ENDED).sum())

    def _covenants(self, t: int, tr: int, debt: F) -> None:
        """Test covenants on this period's figures and set the next period's phase."""
        cd = self.cd
        phase = self.phase
        # trailing sums of CFADS and scheduled debt service since operations started,
        # kept incrementally for each window length in use
        cf_t, ds_t = self.r_cfads[tr], self.r_ds[tr]
        for w, (cf_sum, ds_sum, cf_ring, ds_ring) in self.window_sums.items():
            slot = (t - cd.op_start) % w
            if t - w >= cd.op_start:
                cf_sum -= cf_ring[slot]
                ds_sum -= ds_ring[slot]
            cf_ring[slot] = cf_t
            ds_ring[slot] = ds_t
            cf_sum += cf_t
            ds_sum += ds_t
        tested = (phase == OPERATION) | (phase == LOCK_UP)
        lock_breach: B | None = None
        sweep_breach: B | None = None
        any_breach: B | None = None
        lock_cure = sweep_cure = 1
        for c_i, cov in enumerate(cd.covenants):
            cf, dsum = self.window_sums[cov.window][:2]
            if cov.metric == DSCR:
                breach = (dsum > self.tol) & (cf < cov.threshold * dsum)
            elif cov.metric == LEVERAGE:
                n = min(cov.window, t + 1 - cd.op_start)
                annual = np.maximum(cf, 0.0) * (cd.ppy / n)
                breach = (debt > self.tol) & (debt > cov.threshold * annual)
            else:  # LLCR
                pv_after = self.pv_tail / self.disc[t]
                breach = (debt > self.tol) & (pv_after < cov.threshold * debt)
            breach &= tested
            if self.detail:
                self.r_cov[c_i, tr] = breach
            any_breach = breach if any_breach is None else any_breach | breach
            if cov.breach == BREACH_LOCK_UP:
                lock_breach = breach if lock_breach is None else lock_breach | breach
                lock_cure = max(lock_cure, cov.cure)
            elif cov.breach == BREACH_SWEEP:
                sweep_breach = breach if sweep_breach is None else sweep_breach | breach
                sweep_cure = max(sweep_cure, cov.cure)
            elif cov.breach == BREACH_DEFAULT and breach.any():
                self.default_t[breach] = t
                phase[breach] = DEFAULT
        if any_breach is not None and any_breach.any():
            first = any_breach & (self.breach_t < 0)
            self.breach_t[first] = t
        # lock-up: enter on breach, leave after `cure` consecutive passing tests
        if lock_breach is not None:
            self.lock_pass = np.where(lock_breach, 0, self.lock_pass + 1)
            phase[lock_breach & (phase == OPERATION)] = LOCK_UP
            phase[(phase == LOCK_UP) & (self.lock_pass >= lock_cure)] = OPERATION
        if sweep_breach is not None:
            self.sweep_pass = np.where(sweep_breach, 0, self.sweep_pass + 1)
            self.sweep_on = (self.sweep_on | sweep_breach) & (self.sweep_pass < sweep_cure)
            self.any_sweep = bool(self.sweep_on.any())

    # ------------------------------------------------------------------ results

    def records(self) -> dict[str, Any]:
        """Everything :func:`build_result` needs."""
        n = np.maximum(self.n_dscr, 1.0)
        return {k[2:]: v for k, v in vars(self).items() if k.startswith("r_")} | {
            "min_dscr": np.where(self.n_dscr > 0, self.min_dscr, np.nan),
            "avg_dscr": np.where(self.n_dscr > 0, self.sum_dscr / n, np.nan),
            "pv_cfads_life": self.pv_cfads_life,
            "pv_cfads_all": self.pv_cfads_all,
            "wal_num": self.wal_num,
            "prin_sum": self.prin_sum,
            "default_t": self.default_t,
            "breach_t": self.breach_t,
            "end_t": self.end_t,
            "phase_end": self.phase,
        }
