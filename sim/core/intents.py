"""Helpers for strategies: write an intent, find a position, test a time-of-day window.

``intents`` is a buffer the core reuses from call to call, so a strategy writes every
field of each intent it returns (``intent_nb``) and never leaves a stale one behind.
"""

from __future__ import annotations

from sim.core.enums import OrderTime
from sim.jit_cache import kernel


@kernel(inline=True)
def intent_nb(it, action, s, otype, volume, price, sl, tp, expiry, ticket):
    """Write every field of one intent (``sim.core.records.intent_dt``): ``action``
    (``Action``), symbol ``s``, ``otype`` (``OrderType``), lots, prices (0 = none), and
    ``expiry`` (ns UTC: good till then, ``OrderTime.SPECIFIED``; 0: GTC), ``ticket`` (the
    position or order a CLOSE, MODIFY or CANCEL acts on)."""
    it["action"] = action
    it["symbol"] = s
    it["type"] = otype
    it["volume"] = volume
    it["price"] = price
    it["sl"] = sl
    it["tp"] = tp
    it["expiry"] = expiry
    it["ticket"] = ticket
    it["stoplimit"] = 0.0
    it["type_time"] = OrderTime.SPECIFIED if expiry > 0 else OrderTime.GTC
    it["by_ticket"] = 0


@kernel(inline=True)
def position_nb(core, s):
    """The row in ``core["book"]`` of the (first) open position on symbol ``s``, or -1."""
    book = core["book"]
    for i in range(book.shape[0]):
        if book[i]["active"] and book[i]["symbol"] == s:
            return i
    return -1


@kernel(inline=True)
def in_window_nb(t, start, end):
    """Is the time of day ``t`` in ``[start, end)``, wrapping midnight if ``start > end``
    (``start == end``: the whole day)?"""
    if start < end:
        return start <= t < end
    return t >= start or t < end
