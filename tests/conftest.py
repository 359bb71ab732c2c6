"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from _toy import toy_data
from ouroboros.model import Ledger


@pytest.fixture
def toy() -> Ledger:
    return Ledger.model_validate(toy_data())


@pytest.fixture
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("OUROBOROS_DB", str(path))
    return path
