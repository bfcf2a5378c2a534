"""Results store: roundtrip, all-or-nothing saves, concurrent appends from several processes."""

from __future__ import annotations

import math
import multiprocessing as mp
import sqlite3

import numpy as np
import pandas as pd
import pytest

from sim import store
from sim.core.enums import Retcode
from sim.core.records import core_dt, order_dt, position_dt
from sim.frames import fills_frame, orders_frame, rejections_frame, trades_frame
from sim.metrics import compute_metrics
from sim.results import RunResult
from sim.venue.records import account_dt, deal_dt, equity_dt, trade_dt

S = 1_000_000_000
T0 = 1_549_238_400 * S
YAML = "strategy:\n  name: ema_cross\n  fast: 5\nexecution:\n  name: ideal\n"


def small_result(n_trades: int = 3) -> RunResult:
    """A consistent little run: n round trips of 0.1 lots, a rejection, an open position."""
    deals = np.zeros(2 * n_trades + 1, dtype=deal_dt)
    trades = np.zeros(n_trades, dtype=trade_dt)
    orders = np.zeros(2 * n_trades + 1, dtype=order_dt)
    for k in range(2 * n_trades):
        d = deals[k]
        d["ts"], d["cid"], d["deal"], d["retcode"] = T0 + (k + 1) * 60 * S, k + 1, k + 1, Retcode.DONE
        d["volume"], d["price"], d["commission"] = 0.1, 1.1 + k * 1e-4, -0.35
        d["type"], d["entry"], d["signal_ts"] = k % 2, k % 2, d["ts"] - 25_000_000
        d["spread_cost"], d["position_id"] = 0.1, 1001 + k // 2
        orders[k]["cid"], orders[k]["volume"], orders[k]["signal_ts"] = k + 1, 0.1, d["signal_ts"]
    rej = deals[-1]
    rej["ts"], rej["cid"], rej["retcode"], rej["volume"] = T0 + 9000 * S, 99, Retcode.NO_MONEY, 50.0
    orders[-1]["cid"], orders[-1]["volume"] = 99, 50.0
    for k in range(n_trades):
        t = trades[k]
        t["side"], t["volume"], t["position_id"] = 1, 0.1, 1001 + k
        t["open_ts"], t["close_ts"] = deals[2 * k]["ts"], deals[2 * k + 1]["ts"]
        t["open_price"], t["close_price"] = deals[2 * k]["price"], deals[2 * k + 1]["price"]
        t["profit"], t["commission"], t["reason"] = (1.0 if k % 2 == 0 else -2.0), -0.7, 3
    eq = np.zeros(50, dtype=equity_dt)
    eq["ts"] = T0 + np.arange(1, 51) * 60 * S
    eq["equity"] = 10_000 + np.sin(np.arange(50)) * 5
    eq["min_equity"] = eq["equity"] - 1.0
    eq["balance"] = 10_000.0
    pos = np.zeros(1, dtype=position_dt)
    pos[0]["active"], pos[0]["volume"], pos[0]["open_ts"], pos[0]["profit"] = True, 0.1, T0, 0.4
    acct = np.zeros(1, dtype=account_dt)
    acct[0]["equity"] = eq["equity"][-1]
    return RunResult(names=["EURUSD"], deals=deals, trades=trades, equity=eq, orders=orders,
                     positions=pos, account=acct, decision=np.zeros(1, dtype=core_dt),
                     sstate=np.zeros(1), n_ticks=1234)


def save(db, result=None, **kw) -> int:
    r = result or small_result()
    m = compute_metrics(r, 10_000.0, "UTC")
    return store.save_run(db, r, m, YAML, "fp-abc", "deadbeef", 10_000.0, **kw)


def test_save_load_roundtrip_tables_and_metrics_equal(tmp_path):
    db = tmp_path / "runs.sqlite"
    r = small_result()
    prices = store.downsample_prices(np.array([T0, T0 + S, T0 + 61 * S]), np.array([1.0, 1.2, 1.1]),
                                     np.array([1.1, 1.3, 1.2]), "EURUSD")
    rid = save(db, r, prices=prices)
    out = store.load_run(db, rid)
    excursions = ["move_points", "mfe_points", "mae_points"]      # no ticks given: NULL
    assert out["trades"][excursions].isna().all().all()
    pd.testing.assert_frame_equal(out["trades"].drop(columns=excursions), trades_frame(r),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(out["fills"], fills_frame(r), check_dtype=False)
    pd.testing.assert_frame_equal(out["rejections"], rejections_frame(r), check_dtype=False)
    pd.testing.assert_frame_equal(out["orders"], orders_frame(r), check_dtype=False)
    assert out["rejections"]["reason_text"].iloc[0] == "not enough free margin"
    assert out["orders"]["first_fill_ts"].isna().sum() == 1      # the rejected order: NULL
    m = compute_metrics(r, 10_000.0, "UTC")
    for k, v in m.items():
        got = out["metrics"][k]
        assert (math.isnan(v) and math.isnan(got)) or got == pytest.approx(v), k
    assert out["run"]["strategy"] == "ema_cross" and out["run"]["execution"] == "ideal"
    assert out["run"]["symbols"] == "EURUSD" and out["config"] == YAML
    assert list(out["prices"]["bid"]) == [1.2, 1.1] and list(out["prices"]["bid_low"]) == [1.0, 1.1]
    assert len(out["equity"]) == 50 and len(out["positions"]) == 1


def test_metrics_inf_and_nan_survive_json(tmp_path):
    db = tmp_path / "runs.sqlite"
    r = small_result()
    m = {**compute_metrics(r, 10_000.0, "UTC"), "profit_factor": math.inf, "sharpe": math.nan}
    rid = store.save_run(db, r, m, YAML, "fp", "v", 10_000.0)
    got = store.load_run(db, rid)["metrics"]
    assert math.isinf(got["profit_factor"]) and math.isnan(got["sharpe"])


def test_save_failure_mid_write_leaves_no_partial_run(tmp_path):
    db = tmp_path / "runs.sqlite"
    first = save(db)
    bad_prices = pd.DataFrame({"symbol": ["EURUSD"], "ts": [T0], "bid": [1.0]})   # columns missing
    with pytest.raises(KeyError):
        save(db, prices=bad_prices)     # runs, orders, fills, trades, equity inserted, then fails
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        for table in store.CHILD_TABLES:
            ids = {r[0] for r in conn.execute(f"SELECT DISTINCT run_id FROM {table}")}
            assert ids <= {first}, table
    finally:
        conn.close()
    assert save(db) == first + 1


def test_run_ids_increase_and_list_runs(tmp_path):
    db = tmp_path / "runs.sqlite"
    ids = [save(db) for _ in range(3)]
    assert ids == [1, 2, 3]
    runs = store.list_runs(db)
    assert list(runs["id"]) == ids and set(runs["strategy"]) == {"ema_cross"}
    assert (runs["n_trades"] == 3).all()


def test_load_run_missing_id_raises_keyerror(tmp_path):
    db = tmp_path / "runs.sqlite"
    save(db)
    with pytest.raises(KeyError):
        store.load_run(db, 42)


def test_open_store_wal_and_busy_timeout(tmp_path):
    db = store.open_store(tmp_path / "x.sqlite")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS
        assert set(store.SCHEMA) <= set(db.table_names())
    finally:
        db.close()


def test_default_store_path_env_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv(store.ENV_STORE, raising=False)
    assert store.default_store_path().name == "ticklab.sqlite"
    monkeypatch.setenv(store.ENV_STORE, str(tmp_path / "elsewhere.sqlite"))
    assert store.default_store_path() == tmp_path / "elsewhere.sqlite"


def test_code_version_git_sha_or_version():
    v = store.code_version()
    assert v and v != "unknown"


def test_downsample_equity_keeps_bucket_minimum_and_maximum():
    n = 10
    eq = pd.DataFrame({"ts": np.arange(n), "balance": np.ones(n), "equity": np.arange(n, dtype=float),
                       "min_equity": np.arange(n, dtype=float) - 1,
                       "max_equity": np.arange(n, dtype=float) + 1, "margin": np.zeros(n)})
    eq.loc[3, "min_equity"] = -50.0
    eq.loc[4, "max_equity"] = 80.0
    out = store.downsample_equity(eq, max_rows=4)
    assert len(out) <= 4 and out["min_equity"].min() == -50.0 and out["max_equity"].max() == 80.0
    assert out["equity"].iloc[-1] == 9.0 and out["ts"].iloc[-1] == 9


def _append_worker(args):
    db, n = args
    return [save(db, small_result(2)) for _ in range(n)]


def test_concurrent_appends_from_processes_all_land_unique_ids(tmp_path):
    db = str(tmp_path / "sweep.sqlite")
    store.open_store(db).close()
    with mp.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_append_worker, [(db, 8)] * 4)
    flat = [i for chunk in ids for i in chunk]
    assert len(flat) == 32 and len(set(flat)) == 32
    runs = store.list_runs(db)
    assert sorted(runs["id"]) == sorted(flat)
    conn = sqlite3.connect(db)
    try:
        per_run = dict(conn.execute("SELECT run_id, count(*) FROM trades GROUP BY run_id"))
    finally:
        conn.close()
    assert per_run == dict.fromkeys(flat, 2)
