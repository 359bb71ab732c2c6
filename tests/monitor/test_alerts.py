"""Alert rules: located validation errors; level and cross triggers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ouroboros.errors import DatasetError, InputError, Problem
from ouroboros.monitor import bundled_history, evaluate_alerts, load_rules, thermometer


def rules(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "alerts.yaml"
    p.write_text(text)
    return p


def test_bundled_rules_on_the_bundled_history() -> None:
    t = thermometer(bundled_history())
    a = evaluate_alerts(t, load_rules()).set_index("id")
    # without a ledger, productivity and neocloud are red (contract quality has no data):
    # the two-red rule fires
    assert bool(a.loc["two-gauges-red", "fired"])
    assert a.loc["two-gauges-red", "value"] == t.latest()["gauges_in_red"] >= 2
    # Oracle CDS 139 <= 150, CoreWeave 643 <= 1000, Hyperion 110.2 >= 100: quiet
    for rid in ("oracle-cds-above-150", "coreweave-cds-above-1000", "hyperion-below-par"):
        assert not bool(a.loc[rid, "fired"]), rid
    assert a.loc["oracle-cds-above-150", "value"] == 139.0
    assert a.loc["oracle-cds-above-150", "previous"] == 128.0
    # no FRED data bundled: the high-yield rule cannot fire
    assert not bool(a.loc["hy-spread-red", "fired"])


def test_level_and_cross_triggers(tmp_path: Path) -> None:
    p = rules(
        tmp_path,
        """\
rules:
  - {id: lvl, when: indicator, target: oracle_cds_5y, above: 120}
  - {id: crs, when: indicator, target: oracle_cds_5y, above: 130, trigger: cross}
  - {id: crs-old, when: indicator, target: oracle_cds_5y, above: 120, trigger: cross}
  - {id: st, when: indicator, target: coreweave_cds_5y, status: amber}
  - {id: g, when: gauge, target: neocloud, status: red}
  - {id: c, when: composite, status: amber}
""",
    )
    t = thermometer(bundled_history())
    a = evaluate_alerts(t, load_rules(p)).set_index("id")["fired"].to_dict()
    # 128 -> 139: above 120 both times (level fires, cross does not); 130 newly crossed
    assert a == {
        "lvl": True,
        "crs": True,
        "crs-old": False,
        "st": True,
        "g": True,
        "c": t.latest()["status"] in ("amber", "red"),
    }


def test_rule_file_errors_have_lines(tmp_path: Path) -> None:
    p = rules(
        tmp_path,
        """\
rules:
  - {id: a, when: indicator, target: nope, above: 1}
  - {id: b, when: gauge, target: bubble, status: red}
  - {id: c, when: composite, above: 0.5, below: 0.1}
  - {id: d, when: composite, status: purple}
  - {id: e, when: indicator, above: 3}
  - {id: f, when: composite, at_least: 2}
  - {id: g, when: gauges_in_red, at_least: 2, colour: red}
""",
    )
    with pytest.raises(DatasetError) as exc:
        load_rules(p)
    got = [str(x) for x in exc.value.problems]
    f = str(p)
    assert got[0] == f"{f}:2: a: target: unknown indicator 'nope'"
    assert got[1].startswith(f"{f}:3: b: target: unknown gauge 'bubble'")
    assert got[2] == f"{f}:4: c: give exactly one of status, above, below, at_least"
    assert got[3] == f"{f}:5: d: status: got 'purple'; expected one of 'amber' or 'red'"
    assert got[4] == f"{f}:6: e: when: indicator needs a target"
    assert got[5] == f"{f}:7: f: at_least goes with when: gauges_in_red, and only with it"
    assert got[6] == (
        f"{f}:8: g: colour: unknown field; expected one of id, when, target, status, above, "
        "below, at_least, trigger, message"
    )


def test_every_problem_of_a_rule_file_is_located(tmp_path: Path) -> None:
    p = rules(
        tmp_path,
        """\
rules:
  - id: hot
    when: indicator
    target: oracle_cds_5y
    above: lots
  - id: red
    when: composite
    status: red
  - id: red
    when: gauge
    target: neocloud
    status: red
  - when: gauges_in_red
    at_least: 0
    triger: cross
ruls: []
""",
    )
    with pytest.raises(DatasetError) as exc:
        load_rules(p)
    f = str(p)
    # by hand: a rule without an id is named by its place (rules[3]); a missing field
    # takes its rule's line; at_least is >= 1
    assert exc.value.problems == [
        Problem(f, 5, "hot", "above", "must be a number, got 'lots'"),
        Problem(f, 9, "red", "id", "duplicated rule id (first at line 6)"),
        Problem(f, 13, "rules[3]", "id", "required field is missing"),
        Problem(f, 14, "rules[3]", "at_least", "must be >= 1, got 0"),
        Problem(f, 15, "rules[3]", "triger", "unknown field (did you mean 'trigger'?); "
                "expected one of id, when, target, status, above, below, at_least, trigger, "
                "message"),
        Problem(f, 16, None, "ruls", "unknown field (did you mean 'rules'?); expected one of "
                "rules"),
    ]  # fmt: skip


def test_previous_value_for_gauges_is_the_previous_grid_date(tmp_path: Path) -> None:
    t = thermometer(bundled_history())
    scores = t.gauge_history[t.gauge_history["gauge"] == "power_tech"]["score"].tolist()
    p = rules(tmp_path, "rules: [{id: p, when: gauge, target: power_tech, status: amber}]\n")
    a = evaluate_alerts(t, load_rules(p))
    assert a.loc[0, "value"] == scores[-1] == pytest.approx(0.875)
    assert a.loc[0, "previous"] == scores[-2]
    assert a.loc[0, "date"] == pd.Timestamp("2025-12-11") and bool(a.loc[0, "fired"])


def test_rule_file_that_is_not_text(tmp_path: Path) -> None:
    p = tmp_path / "alerts.yaml"
    p.write_bytes(b"\xff\xferules: []\n")
    with pytest.raises(InputError, match=r"cannot read the rule file .*: not UTF-8 text"):
        load_rules(p)
