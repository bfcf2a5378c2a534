"""Streaming indicators for strategies: on bar closes or on ticks (docs/strategies.md).

Each indicator is a record the strategy keeps in its state (zeroed = empty) and an
update kernel fed one value at a time, O(1) per update, no allocation:

| record        | update                                   | read                                  |
|---------------|------------------------------------------|---------------------------------------|
| ``ema_dt``    | ``ema_update_nb(m, x, period)``          | returns the EMA                       |
| ``rolling_dt``| ``rolling_update_nb(r, x, window)``      | ``sma_nb``, ``std_nb``, ``zscore_nb``,|
|               |                                          | ``bollinger_nb``                      |
| ``extreme_dt``| ``extreme_update_nb(r, x, window)``      | ``r["high"]``, ``r["low"]``           |
| ``atr_dt``    | ``atr_update_nb(a, high, low, close, n)``| returns the ATR                       |
| ``rsi_dt``    | ``rsi_update_nb(r, x, period)``          | returns the RSI                       |
| ``session_dt``| ``session_update_nb(s, ts, x, off, start)``| ``s["open"]``, ``s["high"]``, ``s["low"]`` |

Until an indicator has seen enough values (``*_ready_nb``) its value is NaN.  Periods and
windows are arguments, not state, so a sweep over them never recompiles; feed a state the
same one every time.  Windows are at most ``RING`` values.

Definitions (each test in tests/sim/test_indicators.py recomputes them independently):

- EMA: ``alpha = 2 / (period + 1)``, seeded with the first value (pandas
  ``ewm(span=period, adjust=False)``, MT's ``iMA(MODE_EMA)``); ready after ``period`` values.
- SMA, standard deviation (population, as MT's ``iBands`` and ``iStdDev``), z-score
  ``(x - SMA) / std`` of the last value, Bollinger ``SMA +- k * std``: over the last
  ``window`` values.  Sums are kept relative to a recent value and recomputed exactly
  every ``window`` updates, so they neither drift nor cancel.
- ATR (Wilder): true range ``max(high, prev close) - min(low, prev close)`` (the first
  bar: ``high - low``); the first ATR is the mean of the first ``period`` ranges, then
  ``atr = (atr * (period - 1) + tr) / period``.  MT's own ``iATR`` is a plain SMA of the
  true range: ``rolling_update_nb`` on ``tr_nb`` values gives that.
- RSI (Wilder, MT's ``iRSI``): average gain and loss seeded with the mean of the first
  ``period`` changes, then Wilder-smoothed; ``100 - 100 / (1 + gain / loss)``, 100 when
  there are no losses, 50 when there is no change at all.
- Rolling high/low: of the last ``window`` values.  Session high/low/open: since the
  session start, ``start`` ns after server midnight (``utc_offset`` = server minus UTC).
"""

from __future__ import annotations

import numpy as np

from sim.core.records import NS_PER_DAY
from sim.jit_cache import kernel

RING = 512                    # the longest window a rolling record holds (a power of 2)
RING_MASK = RING - 1

ema_dt = np.dtype([("n", np.int64), ("alpha", np.float64), ("value", np.float64)], align=True)

rolling_dt = np.dtype([
    ("n", np.int64),                            # values seen
    ("head", np.int64),                         # ring slot of the next value
    ("since", np.int64),                        # updates since the exact recomputation
    ("shift", np.float64),                      # a recent value: the sums are of x - shift
    ("s1", np.float64), ("s2", np.float64),     # sum and sum of squares of the window
    ("window", np.int64),
    ("ring", np.float64, (RING,)),
], align=True)

extreme_dt = np.dtype([
    ("n", np.int64), ("high", np.float64), ("low", np.float64),
    # two monotone deques (0: maxima, 1: minima) of (value, index) in rings of RING
    ("head", np.int64, (2,)), ("size", np.int64, (2,)),
    ("vals", np.float64, (2, RING)), ("idx", np.int64, (2, RING)),
], align=True)

atr_dt = np.dtype([("n", np.int64), ("prev", np.float64), ("sum", np.float64),
                   ("value", np.float64)], align=True)

rsi_dt = np.dtype([("n", np.int64), ("prev", np.float64), ("gain", np.float64),
                   ("loss", np.float64), ("value", np.float64)], align=True)

session_dt = np.dtype([("end", np.int64), ("start", np.int64), ("open", np.float64),
                       ("high", np.float64), ("low", np.float64)], align=True)


def check_window(name: str, window: int) -> int:
    """A window or period from a strategy's params: 1..RING, else one clear error."""
    if not isinstance(window, (int, np.integer)) or not 1 <= window <= RING:
        raise ValueError(f"{name}={window!r}: expected a whole number of values, 1 to {RING}")
    return int(window)


# -- EMA --

@kernel(inline=True)
def ema_update_nb(m, x, period):
    """Feed ``x``; return the EMA (NaN before ``period`` values)."""
    if m["n"] == 0:
        m["alpha"] = 2.0 / (period + 1.0)
        m["value"] = x
    else:
        m["value"] += m["alpha"] * (x - m["value"])
    m["n"] += 1
    return m["value"] if m["n"] >= period else np.nan


# -- rolling mean, deviation, z-score, Bollinger --

@kernel
def rolling_exact_nb(r):
    """Recompute the window's sums exactly, relative to its last value (no drift, no
    cancellation: the sums stay small whatever the price level)."""
    w = r["window"]
    k = min(r["n"], w)
    ring = r["ring"]
    h = r["head"] - 1 if r["head"] > 0 else w - 1
    shift = ring[h]
    s1 = 0.0
    s2 = 0.0
    for i in range(k):
        y = ring[i] - shift
        s1 += y
        s2 += y * y
    r["shift"] = shift
    r["s1"] = s1
    r["s2"] = s2
    r["since"] = 0


@kernel(inline=True)
def rolling_update_nb(r, x, window):
    """Feed ``x`` into the last-``window`` statistics of ``r``."""
    if r["n"] == 0:
        r["shift"] = x
        r["window"] = window
    shift = r["shift"]
    h = r["head"]
    ring = r["ring"]
    if r["n"] >= window:
        old = ring[h] - shift
        r["s1"] -= old
        r["s2"] -= old * old
    ring[h] = x
    y = x - shift
    r["s1"] += y
    r["s2"] += y * y
    r["head"] = 0 if h + 1 == window else h + 1
    r["n"] += 1
    r["since"] += 1
    if r["since"] >= window:
        rolling_exact_nb(r)


@kernel(inline=True)
def rolling_ready_nb(r):
    return r["n"] >= r["window"] and r["n"] > 0


@kernel(inline=True)
def sma_nb(r):
    """The mean of the last ``window`` values (NaN before ``window`` values)."""
    if not rolling_ready_nb(r):
        return np.nan
    return r["shift"] + r["s1"] / r["window"]


@kernel(inline=True)
def std_nb(r):
    """The population standard deviation of the last ``window`` values."""
    if not rolling_ready_nb(r):
        return np.nan
    w = r["window"]
    m = r["s1"] / w
    var = r["s2"] / w - m * m
    return np.sqrt(var) if var > 0.0 else 0.0


@kernel(inline=True)
def zscore_nb(r):
    """``(x - mean) / std`` of the last value fed, over the window (NaN when std is 0)."""
    sd = std_nb(r)
    if not sd > 0.0:
        return np.nan
    h = r["head"] - 1 if r["head"] > 0 else r["window"] - 1
    return (r["ring"][h] - r["shift"] - r["s1"] / r["window"]) / sd


@kernel(inline=True)
def bollinger_nb(r, k):
    """(upper, middle, lower) = SMA + k std, SMA, SMA - k std."""
    m = sma_nb(r)
    sd = std_nb(r)
    return m + k * sd, m, m - k * sd


# -- rolling high / low --

@kernel(inline=True)
def extreme_side_nb(r, k, x, window, sign):
    """One monotone deque (k = 0: maxima, sign 1; k = 1: minima, sign -1) after ``x``."""
    vals = r["vals"][k]
    idx = r["idx"][k]
    head = r["head"][k]
    size = r["size"][k]
    i = r["n"]
    while size > 0 and sign * vals[(head + size - 1) & RING_MASK] <= sign * x:
        size -= 1                               # dominated by x for the rest of its life
    pos = (head + size) & RING_MASK
    vals[pos] = x
    idx[pos] = i
    size += 1
    if idx[head] <= i - window:                 # the front left the window
        head = (head + 1) & RING_MASK
        size -= 1
    r["head"][k] = head
    r["size"][k] = size
    return vals[head]


@kernel(inline=True)
def extreme_update_nb(r, x, window):
    """Feed ``x``; ``r["high"]``/``r["low"]`` are then the extremes of the last ``window``
    (monotone deques: O(1) amortised per value, whatever the window)."""
    r["high"] = extreme_side_nb(r, 0, x, window, 1.0)
    r["low"] = extreme_side_nb(r, 1, x, window, -1.0)
    r["n"] += 1


# -- ATR, RSI (Wilder) --

@kernel(inline=True)
def tr_nb(high, low, prev_close):
    """True range of a bar given the previous close (NaN: none, then ``high - low``)."""
    if prev_close != prev_close:
        return high - low
    return max(high, prev_close) - min(low, prev_close)


@kernel(inline=True)
def atr_update_nb(a, high, low, close, period):
    """Feed a closed bar; return Wilder's ATR (NaN before ``period`` bars)."""
    tr = tr_nb(high, low, a["prev"] if a["n"] > 0 else np.nan)
    a["prev"] = close
    a["n"] += 1
    if a["n"] < period:
        a["sum"] += tr
        return np.nan
    if a["n"] == period:
        a["value"] = (a["sum"] + tr) / period
    else:
        a["value"] = (a["value"] * (period - 1) + tr) / period
    return a["value"]


@kernel(inline=True)
def rsi_update_nb(r, x, period):
    """Feed ``x``; return Wilder's RSI (NaN before ``period`` changes)."""
    n = r["n"]
    r["n"] = n + 1
    d = x - r["prev"]
    r["prev"] = x
    if n == 0:
        return np.nan
    g = d if d > 0.0 else 0.0
    lo = -d if d < 0.0 else 0.0
    if n <= period:
        r["gain"] += g
        r["loss"] += lo
        if n < period:
            return np.nan
        r["gain"] /= period
        r["loss"] /= period
    else:
        r["gain"] = (r["gain"] * (period - 1) + g) / period
        r["loss"] = (r["loss"] * (period - 1) + lo) / period
    if r["loss"] > 0.0:
        r["value"] = 100.0 - 100.0 / (1.0 + r["gain"] / r["loss"])
    else:
        r["value"] = 100.0 if r["gain"] > 0.0 else 50.0
    return r["value"]


# -- session open / high / low --

@kernel(inline=True)
def session_update_nb(s, ts, x, utc_offset, start):
    """Feed ``x`` at ``ts``; a session starts ``start`` ns after each server midnight
    (``utc_offset``: server minus UTC, ``core["utc_offset"]``).  True on a session's first value."""
    if ts < s["end"]:
        if x > s["high"]:
            s["high"] = x
        elif x < s["low"]:
            s["low"] = x
        return False
    local = ts + utc_offset - start
    s["start"] = local - local % NS_PER_DAY + start - utc_offset
    s["end"] = s["start"] + NS_PER_DAY
    s["open"] = x
    s["high"] = x
    s["low"] = x
    return True
