"""Result objects of the contagion models: arrays for speed, tidy tables on demand.

A result holds the arrays the kernel produced, shaped (scenarios, entities), and builds
its pandas tables (one row per scenario and entity, per round, per creditor) the first
time they are asked for, so a batch of a thousand scenarios costs nothing it does not
use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ouroboros.contagion._inputs import BoolArray, FloatArray, IntArray
from ouroboros.errors import InputError

__all__ = ["CascadeResult", "ClearingResult", "DebtRankResult", "FireSaleResult", "History"]


Change = tuple[IntArray, IntArray, FloatArray]


def changes(before: FloatArray, after: FloatArray) -> Change:
    """The cells of an (N, S) state that changed: ``(scenario, entity, new value)``."""
    ent, scen = np.nonzero(after != before)
    return scen.astype(np.int64), ent.astype(np.int64), after[ent, scen]


@dataclass(frozen=True)
class History:
    """Round-by-round record of a cascade, stored sparsely.

    ``changes[k - 1]`` holds the cells whose tracked quantity changed in round ``k`` and
    their new value, as ``(scenario, entity, value)`` arrays: what each creditor received
    (clearing models), its stress ``h`` (DebtRank) or its loss (cascades). Who defaulted
    in which round is in the result's ``default_round``.
    """

    changes: tuple[Change, ...] = ()


def _categorical(ids: tuple[str, ...], codes: IntArray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(ids, dtype=object))


def _changes_table(ids: tuple[str, ...], history: History, who: str, what: str) -> pd.DataFrame:
    """A tidy table of a sparse history: (scenario, round, who, what)."""
    scen = [c[0] for c in history.changes]
    ent = [c[1] for c in history.changes]
    val = [c[2] for c in history.changes]
    rnd = [np.full(c[0].size, k, dtype=np.int64) for k, c in enumerate(history.changes, start=1)]
    if not scen:
        scen, ent, val, rnd = (
            [np.zeros(0, np.int64)],
            [np.zeros(0, np.int64)],
            [np.zeros(0)],
            [np.zeros(0, np.int64)],
        )
    s, e, v, r = (np.concatenate(x) for x in (scen, ent, val, rnd))
    order = np.lexsort((e, r, s))
    codes = e[order].astype(np.int64)
    return pd.DataFrame(
        {"scenario": s[order], "round": r[order], who: _categorical(ids, codes), what: v[order]}
    )


def _entity_table(
    ids: tuple[str, ...],
    n_scenarios: int,
    columns: dict[str, Any],
    default_round: IntArray | None = None,
) -> pd.DataFrame:
    """One row per (scenario, entity): ``columns`` (arrays broadcast to (S, N)) by row.

    With ``default_round``, a last column of the round each entity defaulted in, missing
    (``pd.NA``) for those that never did.
    """
    s, n = n_scenarios, len(ids)
    table = pd.DataFrame(
        {
            "scenario": np.repeat(np.arange(s), n),
            "entity": _categorical(ids, np.tile(np.arange(n), s)),
            **{name: np.broadcast_to(v, (s, n)).ravel() for name, v in columns.items()},
        }
    )
    if default_round is not None:
        rnd = pd.array(default_round.ravel(), dtype="Int64")
        rnd[default_round.ravel() == 0] = pd.NA
        table["default_round"] = rnd
    return table


def _defaults_by_round(ids: tuple[str, ...], default_round: IntArray) -> pd.DataFrame:
    """Who defaulted in which round: one row per (scenario, round, entity)."""
    scen, ent = np.nonzero(default_round)
    rnd = default_round[scen, ent]
    order = np.lexsort((ent, rnd, scen))
    return pd.DataFrame(
        {"scenario": scen[order], "round": rnd[order], "entity": _categorical(ids, ent[order])}
    )


def _recovery(paid: FloatArray, owed: FloatArray) -> FloatArray:
    """Share of what is owed that is paid (1 where nothing is owed)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(owed > 0, paid / np.where(owed > 0, owed, 1.0), 1.0)
    return out


def _check_scenario(scenario: int, n: int) -> int:
    if not 0 <= scenario < n:
        raise InputError(f"scenario must be in 0..{n - 1}, got {scenario}", field="scenario")
    return scenario


@dataclass(frozen=True, eq=False)
class ClearingResult:
    """The clearing of a liability network, for one or many shock scenarios.

    Arrays are shaped ``(scenarios, entities)`` in the order of ``ids``. Amounts are in the
    unit of the input.

    Attributes
    ----------
    model : str
        ``"eisenberg-noe"``, ``"rogers-veraart"``, ``"elsinger"`` or ``"furfine"``.
    ids : tuple of str
        Entity ids, in array order.
    owed : ndarray (N,)
        Face value of everything each entity owes (network and outside creditors).
    claims : ndarray (N,)
        Face value of what the other entities owe each entity.
    external_assets : ndarray (S, N)
        External assets after the shock.
    paid : ndarray (S, N)
        What each entity pays, to all its creditors.
    paid_network : ndarray (S, N)
        The part of ``paid`` that goes to the other entities of the network.
    received : ndarray (S, N)
        What each entity receives on its claims on the others.
    equity : ndarray (S, N)
        Equity after clearing, ``max(0, net_worth)`` (limited liability).
    net_worth : ndarray (S, N)
        Assets (external + received) minus everything owed; negative when insolvent.
    default : ndarray (S, N) of bool
        Entities that cannot pay in full.
    default_round : ndarray (S, N) of int
        The round in which each entity defaulted (1 = fundamental default), 0 if never.
    rounds : ndarray (S,) of int
        Rounds the algorithm ran, per scenario.
    residual : ndarray (S,)
        ``max |Phi(p) - p|`` at the answer: how exactly it is a fixed point.
    parameters : dict
        The parameters that produced the result.
    """

    model: str
    ids: tuple[str, ...]
    owed: FloatArray
    claims: FloatArray
    external_assets: FloatArray
    paid: FloatArray
    paid_network: FloatArray
    received: FloatArray
    equity: FloatArray
    net_worth: FloatArray
    default: BoolArray
    default_round: IntArray
    rounds: IntArray
    residual: FloatArray
    parameters: dict[str, Any]
    history: History = field(default_factory=History, repr=False)

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios."""
        return int(self.paid.shape[0])

    @property
    def losses(self) -> FloatArray:
        """Loss on claims on the network, per creditor: ``claims - received`` (S, N)."""
        return np.maximum(self.claims[None, :] - self.received, 0.0)

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per scenario and entity: what it owed, paid, received, lost, kept."""
        owed = np.broadcast_to(self.owed, self.paid.shape)
        columns = {
            "owed": owed,
            "paid": self.paid,
            "recovery": _recovery(self.paid, owed),
            "external_assets": self.external_assets,
            "claims": self.claims,
            "received": self.received,
            "loss": self.losses,
            "net_worth": self.net_worth,
            "equity": self.equity,
            "default": self.default,
        }
        return _entity_table(self.ids, self.n_scenarios, columns, self.default_round)

    @cached_property
    def defaults_by_round(self) -> pd.DataFrame:
        """Who defaulted in which round: one row per (scenario, round, entity)."""
        return _defaults_by_round(self.ids, self.default_round)

    @cached_property
    def losses_by_round(self) -> pd.DataFrame:
        """Losses by creditor round by round.

        One row per (scenario, round, creditor) whose receipts changed in that round, with
        the cumulative loss on its claims on the network after the round.
        """
        table = _changes_table(self.ids, self.history, "creditor", "received")
        codes = table["creditor"].cat.codes.to_numpy()
        received = table.pop("received").to_numpy()
        table["loss"] = np.maximum(self.claims[codes] - received, 0.0)
        return table

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per scenario: defaults, rounds and losses."""
        return pd.DataFrame(
            {
                "scenario": np.arange(self.n_scenarios),
                "defaults": self.default.sum(axis=1),
                "rounds": self.rounds,
                "network_loss": self.losses.sum(axis=1),
                "shortfall": (self.owed[None, :] - self.paid).sum(axis=1),
                "equity": self.equity.sum(axis=1),
                "residual": self.residual,
            }
        )

    def to_dict(self, scenario: int = 0) -> dict[str, Any]:
        """The JSON view of one scenario: payments, equity, defaults and rounds.

        ``rounds`` lists, for each round, the entities that defaulted in it and the total
        loss on network claims after it.
        """
        s = _check_scenario(scenario, self.n_scenarios)
        ids = self.ids
        rounds = []
        loss_after = self._loss_totals(s)
        last = int(self.default_round[s].max())
        for k in range(1, last + 1):
            who = np.flatnonzero(self.default_round[s] == k)
            rounds.append(
                {
                    "round": k,
                    "defaults": [ids[i] for i in who],
                    "network_loss": loss_after.get(k, 0.0),
                }
            )
        return {
            "model": self.model,
            "payments": dict(zip(ids, self.paid[s].tolist(), strict=True)),
            "equity": dict(zip(ids, self.equity[s].tolist(), strict=True)),
            "defaults": [ids[i] for i in np.flatnonzero(self.default[s])],
            "rounds": rounds,
        }

    def _loss_totals(self, s: int) -> dict[int, float]:
        received = self.claims.copy()
        out: dict[int, float] = {}
        for k, (scen, ent, value) in enumerate(self.history.changes, start=1):
            pick = scen == s
            received[ent[pick]] = value[pick]
            out[k] = float(np.maximum(self.claims - received, 0.0).sum())
        return out


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """A default cascade (Furfine sequential default or a threshold cascade).

    Attributes
    ----------
    model : str
        ``"furfine"`` or ``"threshold"``.
    ids : tuple of str
        Entity ids.
    default : ndarray (S, N) of bool
    default_round : ndarray (S, N) of int
        0 = survived, 1 = initial default, k = failed in round k.
    loss : ndarray (S, N)
        Loss each entity suffered on its exposures.
    capital : ndarray (S, N)
        Capital (or threshold) each entity started with.
    rounds : ndarray (S,) of int
    parameters : dict
    """

    model: str
    ids: tuple[str, ...]
    default: BoolArray
    default_round: IntArray
    loss: FloatArray
    capital: FloatArray
    rounds: IntArray
    parameters: dict[str, Any]
    history: History = field(default_factory=History, repr=False)

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios."""
        return int(self.default.shape[0])

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per scenario and entity."""
        columns = {"capital": self.capital, "loss": self.loss, "default": self.default}
        return _entity_table(self.ids, self.n_scenarios, columns, self.default_round)

    @cached_property
    def defaults_by_round(self) -> pd.DataFrame:
        """Who defaulted in which round: one row per (scenario, round, entity)."""
        return _defaults_by_round(self.ids, self.default_round)

    @cached_property
    def losses_by_round(self) -> pd.DataFrame:
        """Cumulative loss by creditor after each round (rows where it changed)."""
        return _changes_table(self.ids, self.history, "creditor", "loss")


@dataclass(frozen=True, eq=False)
class DebtRankResult:
    """DebtRank for one or many initial shocks.

    Attributes
    ----------
    method : str
        ``"single-hit"`` (Battiston et al. 2012) or ``"differential"`` (Bardoscia et al.
        2015).
    ids : tuple of str
    weights : ndarray (N,)
        Economic weights, summing to 1.
    initial : ndarray (S, N)
        The initial relative equity loss ``h(1)``.
    stress : ndarray (S, N)
        The final relative equity loss ``h`` in [0, 1].
    debtrank : ndarray (S,)
        ``sum_i v_i (h_i(T) - h_i(1))``: the systemic impact beyond the initial shock.
    rounds : ndarray (S,) of int
    parameters : dict
    """

    method: str
    ids: tuple[str, ...]
    weights: FloatArray
    initial: FloatArray
    stress: FloatArray
    debtrank: FloatArray
    rounds: IntArray
    parameters: dict[str, Any]
    history: History = field(default_factory=History, repr=False)

    @property
    def defaults(self) -> BoolArray:
        """Entities whose equity is wiped out (``h = 1``), shape (S, N)."""
        return self.stress >= 1.0

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios."""
        return int(self.stress.shape[0])

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per scenario and entity: weight, initial and final stress."""
        columns = {
            "weight": self.weights,
            "initial": self.initial,
            "stress": self.stress,
            "default": self.defaults,
        }
        return _entity_table(self.ids, self.n_scenarios, columns)

    @cached_property
    def stress_by_round(self) -> pd.DataFrame:
        """Stress ``h`` after each round, for the entities whose stress changed."""
        return _changes_table(self.ids, self.history, "entity", "h")

    def to_dict(self, scenario: int = 0) -> dict[str, Any]:
        """JSON view of one scenario: debtrank, stress (id -> h) and defaults."""
        s = _check_scenario(scenario, self.n_scenarios)
        return {
            "method": self.method,
            "debtrank": float(self.debtrank[s]),
            "stress": dict(zip(self.ids, self.stress[s].tolist(), strict=True)),
            "defaults": [self.ids[i] for i in np.flatnonzero(self.defaults[s])],
            "rounds": int(self.rounds[s]),
        }


@dataclass(frozen=True, eq=False)
class FireSaleResult:
    """A fire-sale cascade (Greenwood et al. 2015 or Cont & Schaanning 2017).

    Attributes
    ----------
    model : str
        ``"greenwood-landier-thesmar"`` or ``"cont-schaanning"``.
    ids, assets : tuple of str
        Entity ids and asset names.
    prices : ndarray (S, K)
        Asset prices at the end, relative to 1 before the shock.
    equity : ndarray (S, N)
        Equity at the end.
    sold : ndarray (S, N)
        Value each entity sold over the cascade.
    default : ndarray (S, N) of bool
    default_round : ndarray (S, N) of int
    rounds : ndarray (S,) of int
    measures : dict of ndarray
        Model-specific measures, e.g. ``aggregate_vulnerability`` (S,),
        ``systemicness`` (S, N) and ``indirect_vulnerability`` (S, N) for GLT.
    parameters : dict
    """

    model: str
    ids: tuple[str, ...]
    assets: tuple[str, ...]
    prices: FloatArray
    equity: FloatArray
    sold: FloatArray
    default: BoolArray
    default_round: IntArray
    rounds: IntArray
    measures: dict[str, FloatArray]
    parameters: dict[str, Any]
    price_history: tuple[FloatArray, ...] = field(default=(), repr=False)

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios."""
        return int(self.prices.shape[0])

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per scenario and entity: equity, sales, default."""
        columns = {"equity": self.equity, "sold": self.sold, "default": self.default}
        return _entity_table(self.ids, self.n_scenarios, columns, self.default_round)

    @cached_property
    def prices_by_round(self) -> pd.DataFrame:
        """Asset prices after each round: one row per (scenario, round, asset)."""
        frames = []
        for k, px in enumerate(self.price_history):
            s, m = px.shape
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": np.repeat(np.arange(s), m),
                        "round": k,
                        "asset": _categorical(self.assets, np.tile(np.arange(m), s)),
                        "price": px.ravel(),
                    }
                )
            )
        if not frames:
            return pd.DataFrame({"scenario": [], "round": [], "asset": [], "price": []})
        return pd.concat(frames, ignore_index=True)
