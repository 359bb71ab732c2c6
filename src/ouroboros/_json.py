"""Plain JSON values from results: numpy scalars, DataFrames, dates, NaN as ``null``.

Shared by the CLI (``--format json``), the JSON API and the report."""

from __future__ import annotations

import datetime as dt
import json
import math
from enum import Enum
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps", "jsonable"]


def jsonable(obj: Any) -> Any:
    """Turn a result into strict JSON values (NaN and infinities become ``None``).

    >>> jsonable({"a": np.float64(1.5), "b": float("nan"), "d": dt.date(2026, 1, 2)})
    {'a': 1.5, 'b': None, 'd': '2026-01-02'}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return [jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return jsonable(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float):
        return None if (math.isnan(obj) or math.isinf(obj)) else obj
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return jsonable(obj.value) if not isinstance(obj.value, int) else obj.name
    if isinstance(obj, PurePath):
        return str(obj)
    return obj


def dumps(obj: Any) -> str:
    """Strict JSON text of ``obj``."""
    return json.dumps(jsonable(obj), ensure_ascii=False, allow_nan=False)
