"""Ticks generated from bars as MT5's strategy tester does (``data.ticks_from_bars``).

Modes (the MT5 tester's names in brackets; docs/data.md "Backtests on bar history"):

- ``open_only`` ("Open prices only"): one tick per bar, at its open time, at Open.
- ``ohlc`` ("1 minute OHLC"): four ticks per bar at 0, 1/4, 1/2 and 3/4 of it: Open, the
  first extreme, the second, Close.  A bull bar visits Low first, a bear bar High first,
  a doji (Close = Open) goes the opposite way of the bar before it.
- ``every_tick`` ("Every tick"): as many ticks as the bar's tick volume, through support
  points (``sim.data.every_tick``), evenly spaced inside the bar.

Bid = the generated price rounded to the symbol's digits; ask = bid + spread x point with
the bar's own spread (MT5 holds a generated minute's spread fixed), or ``bar_spread``
points for every bar when given; bars without any spread and no ``bar_spread`` are an error.
Bars coarser than M1 are used as they are (MT5 would generate from M1 history): the
table carries the note ``coarse_bars``.  Flat bars without any volume (Dukascopy candles
of a closed market) yield no ticks (issue ``closed_bar``).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from sim.data.bars import NS_PER_MIN, bar_period_ns, timeframe_name
from sim.data.errors import DataError, Issue
from sim.data.every_tick import MAX_SUPPORT, every_tick_nb
from sim.data.symbols import load_symbol
from sim.data.table import TickTable

MODES = {"open_only": 'MT5 "Open prices only"', "ohlc": 'MT5 "1 minute OHLC"',
         "every_tick": 'MT5 "Every tick"'}
CHOICES = "|".join(MODES)


def check_mode(mode) -> str:
    """``mode`` if it names a generation mode, else a one-line ``ValueError``."""
    if mode not in MODES:
        raise ValueError(f"data.ticks_from_bars={mode}: expected one of {', '.join(MODES)} "
                         "(null when data.path holds ticks)")
    return mode


def check_bar_spread(value) -> int | None:
    """``data.bar_spread`` as whole points >= 0 (None = the bars' own spread)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 \
            or value != int(value):
        raise ValueError(f"data.bar_spread={value!r}: expected a whole number of points >= 0")
    return int(value)


def bull_bars(o: np.ndarray, c: np.ndarray) -> np.ndarray:
    """True where a bar is taken as rising: Close > Open, or a doji after a falling bar.

    A run of dojis alternates; a doji with no decided bar before it counts as rising.
    """
    d = np.sign(c - o).astype(np.int64)
    idx = np.arange(len(d))
    last = np.maximum.accumulate(np.where(d != 0, idx, -1))
    ref = np.where(last >= 0, d[np.maximum(last, 0)], -1)
    flip = (idx - last) % 2 == 1
    return np.where(d != 0, d, np.where(flip, -ref, ref)) > 0


def _points(bars: pd.DataFrame, scale: float) -> tuple[np.ndarray, ...]:
    return tuple(np.rint(bars[k].to_numpy() * scale).astype(np.int64)
                 for k in ("open", "high", "low", "close"))


def _prices(mode: str, o, h, lo, c, up, n) -> np.ndarray:
    if mode == "open_only":
        return o
    if mode == "ohlc":
        return np.column_stack([o, np.where(up, lo, h), np.where(up, h, lo), c]).ravel()
    start = np.r_[0, np.cumsum(n)[:-1]].astype(np.int64)
    out = np.empty(int(n.sum()), np.int64)
    every_tick_nb(o, h, lo, c, n, up.astype(np.int64), start, np.empty(MAX_SUPPORT + 1,
                                                                        np.int64), out)
    return out


def _times(t0: np.ndarray, span: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Tick k of a bar's n at t0 + floor(k x span / n): strictly increasing, inside the bar."""
    start = np.repeat(np.r_[0, np.cumsum(n)[:-1]], n)
    k = np.arange(len(start), dtype=np.int64) - start
    nn, sp = np.repeat(n, n), np.repeat(span, n)
    return np.repeat(t0, n) + k * (sp // nn) + (k * (sp % nn)) // nn


def _tick_counts(mode: str, bars: pd.DataFrame, path: str, issues: list) -> np.ndarray:
    if mode != "every_tick":
        return np.full(len(bars), 1 if mode == "open_only" else 4, np.int64)
    vol = bars["tick_volume"].to_numpy().astype(np.int64)
    if not (vol > 0).any():
        raise DataError(path, None, "every_tick needs the bars' tick volume and these bars "
                        "have none", "bars with a tick volume (MT4 .hst, MT5 bar exports)",
                        "use data.ticks_from_bars=ohlc")
    if (zero := int((vol <= 0).sum())):
        issues.append(Issue("tick_volume", "of 0 read as 1 (one tick at Close)", zero, path))
    return np.maximum(vol, 1)


def ticks_from_bars(bars: pd.DataFrame, mode: str, bar_spread: int | None = None) -> TickTable:
    """Generate the ticks MT5's tester would replay from ``bars`` (``sim.data.load_bars``).

    Args:
        bars: bar frame; ``attrs`` give the symbol (needed: digits, point), source, path
            and server time zone.
        mode: ``open_only``, ``ohlc`` or ``every_tick``.
        bar_spread: spread in points for every tick; None = the bars' own spread.

    Returns:
        A ``TickTable`` (ts, bid, ask) with ``synthetic = mode``.

    Raises:
        ValueError: an unknown mode, bad ``bar_spread``, no symbol spec.
        DataError: bars without spread and no ``bar_spread``; every_tick without tick volume.
    """
    mode, bar_spread = check_mode(mode), check_bar_spread(bar_spread)
    path = str(bars.attrs.get("path", "<bars>"))
    if not bars.attrs.get("symbol"):
        raise ValueError(f"{path}: the bars name no symbol; set data.symbol=NAME")
    spec = load_symbol(bars.attrs["symbol"])
    source, zone = bars.attrs.get("source", "bars"), bars.attrs.get("server_tz", "UTC")
    period = bar_period_ns(bars)
    issues: list[Issue] = []
    closed = ((bars["open"] == bars["high"]) & (bars["high"] == bars["low"])
              & (bars["low"] == bars["close"]) & (bars["tick_volume"] == 0)
              & (bars["real_volume"] == 0)).to_numpy()
    if closed.any():
        issues.append(Issue("closed_bar", "dropped (flat, no volume: market closed)",
                            int(closed.sum()), path))
        bars = bars[~closed]
    if not len(bars):
        raise DataError(path, None, "no bar with a price move or volume", "trading bars",
                        "check the file")
    if mode != "open_only" and period > NS_PER_MIN:
        issues.append(Issue("coarse_bars", f"bars are {timeframe_name(period)}, not M1: MT5 "
                            "generates from M1 history, so each bar's inner path is coarser "
                            "than the tester's", len(bars), path))
    if bar_spread is None:
        spread = bars["spread"].to_numpy().astype(np.int64)
        if not spread.any():
            raise DataError(path, None, "the bars carry no spread (all zero)", "a spread per "
                            "bar (MT5 bars, .hst v401)", "set data.bar_spread=N (points)")
    else:
        spread = np.full(len(bars), bar_spread, np.int64)
    n = _tick_counts(mode, bars, path, issues)
    o, h, lo, c = _points(bars, 10.0 ** spec.digits)
    pts = _prices(mode, o, h, lo, c, bull_bars(o, c), n)
    t0 = pd.DatetimeIndex(bars["ts"]).asi8
    span = np.minimum(np.diff(t0, append=t0[-1] + period), period)
    scale = 10.0 ** spec.digits
    bid = pts / scale
    ask = (pts + np.repeat(spread, n)) / scale
    if bar_spread is not None:
        issues.append(Issue("synthetic_ask", f"set ask = bid + {bar_spread} points "
                            "(data.bar_spread)", len(pts), path))
    h_ = hashlib.sha256(f"{mode}\0{bar_spread}\0{spec.name}\0".encode())
    for arr in (t0, o, h, lo, c, n, spread):
        h_.update(arr.tobytes())
    return TickTable({"ts": _times(t0, span, n), "bid": bid, "ask": ask}, symbol=spec.name,
                     source=f"synthetic:{mode} from {source}",
                     server_tz=zone,
                     fingerprint=f"synthetic:{h_.hexdigest()[:32]}", issues=tuple(issues),
                     paths=(path,), synthetic=mode)
