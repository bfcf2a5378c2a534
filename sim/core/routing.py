"""Routing stage (shared with live): intents -> venue orders.

Normalises volumes to the symbol's lot step, turns a TARGET net position into
market orders (one net order on netting accounts; on hedging accounts closes, oldest
ticket first, of whatever would leave tickets on the other side or more than the target,
then an opening order), passes Close By requests through (``ticket`` by ``by_ticket``) and
stamps each order with a client id.  On a hedging account a TARGET that meets opens still
in flight counts them as the tickets they will become: it stands, and closes what it must
of them when they are reported.
A-book/B-book routing plugs in here later.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import AccountMode, Action, OrderType, Side
from sim.core.order_types import is_buy_type_nb
from sim.core.records import VOL_EPS
from sim.jit_cache import kernel


@kernel
def norm_volume_nb(sym, volume):
    """Round ``volume`` lots down to the lot step (never up: no accidental extra exposure)."""
    steps = np.floor(volume / sym["vol_step"] + 1e-7)
    return round(steps * sym["vol_step"], 8)


@kernel
def emit_nb(c, ts, sig_price, action, otype, s, volume, price, sl, tp, expiry, pos_ticket):
    """Append one order to the outbox with the next client id; 0 when the outbox is full
    (counted in ``n_dropped``: a strategy sending more than ``OUTBOX`` orders per event)."""
    outbox = c["outbox"]
    k = c["n_out"]
    if k >= outbox.shape[0]:
        c["n_dropped"] += 1
        return 0
    o = outbox[k]
    o["cid"] = c["next_cid"]
    c["next_cid"] += 1
    o["ticket"] = 0
    o["action"] = action
    o["type"] = otype
    o["symbol"] = s
    o["state"] = 0
    o["volume"] = volume
    o["price"] = price
    o["sl"] = sl
    o["tp"] = tp
    o["expiry"] = expiry
    o["pos_ticket"] = pos_ticket
    o["signal_ts"] = ts
    o["arrive_ts"] = 0
    o["signal_price"] = sig_price
    o["retcode"] = 0
    o["stoplimit"] = 0.0
    o["type_time"] = 0
    o["by_ticket"] = 0
    c["n_out"] = k + 1
    c["n_sent"] += 1
    return 1


@kernel
def order_side_volume_nb(intent, c):
    """(buy?, lots) of the net order routing would make of ``intent`` (a denial's record)."""
    s = intent["symbol"]
    q = c["quote"][s]
    act = intent["action"]
    if act == Action.TARGET:
        delta = intent["volume"] - (q["net"] + q["working"])
        return delta > 0.0, norm_volume_nb(c["spec"][s], abs(delta))
    buy = is_buy_type_nb(intent["type"])
    if act == Action.CLOSE:
        book = c["book"]
        for i in range(book.shape[0]):
            if book[i]["active"] and book[i]["ticket"] == intent["ticket"]:
                buy = book[i]["side"] != Side.BUY
                break
    return buy, abs(intent["volume"])


@kernel
def route_target_nb(intent, ts, c):
    """A TARGET: every one re-plans the symbol from what is filled and in flight."""
    return target_orders_nb(c, intent["symbol"], intent["volume"], ts, True)


@kernel
def target_orders_nb(c, s, target, ts, may_open):
    """Orders toward the signed net ``target`` lots of symbol ``s``.

    Netting: one net order.  Hedging: ``hedging_target_nb``.
    """
    if c["mode"] == AccountMode.HEDGING:
        return hedging_target_nb(c, s, target, ts, may_open)
    sym = c["spec"][s]
    d = c["quote"][s]
    d["standing"] = False
    delta = target - (d["net"] + d["working"])
    vol = norm_volume_nb(sym, abs(delta))
    if vol < sym["vol_min"] - VOL_EPS:
        return 0
    return open_market_nb(c, s, Side.BUY if delta > 0 else Side.SELL, vol, ts)


@kernel
def hedging_target_nb(c, s, target, ts, may_open):
    """A hedging TARGET: the book is to end with tickets on the target's side only,
    ``|target|`` lots in all.  Each side's opens still in flight count as the tickets they
    will become.  Each side's excess is closed first, oldest ticket first (what is not
    already closing); an excess still in flight waits for it to become a ticket (the
    symbol's standing target, re-planned on each report: ``standing_target_nb``); then a
    shortfall on the target's side is opened (``may_open``).  So opens in flight on both
    sides (a quick reversal and back) never end hedged."""
    sym = c["spec"][s]
    d = c["quote"][s]
    d["standing"] = False
    n = 0
    for k in range(2):
        side = Side.BUY if k == 0 else Side.SELL
        want = max(target, 0.0) if side == Side.BUY else max(-target, 0.0)
        held = free_lots_nb(c, s, side)
        opening = d["buy_opening"] if side == Side.BUY else d["sell_opening"]
        excess = norm_volume_nb(sym, round(held + opening - want, 8))
        if excess < sym["vol_min"] - VOL_EPS:
            continue
        now = min(excess, held)
        sent = close_oldest_nb(c, s, side, now, ts)
        if sent < 0:                    # the outbox is full
            return n - sent - 1
        n += sent
        if excess - now > VOL_EPS:
            d["standing"] = True
            d["target"] = target
    if not may_open:
        return n
    side = Side.BUY if target > 0 else Side.SELL
    held = free_lots_nb(c, s, side)
    opening = d["buy_opening"] if side == Side.BUY else d["sell_opening"]
    vol = norm_volume_nb(sym, round(abs(target) - held - opening, 8))
    if vol < sym["vol_min"] - VOL_EPS:
        return n
    return n + open_market_nb(c, s, side, vol, ts)


@kernel
def open_market_nb(c, s, side, vol, ts):
    """A market order of ``vol`` lots on ``side`` of symbol ``s``, in flight (its volume
    working; hedging: a ticket to be).  Returns 1, or 0 when the outbox is full."""
    d = c["quote"][s]
    if emit_nb(c, ts, d["ask"] if side == Side.BUY else d["bid"], Action.NEW,
               OrderType.BUY if side == Side.BUY else OrderType.SELL, s, vol, 0.0, 0.0, 0.0,
               0, 0) == 0:
        return 0
    d["working"] += side * vol
    opening_nb(c, d, side, vol)
    return 1


@kernel
def free_lots_nb(c, s, side):
    """Lots of symbol ``s`` held in tickets on ``side`` and not already being closed."""
    book = c["book"]
    lots = 0.0
    for i in range(book.shape[0]):
        p = book[i]
        if p["active"] and p["symbol"] == s and p["side"] == side:
            lots += p["volume"] - p["closing"]
    return round(lots, 8)


@kernel
def close_oldest_nb(c, s, side, vol, ts):
    """Close ``vol`` lots of the tickets on ``side``, oldest ticket first.  Returns the
    closes sent, or ``-1 - sent`` when the outbox filled first."""
    book = c["book"]
    d = c["quote"][s]
    close_side = -side
    otype = OrderType.BUY if close_side == Side.BUY else OrderType.SELL
    sig = d["ask"] if close_side == Side.BUY else d["bid"]
    n = 0
    while vol > VOL_EPS:
        best = -1
        for i in range(book.shape[0]):
            p = book[i]
            if p["active"] and p["symbol"] == s and p["side"] == side \
                    and p["volume"] - p["closing"] > VOL_EPS:
                if best < 0 or p["ticket"] < book[best]["ticket"]:
                    best = i
        if best < 0:
            break
        p = book[best]
        part = min(vol, p["volume"] - p["closing"])
        if emit_nb(c, ts, sig, Action.CLOSE, otype, s, part, 0.0, 0.0, 0.0, 0,
                   p["ticket"]) == 0:
            return -1 - n
        p["closing"] += part
        d["working"] += close_side * part
        vol = round(vol - part, 8)
        n += 1
    return n


@kernel(inline=True)
def opening_nb(c, d, side, vol):
    """Hedging: ``vol`` lots of a market order opening a ticket on ``side`` go in flight."""
    if c["mode"] == AccountMode.HEDGING:
        if side == Side.BUY:
            d["buy_opening"] += vol
        else:
            d["sell_opening"] += vol


@kernel
def standing_target_nb(c, s, ts):
    """A report on symbol ``s`` while its hedging TARGET stands: close the tickets the
    awaited opens became.  The risk stage passed that TARGET; these closes only carry it
    out (they reduce exposure and never open), so they are not checked again."""
    return target_orders_nb(c, s, c["quote"][s]["target"], ts, False)


@kernel
def route_close_by_nb(intent, ts, c):
    """A Close By order: position ``ticket`` closed by the opposite ``by_ticket``.

    Its volume (for the journal) is the smaller of the two positions as the book knows
    them; the venue closes the smaller one fully at execution.  Net exposure does not
    change, so neither ``working`` nor ``closing`` is touched.
    """
    book = c["book"]
    va = 0.0
    vb = 0.0
    for i in range(book.shape[0]):
        if book[i]["active"]:
            if book[i]["ticket"] == intent["ticket"]:
                va = book[i]["volume"]
            elif book[i]["ticket"] == intent["by_ticket"]:
                vb = book[i]["volume"]
    n = emit_nb(c, ts, 0.0, Action.CLOSE_BY, OrderType.CLOSE_BY, intent["symbol"],
                min(va, vb), 0.0, 0.0, 0.0, 0, intent["ticket"])
    if n == 1:
        c["outbox"][c["n_out"] - 1]["by_ticket"] = intent["by_ticket"]
    return n


@kernel
def route_nb(intent, ts, c):
    """Turn one intent into zero or more orders in ``core["outbox"]``; return how many."""
    s = intent["symbol"]
    sym = c["spec"][s]
    book = c["book"]
    act = intent["action"]
    if act == Action.TARGET:
        return route_target_nb(intent, ts, c)
    if act == Action.CLOSE_BY:
        return route_close_by_nb(intent, ts, c)
    d = c["quote"][s]
    if act == Action.NEW or act == Action.CLOSE:
        d["standing"] = False           # the strategy routes this symbol by hand now
    vol = norm_volume_nb(sym, intent["volume"]) if act == Action.NEW or act == Action.CLOSE else 0.0
    t = intent["type"]
    buy = is_buy_type_nb(t)
    j = -1
    if act == Action.CLOSE:
        # a close is a market deal on the side opposite to the position: its report (fill or
        # reject) undoes exactly the ``working`` added here, whatever type the intent carried
        for i in range(book.shape[0]):
            if book[i]["active"] and book[i]["ticket"] == intent["ticket"]:
                j = i
                break
        if j >= 0:
            buy = book[j]["side"] != Side.BUY
        t = OrderType.BUY if buy else OrderType.SELL
    sig = d["ask"] if buy else d["bid"]
    n = emit_nb(c, ts, sig, act, t, s, vol, intent["price"], intent["sl"],
                intent["tp"], intent["expiry"], intent["ticket"])
    if n == 1:
        o = c["outbox"][c["n_out"] - 1]
        o["stoplimit"] = intent["stoplimit"]
        o["type_time"] = intent["type_time"]
    if n == 1 and (act == Action.CLOSE or (act == Action.NEW and (t == OrderType.BUY
                                                                  or t == OrderType.SELL))):
        d["working"] += (1.0 if buy else -1.0) * vol
        if act == Action.NEW:
            opening_nb(c, d, Side.BUY if buy else Side.SELL, vol)
    if n == 1 and j >= 0:
        book[j]["closing"] += vol
    return n
