"""The streaming indicators (sim/core/indicators.py), each against an independent
computation (pandas, numpy sliding windows, or the textbook recursion written out here) on
real ticks and on M1 bars built from them, plus hypothesis properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from sim.core.indicators import (
    RING,
    atr_dt,
    atr_update_nb,
    bollinger_nb,
    check_window,
    ema_dt,
    ema_update_nb,
    extreme_dt,
    extreme_update_nb,
    rolling_dt,
    rolling_update_nb,
    rsi_dt,
    rsi_update_nb,
    session_dt,
    session_update_nb,
    sma_nb,
    std_nb,
    tr_nb,
    zscore_nb,
)
from sim.data import load_ticks
from sim.jit_cache import kernel

H = 3_600_000_000_000


@kernel
def run_ema_nb(m, x, period, out):
    for i in range(len(x)):
        out[i] = ema_update_nb(m, x[i], period)


@kernel
def run_rolling_nb(r, x, window, k, out):
    for i in range(len(x)):
        rolling_update_nb(r, x[i], window)
        up, mid, lo = bollinger_nb(r, k)
        out[i, 0] = sma_nb(r)
        out[i, 1] = std_nb(r)
        out[i, 2] = zscore_nb(r)
        out[i, 3] = up
        out[i, 4] = lo
        out[i, 5] = mid


@kernel
def run_extreme_nb(r, x, window, out):
    for i in range(len(x)):
        extreme_update_nb(r, x[i], window)
        out[i, 0] = r["high"]
        out[i, 1] = r["low"]


@kernel
def run_atr_nb(a, h, lo, c, period, out):
    for i in range(len(h)):
        out[i] = atr_update_nb(a, h[i], lo[i], c[i], period)


@kernel
def run_rsi_nb(r, x, period, out):
    for i in range(len(x)):
        out[i] = rsi_update_nb(r, x[i], period)


@kernel
def run_session_nb(s, ts, x, off, start, out):
    for i in range(len(x)):
        session_update_nb(s, ts[i], x[i], off, start)
        out[i, 0] = s["open"]
        out[i, 1] = s["high"]
        out[i, 2] = s["low"]


def ema(x, period):
    out = np.full(len(x), np.nan)
    run_ema_nb(np.zeros(1, ema_dt)[0], x, period, out)
    return out


def rolling(x, window, k=2.0):
    out = np.full((len(x), 6), np.nan)
    run_rolling_nb(np.zeros(1, rolling_dt)[0], np.asarray(x, float), window, k, out)
    return out


def extremes(x, window):
    out = np.zeros((len(x), 2))
    run_extreme_nb(np.zeros(1, extreme_dt)[0], np.asarray(x, float), window, out)
    return out


@pytest.fixture(scope="module")
def mid():
    t = load_ticks("data/sample/EURUSD", symbol="EURUSD")
    return t.ts[:60_000], 0.5 * (t.bid[:60_000] + t.ask[:60_000])


@pytest.fixture(scope="module")
def m1(mid):
    ts, x = mid
    g = pd.Series(x, index=pd.to_datetime(ts, utc=True)).resample("1min")
    return g.ohlc().dropna()


@pytest.mark.parametrize("period", [1, 12, 200])
def test_ema_equals_pandas_ewm(mid, period):
    _, x = mid
    got = ema(x, period)
    want = pd.Series(x).ewm(span=period, adjust=False).mean().to_numpy()
    assert np.isnan(got[: period - 1]).all()
    np.testing.assert_allclose(got[period - 1:], want[period - 1:], rtol=1e-13)


@pytest.mark.parametrize("window", [2, 20, 500])
def test_rolling_statistics_equal_numpy_windows(mid, window):
    _, x = mid
    got = rolling(x, window, k=2.5)
    win = sliding_window_view(x, window)
    mean, sd = win.mean(axis=1), win.std(axis=1)
    r = slice(window - 1, None)
    assert np.isnan(got[: window - 1, 0]).all()
    np.testing.assert_allclose(got[r, 0], mean, rtol=1e-14)
    np.testing.assert_allclose(got[r, 1], sd, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(got[r, 3], mean + 2.5 * sd, rtol=1e-13)
    np.testing.assert_allclose(got[r, 4], mean - 2.5 * sd, rtol=1e-13)
    ok = sd > 1e-9
    z = (x[window - 1:] - mean) / np.where(ok, sd, 1.0)
    np.testing.assert_allclose(got[r, 2][ok], z[ok], rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("window", [1, 7, 300])
def test_rolling_high_low_equal_numpy_windows(mid, window):
    _, x = mid
    got = extremes(x, window)
    win = sliding_window_view(x, window)
    np.testing.assert_array_equal(got[window - 1:, 0], win.max(axis=1))
    np.testing.assert_array_equal(got[window - 1:, 1], win.min(axis=1))
    np.testing.assert_array_equal(got[: window - 1, 0], np.maximum.accumulate(x[: window - 1]))


def wilder_atr(h, lo, c, n):
    """Wilder's ATR, written out: TR, the mean of the first n TRs, then (prev*(n-1)+tr)/n."""
    out, tr, atr = [], [], None
    for i in range(len(h)):
        t = h[i] - lo[i] if i == 0 else max(h[i], c[i - 1]) - min(lo[i], c[i - 1])
        tr.append(t)
        if len(tr) < n:
            out.append(np.nan)
            continue
        atr = sum(tr[:n]) / n if len(tr) == n else (atr * (n - 1) + t) / n
        out.append(atr)
    return np.array(out)


def wilder_rsi(x, n):
    """Wilder's RSI as MT's iRSI computes it (RSI.mq5), written out."""
    out = [np.nan]
    gain = loss = 0.0
    for i in range(1, len(x)):
        d = x[i] - x[i - 1]
        g, lo = max(d, 0.0), max(-d, 0.0)
        if i < n:
            gain, loss = gain + g, loss + lo
            out.append(np.nan)
            continue
        if i == n:
            gain, loss = (gain + g) / n, (loss + lo) / n
        else:
            gain, loss = (gain * (n - 1) + g) / n, (loss * (n - 1) + lo) / n
        out.append(100.0 - 100.0 / (1.0 + gain / loss) if loss else (100.0 if gain else 50.0))
    return np.array(out)


@pytest.mark.parametrize("period", [1, 14, 50])
def test_atr_equals_wilder_on_m1_bars(m1, period):
    h, lo, c = (m1[k].to_numpy() for k in ("high", "low", "close"))
    out = np.full(len(h), np.nan)
    run_atr_nb(np.zeros(1, atr_dt)[0], h, lo, c, period, out)
    np.testing.assert_allclose(out, wilder_atr(h, lo, c, period), rtol=1e-12)


def test_true_range_hand_cases():
    assert tr_nb(1.2, 1.1, np.nan) == pytest.approx(0.1)
    assert tr_nb(1.2, 1.1, 1.0) == pytest.approx(0.2)       # gap up: from the previous close
    assert tr_nb(1.2, 1.1, 1.3) == pytest.approx(0.2)       # gap down


@pytest.mark.parametrize("period", [2, 14])
def test_rsi_equals_wilder_on_m1_closes_and_ticks(m1, mid, period):
    for x in (m1["close"].to_numpy(), mid[1][:5000]):
        out = np.full(len(x), np.nan)
        run_rsi_nb(np.zeros(1, rsi_dt)[0], x, period, out)
        np.testing.assert_allclose(out, wilder_rsi(x, period), rtol=1e-10, atol=1e-9)


def test_rsi_hand_cases():
    def rsi(xs, n):
        out = np.zeros(len(xs))
        run_rsi_nb(np.zeros(1, rsi_dt)[0], np.array(xs, float), n, out)
        return out[-1]
    assert rsi([1, 2, 3], 2) == 100.0                       # only gains
    assert rsi([3, 2, 1], 2) == 0.0                         # only losses
    assert rsi([1, 1, 1], 2) == 50.0                        # no change
    assert rsi([1, 2, 1], 2) == pytest.approx(50.0)         # gain 0.5, loss 0.5
    assert rsi([1, 3, 2, 4], 2) == pytest.approx(100 - 100 / (1 + 1.5 / 0.25))


@pytest.mark.parametrize("tz_off,start", [(0, 0), (2 * H, 0), (2 * H, 8 * H)])
def test_session_open_high_low_equal_pandas_by_server_day(mid, tz_off, start):
    ts, x = mid
    out = np.zeros((len(x), 3))
    run_session_nb(np.zeros(1, session_dt)[0], ts, x, tz_off, start, out)
    day = (ts + tz_off - start) // (24 * H)
    s = pd.Series(x)
    g = s.groupby(day)
    np.testing.assert_array_equal(out[:, 0], g.transform("first").to_numpy())
    np.testing.assert_array_equal(out[:, 1], g.cummax().to_numpy())
    np.testing.assert_array_equal(out[:, 2], g.cummin().to_numpy())


@settings(max_examples=60, deadline=None)
@given(base=st.sampled_from([1.1, 150.0, 60_000.0]),
       steps=st.lists(st.floats(-5e-3, 5e-3), min_size=1, max_size=400),
       window=st.integers(1, 40))
def test_rolling_properties_on_walks_far_from_zero(base, steps, window):
    """Drifting prices far from zero: the mean, deviation and extremes match numpy."""
    x = base * (1 + np.cumsum(steps))
    got = rolling(x, window)
    ext = extremes(x, window)
    if len(x) < window:
        assert np.isnan(got[:, 0]).all()
        return
    win = sliding_window_view(x, window)
    np.testing.assert_allclose(got[window - 1:, 0], win.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(got[window - 1:, 1], win.std(axis=1), rtol=1e-9,
                               atol=base * 1e-12)
    np.testing.assert_array_equal(ext[window - 1:, 0], win.max(axis=1))
    np.testing.assert_array_equal(ext[window - 1:, 1], win.min(axis=1))


def test_windows_are_checked():
    assert check_window("strategy.period", 14) == 14
    for bad in (0, RING + 1, 2.5, "14"):
        with pytest.raises(ValueError, match=f"strategy.period={bad!r}: expected a whole number"):
            check_window("strategy.period", bad)
