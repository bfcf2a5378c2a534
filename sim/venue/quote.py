"""One quote at the simulated venue (mt-execution.md 10, steps 3-7): requests arriving,
pending triggers, SL/TP, stop-out and margin call; and the rollover's swaps.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import (
    Action,
    DealReason,
    OrderType,
    Retcode,
    Side,
    SwapMode,
)
from sim.jit_cache import kernel
from sim.venue.accounting import (
    mark_symbol_nb,
    set_margin_call_nb,
    update_equity_nb,
)
from sim.venue.band import band_holds_nb, leave_band_nb
from sim.venue.execution import (
    execute_nb,
    market_price_nb,
    triggered_price_nb,
)
from sim.venue.money import daily_swap_nb, round_money_nb, to_points_nb
from sim.venue.orders import arrive_due_nb
from sim.venue.pending import check_pending_nb


@kernel
def check_sltp_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts):
    """Close positions of symbol ``s`` whose SL (stop) or TP (limit) the quote reached."""
    sym = syms[s]
    bid = qb[s]
    ask = qa[s]
    for i in range(acct["pos_hw"]):
        p = positions[i]
        if not p["active"] or p["symbol"] != s or (p["sl"] <= 0.0 and p["tp"] <= 0.0):
            continue
        long = p["side"] == Side.BUY
        ref = to_points_nb(bid if long else ask, sym["point"])
        reason = -1
        level = 0.0
        if p["sl"] > 0.0:
            lp = to_points_nb(p["sl"], sym["point"])
            if (long and ref <= lp) or (not long and ref >= lp):
                reason = DealReason.SL
                level = p["sl"]
        if reason < 0 and p["tp"] > 0.0:
            lp = to_points_nb(p["tp"], sym["point"])
            if (long and ref >= lp) or (not long and ref <= lp):
                reason = DealReason.TP
                level = p["tp"]
        if reason < 0:
            continue
        side = -p["side"]
        price, slip = triggered_price_nb(acct, cfg, sym, side, level, reason == DealReason.SL, bid, ask)
        order_tmp = tmp[0]
        venue_order_nb(order_tmp, s, side, p["volume"], ts)
        execute_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, order_tmp, s,
                   side, p["volume"], price, p["ticket"], 0.0, 0.0, reason, slip, Retcode.DONE)


@kernel
def venue_order_nb(o, s, side, volume, ts):
    # a venue-initiated deal (SL/TP/stop-out) has no client id
    o["cid"] = 0
    o["type"] = OrderType.BUY if side == Side.BUY else OrderType.SELL
    o["action"] = Action.CLOSE
    o["ticket"] = 0
    o["symbol"] = s
    o["volume"] = volume
    o["signal_ts"] = ts
    o["signal_price"] = 0.0
    o["price"] = 0.0


@kernel
def stop_out_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, ts):
    """Close the worst position while margin level <= stop-out level (mt-execution.md 3.5)."""
    while acct["margin"] > 0.0 and acct["equity"] * 100.0 <= acct["so_level"] * acct["margin"]:
        worst = -1
        wp = np.inf
        for i in range(acct["pos_hw"]):
            if positions[i]["active"] and positions[i]["profit"] < wp:
                wp = positions[i]["profit"]
                worst = i
        if worst < 0:
            break
        p = positions[worst]
        s = p["symbol"]
        side = -p["side"]
        price, slip = market_price_nb(acct, cfg, syms[s], side, qb[s], qa[s])
        order_tmp = tmp[0]
        venue_order_nb(order_tmp, s, side, p["volume"], ts)
        acct["n_stopouts"] += 1
        execute_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, order_tmp, s,
                   side, p["volume"], price, p["ticket"], 0.0, 0.0, DealReason.SO, slip,
                   Retcode.DONE)


@kernel
def rollover_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, mult_day):
    """Charge one rollover (weekday index ``mult_day`` 0=Sun of the server day ending)."""
    d = acct["acc_digits"]
    for i in range(acct["pos_hw"]):
        p = positions[i]
        if not p["active"]:
            continue
        s = p["symbol"]
        sym = syms[s]
        m = sym["swap_days"][mult_day]
        if m == 0.0 or sym["swap_mode"] == SwapMode.DISABLED:
            continue
        amt = round_money_nb(daily_swap_nb(sym, p["side"], p["volume"], p["price"], qb, qa) * m,
                             d)
        p["swap"] += amt
        acct["swap_open"] += amt
        acct["swap_total"] += amt
    update_equity_nb(positions, acct)


@kernel(inline=True)
def sltp_hit_nb(positions, acct, sym, s, bid, ask):
    # cheap scan: does any position of ``s`` have its SL or TP reached? (quotes are
    # converted to points only when a position has a level: the common no-stop case pays
    # one pass over the slots)
    for i in range(acct["pos_hw"]):
        p = positions[i]
        if p["active"] and p["symbol"] == s and (p["sl"] > 0.0 or p["tp"] > 0.0):
            bp = to_points_nb(bid, sym["point"])
            ap = to_points_nb(ask, sym["point"])
            if p["side"] == Side.BUY:
                if (p["sl"] > 0.0 and bp <= to_points_nb(p["sl"], sym["point"])) or \
                        (p["tp"] > 0.0 and bp >= to_points_nb(p["tp"], sym["point"])):
                    return True
            elif (p["sl"] > 0.0 and ap >= to_points_nb(p["sl"], sym["point"])) or \
                    (p["tp"] > 0.0 and ap <= to_points_nb(p["tp"], sym["point"])):
                return True
    return False


@kernel
def orders_at_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts):
    """Steps 3-4 of mt-execution.md 10: requests arriving now, then pending triggers of ``s``.

    Out of line on purpose: the caller runs it only when something is in flight or pending.
    """
    # 3. requests arriving at this instant (or, in next-tick mode, any of this symbol that
    # arrived since: an order executes on the first tick of its own symbol at/after arrival)
    if acct["n_inflight"] > 0:
        arrive_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                      equity, olog, ts, s)
    # 4. pending triggers of this symbol
    if acct["n_pending"] > 0:
        check_pending_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts)


@kernel(inline=True)
def mark_quote_nb(positions, syms, s, acct, qb, qa):
    """Re-price at the quote of symbol ``s``: its positions, the crosses converting through
    it, then equity."""
    mark_symbol_nb(positions, syms, s, acct, qb, qa)
    for k in range(syms.shape[0]):
        if k != s and syms[k]["profit_conv_sym"] == s:
            mark_symbol_nb(positions, syms, k, acct, qb, qa)
    update_equity_nb(positions, acct)


@kernel(inline=True)
def apply_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts):
    """Steps 3-7 of mt-execution.md 10 after the quote of symbol ``s`` was stored in qb/qa.

    (Step 2, timers, and arrivals due before ``ts`` are run by the caller first.)  The hot
    part (re-pricing open positions, SL/TP and stop-out checks) is inlined into the loop;
    everything that executes stays out of line behind cheap counters.
    """
    if acct["band"]:        # sim/venue/band.py: nothing in flight or pending, one position
        if band_holds_nb(acct, qb, qa, s):
            return
        leave_band_nb(positions, acct, syms, qb, qa, equity)
    # re-price first: the free-margin check of a request arriving now, or of a pending order
    # this quote triggers, sees the equity at this quote (3.2).  Every deal re-prices its
    # symbol (positions_changed_nb) and no quote moves in between, so the marks stay current
    # for SL/TP and stop-out without a second pass
    if acct["n_positions"] > 0:
        mark_quote_nb(positions, syms, s, acct, qb, qa)
    # 3.-4. requests arriving now, pending triggers
    if acct["n_inflight"] > 0 or acct["n_pending"] > 0:
        orders_at_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                           equity, olog, s, ts)
    if acct["n_positions"] == 0:
        return
    # 5. SL/TP of this symbol
    if sltp_hit_nb(positions, acct, syms[s], s, qb[s], qa[s]):
        check_sltp_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts)
    # 6.-7. stop-out and margin call
    if acct["margin"] > 0.0:
        level = acct["equity"] * 100.0
        if cfg["stop_out"] and level <= acct["so_level"] * acct["margin"]:
            stop_out_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, ts)
        set_margin_call_nb(acct)


