"""The backtest front doors: CLI (Hydra app), Python API, golden run on the bundled sample."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import store as sim_store
from sim.api import compose
from sim.cli import main
from sim.pipeline import run_backtest

ROOT = Path(__file__).resolve().parents[2]

# Golden figures of `ticklab backtest` (ema_cross 50/200 0.1 lots, execution=realistic,
# netting USD 10,000) on the bundled real EURUSD sample. A change here is a change of
# simulated behaviour: explain it in the commit.
GOLDEN_TRADES = 1650
GOLDEN_BALANCE = 8239.95
GOLDEN_DEALS = 1651


@pytest.fixture(scope="module")
def golden():
    return [run_backtest(compose([])) for _ in range(2)]


@pytest.mark.whole_run
def test_golden_sample_run_exact_and_deterministic(golden):
    a, b = golden
    # exact figures on real ticks
    assert len(a.result.trades) == GOLDEN_TRADES
    assert (a.result.deals["retcode"] == 10009).sum() == GOLDEN_DEALS
    assert a.result.account[0]["balance"] == pytest.approx(GOLDEN_BALANCE, abs=1e-9)
    # run twice: bit-identical (sampled latencies are seeded)
    assert np.array_equal(a.result.deals, b.result.deals)
    assert np.array_equal(a.result.equity, b.result.equity)
    assert a.metrics == b.metrics


@pytest.mark.whole_run
def test_golden_books_balance_from_its_own_journal(golden):
    r = golden[0].result
    fills = r.deals[r.deals["retcode"] == 10009]
    booked = fills["profit"].sum() + fills["commission"].sum() + fills["swap"].sum()
    assert r.account[0]["balance"] == pytest.approx(10_000.0 + booked, abs=1e-6)


@pytest.mark.whole_run
def test_cli_backtest_stores_run_and_writes_report(tmp_path, capsys):
    # Arrange
    db = tmp_path / "runs.sqlite"
    # Act
    code = main(["backtest", f"store={db}", f"report_dir={tmp_path / 'rep'}", "execution=ideal"])
    out = capsys.readouterr().out
    # Assert
    assert code == 0
    assert "Net P&L" in out and "run 1" in out
    assert (tmp_path / "rep" / "run-1.html").stat().st_size > 100_000
    with sqlite3.connect(db) as con:
        n_trades = con.execute("select count(*) from trades where run_id = 1").fetchone()[0]
    assert n_trades > 100


@pytest.mark.whole_run
def test_api_and_cli_give_same_metrics(tmp_path):
    # Arrange: the same overrides through both doors
    overrides = ["execution=ideal", "strategy.fast=30", "strategy.slow=120"]
    db = tmp_path / "runs.sqlite"
    # Act
    main(["backtest", f"store={db}", "report=false", *overrides])
    res = sim.backtest(sim.load_ticks(ROOT / "data" / "sample" / "EURUSD"), overrides=overrides)
    with sqlite3.connect(db) as con:
        stored = json.loads(con.execute("select metrics from runs").fetchone()[0])
    # Assert
    assert stored["net_pnl"] == pytest.approx(res.metrics["net_pnl"], abs=1e-9)
    assert stored["n_trades"] == res.metrics["n_trades"] == len(res.trades)
    assert set(res.trades.columns) >= {"symbol", "side", "lots", "open_ts", "open_price",
                                       "close_ts", "close_price", "pnl"}


def test_api_accepts_dataframe_with_datetimes():
    # Arrange: a tiny pandas frame with a datetime column
    t = sim.load_ticks(ROOT / "data" / "sample" / "EURUSD")
    df = pd.DataFrame({"ts": pd.to_datetime(t.ts[:20_000], utc=True), "bid": t.bid[:20_000],
                       "ask": t.ask[:20_000]})
    # Act
    res = sim.backtest(df, overrides=["execution=ideal"], symbol="EURUSD")
    # Assert
    assert len(res.trades) > 5
    assert res.trades["side"].isin([1, -1]).all()


def test_cli_bad_data_path_clear_error_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["backtest", f"store={tmp_path / 'x.sqlite'}", "data.path=/nonexistent/ticks.csv"])
    assert exc.value.code == 2
    assert "nonexistent" in capsys.readouterr().out


def test_cli_cfg_job_prints_config_without_running(tmp_path, capsys):
    main(["backtest", "--cfg", "job", f"store={tmp_path / 'never.sqlite'}"])
    out = capsys.readouterr().out
    assert not (tmp_path / "never.sqlite").exists()
    assert "ema_cross" in out and "realistic" in out


@pytest.mark.whole_run
def test_cli_path_never_imports_vectorbt(tmp_path):
    code = ("import sys; from sim.cli import main; "
            f"main(['backtest', 'store={tmp_path / 'v.sqlite'}', 'report=false', 'execution=ideal']); "
            "assert 'vectorbt' not in sys.modules, 'vectorbt imported'")
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True)


def test_api_dataframe_with_nan_bid_is_validated_not_silently_used():
    # Arrange: one NaN bid in the middle of real ticks
    t = sim.load_ticks(ROOT / "data" / "sample" / "EURUSD")
    bid = t.bid[:20_000].copy()
    bid[5000] = np.nan
    df = pd.DataFrame({"ts": t.ts[:20_000], "bid": bid, "ask": t.ask[:20_000]})
    # Act
    res = sim.backtest(df, overrides=["execution=ideal"], symbol="EURUSD")
    table = res.outcome.tables[0]
    # Assert: the bad row is dropped by the default policy and said so; trading goes on
    assert len(table) == 19_999
    assert [i.kind for i in table.issues] == ["bad_price"]
    assert res.outcome.result.trades["close_ts"].max() > t.ts[10_000]


def test_a_notebook_run_is_stored_like_a_cli_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_STORE", str(tmp_path / "nb.sqlite"))
    t = sim.load_ticks(ROOT / "data" / "sample" / "EURUSD")
    res = sim.backtest(t.between(None, int(t.ts[20_000])), ["execution=ideal"], store=True)
    assert res.run_id == 1
    run = sim_store.load_run(tmp_path / "nb.sqlite", 1)
    assert run["run"]["mode"] == "backtest" and run["run"]["execution"] == "ideal"
    assert len(run["trades"]) == len(res.trades) and run["metrics"]["net_pnl"] == \
        pytest.approx(res.metrics["net_pnl"], abs=1e-9)
    assert len(run["prices"]) > 0 and run["data_info"] is not None       # as the CLI stores
    assert sim.backtest(t.between(None, int(t.ts[2_000])), store=tmp_path / "x.sqlite").run_id == 1


@pytest.mark.whole_run
def test_multirun_ends_with_one_table_of_its_runs_best_first(tmp_path):
    from sim.multirun import swept_keys

    assert swept_keys(["strategy.fast=20,50", "execution=ideal,realistic", "data.end=x",
                       "risk.sessions=[a,b]", "strategy.slow=range(100,300,100)"]) == \
        ["strategy.fast", "execution", "strategy.slow"]
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "backtest", "-m", "hydra/launcher=basic",
         "strategy.fast=20,50", "execution=ideal,realistic", "data.end=2019-02-04T03:00",
         "report=false", f"store={tmp_path / 'm.sqlite'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "120"})
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout[out.stdout.index("multirun: 4 runs"):]
    rows = [ln.split() for ln in table.splitlines() if ln.split() and ln.split()[0].isdigit()]
    assert [r[1:3] for r in rows] == [["50", "ideal"], ["20", "ideal"], ["50", "realistic"],
                                      ["20", "realistic"]]
    nets = [float(r[3].replace(",", "")) for r in rows]
    assert nets == sorted(nets, reverse=True)
