"""CSV readers: clear errors naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ouroboros.contagion import (
    eisenberg_noe,
    read_exposure_network,
    read_liability_network,
    read_shock,
)
from ouroboros.errors import InputError

EXT = "entity,external_assets,external_liabilities\na,0,0\nb,2,1\nc,1,0\n"


def _files(tmp_path: Path, liab: str, ext: str = EXT) -> tuple[Path, Path]:
    lp, ep = tmp_path / "L.csv", tmp_path / "E.csv"
    lp.write_text(liab, encoding="utf-8")
    ep.write_text(ext, encoding="utf-8")
    return lp, ep


def test_reads_network_sums_repeated_claims_and_skips_blank_lines(tmp_path: Path) -> None:
    lp, ep = _files(
        tmp_path,
        "\ufeffdebtor,creditor,amount,note\na,b,4,first\n\n a , b ,6,second\nb,c,10,\n",
    )
    net = read_liability_network(lp, ep)
    assert net.ids == ("a", "b", "c")
    assert net.liabilities.toarray().tolist() == [[0, 10, 0], [0, 0, 10], [0, 0, 0]]
    assert_allclose(net.external_liabilities, [0, 1, 0])
    r = eisenberg_noe(
        net.liabilities, net.external_assets, net.external_liabilities,
        external_seniority="pari-passu", entities=list(net.ids),
    )  # fmt: skip
    assert r.to_dict()["defaults"] == ["a", "b"]


@pytest.mark.parametrize(
    ("liab", "message"),
    [
        ("debtor,creditor,amount\na,b,5\nb,z,1\n", r"L\.csv:3: creditor: unknown entity 'z'"),
        ("debtor,creditor,amount\na,b,x\n", r"L\.csv:2: amount: expected a number, got 'x'"),
        ("debtor,creditor,amount\na,b,-2\n", r"L\.csv:2: amount: must be >= 0, got -2"),
        ("debtor,creditor,amount\na,b,NaN\n", r"L\.csv:2: amount: 'NaN' is not a number"),
        ("debtor,creditor,amount\na,b,inf\n", r"L\.csv:2: amount: 'inf' is infinite"),
        ("debtor,creditor,amount\na,b,\n", r"L\.csv:2: amount: missing value"),
        ("debtor,creditor,amount\n\nb,b,1\n", r"L\.csv:3: creditor: debtor 'b' owes itself"),
        ("debtor,creditor,amount\n,b,1\n", r"L\.csv:2: debtor: is empty"),
        ("debtor,creditor\na,b\n", r"L\.csv:1: missing column amount; expected"),
        ("", r"L\.csv is empty"),
        ("debtor,creditor,amount\na,b,1,9\n", r"L\.csv: malformed CSV"),
    ],
)
def test_liability_file_errors(tmp_path: Path, liab: str, message: str) -> None:
    lp, ep = _files(tmp_path, liab)
    with pytest.raises(InputError, match=message):
        read_liability_network(lp, ep)


def test_external_file_errors_and_missing_file(tmp_path: Path) -> None:
    lp, ep = _files(tmp_path, "debtor,creditor,amount\n", EXT + "a,3,3\n")
    with pytest.raises(InputError, match=r"E\.csv:5: entity: 'a' listed twice \(first at line 2\)"):
        read_liability_network(lp, ep)
    lp, ep = _files(
        tmp_path, "debtor,creditor,amount\n", "entity,external_assets,external_liabilities\n"
    )
    with pytest.raises(InputError, match=r"E\.csv has a header but no rows"):
        read_liability_network(lp, ep)
    lp, ep = _files(tmp_path, "debtor,creditor,amount\n")
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        read_liability_network(tmp_path / "nope.csv", ep)


def test_many_bad_rows_are_listed_with_a_count(tmp_path: Path) -> None:
    rows = "".join(f"a,b,-{i}\n" for i in range(1, 9))
    lp, ep = _files(tmp_path, "debtor,creditor,amount\n" + rows)
    with pytest.raises(InputError, match=r"(?s)L\.csv:2:.*L\.csv:6:.*and 3 more rows"):
        read_liability_network(lp, ep)


def test_exposures_buffers_weights_and_shock(tmp_path: Path) -> None:
    x = tmp_path / "X.csv"
    b = tmp_path / "B.csv"
    w = tmp_path / "W.csv"
    s = tmp_path / "S.csv"
    x.write_text("holder,counterparty,amount\nb,a,50\n")
    b.write_text("entity,buffer,total_assets\na,100,500\nb,100,300\n")
    w.write_text("entity,weight\na,1\nb,3\n")
    s.write_text("entity,shock\na,1\n")
    net = read_exposure_network(x, b, w)
    assert net.exposures.toarray().tolist() == [[0, 0], [50, 0]]
    assert_allclose(net.total_assets, [500, 300])
    assert_allclose(net.weights, [1, 3])
    assert_allclose(read_shock(s, net.ids), [1, 0])
    w.write_text("entity,weight\na,1\n")
    with pytest.raises(InputError, match=r"W\.csv: no weight for 'b'"):
        read_exposure_network(x, b, w)
    s.write_text("entity,shock\na,1.5\n")
    with pytest.raises(InputError, match=r"S\.csv:2: shock: must be between 0 and 1"):
        read_shock(s, net.ids)
    x.write_text("holder,counterparty,amount\nb,b,50\n")
    with pytest.raises(InputError, match=r"X\.csv:2: counterparty: holder 'b' lends to itself"):
        read_exposure_network(x, b)
    assert np.isfinite(net.buffers).all()
