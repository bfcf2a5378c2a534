"""The figures pasted in the docs cannot drift: README.md's quick tour is what
``ticklab data info`` and ``ticklab backtest`` print now, the prose under it and
docs/metrics.md's sample table are that run's metrics."""

import contextlib
import io
import re

import numpy as np
import pytest

import sim
from sim.cli import main as cli
from sim.store import load_run
from tests.doc_blocks import ROOT, block, normal

TOUR_DATA = "What the importer sees in it:"
TOUR_BACKTEST = "A backtest (`./dev demo` runs exactly this):"


@pytest.fixture(scope="module")
def default_run():
    return sim.backtest()           # no overrides: the config of `ticklab backtest`


def session(after: str, monkeypatch) -> tuple[list[str], list[str]]:
    """Run the README's ``$ ticklab ...`` block after ``after`` in a terminal as wide as the
    block: (what it printed, what the README shows), normalised."""
    command, _, shown = block("README.md", "text", after).partition("\n")
    assert command.startswith("$ ticklab ")
    monkeypatch.setenv("COLUMNS", str(max(len(ln) for ln in shown.splitlines())))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli(command.split()[2:]) == 0
    return normal(buf.getvalue()), normal(shown)


def fold_row(lines: list[str], field: str) -> list[str]:
    """The table row ``field`` and the lines its value folds onto, as one line with no value
    (the value is the machine's: a path in the user's home)."""
    out = []
    for ln in lines:
        if out and out[-1] == f"│ {field} …" and re.fullmatch(r"│ +│.*", ln):
            continue
        out.append(f"│ {field} …" if ln.startswith(f"│ {field} ") else ln)
    return out


def test_data_info_block_is_what_ticklab_data_info_prints(in_tmp, monkeypatch):
    printed, shown = (fold_row(s, "cache file") for s in session(TOUR_DATA, monkeypatch))
    assert printed == shown


def test_backtest_block_is_what_ticklab_backtest_prints(in_tmp, monkeypatch, default_run):
    printed, shown = session(TOUR_BACKTEST, monkeypatch)
    assert printed == shown
    assert (in_tmp / "reports" / "run-1.html").exists()
    # sim.backtest() without overrides is the same run, to the last metric
    stored = load_run("ticklab.sqlite", 1)["metrics"]
    np.testing.assert_equal(stored, default_run.metrics)        # nan == nan here


def test_prose_under_the_backtest_block_is_the_run(default_run):
    text = (ROOT / "README.md").read_text()
    after = text[text.index(TOUR_BACKTEST):].split("\n```\n", 1)[1]
    prose = " ".join(after.strip().split("\n\n")[0].split())      # the paragraph under it
    m = default_run.metrics
    # Net P&L = gross + commission + swap + the last position's floating P&L
    floating = re.search(r"the last position's floating ([+−-][\d,]+\.\d\d)", prose).group(1)
    assert floating.replace("−", "-") == f"{m['floating_pnl']:+,.2f}"
    assert round(m["gross_pnl"] + m["commission"] + m["swap"] + m["floating_pnl"], 2) \
        == round(m["net_pnl"], 2)
    # the realistic latency never sees a tick in flight: every fill at its signal's price
    fills = default_run.fills
    assert (fills["price"] == fills["signal_price"]).all()
    # slower submits: N of M fills move from the price the strategy saw
    overrides, moved, of = re.search(r"with `(execution[^`]+)`, ([\d,]+) of ([\d,]+) fills move",
                                     prose).groups()
    slow = sim.backtest(overrides=overrides.split()).fills
    assert f"{(slow['price'] != slow['signal_price']).sum():,}" == moved
    assert f"{len(slow):,}" == of


def money(x: float) -> str:
    return f"{x:,.2f}"


def pct(x: float) -> str:
    return f"{100 * x:.2f} %"


SAMPLE_ROWS = {     # docs/metrics.md's "## Sample" rows, formatted as the doc formats them
    "trades": lambda m: f"{m['n_trades']:,}",
    "net P&L": lambda m: f"{money(m['net_pnl'])} ({pct(m['net_pnl_pct'])})",
    "gross P&L": lambda m: money(m["gross_pnl"]),
    "commission": lambda m: money(m["commission"]),
    "spread cost": lambda m: money(m["spread_cost"]),
    "win rate": lambda m: pct(m["win_rate"]),
    "profit factor": lambda m: f"{m['profit_factor']:.3f}",
    "max DD": lambda m: f"{money(m['max_dd'])} ({pct(m['max_dd_pct'])})",
    "worst daily DD": lambda m: f"{money(m['max_daily_dd'])} ({pct(m['max_daily_dd_pct'])})",
    "signal→fill p50 / p99": lambda m: f"{m['delay_p50_ms']:.1f} / {m['delay_p99_ms']:.1f} ms",
}


def test_metrics_doc_sample_is_the_backtest_run(default_run):
    text = (ROOT / "docs" / "metrics.md").read_text()
    sample = text[text.index("## Sample"):]
    rows = dict(re.findall(r"^\| (.+?) \| (.+?) \|$", sample, flags=re.M))
    assert rows.pop("metric") == "value"
    m = default_run.metrics
    assert rows == {name: f(m).replace("-", "−") for name, f in SAMPLE_ROWS.items()}
    assert f"{default_run.outcome.result.n_ticks:,} Dukascopy ticks" in sample
    assert f"{m['initial_balance']:,.0f} USD" in sample
