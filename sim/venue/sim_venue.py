"""``SimVenue``: the simulated venue driven one event at a time (shadow mode, parity tests).

The same venue kernels as the batch replay, each behind a small njit entry point, so a
Python loop can interleave them with ``DecisionCore`` calls exactly as the batch loop
does inside numba:

    venue.quote(ts, s, bid, ask)                    # timers, arrivals, the quote, SL/TP...
    for ev in venue.events(ts): venue.submit(core.on_event(ev), ts, s)
    venue.submit(core.tick(ts, s, bid, ask), ts, s)
    for ev in venue.events(ts): venue.submit(core.on_event(ev), ts, s)
    venue.end_tick(ts)                              # equity sample

(``feed_tick`` is that sequence.)  Shadow mode is this drive with ticks from the EA's socket.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.config import AccountConfig, ExecutionConfig
from sim.core.enums import Status
from sim.core.records import NO_TS, event_dt
from sim.data.symbols import SymbolSpec
from sim.data.timezones import NS_PER_DAY, server_midnights_utc, utc_to_server
from sim.jit_cache import kernel
from sim.venue.band import leave_band_nb
from sim.venue.orders import submit_orders_nb
from sim.venue.state import ACCT, VenueState
from sim.venue.tick import journals_have_room_nb, pop_report_nb, venue_end_tick_nb, venue_tick_nb


def rollovers(t_first: int, t_last: int, server_tz: str):
    """Server midnights in [t_first, t_last] (ns UTC) and the weekday (0=Sun) of the day ending."""
    if t_last < t_first:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    roll = server_midnights_utc(int(t_first), int(t_last), server_tz)
    days = utc_to_server(roll, server_tz) // NS_PER_DAY
    # 1970-01-01 was a Thursday (4); the day that ends at midnight D is D - 1
    return roll.astype(np.int64), ((days + 3) % 7).astype(np.int64)


def utc_offset(ts: int, server_tz: str) -> int:
    """The server clock minus UTC at instant ``ts`` (ns UTC), ns."""
    return int(utc_to_server(np.array([ts], np.int64), server_tz)[0]) - int(ts)


@kernel
def quote_entry_nb(ts, s, bid, ask, roll_ts, roll_wd, positions, orders, deals, trades, reports,
                   acct_a, cfg_a, syms, qb, qa, tmp, equity, olog):
    acct = acct_a[0]
    if not journals_have_room_nb(positions, orders, deals, trades, reports, equity, olog, acct,
                                 roll_ts, ts):
        if acct["band"]:
            leave_band_nb(positions, acct, syms, qb, qa, equity)
        return Status.NEED_SPACE
    venue_tick_nb(ts, s, bid, ask, roll_ts, roll_wd, positions, orders, deals, trades, reports,
                  acct, cfg_a[0], syms, qb, qa, tmp, equity, olog)
    return Status.OVERFLOW if acct["overflow"] else Status.DONE


@kernel
def pop_entry_nb(reports, acct_a, now, ev):
    return pop_report_nb(reports, acct_a[0], now, ev)


@kernel
def submit_entry_nb(positions, orders, deals, trades, reports, acct_a, cfg_a, syms, qb, qa, tmp,
                    equity, olog, outbox, now, s):
    submit_orders_nb(positions, orders, deals, trades, reports, acct_a[0], cfg_a[0], syms, qb,
                     qa, tmp, equity, olog, outbox, outbox.shape[0], now, s)
    return acct_a[0]["overflow"]


@kernel
def end_tick_entry_nb(ts, positions, acct_a, cfg_a, syms, qb, qa, equity):
    venue_end_tick_nb(ts, positions, acct_a[0], cfg_a[0], syms, qb, qa, equity)


class SimVenue:
    """The simulated venue for one account, fed per event.

    Args:
        state: the venue's arrays (``VenueState``).
        roll_ts, roll_wd: the server midnights the drive will pass, ns UTC, and the
            weekday (0 = Sunday) of the day each one ends (``rollovers``).
        server_tz, horizon: with both, a tick past ``horizon`` (ns UTC) extends the
            midnights by a week at a time (``create`` sets them: shadow mode is open-ended).
    """

    def __init__(self, state: VenueState, roll_ts: np.ndarray, roll_wd: np.ndarray,
                 server_tz: str | None = None, horizon: int | None = None):
        self.state = state
        self.roll_ts = roll_ts
        self.roll_wd = roll_wd
        self.server_tz = server_tz
        self.horizon = horizon
        self.ev = np.zeros(1, dtype=event_dt)

    @classmethod
    def create(cls, specs: list[SymbolSpec], execution: ExecutionConfig, account: AccountConfig,
               t_first: int, t_last: int) -> SimVenue:
        """A venue for ``specs`` covering ``t_first..t_last`` (ns UTC: the rollovers, and the
        equity curve's first size; the journals grow as needed)."""
        roll_ts, roll_wd = rollovers(t_first, t_last, account.server_tz)
        state = VenueState(specs, execution, account, max(t_last - t_first, 0),
                           int(roll_ts[0]) if len(roll_ts) else NO_TS)
        return cls(state, roll_ts, roll_wd, account.server_tz, t_last)

    def cover(self, ts: int) -> None:
        """Make the server midnights reach ``ts`` (ns UTC) when the venue was created
        open-ended (``create``: shadow mode), a week at a time."""
        if self.horizon is not None and ts > self.horizon:
            self._extend_days(ts)

    def _extend_days(self, ts: int) -> None:
        # fed past its horizon (shadow mode runs open-ended): the next week's midnights
        start, self.horizon = self.horizon + 1, ts + 7 * NS_PER_DAY
        more_ts, more_wd = rollovers(start, self.horizon, self.server_tz)
        if len(more_ts):
            self.roll_ts = np.concatenate([self.roll_ts, more_ts])
            self.roll_wd = np.concatenate([self.roll_wd, more_wd])
            a = self.state.account
            if a["day_end"] == NO_TS:       # past the last known midnight: the next one
                a["day_end"] = self.roll_ts[a["roll_i"]]

    def utc_offset(self, ts: int) -> int:
        """The server clock minus UTC at ``ts`` (ns UTC), ns: the decision core's
        ``utc_offset`` at its first event (bars and sessions start on the server's clock)."""
        return utc_offset(ts, self.server_tz)

    @property
    def syms(self) -> np.ndarray:
        """The ``symbol_dt`` rows; give the decision core the same ones."""
        return self.state.syms

    def quote(self, ts: int, symbol: int, bid: float, ask: float) -> None:
        """A tick: run what is due before it, apply its quote (arrivals, triggers, SL/TP...)."""
        self.cover(ts)
        V = self.state.V
        while True:
            status = quote_entry_nb(ts, symbol, bid, ask, self.roll_ts, self.roll_wd, *V)
            if status == Status.DONE:
                return
            if status == Status.OVERFLOW:
                raise RuntimeError(self.state.overflow_message(ts))
            self.state.grow()

    def events(self, now: int) -> Iterator[np.ndarray]:
        """Yield each event queued for the core and due at ``now`` (a reused 1-row buffer)."""
        V = self.state.V
        if not V[ACCT][0]["n_reports"]:          # the usual tick: nothing queued, no call
            return
        while pop_entry_nb(V[4], V[ACCT], now, self.ev):
            yield self.ev

    def submit(self, orders: np.ndarray, now: int, symbol: int) -> None:
        """Take the core's orders at ``now`` (denials journaled; zero latency executes now)."""
        if len(orders) and submit_entry_nb(*self.state.V, orders, now, symbol):
            raise RuntimeError(self.state.overflow_message(now))

    def end_tick(self, ts: int) -> None:
        """After the core answered the tick: sample the equity curve."""
        V = self.state.V
        end_tick_entry_nb(ts, V[0], V[ACCT], V[6], V[7], V[8], V[9], V[11])

    def feed_tick(self, core, ts: int, symbol: int, bid: float, ask: float,
                  on_orders=None) -> None:
        """One tick of a per-event drive, in the batch loop's order: the quote, the events
        due (each answered by ``core``, its orders taken), the TICK to ``core``, the events
        its orders caused, the equity sample.  ``core`` is a ``DecisionCore``;
        ``on_orders(orders, ts)``, if given, sees each step's orders before the venue takes
        them (the live runner journals them)."""
        self.quote(ts, symbol, bid, ask)
        for ev in self.events(ts):
            self._take(core.on_event(ev), ts, symbol, on_orders)
        self._take(core.tick(ts, symbol, bid, ask), ts, symbol, on_orders)
        for ev in self.events(ts):
            self._take(core.on_event(ev), ts, symbol, on_orders)
        self.end_tick(ts)

    def _take(self, orders: np.ndarray, ts: int, symbol: int, on_orders) -> None:
        if on_orders is not None and len(orders):
            on_orders(orders, ts)
        self.submit(orders, ts, symbol)
