"""Benchmark the dashboard: first render of each page, server time of each interaction.

Run by hand (not collected by pytest)::

    python benchmarks/bench_dashboard.py            # server-side times
    python benchmarks/bench_dashboard.py --browser  # plus first render in headless Chromium

Server time is measured the way the browser exercises the server: one POST to
``/_dash-update-component`` through Flask's test client (callback + JSON of its figures),
so network and drawing are left out. "Cold" is the first call in a fresh process-wide
workspace (engines run, caches empty); "warm" is the median of later calls.
Targets (issue 10): first render < 1.5 s, interaction < 300 ms of server time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ouroboros.dashboard import PAGES, create_app
from ouroboros.dashboard._testing import call_callback

PAGE_TARGET = 1.5
CALLBACK_TARGET = 0.300


def _median(fn: Callable[[], float], n: int) -> float:
    return statistics.median(fn() for _ in range(n))


def bench_pages(app: Any, repeat: int) -> list[tuple[str, float, float]]:
    rows = []
    for p in PAGES:

        def render(path: str = p.path) -> float:
            r = call_callback(
                app, "page.children", {"url.pathname": path, "dataset.value": "default"}
            )
            assert r.status == 200
            return r.seconds

        cold = render()
        warm = _median(render, repeat)
        rows.append((p.path, cold, warm))
    return rows


def _interactions() -> list[tuple[str, str, list[dict[str, Any]], list[str] | None]]:
    """(name, output, list of value sets cycled through, changed)."""
    d = "dataset.value"
    hurdle = {"h-capex.value": 3.0, "h-yield.value": 12.0, "h-margin.value": 65.0,
              "h-debt.value": 30.0, "h-rd.value": 7.5, "h-re.value": 20.0, "h-tax.value": 0.0,
              "h-life.value": 6.0, "h-recovery.value": [], "h-guarantee.value": [],
              "h-growth.value": 30.0, d: "default"}  # fmt: skip
    deal = {"deal-util.value": 1.0, "deal-gpu.value": 1.0, "deal-rates.value": 0.0}
    return [
        ("network: filter year/kind/status", "net-graph.elements",
         [{"net-year.value": y, "net-kinds.value": ["lease", "bond", "loan", "compute_contract"],
           "net-statuses.value": ["funded", "signed"], "net-layout.value": "preset", d: "default"}
          for y in (2025, 2026, 2027)], None),
        ("network: click an entity", "net-detail.children",
         [{"net-graph.tapNodeData": {"id": e}, d: "default"}
          for e in ("oracle", "nvidia", "openai")],
         ["net-graph.tapNodeData"]),
        ("money flows: change year", "flows-sankey.figure",
         [{"flows-year.value": y, "flows-announced.value": ["yes"], "flows-min.value": 0,
           "flows-revenue.value": [], d: "default"} for y in (2024, 2026, 2027, 2029)], None),
        ("loops: change year/method", "loops-kpis.children",
         [{"loops-year.value": y, "loops-announced.value": ["yes"], "loops-method.value": m,
           d: "default"} for y in (2025, 2026, 2027) for m in ("maximal", "bff")], None),
        ("loops: highlight a loop", "loops-graph.elements",
         [{"loops-pick.value": k, "loops-year.value": 0, "loops-announced.value": ["yes"],
           "loops-method.value": "maximal", d: "default"} for k in (1, 2, 3)],
         ["loops-pick.value"]),
        ("deals: rent slider (hyperion, 284 months)", "deal-kpis.children",
         [{"deal-pick.value": "hyperion", "deal-rent.value": r, **deal}
          for r in (0.9, 0.8, 0.7, 0.6)], ["deal-rent.value"]),
        ("deals: GPU price slider (coreweave)", "deal-kpis.children",
         [{"deal-pick.value": "coreweave", "deal-rent.value": 1.0, **{**deal,
           "deal-gpu.value": g}} for g in (0.9, 0.8, 0.7, 0.6)], ["deal-gpu.value"]),
        ("hurdle: capex slider", "h-kpis.children",
         [{**hurdle, "h-capex.value": c} for c in (2.0, 4.0, 5.0, 6.0)], None),
        ("liquidity: elasticity slider", "liq-kpis.children",
         [{"liq-se.value": s, "liq-ie.value": 0.5, "liq-floor.value": 5400,
           "liq-qe.value": 0.0} for s in (0.2, 0.4, 0.6, 0.8)], None),
        ("layers: scenario sliders", "lay-heat.figure",
         [{"lay-years.value": y, "lay-prod.value": 1.0, "lay-shift.value": 1.0,
           "lay-walk.value": []} for y in (5, 10, 20, 25)], None),
        ("data: search", "data-entities.data",
         [{"data-q.value": q, "data-role.value": None, "data-kind.value": None,
           "data-status.value": None, d: "default"} for q in ("nv", "oracle", "bond", "")], None),
        ("data: invalid edit refused", "data-result.children",
         [{"data-save.n_clicks": 1, "data-editor.value": f"id: x\nname: X\nroles: [{r}]\n",
           "data-editing.data": {"section": "entities", "replace": None}, d: "default"}
          for r in ("wizard", "elf", "orc")], None),
    ]  # fmt: skip


def bench_interactions(app: Any) -> list[tuple[str, float, float, int]]:
    rows = []
    for name, output, values, changed in _interactions():
        times = []
        for v in values:
            r = call_callback(app, output, v, changed=changed)
            assert r.status in (200, 204), (name, r.status)
            times.append(r.seconds)
        rows.append((name, max(times), statistics.median(times), len(times)))
    return rows


def bench_breakeven(app: Any) -> float:
    r = call_callback(app, "deal-be-out.children", {
        "deal-be-go.n_clicks": 1, "deal-pick.value": "hyperion",
        "deal-be-stress.value": "rent_haircut", "deal-be-target.value": "dscr",
        "deal-rent.value": 1.0, "deal-util.value": 1.0, "deal-gpu.value": 1.0,
        "deal-rates.value": 0.0})  # fmt: skip
    return r.seconds


def bench_stress(app: Any) -> list[tuple[str, float, float, float, int, float, float]]:
    """Stress page: server time of Run (queue the jobs), of a poll while the runs are
    going, of the final render, and of the same Run again (reused, no recomputation).

    Returns (case, start, slowest poll while running, median poll, polls, final render,
    repeat start + render), seconds.
    """
    rows = []
    scenarios = ["slow-productivity", "power-crunch"]
    for runs, seed in ((1, 0), (1000, 11)):
        values = {
            "stress-run.n_clicks": 1,
            "stress-scenarios.value": scenarios,
            "stress-runs.value": runs,
            "stress-seed.value": str(seed),
            "dataset.value": "default",
        }

        def run(values: dict[str, Any] = values) -> tuple[float, list[float], float]:
            r = call_callback(app, "stress-jobs.data", values)
            assert r.status == 200 and r.props["stress-jobs.data"], r.props
            plan = r.props["stress-jobs.data"]
            polls: list[float] = []
            changed = "stress-jobs.data"
            while True:
                p = call_callback(
                    app,
                    "stress-results.children",
                    {"stress-jobs.data": plan, "stress-poll.n_intervals": len(polls)},
                    changed=[changed],
                )
                assert p.status == 200
                changed = "stress-poll.n_intervals"
                if p.props.get("stress-poll.disabled"):
                    assert "error-box" not in str(p.props), p.props
                    return r.seconds, polls, p.seconds
                polls.append(p.seconds)
                time.sleep(0.4)  # the page's dcc.Interval

        start, polls, final = run()
        again_start, _, again_final = run()
        rows.append(
            (
                f"{len(scenarios)} scenarios x {runs} run{'s' if runs > 1 else ''}",
                start,
                max(polls, default=0.0),
                statistics.median(polls) if polls else 0.0,
                len(polls),
                final,
                again_start + again_final,
            )
        )
    return rows


def bench_browser(app: Any) -> list[list[Any]]:
    from ouroboros.dashboard._testing import CHROMIUM_ARGS, serve_in_thread

    with serve_in_thread(app.server) as base:
        return _browser_rows(base, list(CHROMIUM_ARGS))


def _browser_rows(base: str, args: list[str]) -> list[list[Any]]:
    from playwright.sync_api import sync_playwright

    drawn = ("Array.from(document.querySelectorAll('#page .dash-graph'))"
             ".every(g => g.querySelector('.js-plotly-plot .main-svg'))")  # fmt: skip
    settled = "document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0"
    rows = []

    def load(page: Any, path: str) -> float:
        t0 = time.perf_counter()
        page.goto(base + path)
        page.wait_for_selector("#page h2")
        page.wait_for_function(settled)
        page.wait_for_function(drawn)
        return time.perf_counter() - t0

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for pg in PAGES:  # a fresh browser profile per page: nothing cached
            ctx = b.new_context(viewport={"width": 1400, "height": 1000})
            cold = load(ctx.new_page(), pg.path)
            ctx.close()
            rows.append([pg.path, cold])
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        load(page, "/hurdle")  # the JS bundles into this profile's cache once
        for row in rows:
            path = str(row[0])
            # a full page load (as when opening a bookmark), JS from the browser cache
            full = load(page, path)
            # moving to the page from another one with the menu (no reload)
            other = "/data" if path != "/data" else "/"
            page.click(f"#nav-{other.strip('/') or 'network'}")
            page.wait_for_function(settled)
            page.wait_for_timeout(200)
            t0 = time.perf_counter()
            page.click(f"#nav-{path.strip('/') or 'network'}")
            page.wait_for_function(
                f"document.querySelector('#nav-{path.strip('/') or 'network'}')"
                ".classList.contains('active')"
            )
            page.wait_for_function(settled)
            page.wait_for_function(drawn)
            row += [full, time.perf_counter() - t0]
        b.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--browser", action="store_true", help="also time pages in Chromium")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    store = Path(tempfile.mkdtemp()) / "bench.duckdb"
    t0 = time.perf_counter()
    app = create_app(store=store)
    print(f"create_app: {time.perf_counter() - t0:.2f} s\n")

    print("| page | first render, cold (s) | warm, median (s) | target 1.5 s |")
    print("|---|---|---|---|")
    for path, cold, warm in bench_pages(app, args.repeat):
        ok = "yes" if cold < PAGE_TARGET else "NO"
        print(f"| `{path}` | {cold:.3f} | {warm:.3f} | {ok} |")

    print("\n| interaction | slowest (ms) | median (ms) | calls | target 300 ms |")
    print("|---|---|---|---|---|")
    for name, worst, med, n in bench_interactions(app):
        ok = "yes" if worst < CALLBACK_TARGET else "NO"
        print(f"| {name} | {1000 * worst:.0f} | {1000 * med:.0f} | {n} | {ok} |")
    print(f"\nbreakeven button (hyperion, rent haircut, DSCR = 1): {bench_breakeven(app):.2f} s")

    print(
        "\n| stress page | Run: queue (ms) | poll while running, slowest / median (ms) "
        "| final render (ms) | same Run again: queue + render (ms) | target 300 ms |"
    )
    print("|---|---|---|---|---|---|")
    for case, start, worst, med, n, final, again in bench_stress(app):
        ok = "yes" if max(start, worst, final, again) < CALLBACK_TARGET else "NO"
        print(
            f"| {case} | {1000 * start:.0f} | {1000 * worst:.0f} / {1000 * med:.0f} ({n} polls) "
            f"| {1000 * final:.0f} | {1000 * again:.0f} | {ok} |"
        )

    if args.browser:
        print(
            "\n| page (Chromium) | full load, empty cache (s) | full load, cached JS (s) "
            "| from the menu (s) |"
        )
        print("|---|---|---|---|")
        for path, cold, full, menu in bench_browser(create_app(store=store)):
            print(f"| `{path}` | {cold:.2f} | {full:.2f} | {menu:.2f} |")


if __name__ == "__main__":
    main()
