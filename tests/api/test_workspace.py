"""The workspace: safe parsing of uploads, validated edits saved as store versions only."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from _toy import toy_data
from ouroboros.api import (
    DEFAULT_KEY,
    UploadTooLargeError,
    Workspace,
    dataset_slug,
    jsonable,
    parse_dataset_text,
    parse_record_text,
)
from ouroboros.errors import DatasetError, InputError
from ouroboros.model import default_ledger, load_ledger


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(store=tmp_path / "store.duckdb")


def test_default_dataset_is_listed_first(ws: Workspace) -> None:
    lg = default_ledger()
    first = ws.datasets()[0]
    assert (first.key, first.version, first.origin) == (DEFAULT_KEY, None, "bundled")
    assert (first.n_entities, first.n_instruments) == (len(lg.entities), len(lg.instruments))


def test_toy_yaml_upload_round_trips(ws: Workspace) -> None:
    text = yaml.safe_dump(toy_data(), sort_keys=False)
    key = ws.import_upload(text.encode(), "web.yaml")
    assert key == "toy-web@1"
    lg = ws.ledger(key)
    assert sorted(i.id for i in lg.instruments) == sorted(
        i["id"] for i in toy_data()["instruments"]
    )
    assert ws.info(key).origin == "upload web.yaml"


def test_json_upload(ws: Workspace) -> None:
    key = ws.import_upload(json.dumps(toy_data()).encode(), "web.json")
    assert ws.ledger(key).instrument("oai-orcl").amount == 60


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['echo hacked']",
        "meta: !!python/name:os.system {}\n",
        "".join(f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 10)}]\n" for k in range(1, 9)).replace(
            "l1: &l1 [*l0", "l0: &l0 [lol]\nl1: &l1 [*l0"
        ),
        "meta: {name: x}\nmeta: {name: y}\n",
        "meta: [unclosed\n",
    ],
    ids=["python-apply", "python-name", "billion-laughs", "duplicate-key", "syntax"],
)
def test_unsafe_or_broken_yaml_is_refused(text: str) -> None:
    with pytest.raises(DatasetError) as info:
        parse_dataset_text(text.encode(), filename="evil.yaml")
    assert info.value.problems[0].file == "evil.yaml"


def test_unbuildable_or_deep_yaml_is_a_located_problem_as_in_the_cli(tmp_path: Path) -> None:
    # a date that resolves to a timestamp but cannot be built, or a document nested past the
    # parser's depth: a located problem, as `ouroboros dataset validate` gives, not a raw error
    text = "meta: {name: x}\nentities: []\ninstruments:\n  - {id: a, start: 2025-13-45}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError) as cli:
        load_ledger(path)
    with pytest.raises(DatasetError) as upload:
        parse_dataset_text(text, filename="bad.yaml")
    (p,) = upload.value.problems
    assert (p.file, p.line) == ("bad.yaml", 4) and "invalid timestamp" in p.message
    assert p.message == cli.value.problems[0].message
    with pytest.raises(DatasetError, match="<edit>:1: invalid timestamp"):
        parse_record_text("start: 2025-13-45")
    with pytest.raises(DatasetError, match=r"deep\.yaml: the document is nested too deeply"):
        parse_dataset_text("a: " + "[" * 50_000 + "]" * 50_000, filename="deep.yaml")


def test_upload_size_limit_names_the_file(ws: Workspace) -> None:
    small = Workspace(store=ws.store, upload_limit=1_000)
    with pytest.raises(UploadTooLargeError) as info:
        small.import_upload(b"#" * 1_001, "big.yaml")
    assert info.value.field == "file" and "1,001 bytes" in str(info.value)
    assert small.store.list_datasets().empty


def test_small_aliases_are_fine_and_expand() -> None:
    text = yaml.safe_dump(toy_data())  # shares the sources list: PyYAML writes aliases
    assert "&id" in text
    assert len(parse_dataset_text(text).instruments) == len(toy_data()["instruments"])


def test_not_utf8_is_refused() -> None:
    with pytest.raises(InputError, match="not UTF-8"):
        parse_dataset_text(b"\xff\xfe\x00bad", filename="x.yaml")


def test_upload_file_name_never_becomes_a_path(ws: Workspace, tmp_path: Path) -> None:
    text = yaml.safe_dump(toy_data())
    key = ws.import_upload(text, "../../../etc/passwd.yaml")
    assert ws.info(key).origin == "upload passwd.yaml"
    # nothing but the store file was written next to the store
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.duckdb"]


def test_invalid_upload_saves_nothing(ws: Workspace) -> None:
    bad = toy_data()
    bad["instruments"][0]["amount"] = -5
    with pytest.raises(DatasetError) as info:
        ws.import_upload(json.dumps(bad).encode(), "bad.json")
    assert [(p.record, p.field) for p in info.value.problems] == [("nv-oai", "amount")]
    assert ws.store.list_datasets().empty


def test_upload_problems_carry_their_line(ws: Workspace) -> None:
    bad = toy_data()
    bad["instruments"][2]["amount"] = -1
    text = yaml.safe_dump(bad, sort_keys=False, default_flow_style=False)
    want = text.splitlines().index("  amount: -1") + 1
    with pytest.raises(DatasetError) as info:
        parse_dataset_text(text, filename="web.yaml")
    (p,) = info.value.problems
    assert (p.file, p.line, p.record, p.field) == ("web.yaml", want, "orcl-nv", "amount")


def test_edit_instrument_creates_a_new_version(ws: Workspace) -> None:
    base = ws.ledger(DEFAULT_KEY)
    rec = base.instrument("nvidia-openai-equity-loi-tranche-1").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    rec["amount"] = 12.5
    key = ws.save_record(DEFAULT_KEY, "instruments", rec, replace=rec["id"])
    assert key == f"{dataset_slug(base.meta.name)}@1"
    new = ws.ledger(key)
    assert new.instrument(rec["id"]).amount == 12.5
    assert ws.ledger(DEFAULT_KEY).instrument(rec["id"]).amount == 10  # startup one unchanged
    assert len(new.instruments) == len(base.instruments)


def test_invalid_edit_names_the_field_and_saves_nothing(ws: Workspace) -> None:
    rec = {"id": "x", "kind": "loan", "from": "nvidia", "to": "openai", "amount": -5,
           "start": "2026-01-01", "sources": ["seed-001-gate-ai-infrastructure-3t"]}  # fmt: skip
    with pytest.raises(DatasetError) as info:
        ws.save_record(DEFAULT_KEY, "instruments", rec)
    assert [(p.record, p.field) for p in info.value.problems] == [("x", "amount")]
    assert "must be >= 0, got -5" in info.value.problems[0].message
    assert ws.store.list_datasets().empty


def test_unknown_reference_is_a_problem(ws: Workspace) -> None:
    rec = {"id": "x", "kind": "loan", "from": "nobody", "to": "openai", "amount": 5,
           "start": "2026-01-01", "sources": ["no-such-source"]}  # fmt: skip
    with pytest.raises(DatasetError) as info:
        ws.save_record(DEFAULT_KEY, "instruments", rec)
    fields = {p.field for p in info.value.problems}
    assert fields == {"from", "sources"}


def test_renaming_a_used_entity_is_refused(ws: Workspace) -> None:
    rec = ws.ledger(DEFAULT_KEY).entity("oracle").model_dump(mode="json", exclude_none=True)
    rec["id"] = "oracle-2"
    with pytest.raises(DatasetError) as info:
        ws.save_record(DEFAULT_KEY, "entities", rec, replace="oracle")
    assert info.value.problems[0].field == "id"
    assert "refer to 'oracle'" in info.value.problems[0].message


def test_replace_unknown_record_and_section(ws: Workspace) -> None:
    with pytest.raises(InputError) as info:
        ws.save_record(DEFAULT_KEY, "instruments", {"id": "z"}, replace="nope")
    assert info.value.field == "id"
    with pytest.raises(InputError) as info:
        ws.save_record(DEFAULT_KEY, "sources", {"id": "z"})
    assert info.value.field == "section"


def test_unknown_dataset_key(ws: Workspace) -> None:
    with pytest.raises(InputError) as info:
        ws.ledger("nope@3")
    assert info.value.field == "dataset"


def test_record_text_must_be_a_mapping() -> None:
    assert parse_record_text("id: a\nname: A\n") == {"id": "a", "name": "A"}
    with pytest.raises(DatasetError):
        parse_record_text("- a\n- b\n")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_escape_the_error_tree(data: bytes) -> None:
    with contextlib.suppress(DatasetError, InputError):
        parse_dataset_text(data, filename="fuzz.yaml", limit=10_000)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_jsonable_is_strict_json(obj: object) -> None:
    json.dumps(jsonable(obj), allow_nan=False)
