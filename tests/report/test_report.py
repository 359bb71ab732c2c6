"""The HTML report: self-contained, every section and figure with its source, right numbers;
the ``report`` and ``serve`` commands."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from ouroboros.cli._web import register
from ouroboros.deals import bundled_deal, run_deal
from ouroboros.errors import InputError
from ouroboros.flows import circularity_report
from ouroboros.model import default_ledger
from ouroboros.report import SECTIONS, build_report, find_chromium, sections, write_report

SCENARIOS = {"scenarios": [{"name": "rents-down-30", "rent_factor": 0.7}]}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sc") / "deal-scenarios.yaml"
    path.write_text(yaml.safe_dump(SCENARIOS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, scenario_file: Path) -> str:
    out = write_report(default_ledger(), tmp_path_factory.mktemp("rep") / "r.html",
                       scenario_files=[scenario_file])  # fmt: skip
    return out.read_text(encoding="utf-8")


def test_self_contained(report: str) -> None:
    assert report.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=", report)  # Plotly is inline, not fetched
    assert "<link" not in report and "@import" not in report
    assert report.count("<script>") == 1 + report.count('<div class="fig">')


def test_every_section_and_every_figure_has_its_source(report: str) -> None:
    for s in SECTIONS:
        assert f'id="{s}"' in report
    figs = re.findall(r'<div class="fig">.*?</script>\s*</div></div>\s*<p class="source">', report,
                      flags=re.S)  # fmt: skip
    assert len(figs) == report.count('<div class="fig">') >= 12


def test_numbers_match_the_engines(report: str) -> None:
    rep = circularity_report(default_ledger(), include_announced=True)
    assert f"<b>{100 * rep.circularity:.1f}%</b><span>circularity C/W</span>" in report
    assert "<b>554 USD bn</b><span>revenue required a year</span>" in report  # 3T x 12% / 65%
    for s in default_ledger().sources:
        assert f"<td>{s.id}</td>" in report


def test_deal_scenarios_run_beside_the_base_case(report: str) -> None:
    spec = bundled_deal("hyperion")
    base = run_deal(spec).summary_dict(0)["min_dscr"]
    i = report.index("Under your scenarios", report.index(f"<h3>{html.escape(spec.name)}</h3>"))
    table = report[i : report.index("</table>", i)]
    cells = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", table)
    rows = {name: float(v) for name, v in cells}
    assert rows["base"] == pytest.approx(base, rel=1e-3)
    assert rows["rents-down-30"] < rows["base"]


def test_bad_scenario_files(tmp_path: Path, scenario_file: Path) -> None:
    with pytest.raises(InputError, match="defined twice"):
        write_report(default_ledger(), tmp_path / "r.html",
                     scenario_files=[scenario_file, scenario_file])  # fmt: skip


def test_report_is_deterministic_given_the_time() -> None:
    t = dt.datetime(2026, 1, 2, 3, 4)
    lg = default_ledger()
    assert "Generated 2026-01-02 03:04" in build_report(lg, now=t)


# ---------------------------------------------------------------------------- CLI


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    register(app)
    return app


def test_report_command_writes_html_and_pdf(cli: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "report.html"
    res = CliRunner().invoke(cli, ["report", "--out", str(out), "--pdf", "--format", "json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert set(body) == {"html", "pdf", "bytes", "dataset", "sections", "scenarios", "stress"}
    assert Path(body["html"]) == out and out.stat().st_size == body["bytes"]
    pdf = Path(body["pdf"])
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000


def test_report_command_errors(cli: typer.Typer, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["report", "--out", str(tmp_path / "r.txt")])
    assert isinstance(res.exception, InputError) and res.exception.field == "out"
    with pytest.raises(InputError) as info:
        find_chromium(tmp_path / "no-such-browser")
    assert info.value.field == "pdf"


def test_serve_refuses_open_binding_without_token(cli: typer.Typer) -> None:
    res = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert isinstance(res.exception, InputError) and res.exception.field == "token"
    res = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert isinstance(res.exception, InputError) and res.exception.field == "port"


def test_stress_section_shows_the_engine_timeline(tmp_path: Path) -> None:
    from ouroboros.scenarios import run_stress

    out = write_report(default_ledger(), tmp_path / "r.html",
                       stress=["slow-productivity", "baseline"])  # fmt: skip
    text = out.read_text(encoding="utf-8")
    nav = re.findall(r'<a href="#(\w+)">', text)
    assert nav == list(sections(stress=True)) and nav.index("stress") == nav.index("deals") + 1
    i = text.index('id="stress"')
    part = text[i : text.index('id="markets"')]
    direct = run_stress("slow-productivity", runs=1, seed=0, executor="serial")
    timeline = part[: part.index("</table>")]
    for year, entity in zip(direct.timeline["year"], direct.timeline["entity"], strict=True):
        assert (
            f"<td>slow-productivity</td>\n      <td>{int(year)}</td>\n      <td>{entity}</td>"
            in (timeline)
        )
    assert part.count('<div class="fig">') == 1 and "<th>baseline</th>" in part


def test_stress_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        write_report(default_ledger(), tmp_path / "r.html", stress=["apocalypse"])
    assert info.value.field == "scenario"
    with pytest.raises(InputError) as info:
        write_report(default_ledger(), tmp_path / "r.html", stress=["baseline", "baseline"])
    assert info.value.field == "stress"
