"""Multilateral set-off of an obligation network (``ouroboros clear``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ouroboros.errors import InputError
from ouroboros.flows._bff import bff_circulation_edges, round_circulation
from ouroboros.flows._maximal import max_circulation_units
from ouroboros.flows._network import aggregate_pairs, from_units, net_internal_debt, to_units

__all__ = [
    "ClearingResult",
    "available_memory",
    "clear_obligations",
    "read_obligations",
    "write_clearing",
]

REQUIRED = ("debtor", "creditor", "amount")
OPTIONAL = ("id", "priority")
# Reading a CSV into pandas takes about this many bytes of memory per byte of file.
MEMORY_PER_FILE_BYTE = 12


def available_memory() -> int | None:
    """Bytes of memory available to this process (``None`` if the OS does not say)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _where(df: pd.DataFrame, rows: NDArray[np.bool_]) -> str:
    """``row N (id X)`` of the first flagged row, and how many rows are flagged."""
    k = int(np.flatnonzero(rows)[0])
    n_bad = int(rows.sum())
    ident = f" (id {df['id'].iloc[k]!r})" if "id" in df.columns else ""
    more = f"; {n_bad - 1} more row(s) like it" if n_bad > 1 else ""
    return f"row {k + 1}{ident}{more}"


def read_obligations(path: str | os.PathLike[str], *, ids: bool = True) -> pd.DataFrame:
    """Read and check an obligations CSV: ``id,debtor,creditor,amount``.

    ``debtor`` owes ``creditor`` ``amount``. Column names are matched without regard
    to case or surrounding spaces; ``id`` is optional (rows are numbered from 1 without
    it) and an optional whole-number ``priority`` column weights the set-off (see
    :func:`clear_obligations`); other columns are ignored. Entity ids are any strings;
    amounts are integers or decimals ``>= 0``. Spaces after commas are ignored, and so
    are cells beyond the header's columns (quote ids that contain commas: an unquoted
    ``Acme, Inc.`` shifts the row and fails the amount check).
    ``ids=False`` skips the ``id`` column (faster when the ids are not needed).

    The whole file is read into memory (with pandas' C parser). Before reading, the
    memory it needs (about 12 bytes per byte of file) is compared with the memory
    available, and a file too large for this machine is refused with a clear message
    rather than run out of memory.

    Raises
    ------
    InputError
        The file is missing, empty, too large for memory, not CSV text, lacks a column,
        or has an empty id or a non-numeric, negative or infinite amount; the message
        names the file and the first bad row.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file", field="path")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a CSV file", field="path")
    size = p.stat().st_size
    if size == 0:
        raise InputError(
            f"{p}: the file is empty; expected a CSV with the header id,debtor,creditor,amount",
            field="path",
        )
    avail = available_memory()
    if avail is not None and size * MEMORY_PER_FILE_BYTE > avail:
        raise InputError(
            f"{p}: the file is {size / 1e9:.1f} GB; reading it needs about "
            f"{size * MEMORY_PER_FILE_BYTE / 1e9:.0f} GB of memory but only "
            f"{avail / 1e9:.1f} GB is available. Split the network into parts (for example "
            "by period) or run on a machine with more memory.",
            field="path",
        )
    try:
        header = pd.read_csv(p, nrows=0, engine="c", skipinitialspace=True)
        columns = {str(c).strip().lower(): c for c in header.columns}
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            found = ", ".join(repr(str(c)) for c in header.columns) or "none"
            raise InputError(
                f"{p}: missing column(s) {', '.join(missing)}; found {found}. Expected the "
                "header id,debtor,creditor,amount (id optional)",
                field="columns",
            )
        wanted = [c for c in (*OPTIONAL, *REQUIRED) if c in columns and (ids or c != "id")]
        dtypes: dict[Any, Any] = {
            columns[c]: str for c in ("id", "debtor", "creditor") if c in columns
        }
        df = pd.read_csv(
            p,
            usecols=[columns[c] for c in wanted],
            dtype=dtypes,
            engine="c",
            skipinitialspace=True,
            index_col=False,
        )
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason})", field="path") from None
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{p}: the file is empty; expected a CSV with the header id,debtor,creditor,amount",
            field="path",
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{p}: not a valid CSV file: {exc}", field="path") from None
    except MemoryError:
        raise InputError(
            f"{p}: ran out of memory reading {size / 1e9:.1f} GB; split the network into parts",
            field="path",
        ) from None
    df = df.rename(columns={v: k for k, v in columns.items()})[wanted]
    if df.empty:
        raise InputError(f"{p}: the file has a header but no obligations", field="path")
    return _check_table(df, str(p))


def _check_table(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Validate an obligations table; returns it with float ``amount`` (and int priority)."""
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}", field="columns")
    for col in ("debtor", "creditor"):
        empty = df[col].isna().to_numpy()
        if empty.any():
            raise InputError(f"{where}: {_where(df, empty)}: {col} is empty", field=col)
    amount = df["amount"]
    if not pd.api.types.is_numeric_dtype(amount):
        numeric = pd.to_numeric(amount, errors="coerce")
        bad = numeric.isna().to_numpy() & amount.notna().to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{where}: {_where(df, bad)}: amount must be a number, got {amount.iloc[k]!r}",
                field="amount",
            )
        amount = numeric
    values = amount.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(values).any():
        raise InputError(
            f"{where}: {_where(df, np.isnan(values))}: amount is empty", field="amount"
        )
    if not np.isfinite(values).all():
        raise InputError(
            f"{where}: {_where(df, ~np.isfinite(values))}: amount must be finite", field="amount"
        )
    if (values < 0).any():
        k = int(np.flatnonzero(values < 0)[0])
        raise InputError(
            f"{where}: {_where(df, values < 0)}: amount must be >= 0, got {values[k]:g}",
            field="amount",
        )
    out = df.copy()
    out["amount"] = values
    if "priority" in out.columns:
        pr = pd.to_numeric(out["priority"], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(pr) | (pr < 0) | (pr != np.round(pr)) | (pr > 1e6)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{where}: {_where(out, bad)}: priority must be a whole number from 0 to "
                f"1000000, got {out['priority'].iloc[k]!r}",
                field="priority",
            )
        out["priority"] = pr.astype(np.int64)
    return out


@dataclass(frozen=True)
class ClearingResult:
    """The outcome of a multilateral set-off.

    Attributes
    ----------
    method : str
        ``"maximal"`` or ``"bff"``.
    obligations : DataFrame
        One row per obligation (self-loops dropped): ``id``, ``debtor``, ``creditor``,
        ``amount``, ``setoff`` (cleared without money) and ``remainder`` (still to pay).
    total_debt, cleared, remaining : float
        Sum of amounts, of set-offs, of remainders.
    nid_before, nid_after : float
        Net internal debt before and after (equal: set-off changes no net position).
    entities : int
        Number of distinct debtors and creditors.
    self_loops_dropped : int
        Obligations of an entity to itself, left out.
    resolution : float
        The smallest amount set off (0.01: cents).
    """

    method: str
    obligations: pd.DataFrame
    total_debt: float
    cleared: float
    remaining: float
    nid_before: float
    nid_after: float
    entities: int
    self_loops_dropped: int
    resolution: float
    parameters: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The headline numbers (the ``ouroboros clear --format json`` output)."""
        return {
            "method": self.method,
            "obligations": len(self.obligations),
            "entities": self.entities,
            "total_debt": self.total_debt,
            "cleared": self.cleared,
            "remaining": self.remaining,
            "cleared_share": self.cleared / self.total_debt if self.total_debt > 0 else 0.0,
            "nid": self.nid_before,
            "nid_after": self.nid_after,
            "self_loops_dropped": self.self_loops_dropped,
            "resolution": self.resolution,
        }


def clear_obligations(
    obligations: pd.DataFrame,
    *,
    method: str = "maximal",
    resolution: float = 0.01,
) -> ClearingResult:
    """Multilateral set-off: clear as much debt as possible without any money moving.

    Every firm's net position (what it is owed minus what it owes) stays the same, so
    the net internal debt is unchanged, while the obligations that form loops are
    cancelled. ``method="maximal"`` clears the most (MTCS, Fleischman & Dini, J. Risk
    Financial Manag. 14(9):452, 2021: a min-cost circulation on cent amounts, solved
    exactly with OR-Tools); ``method="bff"`` clears the Balanced Flow Forwarding part
    (Homs-Dones, MacKay, Sansom & Zhou, arXiv:2506.12546, 2025), rounded to cents while
    staying balanced.

    Obligations between the same two firms in the same direction are pooled, and the
    pool's set-off is given to its obligations in file order (the first listed is
    cleared first). With a ``priority`` column the maximal method maximises
    ``sum(priority * setoff)``: higher-priority obligations are set off first, and
    priority 0 keeps an obligation out of the set-off.

    Parameters
    ----------
    obligations : DataFrame
        Columns ``debtor``, ``creditor``, ``amount`` (and optionally ``id``,
        ``priority``), as returned by :func:`read_obligations`.
    method : {"maximal", "bff"}
    resolution : float
        Smallest amount set off, in the amounts' unit (0.01: cents). Amounts are rounded
        down to it for the solver; finer parts stay in the remainder.

    Returns
    -------
    ClearingResult

    Examples
    --------
    >>> df = pd.DataFrame({"debtor": ["a", "b", "c", "a"], "creditor": ["b", "c", "a", "c"],
    ...                    "amount": [10.0, 7.5, 6.0, 2.0]})
    >>> res = clear_obligations(df)
    >>> res.total_debt, res.cleared, res.remaining, res.nid_before, res.nid_after
    (25.5, 18.0, 7.5, 6.0, 6.0)
    >>> res.obligations["setoff"].tolist()
    [6.0, 6.0, 6.0, 0.0]
    """
    if method not in ("maximal", "bff"):
        raise InputError(f"method must be maximal or bff; got {method!r}", field="method")
    if not (np.isfinite(resolution) and resolution > 0):
        raise InputError(f"resolution must be > 0, got {resolution}", field="resolution")
    df = _check_table(obligations, "<obligations>")
    if "id" not in df.columns:
        df.insert(0, "id", np.arange(1, len(df) + 1))
    loops = (df["debtor"].astype(str) == df["creditor"].astype(str)).to_numpy()
    dropped = int(loops.sum())
    if dropped:
        df = df.loc[~loops].reset_index(drop=True)
    m = len(df)
    codes, uniques = pd.factorize(
        pd.concat([df["debtor"].astype(str), df["creditor"].astype(str)], ignore_index=True)
    )
    n = len(uniques)
    src = codes[:m].astype(np.int64)
    dst = codes[m:].astype(np.int64)
    amount = df["amount"].to_numpy(dtype=np.float64)
    units = to_units(amount, resolution)
    group: NDArray[np.int64] | None = None
    level: NDArray[np.int64] | None = None
    if "priority" in df.columns:
        g, lv = pd.factorize(df["priority"].to_numpy(dtype=np.int64), sort=True)
        if lv.size > 1 or (lv.size == 1 and lv[0] != 1):
            group, level = g.astype(np.int64), np.asarray(lv, dtype=np.int64)
            if float(n) * n * lv.size >= 2**62:
                raise InputError(
                    "too many distinct priorities for this many firms", field="priority"
                )
    if group is not None and method == "bff":
        raise InputError("priorities work with --method maximal only", field="priority")
    ps, pd_, pcap, inverse = aggregate_pairs(src, dst, units, n, group)
    if method == "maximal":
        weight = None
        if group is not None and level is not None:
            pool_group = np.zeros(ps.size, dtype=np.int64)
            pool_group[inverse] = group
            weight = level[pool_group]
        pcirc = max_circulation_units(n, ps, pd_, pcap, weight)
    else:
        real = bff_circulation_edges(n, ps, pd_, pcap.astype(np.float64))
        pcirc = round_circulation(n, ps, pd_, real, pcap)
    # hand each pool's set-off to its obligations in file order
    order = np.argsort(inverse, kind="stable")
    pool = inverse[order]
    u = units[order]
    before = np.cumsum(u) - u
    pool_start = np.r_[0, np.cumsum(np.bincount(pool, minlength=ps.size))[:-1]]
    offset = before - before[pool_start[pool]]
    set_units = np.empty(m, dtype=np.int64)
    set_units[order] = np.clip(pcirc[pool] - offset, 0, u)
    setoff = from_units(set_units, amount, resolution)
    remainder = np.round(amount - setoff, 9)
    result = pd.DataFrame(
        {
            "id": df["id"].to_numpy(),
            "debtor": df["debtor"].to_numpy(),
            "creditor": df["creditor"].to_numpy(),
            "amount": amount,
            "setoff": setoff,
            "remainder": remainder,
        }
    )
    return ClearingResult(
        method=method,
        obligations=result,
        total_debt=float(amount.sum()),
        cleared=float(setoff.sum()),
        remaining=float(remainder.sum()),
        nid_before=net_internal_debt(n, src, dst, amount),
        nid_after=net_internal_debt(n, src, dst, remainder),
        entities=n,
        self_loops_dropped=dropped,
        resolution=resolution,
        parameters={"method": method, "resolution": resolution},
    )


def _csv_text(values: pd.Series) -> list[str]:
    """Strings for CSV cells, quoted where they hold a comma, quote or line break."""
    text = values.astype(str)
    arr = text.to_numpy(dtype=object)
    special = text.str.contains(r'[",\r\n]', regex=True).to_numpy(dtype=bool)
    if special.any():
        arr = arr.copy()
        arr[special] = ['"' + v.replace('"', '""') + '"' for v in arr[special]]
    return list(arr.tolist())


def write_clearing(result: ClearingResult, path: str | os.PathLike[str]) -> None:
    """Write one CSV row per obligation: ``id,debtor,creditor,amount,setoff,remainder``.

    Numbers are written in Python's shortest round-trip form; text cells are quoted
    only where needed (RFC 4180).

    Raises
    ------
    InputError
        The file cannot be written.
    """
    table = result.obligations
    cols = ["id", "debtor", "creditor", "amount", "setoff", "remainder"]
    text = [_csv_text(table[c]) for c in cols[:3]]
    nums = [list(map(repr, table[c].to_numpy(dtype=np.float64).tolist())) for c in cols[3:]]
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(cols) + "\n")
            fh.writelines(",".join(row) + "\n" for row in zip(*text, *nums, strict=True))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field="out") from None
