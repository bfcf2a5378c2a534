"""Bars built online from ticks (sim/core/bars.py): hand-computed cases, the aggregation of
the same real ticks by pandas, Dukascopy's own M1 candles, and MT's server-time boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.core.bars import (
    BAR_HISTORY,
    bar_close_due_nb,
    bar_count_nb,
    bar_dt,
    bar_end_nb,
    bar_nb,
    bar_update_nb,
    bars_dt,
    timeframe_ns,
)
from sim.core.events import midnight_offset_nb
from sim.data import load_ticks
from sim.data.bars import load_bars
from sim.jit_cache import kernel
from sim.venue.sim_venue import rollovers, utc_offset

SAMPLE = "data/sample/EURUSD"
S = 1_000_000_000
T0 = int(pd.Timestamp("2019-02-04 10:00", tz="UTC").value)


@kernel
def build_bars_nb(b, tf, ts, bid, ask, off, out):
    """Feed every tick; copy each bar as it closes into ``out``; then close the last one."""
    k = 0
    for i in range(len(ts)):
        if bar_update_nb(b, tf, ts[i], bid[i], ask[i], off):
            out[k] = bar_nb(b, 1)
            k += 1
    if bar_close_due_nb(b, bar_end_nb(b)):
        out[k] = bar_nb(b, 1)
        k += 1
    return k


def kernel_bars(ts, bid, ask, tf, off=0):
    b = np.zeros(1, bars_dt)
    out = np.zeros(len(ts) + 1, bar_dt)
    k = build_bars_nb(b[0], tf, ts, bid, ask, off, out)
    return pd.DataFrame(out[:k])


@pytest.fixture(scope="module")
def ticks():
    return load_ticks(SAMPLE, symbol="EURUSD")


def test_a_bar_is_visible_only_once_closed_hand_case():
    b = np.zeros(1, bars_dt)[0]
    tf = timeframe_ns("M1")
    quotes = [(T0 + 1 * S, 1.1000, 1.1002), (T0 + 20 * S, 1.1010, 1.1011),
              (T0 + 40 * S, 1.0990, 1.0995), (T0 + 59 * S, 1.1005, 1.1006)]
    for ts, bid, ask in quotes:
        assert not bar_update_nb(b, tf, ts, bid, ask, 0)
        assert bar_count_nb(b) == 0                 # the forming bar is not visible
    assert bar_end_nb(b) == T0 + 60 * S
    # the first tick of 10:02 (no tick at all in 10:01) closes the 10:00 bar
    assert bar_update_nb(b, tf, T0 + 125 * S, 1.1020, 1.1021, 0)
    bar = bar_nb(b, 1)
    assert (bar["start"], bar["open"], bar["high"], bar["low"], bar["close"], bar["ticks"]) \
        == (T0, 1.1000, 1.1010, 1.0990, 1.1005, 4)
    assert bar["spread"] == pytest.approx(0.0005)
    assert bar_end_nb(b) == T0 + 180 * S            # 10:02 bar; 10:01 is never drawn
    # a wake-up at the boundary closes it without a tick
    assert not bar_close_due_nb(b, T0 + 179 * S)
    assert bar_close_due_nb(b, T0 + 180 * S)
    assert bar_count_nb(b) == 2 and bar_nb(b, 1)["start"] == T0 + 120 * S
    assert bar_nb(b, 2)["start"] == T0
    assert not bar_update_nb(b, tf, T0 + 200 * S, 1.1, 1.1001, 0)   # opens 10:03, closes none


def test_history_keeps_the_last_bars_in_order():
    b = np.zeros(1, bars_dt)[0]
    tf = timeframe_ns("S10")
    for i in range(BAR_HISTORY + 10):
        bar_update_nb(b, tf, T0 + i * 10 * S, 1.0 + i, 1.0 + i, 0)
    n = BAR_HISTORY + 9
    assert bar_count_nb(b) == n
    assert [bar_nb(b, k)["open"] for k in (1, 2, BAR_HISTORY)] == [n, n - 1, n - BAR_HISTORY + 1]


@pytest.mark.parametrize("tf", ["S30", "M1", "M5", "M15", "H1"])
def test_kernel_bars_equal_pandas_aggregation_of_real_ticks(ticks, tf):
    ns = timeframe_ns(tf)
    got = kernel_bars(ticks.ts, ticks.bid, ticks.ask, ns)
    df = pd.DataFrame({"bid": ticks.bid, "spread": ticks.ask - ticks.bid},
                      index=pd.to_datetime(ticks.ts, utc=True))
    g = df.resample(pd.Timedelta(ns, "ns"))
    want = g.bid.ohlc().assign(ticks=g.bid.count(), spread=g.spread.max())
    want = want[want.ticks > 0]
    assert len(got) == len(want)
    assert (got.start.to_numpy() == want.index.asi8).all()
    for col in ("open", "high", "low", "close", "spread"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)
    np.testing.assert_array_equal(got.ticks.to_numpy(), want.ticks.to_numpy())
    assert got.ticks.sum() == len(ticks.ts)


def test_kernel_m1_bars_equal_dukascopy_m1_candles(ticks):
    got = kernel_bars(ticks.ts, ticks.bid, ticks.ask, timeframe_ns("M1"))
    candles = pd.concat([load_bars(f"{SAMPLE}/2019/01/0{d}/BID_candles_min_1.bi5",
                                   symbol="EURUSD") for d in (4, 5)])
    candles = candles.assign(start=candles.ts.astype("int64")).set_index("start")
    assert len(got) == 2880 == len(candles)        # two full days, a tick every minute
    joined = got.set_index("start").join(candles.add_suffix("_duka"), how="inner")
    assert len(joined) == 2880
    for col in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(joined[col].to_numpy(), joined[col + "_duka"].to_numpy())


@pytest.mark.parametrize("tz", ["EET", "NY+7", "Etc/GMT-3", "Asia/Kolkata"])
def test_boundaries_are_in_server_time(ticks, tz):
    """H1 and H4 bars start on the server's clock (Kolkata: a half-hour offset), and each
    TIMER DAY (a server midnight) gives the offset the core keeps."""
    off = utc_offset(int(ticks.ts[0]), tz)
    server = pd.to_datetime(ticks.ts + off)            # naive server clock
    for tf in ("H1", "H4"):
        got = kernel_bars(ticks.ts, ticks.bid, ticks.ask, timeframe_ns(tf), off)
        want = pd.Series(ticks.bid, index=server).resample(pd.Timedelta(timeframe_ns(tf), "ns")).ohlc().dropna()
        np.testing.assert_array_equal(got.start.to_numpy() + off, want.index.asi8)
        np.testing.assert_array_equal(got.close.to_numpy(), want.close.to_numpy())


@pytest.mark.parametrize("tz", ["EET", "NY+7", "Europe/London", "Asia/Kolkata", "Etc/GMT+5"])
def test_each_server_midnight_gives_the_offset_across_dst(tz):
    first = int(pd.Timestamp("2019-01-01", tz="UTC").value)
    roll, _ = rollovers(first, first + 400 * 86_400 * S, tz)
    offsets = {utc_offset(int(r), tz) for r in roll}
    if tz in ("EET", "NY+7", "Europe/London"):
        assert len(offsets) == 2                        # summer and winter time
    for r in roll:
        assert midnight_offset_nb(int(r)) == utc_offset(int(r), tz)


def test_timeframe_names():
    assert [timeframe_ns(x) // S for x in ("S10", "M1", "m5", "M15", "H1", "H4", "D1", 30)] \
        == [10, 60, 300, 900, 3600, 14400, 86400, 30]
    for bad in ("M7", "X1", "M", "", "0", "H5"):
        with pytest.raises(ValueError, match="dividing a day"):
            timeframe_ns(bad)
