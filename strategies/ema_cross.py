"""ema_cross: the reference strategy, defined so that any engine can reproduce it.

- mid = (bid + ask) / 2 of the strategy's symbol;
- two EMAs of mid with the pandas ``ewm(span, adjust=False)`` recursion
  (alpha = 2 / (span + 1)), both seeded with the first mid; spans in ticks;
- ``up`` = fast EMA > slow EMA, initially False;
- when ``up`` turns True the target position is +``lots``; when it turns False,
  -``lots``: always in the market after the first signal, a reversal is one net
  order of 2 x ``lots`` on a netting account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.enums import Action, EventKind
from sim.core.strategy_api import register
from sim.jit_cache import kernel


@dataclass(frozen=True)
class Params:
    """Args:
    fast: fast EMA span, ticks.
    slow: slow EMA span, ticks.
    lots: position size, lots.
    symbol: index of the traded symbol among the replayed ones.
    """

    fast: int = 50
    slow: int = 200
    lots: float = 0.1
    symbol: int = 0

    def __post_init__(self):
        if not (1 <= self.fast < self.slow):
            raise ValueError(f"ema_cross needs 1 <= fast < slow, got fast={self.fast} slow={self.slow}")
        if self.lots <= 0:
            raise ValueError(f"ema_cross needs lots > 0, got {self.lots}")


params_dt = np.dtype([("alpha_fast", np.float64), ("alpha_slow", np.float64),
                      ("lots", np.float64), ("symbol", np.int32)], align=True)
state_dt = np.dtype([("fast", np.float64), ("slow", np.float64), ("up", np.bool_),
                     ("seeded", np.bool_), ("signals", np.int64)], align=True)


def make_params(p: Params) -> np.ndarray:
    rec = np.zeros(1, dtype=params_dt)
    rec[0]["alpha_fast"] = 2.0 / (p.fast + 1.0)
    rec[0]["alpha_slow"] = 2.0 / (p.slow + 1.0)
    rec[0]["lots"] = p.lots
    rec[0]["symbol"] = p.symbol
    return rec


def make_state() -> np.ndarray:
    return np.zeros(1, dtype=state_dt)


def make_data(p: Params) -> np.ndarray:
    """ema_cross needs no external data."""
    return np.zeros(0)


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    """Update the EMAs on a tick of the traded symbol; emit a TARGET intent on a cross."""
    st = sstate[0]
    pr = params[0]
    if e["kind"] != EventKind.TICK or e["symbol"] != pr["symbol"]:
        return 0
    mid = 0.5 * (e["bid"] + e["ask"])
    if not st["seeded"]:
        st["fast"] = mid
        st["slow"] = mid
        st["seeded"] = True
        return 0
    af = pr["alpha_fast"]
    a_s = pr["alpha_slow"]
    st["fast"] = af * mid + (1.0 - af) * st["fast"]
    st["slow"] = a_s * mid + (1.0 - a_s) * st["slow"]
    up = st["fast"] > st["slow"]
    if up == st["up"]:
        return 0
    st["up"] = up
    st["signals"] += 1
    it = intents[0]
    it["action"] = Action.TARGET
    it["symbol"] = pr["symbol"]
    it["volume"] = pr["lots"] if up else -pr["lots"]
    return 1


register(params_dt, on_event_nb)
