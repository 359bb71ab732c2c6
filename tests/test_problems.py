"""Located problems from pydantic errors (ouroboros._problems), on the project's own models.

Every expected message and location below was worked out by hand from the models in
``ouroboros.model._schema``, ``ouroboros.deals._spec`` and ``ouroboros.scenarios._spec``
and from the record shown beside it, not copied from a run.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ouroboros._problems import (
    ProblemCollector,
    error_message,
    field_names,
    lines_by_path,
    record_and_field,
    show_value,
    translate_errors,
    value_errors,
)
from ouroboros._yamldoc import parse_yaml
from ouroboros.deals import DealSpec, LeaseAsset, TrancheSpec
from ouroboros.errors import DatasetError, Problem
from ouroboros.model import Entity, Loan
from ouroboros.scenarios import ScenarioSpec

LOAN = {
    "id": "nv-oai",
    "kind": "loan",
    "from": "nvidia",
    "to": "openai",
    "amount": 10.0,
    "start": "2026-01-01",
    "sources": ["s1"],
}


def translated(model: type[BaseModel], data: Any) -> dict[str, str]:
    """``{dotted path: message}`` for every error of validating ``data``."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return {".".join(path): msg for path, msg in translate_errors(info.value, model, data)}


def messages(model: type[BaseModel], data: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [error_message(e) for e in info.value.errors()]


# -------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"amount": -5}, "must be >= 0, got -5"),  # Field(ge=0): the bound shown as 0, not 0.0
        ({"amount": "lots"}, "must be a number, got 'lots'"),
        ({"start": "soon"}, "must be a date (YYYY-MM-DD), got 'soon'"),
        ({"status": "rumoured"}, "got 'rumoured'; expected one of 'announced', "
                                 "'letter_of_intent', 'signed', 'funded' or 'lapsed'"),
        ({"sources": "s1"}, "input should be a valid list, got 's1'"),
        ({"sources": []}, "List should have at least 1 item after validation, not 0, got []"),
        ({"id": "Bad Id"}, "must be a slug: lower-case letters, digits, '-', '_' or '.', "
                           "starting with a letter or digit; got 'Bad Id'"),
    ],
)  # fmt: skip
def test_one_message_per_kind_of_error(change: dict[str, Any], expected: str) -> None:
    assert messages(Loan, {**LOAN, **change}) == [expected]


def test_missing_field_and_a_check_on_the_whole_record() -> None:
    data = {k: v for k, v in LOAN.items() if k != "start"}
    assert messages(Loan, data) == ["required field is missing"]
    # a model-level check has an empty location: no "got <the whole record>" appended
    assert messages(Loan, {**LOAN, "to": "nvidia"}) == [
        "to: 'from' and 'to' are the same entity ('nvidia')"
    ]


def test_a_whole_number_and_an_unknown_union_tag() -> None:
    tranche = {"id": "t", "rate": {"fixed": 0.05}, "maturity": "2030-01-01", "seniority": 1.5}
    assert messages(TrancheSpec, tranche) == ["must be a whole number, got 1.5"]
    lease = {"assets": [{"id": "x", "kind": "warehouse"}]}
    with pytest.raises(ValidationError) as info:
        DealSpec.model_validate(lease)
    [tag] = [e for e in info.value.errors() if e["type"] == "union_tag_invalid"]
    assert error_message(tag) == (
        "unknown kind 'warehouse'; expected one of 'lease', 'contract', 'gpu_fleet', 'treasuries'"
    )


def test_show_value_cuts_long_values() -> None:
    assert show_value("x" * 58) == "'" + "x" * 58 + "'"  # 60 characters: kept whole
    assert show_value("x" * 59) == "'" + "x" * 56 + "..."


@given(st.one_of(st.text(), st.integers(), st.lists(st.floats(allow_nan=False))))
def test_show_value_is_the_repr_or_its_first_57_characters(value: object) -> None:
    text = show_value(value)
    assert len(text) <= 60
    assert text == repr(value) or (text.endswith("...") and repr(value).startswith(text[:-3]))


# ----------------------------------------------------------------- paths and fields


def test_a_field_is_named_by_its_alias_and_checks_move_onto_their_field() -> None:
    assert translated(Loan, {**LOAN, "from": 5}) == {
        "from": "Input should be a valid string, got 5"
    }
    assert translated(Loan, {**LOAN, "to": "nvidia"}) == {
        "to": "'from' and 'to' are the same entity ('nvidia')"
    }
    assert translated(Loan, {**LOAN, "end": "2025-06-30"}) == {
        "end": "2025-06-30 is before start 2026-01-01"
    }


def test_union_labels_are_dropped_from_the_path() -> None:
    # assets is a union on 'kind': pydantic's location is assets.0.lease.rent
    deal = {"assets": [{"id": "l", "kind": "lease", "tenant": "t", "rent": "lots",
                        "start": "2026-01-01", "initial_term_years": 10}]}  # fmt: skip
    got = translated(DealSpec, deal)
    assert got["assets.0.rent"] == "must be a number, got 'lots'"
    # an unknown kind is placed on the discriminator itself
    got = translated(DealSpec, {"assets": [{"id": "x", "kind": "warehouse"}]})
    assert got["assets.0.kind"].startswith("unknown kind 'warehouse'")
    got = translated(DealSpec, {"assets": [{"id": "x"}]})
    assert got["assets.0.kind"] == "required field 'kind' is missing"


def test_a_check_inside_a_tagged_union_member_lands_on_its_field() -> None:
    # rate is FixedRate | FloatingRate told apart by a function (Tag 'fixed' / 'floating')
    tranche = {"id": "t", "maturity": "2030-01-01",
               "rate": {"index": "sofr", "spread": 0.01, "spread_by_tier": {"ig": 1}}}  # fmt: skip
    assert translated(TrancheSpec, tranche) == {
        "rate.spread": "give exactly one of spread or spread_by_tier"
    }


def test_unknown_field_suggests_the_closest_and_lists_the_allowed() -> None:
    got = translated(ScenarioSpec, {"name": "x", "adoption": {"level": 60, "celing": 900}})
    assert got == {
        "adoption.celing": "unknown field (did you mean 'ceiling'?); expected one of level, "
        "ceiling, years_to_scale, growth, volatility, margin, split"
    }
    # no close match: only the list (Entity's fields, in the order of model/_schema.py)
    got = translated(Entity, {"id": "a", "name": "A", "roles": ["cloud"], "size": 3})
    assert got == {
        "size": "unknown field; expected one of id, name, roles, country, ticker, parent, "
        "financials, sources, note"
    }


def test_field_names_follow_lists_dicts_and_union_tags() -> None:
    lease = field_names(DealSpec, ("assets", 0, "lease"))
    assert lease is not None and lease[:4] == ["note", "assumption", "sources", "id"]
    assert lease == [info.alias or n for n, info in LeaseAsset.model_fields.items()]
    assert field_names(TrancheSpec, ("rate", "floating")) == [
        "index", "spread", "spread_by_tier", "backing", "floor"
    ]  # fmt: skip
    assert field_names(Entity, ("financials", "2025")) is not None  # dict[int, Financials]
    assert field_names(DealSpec, ("assets", 0)) is None  # a union, no member chosen
    assert field_names(Loan, ("amount",)) is None  # a number, not a model
    assert field_names(Loan, ("no_such_field", "x")) is None


# ------------------------------------------------------------------ located problems


def test_record_and_field() -> None:
    data = {
        "assets": [{"id": "lease", "rent": 1}],
        "waterfalls": {"operation": [{"action": "pay_fee", "fees": ["a", "b"]}]},
        "calendar": {"end": 1},
    }
    assert record_and_field(data, ("assets", "0", "rent")) == ("lease", "rent")
    assert record_and_field(data, ("waterfalls", "operation", "0", "fees", "1")) == (
        "waterfalls.operation[0]",
        "fees.1",
    )
    assert record_and_field(data, ("calendar", "end")) == (None, "calendar.end")
    assert record_and_field(data, ("assets", "7", "rent")) == (None, "assets.7.rent")
    assert record_and_field(data, ()) == (None, None)


TEXT = """\
entities:
  - id: acme
    name: Acme
    roles: [cloud]
    cash: 3
  - id: beta
    name: Beta
    roles: []
"""


def test_collector_locates_each_record_of_a_yaml_file() -> None:
    doc = parse_yaml(TEXT, "web.yaml")
    col = ProblemCollector("web.yaml", lines_by_path(doc))
    for i, raw in enumerate(doc.data["entities"]):
        col.validate(Entity, raw, at=("entities", str(i)), record=raw["id"])
    with pytest.raises(DatasetError) as info:
        col.raise_if_any()
    assert info.value.problems == [
        Problem("web.yaml", 5, "acme", "cash", "unknown field; expected one of id, name, "
                "roles, country, ticker, parent, financials, sources, note"),
        Problem("web.yaml", 8, "beta", "roles", "List should have at least 1 item after "
                "validation, not 0, got []"),
    ]  # fmt: skip


def test_collector_finds_records_in_the_data_and_sorts_by_line() -> None:
    data = {"assets": [{"id": "x", "rent": 1}], "name": 3}
    lines = {(): 1, ("name",): 9, ("assets",): 2, ("assets", "0"): 3, ("assets", "0", "rent"): 4}
    col = ProblemCollector("d.yaml", lines, data=data)
    col.add(("name",), "late")
    col.add(("assets", "0", "rent", "deep"), "early")  # no line of its own: its parent's
    col.add(("missing",), "at the top")  # no line for it or a parent but the root
    col.add(("assets", "0"), "given", record="r", field="f")
    with pytest.raises(DatasetError) as info:
        col.raise_if_any()
    assert info.value.problems == [
        Problem("d.yaml", 1, None, "missing", "at the top"),
        Problem("d.yaml", 3, "r", "f", "given"),
        Problem("d.yaml", 4, "x", "rent.deep", "early"),
        Problem("d.yaml", 9, None, "name", "late"),
    ]


class _Spread(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float = Field(allow_inf_nan=False)
    high: float

    @model_validator(mode="after")
    def _order(self) -> _Spread:
        if self.high <= self.low:
            raise value_errors(
                "_Spread",
                [
                    (("low",), f"must be below high ({self.high:g})", self.low),
                    (("high",), f"must exceed low ({self.low:g})", self.high),
                ],
            )
        return self


def _spread(value: Any) -> Any:
    return _Spread.model_validate(value) if isinstance(value, dict) else value


class _Knob(BaseModel):
    # a number or a model, the model validated by a validator that re-raises its errors
    level: Annotated[float | _Spread, BeforeValidator(_spread)]


def test_errors_a_validator_re_raises_land_on_the_fields_of_the_union_s_model() -> None:
    assert translated(_Knob, {"level": {"low": 3, "high": 1}}) == {
        "level.low": "must be below high (1)",
        "level.high": "must exceed low (3)",
    }
    # the union's one model lists the keys a mapping may have
    assert translated(_Knob, {"level": {"low": float("inf"), "high": 1, "hihg": 2}}) == {
        "level.low": "must be a finite number, got inf",
        "level.hihg": "unknown field (did you mean 'high'?); expected one of low, high",
    }
    assert field_names(_Knob, ("level",)) == ["low", "high"]
    # text is neither member: pydantic labels its two errors 'float' and '_Spread', which
    # are the union's members, not keys of the data
    assert set(translated(_Knob, {"level": "lots"})) == {"level"}


def test_collector_prefixes_the_field_of_a_part_of_a_record() -> None:
    col = ProblemCollector(
        "reg.yaml", {("items", "0", "fetch"): 3, ("items", "0", "fetch", "low"): 4}
    )
    col.validate(_Spread, {"low": 2, "high": 1}, at=("items", "0", "fetch"), record="a",
                 field="fetch")  # fmt: skip
    col.validate(_Spread, "soon", at=("items", "1", "fetch"), record="b", field="fetch")
    assert col.problems == [
        Problem("reg.yaml", 4, "a", "fetch.low", "must be below high (1)"),
        Problem("reg.yaml", 3, "a", "fetch.high", "must exceed low (2)"),  # no line: its parent's
        Problem("reg.yaml", None, "b", "fetch", "expected a mapping of fields, got 'soon'"),
    ]


def test_collector_names_the_file_of_each_table_and_refuses_non_mappings() -> None:
    col = ProblemCollector("folder", files={("entities",): "folder/entities.csv"})
    assert col.validate(Entity, ["not", "a", "record"], at=("entities", "0"), record="e") is None
    col.add(("meta",), "no table")
    assert col.problems == [
        Problem("folder/entities.csv", None, "e", None,
                "expected a mapping of fields, got ['not', 'a', 'record']"),
        Problem("folder", None, None, None, "no table"),
    ]  # fmt: skip
    assert ProblemCollector("empty").raise_if_any() is None


@given(
    st.dictionaries(st.lists(st.sampled_from("ab"), max_size=3).map(tuple), st.integers(1, 99)),
    st.lists(st.sampled_from("abc"), max_size=4).map(tuple),
)
def test_line_is_that_of_the_longest_known_prefix(
    lines: dict[tuple[str, ...], int], path: tuple[str, ...]
) -> None:
    known = [p for p in lines if path[: len(p)] == p]
    expected = lines[max(known, key=len)] if known else None
    assert ProblemCollector("f", lines).line(path) == expected
