"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

One server (a thread on a free 127.0.0.1 port) and one browser serve the whole module.
Every page must load with no console error and no request leaving this machine; moving a
slider or picking a scenario must redraw its chart; an invalid edit must show its error;
the HTML report must open offline.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ouroboros.dashboard import PAGES, create_app
from ouroboros.dashboard._testing import CHROMIUM_ARGS, serve_in_thread
from ouroboros.model import default_ledger
from ouroboros.report import write_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = list(CHROMIUM_ARGS)
LOCAL = {"127.0.0.1", "localhost"}
SETTLED = "document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0"
DRAWN = (
    "Array.from(document.querySelectorAll('#page .dash-graph'))"
    ".every(g => g.querySelector('.js-plotly-plot .main-svg'))"
)

pytestmark = pytest.mark.filterwarnings("ignore:(?s).*DataTable will be removed:DeprecationWarning")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(store=tmp_path_factory.mktemp("browser") / "store.duckdb")
    with serve_in_thread(app.server) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watched:
    page: Page
    errors: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.remote == [], self.remote


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    w = Watched(page)

    def on_request(req: Any) -> None:
        host = urlsplit(req.url).hostname
        if req.url.startswith(("data:", "blob:", "about:", "file:")):
            return
        if host not in LOCAL:
            w.remote.append(req.url)

    page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: w.errors.append(str(e)))
    page.on("request", on_request)
    try:
        yield w
    finally:
        page.close()


def _open(w: Watched, url: str) -> None:
    w.page.goto(url)
    w.page.wait_for_selector("#page h2", timeout=30_000)
    w.page.wait_for_function(SETTLED, timeout=30_000)
    w.page.wait_for_function(DRAWN, timeout=30_000)


def _plot_data(page: Page, graph_id: str, trace: int = 0, axis: str = "y") -> list[float]:
    values: list[float] = page.evaluate(
        f"() => Array.from(document.querySelector('#{graph_id} .js-plotly-plot')"
        f"._fullData[{trace}].{axis}, v => v === null ? NaN : Number(v))"
    )
    return values


def test_every_page_loads_clean(watched: Watched, base_url: str) -> None:
    page = watched.page
    for p in PAGES:
        _open(watched, base_url + p.path)
        assert page.inner_text("#page h2")
        assert page.locator(f"#nav-{p.path.strip('/') or 'network'}.active").count() == 1
        if p.path not in ("/", "/data"):
            assert page.locator("#page .js-plotly-plot .main-svg").count() >= 1
        assert page.locator("#page .error-box").count() == 0
        watched.clean()
    # the network map is drawn on a canvas by Cytoscape
    _open(watched, base_url + "/")
    assert page.locator("#net-graph canvas").count() >= 1
    watched.clean()


def test_slider_redraws_the_dscr_chart(watched: Watched, base_url: str) -> None:
    page = watched.page
    _open(watched, base_url + "/deals")
    page.click("#deal-pick")
    page.get_by_role("option", name="hyperion").click()
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(300)
    before = min(v for v in _plot_data(page, "deal-dscr") if v == v)
    # click the rent slider's track at about 40% of its length (0.6x of base rents)
    track = page.locator("#deal-rent").bounding_box()
    assert track is not None
    with page.expect_response(lambda r: "_dash-update-component" in r.url) as resp:
        page.mouse.click(track["x"] + 0.4 * track["width"], track["y"] + track["height"] / 2)
    assert resp.value.status == 200 and "app;dur=" in resp.value.headers["server-timing"]
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(300)
    after = min(v for v in _plot_data(page, "deal-dscr") if v == v)
    assert after < 0.8 * before
    assert page.inner_text("#deal-kpis").count("x") >= 2
    watched.clean()


def test_scenario_checkbox_redraws_the_layers_heatmap(watched: Watched, base_url: str) -> None:
    page = watched.page
    _open(watched, base_url + "/markets")
    z_before = page.evaluate(
        "() => document.querySelector('#lay-heat .js-plotly-plot')"
        "._fullData[0].z.map(r => Array.from(r))"
    )
    page.get_by_text("strategic default: tenants walk away").click()
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(300)
    z_after = page.evaluate(
        "() => document.querySelector('#lay-heat .js-plotly-plot')"
        "._fullData[0].z.map(r => Array.from(r))"
    )
    last = len(z_before[0]) - 1  # "your scenario" is the last column
    assert [row[last] for row in z_after] != [row[last] for row in z_before]
    assert [row[:last] for row in z_after] == [row[:last] for row in z_before]
    watched.clean()


def test_click_an_entity_on_the_map(watched: Watched, base_url: str) -> None:
    page = watched.page
    _open(watched, base_url + "/")
    # Cytoscape's own hit test (a fixed-pixel margin around edges) decides whether a click
    # near a small node lands on it or on an incoming edge, and on a loaded machine that
    # varied from run to run; the node is tapped through Cytoscape's event, which is what
    # a click on it fires, so the test checks our callback and panel, not the hit test
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('#net-graph, #net-graph *'))
            .some(el => el._cyreg && el._cyreg.cy && el._cyreg.cy.getElementById('coreweave')
                .length)"""
    )
    page.evaluate(
        """() => {
            const host = Array.from(document.querySelectorAll('#net-graph, #net-graph *'))
                .find(el => el._cyreg && el._cyreg.cy);
            host._cyreg.cy.getElementById('coreweave').emit('tap');
        }"""
    )
    page.wait_for_selector("#net-detail h3", timeout=15_000)
    assert page.inner_text("#net-detail h3") == "CoreWeave, Inc."
    n_deals = sum(1 for i in default_ledger().instruments if "coreweave" in (i.from_, i.to))
    assert f"Deals ({n_deals};" in page.inner_text("#net-detail")
    assert page.locator("#net-detail .sources li").count() >= 1
    watched.clean()


def test_invalid_edit_shows_its_error(watched: Watched, base_url: str) -> None:
    page = watched.page
    _open(watched, base_url + "/data")
    page.click("#data-new-instrument")
    page.wait_for_function("document.querySelector('#data-editor').value.includes('new-deal')")
    text = page.input_value("#data-editor").replace("amount: 1.0", "amount: -5")
    page.fill("#data-editor", text)
    page.click("#data-save")
    page.wait_for_selector("#data-result .error-box", timeout=15_000)
    problem = page.locator("#data-result .problem")
    assert problem.count() == 1
    assert problem.get_attribute("data-field") == "amount"
    assert "must be >= 0, got -5" in problem.inner_text()
    # nothing saved: the dataset picker still shows the startup dataset only
    assert page.inner_text(".dataset-picker").strip().endswith("(startup dataset)")
    watched.clean()


def test_report_opens_offline(watched: Watched, tmp_path: Path) -> None:
    out = write_report(default_ledger(), tmp_path / "report.html")
    n_figs = out.read_text(encoding="utf-8").count('<div class="fig">')
    page = watched.page
    page.goto(out.as_uri())
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => g.querySelector('.main-svg')).length >= " + str(n_figs),
        timeout=60_000,
    )
    assert page.locator(".js-plotly-plot").count() == n_figs
    assert page.locator("p.source").count() >= n_figs
    watched.clean()


def _run_stress(page: Page) -> None:
    """Press Run, then wait for the background runs to finish and the results to draw."""
    with page.expect_response(lambda r: "_dash-update-component" in r.url) as resp:
        page.click("#stress-run")
    assert resp.value.status == 200
    page.wait_for_selector("#stress-progress-text.done", timeout=60_000)
    page.wait_for_function(SETTLED)
    page.wait_for_function(DRAWN, timeout=30_000)


def test_stress_run_fills_the_timeline(watched: Watched, base_url: str) -> None:
    page = watched.page
    _open(watched, base_url + "/stress")
    page.click("#stress-scenarios")
    page.get_by_role("option", name="productivity-refuted").click()
    page.keyboard.press("Escape")
    _run_stress(page)
    assert page.inner_text("#stress-progress-text").startswith("2 of 2 done (central run)")
    page.wait_for_selector("#stress-timeline td")
    scenarios = set(
        page.locator("#stress-timeline td[data-dash-column='scenario']").all_inner_texts()
    )
    assert scenarios <= {"slow-productivity", "productivity-refuted"} and scenarios
    assert page.locator("#stress-timeline td[data-dash-column='entity']").count() >= 1
    assert page.locator("#stress-losses .js-plotly-plot .main-svg").count() >= 1
    page.wait_for_selector("#stress-chain canvas")
    assert "pick more runs" in page.inner_text("#stress-no-distributions")
    heads = page.locator("#stress-compare th").all_inner_texts()
    assert any("productivity-refuted" in h for h in heads)
    watched.clean()


def test_stress_monte_carlo_draws_distributions_and_the_chain(
    watched: Watched, base_url: str
) -> None:
    from ouroboros.scenarios import run_stress

    page = watched.page
    _open(watched, base_url + "/stress")
    page.click("#stress-runs")
    page.get_by_role("option", name="100", exact=True).click()
    page.fill("#stress-seed", "5")
    _run_stress(page)
    assert page.inner_text("#stress-progress-text").startswith("1 of 1 done (100 runs, seed 5)")
    page.wait_for_selector("#stress-probability .js-plotly-plot .main-svg")
    page.wait_for_selector("#stress-horizon .js-plotly-plot .main-svg")
    page.wait_for_selector("#stress-chain canvas")
    # the polling has stopped: no callback request for three intervals
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "_dash-update" in r.url else None)
    page.wait_for_timeout(1200)
    assert polls == []
    direct = run_stress("slow-productivity", runs=100, seed=5, executor="serial")
    dp = direct.default_probability.set_index("entity")["probability"]
    entities: list[str] = page.evaluate(
        "() => Array.from(document.querySelector('#stress-probability .js-plotly-plot')"
        "._fullData[0].x)"
    )
    assert entities and set(entities) == set(dp.index[dp > 0])
    got = _plot_data(page, "stress-probability")
    assert got == pytest.approx([dp[e] for e in entities])
    watched.clean()
