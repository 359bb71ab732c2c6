"""Bad deal and scenario files fail with one located problem each, naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ouroboros.deals import (
    DealSpec,
    bundled_deal_path,
    compile_deal,
    deal_from_data,
    drivers_for,
    load_deal,
    load_scenarios,
    resolve_deal,
    scenarios_from_data,
)
from ouroboros.errors import DatasetError, InputError, Problem

BROKEN = Path(__file__).parent / "broken"


def problems(path: Path) -> dict[tuple[int | None, str | None, str | None], str]:
    with pytest.raises(DatasetError) as info:
        load_deal(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return {(p.line, p.record, p.field): p.message for p in info.value.problems}


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing ``needle`` (found by reading the file)."""
    for i, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            return i
    raise AssertionError(needle)


def test_schema_problems_are_all_reported_with_lines() -> None:
    path = BROKEN / "schema.yaml"
    got = problems(path)
    assert got[(1, None, "id")].startswith("must be a slug")
    assert got[(line_of(path, "weekly"), None, "calendar.frequency")] == (
        "got 'weekly'; expected one of 'monthly', 'quarterly' or 'annual'"
    )
    assert got[(line_of(path, "rent: lots"), "lease", "rent")] == "must be a number, got 'lots'"
    # the fields of LeaseAsset (with those of every component), read from deals/_spec.py
    assert got[(line_of(path, "colour"), "lease", "colour")] == (
        "unknown field; expected one of note, assumption, sources, id, kind, tenant, "
        "credit_tier, rent, escalation, start, initial_term_years, renewal, opex, value, "
        "residual_value, guarantee"
    )
    assert got[(line_of(path, "warehouse"), "other", "kind")].startswith(
        "unknown kind 'warehouse'; expected one of 'lease', 'contract'"
    )
    assert got[(line_of(path, "amount: -100"), "senior", "amount")] == "must be >= 0, got -100"
    assert got[(line_of(path, "share: 0.7"), None, "equity.holders")] == (
        "shares must sum to 1, got 0.7"
    )
    assert got[(line_of(path, "pay_dividends"), "waterfalls.operation[1]", "action")].startswith(
        "unknown action 'pay_dividends'; expected one of 'pay_fee'"
    )
    assert len(got) == 8


def test_reference_problems_name_the_field() -> None:
    path = BROKEN / "refs.yaml"
    got = problems(path)
    assert got[(line_of(path, "sources: [s2]"), "lease", "sources.0")] == "unknown source 's2'"
    assert got[(line_of(path, "{id: lease, kind: lock_up}"), "lease", "id")] == (
        "duplicate id (already used in assets)"
    )
    assert got[(line_of(path, "kind: reserve"), "dsra", "target")] == (
        "a reserve account needs a target"
    )
    assert got[(line_of(path, "backing"), "senior", "rate.backing.0")] == (
        "unknown contract asset 'lease'"
    )
    assert got[(line_of(path, "amount: 500"), None, "close.payments")].startswith(
        "uses at close (500) exceed"
    )
    wf = line_of(path, "junior")
    assert got[(wf, "waterfalls.operation[0]", "tranches.0")] == "unknown tranche 'junior'"
    assert got[(wf, "waterfalls.operation[0]", "from.1")].startswith("unknown source 'piggy-bank'")
    assert got[(line_of(path, "account: lock"), "waterfalls.operation[1]", "account")] == (
        "unknown reserve account 'lock'"
    )
    assert len(got) == 8


def test_impossible_date_is_located() -> None:
    path = BROKEN / "bad_date.yaml"
    [(key, msg)] = problems(path).items()
    assert key == (line_of(path, "2035-13-31"), None, None)
    assert msg == "invalid timestamp '2035-13-31': month must be in 1..12"


def test_missing_file_and_not_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == {(None, None, None): "no such file"}
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n")
    [msg] = problems(bad).values()
    assert msg.startswith("a deal must be a mapping")


def test_json_specs_load_like_yaml(tmp_path: Path) -> None:
    spec = load_deal(bundled_deal_path("hyperion"))
    out = tmp_path / "h.json"
    out.write_text(json.dumps(spec.model_dump(mode="json", by_alias=True)))
    assert load_deal(out) == spec


def test_a_spec_round_trips_through_its_data() -> None:
    spec = load_deal(bundled_deal_path("coreweave"))
    assert deal_from_data(spec.model_dump(mode="python", by_alias=True)) == spec


def test_unknown_bundled_name_lists_the_names() -> None:
    with pytest.raises(
        InputError, match="no bundled deal named 'meta'; expected one of coreweave, hyperion"
    ):
        resolve_deal("meta")


def test_model_level_checks_name_their_field(toy: Callable[..., DealSpec]) -> None:
    with pytest.raises(DatasetError) as info:
        toy(
            tranches=[
                {
                    "id": "x",
                    "kind": "revolver",
                    "amount": 5.0,
                    "commitment": 1.0,
                    "rate": {"fixed": 0.05},
                    "maturity": "2030-01-01",
                }
            ]
        )
    [p] = info.value.problems
    assert (p.record, p.field) == ("x", "commitment")
    assert p.message == "1.0 is below the amount drawn at close 5.0"
    with pytest.raises(DatasetError) as info:
        toy(
            tranches=[
                {
                    "id": "x",
                    "amount": 5.0,
                    "maturity": "2030-01-01",
                    "rate": {"index": "sofr", "spread": 0.01, "spread_by_tier": {"ig": 1}},
                }
            ]
        )
    [p] = info.value.problems
    assert (p.record, p.field) == ("x", "rate.spread")
    assert p.message == "give exactly one of spread or spread_by_tier"


def test_sculpting_without_cfads_is_an_input_error(toy: Callable[..., DealSpec]) -> None:
    spec = toy(
        assets=[{"id": "t", "kind": "treasuries"}],
        tranches=[
            {
                "id": "s",
                "amount": 10.0,
                "rate": {"fixed": 0.05},
                "amortisation": {"kind": "sculpted"},
                "maturity": "2030-12-31",
            }
        ],
        close={"payments": []},
    )
    with pytest.raises(InputError, match="sculpted amortisation needs positive base CFADS"):
        compile_deal(spec)


def test_scenario_file_problems() -> None:
    path = BROKEN / "scenarios.yaml"
    with pytest.raises(DatasetError) as info:
        load_scenarios(path)
    got = {(p.line, p.record, p.field): p.message for p in info.value.problems}
    assert got == {
        (line_of(path, "rent_factr"), "typo", "rent_factr"): (
            "unknown field (did you mean 'rent_factor'?); expected one of name, description, "
            "rent_factor, utilisation_factor, gpu_price_factor, cfads_factor, "
            "asset_value_factor, sofr, treasury, refinance_rate, walk_away, customer_default"
        ),
        (line_of(path, "high"), "bad-curve", "sofr"): "value at 2026 must be a number, got 'high'",
    }
    with pytest.raises(DatasetError) as info:
        scenarios_from_data({"scenarios": [{"name": "a"}, {"name": "a"}]})
    assert info.value.problems == [
        Problem("<input>", None, "a", "name", "duplicate scenario name 'a'")
    ]


def test_scenario_naming_an_unknown_lease_or_customer() -> None:
    cd = compile_deal(load_deal(bundled_deal_path("hyperion")))
    [s] = scenarios_from_data({"name": "x", "walk_away": {"campus": "2033-01-01"}})
    with pytest.raises(InputError, match=r"walk_away names 'campus'.*leases: meta-lease"):
        drivers_for(cd, [s])
    [s] = scenarios_from_data({"name": "x", "customer_default": {"openai": "2027-01-01"}})
    with pytest.raises(InputError, match=r"customer_default names 'openai'.*customers: none"):
        drivers_for(cd, [s])
