"""A backtest's Python driver: the merged tick stream, the venue, the decision core.

``Simulation`` owns every array of one run: the ticks, a ``VenueState`` (the simulated
venue's arrays) and a ``DecisionCore`` (strategy, risk, routing).  ``run()`` calls the
njit ``replay_nb`` and, when a journal fills up, grows it and resumes (all state is in
the arrays, so a resumed run is identical to an uninterrupted one).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from sim.batch.replay import replay_nb
from sim.config import AccountConfig, ExecutionConfig, account_mode
from sim.core.decision import DecisionCore, raise_strategy_error
from sim.core.enums import Status
from sim.core.records import NO_TS, event_dt
from sim.data.symbols import SymbolSpec
from sim.results import RunResult, run_result
from sim.venue.sim_venue import rollovers, utc_offset
from sim.venue.state import VenueState


def frozen(a: np.ndarray, dtype) -> np.ndarray:
    """A C-contiguous, read-only view (a copy only if the type or layout differs).

    The replay loop never writes its ticks, and numba compiles one signature per array
    writability: ticks from a Parquet cache (read-only), a fresh import or a DataFrame
    (writable) would each compile the loop again (~50 s).  All of them reach it read-only.
    """
    view = np.ascontiguousarray(a, dtype=dtype).view()
    view.flags.writeable = False
    return view


def merge_streams(streams: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """Merge per-symbol (ts, bid, ask) by timestamp, stable (ties keep symbol order).

    Returns read-only (ts, sym, bid, ask) (``frozen``); ``sym`` is empty for a single
    symbol (saves memory).
    """
    if len(streams) == 1:
        ts, bid, ask = streams[0]
        return (frozen(ts, np.int64), frozen(np.zeros(0, np.int32), np.int32),
                frozen(bid, np.float64), frozen(ask, np.float64))
    ts = np.concatenate([s[0] for s in streams]).astype(np.int64)
    sym = np.concatenate([np.full(len(s[0]), k, np.int32) for k, s in enumerate(streams)])
    order = np.argsort(ts, kind="stable")
    bid = np.concatenate([s[1] for s in streams])[order]
    ask = np.concatenate([s[2] for s in streams])[order]
    return tuple(frozen(a, a.dtype) for a in (ts[order], sym[order], bid, ask))


class Simulation:
    """One backtest: the tick stream, the venue state, the decision core and its strategy.

    ``fn_address``: call the strategy by address (``sim.strategy_wrapper``) instead of
    inlining it into the loop, which is then compiled once for every strategy.
    """

    def __init__(self, specs: list[SymbolSpec], streams, strategy: ModuleType, params: np.ndarray,
                 execution: ExecutionConfig, account: AccountConfig, limits: np.ndarray | None = None,
                 data: np.ndarray | None = None, fn_address: int = 0, rolls=None):
        if len(specs) != len(streams):
            raise ValueError("one tick stream per symbol spec")
        ts, sym, bid, ask = merge_streams(streams)
        if rolls is None:           # (a sweep passes those of its first run: never written)
            rolls = rollovers(int(ts[0]), int(ts[-1]), account.server_tz) if len(ts) \
                else (np.zeros(0, np.int64), np.zeros(0, np.int64))
        roll_ts, roll_wd = rolls
        self.T = (ts, sym, bid, ask, roll_ts, roll_wd)
        span = (int(ts[-1]) - int(ts[0])) if len(ts) else 0
        self.venue = VenueState(specs, execution, account, span,
                                int(roll_ts[0]) if len(roll_ts) else NO_TS)
        self.core = DecisionCore(strategy, params, self.venue.syms, account_mode(account),
                                 account.balance, limits, data, fn_address,
                                 utc_offset(int(ts[0]), account.server_tz) if len(ts) else 0)
        self.ev = np.zeros(2, dtype=event_dt)     # a TICK and a venue event (replay_nb)

    @property
    def V(self) -> list[np.ndarray]:
        """The venue's arrays, in kernel argument order."""
        return self.venue.V

    def _replay(self, T) -> int:
        c = self.core
        return replay_nb(*T, *self.venue.V, c.state, *c.args, self.ev, c.rlog, c.rlog_n)

    def warm(self) -> None:
        """Compile or load the replay kernel for these array types (no tick is processed)."""
        self._replay(tuple(a[:0] for a in self.T[:4]) + self.T[4:])

    def run(self, progress=None, chunk: int = 4_000_000) -> RunResult:
        """Replay every tick in the njit loop; return the records.

        Args:
            progress: optional ``callback(done_ticks, total_ticks)``, called between chunks.
            chunk: ticks per njit call when ``progress`` is given (a call resumes exactly
                where the previous one stopped).
        """
        n = len(self.T[0])
        while True:
            done = int(self.venue.account["tick_i"])
            end = n if progress is None else min(n, done + chunk)
            T = tuple(a[:end] for a in self.T[:4]) + self.T[4:] if end < n else self.T
            status = self._replay(T)
            if status == Status.NEED_SPACE:
                self.venue.grow()
                self.core.room()
                continue
            if status == Status.OVERFLOW:
                i = int(self.venue.account["tick_i"]) - 1
                raise RuntimeError(f"tick {i}: " + self.venue.overflow_message(int(self.T[0][i])))
            if self.core.record["n_raised"]:
                raise_strategy_error(self.core)
            if progress is not None:
                progress(end, n)
            if end >= n:
                return self.result()

    def result(self) -> RunResult:
        """The records of the run: views of the journals (a Simulation runs once)."""
        return run_result(self.venue, self.core, len(self.T[0]))
