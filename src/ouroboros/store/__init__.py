"""DuckDB persistence for datasets (with versions), runs and their results."""

from __future__ import annotations

from ouroboros.store._duckdb import DatasetVersion, Run, Store, default_store_path

__all__ = ["DatasetVersion", "Run", "Store", "default_store_path"]
