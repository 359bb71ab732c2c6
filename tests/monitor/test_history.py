"""The bundled history: every row cited, consistent with the registry, never computed."""

from __future__ import annotations

import pandas as pd

from ouroboros.monitor import bundled_history, default_registry, load_observations
from ouroboros.store import Store


def test_every_bundled_row_is_a_cited_stored_series() -> None:
    reg = default_registry()
    h = bundled_history(with_urls=True)
    assert len(h) >= 40
    for row in h.itertuples(index=False):
        ind = reg[row.indicator]
        # only raw series are recorded; derived and ledger values are always computed
        assert ind.source in ("sec_edgar", "fred", "csv"), row.indicator
        assert row.source and len(row.source) > 20
        assert str(row.url).startswith("https://")
        assert row.value > 0
    assert not h.duplicated(["indicator", "date"]).any()


def test_bundled_figures_quoted_in_the_issue() -> None:
    h = bundled_history().set_index(["indicator", "date"])["value"]

    def at(ind: str, day: str) -> float:
        return float(h[(ind, pd.Timestamp(day))])

    assert at("coreweave_cds_5y", "2025-10-06") == 368.395
    assert at("coreweave_cds_5y", "2025-12-05") == 642.965
    assert at("hyperion_bond_price", "2025-10-20") == 110.2
    assert at("interconnection_queue_gw", "2023-12-31") == 2600
    assert at("dc_power_share", "2023-12-31") == 4.4
    assert at("capex_alphabet", "2024-12-31") == 52.535


def test_no_store_means_bundled_history_and_no_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "none.duckdb"
    obs = load_observations(Store(path))
    pd.testing.assert_frame_equal(obs, bundled_history())
    assert not path.exists()
