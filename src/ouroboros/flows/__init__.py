"""Circularity: how much of the money in a web goes round a loop, and where.

Methods, each citing its source in its docstring:

* :func:`maximal_circulation`: the largest circular part with every net position
  unchanged (MTCS; Fleischman & Dini 2021), exact on integer cents with OR-Tools.
* :func:`bff_circulation`: Balanced Flow Forwarding, the unique locally fair circular part
  (Homs-Dones, MacKay, Sansom & Zhou 2025).
* :func:`circular_inflow_range`: each entity's circular inflow, least and largest over all
  maximal solutions.
* :func:`open_system`: return probabilities and Finn's cycling index with the rest of the
  world as boundary (Finn 1980; Allesina & Ulanowicz 2004).
* :func:`top_cycles`: the largest loops of a circular part.
* :func:`circularity_report` / :func:`analyse_circularity`: all of the above for a ledger
  or a flow matrix (``ouroboros loops``).
* :func:`read_obligations` / :func:`clear_obligations`: multilateral set-off of any
  obligation network (``ouroboros clear``).
"""

from __future__ import annotations

from ouroboros.flows._bff import bff_circulation
from ouroboros.flows._clearing import (
    ClearingResult,
    clear_obligations,
    read_obligations,
    write_clearing,
)
from ouroboros.flows._cycles import top_cycles
from ouroboros.flows._maximal import maximal_circulation
from ouroboros.flows._open import OpenSystem, open_system
from ouroboros.flows._range import circular_inflow_range
from ouroboros.flows._report import (
    METHODS,
    CircularityReport,
    analyse_circularity,
    circularity_report,
)
from ouroboros.flows._result import Circulation

__all__ = [
    "METHODS",
    "CircularityReport",
    "Circulation",
    "ClearingResult",
    "OpenSystem",
    "analyse_circularity",
    "bff_circulation",
    "circular_inflow_range",
    "circularity_report",
    "clear_obligations",
    "maximal_circulation",
    "open_system",
    "read_obligations",
    "top_cycles",
    "write_clearing",
]
