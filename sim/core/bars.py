"""Bars built online from ticks, as MetaTrader draws them (docs/strategies.md, "Bars").

A strategy keeps a ``bars_dt`` field in its state per timeframe it needs, and feeds it
every tick of its symbol:

    if bar_update_nb(st["m1"], 60 * SECOND, e["ts"], e["bid"], e["ask"], core["utc_offset"]):
        close = bar_nb(st["m1"], 1)["close"]       # the bar that just closed

- Prices are the bid (MT's chart), ``ticks`` the tick volume, ``spread`` the widest
  ask - bid seen in the bar (price units: divide by ``core["spec"][s]["point"]`` for points).
- Boundaries are in broker server time: a bar starts at a multiple of the timeframe on
  the server's clock (``core["utc_offset"]``, server minus UTC, kept up to date by the
  core), so H1/H4/D1 bars of a GMT+2 broker start where its terminal draws them.
  ``start`` is stored in ns UTC, like every time in the core.
- A bar closes when the first tick of a later bar arrives (MT's rule: a bar with no tick
  is never drawn); ``bar_update_nb`` then returns True.  The forming bar is never
  visible: ``bar_nb(b, 1)`` is the last *closed* bar (MT's shift 1), ``bar_nb(b, k)`` the
  k-th last, up to ``BAR_HISTORY``.  A strategy that must act at the boundary without
  waiting for a tick asks for a wake-up (``wake_at_nb(core, bar_end_nb(b))``) and calls
  ``bar_close_due_nb`` on the TIMER.

The timeframe is an argument (ns, e.g. from the strategy's params), not part of the state,
so a sweep over timeframes never recompiles; a state must always be fed the same one.
``timeframe_ns("M5")`` converts MT's names.  Every state starts zeroed (``np.zeros``).
"""

from __future__ import annotations

import numpy as np

from sim.core.records import NS_PER_DAY
from sim.jit_cache import kernel

SECOND = 1_000_000_000
BAR_HISTORY = 64              # closed bars a ``bars_dt`` keeps (``bar_nb`` shifts 1..64)

bar_dt = np.dtype([
    ("start", np.int64),                        # ns UTC of the bar's server-time boundary
    ("open", np.float64), ("high", np.float64), ("low", np.float64), ("close", np.float64),
    ("ticks", np.int64),                        # tick volume
    ("spread", np.float64),                     # widest ask - bid in the bar, price units
], align=True)

bars_dt = np.dtype([
    ("n", np.int64),                            # bars closed so far
    ("end", np.int64),                          # ns UTC where the forming bar ends (0: none)
    ("cur", bar_dt),                            # the forming bar (not for strategies)
    ("hist", bar_dt, (BAR_HISTORY,)),           # closed bars: the k-th last at (n - k) % 64
], align=True)

_UNITS = {"S": SECOND, "M": 60 * SECOND, "H": 3600 * SECOND, "D": NS_PER_DAY}


def timeframe_ns(name: str | int) -> int:
    """A timeframe in ns from MT's name (``S10``, ``M1``, ``M5``, ``M15``, ``M30``, ``H1``,
    ``H4``, ``D1``) or a number of seconds.  It must divide a day, so bars tile server days.
    """
    text = str(name).strip().upper()
    try:
        ns = int(text) * SECOND if text.isdigit() else _UNITS[text[:1]] * int(text[1:])
    except (KeyError, ValueError):
        ns = 0
    if ns <= 0 or NS_PER_DAY % ns:
        raise ValueError(f"timeframe {name!r}: expected S<n>, M<n>, H<n>, D1 or seconds, "
                         f"dividing a day (e.g. M1, M5, M15, H1)")
    return ns


@kernel(inline=True)
def bar_start_nb(ts, tf, utc_offset):
    """The UTC start of the bar of timeframe ``tf`` holding instant ``ts`` (server clock)."""
    local = ts + utc_offset
    return local - local % tf - utc_offset


@kernel(inline=True)
def open_bar_nb(cur, start, bid, ask):
    cur["start"] = start
    cur["open"] = bid
    cur["high"] = bid
    cur["low"] = bid
    cur["close"] = bid
    cur["ticks"] = 1
    cur["spread"] = ask - bid


@kernel(inline=True)
def close_bar_nb(b):
    """Move the forming bar into the history (it becomes ``bar_nb(b, 1)``)."""
    b["hist"][b["n"] % BAR_HISTORY] = b["cur"]
    b["n"] += 1
    b["end"] = 0


@kernel(inline=True)
def bar_update_nb(b, tf, ts, bid, ask, utc_offset):
    """Add a tick to the bars ``b`` of timeframe ``tf`` (ns); True when it closed a bar."""
    cur = b["cur"]
    if ts < b["end"]:                           # the forming bar (the hot path: no division)
        if bid > cur["high"]:
            cur["high"] = bid
        elif bid < cur["low"]:
            cur["low"] = bid
        cur["close"] = bid
        cur["ticks"] += 1
        if ask - bid > cur["spread"]:
            cur["spread"] = ask - bid
        return False
    closed = b["end"] != 0
    if closed:
        close_bar_nb(b)
    start = bar_start_nb(ts, tf, utc_offset)
    open_bar_nb(cur, start, bid, ask)
    b["end"] = start + tf
    return closed


@kernel(inline=True)
def bar_close_due_nb(b, ts):
    """Close the forming bar if ``ts`` is at or past its end (on a TIMER); True if it did.
    The next tick then opens a new bar."""
    if b["end"] == 0 or ts < b["end"]:
        return False
    close_bar_nb(b)
    return True


@kernel(inline=True)
def bar_end_nb(b):
    """When the forming bar ends (ns UTC; 0 before the first tick)."""
    return b["end"]


@kernel(inline=True)
def bar_count_nb(b):
    """How many bars have closed."""
    return b["n"]


@kernel(inline=True)
def bar_nb(b, shift):
    """The ``shift``-th last closed bar (1 = the last), a ``bar_dt`` record; valid for
    ``1 <= shift <= min(bar_count_nb(b), BAR_HISTORY)``."""
    return b["hist"][(b["n"] - shift) % BAR_HISTORY]
