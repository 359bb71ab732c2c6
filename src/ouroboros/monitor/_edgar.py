"""SEC EDGAR XBRL ``companyfacts``: capex and operating cash flow, trailing twelve months.

The endpoint ``https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json`` returns every
XBRL fact a filer reported, grouped as ``facts -> taxonomy -> tag -> units -> [fact]``, each
fact with ``start``/``end`` (durations), ``val``, ``accn``, ``fy``, ``fp``, ``form`` and
``filed`` (SEC, "EDGAR Application Programming Interfaces"). No key is needed, but the SEC
requires a User-Agent naming the requester with an e-mail address and allows at most ten
requests per second.

Cash-flow facts are year-to-date in 10-Qs (3, 6, 9 months) and annual in 10-Ks. The
trailing-twelve-month (TTM) value at a quarter end ``E`` of a fiscal year starting ``S`` is
``YTD(S, E) + FY(prior year) - YTD(S - 1 year, E - 1 year)``; at a fiscal year end it is the
annual fact itself. When a period was reported more than once, the latest filing wins.

Capex is not filed under one tag by everyone: most filers use
``PaymentsToAcquirePropertyPlantAndEquipment``, others ``PaymentsToAcquireProductiveAssets``
(and a few other tags). For each filer the connector computes the TTM series of every
candidate tag present and keeps the tag whose data run latest (ties go to the earlier
candidate); the tag is written into every observation's source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ouroboros.monitor._config import MonitorConfig, config_path
from ouroboros.monitor._errors import SourceError
from ouroboros.monitor._http import JsonClient

__all__ = [
    "CONCEPT_TAGS",
    "ConceptSeries",
    "EdgarClient",
    "concept_ttm",
    "ttm_from_facts",
]

CONCEPT_TAGS: dict[str, tuple[str, ...]] = {
    "capex": (
        "PaymentsToAcquirePropertyPlantAndEquipment",
        "PaymentsToAcquireProductiveAssets",
        "PaymentsForCapitalImprovements",
        "PaymentsToAcquireOtherPropertyPlantAndEquipment",
    ),
    "operating_cash_flow": (
        "NetCashProvidedByUsedInOperatingActivities",
        "NetCashProvidedByUsedInOperatingActivitiesContinuingOperations",
    ),
}
_FORMS = ("10-K", "10-Q", "10-K/A", "10-Q/A", "10-KT", "10-KT/A")
_TOL = np.timedelta64(10, "D")


@dataclass(frozen=True)
class ConceptSeries:
    """A TTM series for one filer and concept, with the tag it came from."""

    cik: int
    entity: str
    concept: str
    tag: str
    values: pd.Series  # US$, indexed by period end (Timestamp), sorted
    candidates: tuple[str, ...]

    @property
    def source(self) -> str:
        """Citation written next to each observation."""
        return (
            f"SEC EDGAR companyfacts CIK{self.cik:010d} ({self.entity}) us-gaap:{self.tag}, "
            "trailing 12 months from 10-K/10-Q"
        )


def _facts_frame(facts: Sequence[Any], where: str) -> pd.DataFrame:
    rows = []
    for k, f in enumerate(facts):
        if not isinstance(f, Mapping):
            raise SourceError(f"SEC EDGAR: {where}: fact {k} is not an object")
        if f.get("form") not in _FORMS or not f.get("start"):
            continue
        try:
            rows.append(
                (
                    pd.Timestamp(str(f["start"])),
                    pd.Timestamp(str(f["end"])),
                    float(f["val"]),
                    str(f.get("filed") or ""),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(
                f"SEC EDGAR: {where}: fact {k} is malformed ({type(exc).__name__}: {exc}); "
                "expected start, end, val, form and filed"
            ) from None
    df = pd.DataFrame(rows, columns=["start", "end", "val", "filed"])
    if df.empty:
        return df
    # a period reported in several filings (comparatives, restatements): the latest wins
    df = df.sort_values(["filed"], kind="stable").drop_duplicates(["start", "end"], keep="last")
    df["days"] = (df["end"] - df["start"]).dt.days + 1
    return df.reset_index(drop=True)


def ttm_from_facts(facts: Sequence[Any], *, where: str = "facts") -> pd.Series:
    """Trailing-twelve-month values from a tag's duration facts (10-K and 10-Q).

    Parameters
    ----------
    facts : sequence of mappings
        ``units["USD"]`` of one tag of a companyfacts document.
    where : str
        Named in error messages.

    Returns
    -------
    pandas.Series
        TTM values (in the facts' unit) indexed by period end, sorted.

    Examples
    --------
    A fiscal year to June 2024 of 44, a first quarter of 15 against 10 a year earlier:

    >>> def fact(start, end, val, form, filed):
    ...     return {"start": start, "end": end, "val": val, "form": form, "filed": filed}
    >>> facts = [
    ...     fact("2023-07-01", "2024-06-30", 44, "10-K", "2024-07-30"),
    ...     fact("2023-07-01", "2023-09-30", 10, "10-Q", "2023-10-24"),
    ...     fact("2024-07-01", "2024-09-30", 15, "10-Q", "2024-10-30"),
    ... ]
    >>> ttm_from_facts(facts).to_dict()
    {Timestamp('2024-06-30 00:00:00'): 44.0, Timestamp('2024-09-30 00:00:00'): 49.0}
    """
    df = _facts_frame(facts, where)
    if df.empty:
        return pd.Series(dtype=float)
    annual = df[(df["days"] >= 350) & (df["days"] <= 380)]
    ytd = df[df["days"] < 350]
    out: dict[pd.Timestamp, float] = dict(zip(annual["end"], annual["val"], strict=True))
    if len(ytd) and len(annual):
        a_end = annual["end"].to_numpy()
        a_val = annual["val"].to_numpy()
        y_start = ytd["start"].to_numpy()
        y_end = ytd["end"].to_numpy()
        y_val = ytd["val"].to_numpy()
        one_year = np.timedelta64(365, "D")
        # prior fiscal year ends the day before this year's start
        d_a = np.abs(a_end[None, :] - (y_start[:, None] - np.timedelta64(1, "D")))
        # comparable period one year earlier: same length, start and end a year before
        d_s = np.abs(y_start[None, :] - (y_start[:, None] - one_year))
        d_e = np.abs(y_end[None, :] - (y_end[:, None] - one_year))
        has_a = d_a.min(axis=1) <= _TOL
        ia = d_a.argmin(axis=1)
        both = np.maximum(d_s, d_e)
        has_p = both.min(axis=1) <= _TOL
        ip = both.argmin(axis=1)
        ok = has_a & has_p
        ttm = y_val + a_val[ia] - y_val[ip]
        for e, v in zip(y_end[ok], ttm[ok], strict=True):
            out.setdefault(pd.Timestamp(e), float(v))
    return pd.Series(out, dtype=float).sort_index()


def _us_gaap(company: Any, cik: int) -> Mapping[str, Any]:
    if not isinstance(company, Mapping) or not isinstance(company.get("facts"), Mapping):
        raise SourceError(
            f"SEC EDGAR: company facts of CIK{cik:010d}: malformed response, expected an object "
            "with 'facts'",
            source="sec_edgar",
        )
    gaap = company["facts"].get("us-gaap")
    if not isinstance(gaap, Mapping):
        raise SourceError(
            f"SEC EDGAR: company facts of CIK{cik:010d}: no us-gaap facts in the response",
            source="sec_edgar",
        )
    return gaap


def concept_ttm(
    company: Any, cik: int, concept: str, tags: Sequence[str] | None = None
) -> ConceptSeries:
    """Pick the tag for ``concept`` in a companyfacts document and return its TTM series.

    Parameters
    ----------
    company : mapping
        A parsed companyfacts document.
    cik : int
        The filer, for messages.
    concept : {"capex", "operating_cash_flow"}
        Which concept; its candidate tags are :data:`CONCEPT_TAGS`.
    tags : sequence of str, optional
        Candidate tags to use instead, in order of preference.

    Raises
    ------
    SourceError
        When none of the candidate tags has usable US$ facts.
    """
    gaap = _us_gaap(company, cik)
    candidates = tuple(tags) if tags else CONCEPT_TAGS[concept]
    best: tuple[pd.Timestamp, int, str, pd.Series] | None = None
    for rank, tag in enumerate(candidates):
        entry = gaap.get(tag)
        if entry is None:
            continue
        units = entry.get("units") if isinstance(entry, Mapping) else None
        if not isinstance(units, Mapping) or not isinstance(units.get("USD"), list):
            raise SourceError(
                f"SEC EDGAR: CIK{cik:010d} us-gaap:{tag}: malformed entry, expected "
                "units.USD to be a list of facts",
                source="sec_edgar",
            )
        series = ttm_from_facts(units["USD"], where=f"CIK{cik:010d} us-gaap:{tag}")
        if series.empty:
            continue
        key = (series.index[-1], -rank)
        if best is None or key > (best[0], -best[1]):
            best = (series.index[-1], rank, tag, series)
    if best is None:
        raise SourceError(
            f"SEC EDGAR: CIK{cik:010d}: no 10-K/10-Q duration facts for {concept} under any of "
            f"{', '.join(candidates)}; set fetch.tags in the registry to the filer's tag",
            source="sec_edgar",
        )
    entity = str(company.get("entityName") or f"CIK{cik:010d}")
    return ConceptSeries(cik, entity, concept, best[2], best[3], candidates)


class EdgarClient:
    """Fetches company facts from SEC EDGAR with the configured User-Agent.

    Raises
    ------
    SourceError
        At construction, when the User-Agent is missing or lacks a name and e-mail.
    """

    def __init__(self, config: MonitorConfig) -> None:
        problem = config.user_agent_problem()
        if problem:
            raise SourceError(
                f"SEC EDGAR: {problem}. The SEC asks every client to identify itself: set "
                "OUROBOROS_SEC_USER_AGENT='Your Name you@example.org' or [sec] user_agent in "
                f"{config.source_file or config_path()}",
                source="sec_edgar",
            )
        assert config.sec_user_agent is not None
        self.http = JsonClient(
            "SEC EDGAR",
            config.sec_base_url,
            headers={"User-Agent": config.sec_user_agent.strip()},
            rate_per_second=min(config.sec_rate_per_second, 10.0),
            source="sec_edgar",
            **config.http_options("sec"),
        )

    def company_facts(self, cik: int) -> Any:
        """The companyfacts document of ``cik``."""
        return self.http.get_json(
            f"/api/xbrl/companyfacts/CIK{cik:010d}.json", what=f"company facts of CIK{cik:010d}"
        )
