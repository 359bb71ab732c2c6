"""The time-stepped simulation of the web, all runs of a batch at once.

State arrays are ``(runs, entities)``, ``(runs, claims)`` or ``(runs, contracts)``; the
only Python loops are over periods (each period depends on the last) and, inside a
period, over rounds of liquidity defaults (a payer that fails stops paying, which can make
its payees fail in the same period). What happens in one period:

1. Operating cash: revenue from outside the web (non-AI revenue growing at
   ``base_growth``; AI revenue ``A(t)`` shared by role; chip vendors' AI hardware revenue
   following AI capex) times the entity's margin.
2. Contracts (compute, leases, hardware) are paid if payer and payee are alive and the
   tenant has not walked away; compute contracts that are not take-or-pay scale with
   ``min(1, D)^usage_elasticity``; capacity that needs power scales with the power ratio.
   Scheduled equity investments and loan draws are paid.
3. Debt: interest at the contract rate (floating: SOFR + the debtor's credit spread);
   principal at maturity, or ``1 / ladder_years`` a year of debt without a date, rolls at
   the current rate if the market is open (or the debt is guaranteed) and the debtor's
   equity is positive, and must otherwise be paid in cash.
4. Short of cash, a company raises equity (model labs, neoclouds: a multiple of revenue
   times investors' confidence) and debt (up to a leverage limit, market open); one still
   short defaults ("liquidity"). Capex is paid only from what is left.
5. The web is cleared (:mod:`ouroboros.scenarios._clearing`): seniority layers, outside
   debt, equity stakes, default costs; entities whose liabilities exceed their assets
   default ("insolvent"). Deal entities pay what the deal engine says. Creditors of
   defaulters are paid their recovery; contract counterparties claim damages.
6. Holders' losses trigger fire sales (:mod:`ouroboros.scenarios._firesale`); the
   second-round losses reduce their assets.
7. Credit spreads of each class widen with the share of that class's debt in distress.

Investors (funds, banks, pensions, insurers, sovereign funds, the rest of the world) are
not cash-constrained: their commitments are paid from outside assets, which the
contagion adapter's convention sets from their balance sheet or an equity ratio, and they
fail only when the clearing finds their liabilities exceed their assets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ouroboros.model import UNIT_SCALES
from ouroboros.scenarios._clearing import Cleared, Scatter, clear
from ouroboros.scenarios._deals import DealOutcome
from ouroboros.scenarios._firesale import fire_sale_round
from ouroboros.scenarios._paths import Paths
from ouroboros.scenarios._plan import L_INDEX, LAYERS, Plan
from ouroboros.scenarios._sample import Draws
from ouroboros.scenarios._spec import CREDIT_CLASSES, REPRICED_CLASSES, ScenarioSpec

__all__ = ["CAUSES", "WebOutput", "next_term_end", "simulate_web"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]
B = NDArray[np.bool_]
BoolA = NDArray[np.bool_]

TOL = 1e-9
# cause codes of events
CAUSES: tuple[str, ...] = (
    "",
    "liquidity: debt maturing while the market is shut (refinancing failed)",
    "liquidity: debt service exceeds cash and what it can raise",
    "liquidity: compute-contract payments exceed cash and what it can raise",
    "liquidity: lease payments exceed cash and what it can raise",
    "liquidity: purchase and investment commitments exceed cash and what it can raise",
    "insolvent: losses on its claims (contagion)",
    "insolvent: equity exhausted by operating losses",
    "deal engine: debt service unpaid",
    "deal engine: debt written off when the deal was wound up",
    "strategic default: AI return below its cost of capital",
)
CAUSE_SHUT, CAUSE_SERVICE, CAUSE_COMPUTE, CAUSE_LEASE, CAUSE_COMMIT = 1, 2, 3, 4, 5
CAUSE_CONTAGION, CAUSE_EQUITY, CAUSE_DEAL, CAUSE_DEAL_LOSS, CAUSE_WALK = 6, 7, 8, 9, 10

_RUN_FIELDS = (
    "default_period",
    "cause",
    "counterparty",
    "walk_period",
    "layers",
    "equity",
    "cash_min",
    "price_impact",
    "spreads",
    "flows",
)
_CL_FIELDS = (
    "cl_run",
    "cl_period",
    "cl_creditor",
    "cl_debtor",
    "cl_face",
    "cl_paid",
    "cl_kind",
    "cl_gov",
)
_DD_FIELDS = ("dd_run", "dd_period", "dd_debtor", "dd_owed", "dd_paid")


def _i0() -> IntA:
    return np.zeros(0, dtype=np.int64)


def _f0() -> F:
    return np.zeros(0, dtype=np.float64)


def next_term_end(decision: IntA, term_ends: IntA) -> IntA:
    """The first lease term end at or after each decision to walk away (-1: none).

    ``decision`` holds periods (-1: never decided); ``term_ends`` has one more axis, the
    periods a lease's term ends (-1 pads), broadcast against ``decision[..., None]``.

    >>> next_term_end(np.array([0, 3, 6, -1]), np.array([[2, 5, -1]])).tolist()
    [2, 5, -1, -1]
    """
    big = np.iinfo(np.int64).max
    ends = np.where((term_ends >= decision[..., None]) & (term_ends >= 0), term_ends, big)
    first = ends.min(axis=-1, initial=big)
    out: IntA = np.where((decision >= 0) & (first < big), first, -1)
    return out


@dataclass
class WebOutput:
    """Results of the web simulation for a batch (arrays over runs first).

    The sparse ``cl_*`` records hold one row per claim written off (``cl_creditor`` -1 for
    creditors outside the web; ``cl_kind`` 0 debt, 1 contract damages, 2 outside debt) and
    the ``dd_*`` records one row per defaulter: everything it owed and the value it handed
    its creditors, so that losses can be checked from both sides.
    """

    default_period: IntA  # (R, N) -1 never
    cause: IntA  # (R, N) index into CAUSES
    counterparty: IntA  # (R, N) -1 none
    walk_period: IntA  # (R, C) -1 never
    layers: F  # (R, P, L) cumulative losses by layer
    equity: F  # (R, N) equity at the horizon (clearing value)
    cash_min: F  # (R, N) lowest cash of operating entities
    price_impact: F  # (R, P, K) fire-sale price change by repriced class
    spreads: F  # (R, 4, P) credit spreads used (with the endogenous widening)
    cl_run: IntA = field(default_factory=_i0)
    cl_period: IntA = field(default_factory=_i0)
    cl_creditor: IntA = field(default_factory=_i0)
    cl_debtor: IntA = field(default_factory=_i0)
    cl_face: F = field(default_factory=_f0)
    cl_paid: F = field(default_factory=_f0)
    cl_kind: IntA = field(default_factory=_i0)
    cl_gov: F = field(default_factory=_f0)  # paid by the government under a guarantee
    dd_run: IntA = field(default_factory=_i0)
    dd_period: IntA = field(default_factory=_i0)
    dd_debtor: IntA = field(default_factory=_i0)
    dd_owed: F = field(default_factory=_f0)
    dd_paid: F = field(default_factory=_f0)
    flows: F = field(default_factory=lambda: np.zeros((0, 0, 0)))  # (R, P, pairs)

    def replace_runs(self, rows: IntA, other: WebOutput) -> WebOutput:
        """This output with runs ``rows`` replaced by ``other`` (computed for those runs)."""
        out: dict[str, object] = {}
        for f in _RUN_FIELDS:
            a = getattr(self, f).copy()
            a[rows] = getattr(other, f)
            out[f] = a
        for group, key in ((_CL_FIELDS, "cl_run"), (_DD_FIELDS, "dd_run")):
            keep = ~np.isin(getattr(self, key), rows)
            for f in group:
                new = rows[getattr(other, key)] if f == key else getattr(other, f)
                out[f] = np.concatenate([getattr(self, f)[keep], new])
        return WebOutput(**out)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _DebtTerms:
    r_eff: F  # (R, D) rate of each claim this period
    frac: F  # (R, D) share of principal due
    at_mat: B
    laddered: B
    can_roll: B  # (R, D)
    can_roll_e: B  # (R, N)
    ext_frac: float
    deal_debtor: B


def simulate_web(
    plan: Plan,
    spec: ScenarioSpec,
    paths: Paths,
    draws: Draws,
    deals: list[DealOutcome],
    *,
    record_flows: bool = True,
) -> WebOutput:
    """Simulate the web for every run of ``draws`` (see the module notes)."""
    return _Web(plan, spec, paths, draws, deals, record_flows).run()


class _Web:
    def __init__(
        self,
        plan: Plan,
        spec: ScenarioSpec,
        paths: Paths,
        draws: Draws,
        deals: list[DealOutcome],
        record_flows: bool,
    ) -> None:
        self.plan, self.spec, self.paths, self.draws, self.deals = plan, spec, paths, draws, deals
        self.record_flows = record_flows
        R, N = draws.n, plan.n
        P, C, D = plan.periods, len(plan.c_id), len(plan.d_id)
        self.R, self.N, self.P, self.C, self.D = R, N, P, C, D
        self.alpha = draws.value("contagion.alpha")
        self.beta = draws.value("contagion.beta")
        self.claim_years = draws.value("contagion.contract_claim_years")
        self.g_spread = draws.value("guarantee.spread")
        self.buffer_years = draws.value("funding.cash_buffer_years")
        self.operating = plan.operating[None, :]
        self.deep = (~plan.operating & ~plan.is_deal)[None, :]
        # state
        self.alive = np.ones((R, N), dtype=bool)
        self.cash = np.broadcast_to(plan.cash0, (R, N)).copy()
        self.other = np.broadcast_to(plan.other0, (R, N)).copy()
        self.outside = np.broadcast_to(plan.outside0, (R, N)).copy()
        self.ext = np.broadcast_to(plan.ext_debt0, (R, N)).copy()
        self.ext_rate = paths.treasury[:, :1] + paths.spreads[:, :, 0][:, plan.credit_class]
        self.face = np.broadcast_to(plan.d_face0, (R, D)).copy()
        self.rate = np.broadcast_to(plan.d_rate, (R, D)).copy()
        self.mat = np.broadcast_to(plan.d_maturity, (R, D)).copy()
        self.debt0 = plan.ext_debt0 + np.bincount(plan.d_debtor, weights=plan.d_face0, minlength=N)
        # guaranteed borrowing: up to debt_limit x the starting debt and equity
        self.g_limit = spec.guarantee.debt_limit * (self.debt0 + np.maximum(plan.equity0, 0.0))
        self.raised = np.zeros((R, N))
        self.lost_tenant = np.zeros((R, N), dtype=bool)
        # records
        self.default_period = np.full((R, N), -1, dtype=np.int64)
        self.cause = np.zeros((R, N), dtype=np.int64)
        self.counterparty = np.full((R, N), -1, dtype=np.int64)
        self.walk_period = self._walk_periods()
        self.cred_cum = np.zeros((R, N))
        self.spv_bond_cum = np.zeros(R)
        self.outside_cum = np.zeros(R)
        self.gov_cum = np.zeros(R)
        self.erosion = np.zeros((R, N))
        self.fs_cum = np.zeros((R, N))
        self.first_prev = np.zeros((R, N))
        self.new_money_lost = np.zeros(R)
        self.contract_cum = np.zeros(R)
        self.layers = np.zeros((R, P, len(LAYERS)))
        self.cash_min = self.cash.copy()
        self.price_impact = np.zeros((R, P, len(REPRICED_CLASSES)))
        self.spreads = paths.spreads.copy()
        npairs = len(plan.pair_payer)
        self.flows = np.zeros((R, P, npairs)) if record_flows else np.zeros((R, 0, 0))
        self.cl: list[tuple[IntA, IntA, IntA, IntA, F, F, IntA, F]] = []
        self.dd: list[tuple[IntA, IntA, IntA, F, F]] = []
        # fixed-order scatters
        self.s_payer = Scatter.build(plan.c_payer, N)
        self.s_payee = Scatter.build(plan.c_payee, N)
        self.s_investor = Scatter.build(plan.q_investor, N)
        self.s_investee = Scatter.build(plan.q_investee, N)
        self.s_debtor = Scatter.build(plan.d_debtor, N)
        self.s_creditor = Scatter.build(plan.d_creditor, N)
        self.s_holder = Scatter.build(plan.th_holder, N)
        self.s_class = Scatter.build(plan.credit_class, len(CREDIT_CLASSES))
        self.s_pairs = Scatter.build(plan.pair_of_flow, len(plan.pair_payer))
        # the edges the clearing sees: debt claims, then contract-damages claims
        self.e_debtor = np.concatenate([plan.d_debtor, plan.c_payer])
        self.e_creditor = np.concatenate([plan.d_creditor, plan.c_payee])
        self.e_layer = np.concatenate([plan.d_layer, np.ones(C, dtype=np.int64)])
        self.s_e_creditor = Scatter.build(self.e_creditor, N)
        # fire sales: holdings are a multiple of each investor's exposure, by class mix
        fsp = spec.fire_sales
        stake_value = np.bincount(
            plan.th_holder,
            weights=plan.th_value * np.maximum(plan.equity0[plan.th_issuer], 0.0),
            minlength=N,
        )
        exposure = np.bincount(plan.d_creditor, weights=plan.d_face0, minlength=N) + stake_value
        exposure[plan.operating | plan.is_deal | plan.never_fails] = 0.0
        mix = np.array([fsp.asset_mix.get(k, 0.0) for k in REPRICED_CLASSES])  # type: ignore[call-overload]
        multiple = draws.params["fire_sales.holdings_multiple"]
        self.fs_holdings = multiple[:, None, None] * (exposure[:, None] * mix[None, :])[None]
        self.fs_lev = np.array(
            [max((fsp.leverage.get(r, 0.0) for r in rs), default=0.0) for rs in plan.roles]  # type: ignore[call-overload]
        )
        impact = np.array([fsp.price_impact.get(k, 0.0) for k in REPRICED_CLASSES])  # type: ignore[call-overload]
        self.fs_impact = impact * UNIT_SCALES[plan.unit] / 1e9  # per unit of the dataset
        self.class_debt0 = self.s_class.sum(self.debt0[None, :])[0]
        self.spread_resp = np.array(
            [spec.rates.spread_response.get(c, 0.0) for c in CREDIT_CLASSES]  # type: ignore[call-overload]
        )
        sd = spec.strategic_default
        self.is_breach = ((plan.c_kind == 0) & ("compute_contract" in sd.applies_to)) | (
            (plan.c_kind == 1) & ("lease" in sd.applies_to) & sd.breach
        )
        row = np.flatnonzero(plan.never_fails)
        self.row = int(row[0]) if row.size else -1
        # the equity cushion each entity starts from: the clearing value before any flow
        _, _, _, fixed_pay, fixed_eq = self._deal_state(0)
        start = self._run_clearing(
            self.face,
            np.zeros((R, C)),
            np.ones((R, N), dtype=bool),
            np.zeros((R, N), dtype=bool),
            fixed_pay,
            fixed_eq,
            np.zeros((R, N), dtype=bool),
        )
        self.eq_start = np.where(plan.is_deal[None, :], fixed_eq, start.equity)
        self.equity_prev = self.eq_start.copy()

    # ------------------------------------------------------------------ setup

    def _walk_periods(self) -> IntA:
        """Period each contract's tenant walks away (-1 never), from the decisions."""
        plan, sd = self.plan, self.spec.strategic_default
        out = np.full((self.R, len(plan.c_id)), -1, dtype=np.int64)
        if not sd.enabled or not len(plan.c_id):
            return out
        dec = self.paths.decision[:, plan.c_payer]  # (R, C)
        if "lease" in sd.applies_to and sd.breach:
            out = np.where((plan.c_kind == 1)[None, :] & (dec >= 0), dec, out)
        elif "lease" in sd.applies_to:
            when = next_term_end(dec, plan.c_term_end[None, :, :])
            out = np.where((plan.c_kind == 1)[None, :] & (when >= 0), when, out)
        if "compute_contract" in sd.applies_to:
            out = np.where((plan.c_kind == 0)[None, :] & (dec >= 0), dec, out)
        # leases of deal entities are walked away from inside the deal engine
        return np.where(plan.is_deal[plan.c_payee][None, :], -1, out)

    def _deal_state(self, t: int) -> tuple[B, B, B, F, F]:
        """Deal entities: alive at the start of t, default now, repaid now, fixed pay/equity."""
        plan, R, N = self.plan, self.R, self.N
        alive = np.zeros((R, N), dtype=bool)
        event_now = np.zeros((R, N), dtype=bool)
        end_now = np.zeros((R, N), dtype=bool)
        fixed_pay = self.face.copy()
        fixed_eq = np.zeros((R, N))
        for link, out in zip(plan.deals, self.deals, strict=True):
            i = link.entity
            ev, en = out.event_period, out.end_period
            alive[:, i] = ((ev < 0) | (ev >= t)) & ((en < 0) | (en >= t))
            event_now[:, i] = ev == t
            end_now[:, i] = (en == t) & (ev != t)
            edges = plan.d_debtor == i
            rate = out.loss_rate[:, plan.d_layer[edges]]
            fixed_pay[:, edges] = np.where(
                event_now[:, i : i + 1], self.face[:, edges] * (1.0 - rate), self.face[:, edges]
            )
            fixed_eq[:, i] = np.where(alive[:, i] & ~event_now[:, i], out.equity_paid_in, 0.0)
        return alive, event_now, end_now, fixed_pay, fixed_eq

    # ------------------------------------------------------------------ run

    def run(self) -> WebOutput:
        for t in range(self.P):
            self._step(t)
        cl = [np.concatenate(x) for x in zip(*self.cl, strict=True)] if self.cl else None
        dd = [np.concatenate(x) for x in zip(*self.dd, strict=True)] if self.dd else None
        extra: dict[str, NDArray[np.generic]] = {}
        if cl is not None:
            extra.update(dict(zip(_CL_FIELDS, cl, strict=True)))
        if dd is not None:
            extra.update(dict(zip(_DD_FIELDS, dd, strict=True)))
        return WebOutput(
            default_period=self.default_period,
            cause=self.cause,
            counterparty=self.counterparty,
            walk_period=self.walk_period,
            layers=self.layers,
            equity=self.equity_prev,
            cash_min=self.cash_min,
            price_impact=self.price_impact,
            spreads=self.spreads,
            flows=self.flows,
            **extra,  # type: ignore[arg-type]
        )

    def _step(self, t: int) -> None:
        plan, _spec, paths = self.plan, self.spec, self.paths
        R, N = self.R, self.N
        dtp = float(plan.dt[t])
        deal_alive, deal_event, deal_end, fixed_pay, fixed_eq = self._deal_state(t)
        alive0 = np.where(plan.is_deal[None, :], deal_alive, self.alive)
        treasury = paths.treasury[:, t : t + 1]
        market_open = paths.market_open[:, t : t + 1]
        g_on = bool(paths.guarantee_on[t])
        guaranteed = plan.guaranteed[None, :] & g_on
        ent_spread = self.spreads[:, :, t][:, plan.credit_class]
        new_rate = np.where(guaranteed, treasury + self.g_spread, treasury + ent_spread)

        # tenants that walk away now (only if both sides are still there)
        walking = self.walk_period == t
        gone = walking & ~(alive0[:, plan.c_payer] & alive0[:, plan.c_payee])
        self.walk_period = np.where(gone, -1, self.walk_period)
        walking &= ~gone
        if walking.any():
            rr, cc = np.nonzero(walking)
            self.lost_tenant[rr, plan.c_payee[cc]] = True
        walked = (self.walk_period >= 0) & (self.walk_period <= t)

        sched = self._scheduled(t, walked, dtp)
        debt = self._debt_terms(t, ent_spread, treasury, market_open, guaranteed, dtp)
        # liquidity rounds: a payer that cannot pay stops paying, which may sink its payees
        defaulting = np.zeros((R, N), dtype=bool)
        while True:
            ok = alive0 & ~defaulting
            fl = self._flows(t, ok, alive0, sched, debt, market_open, guaranteed, dtp)
            short = (
                self.operating & ok & (fl["cash_after"] < -TOL * np.maximum(1.0, np.abs(self.cash)))
            )
            if not short.any():
                break
            defaulting |= short
            self._liquidity_cause(t, short, fl, alive0, walked)
        self._apply(t, fl, ok, new_rate, debt, dtp)
        self._clear(
            t,
            alive0,
            defaulting,
            deal_alive,
            deal_event,
            deal_end,
            fixed_pay,
            fixed_eq,
            guaranteed,
            walked,
        )
        self._losses_and_fire_sales(t)
        if t + 1 < self.P:
            distressed = np.where(~self.alive | self.lost_tenant, self.debt0[None, :], 0.0)
            share = self.s_class.sum(distressed) / np.maximum(self.class_debt0[None, :], 1e-12)
            self.spreads[:, :, t + 1] = paths.spreads[:, :, t + 1] + self.spread_resp[None, :] * (
                np.minimum(share, 1.0)
            )
        live_op = self.operating & self.alive
        self.cash_min = np.minimum(self.cash_min, np.where(live_op, self.cash, np.inf))

    # ------------------------------------------------------------------ pieces

    def _scheduled(self, t: int, walked: B, dtp: float) -> dict[str, F]:
        """Amounts due this period before anyone fails: contracts, damages, investments."""
        plan, paths, R = self.plan, self.paths, self.R
        A = paths.ai_revenue[:, t : t + 1]
        D = paths.demand[:, t : t + 1]
        power = paths.power[:, t : t + 1]
        capex_ai = paths.capex[:, t : t + 1]
        chip = plan.chip_revenue0[None, :] * capex_ai / max(plan.capex_base, 1e-9)
        rev_out = (
            plan.revenue0[None, :] * paths.growth_factor[:, t : t + 1]
            + plan.ai_weight[None, :] * A
            + chip
        )
        ue = self.draws.value("economics.usage_elasticity")
        usage = np.where(plan.c_take_or_pay[None, :], 1.0, np.minimum(D, 1.0) ** ue)
        pw = np.where(plan.c_gw[None, :] > 0, power, 1.0)
        due_c = np.where(walked, 0.0, plan.c_sched[t][None, :] * usage * pw)
        breach_now = (self.walk_period == t) & self.is_breach[None, :]
        damages = np.where(
            breach_now,
            np.minimum(plan.c_remaining[t][None, :], self.claim_years * plan.c_annual[None, :]),
            0.0,
        )
        want_capex = np.where(
            plan.capex_mode[None, :] == 1,
            plan.capex0[None, :] * capex_ai / max(plan.capex_base, 1e-9) * dtp,
            0.0,
        )
        return {
            "rev_out": rev_out,
            "due_c": due_c,
            "damages": damages,
            "eq_due": np.broadcast_to(plan.q_sched[t][None, :], (R, len(plan.q_investor))),
            "draw_due": np.broadcast_to(plan.d_draw[t][None, :], (R, self.D)),
            "want_capex": want_capex,
        }

    def _debt_terms(
        self, t: int, ent_spread: F, treasury: F, market_open: B, guaranteed: B, dtp: float
    ) -> _DebtTerms:
        plan, spec = self.plan, self.spec
        sofr = self.paths.sofr[:, t : t + 1]
        r_float = sofr + ent_spread[:, plan.d_debtor]
        r_float = np.where(guaranteed[:, plan.d_debtor], treasury + self.g_spread, r_float)
        r_eff = np.where(np.isnan(self.rate), r_float, self.rate)
        at_mat = self.mat == t
        laddered = self.mat < 0
        lad = min(dtp / spec.rates.ladder_years, 1.0)
        frac = np.where(at_mat, 1.0, np.where(laddered, lad, 0.0))
        eq_ok = (self.equity_prev > 0) | ~self.operating
        can_roll_e = (market_open | guaranteed) & eq_ok
        return _DebtTerms(
            r_eff=r_eff,
            frac=frac,
            at_mat=at_mat,
            laddered=laddered,
            can_roll=can_roll_e[:, plan.d_debtor],
            can_roll_e=can_roll_e,
            ext_frac=lad,
            deal_debtor=plan.is_deal[plan.d_debtor][None, :],
        )

    def _flows(
        self,
        t: int,
        ok: B,
        alive0: B,
        sc: dict[str, F],
        debt: _DebtTerms,
        market_open: B,
        guaranteed: B,
        dtp: float,
    ) -> dict[str, F]:
        """Every payment of the period when the entities in ``ok`` pay."""
        plan = self.plan
        operating, deep = self.operating, self.deep
        payer, payee = plan.c_payer, plan.c_payee
        pay_c = np.where(ok[:, payer] & ok[:, payee], sc["due_c"], 0.0)
        dmg = np.where(ok[:, payer] & alive0[:, payee], sc["damages"], 0.0)
        inv = np.where(ok[:, plan.q_investor] & ok[:, plan.q_investee], sc["eq_due"], 0.0)
        deb, cre = plan.d_debtor, plan.d_creditor
        lender_ok = ok[:, cre] | deep[:, cre]
        draws = np.where(lender_ok & ok[:, deb], sc["draw_due"], 0.0)
        face = self.face + draws
        live = ok[:, deb] & ~debt.deal_debtor
        interest = np.where(live, face * debt.r_eff * dtp, 0.0)
        principal_due = np.where(live, face * debt.frac, 0.0)
        principal_cash = np.where(debt.can_roll, 0.0, principal_due)
        op_ok = ok & operating
        ext_int = np.where(op_ok, self.ext * self.ext_rate * dtp, 0.0)
        ext_due = np.where(op_ok, self.ext * debt.ext_frac, 0.0)
        ext_cash = np.where(debt.can_roll_e, 0.0, ext_due)
        rev_out = np.where(op_ok, sc["rev_out"], 0.0)
        op = plan.margin[None, :] * rev_out * dtp
        cm = plan.contract_margin[None, :]
        recv_contracts = self.s_payee.sum(pay_c + dmg)
        paid_contracts = self.s_payer.sum(pay_c + dmg)
        kind = plan.c_kind[None, :]
        lease_paid = self.s_payer.sum(np.where(kind == 1, pay_c, 0.0))
        compute_paid = self.s_payer.sum(np.where(kind == 0, pay_c + dmg, 0.0))
        hw_paid = self.s_payer.sum(np.where(kind == 2, pay_c, 0.0))
        eq_in = self.s_investee.sum(inv)
        eq_out = self.s_investor.sum(inv)
        draws_in = self.s_debtor.sum(draws)
        draws_out = self.s_creditor.sum(draws)
        svc_out = self.s_debtor.sum(interest + principal_cash)
        svc_in = self.s_creditor.sum(interest + principal_cash)
        shut_principal = self.s_debtor.sum(np.where(market_open, 0.0, principal_cash))
        shut_principal = shut_principal + np.where(market_open, 0.0, ext_cash)
        cash_pre = (
            self.cash
            + op
            + cm * recv_contracts
            + eq_in
            + draws_in
            + svc_in
            - paid_contracts
            - eq_out
            - draws_out
            - svc_out
            - ext_int
            - ext_cash
        )
        cash_pre = np.where(op_ok, cash_pre, 0.0)
        need = np.maximum(-cash_pre, 0.0)
        # equity raisers raise ahead of need, to hold cash_buffer_years of their outflows
        outflow_rate = (paid_contracts + svc_out + ext_int + ext_cash + eq_out + draws_out) / dtp
        buffer_gap = np.maximum(self.buffer_years * outflow_rate - np.maximum(cash_pre, 0.0), 0.0)
        # equity: a multiple of a year's revenue, times investors' confidence
        revenue_ann = rev_out + recv_contracts / dtp
        conf = self.paths.confidence[:, t : t + 1]
        mult = self.draws.value("funding.equity_revenue_multiple")
        eq_cap = np.where(
            plan.equity_role[None, :] & market_open, mult * revenue_ann * conf * dtp, 0.0
        )
        raise_eq = np.minimum(need + np.where(plan.equity_role[None, :], buffer_gap, 0.0), eq_cap)
        # debt: up to max_leverage x EBITDA; guaranteed: up to debt_limit x debt at the start
        ebitda_ann = np.maximum(op + cm * recv_contracts - paid_contracts, 0.0) / dtp
        total_debt = self.ext + self.s_debtor.sum(face)
        lev = self.draws.value("funding.max_leverage")
        room = np.maximum(lev * ebitda_ann - total_debt, 0.0)
        debt_ok = plan.debt_role[None, :] & market_open & (self.equity_prev > 0)
        room = np.where(debt_ok, room, 0.0)
        g_room = np.maximum(self.g_limit[None, :] - total_debt, 0.0)
        debt_cap = np.where(guaranteed, np.maximum(g_room, room), room)
        raise_debt = np.minimum(np.maximum(need - raise_eq, 0.0), debt_cap)
        return {
            "pay_c": pay_c,
            "dmg": dmg,
            "inv": inv,
            "draws": draws,
            "interest": interest,
            "principal_due": principal_due,
            "principal_cash": principal_cash,
            "ext_due": ext_due,
            "ext_cash": ext_cash,
            "ext_int": ext_int,
            "eq_in": eq_in,
            "eq_out": eq_out,
            "draws_in": draws_in,
            "draws_out": draws_out,
            "raise_eq": raise_eq,
            "raise_debt": raise_debt,
            "cash_after": cash_pre + raise_eq + raise_debt,
            "debt_cap_left": debt_cap - raise_debt,
            "shut_principal": shut_principal,
            "svc_out": svc_out,
            "lease_paid": lease_paid,
            "compute_paid": compute_paid,
            "commit_paid": paid_contracts - lease_paid - compute_paid + eq_out + draws_out,
            "rev_out": rev_out,
            "want_capex": np.where(op_ok, sc["want_capex"], 0.0),
            "hw_paid": hw_paid,
            "paid_out": paid_contracts + svc_out + ext_int + ext_cash,
        }

    def _liquidity_cause(self, t: int, short: B, fl: dict[str, F], alive0: B, walked: B) -> None:
        """Why each entity ran out of cash: its largest obligation; who stopped paying it."""
        parts = np.stack(
            [
                fl["shut_principal"],
                fl["svc_out"] + fl["ext_int"] + fl["ext_cash"] - fl["shut_principal"],
                fl["compute_paid"],
                fl["lease_paid"],
                fl["commit_paid"],
            ],
            axis=2,
        )
        code = 1 + np.argmax(parts, axis=2)
        # the shut market is the cause whenever the maturing debt it could not roll is what
        # the entity could not cover
        shut = (fl["shut_principal"] > 0) & (fl["cash_after"] + fl["shut_principal"] > -TOL)
        code = np.where(shut, CAUSE_SHUT, code)
        self.cause = np.where(short, code, self.cause)
        plan = self.plan
        missing = (~alive0[:, plan.c_payer] | walked) & (plan.c_sched[t][None, :] > 0)
        lost = np.where(missing, plan.c_sched[t][None, :], 0.0)
        cp = self._largest_by(plan.c_payee, plan.c_payer, lost)
        self.counterparty = np.where(short, cp, self.counterparty)

    def _largest_by(self, group: IntA, other: IntA, values: F) -> IntA:
        """For each (run, entity of ``group``): the ``other`` of its largest positive value."""
        R, N = self.R, self.N
        out = np.full((R, N), -1, dtype=np.int64)
        for g in np.unique(group):
            cols = np.flatnonzero(group == g)
            v = values[:, cols]
            best = np.argmax(v, axis=1)
            has = v[np.arange(R), best] > TOL
            out[:, g] = np.where(has, other[cols][best], -1)
        return out

    def _apply(
        self,
        t: int,
        fl: dict[str, F],
        ok: B,
        new_rate: F,
        debt: _DebtTerms,
        dtp: float,
    ) -> None:
        plan = self.plan
        operating, deep = self.operating, self.deep
        op_ok = ok & operating
        # web debt: draws, principal paid in cash, principal rolled at the new rate
        paid_now = ok[:, plan.d_debtor]
        cash_p = np.where(paid_now, fl["principal_cash"], 0.0)
        rolled = np.where(paid_now & debt.can_roll, fl["principal_due"], 0.0)
        self.face = np.maximum(self.face + fl["draws"] - cash_p, 0.0)
        nr = new_rate[:, plan.d_debtor]
        bullet = debt.at_mat & (rolled > 0)
        term = max(round(self.spec.rates.refinance_term_years / dtp), 1)
        self.rate = np.where(bullet, nr, self.rate)
        self.mat = np.where(bullet, t + term, self.mat)
        lad = debt.laddered & (rolled > 0) & (self.face > TOL) & ~np.isnan(self.rate)
        blended = (self.rate * (self.face - rolled) + nr * rolled) / np.maximum(self.face, TOL)
        self.rate = np.where(lad, blended, self.rate)
        # investors' outside assets move with the principal they lend, repay or get back;
        # their equity investments are financed outside the web (their balance sheets are
        # not in the dataset), so the stake they buy is a gain of the same size
        net = self.s_creditor.sum(cash_p - fl["draws"]) + self.s_debtor.sum(fl["draws"] - cash_p)
        self.outside = np.maximum(self.outside + np.where(deep & ok, net, 0.0), 0.0)
        # outside debt of operating entities: repaid in cash, rolled, or newly raised
        ext_paid = np.where(op_ok, fl["ext_cash"], 0.0)
        ext_rolled = np.where(op_ok, fl["ext_due"] - fl["ext_cash"], 0.0)
        new_debt = np.where(op_ok, fl["raise_debt"], 0.0)
        cash = np.where(op_ok, fl["cash_after"], self.cash)
        # capex: the planned amount for those who follow the AI capex path (borrowing room
        # permitting); builders spend each loan draw with its share of equity (the equity
        # ratio) and any equity paid in; never below zero cash
        ratio = self.spec.contagion.equity_ratio
        want = fl["want_capex"] + np.where(
            plan.capex_mode[None, :] == 2, fl["draws_in"] / (1.0 - ratio) + fl["eq_in"], 0.0
        )
        want = np.where(op_ok, want, 0.0)
        # capex is paid from cash above a buffer of a quarter of the period's payments
        # (contracts, debt service) at their annual rate; builders spend what they raised
        payments = fl["paid_out"] / max(dtp, 1e-9)
        buffer = np.where(plan.capex_mode[None, :] == 1, 0.25 * payments, 0.0)
        from_cash = np.minimum(want, np.maximum(cash - buffer, 0.0))
        borrow = np.where(
            plan.capex_mode[None, :] == 1,
            np.minimum(want - from_cash, np.maximum(fl["debt_cap_left"], 0.0)),
            0.0,
        )
        capex = from_cash + borrow
        self.capex_paid = np.where(plan.capex_mode[None, :] == 1, capex, 0.0)
        cash = cash - from_cash
        new_debt = new_debt + borrow
        remaining = self.ext - ext_paid
        fresh = ext_rolled + new_debt
        total = remaining + new_debt
        self.ext_rate = np.where(
            fresh > 0,
            (self.ext_rate * (remaining - ext_rolled) + new_rate * fresh) / np.maximum(total, TOL),
            self.ext_rate,
        )
        self.ext = total
        # lessors (SPVs, REITs) sweep cash above a year of interest into prepaying their
        # loans once they are no longer drawing, as project finance does
        builder = (plan.capex_mode == 2)[None, :] & op_ok & (fl["draws_in"] <= 0)
        buffer = self.s_debtor.sum(fl["interest"]) / max(dtp, 1e-9)
        owed = self.s_debtor.sum(self.face)
        sweep = np.where(builder, np.clip(cash - buffer, 0.0, owed), 0.0)
        if sweep.any():
            share = np.divide(
                self.face,
                owed[:, plan.d_debtor],
                out=np.zeros_like(self.face),
                where=owed[:, plan.d_debtor] > 0,
            )
            prepay = sweep[:, plan.d_debtor] * share
            self.face = np.maximum(self.face - prepay, 0.0)
            cash = cash - sweep
            got = self.s_creditor.sum(prepay)
            cash = cash + np.where(operating, got, 0.0)
            self.outside = self.outside + np.where(deep, got, 0.0)
        life = plan.asset_life[None, :]
        dep = np.minimum(dtp / life, 1.0)
        self.other = np.where(op_ok, (self.other + capex + fl["hw_paid"]) * (1.0 - dep), self.other)
        self.cash = np.where(op_ok, cash, self.cash)
        self.raised = self.raised + np.where(ok, fl["raise_eq"] + fl["eq_in"], 0.0)
        if self.record_flows:
            self._record_flows(t, fl, ok, dtp)

    def _record_flows(self, t: int, fl: dict[str, F], ok: B, dtp: float) -> None:
        plan = self.plan
        svc = np.where(ok[:, plan.d_debtor], fl["interest"] + fl["principal_cash"], 0.0)
        parts = [fl["pay_c"] + fl["dmg"], fl["inv"], fl["draws"], svc]
        if plan.pair_row.size:
            parts.append(fl["rev_out"][:, plan.pair_row_payee] * dtp)
        if plan.capex_payer.size:
            parts.append(self.capex_paid[:, plan.capex_payer] * plan.capex_share[None, :])
        self.flows[:, t, :] = self.s_pairs.sum(np.concatenate(parts, axis=1))

    # ------------------------------------------------------------------ clearing

    def _run_clearing(
        self,
        face_debt: F,
        claim_c: F,
        alive0: B,
        forced: B,
        fixed_pay: F,
        fixed_eq: F,
        fixed_default: B,
        rolling: BoolA | None = None,
    ) -> Cleared:
        plan, spec, R, N = self.plan, self.spec, self.R, self.N
        face = np.concatenate([face_debt, claim_c], axis=1)
        live_edge = alive0[:, self.e_debtor]
        face = np.where(live_edge, face, 0.0)
        ext = np.where(alive0, self.ext, 0.0)
        ext_liab = np.zeros((R, 3, N))
        ext_liab[:, spec.contagion.external_layer, :] = ext
        e = np.where(self.operating, np.maximum(self.cash, 0.0) + self.other, self.outside)
        e = np.where(alive0 & ~plan.never_fails[None, :], e, 0.0)
        return clear(
            face,
            self.e_debtor,
            self.e_creditor,
            self.e_layer,
            ext_liab,
            e,
            plan.th_issuer,
            plan.th_holder,
            plan.th_value,
            forced=forced & alive0,
            exempt=plan.never_fails if rolling is None else plan.never_fails | rolling,
            fixed=plan.is_deal,
            fixed_pay=np.concatenate([fixed_pay, claim_c], axis=1),
            fixed_equity=fixed_eq,
            fixed_default=fixed_default,
            alpha=self.alpha,
            beta=self.beta,
        )

    def _clear(
        self,
        t: int,
        alive0: B,
        liquid_def: B,
        deal_alive: B,
        deal_event: B,
        deal_end: B,
        fixed_pay: F,
        fixed_eq: F,
        guaranteed: B,
        walked: B,
    ) -> None:
        plan = self.plan
        Dn = self.D
        forced = liquid_def
        # counterparties of a defaulter claim part of the contract payments still due
        damages = np.minimum(
            plan.c_remaining[t][None, :], self.claim_years * plan.c_annual[None, :]
        )
        open_c = alive0[:, plan.c_payee] & ~walked
        claim_c = np.where(forced[:, plan.c_payer] & open_c, damages, 0.0)
        # under an active guarantee debt rolls: covered entities fail only for want of cash
        rolling = guaranteed[0]
        cl = self._run_clearing(
            self.face, claim_c, alive0, forced, fixed_pay, fixed_eq, deal_event, rolling
        )
        insolvent_now = cl.default & alive0 & ~forced & ~plan.is_deal[None, :]
        if (insolvent_now[:, plan.c_payer] & open_c & (damages > 0)).any():
            # those found insolvent owe damages too: clear again with them in default
            forced = forced | insolvent_now
            claim_c = np.where(forced[:, plan.c_payer] & open_c, damages, 0.0)
            cl = self._run_clearing(
                self.face, claim_c, alive0, forced, fixed_pay, fixed_eq, deal_event, rolling
            )
            cl.default[:] |= forced & alive0
        face = np.where(alive0[:, self.e_debtor], np.concatenate([self.face, claim_c], axis=1), 0.0)
        new_def = cl.default & alive0 & ~plan.is_deal[None, :] & ~plan.never_fails[None, :]
        settle = new_def | deal_event
        debtor, creditor = self.e_debtor, self.e_creditor
        settled = settle[:, debtor] & (face > 0)
        repaid = deal_end[:, debtor] & (face > 0)
        is_debt = np.arange(face.shape[1]) < Dn
        g_edge = guaranteed[:, debtor] & is_debt[None, :]  # a guarantee covers debt only
        pay = cl.pay
        loss = np.where(settled, face - pay, 0.0)
        gov_loss = np.where(g_edge, loss, 0.0)
        cred_loss = loss - gov_loss
        recovered = np.where(settled, pay + gov_loss, 0.0) + np.where(repaid, face, 0.0)
        cash_in = self.s_e_creditor.sum(recovered)
        self.cash = self.cash + np.where(self.operating, cash_in, 0.0)
        self.outside = self.outside + np.where(self.deep, cash_in, 0.0)
        cred_alive = alive0[:, creditor]
        debt_loss = np.where(is_debt[None, :], cred_loss, 0.0)
        self.cred_cum += self.s_e_creditor.sum(np.where(cred_alive, debt_loss, 0.0))
        self.outside_cum += np.where(cred_alive, 0.0, debt_loss).sum(axis=1)
        self.contract_cum += (cred_loss - debt_loss).sum(axis=1)
        self.gov_cum += gov_loss.sum(axis=1)
        spv_edge = (plan.spv_debtor[debtor] & is_debt)[None, :]
        self.spv_bond_cum += np.where(spv_edge, cred_loss, 0.0).sum(axis=1)
        # outside creditors of defaulters (the government pays them for guaranteed debt)
        ext = np.where(alive0, self.ext, 0.0)
        ext_loss = np.where(new_def, np.maximum(ext - cl.ext_paid.sum(axis=1), 0.0), 0.0)
        g_ext = np.where(guaranteed, ext_loss, 0.0)
        self.gov_cum += g_ext.sum(axis=1)
        self.outside_cum += (ext_loss - g_ext).sum(axis=1)
        # sparse records of both sides
        rr, ee = np.nonzero(settled)
        if rr.size:
            self.cl.append(
                (
                    rr,
                    np.full(rr.size, t),
                    creditor[ee],
                    debtor[ee],
                    face[rr, ee],
                    pay[rr, ee],
                    np.where(ee < Dn, 0, 1),
                    gov_loss[rr, ee],
                )
            )
        rr, nn = np.nonzero(new_def & (ext > 0))
        if rr.size:
            self.cl.append(
                (
                    rr,
                    np.full(rr.size, t),
                    np.full(rr.size, -1),
                    nn,
                    ext[rr, nn],
                    ext[rr, nn] - ext_loss[rr, nn],
                    np.full(rr.size, 2),
                    g_ext[rr, nn],
                )
            )
        rr, nn = np.nonzero(new_def)
        if rr.size:
            self.dd.append((rr, np.full(rr.size, t), nn, cl.owed[rr, nn], cl.distributable[rr, nn]))
        rr, nn = np.nonzero(deal_event)
        if rr.size:
            mine = debtor[None, :] == nn[:, None]
            self.dd.append(
                (
                    rr,
                    np.full(rr.size, t),
                    nn,
                    np.where(mine, face[rr], 0.0).sum(axis=1),
                    np.where(mine, pay[rr], 0.0).sum(axis=1),
                )
            )
        self.face = np.where((settled | repaid)[:, :Dn], 0.0, self.face)
        # causes of insolvency defaults (liquidity causes were set in the rounds)
        insolvent = new_def & ~liquid_def
        if insolvent.any():
            lost = self.s_e_creditor.sum(loss)
            had_loss = lost > TOL
            self.cause = np.where(
                insolvent, np.where(had_loss, CAUSE_CONTAGION, CAUSE_EQUITY), self.cause
            )
            cp = self._largest_by(creditor, debtor, loss)
            self.counterparty = np.where(insolvent, np.where(had_loss, cp, -1), self.counterparty)
        self.default_period = np.where(new_def, t, self.default_period)
        for link, out in zip(plan.deals, self.deals, strict=True):
            i = link.entity
            now = deal_event[:, i]
            self.default_period[:, i] = np.where(now, t, self.default_period[:, i])
            code = np.where(out.defaulted, CAUSE_DEAL, CAUSE_DEAL_LOSS)
            self.cause[:, i] = np.where(now, code, self.cause[:, i])
            self.counterparty[:, i] = np.where(now, out.trigger, self.counterparty[:, i])
            self.erosion[:, i] = np.where(now, out.equity_loss, self.erosion[:, i])
        gone = new_def | deal_event | deal_end
        self.alive = np.where(
            plan.is_deal[None, :], deal_alive & ~deal_event & ~deal_end, self.alive & ~new_def
        )
        self.cash = np.where(gone, 0.0, self.cash)
        self.other = np.where(gone, 0.0, self.other)
        self.ext = np.where(new_def, 0.0, self.ext)
        self.outside = np.where(new_def, 0.0, self.outside)
        # erosion of the equity cushion: starting equity plus money raised, less equity now
        not_deal = ~plan.is_deal[None, :]
        base = np.maximum(self.eq_start + self.raised, 0.0)
        eq_now = np.where(new_def, 0.0, cl.equity)
        eros = np.clip(base - eq_now, 0.0, base)
        self.erosion = np.where(not_deal & alive0, eros, self.erosion)
        self.equity_prev = np.where(plan.is_deal[None, :], fixed_eq, eq_now)

    # ------------------------------------------------------------------ losses

    def _losses_and_fire_sales(self, t: int) -> None:
        plan = self.plan
        # holders of a stake lose their share of the starting equity that was lost; what
        # is lost beyond it is money raised later from investors outside the web
        start = np.maximum(self.eq_start, 0.0)
        old = np.minimum(self.erosion, start)
        holder_eq = self.s_holder.sum(old[:, plan.th_issuer] * plan.th_value)
        issuer_layer = plan.issuer_layer >= 0
        later_money = self.operating & ~issuer_layer[None, :]
        self.new_money_lost = np.where(later_money, self.erosion - old, 0.0).sum(axis=1)
        first = self.cred_cum + holder_eq
        delta = first - self.first_prev
        self.first_prev = first
        if self.spec.fire_sales.enabled and self.fs_holdings.any():
            fs = fire_sale_round(delta, self.fs_lev, self.fs_holdings, self.fs_impact)
            self.fs_cum += fs.second_round_loss
            self.outside = np.maximum(
                self.outside - np.where(self.deep, fs.second_round_loss, 0.0), 0.0
            )
            self.price_impact[:, t, :] = fs.price_change
        layers = self.layers[:, t, :]
        own = self.cred_cum + holder_eq + self.fs_cum
        for k in range(len(LAYERS)):
            members = plan.holder_layer == k
            if members.any():
                layers[:, k] = own[:, members].sum(axis=1)
        neo = plan.issuer_layer == L_INDEX["neocloud_equity"]
        spv = plan.issuer_layer == L_INDEX["spv_equity"]
        layers[:, L_INDEX["neocloud_equity"]] = self.erosion[:, neo].sum(axis=1)
        layers[:, L_INDEX["spv_equity"]] = self.erosion[:, spv].sum(axis=1)
        layers[:, L_INDEX["spv_bondholders"]] = self.spv_bond_cum
        layers[:, L_INDEX["outside_investors"]] += self.outside_cum + self.new_money_lost
        layers[:, L_INDEX["government"]] += self.gov_cum
        layers[:, L_INDEX["contract_counterparties"]] = self.contract_cum
