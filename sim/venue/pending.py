"""Pending orders of the simulated venue: triggers, stop-limit activation (mt-execution.md
1.4, 1.5, 10 step 4).

Buy limit triggers when ask <= price, buy stop when ask >= price, sell limit when
bid >= price, sell stop when bid <= price.  A stop-limit whose stop price is reached
becomes a limit order at its ``stoplimit`` price (same ticket); that limit can fill on
the same tick only if the quote already satisfies it.

Expiry (6.5) is a timer, run by the replay loop in time order with rollovers and
arrivals on every tick (not only on the order's symbol), and only while something is
pending and ``acct.next_expiry`` is due: an ``ORDER_TIME_DAY`` order expires at the first
server-midnight rollover after it was placed (``acct.day_end``), others at ``expiry``.
An expired order is journaled (``Retcode.EXPIRED``) and reported like a rejection.
"""

from __future__ import annotations

from sim.core.enums import DealReason, OrderState, OrderTime, OrderType, Retcode, Side
from sim.core.order_types import is_buy_type_nb
from sim.core.records import NO_TS
from sim.jit_cache import kernel
from sim.venue.execution import execute_nb, push_order_nb, reject_nb, triggered_price_nb
from sim.venue.money import to_points_nb


@kernel
def place_pending_nb(acct, o):
    """Start working a validated pending order; a DAY order gets the server day end."""
    if o["type_time"] == OrderTime.DAY:
        o["expiry"] = acct["day_end"] if acct["day_end"] < NO_TS else 0
    o["state"] = OrderState.PLACED
    acct["n_pending"] += 1
    e = o["expiry"]
    if e > 0 and (acct["next_expiry"] <= 0 or e < acct["next_expiry"]):
        acct["next_expiry"] = e


@kernel
def expire_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, t):
    """Expire every pending order with ``expiry <= t`` (journal row and report at ``t``).

    Recomputes ``acct.next_expiry`` from the orders still working (0 when none).
    """
    nxt = 0
    for j in range(acct["n_orders"]):
        o = orders[j]
        if o["state"] != OrderState.PLACED or o["expiry"] <= 0:
            continue
        if o["expiry"] <= t:
            o["state"] = OrderState.EXPIRED
            acct["n_pending"] -= 1
            side = Side.BUY if is_buy_type_nb(o["type"]) else Side.SELL
            reject_nb(deals, reports, acct, cfg, t, o, o["symbol"], side, Retcode.EXPIRED)
        elif nxt == 0 or o["expiry"] < nxt:
            nxt = o["expiry"]
    acct["next_expiry"] = nxt


@kernel
def check_pending_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts):
    """Trigger the working pending orders of symbol ``s`` (in ticket order).

    Expiries were handled before, as timers (``expire_due_nb``).
    """
    sym = syms[s]
    bid = qb[s]
    ask = qa[s]
    bp = to_points_nb(bid, sym["point"])
    ap = to_points_nb(ask, sym["point"])
    for j in range(acct["n_orders"]):
        o = orders[j]
        if o["state"] != OrderState.PLACED or o["symbol"] != s:
            continue
        t = o["type"]
        if t == OrderType.BUY_STOP_LIMIT or t == OrderType.SELL_STOP_LIMIT:
            sp = to_points_nb(o["price"], sym["point"])
            if (t == OrderType.BUY_STOP_LIMIT and ap < sp) or \
                    (t == OrderType.SELL_STOP_LIMIT and bp > sp):
                continue
            # the stop is reached: a limit order is placed at ``stoplimit`` (Return filling)
            t = OrderType.BUY_LIMIT if t == OrderType.BUY_STOP_LIMIT else OrderType.SELL_LIMIT
            o["type"] = t
            o["price"] = o["stoplimit"]
            push_order_nb(reports, acct, cfg, ts, o, OrderState.PLACED)
        lp = to_points_nb(o["price"], sym["point"])
        hit = ((t == OrderType.BUY_LIMIT and ap <= lp) or (t == OrderType.BUY_STOP and ap >= lp)
               or (t == OrderType.SELL_LIMIT and bp >= lp)
               or (t == OrderType.SELL_STOP and bp <= lp))
        if not hit:
            continue
        side = Side.BUY if (t == OrderType.BUY_LIMIT or t == OrderType.BUY_STOP) else Side.SELL
        is_stop = t == OrderType.BUY_STOP or t == OrderType.SELL_STOP
        price, slip = triggered_price_nb(acct, cfg, sym, side, o["price"], is_stop, bid, ask)
        acct["n_pending"] -= 1
        rc = execute_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o, s, side,
                        o["volume"], price, 0, o["sl"], o["tp"], DealReason.EXPERT, slip,
                        Retcode.REJECT_CANCEL)
        o["state"] = OrderState.FILLED if rc == Retcode.DONE else OrderState.REJECTED
