"""Trade analysis (``sim.trade_analysis``): excursions, returns by month and results by hour
and weekday against hand-worked cases, and on real ticks the excursions' bounds, in the
notebook API, the store and the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import CONF_DIR
from sim.data import TickTable
from sim.store import load_run
from sim.trade_analysis import by_time, excursions, monthly_returns

S = 1_000_000_000
T0 = 1_549_238_400 * S                 # 2019-02-04 00:00 UTC
BID = [1.09900, 1.10010, 1.10030, 1.09980, 1.10020, 1.10050, 1.09990, 1.10000, 1.10040,
       1.10100]


def utc(*ns) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(ns, dtype="datetime64[ns]")).tz_localize("UTC")


def test_excursions_hand_worked():
    # Arrange: ticks one second apart, ask = bid + 2 points
    bid = np.array(BID)
    table = TickTable({"ts": T0 + np.arange(10) * S, "bid": bid, "ask": bid + 2e-5},
                      symbol="EURUSD")
    trades = pd.DataFrame({
        "symbol": ["EURUSD", "EURUSD", "GBPUSD", "EURUSD"],
        "side": [1, -1, 1, 1],
        "open_ts": utc(T0 + 1 * S, T0 + 5 * S, T0 + 1 * S, T0 + 2 * S + S // 2),
        "open_price": [1.10012, 1.10050, 1.3, 1.10032],
        "close_ts": utc(T0 + 4 * S, T0 + 8 * S, T0 + 4 * S, T0 + 2 * S + 7 * S // 10),
        "close_price": [1.10020, 1.10042, 1.3, 1.10030],
    })
    # Act
    x = excursions(trades, [table])
    # Assert
    # long, ticks 1..4 (both ends included; tick 0's 1.09900 and tick 5's 1.10050 are not):
    # bids 1.10010 1.10030 1.09980 1.10020 -> best 1.10030 (+18), worst 1.09980 (-32)
    assert x.iloc[0].tolist() == [8.0, 18.0, -32.0]
    # short, ticks 5..8 (tick 9's ask 1.10102 is not): asks 1.10052 1.09992 1.10002
    # 1.10042 -> best 1.09992 (+58), worst 1.10052 (-2); move 1.10050 - 1.10042 = +8
    assert x.iloc[1].tolist() == [8.0, 58.0, -2.0]
    assert x.iloc[2].isna().all()                     # no ticks of its symbol
    assert x.iloc[3]["move_points"] == -2.0           # opened and closed between two ticks
    assert np.isnan(x.iloc[3]["mfe_points"]) and np.isnan(x.iloc[3]["mae_points"])


def test_monthly_returns_on_the_server_clock():
    # Arrange: UTC+2, so 21:30 UTC on 31 Jan is January and 22:30 UTC is February
    rows = [("2019-01-15T10:00", 10_100.0), ("2019-01-31T21:30", 10_200.0),
            ("2019-01-31T22:30", 9_900.0), ("2019-02-20T12:00", 10_395.0),
            ("2019-04-10T12:00", 10_500.0), ("2020-01-05T12:00", 10_290.0)]
    eq = pd.DataFrame({"ts": pd.DatetimeIndex([r[0] for r in rows]).tz_localize("UTC"),
                       "equity": [r[1] for r in rows]})
    # Act
    table = monthly_returns(eq, 10_000.0, "UTC+2")
    # Assert
    assert table.loc[2019, "Jan"] == pytest.approx(0.02)              # 10,200 / 10,000
    assert table.loc[2019, "Feb"] == pytest.approx(10_395 / 10_200 - 1)
    assert np.isnan(table.loc[2019, "Mar"])                           # no rows in March
    assert table.loc[2019, "Apr"] == pytest.approx(10_500 / 10_395 - 1)
    assert table.loc[2019, "Year"] == pytest.approx(0.05)             # 10,500 / 10,000
    assert table.loc[2020, "Jan"] == pytest.approx(-0.02)             # 10,290 / 10,500
    assert table.loc[2020, "Year"] == pytest.approx(-0.02)
    assert table.loc[2020].drop(["Jan", "Year"]).isna().all()


def test_results_by_hour_and_weekday_of_the_server_close():
    # Arrange: UTC+2; 22:30 UTC on Monday 4 Feb 2019 is 00:30 on Tuesday
    trades = pd.DataFrame({
        "close_ts": pd.DatetimeIndex(["2019-02-04T22:30", "2019-02-05T08:10",
                                      "2019-02-05T08:50", "2019-02-08T21:59"]).tz_localize("UTC"),
        "pnl": [5.0, -3.0, 1.0, 0.0]})
    # Act
    hours, days = by_time(trades, "UTC+2", "hour"), by_time(trades, "UTC+2", "weekday")
    # Assert
    assert len(hours) == 24 and hours["trades"].sum() == 4
    assert hours.loc[0, ["trades", "wins", "pnl"]].tolist() == [1, 1, 5.0]
    assert hours.loc[10, ["trades", "wins", "pnl", "win_rate", "avg_pnl"]].tolist() == \
        [2, 1, -2.0, 0.5, -1.0]
    assert hours.loc[23, ["trades", "wins", "pnl"]].tolist() == [1, 0, 0.0]   # flat: no win
    assert hours.loc[22, "trades"] == 0 and np.isnan(hours.loc[22, "win_rate"])
    assert days.index.tolist() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert days.loc["Mon", "trades"] == 0
    assert days.loc["Tue", ["trades", "wins", "pnl"]].tolist() == [3, 2, 3.0]
    assert days.loc["Fri", ["trades", "pnl"]].tolist() == [1, 0.0]


SLOW = pytest.mark.slow        # replays: not for the plain-Python pass (.ci/run)


@pytest.fixture(scope="module")
def ticks():
    t = sim.load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")
    return t.between(None, int(t.ts[40_000]))


@SLOW
def test_real_ticks_excursions_bound_the_realised_move_and_are_stored(ticks, tmp_path):
    # Arrange: no slippage, so every fill is at a quote the trade lived through
    res = sim.backtest(ticks, overrides=["execution=ideal"], store=tmp_path / "s.sqlite")
    t = res.trades
    # Assert
    assert len(t) > 50 and t[["move_points", "mfe_points", "mae_points"]].notna().all().all()
    assert (t["mae_points"] <= t["move_points"]).all()
    assert (t["move_points"] <= t["mfe_points"]).all()
    assert np.allclose(t["move_points"] * 1e-5, (t["close_price"] - t["open_price"]) * t["side"])
    stored = load_run(tmp_path / "s.sqlite", res.run_id)["trades"]
    cols = ["move_points", "mfe_points", "mae_points"]
    assert stored[cols].to_numpy().tolist() == t[cols].to_numpy().tolist()


@SLOW
def test_run_report_has_the_trade_analysis(ticks, tmp_path):
    from sim.report import write_report

    res = sim.backtest(ticks, store=tmp_path / "s.sqlite")
    page = write_report(tmp_path / "s.sqlite", res.run_id, tmp_path / "r.html").read_text()
    for heading in ("Returns by month", "Trade P&amp;L distribution", "By hour and weekday",
                    "Excursions (MFE / MAE)", "<h2>Trades</h2>"):
        assert heading in page, heading
    trade_rows = page.split("<table class='trades'>")[1].split("</table>")[0]
    assert trade_rows.count("<tr") == len(res.trades) + 1          # the header, every trade
    assert "<th>Feb</th>" in page and f"{res.metrics['net_pnl_pct'] * 100:+.2f} %" in page
