"""scripted: replay a fixed list of intents at given times (tests, cross-checks, what-ifs).

Each script row is sent at the first tick with ``ts >= row["ts"]`` (any symbol), in
row order.  Use it to drive the venue with exact orders (hand-computed cases) or to
feed identical entry/exit signals to ticklab and another engine (vectorbt).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.enums import Action, EventKind, OrderType
from sim.core.strategy_api import register
from sim.jit_cache import kernel

script_dt = np.dtype([("ts", np.int64), ("action", np.int32), ("symbol", np.int32),
                      ("type", np.int32), ("volume", np.float64), ("price", np.float64),
                      ("sl", np.float64), ("tp", np.float64), ("expiry", np.int64),
                      ("ticket", np.int64), ("stoplimit", np.float64),
                      ("type_time", np.int32), ("by_ticket", np.int64)], align=True)
params_dt = np.dtype([("script_rows", np.int64)], align=True)
state_dt = np.dtype([("cursor", np.int64)], align=True)


@dataclass(frozen=True)
class Params:
    """Args:
    rows: the script, a ``script_dt`` array sorted by ``ts`` (see ``row``/``target``).
    """

    rows: tuple = ()


def row(ts: int, action: int = Action.NEW, type: int = OrderType.BUY, volume: float = 0.0,
        price: float = 0.0, sl: float = 0.0, tp: float = 0.0, expiry: int = 0, ticket: int = 0,
        symbol: int = 0, stoplimit: float = 0.0, type_time: int = 0, by_ticket: int = 0) -> tuple:
    """One script row (times int64 ns UTC, prices, lots; ``type_time`` an ``OrderTime``)."""
    return (ts, action, symbol, type, volume, price, sl, tp, expiry, ticket, stoplimit,
            type_time, by_ticket)


def close_by(ts: int, ticket: int, by_ticket: int, symbol: int = 0) -> tuple:
    """A row closing position ``ticket`` by the opposite position ``by_ticket`` (hedging)."""
    return row(ts, Action.CLOSE_BY, OrderType.CLOSE_BY, ticket=ticket, by_ticket=by_ticket,
               symbol=symbol)


def target(ts: int, volume: float, symbol: int = 0) -> tuple:
    """A row asking for a signed net position of ``volume`` lots."""
    return row(ts, Action.TARGET, volume=volume, symbol=symbol)


def make_data(p: Params) -> np.ndarray:
    data = np.array(list(p.rows), dtype=script_dt)
    if len(data) and np.any(np.diff(data["ts"]) < 0):
        raise ValueError("scripted: rows must be sorted by ts")
    return data


def make_params(p: Params) -> np.ndarray:
    rec = np.zeros(1, dtype=params_dt)
    rec[0]["script_rows"] = len(p.rows)
    return rec


def make_state() -> np.ndarray:
    return np.zeros(1, dtype=state_dt)


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    """Emit every script row due at this tick."""
    st = sstate[0]
    if e["kind"] != EventKind.TICK:
        return 0
    n = 0
    while st["cursor"] < data.shape[0] and data[st["cursor"]]["ts"] <= e["ts"] \
            and n < intents.shape[0]:
        r = data[st["cursor"]]
        it = intents[n]
        it["action"] = r["action"]
        it["symbol"] = r["symbol"]
        it["type"] = r["type"]
        it["volume"] = r["volume"]
        it["price"] = r["price"]
        it["sl"] = r["sl"]
        it["tp"] = r["tp"]
        it["expiry"] = r["expiry"]
        it["ticket"] = r["ticket"]
        it["stoplimit"] = r["stoplimit"]
        it["type_time"] = r["type_time"]
        it["by_ticket"] = r["by_ticket"]
        st["cursor"] += 1
        n += 1
    return n


register(params_dt, on_event_nb)
