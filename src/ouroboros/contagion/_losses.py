"""Losses claim by claim: who lost what on whom, by seniority layer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._inputs import MatrixInput, liability_matrix
from ouroboros.contagion._layers import LayeredClearingResult
from ouroboros.contagion._results import (
    ClearingResult,
    _categorical,
    _check_scenario,
    _recovery,
)
from ouroboros.errors import InputError

__all__ = ["edge_losses"]


def edge_losses(
    liabilities: MatrixInput | Sequence[MatrixInput],
    result: ClearingResult,
    *,
    scenario: int = 0,
) -> pd.DataFrame:
    """The loss on every claim after clearing, largest first.

    Within a class of debt a defaulting entity pays its creditors pro rata, so the loss on
    a claim is its face value times one minus the debtor's recovery rate on that class.

    Parameters
    ----------
    liabilities : (N, N) matrix, or the list of layer matrices
        The matrices the result was computed from (one, or one per seniority layer for a
        :class:`LayeredClearingResult`).
    result : ClearingResult
    scenario : int
        Which scenario of a batch.

    Returns
    -------
    DataFrame
        ``debtor, creditor, layer, owed, paid, loss`` for the claims with a loss.

    Examples
    --------
    >>> from ouroboros.contagion import eisenberg_noe
    >>> L = [[0, 6, 4], [0, 0, 0], [0, 0, 0]]
    >>> r = eisenberg_noe(L, [5, 0, 0], external_seniority="pari-passu",
    ...                   entities=["a", "b", "c"])
    >>> edge_losses(L, r)[["debtor", "creditor", "loss"]].values.tolist()
    [['a', 'b', 3.0], ['a', 'c', 2.0]]
    """
    s = _check_scenario(scenario, result.n_scenarios)
    ids = list(result.ids)
    if isinstance(result, LayeredClearingResult):
        if sp.issparse(liabilities) or isinstance(liabilities, pd.DataFrame):
            raise InputError(
                "a layered result needs the list of layer matrices", field="liabilities"
            )
        mats = [liability_matrix(m, ids)[0] for m in liabilities]
        owed = result.parameters["owed_by_layer"]  # (K, N)
        paid = result.paid_by_layer[s]
        if len(mats) != paid.shape[0]:
            raise InputError(
                f"the result has {paid.shape[0]} layers but {len(mats)} matrices were given",
                field="liabilities",
            )
    else:
        mats = [liability_matrix(liabilities, ids)[0]]
        owed = np.asarray(mats[0].sum(axis=1)).reshape(1, -1)
        paid = result.paid_network[s].reshape(1, -1)
    recovery = _recovery(paid, owed)
    frames = []
    for k, m in enumerate(mats):
        coo = sp.coo_array(m)
        rec = recovery[k, coo.row]
        loss = coo.data * (1.0 - rec)
        keep = loss > 1e-12 * np.maximum(coo.data, 1.0)
        frames.append(
            pd.DataFrame(
                {
                    "debtor": coo.row[keep],
                    "creditor": coo.col[keep],
                    "layer": k,
                    "owed": coo.data[keep],
                    "paid": coo.data[keep] * rec[keep],
                    "loss": loss[keep],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True).sort_values("loss", ascending=False, kind="stable")
    out["debtor"] = _categorical(result.ids, out["debtor"].to_numpy(dtype=np.int64))
    out["creditor"] = _categorical(result.ids, out["creditor"].to_numpy(dtype=np.int64))
    return out.reset_index(drop=True)
