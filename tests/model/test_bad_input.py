"""Every kind of broken dataset fails with one located line per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from _toy import toy_data
from ouroboros.errors import DatasetError, Problem
from ouroboros.model import load_ledger

BROKEN = Path(__file__).parent / "broken"


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(DatasetError) as info:
        load_ledger(path)
    return info.value.problems


def test_all_problems_in_a_file_reported_at_once() -> None:
    path = BROKEN / "many_problems.yaml"
    got = {(p.line, p.record, p.field): p.message for p in problems_of(path)}
    f = str(path)
    assert all(p.file == f for p in problems_of(path))
    # Each expected problem was located by reading the file by hand.
    assert got[(4, None, "colour")].startswith("unknown top-level key")
    assert got[(11, "nvidia", "id")] == "duplicate id in entities"
    assert "got 'wizard'; expected one of" in got[(16, "openai", "roles.1")]
    assert got[(22, "nv-oai", "amount")] == "must be >= 0, got -5"
    assert got[(28, "oai-ghost", "to")] == "unknown entity 'ghost-cloud'"
    assert got[(36, "bad-amount", "amount")] == "must be a number, got 'lots'"
    assert got[(45, "backwards", "end")] == "2025-01-01 is before start 2026-01-01"
    assert got[(49, "strange", "kind")].startswith("unknown kind 'vibes'; expected one of")
    assert "'s2', which is not defined" in got[(61, "uncited", "sources")]
    assert got[(62, "nv-oai", "id")] == "duplicate id in instruments"
    # 'openai' failed validation itself: references to it are not reported again
    assert len(got) == 10


def test_yaml_syntax_error_has_line() -> None:
    [p] = problems_of(BROKEN / "syntax.yaml")
    assert p.line == 5 and p.message.startswith("YAML syntax error")


def test_json_syntax_error_has_line() -> None:
    [p] = problems_of(BROKEN / "syntax.json")
    assert p.line == 5 and p.message.startswith("JSON syntax error")


def write(tmp_path: Path, data: object, name: str = "d.yaml") -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data))
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("mutate", "record", "field", "fragment"),
    [
        (lambda d: d["instruments"][0].update(amount=-1), "nv-oai", "amount", ">= 0"),
        (lambda d: d["instruments"][0].update(amount="ten"), "nv-oai", "amount", "'ten'"),
        (lambda d: d["instruments"][1].update(end="2025-01-01"), "oai-orcl", "end", "before"),
        (lambda d: d["instruments"][0].update(kind="swap"), "nv-oai", "kind", "unknown kind"),
        (lambda d: d["entities"][1].update(roles=["oracle"]), "nvidia", "roles.0", "'oracle'"),
        (lambda d: d["instruments"][0].update(to="nobody"), "nv-oai", "to", "unknown entity"),
        (lambda d: d["instruments"][0].update(sources=["nope"]), "nv-oai", "sources", "'nope'"),
        (lambda d: d["instruments"][0].update(colour=1), "nv-oai", "colour", "unknown field"),
        (lambda d: d["instruments"][0].pop("start"), "nv-oai", "start", "required field"),
        (lambda d: d["entities"].append(dict(d["entities"][1])), "nvidia", "id", "duplicate"),
        (lambda d: d["instruments"][2].update(cashflows={2026: 1}), "orcl-nv", "cashflows", "sum"),
        (lambda d: d["instruments"][3].update(**{"from": "nvidia"}), "rev-oai", "from",
         "rest_of_world"),
        (lambda d: d["instruments"][0].update(to="nvidia"), "nv-oai", "to", "same entity"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("name", ["d.yaml", "d.json"])
def test_each_broken_record_is_named(
    tmp_path: Path, mutate: object, record: str, field: str, fragment: str, name: str
) -> None:
    data = toy_data()
    mutate(data)  # type: ignore[operator]
    path = write(tmp_path, data, name)
    [p] = problems_of(path)
    assert (p.file, p.record, p.field) == (str(path), record, field)
    assert fragment in p.message
    if name.endswith(".yaml"):
        assert p.line is not None


def test_unknown_top_level_key_and_missing_sections(tmp_path: Path) -> None:
    ps = problems_of(write(tmp_path, {"meta": {"name": "x"}, "deals": []}))
    assert {(p.field, p.message.split(";")[0]) for p in ps} == {
        ("deals", "unknown top-level key"),
        ("entities", "required top-level key is missing"),
        ("instruments", "required top-level key is missing"),
    }


def test_not_a_mapping_and_unknown_format(tmp_path: Path) -> None:
    [p] = problems_of(write(tmp_path, [1, 2]))
    assert "must be a mapping" in p.message
    other = tmp_path / "d.txt"
    other.write_text("x")
    [p] = problems_of(other)
    assert "unknown dataset format" in p.message
    [p] = problems_of(tmp_path / "missing.yaml")
    assert p.message == "no such file"


def test_duplicate_yaml_key_is_not_silently_lost(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("meta: {name: a}\nmeta: {name: b}\nentities: []\ninstruments: []\n")
    [p] = problems_of(path)
    assert (p.line, p.field, p.message) == (2, "meta", "duplicate key")


def test_csv_problems_name_table_and_line(tmp_path: Path) -> None:
    (tmp_path / "sources.csv").write_text("id,title\nseed,Hand-made\n")
    (tmp_path / "entities.csv").write_text(
        "id,name,roles\nnvidia,Nvidia,chip_vendor\nopenai,OpenAI,model_lab;dragon\n"
    )
    (tmp_path / "instruments.csv").write_text(
        "id,kind,from,to,amount,start,sources\n"
        "a,equity_investment,nvidia,openai,10,2025-01-01,seed\n"
        "b,loan,nvidia,openai,-3,2025-01-01,seed\n"
        "c,loan,nvidia,nobody,3,2025-01-01,seed\n"
    )
    (tmp_path / "financials.csv").write_text("entity,year,revenue\nnvidia,2025,abc\n")
    got = {(Path(p.file).name, p.line, p.record, p.field) for p in problems_of(tmp_path)}
    assert got == {
        ("entities.csv", 3, "openai", "roles.1"),
        ("instruments.csv", 3, "b", "amount"),
        ("instruments.csv", 4, "c", "to"),
        ("financials.csv", 2, "nvidia", "financials.2025.revenue"),
    }


def test_csv_missing_required_table(tmp_path: Path) -> None:
    (tmp_path / "entities.csv").write_text("id,name,roles\na,A,cloud\n")
    [p] = problems_of(tmp_path)
    assert p.file.endswith("instruments.csv") and p.message == "required file is missing"


def test_impossible_date_is_located() -> None:
    [p] = problems_of(BROKEN / "bad_date.yaml")
    assert p.line == 3
    assert p.message == "invalid timestamp '2035-13-31': month must be in 1..12"
