"""The ledger model: entities, instruments, sources; loading, validation and saving.

Public names are re-exported here from private modules.
"""

from __future__ import annotations

from ouroboros.model._io import (
    DEFAULT_DATASET,
    default_dataset_path,
    default_ledger,
    dumps_ledger,
    ledger_from_data,
    load_ledger,
    save_ledger,
)
from ouroboros.model._ledger import Ledger, cross_reference_problems
from ouroboros.model._schema import (
    FINANCIAL_FIELDS,
    INSTRUMENT_KINDS,
    ROLES,
    STATUSES,
    UNIT_SCALES,
    Bond,
    CapacityBackstop,
    ClaimSpec,
    ComputeContract,
    CreditFacility,
    Distribution,
    Entity,
    EquityInvestment,
    Financials,
    Guarantee,
    HardwarePurchase,
    Instrument,
    InstrumentBase,
    Lease,
    Loan,
    Meta,
    Revenue,
    Seniority,
    Source,
    Warrant,
)
from ouroboros.model._summary import LedgerSummary, summarize

__all__ = [
    "DEFAULT_DATASET",
    "FINANCIAL_FIELDS",
    "INSTRUMENT_KINDS",
    "ROLES",
    "STATUSES",
    "UNIT_SCALES",
    "Bond",
    "CapacityBackstop",
    "ClaimSpec",
    "ComputeContract",
    "CreditFacility",
    "Distribution",
    "Entity",
    "EquityInvestment",
    "Financials",
    "Guarantee",
    "HardwarePurchase",
    "Instrument",
    "InstrumentBase",
    "Lease",
    "Ledger",
    "LedgerSummary",
    "Loan",
    "Meta",
    "Revenue",
    "Seniority",
    "Source",
    "Warrant",
    "cross_reference_problems",
    "default_dataset_path",
    "default_ledger",
    "dumps_ledger",
    "ledger_from_data",
    "load_ledger",
    "save_ledger",
    "summarize",
]
