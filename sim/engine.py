"""Build the kernel state from config and run the replay (Python edge of the core).

``Simulation`` owns every array of one run.  ``run()`` calls the strategy's njit
``replay_nb`` and, when a journal fills up, grows it and resumes (all state is in
the arrays, so a resumed run is identical to an uninterrupted one).
``run_per_event()`` drives the very same kernels one event at a time from Python,
as the live runner does: the parity test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from sim.config import (
    ZERO_DECIMAL_CCY,
    AccountConfig,
    ExecutionConfig,
    account_mode,
    exec_record,
    limits_record,
    symbol_records,
)
from sim.data.symbols import SymbolSpec
from sim.data.timezones import NS_PER_DAY, server_midnights_utc, utc_to_server
from sim.dtypes import (
    account_dt,
    deal_dt,
    decision_dt,
    dsym_dt,
    equity_dt,
    event_dt,
    intent_dt,
    order_dt,
    position_dt,
    trade_dt,
)
from sim.enums import OrderState, Status
from sim.latency import rng_seed
from sim.replay import (
    begin_tick_nb,
    drain_outbox_nb,
    end_tick_nb,
    pop_report_nb,
    replay_nb,
    symbol_at_nb,
    tick_event_nb,
)
from sim.step import step_nb

POSITIONS = 64
OUTBOX = 64
INTENTS = 16


def merge_streams(streams: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """Merge per-symbol (ts, bid, ask) by timestamp, stable (ties keep symbol order).

    Returns (ts, sym, bid, ask); ``sym`` is empty for a single symbol (saves memory).
    """
    if len(streams) == 1:
        ts, bid, ask = streams[0]
        return (np.ascontiguousarray(ts, dtype=np.int64), np.zeros(0, np.int32),
                np.ascontiguousarray(bid, dtype=np.float64),
                np.ascontiguousarray(ask, dtype=np.float64))
    ts = np.concatenate([s[0] for s in streams]).astype(np.int64)
    sym = np.concatenate([np.full(len(s[0]), k, np.int32) for k, s in enumerate(streams)])
    order = np.argsort(ts, kind="stable")
    bid = np.concatenate([s[1] for s in streams])[order]
    ask = np.concatenate([s[2] for s in streams])[order]
    return ts[order], sym[order], bid, ask


def rollovers(ts: np.ndarray, server_tz: str):
    """Server-midnight instants inside the data and the weekday (0=Sun) of the day ending."""
    if len(ts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    roll = server_midnights_utc(int(ts[0]), int(ts[-1]), server_tz)
    days = utc_to_server(roll, server_tz) // NS_PER_DAY
    # 1970-01-01 was a Thursday (4); the day that ends at midnight D is D - 1
    return roll.astype(np.int64), ((days + 3) % 7).astype(np.int64)


@dataclass
class RunResult:
    """Raw records of one run (trimmed to their used length)."""

    names: list[str]
    deals: np.ndarray
    trades: np.ndarray
    equity: np.ndarray
    orders: np.ndarray        # every order the decision side sent (order_dt), in send order
    positions: np.ndarray     # still open at the end
    account: np.ndarray
    decision: np.ndarray
    sstate: np.ndarray
    n_ticks: int


class Simulation:
    """One backtest: the tick stream, the venue state, the decision state and the strategy."""

    def __init__(self, specs: list[SymbolSpec], streams, strategy: ModuleType, params: np.ndarray,
                 execution: ExecutionConfig, account: AccountConfig, limits: np.ndarray | None = None,
                 data: np.ndarray | None = None):
        if len(specs) != len(streams):
            raise ValueError("one tick stream per symbol spec")
        self.names = [s.name for s in specs]
        self.strategy = strategy
        self.params = params
        self.data = data if data is not None else np.zeros(0)
        ts, sym, bid, ask = merge_streams(streams)
        roll_ts, roll_wd = rollovers(ts, account.server_tz)
        self.T = (ts, sym, bid, ask, roll_ts, roll_wd)
        n_sym = len(specs)
        syms = symbol_records(specs, account)
        cfg = exec_record(execution, account)
        acct = np.zeros(1, dtype=account_dt)
        a = acct[0]
        a["balance"] = account.balance
        a["equity"] = account.balance
        a["leverage"] = account.leverage
        a["so_call"] = account.margin_call
        a["so_level"] = account.stop_out
        a["acc_digits"] = 0 if account.currency.upper() in ZERO_DECIMAL_CCY else 2
        a["mode"] = account_mode(account)
        a["next_ticket"] = 1001
        a["next_deal"] = 1
        a["rng"] = rng_seed(execution.seed)
        a["day_end"] = roll_ts[0] if len(roll_ts) else np.iinfo(np.int64).max
        span = (int(ts[-1]) - int(ts[0])) if len(ts) else 0
        n_eq = span // max(int(cfg[0]["eq_bucket_ns"]), 1) + 16
        tmp = np.zeros(1, dtype=order_dt)
        self.V = [np.zeros(POSITIONS, dtype=position_dt), self._orders(256),
                  np.zeros(1024, dtype=deal_dt), np.zeros(1024, dtype=trade_dt),
                  np.zeros(256, dtype=event_dt), acct, cfg, syms,
                  np.zeros(n_sym), np.zeros(n_sym), tmp, np.zeros(n_eq, dtype=equity_dt),
                  np.zeros(1024, dtype=order_dt)]
        dstate = np.zeros(1, dtype=decision_dt)
        dstate[0]["next_cid"] = 1
        self.D = (dstate, limits if limits is not None else limits_record(),
                  np.zeros(n_sym, dtype=dsym_dt), np.zeros(POSITIONS, dtype=position_dt),
                  int(a["mode"]), np.zeros(INTENTS, dtype=intent_dt),
                  np.zeros(OUTBOX, dtype=order_dt))
        self.sstate = strategy.make_state()

    @staticmethod
    def _orders(n):
        o = np.zeros(n, dtype=order_dt)
        o["state"] = OrderState.FREE
        return o

    def _grow(self):
        # the kernel asked for room: grow every journal that lacks need_room free rows
        a = self.V[5][0]
        room = int(a["need_room"])
        for k, used in ((1, "n_orders"), (2, "n_deals"), (3, "n_trades"), (4, "n_reports"),
                        (11, "n_eq"), (12, "n_olog")):
            arr = self.V[k]
            size = len(arr)
            while size < int(a[used]) + room:
                size *= 4                   # few regrowths (each is a copy and a re-entry)
            if size != len(arr):
                new = self._orders(size) if k == 1 else np.zeros(size, arr.dtype)
                new[: len(arr)] = arr
                self.V[k] = new

    def warm(self) -> None:
        """Compile or load the replay kernel for these array types (no tick is processed)."""
        empty = tuple(a[:0] for a in self.T[:4]) + self.T[4:]
        replay_nb(*empty, *self.V, *self.D, self.sstate, self.params, self.data,
                  np.zeros(1, dtype=event_dt))

    def run(self, progress=None, chunk: int = 4_000_000) -> RunResult:
        """Replay every tick in the njit loop; return the records.

        Args:
            progress: optional ``callback(done_ticks, total_ticks)``, called between chunks.
            chunk: ticks per njit call when ``progress`` is given (a call resumes exactly
                where the previous one stopped).
        """
        n = len(self.T[0])
        ev = np.zeros(1, dtype=event_dt)
        while True:
            done = int(self.V[5][0]["tick_i"])
            end = n if progress is None else min(n, done + chunk)
            T = tuple(a[:end] for a in self.T[:4]) + self.T[4:] if end < n else self.T
            status = replay_nb(*T, *self.V, *self.D, self.sstate, self.params, self.data, ev)
            if status == Status.NEED_SPACE:
                self._grow()
                continue
            if status == Status.OVERFLOW:
                raise RuntimeError(self._overflow_message())
            if progress is not None:
                progress(end, n)
            if end >= n:
                return self.result()

    def _overflow_message(self) -> str:
        a = self.V[5][0]
        i = int(a["tick_i"]) - 1
        return (f"simulator journal overflow at tick {i} (ts {int(self.T[0][i])}): one tick "
                f"produced more deals/reports/orders than the per-tick headroom "
                f"(deals {int(a['n_deals'])}/{len(self.V[2])}, orders {int(a['n_olog'])}/"
                f"{len(self.V[12])}); the run is void. Raise sim.replay.HEADROOM or reduce "
                f"the orders a strategy sends per event.")

    def run_per_event(self) -> RunResult:
        """Drive the same kernels one event at a time from Python (the live runner's shape)."""
        ev = np.zeros(1, dtype=event_dt)
        tts, tsym, tbid, task = self.T[:4]
        dstate_a, limits_a, dsym, book, mode, intents, outbox = self.D
        dstate, limits = dstate_a[0], limits_a[0]

        def step():
            step_nb(ev, self.sstate, self.params, self.data, dstate, limits, dsym, book,
                                  self.V[7], mode, intents, outbox)
            if dstate["n_out"] > 0:
                drain_outbox_nb(*V, dstate, outbox, now, symbol_at_nb(tsym, i))

        while True:
            V = list(self.V)
            V[5], V[6] = V[5][0], V[6][0]        # account and execution records
            acct = V[5]
            i = begin_tick_nb(*self.T, *V)
            if i == -1 - Status.DONE:
                return self.result()
            if i < 0:
                self._grow()
                continue
            now = tts[i]
            while pop_report_nb(V[4], acct, now, ev):
                step()
            tick_event_nb(tts, tsym, tbid, task, i, ev)
            step()
            while pop_report_nb(V[4], acct, now, ev):
                step()
            end_tick_nb(tts, self.T[4], V[0], V[4], acct, V[6], V[7], V[8], V[9], V[11])
            if acct["overflow"]:
                raise RuntimeError(self._overflow_message())

    def result(self) -> RunResult:
        """The records of the run: views of the journals (a Simulation runs once)."""
        a = self.V[5][0]
        pos = self.V[0]
        return RunResult(
            names=self.names,
            deals=self.V[2][: a["n_deals"]],
            trades=self.V[3][: a["n_trades"]],
            equity=self.V[11][: a["n_eq"]],
            orders=self.V[12][: a["n_olog"]],
            positions=pos[pos["active"]].copy(),
            account=self.V[5].copy(),
            decision=self.D[0].copy(),
            sstate=self.sstate.copy(),
            n_ticks=len(self.T[0]),
        )
