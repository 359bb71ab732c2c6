"""Alert rules: which crossings of the thermometer to report.

A rule file (YAML; the bundled one is ``ouroboros/data/monitor/alerts.yaml``)::

    rules:
      - id: composite-red
        when: composite          # composite | gauge | indicator | gauges_in_red
        status: red              # fires when the status is at least amber/red
      - id: oracle-cds-150
        when: indicator
        target: oracle_cds_5y
        above: 150               # or below: X
        trigger: cross           # level (default): fires while true; cross: only when it
                                 # became true at the latest point
      - id: two-gauges-red
        when: gauges_in_red
        at_least: 2

``ouroboros monitor check`` exits with code 2 when a rule fires (0 otherwise, 1 on error).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ouroboros._problems import ProblemCollector, lines_by_path
from ouroboros._yamldoc import parse_yaml
from ouroboros.monitor._registry import GAUGES, Registry, default_registry, read_text
from ouroboros.monitor._thermometer import STATUS_NAMES, Thermometer

__all__ = ["AlertRule", "default_rules", "default_rules_path", "evaluate_alerts", "load_rules"]


class _RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    when: Literal["composite", "gauge", "indicator", "gauges_in_red"]
    target: str | None = None
    status: Literal["amber", "red"] | None = None
    above: float | None = Field(default=None, allow_inf_nan=False)
    below: float | None = Field(default=None, allow_inf_nan=False)
    at_least: int | None = Field(default=None, ge=1)
    trigger: Literal["level", "cross"] = "level"
    message: str | None = None


class _RuleFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Any]


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One validated rule (see the module docstring)."""

    id: str
    when: str
    target: str | None
    condition: str  # "status", "above", "below" or "at_least"
    threshold: Any
    trigger: str = "level"
    message: str | None = None

    def holds(self, value: float | None, status: str | None) -> bool:
        """Whether the condition is true for ``value`` / ``status``."""
        if self.condition == "status":
            if status not in STATUS_NAMES:
                return False
            return STATUS_NAMES.index(status) >= STATUS_NAMES.index(self.threshold)
        if value is None or value != value:
            return False
        if self.condition == "above":
            return bool(value > self.threshold)
        if self.condition == "below":
            return bool(value < self.threshold)
        return bool(value >= self.threshold)

    def describe(self) -> str:
        """The condition in words."""
        what = self.when if self.target is None else f"{self.when} {self.target}"
        cond = {
            "status": "status is at least",
            "above": "is above",
            "below": "is below",
            "at_least": "is at least",
        }[self.condition]
        return f"{what} {cond} {self.threshold}" + (" (newly)" if self.trigger == "cross" else "")


def default_rules_path() -> Path:
    """The bundled rule file."""
    return Path(str(resources.files("ouroboros").joinpath("data", "monitor", "alerts.yaml")))


def load_rules(path: str | Path | None = None, registry: Registry | None = None) -> list[AlertRule]:
    """Load and check a rule file (the bundled one by default) against ``registry``.

    Raises
    ------
    DatasetError
        Listing every problem with its file and line.

    Examples
    --------
    >>> [r.id for r in load_rules()][:2]
    ['composite-red', 'two-gauges-red']
    """
    reg = registry if registry is not None else default_registry()
    p = Path(path) if path is not None else default_rules_path()
    doc = parse_yaml(read_text(p, "the rule file", "rules"), str(p))
    data = doc.data
    col = ProblemCollector(doc.file, lines_by_path(doc), data=data)
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        col.add((), "a rule file must be a mapping with a 'rules' list")
        col.raise_if_any()
    col.validate(_RuleFileIn, data)  # unknown top-level keys
    rules: list[AlertRule] = []
    seen: dict[str, int] = {}
    for k, raw in enumerate(data["rules"]):
        where = ("rules", str(k))
        m = col.validate(_RuleIn, raw, at=where)
        if m is None:
            continue
        if m.id in seen:
            message = f"duplicated rule id (first at line {seen[m.id]})"
            col.add((*where, "id"), message, record=m.id, field="id")
        seen.setdefault(m.id, col.line(where) or 0)
        conds = [c for c in ("status", "above", "below", "at_least") if getattr(m, c) is not None]
        if len(conds) != 1:
            col.add(where, "give exactly one of status, above, below, at_least", record=m.id)
            continue
        cond = conds[0]
        if (cond == "at_least") != (m.when == "gauges_in_red"):
            message = "at_least goes with when: gauges_in_red, and only with it"
            col.add(where, message, record=m.id)
            continue
        target = (*where, "target")
        if m.when in ("gauge", "indicator"):
            if not m.target:
                col.add(where, f"when: {m.when} needs a target", record=m.id)
                continue
            if m.when == "gauge" and m.target not in GAUGES:
                message = f"unknown gauge {m.target!r}; expected one of {', '.join(GAUGES)}"
                col.add(target, message, record=m.id, field="target")
                continue
            if m.when == "indicator" and m.target not in reg:
                col.add(target, f"unknown indicator {m.target!r}", record=m.id, field="target")
                continue
        elif m.target:
            col.add(target, f"when: {m.when} takes no target", record=m.id, field="target")
            continue
        rules.append(
            AlertRule(m.id, m.when, m.target, cond, getattr(m, cond), m.trigger, m.message)
        )
    col.raise_if_any()
    return rules


def default_rules() -> list[AlertRule]:
    """The bundled rules."""
    return load_rules()


def _two_last(values: list[Any]) -> tuple[Any, Any]:
    cur = values[-1] if values else None
    prev = values[-2] if len(values) > 1 else None
    return cur, prev


def evaluate_alerts(
    thermometer: Thermometer, rules: list[AlertRule], registry: Registry | None = None
) -> pd.DataFrame:
    """Evaluate ``rules`` on the thermometer's latest and previous points.

    Returns
    -------
    pandas.DataFrame
        One row per rule: ``id, when, target, condition, fired, value, previous, status,
        date, message``. ``previous`` is the value at the previous grid date (composite,
        gauges) or the previous observation (indicators).

    Examples
    --------
    >>> from ouroboros.monitor import bundled_history, thermometer
    >>> t = thermometer(bundled_history())
    >>> a = evaluate_alerts(t, load_rules())
    >>> bool(a.set_index("id").loc["two-gauges-red", "fired"])
    True
    """
    reg = registry if registry is not None else default_registry()
    rows = []
    comp = thermometer.composite
    for r in rules:
        date = thermometer.as_of
        if r.when in ("composite", "gauges_in_red"):
            col = "ciss" if r.when == "composite" else "gauges_in_red"
            vals = [float(x) for x in comp[col].tolist()]
            stats = comp["status"].tolist() if r.when == "composite" else [None] * len(vals)
        elif r.when == "gauge":
            gh = thermometer.gauge_history
            gh = gh[gh["gauge"] == r.target]
            vals = [float(x) for x in gh["score"].tolist()]
            stats = gh["status"].tolist()
        else:
            s = thermometer.series
            s = s[s["indicator"] == r.target]
            ind = reg[str(r.target)]
            vals = [float(x) for x in s["value"].tolist()]
            stats = [ind.status(v) for v in vals]
            date = s["date"].iloc[-1] if len(s) else None
        (v, pv), (st, pst) = _two_last(vals), _two_last(stats)
        now = r.holds(v, st)
        before = r.holds(pv, pst) if pv is not None or pst is not None else False
        fired = now and (r.trigger == "level" or not before)
        rows.append(
            {
                "id": r.id,
                "when": r.when,
                "target": r.target,
                "condition": r.describe(),
                "fired": bool(fired),
                "value": np.nan if v is None else v,
                "previous": np.nan if pv is None else pv,
                "status": st,
                "date": date,
                "message": (r.message or r.describe()) if fired else "",
            }
        )
    cols = [
        "id",
        "when",
        "target",
        "condition",
        "fired",
        "value",
        "previous",
        "status",
        "date",
        "message",
    ]
    return pd.DataFrame(rows, columns=cols)
