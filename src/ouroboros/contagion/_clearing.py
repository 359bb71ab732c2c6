"""Clearing of a liability network: Eisenberg–Noe (2001) and Rogers–Veraart (2013).

Notation. ``L[i, j]`` is what entity ``i`` owes entity ``j``; ``e_i`` its external assets;
``l_i`` what it owes outside creditors. A clearing vector ``p`` says what each entity
pays; entity ``i`` receives ``(Pi^T p)_i`` where ``Pi[i, j]`` is the share of ``i``'s
payment that goes to ``j``, and its assets are worth ``x_i = e_i + (Pi^T p)_i``.

* Eisenberg & Noe (2001), external liabilities *pari passu* with the network's:
  ``p_i = min(pbar_i, x_i)`` with ``pbar_i = sum_j L[i, j] + l_i`` and
  ``Pi = L / pbar``.
* External liabilities *senior*: outside creditors are paid first, the network gets the
  rest: ``p_i = min(pbar_i, max(0, x_i - l_i))`` with ``pbar_i = sum_j L[i, j]``.
* Rogers & Veraart (2013): a defaulting entity realises only ``alpha`` of its external
  assets and ``beta`` of what it receives: ``p_i = pbar_i`` if it can pay in full, else
  ``alpha e_i + beta (Pi^T p)_i`` (less senior external liabilities, floored at 0).

All of these maps are monotone; the answer is their *greatest* fixed point. The kernel
below finds it exactly with a generalised fictitious-default algorithm (Eisenberg & Noe
2001; Rogers & Veraart 2013, the Greatest Clearing Vector Algorithm): start
from ``p = pbar`` (an upper bound), and each round classify every entity as solvent
(pays ``pbar``), defaulting with a positive payment (pays a linear function of what it
receives) or defaulting with nothing left for the network (pays 0); then solve the linear
system for that classification. With only the ``min`` kink (Eisenberg–Noe pari passu,
Rogers–Veraart pari passu) the solution is always a new, lower upper bound. The ``max(0,
.)`` floor of senior external liabilities is a convex kink, where that step could
overshoot, and a closed cycle of defaulters makes the system singular; the kernel accepts
a solve only if every payment lands between 0 and the current upper bound, and otherwise
takes a plain fixed-point step ``p <- Phi(p)``, which is always safe. It stops when a
solve reproduces its own classification: then ``p`` is a fixed point and, being an upper
bound of every fixed point, the greatest one.

``mode="fixed-point"`` iterates ``p <- Phi(p)`` (Picard, from ``p = pbar``) and only
solves the linear system once the classification has stopped changing: fewer linear
solves on large networks, same exact answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from ouroboros.contagion._inputs import (
    BoolArray,
    FloatArray,
    IntArray,
    MatrixInput,
    VectorInput,
    batch,
    choice,
    keyed_entities,
    liability_matrix,
    scenario_rows,
    unit_interval,
    vector,
)
from ouroboros.contagion._linsolve import Solver, solve_on_sets
from ouroboros.contagion._results import ClearingResult, History
from ouroboros.errors import ConvergenceError, InputError

__all__ = ["eisenberg_noe", "rogers_veraart"]

_A = TypeVar("_A", bound=npt.NDArray[Any])

ExternalSeniority = Literal["senior", "pari-passu"]
ClearingMethod = Literal["fictitious-default", "fixed-point", "lp"]
Mode = Literal["fictitious-default", "fixed-point"]


@dataclass(frozen=True)
class Network:
    """A validated liability network with one or more shock scenarios."""

    ids: list[str]
    liabilities: sp.csr_array
    external_assets: FloatArray  # (S, N), after the shock
    external_liabilities: FloatArray  # (N,)


def network_inputs(
    liabilities: MatrixInput,
    external_assets: VectorInput,
    external_liabilities: VectorInput | None,
    entities: Sequence[Any] | None,
    shock: VectorInput | None,
) -> Network:
    """Validate and align the inputs shared by every clearing model."""
    entities = keyed_entities(
        entities,
        isinstance(liabilities, pd.DataFrame),
        external_assets,
        table="liabilities",
        keyed_name="external_assets",
    )
    matrix, ids = liability_matrix(liabilities, entities)
    e = batch(external_assets, ids, name="external_assets")
    ext = vector(external_liabilities, ids, name="external_liabilities", default=0.0)
    cut = batch(shock, ids, name="shock", default=0.0, bounds=(0.0, 1.0))
    s = scenario_rows(e, cut, names=("external_assets", "shock"))
    e = np.broadcast_to(e, (s, len(ids))) * (1.0 - cut)
    return Network(ids, matrix, np.ascontiguousarray(e), ext)


def safe_inverse(x: FloatArray) -> FloatArray:
    """``1 / x`` where ``x > 0``, else 0."""
    out = np.zeros_like(x)
    np.divide(1.0, x, out=out, where=x > 0)
    return out


def seniority_terms(
    owed_network: FloatArray, external_liabilities: FloatArray, senior: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(inv_total, cap, threshold, offset)`` of :func:`clear` for a rank of outside debt.

    Senior outside creditors are paid first: the network shares what is left of its
    payment (``cap`` = network debts, ``offset`` = outside debts). Pari passu: one pool.
    ``external_liabilities`` may be (N,) or per scenario (S, N).
    """
    total = owed_network + external_liabilities
    if senior:
        return safe_inverse(owed_network), owed_network, total, external_liabilities
    return safe_inverse(total), total, total, np.zeros_like(total)


@dataclass(frozen=True)
class Trace:
    """What the clearing kernel found, in (S, N) arrays."""

    payments: FloatArray
    values: FloatArray
    default: BoolArray
    default_round: IntArray
    rounds: IntArray
    residual: FloatArray
    history: History


def _columns(a: FloatArray, s: int) -> FloatArray:
    """(N,) -> (N, 1); (S, N) -> (N, S): per-entity parameters in kernel layout."""
    if a.ndim == 1:
        return a[:, None]
    if a.shape[0] == 1:
        return np.ascontiguousarray(a.T)
    if a.shape[0] != s:
        raise InputError(f"a per-scenario parameter has {a.shape[0]} rows for {s} scenarios")
    return np.ascontiguousarray(a.T)


def _at(a: FloatArray, cols: IntArray | BoolArray) -> FloatArray:
    """Columns ``cols`` of a kernel-layout parameter (shared columns stay shared)."""
    return a if a.shape[1] == 1 else a[:, cols]


def _receipts(
    matrix: sp.csr_array, inv: FloatArray, pay: FloatArray, rows: IntArray | None = None
) -> FloatArray:
    """``Pi^T pay`` with ``Pi = diag(inv) L``; ``pay`` must be 0 outside the debtor ``rows``.

    ``pay`` is (N, S); ``inv`` is (N, 1) or (N, S) (one scale per scenario).

    When few debtors matter (the defaulting ones, a handful of changed payments) only
    their rows of ``L`` are touched, so a round costs what the cascade costs, not what the
    whole network costs.
    """
    n = matrix.shape[0]
    if rows is None or rows.size * 8 > n:
        return np.asarray(matrix.T @ (pay * inv))
    if rows.size == 0:
        return np.zeros_like(pay)
    sub = matrix[rows]
    return np.asarray(sub.T @ (pay[rows] * inv[rows]))


def clear(
    matrix: sp.csr_array,
    inv_total: FloatArray,
    cap: FloatArray,
    threshold: FloatArray,
    offset: FloatArray,
    external: FloatArray,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    mode: Mode = "fictitious-default",
    solver: Solver = "auto",
    tol: float = 1e-9,
    max_rounds: int = 10_000,
) -> Trace:
    """Greatest fixed point of ``p = Phi(p)`` for a batch of scenarios.

    ``Phi(p)_i = cap_i`` if ``x_i >= threshold_i`` else
    ``max(0, alpha e_i - offset_i + beta (Pi^T p)_i)``, with ``x = e + Pi^T p`` and
    ``Pi = diag(inv_total) L``.

    Parameters
    ----------
    matrix : csr_array (N, N)
        Liabilities ``L``.
    inv_total : array (N,) or (S, N)
        ``1 / (what each debtor's payment is divided over)`` (0 where that is 0).
    cap, threshold, offset : arrays (N,) or (S, N)
        Payment to the network when solvent; total liabilities; senior outside claims
        deducted before the network is paid (0 when pari passu). A 2-D array gives each
        scenario its own values.
    external : array (S, N)
        External assets per scenario.
    alpha, beta : float
        Rogers–Veraart recovery rates on external and network assets (1 = no costs).
    mode : {"fictitious-default", "fixed-point"}
        Solve the linear system every round, or only once the defaults settle.
    solver : {"auto", "direct", "iterative"}
        Linear solver of the exact step.
    tol : float
        Relative tolerance: an entity defaults when ``x_i < threshold_i - tol *
        max(1, threshold_i)``.
    max_rounds : int
        Give up (ConvergenceError) after this many rounds.
    """
    s, n = external.shape
    ext = np.ascontiguousarray(external.T)  # (N, S): sparse @ dense wants entities first
    inv_all, cap_all, thr_all, off_all = (
        _columns(a, s) for a in (inv_total, cap, threshold, offset)
    )
    atol_all = tol * np.maximum(thr_all, 1.0)
    lo_all = thr_all - atol_all  # solvent iff assets >= lo
    plain = alpha == 1.0 and beta == 1.0 and not np.any(off_all)
    p_out = np.empty((n, s))
    dr_out = np.zeros((n, s), dtype=np.int64)
    rounds = np.zeros(s, dtype=np.int64)
    history: list[tuple[IntArray, IntArray, FloatArray]] = []
    # working state of the scenarios still moving (columns ``act``)
    act = np.arange(s)
    ea = ext
    base = ea if plain else alpha * ea - off_all  # defaulter pays base + beta * receipts
    p = np.broadcast_to(cap_all, (n, s)).copy()
    recv = _receipts(matrix, inv_all, p)  # everyone pays in full
    dr = np.zeros((n, s), dtype=np.int64)
    prev: tuple[BoolArray, BoolArray] | None = None
    just_solved = np.zeros(s, dtype=bool)
    inv, cap_c, lo, atol = inv_all, cap_all, lo_all, atol_all
    for k in range(1, max_rounds + 1):
        assets = ea + recv
        solvent = assets >= lo
        w = assets if plain else base + beta * recv
        zero = ~solvent & (w <= 0)
        new = ~solvent & (dr == 0)
        if new.any():
            dr[new] = k
        picard = np.where(solvent, cap_c, np.maximum(w, 0.0))
        stable = np.zeros(act.size, dtype=bool)
        if prev is not None:
            stable = (solvent == prev[0]).all(axis=0) & (zero == prev[1]).all(axis=0)
            done = stable & just_solved
            if done.any():
                fin = act[done]
                p_out[:, fin] = p[:, done]
                dr_out[:, fin] = dr[:, done]
                rounds[fin] = k - 1
                keep = ~done
                act = act[keep]
                if act.size == 0:
                    break
                ea, p, recv, w, picard = (a[:, keep] for a in (ea, p, recv, w, picard))
                solvent, zero = solvent[:, keep], zero[:, keep]
                dr, stable = dr[:, keep], stable[keep]
                base = ea if plain else base[:, keep]
                inv, cap_c, lo, atol = (_at(a, act) for a in (inv_all, cap_all, lo_all, atol_all))
        if mode == "fictitious-default":
            solve_now = np.ones(act.size, dtype=bool)
        else:
            moved = np.abs(picard - p).max(axis=0, initial=0.0)
            solve_now = stable | (moved <= float(atol.min()))
        new_p = picard
        accepted = np.zeros(act.size, dtype=bool)
        if solve_now.any():
            every = bool(solve_now.all())
            cols = np.flatnonzero(solve_now)

            def sub(a: _A, cols: IntArray = cols, every: bool = every) -> _A:
                return a if every or a.shape[1] == 1 else cast(_A, a[:, cols])

            sol_s, zero_s = sub(solvent), sub(zero)
            p_s, pic_s, inv_s, cap_s, atol_s = (sub(a) for a in (p, picard, inv, cap_c, atol))
            unknown = ~sol_s & ~zero_s
            # Solve for the change d = p_new - p on the unknown cells: solvent cells keep
            # paying in full, cells with nothing left drop to 0, so
            #   d = (Phi(p) - p) - beta Pi^T (p on the zero cells) + beta Pi_DD^T d
            to_zero = np.where(zero_s, p_s, 0.0)
            drop = np.flatnonzero(to_zero.any(axis=1))
            rhs = pic_s - p_s
            if drop.size:
                rhs = rhs - beta * _receipts(matrix, inv_s, to_zero, drop)
            d, ok = solve_on_sets(
                matrix, inv_s, beta, unknown, rhs, np.zeros_like(rhs), solver=solver
            )
            y = p_s + d
            # the exact step must land between 0 and the current upper bound; anything
            # else means the system was (nearly) singular or the step overshot a kink
            outside = unknown & ((y < -atol_s) | (d > atol_s))
            acc = ok & ~outside.any(axis=0)
            if acc.any():
                step = np.where(sol_s, cap_s, np.where(unknown, np.maximum(y, 0.0), 0.0))
                if every and acc.all():
                    new_p = step
                else:
                    new_p = picard.copy()
                    new_p[:, cols[acc]] = step[:, acc]
                accepted[cols[acc]] = True
        delta = new_p - p
        rows = np.flatnonzero(delta.any(axis=1))
        if rows.size:
            new_recv = recv + _receipts(matrix, inv, delta, rows)
            changed_n, changed_a = np.nonzero(new_recv != recv)
            history.append(
                (
                    act[changed_a].astype(np.int64),
                    changed_n.astype(np.int64),
                    new_recv[changed_n, changed_a],
                )
            )
            recv = new_recv
        else:
            history.append((np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)))
        p = new_p
        just_solved = accepted
        prev = (solvent, zero)
    else:
        raise ConvergenceError(
            f"clearing did not settle within max_rounds={max_rounds} rounds "
            f"({act.size} scenario(s) still moving); raise max_rounds"
        )
    # one exact pass over the answer: values, defaults and how well p = Phi(p) holds
    full = _receipts(matrix, inv_all, p_out)
    x = ext + full
    solvent = x >= lo_all
    phi = np.where(solvent, cap_all, np.maximum(alpha * ext - off_all + beta * full, 0.0))
    return Trace(
        payments=np.ascontiguousarray(p_out.T),
        values=np.ascontiguousarray(x.T),
        default=np.ascontiguousarray(~solvent.T),
        default_round=np.ascontiguousarray(dr_out.T),
        rounds=rounds,
        residual=np.abs(phi - p_out).max(axis=0, initial=0.0),
        history=History(tuple(history)),
    )


def _lp_clear(
    matrix: sp.csr_array, inv_total: FloatArray, pbar: FloatArray, external: FloatArray
) -> FloatArray:
    """Eisenberg–Noe by linear programming: maximise ``sum p`` subject to
    ``0 <= p <= pbar`` and ``p <= e + Pi^T p`` (Eisenberg & Noe 2001, Lemma 4).

    A reference method for small networks; it solves one programme per scenario.
    """
    from scipy.optimize import linprog  # only here: scipy.optimize is slow to import

    n = pbar.size
    pi = sp.csr_array(sp.diags_array(inv_total) @ matrix)
    a_ub = sp.csr_array(sp.eye_array(n) - pi.T)
    out = np.empty_like(external)
    for s in range(external.shape[0]):  # one LP per scenario: a reference, not a kernel
        res = linprog(
            -np.ones(n),
            A_ub=a_ub,
            b_ub=external[s],
            bounds=np.column_stack([np.zeros(n), pbar]),
            method="highs",
        )
        if res.status != 0:
            raise ConvergenceError(f"linear programme failed: {res.message}")
        out[s] = res.x
    return out


def _result(
    model: str,
    net: Network,
    trace: Trace,
    *,
    senior: bool,
    alpha: float,
    beta: float,
    owed_network: FloatArray,
    parameters: dict[str, Any],
) -> ClearingResult:
    ext_l = net.external_liabilities
    owed = owed_network + ext_l
    share_network = np.where(owed > 0, owed_network / np.where(owed > 0, owed, 1.0), 0.0)
    claims = np.asarray(net.liabilities.sum(axis=0)).ravel()
    e = net.external_assets
    received = trace.values - e
    if senior:
        realised = np.where(trace.default, alpha * e + beta * received, np.inf)
        paid = trace.payments + np.minimum(ext_l[None, :], np.maximum(realised, 0.0))
    else:
        paid = trace.payments
    net_worth = trace.values - owed[None, :]
    equity = np.where(trace.default, 0.0, np.maximum(net_worth, 0.0))
    return ClearingResult(
        model=model,
        ids=tuple(net.ids),
        owed=owed,
        claims=claims,
        external_assets=e,
        paid=paid,
        paid_network=trace.payments if senior else trace.payments * share_network[None, :],
        received=received,
        equity=equity,
        net_worth=net_worth,
        default=trace.default,
        default_round=trace.default_round,
        rounds=trace.rounds,
        residual=trace.residual,
        parameters=parameters,
        history=trace.history,
    )


def _run(
    model: str,
    net: Network,
    *,
    alpha: float,
    beta: float,
    external_seniority: str,
    method: str,
    solver: Solver,
    tol: float,
    max_rounds: int,
) -> ClearingResult:
    choice(external_seniority, "external_seniority", get_args(ExternalSeniority))
    choice(method, "method", get_args(ClearingMethod))
    choice(solver, "solver", get_args(Solver))
    if not (np.isfinite(tol) and 0 < tol < 1e-2):
        raise InputError(f"tol must be in (0, 0.01), got {tol!r}", field="tol")
    senior = external_seniority == "senior"
    owed_network = np.asarray(net.liabilities.sum(axis=1)).ravel()
    inv_total, cap, threshold, offset = seniority_terms(
        owed_network, net.external_liabilities, senior
    )
    parameters: dict[str, Any] = {
        "external_seniority": external_seniority,
        "method": method,
        "alpha": alpha,
        "beta": beta,
        "tol": tol,
    }
    if method == "lp":
        if senior or alpha != 1.0 or beta != 1.0:
            raise InputError(
                "method='lp' solves Eisenberg–Noe with pari-passu external liabilities only",
                field="method",
            )
        p = _lp_clear(net.liabilities, inv_total, cap, net.external_assets)
        values = net.external_assets + _receipts(net.liabilities, inv_total[:, None], p.T).T
        default = values < (threshold - tol * np.maximum(threshold, 1.0))[None, :]
        phi = np.minimum(cap[None, :], values)
        trace = Trace(
            payments=p,
            values=values,
            default=default,
            default_round=default.astype(np.int64),
            rounds=np.ones(p.shape[0], dtype=np.int64),
            residual=np.abs(phi - p).max(axis=1, initial=0.0),
            history=History(),
        )
    else:
        trace = clear(
            net.liabilities,
            inv_total,
            cap,
            threshold,
            offset,
            net.external_assets,
            alpha=alpha,
            beta=beta,
            mode=method,  # type: ignore[arg-type]
            solver=solver,
            tol=tol,
            max_rounds=max_rounds,
        )
    return _result(
        model,
        net,
        trace,
        senior=senior,
        alpha=alpha,
        beta=beta,
        owed_network=owed_network,
        parameters=parameters,
    )


def eisenberg_noe(
    liabilities: MatrixInput,
    external_assets: VectorInput,
    external_liabilities: VectorInput | None = None,
    *,
    external_seniority: ExternalSeniority,
    entities: Sequence[Any] | None = None,
    shock: VectorInput | None = None,
    method: ClearingMethod = "fictitious-default",
    solver: Solver = "auto",
    tol: float = 1e-9,
    max_rounds: int = 10_000,
) -> ClearingResult:
    """Eisenberg–Noe clearing vector of a liability network, for one or many shocks.

    Follows Eisenberg & Noe, "Systemic risk in financial systems", Management Science
    47(2), 2001: the clearing vector is the greatest ``p`` with
    ``p_i = min(pbar_i, e_i + sum_j Pi[j, i] p_j)``, found exactly by the
    fictitious-default algorithm: each round solves the linear system of the defaulting
    set exactly (Jacobi sweeps when it is loosely coupled, else
    ``scipy.sparse.linalg.spsolve``, or BiCGSTAB beyond 20,000 unknowns).

    Parameters
    ----------
    liabilities : sparse or dense (N, N) array, or DataFrame
        ``L[i, j]``: what ``i`` owes ``j`` (>= 0, zero diagonal). A DataFrame has columns
        ``debtor, creditor, amount``.
    external_assets : array (N,) or (S, N), or Series keyed by entity id
        Assets held outside the network; a 2-D array is a batch of scenarios.
    external_liabilities : array (N,) or Series, optional
        What each entity owes creditors outside the network (default 0).
    external_seniority : {"senior", "pari-passu"}
        Required, no default: whether outside creditors are paid before the network
        (``"senior"``, as deposits usually are) or rank equally with it
        (``"pari-passu"``, the original paper's single class of debt).
    entities : sequence of str, optional
        Entity ids in matrix order (default ``"0"``, ``"1"``, ...).
    shock : array (N,) or (S, N), Series or DataFrame, optional
        Share of external assets lost, in [0, 1]; a 2-D array is a batch of scenarios,
        cleared together.
    method : {"fictitious-default", "fixed-point", "lp"}
        ``fictitious-default`` solves the linear system every round (rounds are
        default waves); ``fixed-point`` iterates from ``p = pbar`` and solves only once
        the defaults settle (faster on large networks, same answer); ``lp`` maximises
        ``sum p`` with ``scipy.optimize.linprog`` (a reference; pari passu only).
    solver : {"auto", "direct", "iterative"}
        Linear solver of the exact step: ``direct`` is SuperLU; ``iterative`` Jacobi
        sweeps then BiCGSTAB; ``auto`` Jacobi sweeps, then SuperLU up to 20,000 unknowns
        and BiCGSTAB beyond.
    tol : float
        Relative tolerance of the default test.
    max_rounds : int
        Rounds before ConvergenceError.

    Returns
    -------
    ClearingResult
        Payments, equity, defaults, the round each entity defaulted in, and the losses by
        creditor round by round (``losses_by_round``).

    Examples
    --------
    Three banks: A owes B 10, B owes C 10, C owes A 5. A has no outside assets.

    >>> L = [[0, 10, 0], [0, 0, 10], [5, 0, 0]]
    >>> r = eisenberg_noe(L, [0, 2, 1], external_seniority="pari-passu",
    ...                   entities=["A", "B", "C"])
    >>> r.paid[0].round(6).tolist()   # A passes on what C pays it; B pays 5 + 2
    [5.0, 7.0, 5.0]
    >>> r.to_dict()["defaults"]
    ['A', 'B']
    >>> r.defaults_by_round["round"].tolist()   # A defaults first, B in the next wave
    [1, 2]
    """
    net = network_inputs(liabilities, external_assets, external_liabilities, entities, shock)
    return _run(
        "eisenberg-noe",
        net,
        alpha=1.0,
        beta=1.0,
        external_seniority=external_seniority,
        method=method,
        solver=solver,
        tol=tol,
        max_rounds=max_rounds,
    )


def rogers_veraart(
    liabilities: MatrixInput,
    external_assets: VectorInput,
    external_liabilities: VectorInput | None = None,
    *,
    alpha: float,
    beta: float,
    external_seniority: ExternalSeniority,
    entities: Sequence[Any] | None = None,
    shock: VectorInput | None = None,
    method: Literal["fictitious-default", "fixed-point"] = "fictitious-default",
    solver: Solver = "auto",
    tol: float = 1e-9,
    max_rounds: int = 10_000,
) -> ClearingResult:
    """Greatest clearing vector with default costs (Rogers & Veraart 2013).

    Follows Rogers & Veraart, "Failure and rescue in an interbank network", Management
    Science 59(4), 2013: an entity that can pay in full pays ``pbar_i``; one that cannot
    realises only ``alpha`` of its external assets and ``beta`` of what it receives,
    ``p_i = alpha e_i + beta sum_j Pi[j, i] p_j``. The greatest clearing vector is found
    by their Greatest Clearing Vector Algorithm (a fictitious-default iteration from
    ``p = pbar``), batched over scenarios. ``alpha = beta = 1`` is Eisenberg–Noe.

    Parameters
    ----------
    liabilities, external_assets, external_liabilities, entities, shock
        As in :func:`eisenberg_noe`.
    alpha : float in [0, 1]
        Share of external assets a defaulting entity realises.
    beta : float in [0, 1]
        Share of its claims on the network a defaulting entity realises.
    external_seniority : {"senior", "pari-passu"}
        Whether outside creditors are paid before the network (required).
    method, solver, tol, max_rounds
        As in :func:`eisenberg_noe` (no ``lp``: the problem is not a linear programme).

    Returns
    -------
    ClearingResult

    Examples
    --------
    A owes B 10, B owes A 5; A loses 75% of its outside assets of 8.

    >>> L = [[0, 10], [5, 0]]
    >>> r = rogers_veraart(L, [8, 4], alpha=0.5, beta=0.5,
    ...                    external_seniority="pari-passu", shock=[0.75, 0])
    >>> r.paid[0].tolist()   # A realises 0.5 * 2 + 0.5 * 5; B still pays in full
    [3.5, 5.0]
    >>> eisenberg_noe(L, [8, 4], external_seniority="pari-passu",
    ...               shock=[0.75, 0]).paid[0].tolist()   # without costs: 2 + 5
    [7.0, 5.0]
    """
    a = unit_interval(alpha, "alpha")
    b = unit_interval(beta, "beta")
    if method == "lp":  # type: ignore[comparison-overlap]
        raise InputError("rogers_veraart has no 'lp' method", field="method")
    net = network_inputs(liabilities, external_assets, external_liabilities, entities, shock)
    return _run(
        "rogers-veraart",
        net,
        alpha=a,
        beta=b,
        external_seniority=external_seniority,
        method=method,
        solver=solver,
        tol=tol,
        max_rounds=max_rounds,
    )
