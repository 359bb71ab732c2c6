"""The ledger-level circularity report on a small web with the loops of MISSION.md."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest

from ouroboros.cli._common import to_jsonable
from ouroboros.errors import InputError
from ouroboros.flows import analyse_circularity, circularity_report
from ouroboros.model import Ledger


def _web() -> Ledger:
    """Amounts in USD billions, all paid on one day of 2026 unless said otherwise."""
    s = ["s"]

    def deal(i: str, kind: str, a: str, b: str, amount: float, **kw: Any) -> dict[str, Any]:
        return {"id": i, "kind": kind, "from": a, "to": b, "amount": amount,
                "start": kw.pop("start", "2026-03-01"), "sources": s, **kw}  # fmt: skip

    ents = [
        ("world", "Rest of world", "rest_of_world"),
        ("nvidia", "Nvidia", "chip_vendor"),
        ("openai", "OpenAI", "model_lab"),
        ("oracle", "Oracle", "cloud"),
        ("microsoft", "Microsoft", "hyperscaler"),
        ("coreweave", "CoreWeave", "neocloud"),
        ("amazon", "Amazon", "hyperscaler"),
        ("anthropic", "Anthropic", "model_lab"),
        ("amd", "AMD", "chip_vendor"),
    ]
    return Ledger.model_validate(
        {
            "meta": {"name": "mini web", "unit": "billion"},
            "sources": [{"id": "s", "title": "seed articles", "kind": "seed_article"}],
            "entities": [{"id": i, "name": n, "roles": [r]} for i, n, r in ents],
            "instruments": [
                # the three friends
                deal("nv-oai", "equity_investment", "nvidia", "openai", 100),
                deal("oai-orcl", "compute_contract", "openai", "oracle", 100),
                deal("orcl-nv", "hardware_purchase", "oracle", "nvidia", 100),
                # Microsoft funds OpenAI and books its Azure bills
                deal("msft-oai", "equity_investment", "microsoft", "openai", 13),
                deal("oai-msft", "compute_contract", "openai", "microsoft", 13),
                # Amazon invests in Anthropic, which buys AWS compute
                deal("amzn-anth", "equity_investment", "amazon", "anthropic", 8),
                deal("anth-amzn", "compute_contract", "anthropic", "amazon", 8),
                # OpenAI buys AMD chips (announced); AMD's warrant moves no cash
                deal("oai-amd", "hardware_purchase", "openai", "amd", 20, status="announced"),
                deal("amd-oai", "warrant", "amd", "openai", 0),
                deal("amd-oai-cash", "loan", "amd", "openai", 5, status="announced"),
                # outside demand, and a 2025 deal outside the period
                deal("rev-msft", "revenue", "world", "microsoft", 50),
                deal("msft-world", "hardware_purchase", "microsoft", "world", 30),
                deal("old", "compute_contract", "coreweave", "nvidia", 9, start="2025-05-01"),
            ],
        }
    )


def test_report_shows_the_loops_of_the_mission() -> None:
    rep = circularity_report(_web(), year=2026)
    paths = [tuple(p) for p in rep.cycles["path"]]
    assert paths[0] == ("nvidia", "openai", "oracle", "nvidia")
    assert ("microsoft", "openai", "microsoft") in paths
    assert ("amazon", "anthropic", "amazon") in paths
    # W: 300 + 26 + 16 + 80 (world) = 422; C: 300 + 26 + 16; the world closes no loop
    assert rep.total_flow == pytest.approx(422)
    assert rep.circular_flow == pytest.approx(342)
    assert rep.circularity == pytest.approx(342 / 422)
    assert rep.maximal_circular_flow == rep.bff_circular_flow == pytest.approx(342)
    ents = rep.entities.set_index("id")
    assert "world" not in ents.index and "coreweave" not in ents.index  # no 2026 flow
    # Microsoft: 13 of its 63 inflow is circular; the rest is outside revenue
    assert ents.loc["microsoft", "circular_share"] == pytest.approx(13 / 63)
    assert ents.loc["microsoft", "inflow"] == pytest.approx(63)
    assert ents.loc["nvidia", "circular_share"] == 1.0
    assert ents.loc["nvidia", "circular_share_min"] == ents.loc["nvidia", "circular_share_max"]
    # a dollar Nvidia pays goes to OpenAI, which pays 100 of 113 to Oracle (which pays
    # it all to Nvidia) and 13 to Microsoft, which sends 13 of its 63 back to OpenAI:
    # p = 100/113 + (13/113)(13/63) p, so p = (100/113) / (1 - 169/7119)
    p = (100 / 113) / (1 - 169 / 7119)
    assert ents.loc["nvidia", "return_probability"] == pytest.approx(p)
    assert rep.nid == pytest.approx(20)  # Microsoft is owed 20 net by the world


def test_filters_change_what_counts() -> None:
    lg = _web()
    with_announced = circularity_report(lg, year=2026, include_announced=True)
    # announced: OpenAI -> AMD 20 and AMD -> OpenAI 5 close a loop of 5 each way
    paths = [tuple(p) for p in with_announced.cycles["path"]]
    assert ("amd", "openai", "amd") in paths
    assert with_announced.total_flow == pytest.approx(447)
    no_equity = circularity_report(lg, year=2026, exclude_kinds=["equity_investment"])
    assert no_equity.circular_flow == 0.0
    assert no_equity.cycles.empty
    only_2025 = circularity_report(lg, year=2025)
    assert only_2025.total_flow == pytest.approx(9) and only_2025.circular_flow == 0.0
    bff = circularity_report(lg, year=2026, method="bff")
    assert bff.method == "bff" and bff.circular_flow == pytest.approx(342)


def test_to_dict_is_json_with_the_documented_keys() -> None:
    data = circularity_report(_web(), year=2026, max_cycles=2).to_dict()
    text = json.dumps(to_jsonable(data))
    back = json.loads(text)
    for key in ("total_flow", "circular_flow", "circularity", "entities", "cycles"):
        assert key in back
    assert len(back["cycles"]) == 2
    for e in back["entities"]:
        assert set(e) >= {
            "id", "inflow", "circular_inflow", "circular_share", "circular_share_min",
            "circular_share_max", "return_probability",
        }  # fmt: skip
    assert back["cycles"][0]["path"] == ["nvidia", "openai", "oracle", "nvidia"]
    assert back["cycles"][0]["amount"] == pytest.approx(100)
    assert back["parameters"]["year"] == 2026


def test_maximal_and_bff_differ_where_loops_share_edges() -> None:
    m = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0.0]])
    rep = analyse_circularity(m, method="maximal")
    assert (rep.maximal_circular_flow, rep.bff_circular_flow) == pytest.approx((3.0, 2.5))
    # entity shares are the BFF ones; the maximal range holds the maximal values
    ent = rep.entities.set_index("id")
    assert ent.loc["1", "circular_share"] == pytest.approx(0.5)
    assert (ent.loc["1", "circular_share_min"], ent.loc["1", "circular_share_max"]) == (1, 1)


def test_bad_options() -> None:
    with pytest.raises(InputError, match="method"):
        circularity_report(_web(), method="fancy")
    with pytest.raises(InputError, match="unknown instrument kind"):
        circularity_report(_web(), kinds=["swap"])
    with pytest.raises(InputError, match="year"):
        circularity_report(_web(), year=2026, end=dt.date(2027, 1, 1))
