"""Pending orders of the simulated venue: triggers, stop-limit activation (mt-execution.md
1.4, 1.5, 10 step 4).

Buy limit triggers when ask <= price, buy stop when ask >= price, sell limit when
bid >= price, sell stop when bid <= price.  A stop-limit whose stop price is reached
becomes a limit order at its ``stoplimit`` price (same ticket); that limit can fill on
the same tick only if the quote already satisfies it.
"""

from __future__ import annotations

from sim.enums import DealReason, OrderState, OrderType, Retcode, Side
from sim.execution import execute_nb, triggered_price_nb
from sim.jit_cache import kernel
from sim.money import to_points_nb


@kernel
def check_pending_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts):
    """Expire or trigger the working pending orders of symbol ``s`` (in ticket order)."""
    sym = syms[s]
    bid = qb[s]
    ask = qa[s]
    bp = to_points_nb(bid, sym["point"])
    ap = to_points_nb(ask, sym["point"])
    for j in range(acct["n_orders"]):
        o = orders[j]
        if o["state"] != OrderState.PLACED or o["symbol"] != s:
            continue
        if o["expiry"] > 0 and ts >= o["expiry"]:
            o["state"] = OrderState.EXPIRED
            acct["n_pending"] -= 1
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
        lp = to_points_nb(o["price"], sym["point"])
        hit = ((t == OrderType.BUY_LIMIT and ap <= lp) or (t == OrderType.BUY_STOP and ap >= lp)
               or (t == OrderType.SELL_LIMIT and bp >= lp)
               or (t == OrderType.SELL_STOP and bp <= lp))
        if not hit:
            continue
        side = Side.BUY if (t == OrderType.BUY_LIMIT or t == OrderType.BUY_STOP) else Side.SELL
        is_stop = t == OrderType.BUY_STOP or t == OrderType.SELL_STOP
        price, slip = triggered_price_nb(cfg, sym, side, o["price"], is_stop, bid, ask)
        acct["n_pending"] -= 1
        rc = execute_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o, s, side,
                        o["volume"], price, 0, o["sl"], o["tp"], DealReason.EXPERT, slip,
                        Retcode.REJECT_CANCEL)
        o["state"] = OrderState.FILLED if rc == Retcode.DONE else OrderState.REJECTED
