"""mean_reversion: fade z-score extremes of the mid; out at the mean, at a time stop or SL/TP.

The rules (one symbol, one position at a time, netting or hedging):

- values: the mid ``(bid + ask) / 2`` of every tick of the symbol (``sample_s = 0``), or the
  last mid of each ``sample_s``-second bar on the server clock (``sim.core.bars`` fed with
  the mid), taken when the bar closes, i.e. on the first tick of a later bar; the window
  then spans ``window`` x ``sample_s`` seconds;
- ``z = (x - SMA) / std`` of the last ``window`` values (population std,
  ``sim.core.indicators.zscore_nb``), computed on each new value; NaN (no entry, no exit at
  the mean) until ``window`` values have been seen and while the std is 0;
- entry, when flat with nothing in flight, on a new value: ``z <= -k`` buys ``lots`` at
  market, ``z >= +k`` sells (``Action.NEW``), with SL and TP ``sl_points`` and
  ``tp_points`` points from the entry side's quote (ask for a buy, bid for a sell), rounded
  to the symbol's digits (0: none); not while the spread ``ask - bid`` is above
  ``max_spread`` points; one entry per excursion: after an entry the next one waits until a
  value with ``|z| < k`` has been seen;
- exit (``Action.CLOSE`` of the position's ticket, from ``core["book"]``): on a new value
  back at the mean (``z >= 0`` long, ``z <= 0`` short), or on any tick of the symbol once
  the position has been open ``hold_s`` seconds (its open time as the fill report told the
  core; 0: no time stop); SL/TP are the venue's.

Time is the events' ``ts`` only; bars and their boundaries are on the server clock
(``core["utc_offset"]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.bars import SECOND, bar_nb, bar_update_nb, bars_dt, timeframe_ns
from sim.core.enums import Action, EventKind, OrderType, Side
from sim.core.indicators import check_window, rolling_dt, rolling_update_nb, zscore_nb
from sim.core.intents import intent_nb
from sim.core.records import NS_PER_DAY, VOL_EPS
from sim.core.strategy_api import register
from sim.jit_cache import kernel


@dataclass(frozen=True)
class Params:
    """Args:
    window: values in the z-score window (1 to 512).
    sample_s: 0: one value per tick; else one value per bar of this many seconds (it must
        divide a day: 1, 5, 10, 15, 30, 60, ...), its last mid.
    k: entry threshold, in standard deviations (> 0).
    max_spread: no entry while ask - bid is above this many points.
    sl_points: stop loss, points from the entry quote (0: none).
    tp_points: take profit, points from the entry quote (0: none).
    hold_s: time stop, seconds a position may stay open (0: none).
    lots: position size, lots.
    symbol: index of the traded symbol among the replayed ones.
    """

    window: int = 300
    sample_s: int = 0
    k: float = 2.5
    max_spread: float = 5.0
    sl_points: float = 100.0
    tp_points: float = 100.0
    hold_s: int = 120
    lots: float = 0.1
    symbol: int = 0

    def __post_init__(self):
        check_window("strategy.window", self.window)
        if self.window < 2:
            raise ValueError(f"mean_reversion needs window >= 2, got window={self.window}")
        if self.sample_s < 0 or self.sample_s and NS_PER_DAY % (self.sample_s * SECOND):
            raise ValueError(f"strategy.sample_s={self.sample_s}: expected 0 (a value per "
                             f"tick) or seconds dividing a day (1, 5, 10, 15, 30, 60, ...)")
        if not self.k > 0:
            raise ValueError(f"mean_reversion needs k > 0, got k={self.k}")
        for name in ("max_spread", "sl_points", "tp_points", "hold_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"mean_reversion needs {name} >= 0, got "
                                 f"{name}={getattr(self, name)}")
        if self.lots <= 0:
            raise ValueError(f"mean_reversion needs lots > 0, got lots={self.lots}")


params_dt = np.dtype([("window", np.int64), ("tf", np.int64), ("k", np.float64),
                      ("max_spread", np.float64), ("sl_points", np.float64),
                      ("tp_points", np.float64), ("hold_ns", np.int64), ("lots", np.float64),
                      ("symbol", np.int32)], align=True)
state_dt = np.dtype([("bars", bars_dt),            # the sample_s bars of the mid
                     ("roll", rolling_dt),         # the window of values
                     ("z", np.float64),            # z of the last value
                     ("armed", np.bool_),          # |z| < k seen since the last entry
                     ("entries", np.int64), ("exits", np.int64)], align=True)


def make_params(p: Params) -> np.ndarray:
    rec = np.zeros(1, dtype=params_dt)
    rec[0] = (p.window, timeframe_ns(p.sample_s) if p.sample_s else 0, p.k, p.max_spread,
              p.sl_points, p.tp_points, p.hold_s * SECOND, p.lots, p.symbol)
    return rec


def make_state() -> np.ndarray:
    return np.zeros(1, dtype=state_dt)


def make_data(p: Params) -> np.ndarray:
    """mean_reversion needs no external data."""
    return np.zeros(0)


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    """On a tick of the symbol: the new value and its z, then exit or entry (module doc)."""
    st = sstate[0]
    pr = params[0]
    s = pr["symbol"]
    if e["kind"] != EventKind.TICK or e["symbol"] != s:
        return 0
    bid = e["bid"]
    ask = e["ask"]
    mid = 0.5 * (bid + ask)
    fresh = True
    if pr["tf"] == 0:
        rolling_update_nb(st["roll"], mid, pr["window"])
    elif bar_update_nb(st["bars"], pr["tf"], e["ts"], mid, mid, core["utc_offset"]):
        rolling_update_nb(st["roll"], bar_nb(st["bars"], 1)["close"], pr["window"])
    else:
        fresh = False
    if fresh:
        st["z"] = zscore_nb(st["roll"])
    z = st["z"]
    if abs(core["quote"][s]["working"]) > VOL_EPS:
        return 0                                    # an order in flight: wait for its report
    book = core["book"]
    for i in range(book.shape[0]):
        p = book[i]
        if not p["active"] or p["symbol"] != s:
            continue
        left = p["volume"] - p["closing"]
        if left <= VOL_EPS:
            return 0                                # being closed
        timed_out = pr["hold_ns"] > 0 and e["ts"] - p["open_ts"] >= pr["hold_ns"]
        at_mean = fresh and ((p["side"] == Side.BUY and z >= 0.0)
                             or (p["side"] == Side.SELL and z <= 0.0))     # False on NaN
        if not (timed_out or at_mean):
            return 0
        intent_nb(intents[0], Action.CLOSE, s, OrderType.BUY if p["side"] == Side.SELL
                  else OrderType.SELL, left, 0.0, 0.0, 0.0, 0, p["ticket"])
        st["exits"] += 1
        return 1
    if not fresh or z != z:
        return 0
    k = pr["k"]
    if abs(z) < k:
        st["armed"] = True
        return 0
    if not st["armed"]:
        return 0
    spec = core["spec"][s]
    point = spec["point"]
    if round((ask - bid) / point) > pr["max_spread"]:
        return 0                                    # too wide: stay armed
    side = Side.BUY if z < 0.0 else Side.SELL
    ref = ask if side == Side.BUY else bid
    digits = spec["digits"]
    sl = round(ref - side * pr["sl_points"] * point, digits) if pr["sl_points"] > 0 else 0.0
    tp = round(ref + side * pr["tp_points"] * point, digits) if pr["tp_points"] > 0 else 0.0
    intent_nb(intents[0], Action.NEW, s, OrderType.BUY if side == Side.BUY else OrderType.SELL,
              pr["lots"], 0.0, sl, tp, 0, 0)
    st["armed"] = False
    st["entries"] += 1
    return 1


register(params_dt, on_event_nb)
