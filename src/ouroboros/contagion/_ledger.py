"""Adapter from a ledger's claims view to the contagion engine's arrays.

The claims view (:func:`ouroboros.views.claims`) gives who owes whom by seniority layer
and who holds which share of whose equity. Clearing also needs each entity's assets and
debts *outside* the web; they come from its yearly financials where the dataset has them,
and from a stated assumption otherwise:

* ``total_assets`` known: external assets = total assets - claims on the web (floored at
  0); all liabilities = total assets - equity (or reported debt, or total assets times
  ``1 - equity_ratio``); external liabilities = all liabilities - debts to the web
  (floored at 0).
* only ``debt`` known: liabilities = max(debt, debts to the web); total assets such that
  equity is ``equity_ratio`` of them.
* nothing known: liabilities = debts to the web; total assets such that equity is
  ``equity_ratio`` of them (the entity starts solvent).
* the rest-of-world node holds external assets equal to what it owes (it never fails).

External liabilities rank in layer ``external_layer`` (default 1, senior unsecured).
Equity stakes whose fractions sum to 1 or more for an issuer are scaled to sum to 0.99.
Every choice is listed per entity in :attr:`LedgerNetwork.assumptions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._inputs import FloatArray, unit_interval
from ouroboros.contagion._layers import LayeredClearingResult, elsinger
from ouroboros.errors import InputError

if TYPE_CHECKING:
    from ouroboros.model import Ledger

__all__ = ["LedgerNetwork", "ledger_contagion", "ledger_network"]

LAYER_NAMES = ("secured", "senior", "subordinated")


@dataclass(frozen=True)
class LedgerNetwork:
    """A ledger as contagion arrays.

    Attributes
    ----------
    ids : tuple of str
        Entity ids, in the ledger's order.
    layers : tuple of csr_array
        Debt by seniority (0 secured, 1 senior unsecured, 2 subordinated): ``[i, j]`` =
        what ``i`` owes ``j``.
    cross_holdings : csr_array
        ``[i, j]`` = fraction of ``i``'s equity held by ``j``.
    external_assets : ndarray (N,)
    external_liabilities : tuple of ndarray (N,)
        One vector per layer.
    assumptions : DataFrame
        Per entity: the basis of its figures and the figures used.
    unit : str
        The dataset's unit of amounts.
    """

    ids: tuple[str, ...]
    layers: tuple[sp.csr_array, ...]
    cross_holdings: sp.csr_array
    external_assets: FloatArray
    external_liabilities: tuple[FloatArray, ...]
    assumptions: pd.DataFrame
    unit: str


def ledger_network(
    ledger: Ledger,
    *,
    year: int | None = None,
    include_contingent: bool = False,
    equity_ratio: float = 0.1,
    external_layer: int = 1,
) -> LedgerNetwork:
    """Build the contagion arrays of a ledger (see the module notes for the assumptions).

    Parameters
    ----------
    ledger : Ledger
    year : int, optional
        Use financials of this year or earlier (default: the latest available).
    include_contingent : bool
        Count guarantees and backstops as if called.
    equity_ratio : float
        Equity as a share of total assets, assumed where the dataset has no figure.
    external_layer : int
        The seniority layer of liabilities outside the web.

    Returns
    -------
    LedgerNetwork
    """
    from ouroboros.views import claims

    ratio = unit_interval(equity_ratio, "equity_ratio")
    if not 0 <= external_layer < len(LAYER_NAMES):
        raise InputError(
            f"external_layer must be 0, 1 or 2 ({', '.join(LAYER_NAMES)}), got {external_layer}",
            field="external_layer",
        )
    cv = claims(ledger, include_contingent=include_contingent)
    ids = tuple(cv.entities)
    n = len(ids)
    layers = tuple(
        sp.csr_array(cv.by_seniority.get(k, sp.csr_array((n, n))), dtype=np.float64)
        for k in range(len(LAYER_NAMES))
    )
    debt_net = np.asarray(sum(m.sum(axis=1) for m in layers), dtype=np.float64).ravel()
    claims_net = np.asarray(sum(m.sum(axis=0) for m in layers), dtype=np.float64).ravel()
    ext_assets = np.zeros(n)
    ext_liab = np.zeros(n)
    rows = []
    for i, eid in enumerate(ids):
        ent = ledger.entity(eid)
        y_ta, ta = ent.latest("total_assets", year)
        _, eq = ent.latest("equity", year)
        y_d, debt = ent.latest("debt", year)
        if "rest_of_world" in ent.roles:
            basis, total_liab, total_assets = "rest of world (never fails)", debt_net[i], None
            ext_assets[i] = debt_net[i]
        elif ta is not None:
            total_assets = ta
            if eq is not None:
                total_liab, basis = ta - eq, f"financials {y_ta} (total assets, equity)"
            elif debt is not None:
                total_liab, basis = debt, f"financials {y_ta} (total assets, debt)"
            else:
                total_liab = ta * (1 - ratio)
                basis = f"financials {y_ta} (total assets), equity ratio assumed"
            ext_assets[i] = max(ta - claims_net[i], 0.0)
        else:
            if debt is not None:
                total_liab = max(debt, debt_net[i])
                basis = f"financials {y_d} (debt), equity ratio assumed"
            else:
                total_liab = debt_net[i]
                basis = "no financials: equity ratio assumed"
            total_assets = total_liab / (1.0 - ratio) if ratio < 1 else total_liab
            ext_assets[i] = max(total_assets - claims_net[i], 0.0)
        ext_liab[i] = max(total_liab - debt_net[i], 0.0)
        rows.append(
            {
                "entity": eid,
                "basis": basis,
                "total_assets": np.nan if total_assets is None else float(total_assets),
                "external_assets": ext_assets[i],
                "network_claims": claims_net[i],
                "network_debt": debt_net[i],
                "external_liabilities": ext_liab[i],
            }
        )
    stakes = sp.csr_array(cv.equity_stakes, dtype=np.float64)
    stakes.setdiag(0.0)
    stakes.eliminate_zeros()
    held = np.asarray(stakes.sum(axis=1)).ravel()
    over = held >= 1.0
    if over.any():
        scale = np.where(over, 0.99 / np.where(over, held, 1.0), 1.0)
        stakes = sp.csr_array(sp.diags_array(scale) @ stakes)
        for j in np.flatnonzero(over):
            rows[j]["basis"] += f"; equity stakes held by others scaled from {held[j]:.3g} to 0.99"
    ext_by_layer = tuple(
        ext_liab if k == external_layer else np.zeros(n) for k in range(len(LAYER_NAMES))
    )
    return LedgerNetwork(
        ids=ids,
        layers=layers,
        cross_holdings=stakes,
        external_assets=ext_assets,
        external_liabilities=ext_by_layer,
        assumptions=pd.DataFrame(rows),
        unit=cv.unit,
    )


def ledger_contagion(
    network: LedgerNetwork,
    *,
    default: Sequence[str] = (),
    recovery: float = 0.0,
    shock: dict[str, float] | None = None,
) -> LayeredClearingResult:
    """Clear a ledger network after some entities fail.

    Parameters
    ----------
    network : LedgerNetwork
        From :func:`ledger_network`.
    default : sequence of str
        Entities that fail outright: they lose their assets, including what the web owes
        them (a failed provider cannot deliver its contracts), and pay ``recovery`` of
        their debts, senior layers first (see :func:`elsinger`'s ``forced_defaults``).
    recovery : float
        Share of a failed entity's debts its creditors recover.
    shock : dict, optional
        Other entities' share of external assets lost, in [0, 1].

    Returns
    -------
    LayeredClearingResult
        Elsinger (2009) clearing by seniority layer with equity cross-holdings.
    """
    index = {e: i for i, e in enumerate(network.ids)}
    cut = np.zeros(len(network.ids))
    for name, value in (shock or {}).items():
        if name not in index:
            raise InputError(f"shock: unknown entity {name!r}", field="shock")
        cut[index[name]] = unit_interval(value, f"shock[{name!r}]")
    for name in default:
        if name not in index:
            known = ", ".join(sorted(network.ids))
            raise InputError(
                f"default: unknown entity {name!r}; the dataset has: {known}", field="default"
            )
    return elsinger(
        list(network.layers),
        network.external_assets,
        list(network.external_liabilities),
        cross_holdings=network.cross_holdings if network.cross_holdings.nnz else None,
        entities=list(network.ids),
        shock=cut,
        forced_defaults=list(default),
        recovery=recovery,
    )
