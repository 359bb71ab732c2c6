#!/usr/bin/env python3
"""Synthetic obligation (invoice) networks for the ``clear`` benchmarks.

Writes a CSV with the header ``id,debtor,creditor,amount`` (the debtor owes the creditor
``amount``), the format ``ouroboros clear`` reads::

    python benchmarks/_obligations.py --nodes 40000 --edges 300000 --seed 1 > net.csv
    python benchmarks/_obligations.py --nodes 1000 --edges 8000 --seed 3 --out small.csv

How the network is drawn (numpy only, reproducible from ``--seed``):

* Every firm gets a selling and a buying propensity from a Zipf-like law
  (``rank ** -0.9``, ranks shuffled), correlated so that big sellers are also big
  buyers: a few hubs and a long tail of small firms, as in trade-credit data.
* About 70% of the obligations are plain trade: the debtor is drawn by buying
  propensity, the creditor by selling propensity.
* About 10% answer an earlier trade obligation in the other direction (bilateral
  trade), and about 20% form short supply chains of 3 to 5 firms that close on
  themselves, so the network holds circulation of every length.
* Amounts are lognormal (median about 5,000, a heavy right tail), in cents
  (``--decimals 2``, the default) or whole units (``--decimals 0``).

Firm ids are strings ``f0000001``...; ``--numeric-ids`` writes plain integers.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["make_obligations"]

_TRADE, _BILATERAL = 0.70, 0.10


def _propensities(rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], ...]:
    rank = rng.permutation(n) + 1.0
    base = rank**-0.9
    # correlated buying/selling: same base size, independent lognormal noise
    sell = base * rng.lognormal(0.0, 0.5, n)
    buy = base * rng.lognormal(0.0, 0.5, n)
    return buy / buy.sum(), sell / sell.sum()


def _loops(
    rng: np.random.Generator, n: int, count: int, buy: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """About ``count`` edges laid out as closed chains of 3 to 5 firms."""
    src: list[NDArray[np.int64]] = []
    dst: list[NDArray[np.int64]] = []
    left = count
    while left > 0:
        length = int(rng.integers(3, 6))
        k = max(1, min(left // length, 1 + count // 9))
        # the first firm of each loop is a hub-ish buyer, the others anyone
        firms = np.column_stack(
            [rng.choice(n, size=k, p=buy), rng.integers(0, n, size=(k, length - 1))]
        )
        src.append(firms.ravel())
        dst.append(np.roll(firms, -1, axis=1).ravel())
        left -= k * length
    return np.concatenate(src)[:count], np.concatenate(dst)[:count]


def make_obligations(
    nodes: int, edges: int, seed: int = 1, *, decimals: int = 2, numeric_ids: bool = False
) -> pd.DataFrame:
    """A synthetic obligation network with ``edges`` rows among ``nodes`` firms.

    Returns a DataFrame with columns ``id``, ``debtor``, ``creditor``, ``amount``;
    self-loops are redrawn away, so the row count is ``edges`` (minus a handful when
    ``nodes`` is tiny).
    """
    if nodes < 3 or edges < 1:
        raise ValueError("need at least 3 nodes and 1 edge")
    rng = np.random.default_rng(seed)
    buy, sell = _propensities(rng, nodes)
    m_trade = int(edges * _TRADE)
    m_bilateral = int(edges * _BILATERAL)
    m_loop = edges - m_trade - m_bilateral
    t_src = rng.choice(nodes, size=m_trade, p=buy)
    t_dst = rng.choice(nodes, size=m_trade, p=sell)
    back = rng.integers(0, m_trade, size=m_bilateral)
    l_src, l_dst = _loops(rng, nodes, m_loop, buy)
    src = np.concatenate([t_src, t_dst[back], l_src])
    dst = np.concatenate([t_dst, t_src[back], l_dst])
    same = src == dst
    dst[same] = (dst[same] + rng.integers(1, nodes, size=int(same.sum()))) % nodes
    amount = rng.lognormal(mean=np.log(5000.0), sigma=1.4, size=src.size)
    amount = np.maximum(np.round(amount, decimals), 10.0**-decimals)
    order = rng.permutation(src.size)
    src, dst, amount = src[order], dst[order], amount[order]
    if numeric_ids:
        debtor: NDArray[np.generic] = src
        creditor: NDArray[np.generic] = dst
    else:
        names = np.char.add("f", np.char.zfill(np.arange(nodes).astype(str), 7))
        debtor, creditor = names[src], names[dst]
    return pd.DataFrame(
        {"id": np.arange(1, src.size + 1), "debtor": debtor, "creditor": creditor, "amount": amount}
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nodes", type=int, required=True, help="number of firms")
    ap.add_argument("--edges", type=int, required=True, help="number of obligations")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--decimals", type=int, default=2, choices=(0, 1, 2))
    ap.add_argument("--numeric-ids", action="store_true", help="integer firm ids")
    ap.add_argument("--out", help="output file (default: stdout)")
    a = ap.parse_args(argv)
    df = make_obligations(a.nodes, a.edges, a.seed, decimals=a.decimals, numeric_ids=a.numeric_ids)
    fmt = "%.0f" if a.decimals == 0 else f"%.{a.decimals}f"
    df.to_csv(a.out if a.out else sys.stdout, index=False, float_format=fmt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
