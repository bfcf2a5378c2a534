"""Shadow mode's feed: the EA's ticks replayed through the backtest's own loop, block by block.

The runner appends each accepted tick (``add``) and, once the frames that arrived together
are read, hands the block to ``replay_nb``, the loop ``ticklab backtest`` runs, with the
same simulated venue and decision core (``flush``).  The loop resumes exactly where the
last block stopped (all its state lives in the arrays), so a session fed in blocks of any
size makes the decisions, fills and equity of one backtest over the same ticks
(tests/live/test_shadow_parity.py), at the loop's speed rather than one Python round trip
per kernel per tick.  The tick buffer is reused: after a block its ticks are dropped and
the venue's tick indices moved back by as many.
"""

from __future__ import annotations

import numpy as np

from sim.batch.replay import replay_nb
from sim.core.decision import DecisionCore, raise_strategy_error
from sim.core.enums import Status
from sim.core.records import event_dt
from sim.data.timezones import NS_PER_DAY
from sim.venue.band import NO_RETRY
from sim.venue.sim_venue import SimVenue
from sim.venue.state import OLOG


class ShadowFeed:
    """Ticks in, the replay loop over them; ``venue.state`` and ``core`` are the session's
    records (``sim.results.run_result``)."""

    def __init__(self, venue: SimVenue, core: DecisionCore, n_symbols: int, capacity: int = 4096):
        self.venue, self.core = venue, core
        self.ts = np.zeros(capacity, np.int64)
        self.sym = np.zeros(capacity if n_symbols > 1 else 0, np.int32)   # one symbol: none
        self.bid = np.zeros(capacity)
        self.ask = np.zeros(capacity)
        self.n = 0
        self.logged = 0                 # order-journal rows already handed out
        self.ev = np.zeros(2, dtype=event_dt)     # the loop's TICK and venue events

    def add(self, ts: int, s: int, bid: float, ask: float) -> None:
        """Queue one tick (time ns UTC, symbol index, quote) for the next ``flush``."""
        n = self.n
        if n == len(self.ts):
            self._grow()
        self.ts[n] = ts
        if len(self.sym):
            self.sym[n] = s
        self.bid[n] = bid
        self.ask[n] = ask
        self.n = n + 1

    def _grow(self) -> None:
        for name in ("ts", "sym", "bid", "ask"):
            old = getattr(self, name)
            if len(old):
                new = np.zeros(2 * len(old), old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)

    def flush(self) -> np.ndarray:
        """Replay the queued ticks; return the orders the core made meanwhile (rows of the
        order journal, in order, each as it stands now: a denial is REJECTED with its risk
        retcode, an order the venue has refused since is REJECTED with retcode 0)."""
        n, v, c = self.n, self.venue, self.core
        if n:
            # the server midnights known two days past the block: a quiet stretch of ticks
            # ends at the next midnight, so that midnight must be known when it starts
            v.cover(int(self.ts[n - 1]) + 2 * NS_PER_DAY)
            T = tuple(_read_only(a, n if len(a) else 0) for a in (self.ts, self.sym, self.bid,
                                                                   self.ask))
            while True:
                status = replay_nb(*T, v.roll_ts, v.roll_wd, *v.state.V, c.state, *c.args,
                                   self.ev, c.rlog, c.rlog_n)
                if status != Status.NEED_SPACE:
                    break
                v.state.grow()
                c.room()
            if status == Status.OVERFLOW:
                at = int(self.ts[int(v.state.account["tick_i"]) - 1])
                raise RuntimeError(v.state.overflow_message(at))
            if c.record["n_raised"]:
                raise_strategy_error(c)
            self._rewind(n)
        a = v.state.account
        made = v.state.V[OLOG][self.logged:int(a["n_olog"])].copy()
        self.logged = int(a["n_olog"])
        return made

    def _rewind(self, n: int) -> None:
        """Every queued tick was replayed: the buffer starts over, and the venue's tick
        indices (the next tick, the quiet band's retry) move back by ``n``."""
        a = self.venue.state.account
        a["tick_i"] -= n
        if a["band_retry"] != NO_RETRY:
            a["band_retry"] = max(int(a["band_retry"]) - n, 0)
        self.n = 0


def _read_only(a: np.ndarray, n: int) -> np.ndarray:
    """A read-only view of the first ``n`` values: the array type the backtest's loop was
    compiled for (its ticks are frozen), so the compiled loop is reused."""
    view = a[:n]
    view.flags.writeable = False
    return view
