"""The one exception tree of Ouroboros.

Every error a user can cause is an :class:`OuroborosError`, so the CLI, the API and the
dashboard can catch exactly that and show its message; anything else is a bug::

    OuroborosError
    ├── DatasetError        a dataset file or record is invalid (carries every Problem)
    ├── InputError          a parameter, option or input table is invalid
    ├── ConvergenceError    an iterative method did not converge
    └── StoreError          the DuckDB store cannot be used
        └── StoreLockedError   another process holds the store

Examples
--------
>>> p = Problem(file="web.yaml", line=12, record="nvda-openai", field="amount",
...             message="must be a number >= 0, got -5")
>>> str(p)
'web.yaml:12: nvda-openai: amount: must be a number >= 0, got -5'
>>> err = DatasetError([p])
>>> isinstance(err, OuroborosError), len(err.problems)
(True, 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ConvergenceError",
    "DatasetError",
    "InputError",
    "OuroborosError",
    "Problem",
    "StoreError",
    "StoreLockedError",
]


class OuroborosError(Exception):
    """Base class of every error a user of Ouroboros can cause."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as the format allows.

    Parameters
    ----------
    file : str
        The file (or ``"<input>"`` for in-memory data).
    line : int or None
        1-based line number where the format gives one.
    record : str or None
        The id of the record (entity, instrument, source, row), if known.
    field : str or None
        The field within the record, dotted for nested fields.
    message : str
        What is wrong and what was expected.
    """

    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts) + ": " + self.message


class DatasetError(OuroborosError):
    """A dataset is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in dataset"
        super().__init__(head + "\n" + "\n".join(str(p) for p in self.problems))


class InputError(OuroborosError, ValueError):
    """A parameter, option or input table is invalid.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    field : str or None
        The parameter, column or field at fault, for the API's JSON errors.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class ConvergenceError(OuroborosError):
    """An iterative method did not converge within its limits."""


class StoreError(OuroborosError):
    """The DuckDB store cannot be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""
