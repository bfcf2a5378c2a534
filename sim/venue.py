"""The simulated venue (backtest and shadow mode): order arrival, pending triggers,
SL/TP, stop-out, rollover swaps, all in the per-tick order of mt-execution.md 10.

State is a handful of arrays bundled by the caller: ``acct`` (account_dt, 1 row),
``positions``, ``orders`` (in-flight and pending), ``deals``, ``trades``, ``equity``,
``reports`` (queue to the decision side), ``syms``, ``qb``/``qa`` (current bid/ask
per symbol) and ``cfg`` (exec_dt, 1 row).
"""

from __future__ import annotations

import numpy as np

from sim.accounting import (
    find_position_nb,
    mark_symbol_nb,
    update_equity_nb,
)
from sim.band import band_holds_nb, leave_band_nb
from sim.checks import (
    check_new_nb,
    is_buy_type_nb,
    pending_frozen_nb,
    position_frozen_nb,
    sltp_ok_nb,
    volume_ok_nb,
)
from sim.enums import (
    Action,
    CalcMode,
    DealReason,
    FillOn,
    OrderState,
    OrderType,
    Retcode,
    Side,
    SwapMode,
)
from sim.execution import (
    close_by_nb,
    execute_nb,
    market_price_nb,
    reject_nb,
    requote_nb,
    triggered_price_nb,
)
from sim.jit_cache import kernel
from sim.latency import draw_ns_nb
from sim.money import profit_conv_nb, round_money_nb, to_points_nb
from sim.pending import check_pending_nb, place_pending_nb

NO_TS = np.iinfo(np.int64).max


# -- REQUEST ARRIVAL --

@kernel
def arrive_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, o, ts):
    """Process one order that reached the venue at ``ts`` against the current quote."""
    s = o["symbol"]
    sym = syms[s]
    bid = qb[s]
    ask = qa[s]
    acct["n_inflight"] -= 1
    side = Side.BUY if is_buy_type_nb(o["type"]) else Side.SELL
    if bid <= 0.0:
        o["state"] = OrderState.REJECTED
        reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.PRICE_OFF)
        return
    act = o["action"]
    if act == Action.CLOSE_BY:
        close_by_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o)
        return
    if act == Action.NEW:
        rc = check_new_nb(sym, o["type"], o["volume"], o["price"], o["sl"], o["tp"], o["expiry"],
                          ts, bid, ask, o["stoplimit"])
        if rc != Retcode.DONE:
            o["state"] = OrderState.REJECTED
            reject_nb(deals, reports, acct, cfg, ts, o, s, side, rc)
            return
        if o["type"] == OrderType.BUY or o["type"] == OrderType.SELL:
            rc = fill_at_market_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts,
                                   o, s, side, 0, o["sl"], o["tp"])
            o["state"] = OrderState.FILLED if rc == Retcode.DONE else OrderState.REJECTED
            return
        o["ticket"] = acct["next_ticket"]
        acct["next_ticket"] += 1
        place_pending_nb(acct, o)
        return
    if act == Action.CLOSE:
        i = find_position_nb(positions, o["pos_ticket"])
        if i < 0:
            o["state"] = OrderState.REJECTED
            reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.POSITION_CLOSED)
            return
        p = positions[i]
        side = -p["side"]
        rc = Retcode.DONE
        if p["symbol"] != s:    # the request names another symbol than the position's
            rc = Retcode.REJECT
        elif o["volume"] > p["volume"] + 1e-9:
            rc = Retcode.INVALID_CLOSE_VOLUME
        elif not volume_ok_nb(sym, o["volume"], True):
            rc = Retcode.INVALID_VOLUME
        elif position_frozen_nb(sym, p["side"], p["sl"], p["tp"], bid, ask):
            rc = Retcode.FROZEN
        if rc != Retcode.DONE:
            o["state"] = OrderState.REJECTED
            reject_nb(deals, reports, acct, cfg, ts, o, s, side, rc)
            return
        rc = fill_at_market_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o,
                               s, side, p["ticket"], 0.0, 0.0)
        o["state"] = OrderState.FILLED if rc == Retcode.DONE else OrderState.REJECTED
        return
    modify_or_cancel_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, o, ts, side)


@kernel
def fill_at_market_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o, s, side,
                      pos_ticket, sl, tp):
    """Execute an arrived market request (a new order or a close) at the current quote.

    The price takes the slippage model; instant/request execution may requote it (a
    rejection row, no ticket taken); otherwise the request gets its ticket and the deal.
    """
    sym = syms[s]
    price, slip = market_price_nb(acct, cfg, sym, side, qb[s], qa[s])
    if requote_nb(deals, reports, acct, cfg, ts, o, s, sym, side, price, qb[s], qa[s]):
        return Retcode.REQUOTE
    o["ticket"] = acct["next_ticket"]
    acct["next_ticket"] += 1
    return execute_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o, s, side,
                      o["volume"], price, pos_ticket, sl, tp, DealReason.EXPERT, slip,
                      Retcode.NO_MONEY)


@kernel
def modify_or_cancel_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, o, ts, side):
    s = o["symbol"]
    sym = syms[s]
    bid = qb[s]
    ask = qa[s]
    need = max(sym["stops_level"], 1)
    o["state"] = OrderState.REJECTED
    i = find_position_nb(positions, o["pos_ticket"]) if o["action"] == Action.MODIFY else -1
    if i >= 0:   # modify SL/TP of a position
        p = positions[i]
        ref = to_points_nb(bid if p["side"] == Side.BUY else ask, sym["point"])
        if p["symbol"] != s:
            reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.REJECT)
        elif position_frozen_nb(sym, p["side"], p["sl"], p["tp"], bid, ask):
            reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.FROZEN)
        elif not sltp_ok_nb(p["side"], ref, o["sl"], o["tp"], sym["point"], need):
            reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.INVALID_STOPS)
        else:
            p["sl"] = o["sl"]
            p["tp"] = o["tp"]
            o["state"] = OrderState.FILLED
        return
    # modify or cancel a pending order
    for j in range(acct["n_orders"]):
        q = orders[j]
        if q["state"] == OrderState.PLACED and q["ticket"] == o["pos_ticket"]:
            if q["symbol"] != s:
                reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.REJECT)
                return
            if pending_frozen_nb(sym, q["type"], q["price"], bid, ask):
                reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.FROZEN)
                return
            if o["action"] == Action.CANCEL:
                q["state"] = OrderState.CANCELED
                acct["n_pending"] -= 1
                o["state"] = OrderState.FILLED
                return
            rc = check_new_nb(sym, q["type"], q["volume"], o["price"], o["sl"], o["tp"],
                              q["expiry"], ts, bid, ask, o["stoplimit"])
            if rc != Retcode.DONE:
                reject_nb(deals, reports, acct, cfg, ts, o, s, side, rc)
                return
            q["price"] = o["price"]
            q["stoplimit"] = o["stoplimit"]
            q["sl"] = o["sl"]
            q["tp"] = o["tp"]
            o["state"] = OrderState.FILLED
            return
    reject_nb(deals, reports, acct, cfg, ts, o, s, side, Retcode.POSITION_CLOSED)


@kernel
def next_arrival_nb(orders, acct, only=-1):
    """Index of the in-flight order that arrives first (ties: lowest cid), or -1.

    ``only >= 0`` restricts the search to orders of that symbol.
    """
    best = -1
    bts = NO_TS
    for j in range(acct["n_orders"]):
        o = orders[j]
        if o["state"] == OrderState.IN_FLIGHT and o["arrive_ts"] < bts and \
                (only < 0 or o["symbol"] == only):
            best = j
            bts = o["arrive_ts"]
    return best


# -- PENDING ORDERS, SL/TP, STOP-OUT, ROLLOVER --

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
        rate = sym["swap_long"] if p["side"] == Side.BUY else sym["swap_short"]
        if sym["swap_mode"] == SwapMode.CURRENCY_DEPOSIT:
            amt = rate * p["volume"]
        else:
            close = qb[s] if p["side"] == Side.BUY else qa[s]
            conv = profit_conv_nb(sym, s, p["side"] == Side.BUY, close, qb, qa)
            if sym["swap_mode"] == SwapMode.POINTS:
                amt = rate * sym["point"] * sym["price_value"] * p["volume"] * conv
            elif sym["calc_mode"] == CalcMode.FOREX or sym["calc_mode"] == CalcMode.FOREX_NO_LEVERAGE:
                amt = rate / 100.0 / 360.0 * sym["contract"] * p["volume"] * p["conv"]
            else:
                amt = rate / 100.0 / 360.0 * sym["contract"] * p["price"] * p["volume"] * conv
        amt = round_money_nb(amt * m, d)
        p["swap"] += amt
        acct["swap_open"] += amt
        acct["swap_total"] += amt
    update_equity_nb(positions, acct)


# -- ONE QUOTE --

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
    only = s if cfg["fill_on"] == FillOn.NEXT_TICK else -1
    while acct["n_inflight"] > 0:
        j = next_arrival_nb(orders, acct, only)
        if j < 0 or orders[j]["arrive_ts"] > ts:
            break
        arrive_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, orders[j], ts)
    # 4. pending triggers of this symbol
    if acct["n_pending"] > 0:
        check_pending_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts)


@kernel(inline=True)
def apply_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts):
    """Steps 3-7 of mt-execution.md 10 after the quote of symbol ``s`` was stored in qb/qa.

    (Step 2, timers, and arrivals due before ``ts`` are run by the caller first.)  The hot
    part (re-pricing open positions, SL/TP and stop-out checks) is inlined into the loop;
    everything that executes stays out of line behind cheap counters.
    """
    if acct["band"]:        # sim/band.py: nothing in flight or pending, one position
        if band_holds_nb(acct, qb, qa, s):
            return
        leave_band_nb(positions, acct, syms, qb, qa, equity)
    if acct["n_inflight"] > 0 or acct["n_pending"] > 0:
        orders_at_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                           equity, olog, s, ts)
    if acct["n_positions"] == 0:
        return
    # 5. SL/TP of this symbol, after re-pricing (crosses convert through this symbol too)
    mark_symbol_nb(positions, syms, s, acct, qb, qa)
    for k in range(syms.shape[0]):
        if k != s and syms[k]["profit_conv_sym"] == s:
            mark_symbol_nb(positions, syms, k, acct, qb, qa)
    update_equity_nb(positions, acct)
    if sltp_hit_nb(positions, acct, syms[s], s, qb[s], qa[s]):
        check_sltp_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, s, ts)
    # 6.-7. stop-out and margin call
    if acct["margin"] > 0.0:
        level = acct["equity"] * 100.0
        if cfg["stop_out"] and level <= acct["so_level"] * acct["margin"]:
            stop_out_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, ts)
        acct["margin_call"] = acct["equity"] * 100.0 <= acct["so_call"] * acct["margin"]


@kernel
def accept_order_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, o, ts):
    """Put an order from the decision side's outbox in flight (submit + venue latency).

    An order the risk stage already rejected is journaled and reported, never sent.
    """
    if acct["n_olog"] >= olog.shape[0] or acct["n_orders"] >= orders.shape[0]:
        acct["overflow"] = True
        return
    if o["state"] == OrderState.REJECTED:
        olog[acct["n_olog"]] = o
        acct["n_olog"] += 1
        side = Side.BUY if o["type"] == OrderType.BUY else Side.SELL
        # the decision side denied it itself: it knows at once, as in live (no round trip)
        reject_nb(deals, reports, acct, cfg, ts, o, o["symbol"], side, o["retcode"], True)
        return
    k = acct["n_orders"]
    orders[k] = o
    q = orders[k]
    q["state"] = OrderState.IN_FLIGHT
    q["ticket"] = 0
    q["arrive_ts"] = ts + draw_ns_nb(acct, cfg["lat_submit_kind"], cfg["lat_submit_a"],
                                     cfg["lat_submit_b"]) \
        + draw_ns_nb(acct, cfg["lat_venue_kind"], cfg["lat_venue_a"], cfg["lat_venue_b"])
    acct["n_orders"] = k + 1
    acct["n_inflight"] += 1
    olog[acct["n_olog"]] = q          # the order journal (the store's ``orders`` table)
    acct["n_olog"] += 1


@kernel
def compact_orders_nb(orders, acct):
    """Drop finished order slots so the order table does not grow with the run."""
    w = 0
    for j in range(acct["n_orders"]):
        st = orders[j]["state"]
        if st == OrderState.IN_FLIGHT or st == OrderState.PLACED:
            if w != j:
                orders[w] = orders[j]
            w += 1
    acct["n_orders"] = w
