"""Fixtures of the circularity tests."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray


@pytest.fixture
def friends() -> tuple[NDArray[np.float64], list[str]]:
    """The three friends of seed 000 plus outside revenue to Oracle: 100 each way."""
    ids = ["nvidia", "openai", "oracle", "world"]
    m = np.zeros((4, 4))
    m[0, 1] = m[1, 2] = m[2, 0] = 100.0
    m[3, 2] = 50.0
    return m, ids
