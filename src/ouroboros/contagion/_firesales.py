"""Fire sales: leverage targeting (Greenwood, Landier & Thesmar 2015) and threshold
deleveraging with exponential price impact (Cont & Schaanning 2017), coupled to clearing.

* Greenwood, Landier & Thesmar, "Vulnerable banks", Journal of Financial Economics
  115(3), 2015. Entity ``i`` holds ``H[i, k]`` dollars of asset ``k`` (``A_i`` in all)
  with debt-to-equity ``b_i``. A shock of returns ``F`` costs it ``x_i = sum_k H[i, k]
  F_k``; to get back to its target leverage it sells ``-b_i x_i`` of its assets, in
  proportion to its holdings; net sales move prices linearly,
  ``dP_k / P_k = -l_k * (dollars of k sold)``, and the price moves cost every holder.
  Aggregate vulnerability ``AV`` is the second-round loss as a share of total equity;
  systemicness ``S_i`` is the part of ``AV`` due to ``i``'s sales; indirect
  vulnerability ``IV_i`` is ``i``'s own second-round loss over its equity.
* Cont & Schaanning, "Fire sales, indirect contagion and systemic stress testing"
  (Norges Bank WP 2/2017). Entities do nothing while their leverage ``assets / equity``
  is below ``leverage_max``; above it they sell just enough marketable assets to return
  to ``leverage_target`` and repay debt; insolvent entities liquidate everything. Sales
  of ``q_k`` units move the price by ``exp(-q_k / depth_k)``. Here each round also
  clears the liability network (Eisenberg–Noe or Rogers–Veraart) at the current prices,
  so that losses on interbank claims and fire-sale losses feed each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._clearing import (
    ExternalSeniority,
    Trace,
    clear,
    safe_inverse,
    seniority_terms,
)
from ouroboros.contagion._inputs import (
    FloatArray,
    MatrixInput,
    VectorInput,
    choice,
    entity_ids,
    liability_matrix,
    unit_interval,
    vector,
)
from ouroboros.contagion._results import FireSaleResult
from ouroboros.errors import ConvergenceError, InputError

__all__ = ["cont_schaanning", "greenwood_landier_thesmar"]


def _holdings(
    holdings: Any, entities: Sequence[Any] | None, assets: Sequence[Any] | None
) -> tuple[FloatArray, list[str], list[str]]:
    """Holdings as a dense (N, K) array with entity ids and asset names.

    Accepts an array, or a DataFrame with columns ``entity, asset, amount`` (long), or a
    DataFrame indexed by entity with one column per asset (wide).
    """
    if isinstance(holdings, pd.DataFrame):
        if {"entity", "asset", "amount"} <= set(holdings.columns):
            wide = holdings.pivot_table(
                index="entity", columns="asset", values="amount", aggfunc="sum", fill_value=0.0
            )
        else:
            wide = holdings
        ent = [str(e) for e in (entities if entities is not None else wide.index)]
        names = [str(a) for a in (assets if assets is not None else wide.columns)]
        # relabel a copy: the caller's DataFrame keeps its own labels
        wide = wide.set_axis(wide.index.astype(str), axis=0).set_axis(
            wide.columns.astype(str), axis=1
        )
        unknown = sorted(set(wide.index) - set(ent))
        if unknown:
            raise InputError(f"holdings: unknown entity {unknown[0]!r}", field="holdings")
        wide = wide.reindex(index=ent, columns=names, fill_value=0.0)
        h = wide.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    else:
        try:
            h = np.array(holdings, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("holdings must be a numeric (N, K) array", field="holdings") from None
        if h.ndim != 2:
            raise InputError(f"holdings must be 2-D (N, K), got shape {h.shape}", field="holdings")
        ent = entity_ids(entities, h.shape[0])
        names = (
            [str(a) for a in assets]
            if assets is not None
            else [f"asset{k}" for k in range(h.shape[1])]
        )
        if len(names) != h.shape[1]:
            raise InputError(
                f"assets names {len(names)} assets but holdings has {h.shape[1]} columns",
                field="assets",
            )
    if not np.isfinite(h).all():
        raise InputError("holdings hold NaN or infinite amounts", field="holdings")
    if (h < 0).any():
        raise InputError("holdings must be >= 0 (no short positions)", field="holdings")
    return h, ent, names


def _per_asset(
    value: VectorInput, names: list[str], name: str, *, batch: bool = False
) -> FloatArray:
    """A value per asset, (K,) or, with ``batch``, (S, K)."""
    if isinstance(value, pd.Series | dict):
        series = pd.Series(value)
        series.index = series.index.astype(str)
        unknown = sorted(set(series.index) - set(names))
        if unknown:
            raise InputError(f"{name}: unknown asset {unknown[0]!r}", field=name)
        out = series.reindex(names, fill_value=0.0).to_numpy(dtype=np.float64)
    else:
        try:
            out = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be numeric", field=name) from None
        if out.ndim == 0:
            out = np.full(len(names), float(out))
    if batch and out.ndim == 1:
        out = out[None, :]
    want = 2 if batch else 1
    if out.ndim != want or out.shape[-1] != len(names):
        raise InputError(
            f"{name} must have one value per asset ({len(names)})"
            + (" per scenario" if batch else ""),
            field=name,
        )
    if not np.isfinite(out).all():
        raise InputError(f"{name} holds NaN or infinite values", field=name)
    return out


def greenwood_landier_thesmar(
    holdings: Any,
    equity: VectorInput,
    *,
    shock: VectorInput,
    price_impact: VectorInput,
    other_assets: VectorInput | None = None,
    rounds: int = 1,
    entities: Sequence[Any] | None = None,
    assets: Sequence[Any] | None = None,
) -> FireSaleResult:
    """Fire sales by leverage targeting, with aggregate vulnerability (GLT 2015).

    Parameters
    ----------
    holdings : (N, K) array, or DataFrame
        Dollars of each asset each entity holds (long ``entity, asset, amount`` or wide).
    equity : array (N,) or Series
        Equity ``E_i > 0``; debt is ``A_i - E_i`` and the target leverage the current
        ``b_i = (A_i - E_i) / E_i``.
    shock : array (K,) or (S, K), or Series by asset
        Returns of the assets (``-0.1`` = a 10% fall); a 2-D array is a batch.
    price_impact : float or array (K,)
        ``l_k``: price return per dollar of net sales (GLT use ``1e-13`` per dollar, i.e.
        10 basis points per $10bn, for liquid assets).
    other_assets : array (N,), optional
        Assets outside the modelled classes (not sold, not shocked).
    rounds : int
        Rounds of selling; 1 is the paper's measure, more iterate the same linear
        response on the second-round losses.
    entities, assets : sequences of str, optional

    Returns
    -------
    FireSaleResult
        ``measures`` holds ``aggregate_vulnerability`` (S,), ``systemicness`` (S, N),
        ``indirect_vulnerability`` (S, N), ``direct_loss`` and ``fire_sale_loss`` (S, N).

    Examples
    --------
    Two banks with $100 in one asset, equity 10 (leverage 9); the asset falls 1%, and each
    $1 sold moves the price by 0.01%.

    >>> r = greenwood_landier_thesmar([[100.0], [100.0]], [10, 10], shock=[-0.01],
    ...                               price_impact=1e-4)
    >>> r.sold[0].tolist()   # each sells b * loss = 9 * 1
    [9.0, 9.0]
    >>> round(float(r.measures["aggregate_vulnerability"][0]), 6)  # 2 * 100 * 1e-4 * 18 / 20
    0.018
    """
    h, ids, names = _holdings(holdings, entities, assets)
    e = vector(equity, ids, name="equity")
    if (e <= 0).any():
        bad = ids[int(np.argmax(e <= 0))]
        raise InputError(f"equity of {bad!r} must be > 0 for leverage targeting", field="equity")
    other = vector(other_assets, ids, name="other_assets", default=0.0)
    f = _per_asset(shock, names, "shock", batch=True)
    ell = _per_asset(price_impact, names, "price_impact")
    if (ell < 0).any():
        raise InputError("price_impact must be >= 0", field="price_impact")
    if not isinstance(rounds, int) or rounds < 1:
        raise InputError(f"rounds must be a positive integer, got {rounds!r}", field="rounds")
    total = h.sum(axis=1) + other
    if (total < e).any():
        bad = ids[int(np.argmax(total < e))]
        raise InputError(f"equity of {bad!r} exceeds its assets", field="equity")
    b = (total - e) / e
    marketable = h.sum(axis=1)
    mix = h * safe_inverse(marketable)[:, None]  # what a dollar of i's sales is made of
    direct = f @ h.T  # (S, N) first-round dollar loss (negative)
    loss = direct.copy()
    sold = np.zeros_like(direct)
    price = 1.0 + f
    history = [price.copy()]
    fire_loss = np.zeros_like(direct)
    first_sales = None
    for _ in range(rounds):
        sales = -b[None, :] * loss  # dollars sold (negative = bought back)
        if first_sales is None:
            first_sales = sales
        sold += sales
        ret = -(sales @ mix) * ell[None, :]  # (S, K) price returns from net sales
        price = price * (1.0 + ret)
        history.append(price.copy())
        loss = ret @ h.T
        fire_loss += loss
    assert first_sales is not None
    e_tot = e.sum()
    # first-round decomposition: AV = sum_i S_i, S_i = (sum_j H_j . l * mix_i) sales_i / E
    impact_on_all = (h.sum(axis=0) * ell) @ mix.T  # (N,) loss to all per dollar sold by i
    systemic = first_sales * impact_on_all[None, :] / e_tot
    second = (-(first_sales @ mix) * ell[None, :]) @ h.T
    equity_end = e[None, :] + direct + fire_loss
    default = equity_end <= 0
    return FireSaleResult(
        model="greenwood-landier-thesmar",
        ids=tuple(ids),
        assets=tuple(names),
        prices=price,
        equity=equity_end,
        sold=sold,
        default=default,
        default_round=np.where(default, 1, 0).astype(np.int64),
        rounds=np.full(f.shape[0], rounds, dtype=np.int64),
        measures={
            "aggregate_vulnerability": -second.sum(axis=1) / e_tot,
            "systemicness": systemic,
            "indirect_vulnerability": -second / e[None, :],
            "direct_loss": -direct,
            "fire_sale_loss": -fire_loss,
        },
        parameters={"rounds": rounds, "leverage": b},
        price_history=tuple(history),
    )


def cont_schaanning(
    holdings: Any,
    other_assets: VectorInput,
    external_liabilities: VectorInput,
    *,
    shock: VectorInput,
    market_depth: VectorInput,
    leverage_max: float,
    leverage_target: float | None = None,
    liabilities: MatrixInput | None = None,
    external_seniority: ExternalSeniority = "senior",
    alpha: float = 1.0,
    beta: float = 1.0,
    entities: Sequence[Any] | None = None,
    assets: Sequence[Any] | None = None,
    max_rounds: int = 1_000,
) -> FireSaleResult:
    """Threshold deleveraging with exponential price impact, coupled to clearing.

    Follows Cont & Schaanning (2017). Every round: value the marketable holdings at
    current prices; clear the liability network (``liabilities``, Eisenberg–Noe or, with
    ``alpha``/``beta`` < 1, Rogers–Veraart) with external assets = other assets +
    holdings; entities in default liquidate all their holdings (the cash goes to their
    creditors next round); solvent entities with leverage (assets / equity) above
    ``leverage_max`` sell just enough, pro rata, to get back to ``leverage_target`` and
    repay external debt; prices fall by ``exp(-units sold / market_depth)``. Stops when
    nobody sells.

    Parameters
    ----------
    holdings : (N, K) array or DataFrame
        Units of each marketable asset (priced 1 before the shock).
    other_assets : array (N,)
        Cash and assets not sold (their value does not move).
    external_liabilities : array (N,)
        Debt to creditors outside the network (repaid by deleveraging).
    shock : array (K,) or (S, K)
        Initial fall of each price, as a share in [0, 1]; 2-D = a batch of scenarios.
    market_depth : float or array (K,)
        Units that move a price by a factor ``1/e``.
    leverage_max : float
        The leverage cap (e.g. 33 for a 3% leverage ratio).
    leverage_target : float, optional
        Leverage after deleveraging (default ``leverage_max``).
    liabilities : (N, N) matrix, optional
        ``L[i, j]``: what ``i`` owes ``j`` in the network (none by default).
    external_seniority : {"senior", "pari-passu"}
        Rank of external liabilities in clearing (default ``senior``: the funding that
        deleveraging repays ranks first, as secured funding does).
    alpha, beta : float
        Rogers–Veraart default costs of the clearing step.
    entities, assets : sequences of str, optional
    max_rounds : int

    Returns
    -------
    FireSaleResult
        ``measures`` holds ``payments`` (S, N) of the last clearing and ``price_fall``
        (S, K).

    Examples
    --------
    One bank with 100 units and 4 of equity (leverage 25) against a cap of 20: a 2% fall
    leaves it at 98 / 2 = 49 and it sells down to leverage 20.

    >>> r = cont_schaanning([[100.0]], [0.0], [96.0], shock=[0.02],
    ...                     market_depth=1e9, leverage_max=20)
    >>> round(float(r.sold[0, 0]), 4)   # 98 - 20 * 2
    58.0
    >>> bool(r.default[0, 0])
    False
    """
    h0, ids, names = _holdings(holdings, entities, assets)
    n = h0.shape[0]
    k = h0.shape[1]
    other0 = vector(other_assets, ids, name="other_assets")
    ext0 = vector(external_liabilities, ids, name="external_liabilities")
    drop = _per_asset(shock, names, "shock", batch=True)
    if ((drop < 0) | (drop > 1)).any():
        raise InputError("shock must be price falls in [0, 1]", field="shock")
    depth = _per_asset(market_depth, names, "market_depth")
    if (depth <= 0).any():
        raise InputError("market_depth must be > 0", field="market_depth")
    lev_max = float(leverage_max)
    if not np.isfinite(lev_max) or lev_max <= 1:
        raise InputError(f"leverage_max must be > 1, got {leverage_max!r}", field="leverage_max")
    lev_t = lev_max if leverage_target is None else float(leverage_target)
    if not 1 < lev_t <= lev_max:
        raise InputError(
            f"leverage_target must be in (1, leverage_max], got {leverage_target!r}",
            field="leverage_target",
        )
    choice(external_seniority, "external_seniority", ("senior", "pari-passu"))
    a_ = unit_interval(alpha, "alpha")
    b_ = unit_interval(beta, "beta")
    if liabilities is None:
        matrix = sp.csr_array((n, n))
    else:
        matrix, _ = liability_matrix(liabilities, ids)
    owed_net = np.asarray(matrix.sum(axis=1)).ravel()
    s = drop.shape[0]
    price = 1.0 - drop  # (S, K)
    units = np.broadcast_to(h0, (s, n, k)).copy()
    cash = np.broadcast_to(other0, (s, n)).copy()
    ext = np.broadcast_to(ext0, (s, n)).copy()
    sold = np.zeros((s, n))
    default_round = np.zeros((s, n), dtype=np.int64)
    liquidated = np.zeros((s, n), dtype=bool)
    rounds = np.zeros(s, dtype=np.int64)
    history = [price.copy()]
    senior = external_seniority == "senior"
    trace: Trace | None = None
    for t in range(1, max_rounds + 1):
        value = np.einsum("snk,sk->sn", units, price)
        e = cash + value
        trace = _clear_round(matrix, owed_net, ext, e, senior, a_, b_)
        assets_now = trace.values
        equity = assets_now - owed_net[None, :] - ext
        new_default = trace.default & (default_round == 0)
        default_round[new_default] = t
        # insolvent entities liquidate; the others deleverage above the cap
        lev = np.where(equity > 0, assets_now / np.where(equity > 0, equity, 1.0), np.inf)
        over = ~trace.default & (lev > lev_max * (1.0 + 1e-9)) & (value > 0)
        want = np.where(over, np.minimum(value, assets_now - lev_t * equity), 0.0)
        share = np.where(value > 0, want / np.where(value > 0, value, 1.0), 0.0)
        share = np.where(trace.default & ~liquidated & (value > 0), 1.0, share)
        units_sold = units * share[:, :, None]
        proceeds = np.einsum("snk,sk->sn", units_sold, price)
        if not (proceeds > 0).any():
            break
        moving = (proceeds > 0).any(axis=1)
        rounds[moving] = t
        units -= units_sold
        sold += proceeds
        liquidated |= trace.default & (share == 1.0)
        repay = np.where(trace.default, 0.0, np.minimum(proceeds, ext))
        ext -= repay
        cash += proceeds - repay
        q = units_sold.sum(axis=1)  # (S, K) units sold
        price = price * np.exp(-q / depth[None, :])
        history.append(price.copy())
    else:
        raise ConvergenceError(f"fire sale still moving after {max_rounds} rounds")
    assert trace is not None
    equity = trace.values - owed_net[None, :] - ext
    return FireSaleResult(
        model="cont-schaanning",
        ids=tuple(ids),
        assets=tuple(names),
        prices=price,
        equity=np.maximum(equity, 0.0),
        sold=sold,
        default=trace.default,
        default_round=default_round,
        rounds=rounds,
        measures={"payments": trace.payments, "price_fall": 1.0 - price, "net_worth": equity},
        parameters={
            "leverage_max": lev_max,
            "leverage_target": lev_t,
            "external_seniority": external_seniority,
            "alpha": a_,
            "beta": b_,
        },
        price_history=tuple(history),
    )


def _clear_round(
    matrix: sp.csr_array,
    owed_net: FloatArray,
    ext: FloatArray,
    e: FloatArray,
    senior: bool,
    alpha: float,
    beta: float,
) -> Trace:
    """Clear the network for every scenario at once, with per-scenario external debt."""
    inv, cap, threshold, offset = seniority_terms(owed_net, ext, senior)
    return clear(matrix, inv, cap, threshold, offset, e, alpha=alpha, beta=beta)
