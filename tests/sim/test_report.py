"""HTML report (self-contained) and the ``ticklab report`` / ``ticklab runs`` verbs."""

from __future__ import annotations

import re

import numpy as np

from sim import store
from sim.cli import main as cli_main
from sim.core.enums import Retcode
from sim.core.records import core_dt, order_dt, position_dt
from sim.metrics import compute_metrics
from sim.report import write_report
from sim.results import RunResult
from sim.venue.records import account_dt, deal_dt, equity_dt, trade_dt

S = 1_000_000_000
T0 = 1_549_238_400 * S
YAML = "strategy:\n  name: ema_cross\nexecution:\n  name: realistic\n"


def tiny_result() -> RunResult:
    deals = np.zeros(2, dtype=deal_dt)
    deals["ts"] = [T0 + 60 * S, T0 + 600 * S]
    deals["cid"], deals["retcode"], deals["volume"] = [1, 2], Retcode.DONE, 0.1
    deals["price"], deals["signal_ts"] = [1.1450, 1.1460], deals["ts"] - 30_000_000
    trades = np.zeros(1, dtype=trade_dt)
    t = trades[0]
    t["side"], t["volume"], t["open_ts"], t["close_ts"] = 1, 0.1, deals["ts"][0], deals["ts"][1]
    t["open_price"], t["close_price"], t["profit"], t["commission"] = 1.1450, 1.1460, 10.0, -0.7
    eq = np.zeros(20, dtype=equity_dt)
    eq["ts"] = T0 + np.arange(1, 21) * 60 * S
    eq["equity"] = 10_000 + np.linspace(0, 9.3, 20)
    eq["min_equity"], eq["balance"] = eq["equity"] - 2, 10_000.0
    acct = np.zeros(1, dtype=account_dt)
    acct[0]["equity"] = eq["equity"][-1]
    return RunResult(names=["EURUSD"], deals=deals, trades=trades, equity=eq,
                     orders=np.zeros(0, dtype=order_dt), positions=np.zeros(0, dtype=position_dt),
                     account=acct, decision=np.zeros(1, dtype=core_dt), sstate=np.zeros(1),
                     n_ticks=100)


def stored_run(db) -> int:
    r = tiny_result()
    ts = T0 + np.arange(0, 1200, 5) * S
    bid = 1.145 + np.linspace(0, 0.001, len(ts))
    prices = store.downsample_prices(ts, bid, bid + 2e-5, "EURUSD")
    return store.save_run(db, r, compute_metrics(r, 10_000.0, "UTC"), YAML, "fp-report-1",
                          "cafebabe", 10_000.0, prices=prices)


def test_write_report_offline_with_header_and_metrics(tmp_path):
    db = tmp_path / "r.sqlite"
    rid = stored_run(db)
    out = write_report(db, rid, tmp_path / "out" / "rep.html")
    html = out.read_text(encoding="utf-8")
    # plotly.js once in the folder, shared by its reports; the page itself is small
    srcs = re.findall(r"<script[^>]+src=['\"]([^'\"]+)['\"]", html)
    assert len(srcs) == 1 and srcs[0].startswith("plotly-") and "/" not in srcs[0]
    assert (out.parent / srcs[0]).stat().st_size > 3_000_000
    assert "Plotly.newPlot" in html and len(html) < 1_000_000
    second = write_report(db, rid, tmp_path / "out" / "rep2.html")
    assert sorted(p.name for p in second.parent.iterdir()) == sorted(["rep.html", "rep2.html",
                                                                      srcs[0]])
    assert "https://cdn.plot.ly/plotly" not in html              # no CDN bundle
    assert not re.search(r"<link[^>]+href=\s*['\"]https?://", html)
    for text in (f"ticklab run {rid}", "ema_cross", "realistic", "EURUSD", "fp-report-1",
                 "cafebabe", "Net P&amp;L", "Profit factor", "Max DD", "Sharpe",
                 "Equity and drawdown", "Trades on the price", "long entry"):
        assert text in html, text


def test_cli_report_default_out_path(tmp_path, monkeypatch):
    db = tmp_path / "r.sqlite"
    rid = stored_run(db)
    monkeypatch.chdir(tmp_path)
    assert cli_main(["report", str(rid), "--db", str(db)]) == 0
    assert (tmp_path / "reports" / f"run-{rid}.html").exists()


def test_cli_report_unknown_run_exit_1(tmp_path):
    db = tmp_path / "r.sqlite"
    stored_run(db)
    assert cli_main(["report", "999", "--db", str(db), "--out", str(tmp_path / "x.html")]) == 1


def test_cli_runs_lists_stored_runs(tmp_path, monkeypatch, capsys):
    db = tmp_path / "r.sqlite"
    stored_run(db)
    stored_run(db)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv(store.ENV_STORE, str(db))       # default db from the environment
    assert cli_main(["runs"]) == 0
    text = capsys.readouterr().out
    assert "ema_cross" in text and "EURUSD" in text and "backtest" in text
    assert "9.30" in text                              # net P&L of each run


def test_cli_runs_missing_db_exit_1(tmp_path):
    assert cli_main(["runs", "--db", str(tmp_path / "none.sqlite")]) == 1
