"""The reports people open, opened in a real browser: headless Chromium (Debian's, installed by
.ci/run) loads the run, sweep and walk-forward reports from their folder, offline, with a
fresh profile; every plot must have rendered and no script error may be raised."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import sim
from sim.config import CONF_DIR
from sim.data.loader import load_ticks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt install chromium)")]
# a page's script errors, kept where --dump-dom shows them
CATCH = ("<script>window.__errors=[];window.addEventListener('error',function(e){"
         "window.__errors.push(String(e.message));document.documentElement.setAttribute("
         "'data-errors',window.__errors.join(' | '))});</script>")


def open_in_chromium(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after it loaded and ran its scripts (5 s of virtual time)."""
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("<head>", "<head>" + CATCH, 1), encoding="utf-8")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={profile}",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def rendered(dom: str, figures: int) -> None:
    errors = re.search(r'data-errors="([^"]*)"', dom)
    assert errors is None, errors.group(1)
    assert dom.count('class="main-svg"') >= figures, "a plot did not render"
    assert "Plotly is not defined" not in dom


@pytest.fixture(scope="module")
def ticks():
    t = load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")
    return t.between(None, int(t.ts[60_000]))


def test_run_report_renders(tmp_path):
    from sim.cli import main as cli

    assert cli(["backtest", f"store={tmp_path / 'r.sqlite'}", "data.end=2019-02-04T06:00",
                f"report_dir={tmp_path / 'rep'}"]) == 0
    # equity and drawdown, P&L distribution, hour and weekday, MFE/MAE, trades on the price
    rendered(open_in_chromium(tmp_path / "rep" / "run-1.html", tmp_path / "profile"), 5)


def test_sweep_and_walkforward_reports_render(ticks, tmp_path):
    from sim.sweep_report import write_sweep_report
    from sim.walkforward_report import write_walkforward_report

    grid = {"strategy.fast": [20, 50, 100], "strategy.slow": [200, 400]}
    frame = sim.sweep(ticks, grid, store=False, progress=False)
    page = write_sweep_report(frame, grid, "net_pnl", tmp_path / "rep" / "sweep.html", "t")
    rendered(open_in_chromium(page, tmp_path / "p1"), 1)
    wf = sim.walk_forward(ticks, grid, train="3h", test="2h", progress=False)
    page = write_walkforward_report(wf, "net_pnl", tmp_path / "rep" / "wf.html")
    rendered(open_in_chromium(page, tmp_path / "p2"), 2)
    # one plotly.js for the folder's reports
    assert len(list((tmp_path / "rep").glob("plotly-*.min.js"))) == 1
