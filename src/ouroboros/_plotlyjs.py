"""The partial plotly.js bundle that the dashboard serves and the report inlines.

The full plotly.js bundle that ships with the ``plotly`` Python package is 4.8 MB; in a
fresh headless Chromium on a 2-core machine it takes about 1.4 s to parse and run before the
first chart is drawn, which alone broke the dashboard's 1.5 s first-render target on an
empty browser cache. Ouroboros draws only a few trace types, so it ships plotly.js's own
per-trace modules bundled into one 1.4 MB file (``_vendor/plotly-partial.min.js``, built
by ``tools/plotly_bundle/build.mjs`` from the npm package ``plotly.js``; MIT licence, the
licences of every bundled package in ``_vendor/THIRD-PARTY-LICENSES.txt``).

A figure with a trace type outside :data:`BUNDLED_TRACES` would silently draw nothing, so
the figure builders call :func:`require_bundled` on every figure they return.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.abc import Traversable

import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "BUNDLED_TRACES",
    "PLOTLYJS_FILE",
    "bundle_header",
    "plotlyjs",
    "plotlyjs_file",
    "require_bundled",
]

#: Trace types inside the partial bundle (the same list as ``tools/plotly_bundle/build.mjs``).
BUNDLED_TRACES = frozenset({"scatter", "bar", "box", "histogram", "heatmap", "indicator", "sankey"})
PLOTLYJS_FILE = "plotly-partial.min.js"


def plotlyjs_file() -> Traversable:
    """The bundle inside the installed package."""
    return resources.files("ouroboros").joinpath("_vendor", PLOTLYJS_FILE)


@functools.cache
def plotlyjs() -> str:
    """The bundle's text (read once per process), for inlining into a self-contained page.

    Examples
    --------
    >>> plotlyjs().startswith("/*! plotly.js ")
    True
    """
    return plotlyjs_file().read_text(encoding="utf-8")


def bundle_header() -> tuple[str, frozenset[str]]:
    """The plotly.js version and the trace types the bundle's first line declares.

    Examples
    --------
    >>> version, traces = bundle_header()
    >>> traces == BUNDLED_TRACES
    True
    """
    first = plotlyjs().split("*/", 1)[0]
    version = first.split("plotly.js ", 1)[1].split(" ", 1)[0]
    traces = first.split("traces: ", 1)[1].split(".", 1)[0].split()
    return version, frozenset(traces)


def require_bundled(fig: go.Figure) -> go.Figure:
    """Return ``fig``, or raise ``ValueError`` if it uses a trace type the bundle lacks.

    Examples
    --------
    >>> require_bundled(go.Figure(go.Bar(x=[1], y=[2]))).data[0].type
    'bar'
    >>> try:
    ...     require_bundled(go.Figure(go.Pie(values=[1])))
    ... except ValueError as exc:
    ...     print(str(exc).split(" (")[0])
    trace type(s) pie are not in the partial plotly.js bundle
    """
    missing = sorted({str(t.type) for t in fig.data} - BUNDLED_TRACES)
    if missing:
        raise ValueError(
            f"trace type(s) {', '.join(missing)} are not in the partial plotly.js bundle "
            f"({', '.join(sorted(BUNDLED_TRACES))}); add them to tools/plotly_bundle/build.mjs "
            "and BUNDLED_TRACES and rebuild"
        )
    return fig
