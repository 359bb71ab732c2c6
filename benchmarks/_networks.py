"""Synthetic liability networks for the benchmarks, reproducible from a seed (numpy only).

An interbank-style liability network, in the CSV formats the CLI reads:
``DIR/liabilities.csv`` has ``debtor,creditor,amount`` (the debtor owes the creditor) and
``DIR/external.csv`` has ``entity,external_assets,external_liabilities``. Every entity
starts solvent with an equity buffer of 4-15% of its total assets, so defaults only
follow a shock. The network is heavy-tailed (entity sizes follow a power law of their
rank, so a few hubs carry many claims) and holds circulation: a share of claims is
reciprocal and a share closes three-cycles. Amounts are lognormal. Usage::

    python benchmarks/_networks.py liabilities --nodes 100000 --degree 10 --seed 1 --out DIR

The benchmarks import :func:`liability_network` and build the arrays in memory. Payment
(obligation) networks for the ``clear`` benchmarks come from ``benchmarks/_obligations.py``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

import numpy as np

__all__ = ["LiabilityArrays", "liability_network"]


@dataclass(frozen=True)
class LiabilityArrays:
    """A liability network as arrays; entity ``k`` is called ``f"n{k}"`` in CSV files."""

    debtor: np.ndarray
    creditor: np.ndarray
    amount: np.ndarray
    external_assets: np.ndarray
    external_liabilities: np.ndarray

    @property
    def nodes(self) -> int:
        return int(self.external_assets.size)


def _ranked_endpoints(
    rng: np.random.Generator, nodes: int, size: int, concentration: float
) -> np.ndarray:
    """Draw entity indices with P(rank k) proportional to k**(1/concentration - 1).

    The inverse-CDF of a power law of rank costs O(1) per draw (no table look-up), and a
    random permutation spreads the hubs over the index range.
    """
    rank = np.floor(nodes * rng.random(size) ** concentration).astype(np.int64)
    np.minimum(rank, nodes - 1, out=rank)
    return rank


def _circulating_edges(
    rng: np.random.Generator, nodes: int, edges: int, reciprocal: float, loops: float
) -> tuple[np.ndarray, np.ndarray]:
    """Heavy-tailed directed edges, a share reversed and a share closing three-cycles."""
    n_loop_pairs = int(edges * loops) // 2
    n_recip = int(edges * reciprocal)
    n_base = edges - n_recip - 2 * n_loop_pairs
    size_rank = rng.permutation(nodes)  # rank -> entity, shared by both sides: hubs lend and borrow
    src = size_rank[_ranked_endpoints(rng, nodes, n_base, 2.0)]
    dst = size_rank[_ranked_endpoints(rng, nodes, n_base, 2.5)]
    pick = rng.integers(0, n_base, n_recip)
    # a -> b plus b -> c -> a closes the three-cycle a -> b -> c -> a
    tri = rng.integers(0, n_base, n_loop_pairs)
    mid = rng.integers(0, nodes, n_loop_pairs)
    debtor = np.concatenate([src, dst[pick], dst[tri], mid])
    creditor = np.concatenate([dst, src[pick], mid, src[tri]])
    keep = debtor != creditor
    return debtor[keep], creditor[keep]


def liability_network(
    nodes: int,
    degree: float = 10.0,
    seed: int = 1,
    *,
    reciprocal: float = 0.1,
    loops: float = 0.1,
) -> LiabilityArrays:
    """A liability network with about ``nodes * degree`` claims; all entities solvent.

    External assets cover a random 60-140% of what an entity owes (at least enough to
    leave it solvent), and external liabilities take the balance sheet to an equity ratio
    drawn uniformly in [4%, 15%] of total assets.
    """
    rng = np.random.default_rng(seed)
    debtor, creditor = _circulating_edges(rng, nodes, int(nodes * degree), reciprocal, loops)
    amount = rng.lognormal(mean=2.0, sigma=1.0, size=debtor.size)
    owed = np.bincount(debtor, weights=amount, minlength=nodes)
    claims = np.bincount(creditor, weights=amount, minlength=nodes)
    ext_assets = owed * rng.uniform(0.6, 1.4, nodes) + rng.lognormal(1.0, 1.0, nodes)
    # at least 10% above what is needed to pay the interbank debts
    ext_assets = np.maximum(ext_assets, 1.1 * owed - claims + rng.lognormal(0.0, 1.0, nodes))
    total = ext_assets + claims
    equity_ratio = rng.uniform(0.04, 0.15, nodes)
    ext_liab = np.maximum(0.0, total * (1.0 - equity_ratio) - owed)
    return LiabilityArrays(debtor, creditor, amount, ext_assets, ext_liab)


def write_liabilities(net: LiabilityArrays, out: str) -> None:
    """Write ``liabilities.csv`` and ``external.csv`` into the folder ``out``."""
    os.makedirs(out, exist_ok=True)
    ids = np.char.add("n", np.arange(net.nodes).astype(str))
    with open(os.path.join(out, "liabilities.csv"), "w") as f:
        f.write("debtor,creditor,amount\n")
        rows = np.column_stack([ids[net.debtor], ids[net.creditor], net.amount.round(6)])
        np.savetxt(f, rows, fmt="%s", delimiter=",")
    with open(os.path.join(out, "external.csv"), "w") as f:
        f.write("entity,external_assets,external_liabilities\n")
        rows = np.column_stack(
            [ids, net.external_assets.round(6), net.external_liabilities.round(6)]
        )
        np.savetxt(f, rows, fmt="%s", delimiter=",")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="kind", required=True)
    li = sub.add_parser("liabilities")
    li.add_argument("--nodes", type=int, required=True)
    li.add_argument("--degree", type=float, default=10.0)
    li.add_argument("--seed", type=int, default=1)
    li.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    write_liabilities(liability_network(args.nodes, args.degree, args.seed), args.out)


if __name__ == "__main__":
    main()
