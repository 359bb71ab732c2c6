"""Independent exact references for the contagion tests (pure Python, Fractions).

``greatest_fixed_point`` enumerates every classification of the entities (solvent,
paying a positive share, paying nothing), solves each linear system exactly in rational
arithmetic, keeps the classifications that reproduce themselves, and returns the
greatest of those fixed points. Exponential in N: for networks of up to ~6 entities.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

Matrix = list[list[Fraction]]


def _solve(a: Matrix, b: list[Fraction]) -> list[Fraction] | None:
    """Gaussian elimination in exact arithmetic; None if singular."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            return None
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def clearing_rule(
    liabilities: Sequence[Sequence[int]],
    external: Sequence[int],
    external_liabilities: Sequence[int],
    *,
    senior: bool,
) -> tuple[Matrix, list[Fraction], list[Fraction], list[Fraction], list[Fraction]]:
    """(Pi, cap, threshold, offset, e) of the clearing map, as Fractions."""
    n = len(external)
    owed_net = [Fraction(sum(row)) for row in liabilities]
    ext_l = [Fraction(x) for x in external_liabilities]
    total = owed_net if senior else [owed_net[i] + ext_l[i] for i in range(n)]
    pi = [
        [Fraction(liabilities[i][j]) / total[i] if total[i] else Fraction(0) for j in range(n)]
        for i in range(n)
    ]
    threshold = [owed_net[i] + ext_l[i] for i in range(n)]
    offset = ext_l if senior else [Fraction(0)] * n
    return pi, total, threshold, offset, [Fraction(x) for x in external]


def phi(
    p: list[Fraction],
    pi: Matrix,
    cap: list[Fraction],
    threshold: list[Fraction],
    offset: list[Fraction],
    e: list[Fraction],
    alpha: Fraction,
    beta: Fraction,
) -> list[Fraction]:
    n = len(p)
    out = []
    for i in range(n):
        recv = sum((pi[j][i] * p[j] for j in range(n)), Fraction(0))
        if e[i] + recv >= threshold[i]:
            out.append(cap[i])
        else:
            out.append(max(Fraction(0), alpha * e[i] - offset[i] + beta * recv))
    return out


def greatest_fixed_point(
    liabilities: Sequence[Sequence[int]],
    external: Sequence[int],
    external_liabilities: Sequence[int],
    *,
    senior: bool,
    alpha: Fraction = Fraction(1),
    beta: Fraction = Fraction(1),
) -> list[Fraction] | None:
    """The greatest clearing vector by exhaustive search (None if none is isolated)."""
    pi, cap, thr, off, e = clearing_rule(liabilities, external, external_liabilities, senior=senior)
    n = len(e)
    found: list[list[Fraction]] = []
    for regimes in itertools.product((0, 1, 2), repeat=n):
        a = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
        b = [Fraction(0)] * n
        for i, r in enumerate(regimes):
            if r == 0:
                b[i] = cap[i]
            elif r == 2:
                b[i] = Fraction(0)
            else:
                b[i] = alpha * e[i] - off[i]
                for j in range(n):
                    a[i][j] -= beta * pi[j][i]
        p = _solve(a, b)
        if p is not None and phi(p, pi, cap, thr, off, e, alpha, beta) == p:
            found.append(p)
    if not found:
        return None
    top = [max(p[i] for p in found) for i in range(n)]
    return top if top in found else None


def picard_python(
    liabilities: Sequence[Sequence[float]],
    external: Sequence[float],
    external_liabilities: Sequence[float],
    *,
    senior: bool,
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> list[float]:
    """Plain Picard iteration from p = pbar in floats (a straightforward reference)."""
    n = len(external)
    owed = [sum(row) for row in liabilities]
    total = owed if senior else [owed[i] + external_liabilities[i] for i in range(n)]
    p = list(total)
    for _ in range(max_iter):
        new = []
        for i in range(n):
            recv = sum(liabilities[j][i] / total[j] * p[j] for j in range(n) if total[j] > 0)
            x = external[i] + recv
            if senior:
                new.append(min(total[i], max(0.0, x - external_liabilities[i])))
            else:
                new.append(min(total[i], x))
        if max(abs(a - b) for a, b in zip(new, p, strict=True)) <= tol:
            return new
        p = new
    raise RuntimeError("Picard did not converge")


def layered_fixed_point(
    layers: Sequence[Sequence[Sequence[int]]],
    external: Sequence[int],
    external_liabilities: Sequence[Sequence[int]],
    theta: Sequence[Sequence[Fraction]],
) -> list[Fraction] | None:
    """Greatest fixed point of Elsinger's value map, by exhaustive search over regimes.

    Regime ``r`` of an entity: classes ``0..r-1`` paid in full, class ``r`` partially;
    ``r = K``: solvent. Returns the asset values ``V``.
    """
    k = len(layers)
    n = len(external)
    d = [
        [Fraction(sum(layers[c][i])) + external_liabilities[c][i] for i in range(n)]
        for c in range(k)
    ]
    below = [[sum((d[c2][i] for c2 in range(c)), Fraction(0)) for i in range(n)] for c in range(k)]
    total = [sum((d[c][i] for c in range(k)), Fraction(0)) for i in range(n)]

    def pays(c: int, i: int, v: Fraction) -> Fraction:
        return min(d[c][i], max(Fraction(0), v - below[c][i]))

    def t_map(v: list[Fraction]) -> list[Fraction]:
        out = []
        for j in range(n):
            x = Fraction(external[j])
            for i in range(n):
                for c in range(k):
                    if layers[c][i][j]:
                        x += Fraction(layers[c][i][j]) / d[c][i] * pays(c, i, v[i])
                x += theta[i][j] * max(Fraction(0), v[i] - total[i])
            out.append(x)
        return out

    found = []
    for regimes in itertools.product(range(k + 1), repeat=n):
        # V_j - sum_i slope_ij V_i = e_j + sum_i const_ij
        a = [[Fraction(int(i == j)) for i in range(n)] for j in range(n)]
        b = [Fraction(external[j]) for j in range(n)]
        for i, r in enumerate(regimes):
            for j in range(n):
                for c in range(k):
                    share = Fraction(layers[c][i][j]) / d[c][i] if layers[c][i][j] else Fraction(0)
                    if c < r:
                        b[j] += share * d[c][i]
                    elif c == r:
                        b[j] -= share * below[c][i]
                        a[j][i] -= share
                if r == k:
                    b[j] -= theta[i][j] * total[i]
                    a[j][i] -= theta[i][j]
        v = _solve(a, b)
        if v is not None and t_map(v) == v:
            found.append(v)
    if not found:
        return None
    top = [max(v[i] for v in found) for i in range(n)]
    return top if top in found else None
