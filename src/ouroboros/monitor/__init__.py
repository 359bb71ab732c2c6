"""The risk thermometer: live indicators, five gauges, one composite, alerts.

Indicators (a YAML registry) come from SEC EDGAR company facts, FRED, CSV imports, other
indicators (derived) or the ledger. Each is standardised by its empirical CDF, averaged
into five gauges and combined into one composite with correlation-aware weights, as in
the ECB's CISS (Holló, Kremer & Lo Duca, ECB Working Paper 1426, 2012). A recorded history
of published figures ships with the package, so the thermometer works offline.

* Data: :func:`load_registry`, :func:`bundled_history`, :func:`load_observations`,
  :func:`update` (fetch and store), :func:`import_csv`.
* Method: :func:`ecdf_scores`, :func:`ewma_correlations`, :func:`ciss_composite`,
  :func:`thermometer`, :func:`indicator_series`.
* Alerts: :func:`load_rules`, :func:`evaluate_alerts`.

Examples
--------
>>> from ouroboros.monitor import bundled_history, thermometer
>>> t = thermometer(bundled_history())
>>> sorted(t.gauges["name"]) == sorted(GAUGES)
True
>>> t.latest()["gauges_in_red"] >= 0
True
"""

from __future__ import annotations

from ouroboros.monitor._alerts import (
    AlertRule,
    default_rules,
    default_rules_path,
    evaluate_alerts,
    load_rules,
)
from ouroboros.monitor._ciss import ciss_composite, ecdf_scores, ewma_correlations
from ouroboros.monitor._config import MonitorConfig, config_path, load_config
from ouroboros.monitor._csvimport import UNIT_CONVERSIONS, read_indicator_csv
from ouroboros.monitor._derive import as_of, derive, doubling_time, growth_rate
from ouroboros.monitor._edgar import (
    CONCEPT_TAGS,
    ConceptSeries,
    EdgarClient,
    concept_ttm,
    ttm_from_facts,
)
from ouroboros.monitor._errors import SourceError
from ouroboros.monitor._fred import FredClient, fred_unit_factor, parse_observations
from ouroboros.monitor._history import (
    bundled_history,
    bundled_history_path,
    fetch_log,
    load_observations,
    stored_observations,
)
from ouroboros.monitor._http import JsonClient, RateLimiter
from ouroboros.monitor._ledgerind import customer_concentration, take_or_pay_share
from ouroboros.monitor._registry import (
    DIRECTIONS,
    FREQUENCIES,
    GAUGES,
    SOURCES,
    UNITS,
    CompositeSpec,
    DerivedSpec,
    EdgarSpec,
    FredSpec,
    GaugeSpec,
    Indicator,
    LedgerSpec,
    Registry,
    default_registry,
    default_registry_path,
    load_registry,
)
from ouroboros.monitor._thermometer import STATUS_NAMES, Thermometer, indicator_series, thermometer
from ouroboros.monitor._update import ImportReport, ProgressHook, UpdateReport, import_csv, update

__all__ = [
    "CONCEPT_TAGS",
    "DIRECTIONS",
    "FREQUENCIES",
    "GAUGES",
    "SOURCES",
    "STATUS_NAMES",
    "UNITS",
    "UNIT_CONVERSIONS",
    "AlertRule",
    "CompositeSpec",
    "ConceptSeries",
    "DerivedSpec",
    "EdgarClient",
    "EdgarSpec",
    "FredClient",
    "FredSpec",
    "GaugeSpec",
    "ImportReport",
    "Indicator",
    "JsonClient",
    "LedgerSpec",
    "MonitorConfig",
    "ProgressHook",
    "RateLimiter",
    "Registry",
    "SourceError",
    "Thermometer",
    "UpdateReport",
    "as_of",
    "bundled_history",
    "bundled_history_path",
    "ciss_composite",
    "concept_ttm",
    "config_path",
    "customer_concentration",
    "default_registry",
    "default_registry_path",
    "default_rules",
    "default_rules_path",
    "derive",
    "doubling_time",
    "ecdf_scores",
    "evaluate_alerts",
    "ewma_correlations",
    "fetch_log",
    "fred_unit_factor",
    "growth_rate",
    "import_csv",
    "indicator_series",
    "load_config",
    "load_observations",
    "load_registry",
    "load_rules",
    "parse_observations",
    "read_indicator_csv",
    "stored_observations",
    "take_or_pay_share",
    "thermometer",
    "ttm_from_facts",
    "update",
]
