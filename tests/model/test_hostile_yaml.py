"""Hostile YAML: alias bombs and object-building tags are refused, never run."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from ouroboros.errors import DatasetError
from ouroboros.model import load_ledger


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["meta: {name: x}", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):  # 9**9 = 387 million values once expanded
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join([*lines, "entities: []", "instruments: []"]) + "\n")
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="expands to more than"):
        load_ledger(path)
    assert time.monotonic() - t0 < 30


def test_python_object_tags_are_not_built(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("meta: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(DatasetError, match=r"YAML syntax error|YAML error"):
        load_ledger(path)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deep_nesting_is_refused_with_a_clear_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text('{"meta": ' + "[" * 500 + "]" * 500 + "}\n")  # both YAML and JSON
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # below 500 levels, whatever limit the test runner set
    try:
        with pytest.raises(DatasetError, match=rf"deep\{suffix}: the document is nested too deep"):
            load_ledger(path)
    finally:
        sys.setrecursionlimit(limit)


def test_a_nul_byte_is_a_located_problem_not_an_internal_error(tmp_path: Path) -> None:
    # PyYAML's reader refuses control characters as soon as the loader is built
    p = tmp_path / "nul.yaml"
    p.write_text("meta: {name: x}\n\0\n", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        load_ledger(p)
    (problem,) = err.value.problems
    assert problem.file == str(p)
    assert "unacceptable character #x0000" in problem.message
