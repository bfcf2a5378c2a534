"""Orders at the simulated venue: taking a step's orders, their arrival after the latency,
market fills, modify and cancel, the order table.

State is a handful of arrays bundled by the caller: ``acct`` (account_dt, 1 row),
``positions``, ``orders`` (in-flight and pending), ``deals``, ``trades``, ``equity``,
``reports`` (events queued to the decision core), ``syms``, ``qb``/``qa`` (current
bid/ask per symbol), ``cfg`` (exec_dt, 1 row) and ``olog`` (the order journal).
"""

from __future__ import annotations

from sim.core.enums import (
    Action,
    DealEntry,
    DealReason,
    FillOn,
    OrderState,
    OrderType,
    Retcode,
    Side,
)
from sim.core.order_types import is_buy_type_nb
from sim.core.records import NO_TS
from sim.jit_cache import kernel
from sim.venue.accounting import (
    find_position_nb,
    record_deal_nb,
)
from sim.venue.band import leave_band_nb
from sim.venue.checks import (
    check_new_nb,
    pending_frozen_nb,
    position_frozen_nb,
    sltp_ok_nb,
    volume_ok_nb,
)
from sim.venue.execution import (
    close_by_nb,
    execute_nb,
    market_price_nb,
    push_order_nb,
    reject_nb,
    requote_nb,
)
from sim.venue.latency import draw_ns_nb
from sim.venue.money import to_points_nb
from sim.venue.pending import place_pending_nb


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
        push_order_nb(reports, acct, cfg, ts, o, OrderState.PLACED)
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
    rejection row, no ticket taken); otherwise ``execute_nb`` gives the request its ticket
    and the deal, or refuses it (no money, ...) with no ticket, as MT5 does.
    """
    sym = syms[s]
    price, slip = market_price_nb(acct, cfg, sym, side, qb[s], qa[s])
    if requote_nb(deals, reports, acct, cfg, ts, o, s, sym, side, price, qb[s], qa[s]):
        return Retcode.REQUOTE
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
                push_order_nb(reports, acct, cfg, ts, q, OrderState.CANCELED)
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
            push_order_nb(reports, acct, cfg, ts, q, OrderState.PLACED)
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


@kernel
def accept_order_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, o, ts):
    """Put an order from the decision core's outbox in flight (submit + venue latency)."""
    if acct["n_olog"] >= olog.shape[0] or acct["n_orders"] >= orders.shape[0]:
        acct["overflow"] = True
        return
    k = acct["n_orders"]
    orders[k] = o
    q = orders[k]
    q["state"] = OrderState.IN_FLIGHT
    q["ticket"] = 0
    q["arrive_ts"] = ts + draw_ns_nb(acct, cfg["lat_submit_kind"], cfg["lat_submit_a"],
                                     cfg["lat_submit_b"]) \
        + draw_ns_nb(acct, cfg["lat_venue_kind"], cfg["lat_venue_a"], cfg["lat_venue_b"])
    q["olog"] = acct["n_olog"]
    acct["n_orders"] = k + 1
    acct["n_inflight"] += 1
    olog[acct["n_olog"]] = q          # the order journal (the store's ``orders`` table)
    acct["n_olog"] += 1


@kernel
def journal_order_states_nb(orders, acct, olog):
    """Bring each order's journal row to where the order is now: its state and ticket."""
    for j in range(acct["n_orders"]):
        o = orders[j]
        row = olog[o["olog"]]
        row["state"] = o["state"]
        row["ticket"] = o["ticket"]


@kernel
def compact_orders_nb(orders, acct, olog):
    """Drop finished order slots so the order table does not grow with the run (their
    journal rows first take their last state)."""
    journal_order_states_nb(orders, acct, olog)
    w = 0
    for j in range(acct["n_orders"]):
        st = orders[j]["state"]
        if st == OrderState.IN_FLIGHT or st == OrderState.PLACED:
            if w != j:
                orders[w] = orders[j]
            w += 1
    acct["n_orders"] = w


@kernel
def journal_denial_nb(deals, acct, olog, o, ts):
    """Journal a denial the decision core made (order log + a rejection row); no report.

    The core finished it itself (its own REJECT event); the journals keep every
    rejection, risk's included, beside the venue's.
    """
    if acct["n_olog"] >= olog.shape[0]:
        acct["overflow"] = True
        return
    olog[acct["n_olog"]] = o
    acct["n_olog"] += 1
    side = Side.BUY if o["type"] == OrderType.BUY else Side.SELL
    record_deal_nb(deals, acct, ts, o, o["symbol"], side, DealEntry.IN, 0, o["retcode"],
                   o["volume"], o["price"], 0.0, 0.0, 0.0, 0, 0.0, 0.0)


@kernel
def submit_orders_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                     equity, olog, outbox, n, now, s):
    """Take a step's ``n`` orders at ``now``: denials journaled, the rest put in flight, and
    the zero-latency ones arrive at once (``arrive_due_nb``; ``s`` is the tick's symbol).
    """
    acct["quiet"] = False
    if acct["band"]:
        leave_band_nb(positions, acct, syms, qb, qa, equity)
    for k in range(n):
        if outbox[k]["state"] == OrderState.REJECTED:
            journal_denial_nb(deals, acct, olog, outbox[k], now)
        else:
            accept_order_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa,
                            tmp, equity, olog, outbox[k], now)
    arrive_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity,
                  olog, now, s)


@kernel
def arrive_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity,
                  olog, now, s):
    """Process every request that has arrived by ``now``, earliest first.

    In ``next_tick`` mode only requests of symbol ``s`` (the tick's): a request executes on
    the first tick of its own symbol at or after its arrival.
    """
    only = s if cfg["fill_on"] == FillOn.NEXT_TICK else -1
    while acct["n_inflight"] > 0:
        j = next_arrival_nb(orders, acct, only)
        if j < 0 or orders[j]["arrive_ts"] > now:
            return
        arrive_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity,
                  olog, orders[j], now)
