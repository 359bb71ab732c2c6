"""Multilateral set-off of obligation files: numbers, invariants and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from flows._flow_helpers import lp_max_circulation
from ouroboros.errors import InputError
from ouroboros.flows import clear_obligations, read_obligations, write_clearing


def write(tmp_path: Path, text: str, name: str = "obligations.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_loop_of_three_firms(tmp_path: Path) -> None:
    # a owes b 10, b owes c 7.50, c owes a 6, a owes c 2. The loop a->b->c->a clears 6
    # on each of its three invoices (18); net positions a -6, b +2.5, c +3.5 stay.
    path = write(
        tmp_path,
        "id,debtor,creditor,amount\ninv-1,a,b,10\ninv-2,b,c,7.50\ninv-3,c,a,6\ninv-4,a,c,2\n",
    )
    res = clear_obligations(read_obligations(path))
    assert (res.total_debt, res.cleared, res.remaining) == (25.5, 18.0, 7.5)
    assert res.nid_before == res.nid_after == 6.0
    table = res.obligations.set_index("id")
    assert table["setoff"].tolist() == [6.0, 6.0, 6.0, 0.0]
    assert table["remainder"].tolist() == [4.0, 1.5, 0.0, 2.0]
    assert res.summary()["cleared_share"] == pytest.approx(18 / 25.5)


def test_ids_are_strings_and_the_id_column_is_optional(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ' Debtor , CREDITOR,Amount\n"Acme, Inc.",007,5\n007,"Acme, Inc.",5\n007, x ,1\n',
    )
    df = read_obligations(path)
    assert df["debtor"].tolist() == ["Acme, Inc.", "007", "007"]  # "007" stays a string
    res = clear_obligations(df)
    assert res.cleared == 10.0 and res.entities == 3
    assert res.obligations["id"].tolist() == [1, 2, 3]  # numbered rows without an id
    out = tmp_path / "out.csv"
    write_clearing(res, out)
    back = pd.read_csv(out, dtype={"debtor": str, "creditor": str})
    assert back.columns.tolist() == ["id", "debtor", "creditor", "amount", "setoff", "remainder"]
    assert back["debtor"].tolist() == ["Acme, Inc.", "007", "007"]
    assert back["setoff"].tolist() == [5.0, 5.0, 0.0]


def test_parallel_invoices_are_cleared_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path, "id,debtor,creditor,amount\n1,a,b,5\n2,a,b,7\n3,b,a,8\n")
    res = clear_obligations(read_obligations(path))
    assert res.obligations["setoff"].tolist() == [5.0, 3.0, 8.0]
    assert res.obligations["remainder"].tolist() == [0.0, 4.0, 0.0]


def test_priority_column(tmp_path: Path) -> None:
    # loops x->hub->a->x (3) and x->hub->b->x (2) share x->hub (4); priority 5 on b's
    # loop fills it first, a's loop gets the other 2
    rows = [
        ("x", "hub", 4, 1), ("hub", "a", 3, 1), ("a", "x", 3, 1),
        ("hub", "b", 2, 5), ("b", "x", 2, 5),
    ]  # fmt: skip
    text = "debtor,creditor,amount,priority\n" + "".join(
        f"{a},{b},{c},{p}\n" for a, b, c, p in rows
    )
    res = clear_obligations(read_obligations(write(tmp_path, text)))
    assert res.obligations["setoff"].tolist() == [4, 2, 2, 2, 2]
    bad = write(tmp_path, "debtor,creditor,amount,priority\na,b,1,high\n", "bad.csv")
    with pytest.raises(InputError, match=r"row 1: priority must be a whole number"):
        read_obligations(bad)
    with pytest.raises(InputError, match="maximal only"):
        clear_obligations(read_obligations(write(tmp_path, text)), method="bff")


def test_self_loops_are_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "id,debtor,creditor,amount\n1,a,a,9\n2,a,b,1\n3,b,a,1\n")
    res = clear_obligations(read_obligations(path))
    assert res.self_loops_dropped == 1
    assert res.obligations["id"].tolist() == ["2", "3"]
    assert res.total_debt == 2.0 and res.cleared == 2.0


def test_bff_clears_balanced_cents_and_no_more_than_maximal(tmp_path: Path) -> None:
    # the authors' README network in cents: BFF is 2.5 of 4 per unit; on 1.01 that is
    # not whole cents, so it is rounded while staying balanced
    path = write(tmp_path, "debtor,creditor,amount\n1,2,1.01\n2,3,1.01\n1,3,1.01\n3,1,1.01\n")
    df = read_obligations(path)
    bff = clear_obligations(df, method="bff")
    maximal = clear_obligations(df, method="maximal")
    assert maximal.cleared == pytest.approx(3.03)
    assert bff.cleared <= maximal.cleared
    assert bff.cleared == pytest.approx(2.525, abs=0.02)
    cents = np.rint(bff.obligations["setoff"].to_numpy() * 100).astype(int)
    assert_allclose(bff.obligations["setoff"] * 100, cents, atol=1e-9)
    assert bff.nid_after == pytest.approx(bff.nid_before)


@st.composite
def obligation_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(2, 6))
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 99_999)),
            min_size=1,
            max_size=25,
        )
    )
    return pd.DataFrame(
        {
            "debtor": [f"firm {a}" for a, _, _ in rows],
            "creditor": [f"firm {b}" for _, b, _ in rows],
            "amount": [c / 100 for _, _, c in rows],
        }
    )


@settings(max_examples=60, deadline=None)
@given(obligation_tables(), st.sampled_from(["maximal", "bff"]))
def test_invariants_on_random_obligations(df: pd.DataFrame, method: str) -> None:
    res = clear_obligations(df, method=method)
    t = res.obligations
    assert np.all(t["setoff"] >= 0) and np.all(t["setoff"] <= t["amount"])
    assert_allclose(t["setoff"] + t["remainder"], t["amount"], atol=1e-9)
    # every firm's net position is unchanged: the set-off is balanced
    paid = t.groupby("debtor")["setoff"].sum()
    got = t.groupby("creditor")["setoff"].sum()
    firms = sorted(set(paid.index) | set(got.index))
    assert_allclose(paid.reindex(firms, fill_value=0), got.reindex(firms, fill_value=0), atol=1e-9)
    assert res.nid_after == pytest.approx(res.nid_before, abs=1e-6)
    # the maximal set-off equals an LP on the pooled network
    ids = sorted(set(t["debtor"]) | set(t["creditor"]))
    pos = {e: i for i, e in enumerate(ids)}
    m = np.zeros((len(ids), len(ids)))
    for a, b, x in t[["debtor", "creditor", "amount"]].itertuples(index=False):
        m[pos[a], pos[b]] += x
    best = lp_max_circulation(m)
    if method == "maximal":
        assert res.cleared == pytest.approx(best, abs=1e-6)
    else:
        assert res.cleared <= best + 1e-6


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,debtor,amount\n1,a,5\n", r"missing column\(s\) creditor; found 'id', 'debtor'"),
        ("debtor,creditor,amount\na,b,lots\n", r"row 1: amount must be a number, got 'lots'"),
        (
            "id,debtor,creditor,amount\nx1,a,b,2\nx2,b,a,-3\n",
            r"row 2 \(id 'x2'\): amount must be >= 0",
        ),
        ("debtor,creditor,amount\na,b,\nb,a,1\n", r"row 1: amount is empty"),
        ("debtor,creditor,amount\na,b,inf\n", r"row 1: amount must be finite"),
        (
            "debtor,creditor,amount\n,b,1\n,c,2\n",
            r"row 1; 1 more row\(s\) like it: debtor is empty",
        ),
        ("debtor,creditor,amount\n", r"has a header but no obligations"),
        ("debtor,creditor,amount\nAcme, Inc.,b,5\n", r"row 1: amount must be a number, got 'b'"),
        ('debtor,creditor,amount\na,"b,1\n', r"not a valid CSV file"),
        ("\n\n", r"the file is empty"),
    ],
)
def test_bad_files_give_a_clear_message(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        read_obligations(path)
    assert str(path) in str(info.value)


def test_empty_binary_missing_and_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        read_obligations(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"debtor,creditor,amount\n\xff\xfe,\x00b,1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_obligations(binary)
    with pytest.raises(InputError, match="no such file"):
        read_obligations(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_obligations(tmp_path)


def test_file_too_large_for_memory_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "debtor,creditor,amount\na,b,1\n")
    monkeypatch.setattr("ouroboros.flows._clearing.available_memory", lambda: 100)
    with pytest.raises(InputError, match=r"needs about .* GB of memory but only .* Split"):
        read_obligations(path)


def test_bad_options_and_unwritable_output(tmp_path: Path) -> None:
    df = pd.DataFrame({"debtor": ["a"], "creditor": ["b"], "amount": [1.0]})
    with pytest.raises(InputError, match="method"):
        clear_obligations(df, method="greedy")
    with pytest.raises(InputError, match="resolution"):
        clear_obligations(df, resolution=0)
    with pytest.raises(InputError, match="missing column"):
        clear_obligations(df.drop(columns="amount"))
    with pytest.raises(InputError, match="cannot write"):
        write_clearing(clear_obligations(df), tmp_path / "no" / "such" / "dir.csv")


def test_the_clear_path_does_not_load_the_ledger_model() -> None:
    """``ouroboros clear`` needs no dataset: importing the engines leaves the model out."""
    code = (
        "import sys, ouroboros.flows\n"
        "print(sorted({'ouroboros.model', 'ouroboros.views'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
