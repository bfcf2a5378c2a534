"""The decision core's state: one ``core_dt`` record, made by one factory.

Everything the three stages (strategy, risk, routing) read or write lives in this one
record: counters, the account view, the trading state and limits, per-symbol specs,
quotes and exposure, the positions book, the intents scratch buffer, the outbox and the
core's events to itself.  Kernels receive it as one record (a pointer), so a new field
is one line in ``sim/core/records.py`` and reaches every stage without a new argument.
Capacities are fixed (``MAX_SYMBOLS``, ``BOOK``, ``INTENTS``, ``OUTBOX``) so the layout, and
with it the compiled kernels, never depend on the run.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import TradingState
from sim.core.records import MAX_SYMBOLS, core_dt, limits_dt


def make_limits(kill: bool = False, max_order_lots: float = 0.0, bypass: bool = False):
    """A ``limits_dt`` record (1 row) for the risk stage; 0 / False = rule off."""
    rec = np.zeros(1, dtype=limits_dt)
    rec[0]["kill"] = kill
    rec[0]["max_order_lots"] = max_order_lots
    rec[0]["bypass"] = bypass
    return rec


def make_core(syms: np.ndarray, mode: int, balance: float = 0.0,
              limits: np.ndarray | None = None, utc_offset: int = 0) -> np.ndarray:
    """Return a fresh decision-core state (a 1-row ``core_dt`` array).

    Args:
        syms: one ``symbol_dt`` row per symbol the core trades (``sim.config.symbol_records``);
            an event's ``symbol`` indexes these rows.
        mode: the account's ``AccountMode`` (netting or hedging).
        balance: the account balance before the first event, account currency (the view
            then follows the venue's FILL / ACCOUNT / TIMER events).
        limits: the risk limits (``make_limits``); default: every rule off.
        utc_offset: the broker's server clock minus UTC at the first event, ns (bars and
            sessions start on the server's clock); each TIMER DAY then updates it.
    """
    if not 1 <= len(syms) <= MAX_SYMBOLS:
        raise ValueError(f"the decision core takes 1 to {MAX_SYMBOLS} symbols, got {len(syms)}")
    core = np.zeros(1, dtype=core_dt)
    c = core[0]
    c["next_cid"] = 1
    c["mode"] = mode
    c["n_sym"] = len(syms)
    c["balance"] = balance
    c["equity"] = balance
    c["utc_offset"] = utc_offset
    c["trading_state"] = TradingState.ACTIVE
    c["limits"] = (limits if limits is not None else make_limits())[0]
    c["spec"][: len(syms)] = syms
    return core
