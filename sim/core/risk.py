"""Risk stage between strategy and routing (shared with live).

Today: the kill switch and the trading state (with the kill switch on, or in REDUCING
or HALTED, only orders that reduce exposure pass: closes, cancels, Close By, a TARGET
nearer zero) and a per-order volume cap on new orders, read from ``core["limits"]``.  The
risk issue fills in the rest (rate limits, daily loss, exposure caps) behind this same
signature: everything it needs (account view, symbol specs, book, clock) is in ``core``.
"""

from __future__ import annotations

from sim.core.enums import Action, Retcode, TradingState
from sim.jit_cache import kernel


@kernel
def check_intent_nb(intent, c):
    """Return ``Retcode.DONE`` to let ``intent`` through, else the risk retcode."""
    limits = c["limits"]
    if limits["bypass"]:
        return Retcode.DONE
    reduces = intent["action"] == Action.CLOSE or intent["action"] == Action.CANCEL \
        or intent["action"] == Action.CLOSE_BY
    if intent["action"] == Action.TARGET:
        q = c["quote"][intent["symbol"]]
        cur = q["net"] + q["working"]
        reduces = abs(intent["volume"]) < abs(cur) and intent["volume"] * cur >= 0.0
    if reduces:             # closing, cancelling, reducing: always let through
        return Retcode.DONE
    if limits["kill"] or c["trading_state"] != TradingState.ACTIVE:
        return Retcode.RISK_HALTED
    if limits["max_order_lots"] > 0.0 and intent["action"] != Action.TARGET \
            and intent["volume"] > limits["max_order_lots"]:
        return Retcode.RISK_MAX_LOTS
    return Retcode.DONE


@kernel
def is_risk_retcode_nb(rc):
    """True for a rejection decided by the risk stage (the order never left)."""
    return rc == Retcode.RISK_HALTED or rc == Retcode.RISK_MAX_LOTS
