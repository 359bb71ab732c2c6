"""Ouroboros: model, measure, stress and watch the money web behind AI infrastructure.

>>> import ouroboros
>>> ouroboros.__version__
'0.1.0'
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
