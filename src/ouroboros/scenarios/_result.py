"""The result of a stress run: tidy tables built from the batches' arrays.

One run gives a story (who fails, when, why; losses by layer year by year); many runs give
distributions (default probabilities, years of default, quantiles of losses by layer).
Every table has the same columns whatever the number of runs, so results can be stored,
reloaded and compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ouroboros._json import jsonable
from ouroboros.flows import maximal_circulation
from ouroboros.hurdle import HurdleInputs, hurdle_sweep
from ouroboros.markets import AssetClass, load_liquidity_scenario
from ouroboros.model import Ledger
from ouroboros.scenarios._batch import BatchOutput
from ouroboros.scenarios._deals import DealOutcome
from ouroboros.scenarios._engine import CAUSE_WALK, CAUSES, WebOutput, next_term_end
from ouroboros.scenarios._plan import LAYERS, Plan, curve_at
from ouroboros.scenarios._spec import CREDIT_CLASSES, REPRICED_CLASSES, ScenarioSpec
from ouroboros.store import Store

__all__ = ["QUANTILES", "StressResult", "assemble"]

F = NDArray[np.float64]
IntA = NDArray[np.int64]
QUANTILES = (0.05, 0.5, 0.95)
_Q = ("p05", "p50", "p95")
EVENT_ORDER = {"walk_away": 0, "default": 1}


@dataclass(frozen=True, eq=False)
class StressResult:
    """What a stress scenario did to the web, for one run or a Monte Carlo of many.

    Attributes
    ----------
    scenario : ScenarioSpec
        The scenario that was run.
    runs, seed : int
        Number of runs and the seed (the central run when ``runs == 1``).
    dataset : str
        The dataset's name.
    unit : str
        The dataset's unit of amounts (``billion``: USD bn).
    years : list of int
        Calendar year of each period.
    events : DataFrame
        One row per event and run: ``run, year, entity, event`` (``default`` or
        ``walk_away``), ``cause``, ``counterparty`` (whose default or walk-away preceded it,
        or the lessor a tenant walked away from).
    timeline : DataFrame
        One run: its events in order. Many runs: ``year, entity, event, cause, runs,
        probability`` (share of runs with that event that year).
    defaults : DataFrame
        One row per run and defaulting entity: ``run, entity, year, cause``.
    default_probability : DataFrame
        One row per entity: ``entity, probability, mean_year, p05, p50, p95`` (years of
        default among the runs where it defaults).
    losses_by_layer : DataFrame
        Cumulative losses by layer at the end of each year: ``year, layer`` and ``loss``
        (one run) or ``mean, p05, p50, p95`` (many).
    layer_losses_at_horizon : DataFrame
        One row per run, one column per layer (the distribution behind the quantiles).
    credit_losses : DataFrame
        Claims written off, by ``creditor, debtor, kind``: ``face, recovered, loss``
        (means over runs) and ``runs`` (share of runs with the write-off).
    hurdle : DataFrame
        Per year: AI revenue, the revenue the installed AI capital needs (the hurdle),
        their ratio (coverage), the AI return and installed capital (medians, and p05/p95
        of coverage), plus the hurdle package's figure on the median path.
    circularity : DataFrame
        Per year: ``total_flow, circular_flow, circularity`` of the mean money flows.
    repricing : DataFrame
        Per year and asset class: the rate and spread move, the duration repricing
        (markets package) and the fire-sale price impact (quantiles over runs).
    deals : DataFrame
        Per deal: default probability, mean year of the deal's event, mean loss rate by
        ledger seniority layer, mean equity loss, median minimum DSCR.
    paths : DataFrame
        Per year and series (AI revenue, demand ratio, power ratio, rates, ...): p05, p50,
        p95 over runs.
    assumptions : DataFrame
        The starting figures of every entity and their basis.
    parameters : dict
        The scenario, runs, seed, dataset and how the run was executed.
    """

    scenario: ScenarioSpec
    runs: int
    seed: int
    dataset: str
    unit: str
    years: list[int]
    events: pd.DataFrame
    timeline: pd.DataFrame
    defaults: pd.DataFrame
    default_probability: pd.DataFrame
    losses_by_layer: pd.DataFrame
    layer_losses_at_horizon: pd.DataFrame
    credit_losses: pd.DataFrame
    hurdle: pd.DataFrame
    circularity: pd.DataFrame
    repricing: pd.DataFrame
    deals: pd.DataFrame
    paths: pd.DataFrame
    assumptions: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.scenario.name

    def default_years(self) -> dict[str, int | None]:
        """Entity -> year of default (one run), or the median year when it defaults in at
        least half of the runs, else ``None``."""
        out: dict[str, int | None] = dict.fromkeys(self.assumptions["entity"])
        for rec in self.default_probability.to_dict(orient="records"):
            p50 = rec["p50"]
            if float(rec["probability"]) >= 0.5 and p50 is not None and not pd.isna(p50):
                out[str(rec["entity"])] = int(p50)
        return out

    def save(self, ledger: Ledger, store: Store | None = None) -> str:
        """Keep this result in ``store`` (default: the user's store) with the version of
        ``ledger`` it ran on, in one transaction; return the run id."""
        store = store if store is not None else Store()
        version = store.import_dataset(ledger)
        return store.save_run(
            "stress", jsonable(self.parameters), self.tables(), seed=self.seed, dataset=version
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (what the store keeps)."""
        return {
            "events": self.events,
            "timeline": self.timeline,
            "defaults": self.defaults,
            "default_probability": self.default_probability,
            "losses_by_layer": self.losses_by_layer,
            "layer_losses_at_horizon": self.layer_losses_at_horizon,
            "credit_losses": self.credit_losses,
            "hurdle": self.hurdle,
            "circularity": self.circularity,
            "repricing": self.repricing,
            "deals": self.deals,
            "paths": self.paths,
            "assumptions": self.assumptions,
        }

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (what ``ouroboros stress --format json`` prints)."""
        out: dict[str, Any] = {
            "scenario": self.name,
            "description": self.scenario.description,
            "runs": self.runs,
            "seed": self.seed,
            "dataset": self.dataset,
            "unit": self.unit,
            "horizon": self.years[-1],
            "defaults": self.default_years(),
        }
        if self.runs > 1:
            out["default_probability"] = dict(
                zip(
                    self.default_probability["entity"].astype(str),
                    self.default_probability["probability"].astype(float),
                    strict=True,
                )
            )
            out["default_years"] = self.default_probability[
                self.default_probability["probability"] > 0
            ].to_dict(orient="records")
        out["losses_by_layer"] = self.losses_by_layer.to_dict(orient="records")
        last = self.losses_by_layer[self.losses_by_layer["year"] == self.years[-1]]
        col = "loss" if self.runs == 1 else "mean"
        out["losses_at_horizon"] = {str(r["layer"]): r[col] for _, r in last.iterrows()}
        out["timeline"] = self.timeline.to_dict(orient="records")
        out["deals"] = self.deals.to_dict(orient="records")
        out["hurdle"] = self.hurdle.to_dict(orient="records")
        out["circularity"] = self.circularity.to_dict(orient="records")
        out["repricing"] = self.repricing.to_dict(orient="records")
        out["parameters"] = {k: v for k, v in self.parameters.items() if k != "scenario"}
        return out


# ---------------------------------------------------------------------------- assembly


def _concat(batches: Sequence[BatchOutput]) -> tuple[WebOutput, BatchOutput]:
    """Batches in run order, concatenated into one web output (and the first batch)."""
    order = sorted(batches, key=lambda b: b.first_run)
    offsets = np.cumsum([0] + [b.n_runs for b in order[:-1]])
    webs = [b.web for b in order]
    kw: dict[str, Any] = {}
    for f in WebOutput.__dataclass_fields__:
        parts = [getattr(w, f) for w in webs]
        if f in ("cl_run", "dd_run"):
            parts = [p + o for p, o in zip(parts, offsets, strict=True)]
        kw[f] = np.concatenate(parts, axis=0)
    return WebOutput(**kw), order[0]


def _cat(batches: Sequence[BatchOutput], getter: Any) -> NDArray[Any]:
    order = sorted(batches, key=lambda b: b.first_run)
    return np.concatenate([getter(b) for b in order], axis=0)


def _quantile_frame(values: F, years: list[int], key: str, names: Sequence[str]) -> pd.DataFrame:
    """(runs, periods, series) -> tidy ``year, key, mean, p05, p50, p95``."""
    q = np.quantile(values, QUANTILES, axis=0)  # (3, P, S)
    P, S = values.shape[1], values.shape[2]
    return pd.DataFrame(
        {
            "year": np.repeat(years, S),
            key: np.tile(list(names), P),
            "mean": values.mean(axis=0).ravel(),
            "p05": q[0].ravel(),
            "p50": q[1].ravel(),
            "p95": q[2].ravel(),
        }
    )


def _year_end(plan: Plan) -> tuple[list[int], IntA]:
    """Calendar years and the last period of each."""
    years = sorted({int(y) for y in plan.year})
    last = np.array([np.flatnonzero(plan.year == y).max() for y in years], dtype=np.int64)
    return years, last


def assemble(
    plan: Plan,
    spec: ScenarioSpec,
    batches: Sequence[BatchOutput],
    *,
    seed: int,
    dataset: str,
    parameters: dict[str, Any],
) -> StressResult:
    """Build a :class:`StressResult` from the batches of a run."""
    web, _ = _concat(batches)
    R = web.default_period.shape[0]
    ids = np.array(plan.ids, dtype=object)
    years, last = _year_end(plan)
    pyear = plan.year
    decision = _cat(batches, lambda b: b.decision)
    deals = [_cat_deal(batches, k) for k in range(len(plan.deals))]

    # ---- events: defaults, then walk-aways (web leases and deal leases)
    rr, nn = np.nonzero(web.default_period >= 0)
    per = web.default_period[rr, nn]
    cp = web.counterparty[rr, nn]
    ev = pd.DataFrame(
        {
            "run": rr,
            "year": pyear[per],
            "entity": ids[nn],
            "event": "default",
            "cause": np.array(CAUSES, dtype=object)[web.cause[rr, nn]],
            "counterparty": [ids[c] if c >= 0 else None for c in cp],
        }
    )
    walks = []
    wr, wc = np.nonzero(web.walk_period >= 0)
    if wr.size:
        walks.append(
            pd.DataFrame(
                {
                    "run": wr,
                    "year": pyear[web.walk_period[wr, wc]],
                    "entity": ids[plan.c_payer[wc]],
                    "event": "walk_away",
                    "cause": CAUSES[CAUSE_WALK],
                    "counterparty": ids[plan.c_payee[wc]],
                }
            )
        )
    sd = spec.strategic_default
    for link, out in zip(plan.deals, deals, strict=True):
        if not (sd.enabled and "lease" in sd.applies_to):
            break
        for lease_id, tenant in link.lease_tenants.items():
            if tenant < 0:
                continue
            dec = decision[:, tenant]
            terms = link.lease_terms.get(lease_id, np.zeros(0, dtype=np.int64))
            when = dec if sd.breach else next_term_end(dec, terms[None, :])
            # a walk-away counts while the deal and the tenant are still there
            ok = when >= 0
            ok &= (out.event_period < 0) | (when <= out.event_period)
            ok &= (out.end_period < 0) | (when <= out.end_period)
            tdef = web.default_period[:, tenant]
            ok &= (tdef < 0) | (when < tdef)
            if ok.any():
                r = np.flatnonzero(ok)
                walks.append(
                    pd.DataFrame(
                        {
                            "run": r,
                            "year": pyear[when[r]],
                            "entity": ids[tenant],
                            "event": "walk_away",
                            "cause": CAUSES[CAUSE_WALK],
                            "counterparty": ids[link.entity],
                        }
                    )
                )
    events = pd.concat([*walks, ev], ignore_index=True) if walks else ev
    if len(events):
        events = events.drop_duplicates(["run", "year", "entity", "event", "counterparty"])
        # within a year: walk-aways, then defaults with no counterparty, then those that
        # followed another's default or walk-away
        events["_o"] = events["event"].map(EVENT_ORDER) * 2 + events["counterparty"].notna()
        events = events.sort_values(["run", "year", "_o", "entity"]).drop(columns="_o")
        events = events.reset_index(drop=True)
    if R == 1:
        timeline = events.drop(columns="run").reset_index(drop=True)
    else:
        grp = events.groupby(["year", "entity", "event", "cause"], dropna=False)
        timeline = grp["run"].nunique().rename("runs").reset_index()
        timeline["probability"] = timeline["runs"] / R
        timeline["_o"] = timeline["event"].map(EVENT_ORDER) * 2 + timeline["cause"].str.startswith(
            ("insolvent: losses", "deal engine")
        )
        timeline = timeline.sort_values(["year", "_o", "runs"], ascending=[True, True, False])
        timeline = timeline.drop(columns="_o").reset_index(drop=True)

    defaults = ev.sort_values(["run", "year", "entity"])[["run", "entity", "year", "cause"]]
    defaults = defaults.reset_index(drop=True)
    # ---- default probability and years
    dp_rows = []
    for i, eid in enumerate(plan.ids):
        hit = web.default_period[:, i] >= 0
        yrs = pyear[web.default_period[hit, i]]
        row: dict[str, Any] = {"entity": eid, "probability": float(hit.mean())}
        if yrs.size:
            q = np.quantile(yrs, QUANTILES)
            row.update(
                {
                    "mean_year": float(yrs.mean()),
                    "p05": float(q[0]),
                    "p50": float(q[1]),
                    "p95": float(q[2]),
                }
            )
        else:
            row.update({"mean_year": None, "p05": None, "p50": None, "p95": None})
        dp_rows.append(row)
    default_probability = pd.DataFrame(dp_rows)
    default_probability = default_probability.sort_values(
        ["probability", "mean_year"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)

    # ---- losses by layer
    yearly = web.layers[:, last, :]  # (R, Y, L)
    if R == 1:
        losses = pd.DataFrame(
            {
                "year": np.repeat(years, len(LAYERS)),
                "layer": np.tile(list(LAYERS), len(years)),
                "loss": yearly[0].ravel(),
            }
        )
    else:
        losses = _quantile_frame(yearly, years, "layer", LAYERS)
    at_horizon = pd.DataFrame(yearly[:, -1, :], columns=list(LAYERS))
    at_horizon.insert(0, "run", np.arange(R))

    credit = _credit_table(web, ids, R)
    hurdle = _hurdle_table(batches, years, last)
    circ = _circularity_table(plan, batches, years, R)
    repr_ = _repricing_table(plan, spec, batches, web, years, last)
    deals_t = _deals_table(plan, deals)
    paths = _paths_table(batches, years, last, web)
    return StressResult(
        scenario=spec,
        runs=R,
        seed=seed,
        dataset=dataset,
        unit=plan.unit,
        years=years,
        events=events,
        timeline=timeline,
        defaults=defaults,
        default_probability=default_probability,
        losses_by_layer=losses,
        layer_losses_at_horizon=at_horizon,
        credit_losses=credit,
        hurdle=hurdle,
        circularity=circ,
        repricing=repr_,
        deals=deals_t,
        paths=paths,
        assumptions=plan.assumptions,
        parameters=parameters,
    )


def _cat_deal(batches: Sequence[BatchOutput], k: int) -> DealOutcome:
    order = sorted(batches, key=lambda b: b.first_run)
    parts = [b.deals[k] for b in order]
    return DealOutcome(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in DealOutcome.__dataclass_fields__)
    )


def _credit_table(web: WebOutput, ids: NDArray[Any], R: int) -> pd.DataFrame:
    kinds = np.array(["debt", "contract damages", "outside debt"], dtype=object)
    names = np.append(ids, "outside creditors")
    cred = np.where(web.cl_creditor >= 0, web.cl_creditor, len(ids))
    df = pd.DataFrame(
        {
            "run": web.cl_run,
            "creditor": names[cred],
            "debtor": ids[web.cl_debtor] if web.cl_debtor.size else np.zeros(0, dtype=object),
            "kind": kinds[web.cl_kind] if web.cl_kind.size else np.zeros(0, dtype=object),
            "face": web.cl_face,
            "recovered": web.cl_paid + web.cl_gov,
            "from_government": web.cl_gov,
        }
    )
    df["loss"] = df["face"] - df["recovered"]
    if df.empty:
        return pd.DataFrame(
            columns=[
                "creditor",
                "debtor",
                "kind",
                "face",
                "recovered",
                "from_government",
                "loss",
                "runs",
            ]
        )
    g = df.groupby(["creditor", "debtor", "kind"])
    out = (g[["face", "recovered", "from_government", "loss"]].sum() / R).reset_index()
    out["runs"] = (g["run"].nunique() / R).to_numpy()
    return out.sort_values("loss", ascending=False, kind="stable").reset_index(drop=True)


def _hurdle_table(batches: Sequence[BatchOutput], years: list[int], last: IntA) -> pd.DataFrame:
    ai = _cat(batches, lambda b: b.paths["ai_revenue"])[:, last]
    need = _cat(batches, lambda b: b.paths["hurdle_revenue"])[:, last]
    ret = _cat(batches, lambda b: b.paths["ai_return"])[:, last]
    cap = _cat(batches, lambda b: b.paths["capital"])[:, last]
    cov = ai / np.maximum(need, 1e-12)
    qc = np.quantile(cov, QUANTILES, axis=0)
    med_cap = np.median(cap, axis=0)
    # the hurdle package's calculator on the median path (capex in dollars: unit billion)
    cod = _cat(batches, lambda b: b.paths["cost_of_debt"])[:, last]
    life = float(np.median(_cat(batches, lambda b: b.params["capex.asset_life"])))
    margin = float(np.median(_cat(batches, lambda b: b.params["adoption.margin"])))
    sweep = hurdle_sweep(
        HurdleInputs(ebitda_yield=None),
        capex=med_cap * 1e9,
        cost_of_debt=np.median(cod, axis=0),
        asset_life=np.full(len(years), life),
        ebitda_margin=np.full(len(years), margin),
    )
    return pd.DataFrame(
        {
            "year": years,
            "ai_revenue": np.median(ai, axis=0),
            "revenue_required": np.median(need, axis=0),
            "coverage": qc[1],
            "coverage_p05": qc[0],
            "coverage_p95": qc[2],
            "ai_return": np.median(ret, axis=0),
            "installed_capital": med_cap,
            "revenue_required_hurdle_pkg": sweep["revenue_required"].to_numpy() / 1e9,
        }
    )


def _circularity_table(
    plan: Plan, batches: Sequence[BatchOutput], years: list[int], R: int
) -> pd.DataFrame:
    flows = sum(b.web.flows.sum(axis=0) for b in batches) / R  # (P, pairs)
    N = plan.n
    rows = []
    exclude = [plan.ids[i] for i in range(N) if plan.never_fails[i]]
    for y in years:
        per = np.flatnonzero(plan.year == y)
        m = np.zeros((N, N))
        np.add.at(m, (plan.pair_payer, plan.pair_payee), flows[per].sum(axis=0))
        np.fill_diagonal(m, 0.0)
        m = np.where(m > 1e-12, m, 0.0)
        if m.sum() <= 0:
            rows.append({"year": y, "total_flow": 0.0, "circular_flow": 0.0, "circularity": 0.0})
            continue
        res = maximal_circulation(m, entities=list(plan.ids), exclude=exclude, resolution=1e-6)
        rows.append(
            {
                "year": y,
                "total_flow": float(res.total_flow),
                "circular_flow": float(res.circular_flow),
                "circularity": float(res.circularity),
            }
        )
    return pd.DataFrame(rows)


_CLASS_SPREAD = {"ig_credit": "ig", "hy_credit": "hy", "private_credit": "private"}


def _repricing_table(
    plan: Plan,
    spec: ScenarioSpec,
    batches: Sequence[BatchOutput],
    web: WebOutput,
    years: list[int],
    last: IntA,
) -> pd.DataFrame:
    classes: dict[str, AssetClass] = {a.name: a for a in load_liquidity_scenario().asset_classes}
    treasury = _cat(batches, lambda b: b.paths["treasury"])  # (R, P)
    rf0 = batches[0].treasury_base  # today's rate: prices move relative to it
    d_rate = treasury - rf0
    spreads = web.spreads  # (R, 4, P)
    rows = []
    for name, ac in classes.items():
        shock = d_rate.copy()
        if name in _CLASS_SPREAD:
            c = CREDIT_CLASSES.index(_CLASS_SPREAD[name])
            today = float(
                curve_at(
                    spec.rates.spreads.get(_CLASS_SPREAD[name], 0.0),  # type: ignore[call-overload]
                    float(plan.base_year),
                )
            )
            shock = shock + spreads[:, c, :] - today
        try:
            change = ac.price_change(rf0, shock[:, last])
        except Exception:  # the class's own limits (r <= g): report it as missing
            change = np.full((shock.shape[0], len(last)), np.nan)
        if name in REPRICED_CLASSES:
            k = REPRICED_CLASSES.index(name)
            fire = web.price_impact[:, :, k]
            fire_y = np.stack([fire[:, plan.year == y].sum(axis=1) for y in years], axis=1)
        else:
            fire_y = np.zeros_like(change)
        q = (
            np.nanquantile(change, QUANTILES, axis=0)
            if np.isfinite(change).any()
            else (np.full((3, len(last)), np.nan))
        )
        qf = np.quantile(fire_y, QUANTILES, axis=0)
        for j, y in enumerate(years):
            rows.append(
                {
                    "year": y,
                    "asset_class": name,
                    "rate_change": float(np.median(shock[:, last[j]])),
                    "price_change": float(q[1][j]),
                    "price_change_p05": float(q[0][j]),
                    "price_change_p95": float(q[2][j]),
                    "fire_sale_impact": float(qf[1][j]),
                    "fire_sale_impact_p05": float(qf[0][j]),
                }
            )
    return pd.DataFrame(rows)


def _deals_table(plan: Plan, deals: list[Any]) -> pd.DataFrame:
    rows = []
    for link, out in zip(plan.deals, deals, strict=True):
        hit = out.event_period >= 0
        yrs = plan.year[out.event_period[hit]]
        rows.append(
            {
                "deal": link.name,
                "entity": plan.ids[link.entity],
                "default_probability": float(out.defaulted.mean()),
                "loss_probability": float(hit.mean()),
                "mean_year": float(yrs.mean()) if yrs.size else None,
                "loss_rate_secured": float(out.loss_rate[:, 0].mean()),
                "loss_rate_senior": float(out.loss_rate[:, 1].mean()),
                "loss_rate_subordinated": float(out.loss_rate[:, 2].mean()),
                "equity_loss": float(out.equity_loss.mean()),
                "equity_paid_in": float(out.equity_paid_in.mean()),
                "min_dscr_p50": float(np.nanmedian(out.min_dscr))
                if np.isfinite(out.min_dscr).any()
                else None,
            }
        )
    return pd.DataFrame(rows)


def _paths_table(
    batches: Sequence[BatchOutput], years: list[int], last: IntA, web: WebOutput
) -> pd.DataFrame:
    series = ["ai_revenue", "expected", "demand", "power", "capex", "treasury", "confidence"]
    vals = np.stack([_cat(batches, lambda b, s=s: b.paths[s])[:, last] for s in series], axis=2)
    mo = _cat(batches, lambda b: b.market_open)[:, last].astype(np.float64)
    sp = np.moveaxis(web.spreads[:, :, last], 1, 2)  # (R, Y, 4)
    vals = np.concatenate([vals, mo[:, :, None], sp], axis=2)
    names = [*series, "market_open", *(f"spread_{c}" for c in CREDIT_CLASSES)]
    return _quantile_frame(vals, years, "series", names)
