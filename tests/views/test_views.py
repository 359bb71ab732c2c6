"""The views on a hand-made ledger whose matrices were computed by hand (see conftest)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ouroboros.errors import InputError
from ouroboros.model import Ledger
from ouroboros.views import balance_sheets, claims, money_flows

# index order: rest-of-world, nvidia, openai, oracle, bank
ROW, NV, OAI, ORCL, BANK = range(5)


def test_flow_matrix_2026_by_hand(toy: Ledger) -> None:
    fv = money_flows(toy, year=2026)
    expected = np.zeros((5, 5))
    expected[NV, OAI] = 100.0
    expected[OAI, ORCL] = 60.0 * 365 / 730
    expected[ORCL, NV] = 25.0
    expected[ROW, OAI] = 12.0
    assert fv.entities == ["rest-of-world", "nvidia", "openai", "oracle", "bank"]
    assert_allclose(fv.matrix.toarray(), expected)
    assert_allclose(fv.inflow, expected.sum(axis=0))
    assert fv.total == pytest.approx(167.0)


def test_flow_matrix_2027_and_announced(toy: Ledger) -> None:
    fv = money_flows(toy, year=2027)
    assert fv.matrix[OAI, ORCL] == pytest.approx(30.0)
    assert fv.matrix[ORCL, NV] == pytest.approx(15.0)
    assert fv.matrix[NV, OAI] == 0.0
    fv26 = money_flows(toy, year=2026, include_announced=True)
    assert fv26.matrix[NV, OAI] == pytest.approx(190.0)


def test_date_range_and_kind_filters(toy: Ledger) -> None:
    fv = money_flows(toy, start=dt.date(2026, 1, 1), end=dt.date(2026, 7, 2))
    # 182 days of the 730-day compute contract; explicit 2026 flow pro-rated by 182/365
    assert fv.matrix[OAI, ORCL] == pytest.approx(60.0 * 182 / 730)
    assert fv.matrix[ORCL, NV] == pytest.approx(25.0 * 182 / 365)
    no_equity = money_flows(toy, year=2026, exclude_kinds=["equity_investment"])
    assert no_equity.matrix[NV, OAI] == 0.0
    only_loans = money_flows(toy, kinds=["loan"])
    assert only_loans.total == pytest.approx(18.0)


def test_all_time_flow_excludes_contingent_and_no_cash(toy: Ledger) -> None:
    fv = money_flows(toy)
    # equity 100 + compute 60 + hardware 40 + revenue 12 + loan 18; backstop is contingent
    assert fv.total == pytest.approx(230.0)
    per_instrument = fv.instrument_flows.set_index("instrument")["amount"]
    assert "nv-orcl-backstop" not in per_instrument.index
    assert per_instrument.sum() == pytest.approx(fv.total)


def test_bad_filters_raise_input_error(toy: Ledger) -> None:
    with pytest.raises(InputError, match="unknown status 'maybe'"):
        money_flows(toy, statuses=["maybe"])
    with pytest.raises(InputError, match="unknown instrument kind 'swap'"):
        money_flows(toy, kinds=["swap"])
    with pytest.raises(InputError, match="either a year or"):
        money_flows(toy, year=2026, start=dt.date(2026, 1, 1))
    with pytest.raises(InputError, match="must be after start"):
        money_flows(toy, start=dt.date(2026, 1, 1), end=dt.date(2025, 1, 1))


def test_claims_by_seniority_by_hand(toy: Ledger) -> None:
    cv = claims(toy)
    secured = np.zeros((5, 5))
    secured[ORCL, BANK] = 18.0  # oracle owes the bank
    senior = np.zeros((5, 5))
    senior[OAI, ORCL] = 60.0  # openai owes oracle the compute contract
    senior[ORCL, NV] = 40.0  # oracle owes nvidia for the chips
    assert_allclose(cv.by_seniority[0].toarray(), secured)
    assert_allclose(cv.by_seniority[1].toarray(), senior)
    assert cv.by_seniority[2].nnz == 0
    assert_allclose(cv.liabilities.toarray(), secured + senior)
    stakes = np.zeros((5, 5))
    stakes[OAI, NV] = 0.02  # 2% of openai held by nvidia
    assert_allclose(cv.equity_stakes.toarray(), stakes)
    assert_allclose(cv.owed, (secured + senior).sum(axis=1))


def test_claims_as_of_counts_only_what_is_still_due(toy: Ledger) -> None:
    cv = claims(toy, as_of=dt.date(2027, 1, 1))
    assert cv.by_seniority[1][OAI, ORCL] == pytest.approx(30.0)  # one year of two left
    assert cv.by_seniority[1][ORCL, NV] == pytest.approx(15.0)  # the 2027 instalment
    assert cv.by_seniority[0][ORCL, BANK] == pytest.approx(18.0)  # debt is owed in full


def test_contingent_claims_only_on_request(toy: Ledger) -> None:
    assert "nv-orcl-backstop" not in set(claims(toy).table["instrument"])
    cv = claims(toy, include_contingent=True)
    row = cv.table.set_index("instrument").loc["nv-orcl-backstop"]
    assert (row["debtor"], row["creditor"], bool(row["contingent"])) == ("nvidia", "oracle", True)
    assert cv.by_seniority[1][NV, ORCL] == pytest.approx(6.0)


def test_balance_sheets_nan_where_unknown(toy: Ledger) -> None:
    bs = balance_sheets(toy, 2025)
    assert list(bs.index) == toy.entity_ids
    assert bs["revenue"].isna().all()
