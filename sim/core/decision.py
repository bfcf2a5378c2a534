"""``DecisionCore``: the decision core of one strategy, callable per event or per batch.

The live runner and the per-event drive of the simulated venue use this class; the batch
replay calls the same ``step_nb`` inside its njit loop.  Two entry points:

- ``on_event(ev)``: one ``event_dt`` (a 1-row array) in, this step's orders out (a view
  of the outbox, valid until the next call);
- ``on_events(events)``: a block of events in (one Python -> numba transition for the
  block), the orders out with the index of the event that produced each.

Orders in state ``OrderState.REJECTED`` are the core's own denials: journal them, never
send them (the core has already told itself).  ``bench/core_step.py`` measures both.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from sim.core.events import tick_event_nb
from sim.core.records import OUTBOX, RISK_LOG, event_dt, order_dt, risk_event_dt
from sim.core.risk import drain_risk_nb
from sim.core.state import RISK_BASIS, make_core
from sim.core.step import command_nb, step_nb
from sim.core.strategy_api import bind
from sim.core.strategy_pointer import pointer_dt
from sim.jit_cache import kernel


@kernel
def step_event_nb(core, sstate, params, data, ev, rlog, rlog_n):
    """One event (``ev[0]``) through the core; return the number of orders in the outbox.
    The step's risk rows go to the journal ``rlog``."""
    c = core[0]
    n = step_nb(ev[0], c, sstate, params, data)
    if c["n_risk_log"] > 0:
        drain_risk_nb(c, rlog, rlog_n)
    return n


@kernel
def step_tick_nb(core, sstate, params, data, ev, ts, s, bid, ask, rlog, rlog_n):
    """A TICK of symbol ``s`` through the core (``ev`` is a 1-row scratch event)."""
    e = ev[0]
    tick_event_nb(e, ts, s, bid, ask)
    c = core[0]
    n = step_nb(e, c, sstate, params, data)
    if c["n_risk_log"] > 0:
        drain_risk_nb(c, rlog, rlog_n)
    return n


@kernel
def step_events_nb(core, sstate, params, data, events, start, orders, src, rlog, rlog_n):
    """Events ``start..`` through the core while ``orders`` has a full outbox of room
    and ``rlog`` a full risk log of room.

    Appends each step's orders to ``orders`` and the event's index to ``src``; returns
    (next event index, orders written).
    """
    c = core[0]
    outbox = c["outbox"]
    m = 0
    k = start
    while k < events.shape[0] and m + OUTBOX <= orders.shape[0] \
            and rlog_n[0] + RISK_LOG <= rlog.shape[0]:
        n = step_nb(events[k], c, sstate, params, data)
        if c["n_risk_log"] > 0:
            drain_risk_nb(c, rlog, rlog_n)
        for j in range(n):
            orders[m] = outbox[j]
            src[m] = k
            m += 1
        k += 1
    return k, m


def raise_strategy_error(core) -> None:
    """A strategy called by address raised (its wrapper caught it: a C function cannot)."""
    raise RuntimeError(
        f"{core.strategy.__name__}: the strategy raised an exception in "
        f"{int(core.record['n_raised'])} call(s) (it is called by address, which cannot show "
        f"it): run with strategy_call=inline, or NUMBA_DISABLE_JIT=1, to see it")


class DecisionCore:
    """Strategy -> risk -> routing for one strategy over a set of symbols.

    Args:
        strategy: the strategy module (``Params``, ``params_dt``, ``make_params``,
            ``make_state``, ``make_data``, ``on_event_nb``; sim/core/strategy_api.py).
        params: its params record (``strategy.make_params(Params(...))``; the core keeps it
            in the strategy's tagged record type, ``strategy_api.bind``).
        syms: one ``symbol_dt`` row per symbol (``sim.config.symbol_records``).
        mode: ``AccountMode`` of the account.
        balance: starting balance, account currency.
        limits: risk limits (``sim.core.state.make_limits``).
        data: the strategy's data array (``strategy.make_data``), if any.
        fn_address: call the strategy through this C function address instead of
            inlining it (``sim.strategy_wrapper.strategy_address``; the kernels are then
            compiled once for every strategy).
        utc_offset: the server clock minus UTC at the first event, ns
            (``sim.venue.sim_venue.utc_offset``); each TIMER DAY updates it.
    """

    def __init__(self, strategy: ModuleType, params: np.ndarray, syms: np.ndarray, mode: int,
                 balance: float = 0.0, limits: np.ndarray | None = None,
                 data: np.ndarray | None = None, fn_address: int = 0, utc_offset: int = 0):
        self.strategy = strategy
        self.data = np.ascontiguousarray(data if data is not None else np.zeros(0))
        self.sstate = strategy.make_state()
        if fn_address:
            # called by address (sim/core/strategy_pointer.py): the kernels get a pointer
            # record to these arrays, which this object keeps alive
            self.params = np.ascontiguousarray(params)
            ptr = np.zeros(1, dtype=pointer_dt)
            ptr[0] = (fn_address, self.sstate.ctypes.data, self.params.ctypes.data,
                      self.data.ctypes.data, len(self.data))
            self.args = (np.zeros(1, np.uint8), ptr, np.zeros(0))
            self._raised = True
        else:
            self._raised = None
            self.params = bind(params, strategy.on_event_nb)
            self.args = (self.sstate, self.params, self.data)
        self.state = make_core(syms, mode, balance, limits, utc_offset)
        if self._raised:                               # a view: checked after each call
            self._raised = self.state["n_raised"]
        self.outbox = self.state["outbox"][0]          # a view: this step's orders
        self.ev = np.zeros(1, dtype=event_dt)          # scratch event for ``tick``
        self._orders = np.zeros(64 * OUTBOX, dtype=order_dt)
        self._src = np.zeros(64 * OUTBOX, dtype=np.int64)
        self.rlog = np.zeros(4 * RISK_LOG, dtype=risk_event_dt)   # the risk journal
        self.rlog_n = np.zeros(1, np.int64)

    def room(self) -> None:
        """Keep a full core risk log of room in the journal (grown by doubling)."""
        if self.rlog_n[0] + RISK_LOG > len(self.rlog):
            grown = np.zeros(2 * len(self.rlog), dtype=risk_event_dt)
            grown[: len(self.rlog)] = self.rlog
            self.rlog = grown

    @property
    def pending(self) -> np.ndarray:
        """The core's mirror of its pending orders at the venue (``order_dt``, a view)."""
        rec = self.record
        return rec["pending"][: int(rec["n_pending"])]

    @property
    def risk_events(self) -> np.ndarray:
        """Every risk decision so far (``risk_event_dt``): denials and state changes."""
        return self.rlog[: self.rlog_n[0]]

    def risk_basis(self) -> dict:
        """What the loss rules measure from now (``sim.core.state.RISK_BASIS``)."""
        r = self.record["risk"]
        return {k: r[k].item() for k in RISK_BASIS}

    def set_risk_basis(self, **basis) -> None:
        """Set some of ``RISK_BASIS`` (a live session: the broker's figures, or those of
        the session it resumes).  A money basis of NaN is "not known yet": the daily loss
        and drawdown rules wait for it (they never fire on an unknown basis)."""
        r = self.record["risk"]
        for k, v in basis.items():
            if k not in RISK_BASIS:
                raise KeyError(f"{k}: not a risk basis (expected one of {', '.join(RISK_BASIS)})")
            r[k] = v

    def set_trading_state(self, state: int, ts: int) -> np.ndarray:
        """A command (the operator's): set ``TradingState`` at ``ts`` (ns UTC), logged as
        ``Retcode.RISK_COMMAND``, with no automatic re-arm; HALTED cancels the pending
        orders (and, with ``flatten_on_halt``, closes the positions): those orders are
        returned, to send."""
        self.room()
        n = command_nb(self.state[0], ts, state)
        drain_risk_nb(self.state[0], self.rlog, self.rlog_n)
        return self.outbox[:n]

    def on_event(self, ev: np.ndarray) -> np.ndarray:
        """Handle one event (a 1-row ``event_dt`` array); return this step's orders (a view)."""
        self.room()
        n = step_event_nb(self.state, *self.args, ev, self.rlog, self.rlog_n)
        if self._raised is not None and self._raised[0]:
            raise_strategy_error(self)
        return self.outbox[:n]

    def tick(self, ts: int, symbol: int, bid: float, ask: float) -> np.ndarray:
        """Handle a TICK (ns UTC, symbol index, prices); return this step's orders (a view)."""
        self.room()
        n = step_tick_nb(self.state, *self.args, self.ev, ts, symbol, bid, ask, self.rlog,
                         self.rlog_n)
        if self._raised is not None and self._raised[0]:
            raise_strategy_error(self)
        return self.outbox[:n]

    def on_events(self, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Handle a block of events in order; return (orders, index of each one's event).

        The arrays are views into buffers reused by the next call: copy what you keep.
        """
        self.room()
        k, m = step_events_nb(self.state, *self.args, events, 0, self._orders, self._src,
                              self.rlog, self.rlog_n)
        if self._raised is not None and self._raised[0]:
            raise_strategy_error(self)
        if k == len(events):
            return self._orders[:m], self._src[:m]
        parts, srcs = [self._orders[:m].copy()], [self._src[:m].copy()]
        while k < len(events):
            self.room()
            k, m = step_events_nb(self.state, *self.args, events, k, self._orders, self._src,
                                  self.rlog, self.rlog_n)
            parts.append(self._orders[:m].copy())
            srcs.append(self._src[:m].copy())
        return np.concatenate(parts), np.concatenate(srcs)

    @property
    def record(self):
        """The state record (``core_dt``): counters, account view, quotes, book, limits."""
        return self.state[0]
