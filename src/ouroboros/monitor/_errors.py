"""The monitor's one extra error: a data source could not be used.

It sits in the project's one exception tree (``OuroborosError``), so the CLI prints it as
``SourceError: message`` and exits 1 like every other user-facing error.
"""

from __future__ import annotations

from ouroboros.errors import OuroborosError

__all__ = ["SourceError"]


class SourceError(OuroborosError):
    """A data source (SEC EDGAR, FRED, a CSV file) failed or answered something unusable.

    Parameters
    ----------
    message : str
        What failed, for which series or company, and what to do about it.
    source : str or None
        The source id (``"sec_edgar"``, ``"fred"``...), when known.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(message)
