#!/usr/bin/env python3
"""Benchmarks of the circularity engine (run by hand, not by pytest).

    python benchmarks/bench_flows.py                 # everything (takes minutes)
    python benchmarks/bench_flows.py --only cli      # `ouroboros clear` end to end
    python benchmarks/bench_flows.py --only solvers  # OR-Tools vs networkx, same input
    python benchmarks/bench_flows.py --only bff      # clear --method bff
    python benchmarks/bench_flows.py --only loops    # `ouroboros loops` on the bundled data

Networks come from ``benchmarks/_obligations.py`` (the project's own generator). Every
timing is wall-clock on this machine, the best and the median of ``--repeat`` runs;
networkx gets one run per size and a time limit (``--nx-timeout``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _obligations import make_obligations

CLI = [sys.executable, "-m", "ouroboros"]
"""The root command line, as a user runs it."""


def _network(folder: Path, nodes: int, edges: int, seed: int = 1) -> Path:
    path = folder / f"obligations_{nodes}_{edges}_{seed}.csv"
    if not path.exists():
        make_obligations(nodes, edges, seed).to_csv(path, index=False, float_format="%.2f")
    return path


def _wall(cmd: list[str], timeout: float | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=timeout)
    return time.perf_counter() - t0


def _stats(times: list[float]) -> str:
    return f"best {min(times):.2f} s, median {statistics.median(times):.2f} s"


def bench_cli(folder: Path, repeat: int, sizes: list[tuple[int, int]]) -> list[dict[str, Any]]:
    rows = []
    for nodes, edges in sizes:
        path = _network(folder, nodes, edges)
        for extra in ([], ["--out", str(folder / "setoff.csv")]):
            cmd = [*CLI, "clear", str(path), "--format", "json", *extra]
            times = [_wall(cmd) for _ in range(repeat)]
            rows.append(
                {
                    "what": "ouroboros clear" + (" --out" if extra else ""),
                    "nodes": nodes,
                    "obligations": edges,
                    "best_s": min(times),
                    "median_s": statistics.median(times),
                }
            )
            print(f"clear {nodes}/{edges} {' '.join(extra)}: {_stats(times)}", flush=True)
    return rows


def _phases(path: Path) -> dict[str, float]:
    from ouroboros.flows import clear_obligations, read_obligations

    t0 = time.perf_counter()
    df = read_obligations(path, ids=False)
    t1 = time.perf_counter()
    clear_obligations(df)
    t2 = time.perf_counter()
    return {"read_s": t1 - t0, "clear_s": t2 - t1}


def _arcs(path: Path) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The pooled arcs inside strongly connected components (what both solvers see)."""
    from ouroboros.flows._network import aggregate_pairs, strong_components, to_units

    df = pd.read_csv(path, dtype={"debtor": str, "creditor": str})
    codes, uniques = pd.factorize(pd.concat([df["debtor"], df["creditor"]], ignore_index=True))
    m = len(df)
    src, dst = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    keep = src != dst
    units = to_units(df["amount"].to_numpy(dtype=float)[keep], 0.01)
    s, d, w, _ = aggregate_pairs(src[keep], dst[keep], units, len(uniques))
    _, inside = strong_components(len(uniques), s, d)
    return len(uniques), s[inside], d[inside], w[inside]


def _ortools(n: int, s: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, int]:
    from ouroboros.flows._maximal import max_circulation_units

    t0 = time.perf_counter()
    c = max_circulation_units(n, s, d, w)
    return time.perf_counter() - t0, int(c.sum())


def _networkx(n: int, s: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, int]:
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(n), demand=0)
    g.add_edges_from(
        (int(a), int(b), {"capacity": int(x), "weight": -1})
        for a, b, x in zip(s, d, w, strict=True)
    )
    _, flow = nx.network_simplex(g)
    total = sum(v for row in flow.values() for v in row.values())
    return time.perf_counter() - t0, int(total)


def _nx_in_subprocess(path: Path, timeout: float) -> float | None:
    here = str(Path(__file__).parent)
    code = (
        f"import sys; sys.path.insert(0, {here!r})\n"
        "from bench_flows import _arcs, _networkx\n"
        "from pathlib import Path\n"
        f"print(_networkx(*_arcs(Path({str(path)!r})))[0])\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    return float(out.stdout.strip().splitlines()[-1])


def bench_solvers(
    folder: Path, repeat: int, sizes: list[tuple[int, int]], nx_timeout: float
) -> list[dict[str, Any]]:
    rows = []
    for nodes, edges in sizes:
        path = _network(folder, nodes, edges)
        n, s, d, w = _arcs(path)
        ort = [_ortools(n, s, d, w) for _ in range(repeat)]
        row: dict[str, Any] = {
            "nodes": nodes,
            "obligations": edges,
            "arcs_in_sccs": int(s.size),
            "ortools_best_s": min(t for t, _ in ort),
            "ortools_median_s": statistics.median(t for t, _ in ort),
        }
        if s.size <= 60_000:  # small enough to check the objective in process
            t_nx, total_nx = _networkx(n, s, d, w)
            assert total_nx == ort[0][1], (total_nx, ort[0][1])
            row["networkx_s"] = t_nx
        else:
            row["networkx_s"] = _nx_in_subprocess(path, nx_timeout)
        if row["networkx_s"] is not None:
            row["speedup"] = row["networkx_s"] / row["ortools_best_s"]
        row.update(_phases(path))
        rows.append(row)
        print(row, flush=True)
    return rows


def bench_bff(folder: Path, sizes: list[tuple[int, int]], timeout: float) -> list[dict[str, Any]]:
    rows = []
    for nodes, edges in sizes:
        path = _network(folder, nodes, edges)
        cmd = [*CLI, "clear", str(path), "--method", "bff", "--format", "json"]
        try:
            t = _wall(cmd, timeout=timeout)
        except subprocess.TimeoutExpired:
            t = float("nan")
        rows.append({"nodes": nodes, "obligations": edges, "bff_clear_s": t})
        print(rows[-1], flush=True)
    return rows


def bench_loops(repeat: int) -> list[dict[str, Any]]:
    rows = []
    for extra in ([], ["--include-announced"]):
        cmd = [*CLI, "loops", "--format", "json", *extra]
        times = [_wall(cmd) for _ in range(repeat)]
        rows.append({"what": "ouroboros loops " + " ".join(extra), "best_s": min(times)})
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", choices=["cli", "solvers", "bff", "loops"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nx-timeout", type=float, default=900.0)
    ap.add_argument("--dir", help="where to keep the generated networks")
    a = ap.parse_args(argv)
    folder = Path(a.dir or tempfile.mkdtemp(prefix="ouroboros-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    jobs: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "cli": lambda: bench_cli(folder, a.repeat, [(40_000, 300_000), (130_000, 1_000_000)]),
        "solvers": lambda: bench_solvers(
            folder,
            a.repeat,
            [(2_000, 15_000), (5_000, 40_000), (10_000, 80_000), (40_000, 300_000)],
            a.nx_timeout,
        ),
        "bff": lambda: bench_bff(folder, [(500, 4_000), (2_000, 15_000), (5_000, 40_000)], 900.0),
        "loops": lambda: bench_loops(a.repeat),
    }
    for name, job in jobs.items():
        if a.only in (None, name):
            print(f"== {name}", flush=True)
            print(pd.DataFrame(job()).round(3).to_string(index=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
