"""Predicates on ``OrderType`` (part of the order contract: the core and the venue use them)."""

from __future__ import annotations

from sim.core.enums import OrderType
from sim.jit_cache import kernel


@kernel
def is_buy_type_nb(otype):
    """True for the buying order types (market, limit, stop, stop-limit)."""
    return otype == OrderType.BUY or otype == OrderType.BUY_LIMIT or otype == OrderType.BUY_STOP \
        or otype == OrderType.BUY_STOP_LIMIT


@kernel
def is_stop_limit_nb(otype):
    return otype == OrderType.BUY_STOP_LIMIT or otype == OrderType.SELL_STOP_LIMIT
