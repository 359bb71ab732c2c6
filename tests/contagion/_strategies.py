"""Hypothesis strategies shared by the contagion tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def small_networks(
    draw: st.DrawFn, *, max_n: int = 5, max_amount: int = 20, external: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, e, l): an integer liability matrix with zero diagonal, external assets and
    external liabilities, small enough for the exhaustive oracle."""
    n = draw(st.integers(2, max_n))
    cells = draw(st.lists(st.integers(0, max_amount) | st.just(0), min_size=n * n, max_size=n * n))
    liab = np.array(cells, dtype=np.int64).reshape(n, n)
    np.fill_diagonal(liab, 0)
    e = np.array(draw(st.lists(st.integers(0, 15), min_size=n, max_size=n)), dtype=np.int64)
    if external:
        ext = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)), dtype=np.int64)
    else:
        ext = np.zeros(n, dtype=np.int64)
    return liab, e, ext
