"""CSV import: validation names the file and line; nothing is written unless all is valid."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ouroboros.errors import DatasetError, InputError
from ouroboros.monitor import default_registry, import_csv, read_indicator_csv, stored_observations
from ouroboros.store import Store


def csv(tmp_path: Path, text: str, name: str = "cds.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_good_file_with_unit_conversion(tmp_path: Path) -> None:
    p = csv(
        tmp_path,
        "date,value,unit,source,note\n"
        "2025-12-02,1.28,percent,ICE close,\n"
        '2025-12-11,139,bp,"Reuters, S&P Global MI",intraday\n',
    )
    df = read_indicator_csv(p, default_registry()["oracle_cds_5y"])
    assert df["value"].tolist() == pytest.approx([128.0, 139.0])
    assert df["source"].tolist() == ["ICE close", "Reuters, S&P Global MI"]
    p2 = csv(tmp_path, "date,value,unit\n2025-01-01,2.5,usd_tn\n", "liq.csv")
    assert read_indicator_csv(p2, default_registry()["fed_assets"])["value"].tolist() == [2500.0]
    p3 = csv(tmp_path, "date,value\n2025-01-01,110.2\n", "h.csv")
    assert read_indicator_csv(p3, default_registry()["hyperion_bond_price"])["source"].tolist() == [
        "CSV import: h.csv"
    ]


BAD = """\
date,value,unit
2025-13-01,120,bp
12/05/2025,130,bp
2025-12-03,abc,bp
2025-12-04,1.2,usd_bn
2025-12-05,inf,bp
2025-12-06,140
2025-12-07,,bp
2025-12-08,150,bp
2025-12-08,151,bp
"""


def test_every_bad_line_is_reported_with_file_and_line(tmp_path: Path) -> None:
    p = csv(tmp_path, BAD)
    with pytest.raises(DatasetError) as exc:
        read_indicator_csv(p, default_registry()["oracle_cds_5y"])
    got = [str(x) for x in exc.value.problems]
    f = str(p)
    assert got == [
        f"{f}:2: oracle_cds_5y: date: not a date in YYYY-MM-DD form: '2025-13-01'",
        f"{f}:3: oracle_cds_5y: date: not a date in YYYY-MM-DD form: '12/05/2025'",
        f"{f}:4: oracle_cds_5y: value: not a finite number: 'abc'",
        f"{f}:5: oracle_cds_5y: unit: unit 'usd_bn' cannot be converted to bp "
        "(oracle_cds_5y's unit)",
        f"{f}:6: oracle_cds_5y: value: not a finite number: 'inf'",
        f"{f}:7: oracle_cds_5y: expected 3 fields, got 2",
        f"{f}:8: oracle_cds_5y: value: not a finite number: ''",
        f"{f}:10: oracle_cds_5y: date: date 2025-12-08 already given on line 9",
    ]


def test_header_problems(tmp_path: Path) -> None:
    ind = default_registry()["oracle_cds_5y"]
    with pytest.raises(DatasetError, match=r"cds.csv:1: oracle_cds_5y: value: missing column"):
        read_indicator_csv(csv(tmp_path, "date,val\n2025-01-01,1\n"), ind)
    with pytest.raises(DatasetError, match=r"cds.csv:1: oracle_cds_5y: price: unknown column"):
        read_indicator_csv(csv(tmp_path, "date,value,price\n2025-01-01,1,2\n"), ind)
    with pytest.raises(DatasetError, match="the file is empty"):
        read_indicator_csv(csv(tmp_path, ""), ind)
    with pytest.raises(DatasetError, match="no observations"):
        read_indicator_csv(csv(tmp_path, "date,value\n"), ind)
    with pytest.raises(
        DatasetError,
        match=r":2: oracle_cds_5y: indicator: row is for "
        r"'coreweave_cds_5y'",
    ):
        read_indicator_csv(
            csv(tmp_path, "indicator,date,value\ncoreweave_cds_5y,2025-01-01,1\n"), ind
        )
    with pytest.raises(InputError, match="no such file"):
        read_indicator_csv(tmp_path / "missing.csv", ind)


def test_import_writes_all_or_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    good = csv(tmp_path, "date,value\n2025-12-02,128\n2025-12-11,139\n", "good.csv")
    rep = import_csv(good, "oracle_cds_5y", store=store)
    assert (rep.n_observations, rep.replaced) == (2, 0)
    before = stored_observations(store)
    with pytest.raises(DatasetError):
        import_csv(csv(tmp_path, BAD), "oracle_cds_5y", store=store)
    pd.testing.assert_frame_equal(stored_observations(store), before)
    # a later file replaces the same date and keeps the others
    rep = import_csv(
        csv(tmp_path, "date,value\n2025-12-11,140\n", "fix.csv"), "oracle_cds_5y", store=store
    )
    assert rep.replaced == 1
    after = stored_observations(store).set_index("date")["value"]
    assert after.to_dict() == {pd.Timestamp("2025-12-02"): 128.0, pd.Timestamp("2025-12-11"): 140.0}


def test_computed_indicators_cannot_be_imported(tmp_path: Path) -> None:
    p = csv(tmp_path, "date,value\n2025-01-01,1\n")
    with pytest.raises(InputError, match="computed from fed_assets, tga, reverse_repo"):
        import_csv(p, "fed_net_liquidity", store=Store(tmp_path / "s.duckdb"))
    with pytest.raises(InputError, match="computed from the dataset"):
        import_csv(p, "take_or_pay_share", store=Store(tmp_path / "s.duckdb"))
    assert not (tmp_path / "s.duckdb").exists()
