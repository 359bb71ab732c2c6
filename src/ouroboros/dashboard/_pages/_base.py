"""What a page is: a path, a title, a layout function and its callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dash
from dash.development.base_component import Component

from ouroboros.api import Workspace

__all__ = ["Page"]


@dataclass(frozen=True)
class Page:
    """One page of the dashboard.

    Attributes
    ----------
    path : str
        URL path (``"/"`` for the network map).
    title : str
        Menu label.
    layout : callable
        ``layout(workspace, dataset_key) -> Component``: the page, figures drawn (its
        callbacks do not run on first load, so the first render is one request).
    register : callable
        ``register(app, workspace)``: adds the page's callbacks.
    """

    path: str
    title: str
    layout: Callable[[Workspace, str], Component]
    register: Callable[[dash.Dash, Workspace], None]
