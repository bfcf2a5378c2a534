"""Metrics and frames on tiny hand-built RunResults (every expected value computed by hand)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from sim.core.enums import Retcode
from sim.core.records import core_dt, order_dt, position_dt
from sim.frames import (
    equity_frame,
    fills_frame,
    open_positions_frame,
    orders_frame,
    rejections_frame,
    trades_frame,
)
from sim.metrics import compute_metrics, drawdowns, summary_table
from sim.results import RunResult
from sim.venue.records import account_dt, deal_dt, equity_dt, trade_dt

S = 1_000_000_000
MS = 1_000_000
DAY = 86_400 * S
T0 = 1_700_000_000 * S - (1_700_000_000 * S) % DAY     # a UTC midnight


def recs(dtype, rows: list[dict]) -> np.ndarray:
    a = np.zeros(len(rows), dtype=dtype)
    for i, r in enumerate(rows):
        for k, v in r.items():
            a[i][k] = v
    return a


def make_result(trades=(), deals=(), equity=(), positions=(), final_equity=None, orders=(),
                names=("EURUSD",)) -> RunResult:
    acct = np.zeros(1, dtype=account_dt)
    eq = recs(equity_dt, list(equity))
    acct[0]["equity"] = final_equity if final_equity is not None else (
        eq["equity"][-1] if len(eq) else 0.0)
    return RunResult(names=list(names), deals=recs(deal_dt, list(deals)),
                     trades=recs(trade_dt, list(trades)), equity=eq,
                     positions=recs(position_dt, list(positions)), account=acct,
                     orders=recs(order_dt, list(orders)),
                     decision=np.zeros(1, dtype=core_dt), sstate=np.zeros(1), n_ticks=0)


def trade(profit, commission=-1.0, swap=0.0, open_s=0, close_s=60, side=1, symbol=0):
    return {"symbol": symbol, "side": side, "volume": 0.1, "position_id": 1,
            "open_ts": T0 + open_s * S, "open_price": 1.1, "close_ts": T0 + close_s * S,
            "close_price": 1.1, "profit": profit, "commission": commission, "swap": swap,
            "reason": 3}


def eq_rows(values, lows=None, step_s=60, start=T0):
    lows = values if lows is None else lows
    return [{"ts": start + (i + 1) * step_s * S, "balance": v, "equity": v, "min_equity": lo,
             "margin": 0.0} for i, (v, lo) in enumerate(zip(values, lows, strict=True))]


def test_trade_stats_three_trades_exact():
    r = make_result(trades=[trade(10.0), trade(-5.0), trade(20.0, swap=-0.5)],
                    equity=eq_rows([1000.0, 1022.5]))
    m = compute_metrics(r, 1000.0, "UTC")
    # pnl = 9, -6, 18.5
    assert m["n_trades"] == 3
    assert m["win_rate"] == pytest.approx(2 / 3)
    assert m["profit_factor"] == pytest.approx(27.5 / 6)
    assert m["expectancy"] == pytest.approx(21.5 / 3)
    assert m["avg_win"] == pytest.approx(13.75)
    assert m["avg_loss"] == pytest.approx(-6.0)
    assert m["gross_pnl"] == pytest.approx(25.0)
    assert m["avg_holding_s"] == pytest.approx(60.0)


def test_profit_factor_no_losers_is_inf():
    r = make_result(trades=[trade(10.0, commission=0.0)], equity=eq_rows([1010.0]))
    assert math.isinf(compute_metrics(r, 1000.0, "UTC")["profit_factor"])


def test_drawdown_known_curve_money_and_pct():
    r = make_result(equity=eq_rows([1100, 1050, 1200, 900, 1000], [1090, 1000, 1150, 850, 990]))
    m = compute_metrics(r, 1000.0, "UTC")
    assert m["max_dd"] == pytest.approx(350.0)           # peak 1200 -> bucket low 850
    assert m["max_dd_pct"] == pytest.approx(350 / 1200)


def test_drawdown_intra_bucket_dip_counts():
    # every bucket closes at the peak, but the second one dipped to 900 inside
    dd, pct = drawdowns(np.array([1000.0, 1000.0, 1000.0]), np.array([1000.0, 900.0, 1000.0]),
                        1000.0)
    assert dd == pytest.approx(100.0)
    assert pct == pytest.approx(0.1)


def test_daily_drawdown_worst_day_from_day_open():
    # day 1: 1000 -> 1100 -> 1050 (dd 50); day 2 opens at 1050: 1050 -> 950 (dd 100)
    rows = eq_rows([1100, 1050], step_s=3600) + eq_rows([950, 1000], step_s=3600, start=T0 + DAY)
    m = compute_metrics(make_result(equity=rows), 1000.0, "UTC")
    assert m["max_daily_dd"] == pytest.approx(100.0)
    assert m["max_daily_dd_pct"] == pytest.approx(100 / 1050)
    assert m["max_dd"] == pytest.approx(150.0)           # total: 1100 -> 950


def test_sharpe_sortino_daily_match_numpy():
    closes = [1010.0, 1005.0, 1030.0, 1020.0]
    rows = []
    for k, c in enumerate(closes):
        rows += eq_rows([1000.0 + k, c], step_s=3600, start=T0 + k * DAY)
    m = compute_metrics(make_result(equity=rows), 1000.0, "UTC")
    e = np.array([1000.0, *closes])
    rets = e[1:] / e[:-1] - 1
    assert m["n_days"] == 4
    assert m["sharpe"] == pytest.approx(rets.mean() / rets.std(ddof=1) * np.sqrt(252))
    down = np.sqrt(np.mean(np.minimum(rets, 0) ** 2))
    assert m["sortino"] == pytest.approx(rets.mean() / down * np.sqrt(252))


def test_sharpe_server_day_uses_server_tz():
    # 23:00 UTC is already the next day on a UTC+2 server: the two rows land on two days
    rows = [{"ts": T0 + 21 * 3600 * S, "balance": 1, "equity": 1010.0, "min_equity": 1010.0,
             "margin": 0.0},
            {"ts": T0 + 23 * 3600 * S, "balance": 1, "equity": 1020.0, "min_equity": 1020.0,
             "margin": 0.0}]
    assert compute_metrics(make_result(equity=rows), 1000.0, "UTC")["n_days"] == 1
    assert compute_metrics(make_result(equity=rows), 1000.0, "UTC+2")["n_days"] == 2


def test_delay_fills_with_cid_only_percentiles_ms():
    delays = [10, 20, 30, 1000]
    deals = [{"ts": T0 + d * MS, "signal_ts": T0, "cid": i + 1, "retcode": Retcode.DONE}
             for i, d in enumerate(delays)]
    deals.append({"ts": T0 + 5000 * MS, "signal_ts": T0, "cid": 0, "retcode": Retcode.DONE})
    deals.append({"ts": T0 + 9000 * MS, "signal_ts": T0, "cid": 9, "retcode": Retcode.NO_MONEY})
    m = compute_metrics(make_result(deals=deals, equity=eq_rows([1000.0])), 1000.0, "UTC")
    assert m["delay_p50_ms"] == pytest.approx(np.percentile(delays, 50))
    assert m["delay_p99_ms"] == pytest.approx(np.percentile(delays, 99))
    assert m["delay_max_ms"] == pytest.approx(1000.0)
    assert m["n_rejections"] == 1
    assert m["n_fills"] == 5


def test_costs_and_net_pnl_from_deals_and_final_equity():
    deals = [{"ts": T0 + S, "retcode": Retcode.DONE, "commission": -0.35, "spread_cost": 0.5,
              "slippage": 0.2, "volume": 0.1},
             {"ts": T0 + 2 * S, "retcode": Retcode.DONE, "commission": -0.35, "swap": -1.0,
              "spread_cost": 0.5, "slippage": 0.1, "volume": 0.1},
             {"ts": T0 + 3 * S, "retcode": Retcode.REJECT, "commission": -9.0, "spread_cost": 9.0}]
    r = make_result(trades=[trade(3.0, commission=-0.7, swap=-1.0)], deals=deals,
                    equity=eq_rows([1001.3]), final_equity=1001.3)
    m = compute_metrics(r, 1000.0, "UTC")
    assert m["commission"] == pytest.approx(-0.7)
    assert m["swap"] == pytest.approx(-1.0)
    assert m["spread_cost"] == pytest.approx(1.0)
    assert m["slippage_cost"] == pytest.approx(0.3)
    assert m["net_pnl"] == pytest.approx(1.3)
    assert m["gross_pnl"] == pytest.approx(3.0)
    assert m["lots_traded"] == pytest.approx(0.2)


def test_exposure_union_of_position_intervals():
    r = make_result(trades=[trade(1, open_s=0, close_s=10), trade(1, open_s=5, close_s=20),
                            trade(1, open_s=30, close_s=40)],
                    positions=[{"active": True, "open_ts": T0 + 90 * S, "symbol": 0}],
                    equity=[{"ts": T0, "equity": 1000.0, "min_equity": 1000.0},
                            {"ts": T0 + 100 * S, "equity": 1000.0, "min_equity": 1000.0}])
    # [0,20] + [30,40] + [90,100] over 100 s
    assert compute_metrics(r, 1000.0, "UTC")["exposure"] == pytest.approx(0.4)


def test_trades_per_day_excludes_weekend_gap():
    # one hour of data on day 0, then the next row 2 days later: the gap is not trading time
    rows = eq_rows([1000.0] * 60) + eq_rows([1000.0] * 60, start=T0 + 2 * DAY)
    trades = [trade(1.0, open_s=i, close_s=i + 1) for i in range(4)]
    m = compute_metrics(make_result(trades=trades, equity=rows), 1000.0, "UTC")
    assert m["days"] == pytest.approx((59 + 59) * 60 / 86400)
    assert m["trades_per_day[EURUSD]"] == pytest.approx(4 / m["days"])


def test_empty_result_no_trades_nan_metrics():
    m = compute_metrics(make_result(), 1000.0)
    assert m["n_trades"] == 0 and m["net_pnl"] == pytest.approx(-1000.0)
    assert math.isnan(m["win_rate"]) and math.isnan(m["sharpe"])
    assert m["max_dd"] == 0.0


def test_summary_table_renders_metric_labels():
    m = compute_metrics(make_result(trades=[trade(5.0)], equity=eq_rows([1004.0])), 1000.0)
    con = Console(width=100, record=True)
    con.print(summary_table(m))
    text = con.export_text()
    assert "Net P&L" in text and "Profit factor" in text and "4.00" in text


def test_frames_names_and_utc_times():
    deals = [{"ts": T0, "cid": 1, "retcode": Retcode.DONE, "symbol": 1, "volume": 0.1},
             {"ts": T0 + S, "cid": 2, "retcode": Retcode.NO_MONEY, "symbol": 0}]
    orders = [{"cid": 1, "symbol": 1, "volume": 0.1, "signal_ts": T0},
              {"cid": 2, "symbol": 0, "volume": 5.0, "signal_ts": T0},
              {"cid": 3, "symbol": 0, "volume": 0.1, "type": 2, "price": 1.0}]
    r = make_result(trades=[trade(2.0, symbol=1, side=-1)], deals=deals, equity=eq_rows([1.0]),
                    positions=[{"active": True, "symbol": 1, "volume": 0.2}],
                    names=("EURUSD", "USDJPY"), orders=orders)
    t = trades_frame(r)
    assert list(t["symbol"]) == ["USDJPY"] and t["side"].iloc[0] == -1
    assert t["pnl"].iloc[0] == pytest.approx(1.0)
    assert isinstance(t["open_ts"].dtype, pd.DatetimeTZDtype)
    assert str(t["close_ts"].dt.tz) == "UTC"
    assert len(fills_frame(r)) == 1
    rej = rejections_frame(r)
    assert rej["reason_text"].iloc[0] == "not enough free margin"
    o = orders_frame(r)
    assert list(o["retcode"]) == [Retcode.DONE, Retcode.NO_MONEY, 0]    # 0: pending, no deal
    assert list(o["lots_filled"]) == [0.1, 0.0, 0.0]
    assert o["first_fill_ts"].iloc[0] == pd.Timestamp(T0, unit="ns", tz="UTC")
    assert o["first_fill_ts"].isna().tolist() == [False, True, True]
    assert len(equity_frame(r)) == 1
    assert open_positions_frame(r)["lots"].iloc[0] == pytest.approx(0.2)


def test_drawdowns_intra_bucket_high_counts_as_peak():
    # Arrange: bucket 0 closes at 1000 after touching 1100; bucket 1 dips to 990
    equity = np.array([1000.0, 1000.0])
    low = np.array([1000.0, 990.0])
    high = np.array([1100.0, 1000.0])
    # Act
    dd_closes = drawdowns(equity, low, 1000.0)
    dd_highs = drawdowns(equity, low, 1000.0, high)
    # Assert: from the close only 10; from the high the true 110 (10 % of 1100)
    assert dd_closes == pytest.approx((10.0, 0.01))
    assert dd_highs == pytest.approx((110.0, 0.1))
