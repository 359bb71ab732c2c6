"""Properties: load -> save -> load gives the same ledger in every format, and the
money-flow totals equal the sum of the instruments' cash flows."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ouroboros.model import INSTRUMENT_KINDS, Ledger, load_ledger, save_ledger
from ouroboros.views import money_flows

KINDS = sorted(INSTRUMENT_KINDS)
ROLES = ["hyperscaler", "model_lab", "chip_vendor", "neocloud", "spv", "private_credit"]
amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31))


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    n = draw(st.integers(2, 6))
    ids = [f"e{i}" for i in range(n)]
    entities: list[dict[str, Any]] = [
        {"id": "row", "name": "Rest of world", "roles": ["rest_of_world"]}
    ]
    for e in ids:
        ent: dict[str, Any] = {
            "id": e,
            "name": draw(st.text(min_size=1, max_size=12).filter(lambda s: s.strip() == s)),
            "roles": draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True)),
        }
        if draw(st.booleans()):
            ent["financials"] = {2025: {"revenue": draw(amounts), "sources": ["s0"]}}
        entities.append(ent)
    instruments = []
    for k in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(KINDS))
        a, b = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        if kind == "revenue":
            a = "row"
        start = draw(dates)
        inst: dict[str, Any] = {
            "id": f"i{k}", "kind": kind, "from": a, "to": b, "amount": draw(amounts),
            "start": start, "sources": ["s0"],
            "status": draw(st.sampled_from(["announced", "signed", "funded"])),
        }  # fmt: skip
        profile = draw(st.sampled_from(["bullet", "straight", "explicit"]))
        if profile == "straight":
            inst["profile"] = "straight"
            inst["end"] = start + dt.timedelta(days=draw(st.integers(0, 4000)))
        elif profile == "explicit":
            parts = draw(st.lists(amounts, min_size=1, max_size=4))
            inst["profile"] = "explicit"
            inst["cashflows"] = {start.year + j: v for j, v in enumerate(parts)}
            inst["amount"] = sum(parts)
        instruments.append(inst)
    return Ledger.model_validate(
        {
            "meta": {"name": "generated", "unit": "billion", "as_of": "2025-11-30"},
            "sources": [{"id": "s0", "title": "generated", "kind": "estimate"}],
            "entities": entities,
            "instruments": instruments,
        }
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.sampled_from(["d.yaml", "d.json", "csvdir"]))
def test_load_save_load_is_identity(ledger: Ledger, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        save_ledger(ledger, path, fmt="csv" if name == "csvdir" else None)
        again = load_ledger(path)
        assert again == ledger
        # and once more: saving what was loaded gives the same files' content back
        path2 = Path(tmp) / ("2" + name)
        save_ledger(again, path2, fmt="csv" if name == "csvdir" else None)
        assert load_ledger(path2) == ledger


@settings(max_examples=80, deadline=None)
@given(ledgers())
def test_flow_totals_equal_instrument_cash_flows(ledger: Ledger) -> None:
    statuses = ("announced", "signed", "funded")
    cash = [i for i in ledger.instruments if i.money_flow == "from_to" and i.status in statuses]
    expected = sum(i.amount for i in cash)
    fv = money_flows(ledger, statuses=statuses)
    assert np.isclose(fv.total, expected, rtol=1e-9, atol=1e-6)
    # splitting time into years loses nothing: the yearly matrices add up to the whole
    yearly = sum(money_flows(ledger, year=y, statuses=statuses).total for y in range(2020, 2052))
    assert np.isclose(yearly, expected, rtol=1e-9, atol=1e-6)
    # what each entity pays equals what the instruments say it pays
    for k, e in enumerate(fv.entities):
        paid = sum(i.amount for i in cash if i.from_ == e)
        assert np.isclose(fv.outflow[k], paid, rtol=1e-9, atol=1e-6)


def test_yaml_line_break_characters_survive(tmp_path: Path) -> None:
    for name in ("a\x85b", "c\u2028d", "e\u2029f", "g\rh"):
        lg = Ledger.model_validate({"meta": {"name": name}})
        path = save_ledger(lg, tmp_path / "n.yaml")
        assert load_ledger(path).meta.name == name
