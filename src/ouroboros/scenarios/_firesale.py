"""Batched fire sales by leverage targeting (Greenwood, Landier & Thesmar 2015).

:func:`~ouroboros.contagion.greenwood_landier_thesmar` starts from asset-return shocks and
one equity vector for all its scenarios; the simulator starts from each holder's loss in a
period, which differs by run. The response is the paper's: a holder that lost ``x_i``
sells ``b_i x_i`` of its marketable assets pro rata to its holdings ``H[i, k]``; the net
sales of class ``k`` move its price by ``-l_k`` per unit sold, and the price moves cost
every holder ``sum_k H[j, k] l_k S_k`` (the second-round loss). With ``x = H F`` and
``b = (A - E) / E`` this is exactly the paper's first round; the tests check it against
the contagion package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["FireSaleRound", "fire_sale_round"]

F = NDArray[np.float64]


@dataclass(frozen=True)
class FireSaleRound:
    """One round of leverage-targeting sales, per run."""

    sold: F  # (R, N) dollars each holder sells
    sold_by_class: F  # (R, K)
    price_change: F  # (R, K) fractional, >= -1
    second_round_loss: F  # (R, N)


def fire_sale_round(loss: F, leverage: F, holdings: F, price_impact: F) -> FireSaleRound:
    """Sales and second-round losses after first-round losses ``loss`` (R, N).

    Parameters
    ----------
    loss : (R, N)
        Each holder's first-round loss (negative values are gains and trigger nothing).
    leverage : (N,)
        Debt-to-equity ``b_i`` each holder targets.
    holdings : (N, K) or (R, N, K)
        Marketable holdings by asset class (dollars), for all runs or per run.
    price_impact : (K,)
        Price change per dollar sold, ``l_k``.

    Examples
    --------
    Two banks hold 100 of one asset with leverage 9; each loses 1, sells 9; 18 sold at
    1e-4 per dollar move the price by -0.18%, which costs each 100 x 0.0018 = 0.18.

    >>> r = fire_sale_round(np.array([[1.0, 1.0]]), np.array([9.0, 9.0]),
    ...                     np.array([[100.0], [100.0]]), np.array([1e-4]))
    >>> r.sold.tolist(), r.second_round_loss.round(6).tolist()
    ([[9.0, 9.0]], [[0.18, 0.18]])
    """
    h = holdings if holdings.ndim == 3 else holdings[None, :, :]
    total = h.sum(axis=2)
    weights = np.divide(h, total[:, :, None], out=np.zeros_like(h), where=total[:, :, None] > 0)
    sold = np.minimum(np.maximum(loss, 0.0) * leverage, total)
    by_class = (sold[:, :, None] * weights).sum(axis=1)
    change = np.maximum(-price_impact * by_class, -1.0)
    second = -(h * change[:, None, :]).sum(axis=2)
    return FireSaleRound(sold, by_class, change, second)
