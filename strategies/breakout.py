"""breakout: stop orders beyond a range (the last N minutes, or a session), one trade per range.

The rules (one symbol, one position at a time, netting or hedging; times of day are the
broker's server clock, ``core["utc_offset"]``):

- the range: with ``range`` a timeframe (``M30``: "the last 30 minutes"), the bid high and
  low of the last closed bar of that timeframe (``sim.core.bars``), given its chance on the
  tick that closes it, i.e. the first tick of the next bar (a bar that is not the one just
  before the forming bar, after a gap, is skipped); with ``range`` a session
  (``"00:00-07:00"``, the Asian session), the bid high and low of the ticks inside it that
  day (``sim.core.indicators.session_update_nb``), given its chance at the first tick
  after it inside the window, within a day of its start;
- a range is traded only inside the time-of-day window ``[start, end)`` (it may wrap
  midnight), only if it started after the strategy's first tick (no partial range at the
  start of the data) and only when flat: no position on the symbol, nothing in flight and
  no stop order of ours still working; else its chance is lost (one trade per range);
- the orders, on that tick (``Action.NEW``): a ``BUY_STOP`` of ``lots`` at the range high
  + the spread of that tick + ``buffer`` points (it triggers on the ask, so the bid must
  break the high by ``buffer``) and a ``SELL_STOP`` at the range low - ``buffer`` points
  (it triggers on the bid), prices rounded to the symbol's digits; each with SL and TP
  ``sl_points`` and ``tp_points`` from its own price (0: none) and an expiry
  (``OrderTime.SPECIFIED``) at the window's end or, for a timeframe range, at the end of
  the forming bar (when the next range closes), whichever comes first; a side whose price
  is already within the symbol's stops level of the market (the breakout happened before
  the order could be placed) is not sent;
- one trade per range: when a stop order fills (its FILL report), every other stop order
  of ours still working on the symbol is canceled (``Action.CANCEL`` by ticket); a stop
  order reported placed (ORDER) while a position is open is canceled too (its sibling
  filled before its placement was reported);
- exits: SL/TP at the venue; with ``flat_outside``, an open position is closed at market
  (``Action.CLOSE`` by ticket) on the first tick outside the window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sim.core.bars import bar_end_nb, bar_nb, bar_update_nb, bars_dt, timeframe_ns
from sim.core.enums import Action, EventKind, OrderState, OrderType
from sim.core.indicators import session_dt, session_update_nb
from sim.core.intents import in_window_nb, intent_nb, position_nb
from sim.core.records import NS_PER_DAY, VOL_EPS
from sim.core.strategy_api import register
from sim.jit_cache import kernel

MINUTE = 60_000_000_000
ASKED = 8                     # the last tickets the strategy asked to cancel, remembered


def clock_ns(text: str, name: str) -> int:
    """``"HH:MM"`` (server time of day) in ns after midnight; one clear line if malformed."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ValueError(f"strategy.{name}={text!r}: expected a server time of day HH:MM "
                         f"(00:00 to 23:59)")
    return (int(m[1]) * 60 + int(m[2])) * MINUTE


def range_spec(text: str) -> tuple[int, int, int]:
    """``range`` as (timeframe ns, session start, session end): a timeframe (``M30``) or a
    server-time session ``HH:MM-HH:MM``; one clear line if neither."""
    text = str(text).strip()
    if "-" in text:
        a, _, b = text.partition("-")
        try:
            start, end = clock_ns(a, "range"), clock_ns(b, "range")
        except ValueError:
            start = end = -1
        if start >= 0 and start != end:
            return 0, start, end
    else:
        try:
            return timeframe_ns(text), 0, 0
        except ValueError:
            pass
    raise ValueError(f"strategy.range={text!r}: expected a timeframe (M15, M30, H1: the range "
                     f"of the last N minutes) or a server-time session HH:MM-HH:MM "
                     f"(00:00-07:00: the Asian session)")


@dataclass(frozen=True)
class Params:
    """Args:
    range: a timeframe (M15, M30, H1, ...: the last closed bar of it) or a server-time
        session HH:MM-HH:MM (00:00-07:00: the Asian session).
    buffer: points beyond the range for the stop prices.
    sl_points: stop loss, points from the stop price (0: none).
    tp_points: take profit, points from the stop price (0: none).
    start: server time of day from which a range may be traded (HH:MM).
    end: server time of day from which none is (HH:MM); orders expire there at the latest.
    flat_outside: close an open position at the first tick outside the window.
    lots: position size, lots.
    symbol: index of the traded symbol among the replayed ones.
    """

    range: str = "M30"
    buffer: float = 2.0
    sl_points: float = 100.0
    tp_points: float = 150.0
    start: str = "08:00"
    end: str = "20:00"
    flat_outside: bool = True
    lots: float = 0.1
    symbol: int = 0

    def __post_init__(self):
        range_spec(self.range)
        if clock_ns(self.start, "start") == clock_ns(self.end, "end"):
            raise ValueError(f"breakout needs start != end (the trading window), got "
                             f"{self.start}-{self.end}")
        for name in ("buffer", "sl_points", "tp_points"):
            if getattr(self, name) < 0:
                raise ValueError(f"breakout needs {name} >= 0, got {name}={getattr(self, name)}")
        if self.lots <= 0:
            raise ValueError(f"breakout needs lots > 0, got lots={self.lots}")


params_dt = np.dtype([("tf", np.int64),                          # 0: a session range
                      ("sess_start", np.int64), ("sess_end", np.int64),   # ns after midnight
                      ("win_start", np.int64), ("win_end", np.int64),
                      ("buffer", np.float64), ("sl_points", np.float64),
                      ("tp_points", np.float64), ("flat_outside", np.bool_),
                      ("lots", np.float64), ("symbol", np.int32)], align=True)
state_dt = np.dtype([("bars", bars_dt),                 # timeframe range: its bars
                     ("sess", session_dt),              # session range
                     ("first_ts", np.int64),            # the first tick seen
                     ("range_start", np.int64),         # the last range given its chance
                     ("asked", np.int64, (ASKED,)),     # tickets asked to cancel (a ring)
                     ("n_asked", np.int64),
                     ("ranges", np.int64), ("orders", np.int64), ("cancels", np.int64),
                     ("closes", np.int64)], align=True)


def make_params(p: Params) -> np.ndarray:
    tf, sess_start, sess_end = range_spec(p.range)
    rec = np.zeros(1, dtype=params_dt)
    rec[0] = (tf, sess_start, sess_end, clock_ns(p.start, "start"), clock_ns(p.end, "end"),
              p.buffer, p.sl_points, p.tp_points, p.flat_outside, p.lots, p.symbol)
    return rec


def make_state() -> np.ndarray:
    return np.zeros(1, dtype=state_dt)


def make_data(p: Params) -> np.ndarray:
    """breakout needs no external data."""
    return np.zeros(0)


@kernel
def asked_nb(st, ticket):
    for k in range(min(st["n_asked"], ASKED)):
        if st["asked"][k] == ticket:
            return True
    return False


@kernel
def working_stop_nb(o, s, ts):
    """A stop order of ours on ``s`` still working at ``ts`` (not expired at the venue)."""
    return o["symbol"] == s and (o["type"] == OrderType.BUY_STOP
                                 or o["type"] == OrderType.SELL_STOP) \
        and (o["expiry"] == 0 or o["expiry"] > ts)


@kernel
def cancel_working_nb(st, core, s, ts, intents, ticket):
    """CANCEL intents for our working stop orders on ``s`` not asked for yet (only ``ticket``
    if > 0); return how many were written."""
    pend = core["pending"]
    n = 0
    for k in range(core["n_pending"]):
        o = pend[k]
        if not working_stop_nb(o, s, ts) or (ticket > 0 and o["ticket"] != ticket) \
                or asked_nb(st, o["ticket"]) or n >= intents.shape[0]:
            continue
        intent_nb(intents[n], Action.CANCEL, s, o["type"], 0.0, 0.0, 0.0, 0.0, 0, o["ticket"])
        st["asked"][st["n_asked"] % ASKED] = o["ticket"]
        st["n_asked"] += 1
        st["cancels"] += 1
        n += 1
    return n


@kernel
def flat_nb(st, core, s, ts):
    """No position on ``s``, nothing in flight, no stop order of ours still working."""
    q = core["quote"][s]
    if position_nb(core, s) >= 0 or abs(q["net"]) > VOL_EPS or abs(q["working"]) > VOL_EPS:
        return False
    pend = core["pending"]
    for k in range(core["n_pending"]):
        if working_stop_nb(pend[k], s, ts) and not asked_nb(st, pend[k]["ticket"]):
            return False
    return True


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    """Cancel the other side on a fill; on a tick of the symbol: the window, the range, the
    stop orders (module doc)."""
    st = sstate[0]
    pr = params[0]
    s = pr["symbol"]
    kind = e["kind"]
    if e["symbol"] != s:
        return 0
    if kind == EventKind.FILL:
        if e["type"] == OrderType.BUY_STOP or e["type"] == OrderType.SELL_STOP:
            return cancel_working_nb(st, core, s, e["ts"], intents, 0)
        return 0
    if kind == EventKind.ORDER:
        if e["state"] == OrderState.PLACED and e["ticket"] > 0 and position_nb(core, s) >= 0:
            return cancel_working_nb(st, core, s, e["ts"], intents, e["ticket"])
        return 0
    if kind != EventKind.TICK:
        return 0
    ts = e["ts"]
    bid = e["bid"]
    ask = e["ask"]
    if st["first_ts"] == 0:
        st["first_ts"] = ts
    off = core["utc_offset"]
    tod = (ts + off) % NS_PER_DAY
    inside = in_window_nb(tod, pr["win_start"], pr["win_end"])
    n = 0
    j = position_nb(core, s)
    if j >= 0 and not inside and pr["flat_outside"]:
        p = core["book"][j]
        left = p["volume"] - p["closing"]
        if left > VOL_EPS:
            intent_nb(intents[0], Action.CLOSE, s, OrderType.BUY, left, 0.0, 0.0, 0.0, 0,
                      p["ticket"])
            st["closes"] += 1
            n = 1
    tf = pr["tf"]
    if tf > 0:
        if not bar_update_nb(st["bars"], tf, ts, bid, ask, off):
            return n
        b = bar_nb(st["bars"], 1)
        start = b["start"]
        until = bar_end_nb(st["bars"])
        if start + 2 * tf != until:
            return n                                # not the bar just before: a gap
        high = b["high"]
        low = b["low"]
    else:
        if in_window_nb(tod, pr["sess_start"], pr["sess_end"]):
            session_update_nb(st["sess"], ts, bid, off, pr["sess_start"])
            return n
        start = st["sess"]["start"]
        if st["sess"]["end"] == 0 or ts >= start + NS_PER_DAY:
            return n                                # no session yet, or a stale one
        high = st["sess"]["high"]
        low = st["sess"]["low"]
        until = 0
    if not inside or start == st["range_start"] or start < st["first_ts"]:
        return n
    st["range_start"] = start                       # this range's one chance
    st["ranges"] += 1
    if not flat_nb(st, core, s, ts):
        return n
    spec = core["spec"][s]
    point = spec["point"]
    digits = spec["digits"]
    need = max(spec["stops_level"], 1)
    expiry = ts + (pr["win_end"] - tod) % NS_PER_DAY
    if 0 < until < expiry:
        expiry = until
    buy = round(high + (ask - bid) + pr["buffer"] * point, digits)
    sell = round(low - pr["buffer"] * point, digits)
    slp = pr["sl_points"] * point
    tpp = pr["tp_points"] * point
    if round((buy - ask) / point) >= need:
        intent_nb(intents[n], Action.NEW, s, OrderType.BUY_STOP, pr["lots"], buy,
                  round(buy - slp, digits) if slp > 0 else 0.0,
                  round(buy + tpp, digits) if tpp > 0 else 0.0, expiry, 0)
        n += 1
    if round((bid - sell) / point) >= need:
        intent_nb(intents[n], Action.NEW, s, OrderType.SELL_STOP, pr["lots"], sell,
                  round(sell + slp, digits) if slp > 0 else 0.0,
                  round(sell - tpp, digits) if tpp > 0 else 0.0, expiry, 0)
        n += 1
    st["orders"] += n
    return n


register(params_dt, on_event_nb)
