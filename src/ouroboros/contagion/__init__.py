"""Contagion: who fails, and who loses, when one node of a financial network breaks."""

from __future__ import annotations

from ouroboros.contagion._cascades import furfine, threshold_cascade
from ouroboros.contagion._clearing import eisenberg_noe, rogers_veraart
from ouroboros.contagion._debtrank import debtrank
from ouroboros.contagion._firesales import cont_schaanning, greenwood_landier_thesmar
from ouroboros.contagion._io import (
    ExposureNetwork,
    LiabilityNetwork,
    read_exposure_network,
    read_liability_network,
    read_shock,
)
from ouroboros.contagion._layers import LayeredClearingResult, elsinger
from ouroboros.contagion._ledger import LedgerNetwork, ledger_contagion, ledger_network
from ouroboros.contagion._losses import edge_losses
from ouroboros.contagion._results import (
    CascadeResult,
    ClearingResult,
    DebtRankResult,
    FireSaleResult,
    History,
)

__all__ = [
    "CascadeResult",
    "ClearingResult",
    "DebtRankResult",
    "ExposureNetwork",
    "FireSaleResult",
    "History",
    "LayeredClearingResult",
    "LedgerNetwork",
    "LiabilityNetwork",
    "cont_schaanning",
    "debtrank",
    "edge_losses",
    "eisenberg_noe",
    "elsinger",
    "furfine",
    "greenwood_landier_thesmar",
    "ledger_contagion",
    "ledger_network",
    "read_exposure_network",
    "read_liability_network",
    "read_shock",
    "rogers_veraart",
    "threshold_cascade",
]
