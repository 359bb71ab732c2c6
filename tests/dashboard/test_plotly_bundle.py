"""The partial plotly.js bundle: what it declares, what it really registers, who serves it."""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from playwright.sync_api import sync_playwright

from ouroboros._plotlyjs import BUNDLED_TRACES, bundle_header, plotlyjs, require_bundled
from ouroboros.dashboard import create_app
from ouroboros.dashboard._app import PLOTLY_FULL
from ouroboros.dashboard._testing import CHROMIUM_ARGS, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "plotly_bundle"
ARGS = list(CHROMIUM_ARGS)
SUITE = f"/_dash-component-suites/plotly/package_data/{PLOTLY_FULL}"


def test_bundle_declares_the_traces_the_code_allows_and_the_pinned_version() -> None:
    version, traces = bundle_header()
    assert traces == BUNDLED_TRACES
    build = (TOOL / "build.mjs").read_text(encoding="utf-8")
    listed = re.search(r"const TRACES = \[(.*?)\];", build)
    assert listed is not None
    assert set(re.findall(r'"(\w+)"', listed.group(1))) == set(BUNDLED_TRACES)
    pinned = json.loads((TOOL / "package.json").read_text(encoding="utf-8"))
    assert pinned["devDependencies"]["plotly.js"] == version
    licences = (ROOT / "src" / "ouroboros" / "_vendor" / "THIRD-PARTY-LICENSES.txt").read_text()
    assert f"plotly.js {version} (MIT)" in licences


def test_bundle_is_much_smaller_than_plotlys_full_bundle() -> None:
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert len(plotlyjs()) < 0.4 * full.stat().st_size


def test_a_figure_outside_the_bundle_is_refused() -> None:
    with pytest.raises(ValueError, match="pie"):
        require_bundled(go.Figure(go.Pie(values=[1, 2])))
    assert require_bundled(go.Figure(go.Sankey())).data[0].type == "sankey"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(store=tmp_path_factory.mktemp("bundle") / "store.duckdb")
    with serve_in_thread(app.server) as url:
        yield url


def test_server_answers_plotlys_path_with_the_bundle_and_revalidates(base_url: str) -> None:
    with urllib.request.urlopen(base_url + SUITE) as resp:
        body = resp.read().decode("utf-8")
        etag = resp.headers["ETag"]
        assert resp.headers["Cache-Control"] == "no-cache"
        assert resp.headers["Content-Type"].startswith("application/javascript")
    assert body == plotlyjs()
    req = urllib.request.Request(base_url + SUITE, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code == 304


def test_browser_draws_with_the_bundle_and_it_registers_exactly_those_traces(
    base_url: str,
) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page()
        scripts: list[tuple[str, int]] = []
        page.on(
            "response",
            lambda r: (
                scripts.append((r.url, len(r.body())))
                if "plotly" in r.url and r.status == 200
                else None
            ),
        )
        page.goto(base_url + "/flows")
        page.wait_for_function("document.querySelector('#page .js-plotly-plot .main-svg')")
        registered = page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)")
        browser.close()
    assert set(registered) == set(BUNDLED_TRACES)
    # plotly.js came once, from the partial bundle, never plotly's own 4.8 MB file
    assert [(u.split("?")[0].removeprefix(base_url), n) for u, n in scripts] == [
        (SUITE, len(plotlyjs().encode("utf-8")))
    ]
