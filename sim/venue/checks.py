"""Request validation of the simulated venue: volume, stops level, freeze level (6.4, 1.6).

All distances are compared in integer points.  ``sl``/``tp`` of 0 mean "none".
"""

from __future__ import annotations

from sim.core.enums import OrderType, Retcode, Side
from sim.core.order_types import is_buy_type_nb, is_stop_limit_nb
from sim.jit_cache import kernel
from sim.venue.money import to_points_nb

VOL_TOL = 1e-7


@kernel
def volume_ok_nb(sym, volume, closing):
    if volume <= 0.0 or volume > sym["vol_max"] + VOL_TOL:
        return False
    if not closing and volume < sym["vol_min"] - VOL_TOL:
        return False
    steps = volume / sym["vol_step"]
    return abs(steps - round(steps)) < 1e-6


@kernel
def tick_multiple_nb(sym, price):
    return price > 0.0 and abs(price / sym["tick_size"] - round(price / sym["tick_size"])) <= 1e-6


@kernel
def sltp_ok_nb(side, ref_pts, sl, tp, point, need):
    """SL/TP at least ``need`` points from ``ref_pts`` on the correct side."""
    if sl > 0.0:
        d = ref_pts - to_points_nb(sl, point) if side == Side.BUY else to_points_nb(sl, point) - ref_pts
        if d < need:
            return False
    if tp > 0.0:
        d = to_points_nb(tp, point) - ref_pts if side == Side.BUY else ref_pts - to_points_nb(tp, point)
        if d < need:
            return False
    return True


@kernel
def pending_distance_nb(otype, open_pts, bid_pts, ask_pts):
    """Signed distance (points) of a pending price from the market on its allowed side."""
    if otype == OrderType.BUY_LIMIT:
        return ask_pts - open_pts
    if otype == OrderType.SELL_LIMIT:
        return open_pts - bid_pts
    if otype == OrderType.BUY_STOP or otype == OrderType.BUY_STOP_LIMIT:
        return open_pts - ask_pts
    return bid_pts - open_pts      # SELL_STOP, SELL_STOP_LIMIT


@kernel
def check_new_nb(sym, otype, volume, price, sl, tp, expiry, now, bid, ask, stoplimit):
    """Validate a new market or pending order against the quote at arrival; return a retcode.

    A stop-limit's stop ``price`` is checked like a stop; its ``stoplimit`` must be a tick
    multiple strictly on the limit side of the stop price (below for buys, above for sells,
    mt-execution.md 1.4), and SL/TP are measured from ``stoplimit`` (the future limit's price).
    """
    if not volume_ok_nb(sym, volume, False):
        return Retcode.INVALID_VOLUME
    point = sym["point"]
    need = max(sym["stops_level"], 1)
    bid_pts = to_points_nb(bid, point)
    ask_pts = to_points_nb(ask, point)
    side = Side.BUY if is_buy_type_nb(otype) else Side.SELL
    if otype == OrderType.BUY or otype == OrderType.SELL:
        # market: SL/TP measured from the closing side (bid for buys, ask for sells)
        ref = bid_pts if side == Side.BUY else ask_pts
        return Retcode.DONE if sltp_ok_nb(side, ref, sl, tp, point, need) else Retcode.INVALID_STOPS
    if not tick_multiple_nb(sym, price):
        return Retcode.INVALID_PRICE
    if is_stop_limit_nb(otype):
        if not tick_multiple_nb(sym, stoplimit):
            return Retcode.INVALID_PRICE
        lim_pts = to_points_nb(stoplimit, point)
        if (side == Side.BUY and lim_pts >= to_points_nb(price, point)) or \
                (side == Side.SELL and lim_pts <= to_points_nb(price, point)):
            return Retcode.INVALID_PRICE
    if expiry > 0 and expiry <= now:
        return Retcode.INVALID_EXPIRATION
    open_pts = to_points_nb(price, point)
    if pending_distance_nb(otype, open_pts, bid_pts, ask_pts) < need:
        return Retcode.INVALID_STOPS
    ref = to_points_nb(stoplimit, point) if is_stop_limit_nb(otype) else open_pts
    if not sltp_ok_nb(side, ref, sl, tp, point, need):
        return Retcode.INVALID_STOPS
    return Retcode.DONE


@kernel
def position_frozen_nb(sym, side, sl, tp, bid, ask):
    """True when the quote is within the freeze level of the position's SL or TP."""
    fl = sym["freeze_level"]
    if fl <= 0:
        return False
    point = sym["point"]
    ref = to_points_nb(bid, point) if side == Side.BUY else to_points_nb(ask, point)
    if sl > 0.0:
        d = ref - to_points_nb(sl, point) if side == Side.BUY else to_points_nb(sl, point) - ref
        if d <= fl:
            return True
    if tp > 0.0:
        d = to_points_nb(tp, point) - ref if side == Side.BUY else ref - to_points_nb(tp, point)
        if d <= fl:
            return True
    return False


@kernel
def pending_frozen_nb(sym, otype, price, bid, ask):
    fl = sym["freeze_level"]
    if fl <= 0:
        return False
    point = sym["point"]
    d = pending_distance_nb(otype, to_points_nb(price, point), to_points_nb(bid, point),
                            to_points_nb(ask, point))
    return d <= fl
