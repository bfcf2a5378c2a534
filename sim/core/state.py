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
from sim.core.records import MAX_SYMBOLS, THROTTLE, WINDOWS, core_dt, limits_dt

NS = 1_000_000_000
MAX_MINUTES = 24 * 60
# the numeric risk.* keys (make_limits' keywords) and their types; each is >= 0, 0 = rule off
RISK_NUMBERS = {
    "max_order_lots": float, "max_notional": float, "collar_points": float,
    "max_spread_points": float, "max_tick_age_ms": float, "max_position_lots": float,
    "max_gross_lots": float, "max_open_positions": int, "max_pending_orders": int,
    "min_margin_level_pct": float, "max_orders": int, "orders_window_s": float,
    "max_fills_per_day": int, "daily_loss_pct": float, "max_drawdown_pct": float,
    "max_consecutive_losses": int, "cooldown_s": float, "max_loss_per_trade": float,
}
# what the loss rules measure from (the ``risk`` record's fields): the server day's balance
# and equity, the start and peak equity (NaN: not known yet, those rules wait), the day's
# fills and the losing streak; live sessions set them from the broker (docs/operations.md)
RISK_BASIS = ("day_balance", "day_equity", "start_equity", "peak_equity", "fills_day",
              "consecutive_losses")


def parse_windows(name: str, windows) -> np.ndarray:
    """``["HH:MM-HH:MM", ...]`` (server time; a window may wrap midnight) as [from, to) ns
    after server midnight, one row each; one clear error for anything else."""
    out = []
    for w in windows or ():
        try:
            a, b = str(w).split("-")
            ends = []
            for t in (a, b):
                h, m = t.strip().split(":")
                minutes = int(h) * 60 + int(m)
                if not (0 <= int(m) < 60 and 0 <= minutes <= MAX_MINUTES):
                    raise ValueError
                ends.append(minutes * 60 * NS)
        except ValueError:
            raise ValueError(f"{name}: {w!r} is not a server-time window HH:MM-HH:MM "
                             f"(e.g. 07:00-20:00, or 22:00-02:00 across midnight)") from None
        out.append(ends)
    if len(out) > WINDOWS:
        raise ValueError(f"{name}: at most {WINDOWS} windows, got {len(out)}")
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def make_limits(kill: bool = False, max_order_lots: float = 0.0, bypass: bool = False, *,
                kill_symbol: int = -1, max_notional: float = 0.0, collar_points: float = 0.0,
                max_spread_points: float = 0.0, max_tick_age_ms: float = 0.0,
                max_position_lots: float = 0.0, max_gross_lots: float = 0.0,
                max_open_positions: int = 0, max_pending_orders: int = 0,
                min_margin_level_pct: float = 0.0, max_orders: int = 0,
                orders_window_s: float = 0.0, max_fills_per_day: int = 0,
                daily_loss_pct: float = 0.0, daily_basis: str = "balance",
                max_drawdown_pct: float = 0.0, trailing: bool = False,
                max_consecutive_losses: int = 0, cooldown_s: float = 0.0,
                require_sl: bool = False, max_loss_per_trade: float = 0.0,
                flatten_on_halt: bool = False, sessions=(), blackouts=()):
    """A ``limits_dt`` record (1 row) for the risk stage; 0 / False / empty = rule off.

    The keyword names are the ``risk.*`` config keys (docs/risk.md); ``kill_symbol`` is
    the kill switch's scope as a symbol index (-1: every symbol).
    """
    given = dict(locals())
    if max_orders > THROTTLE:
        raise ValueError(f"risk.max_orders={max_orders}: at most {THROTTLE}")
    if max_orders and not orders_window_s > 0:
        raise ValueError("risk.max_orders needs risk.orders_window_s > 0 (the throttle's window)")
    if daily_basis not in ("balance", "equity"):
        raise ValueError(f"risk.daily_basis={daily_basis!r}: expected balance or equity")
    for key in RISK_NUMBERS:
        if not given[key] >= 0:
            raise ValueError(f"risk.{key}={given[key]}: expected a number >= 0 (0 turns the "
                             f"rule off)")
    rec = np.zeros(1, dtype=limits_dt)
    r = rec[0]
    r["bypass"] = bypass
    r["kill"] = kill
    r["kill_symbol"] = kill_symbol
    r["max_order_lots"] = max_order_lots
    r["max_notional"] = max_notional
    r["collar_points"] = collar_points
    r["max_spread_points"] = max_spread_points
    r["max_tick_age"] = round(max_tick_age_ms * 1e6)
    r["max_position_lots"] = max_position_lots
    r["max_gross_lots"] = max_gross_lots
    r["max_open_positions"] = max_open_positions
    r["max_pending_orders"] = max_pending_orders
    r["min_margin_level_pct"] = min_margin_level_pct
    r["max_orders"] = max_orders
    r["orders_window"] = round(orders_window_s * NS)
    r["max_fills_per_day"] = max_fills_per_day
    r["daily_loss_pct"] = daily_loss_pct
    r["daily_basis"] = 1 if daily_basis == "equity" else 0
    r["max_drawdown_pct"] = max_drawdown_pct
    r["trailing"] = trailing
    r["max_consecutive_losses"] = max_consecutive_losses
    r["cooldown"] = round(cooldown_s * NS)
    r["require_sl"] = require_sl
    r["max_loss_per_trade"] = max_loss_per_trade
    r["flatten_on_halt"] = flatten_on_halt
    for key, windows in (("sessions", sessions), ("blackouts", blackouts)):
        w = parse_windows(f"risk.{key}", windows)
        r["n_" + key] = len(w)
        r[key][: len(w)] = w
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
    risk = c["risk"]
    risk["day_balance"] = risk["day_equity"] = balance
    risk["start_equity"] = risk["peak_equity"] = balance
    c["spec"][: len(syms)] = syms
    return core
