"""Backtests on bar history (data.ticks_from_bars): the CLI, the Python API, the store and
the report all say the ticks are synthetic and which MT5 mode made them."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import sim
from sim import store

ROOT = Path(__file__).resolve().parents[2]
TICKLAB = str(Path(sys.executable).parent / "ticklab")
HST60 = ROOT / "tests" / "data" / "real" / "EURUSD60.hst"
HST30 = ROOT / "tests" / "data" / "real" / "EURUSD30.hst"


def test_cli_backtest_on_hst_bars_flags_synthetic_everywhere(tmp_path):
    env = dict(os.environ, COLUMNS="200")
    db, rep = tmp_path / "runs.sqlite", tmp_path / "rep"
    out = subprocess.run([TICKLAB, "backtest", f"data.path={HST60}", "data.ticks_from_bars=ohlc",
                          "data.bar_spread=8", f"store={db}", f"report_dir={rep}"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    # 4,164 H1 bars x 4 ticks, flagged, with the notes counted by reason
    assert ('data EURUSD: 16,656 SYNTHETIC ticks generated from hst bars (ohlc, as MT5 '
            '"1 minute OHLC"), not real ticks; server time zone assumed UTC') in text
    assert "coarse_bars: 4,164 bars are H1, not M1" in text
    assert "synthetic_ask: 16,656 set ask = bid + 8 points (data.bar_spread)" in text
    run = store.load_run(db, 1)
    assert run["data_info"]["tables"][0]["synthetic"] == "ohlc"
    assert run["run"]["n_ticks"] == 16_656
    html = (rep / "run-1.html").read_text()
    assert "<p class='syn'>data EURUSD: 16,656 SYNTHETIC ticks" in html


def test_python_api_backtests_on_bars_too():
    res = sim.backtest(overrides=[f"data.path={HST30}", "data.ticks_from_bars=open_only",
                                  "data.bar_spread=5", "execution=ideal"])
    (t,) = res.outcome.tables
    assert (t.synthetic, len(t), t.source) == ("open_only", 6088, "synthetic:open_only from hst")
    assert len(res.trades) > 0


def test_store_from_an_older_ticklab_gains_the_data_column(tmp_path):
    path = tmp_path / "old.sqlite"
    store.open_store(path).close()
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE runs DROP COLUMN data_info")       # as written before it existed
    con.commit()
    con.close()
    db = store.open_store(path)
    assert "data_info" in db["runs"].columns_dict
    db.close()
