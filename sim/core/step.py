"""The decision step shared by backtest and live: strategy -> risk -> routing.

``step_nb(e, c, sstate, params, data)`` handles one event ``e`` (an ``event_dt`` record,
sim/core/events.py) against the core's state ``c`` (one ``core_dt`` record, built by
``sim.core.state.make_core``) and the strategy's own state, params and data:

0. a TIMER(WAKE) the stages asked for (``wake_at_nb``), if due, is handled first;
1. ``begin_step_nb``: the core's bookkeeping: quotes (TICK), the positions book and
   exposure (FILL, REJECT), the account view (FILL, ACCOUNT, TIMER DAY).  An event the
   contract does not allow is counted in ``n_bad_events`` and goes no further.
2. the strategy (bound statically, ``sim.core.strategy_api.on_event``) writes intents;
3. ``end_step_nb``: each intent through risk, then routing, into ``c["outbox"]``.  A
   risk denial is finished here: a denial row in the outbox (state REJECTED, the risk
   retcode) and a REJECT event back to the core itself, handled (book, strategy) before
   the step returns.

The outbox holds the orders of the last step only: the caller hands them to a venue.
Nothing here does I/O or reads a clock but ``e["ts"]``.
"""

from __future__ import annotations

from sim.core.enums import (
    AccountMode,
    Action,
    DealEntry,
    EventKind,
    OrderState,
    OrderType,
    Retcode,
    Side,
    TimerKind,
)
from sim.core.events import clear_event_nb, midnight_offset_nb, report_event_nb
from sim.core.records import VOL_EPS
from sim.core.risk import (
    breach_nb,
    check_intent_nb,
    halt_intents_nb,
    is_risk_retcode_nb,
    log_risk_nb,
    monitor_nb,
    record_sent_nb,
)
from sim.core.routing import emit_nb, order_side_volume_nb, route_nb, standing_target_nb
from sim.core.strategy_api import on_event
from sim.jit_cache import kernel


@kernel
def book_fill_nb(c, e):
    """Mirror an executed deal into the core's book (positions by identifier)."""
    book = c["book"]
    s = e["symbol"]
    vol = e["volume"]
    pid = e["position_id"]
    found = -1
    for i in range(book.shape[0]):
        if book[i]["active"] and book[i]["ident"] == pid:
            found = i
            break
    if e["entry"] == DealEntry.OUT_BY:
        # Close By: the deal closes (part of) its own position only, never opens or reverses
        if found >= 0:
            p = book[found]
            p["volume"] -= min(vol, p["volume"])
            if p["volume"] <= VOL_EPS:
                p["active"] = False
    elif e["entry"] == DealEntry.IN and (found < 0 or c["mode"] == AccountMode.HEDGING):
        for i in range(book.shape[0]):
            if not book[i]["active"]:
                p = book[i]
                p["active"] = True
                p["ticket"] = pid
                p["ident"] = pid
                p["symbol"] = s
                p["side"] = e["side"]
                p["volume"] = vol
                p["price"] = e["price"]
                p["open_ts"] = e["ts"]
                p["closing"] = 0.0
                break
    elif found >= 0:
        p = book[found]
        if p["side"] == e["side"]:
            p["price"] = (p["price"] * p["volume"] + e["price"] * vol) / (p["volume"] + vol)
            p["volume"] += vol
        else:
            closed = min(vol, p["volume"])
            p["volume"] -= closed
            if e["type"] == OrderType.BUY or e["type"] == OrderType.SELL:
                p["closing"] = max(p["closing"] - closed, 0.0)
            rest = vol - closed
            if rest > VOL_EPS:          # netting reversal: same identifier, other side
                p["side"] = e["side"]
                p["volume"] = rest
                p["price"] = e["price"]
                p["open_ts"] = e["ts"]
                p["closing"] = 0.0
            elif p["volume"] <= VOL_EPS:
                p["active"] = False
    c["quote"][s]["net"] += e["side"] * vol


@kernel
def book_order_nb(c, e):
    """ORDER: mirror a pending order placed or changed (added or updated), or canceled."""
    pend = c["pending"]
    n = c["n_pending"]
    k = 0
    while k < n and pend[k]["cid"] != e["cid"]:
        k += 1
    if e["state"] != OrderState.PLACED:
        drop_pending_nb(c, e["cid"])
        return
    if k == n:
        if n >= pend.shape[0]:
            return
        c["n_pending"] = n + 1
    o = pend[k]
    o["cid"] = e["cid"]
    o["ticket"] = e["ticket"]
    o["action"] = Action.NEW
    o["type"] = e["type"]
    o["symbol"] = e["symbol"]
    o["state"] = OrderState.PLACED
    o["volume"] = e["volume"]
    o["price"] = e["price"]
    o["sl"] = e["sl"]
    o["tp"] = e["tp"]
    o["expiry"] = e["expiry"]


@kernel
def drop_pending_nb(c, cid):
    """A pending order left the venue (filled, canceled, expired): out of the mirror."""
    pend = c["pending"]
    n = c["n_pending"]
    for k in range(n):
        if pend[k]["cid"] == cid:
            for j in range(k, n - 1):
                pend[j] = pend[j + 1]
            c["n_pending"] = n - 1
            return


@kernel
def book_report_nb(c, e):
    """FILL / REJECT: exposure no longer in flight, the book, counters, the account view."""
    book = c["book"]
    if c["n_pending"] > 0 and e["cid"] != 0:    # a pending order filled, expired, refused
                                                # (cid < 0: adopted after a restart, live)
        drop_pending_nb(c, e["cid"])
    market = e["type"] == OrderType.BUY or e["type"] == OrderType.SELL
    if e["cid"] > 0 and market and not is_risk_retcode_nb(e["retcode"]):
        # this order's volume is no longer in flight (a risk denial never was)
        # undo by the order's own side (what routing added), not the deal's: a close
        # routed before its position was known can fill on the other side
        q = c["quote"][e["symbol"]]
        q["working"] -= (1.0 if e["type"] == OrderType.BUY else -1.0) * e["volume"]
        if c["mode"] == AccountMode.HEDGING and opens_ticket_nb(e):
            # an opening order's report: no longer a ticket-to-be
            if e["type"] == OrderType.BUY:
                q["buy_opening"] = max(q["buy_opening"] - e["volume"], 0.0)
            else:
                q["sell_opening"] = max(q["sell_opening"] - e["volume"], 0.0)
    if e["kind"] == EventKind.FILL:
        c["n_fills"] += 1
        c["realized"] += e["profit"] + e["commission"] + e["swap"]
        account_view_nb(c, e)
        book_fill_nb(c, e)
        return
    c["n_rejected"] += 1
    if market and e["position_id"] > 0 and not is_risk_retcode_nb(e["retcode"]):
        # a rejected close: the ticket is open again (a denied one never was closing)
        for i in range(book.shape[0]):
            if book[i]["active"] and book[i]["ticket"] == e["position_id"]:
                book[i]["closing"] = max(book[i]["closing"] - e["volume"], 0.0)


@kernel(inline=True)
def opens_ticket_nb(e):
    """Is this FILL / REJECT the report of an order that opens a ticket (a deal IN; a
    refusal naming no position)?"""
    if e["kind"] == EventKind.FILL:
        return e["entry"] == DealEntry.IN
    return e["position_id"] == 0


@kernel(inline=True)
def account_view_nb(c, e):
    # the venue's figures as of ``e["as_of"]``: a fill reported late never overwrites a
    # newer snapshot
    if e["as_of"] >= c["account_ts"]:
        c["account_ts"] = e["as_of"]
        c["balance"] = e["balance"]
        c["equity"] = e["equity"]
        c["margin"] = e["margin"]


@kernel(inline=True)
def accept_event_nb(e, c):
    """Does ``e`` keep the contract?  Counts and refuses it if not.

    Refused: an unknown kind, a symbol outside the core's, a TICK older than the core's
    clock (a stale quote).  Reports are never refused for their time: the book must see
    every fill.  The clock (``last_ts``) never goes back.
    """
    kind = e["kind"]
    s = e["symbol"]
    if kind < EventKind.TICK or kind > EventKind.ORDER or s < 0 or s >= c["n_sym"] or \
            (kind == EventKind.TICK and e["ts"] < c["last_ts"]):
        c["n_bad_events"] += 1
        return False
    c["n_events"] += 1
    if e["ts"] > c["last_ts"]:
        c["last_ts"] = e["ts"]
    return True


@kernel(inline=True)
def begin_step_nb(e, c):
    """The core's bookkeeping before the strategy sees ``e`` (a valid event)."""
    kind = e["kind"]
    s = e["symbol"]
    if kind == EventKind.TICK:
        q = c["quote"][s]
        q["bid"] = e["bid"]
        q["ask"] = e["ask"]
        q["ts"] = e["ts"]
        return
    if kind == EventKind.FILL or kind == EventKind.REJECT:
        book_report_nb(c, e)
        if c["quote"][s]["standing"]:
            record_sent_nb(c, e["ts"], Action.CLOSE, standing_target_nb(c, s, e["ts"]))
    elif kind == EventKind.ACCOUNT:
        account_view_nb(c, e)
    elif kind == EventKind.ORDER:
        book_order_nb(c, e)
    elif e["timer"] == TimerKind.DAY:
        account_view_nb(c, e)
        c["day_ts"] = e["ts"]
        c["utc_offset"] = midnight_offset_nb(e["ts"])
    if kind != EventKind.REJECT and kind != EventKind.ORDER:
        monitor_nb(c, e)                # the loss rules see the new account figures
        if c["risk"]["halt_todo"]:
            halt_orders_nb(c, e["ts"])


@kernel
def halt_orders_nb(c, ts):
    """HALTED was just entered: cancel every pending order and, with ``flatten_on_halt``,
    close every position (the risk stage's own orders: no checks; before the strategy)."""
    c["risk"]["halt_todo"] = False
    it = c["intents"][0]                # scratch: the strategy writes its intents after
    k = 0
    while halt_intents_nb(c, it, k):
        n = route_nb(it, ts, c)
        record_sent_nb(c, ts, it["action"], n)
        if n == 0:                      # the outbox is full: the rest cannot be sent now
            break
        k += 1


@kernel
def command_nb(c, ts, state):
    """Set the trading state by command (``DecisionCore.set_trading_state``): no automatic
    re-arm; HALTED cancels the pending orders (and flattens) now.  Returns the orders."""
    c["n_out"] = 0
    breach_nb(c, ts, state, Retcode.RISK_COMMAND, float(state), 0.0, 0, False)
    if c["risk"]["halt_todo"]:
        halt_orders_nb(c, ts)
    return c["n_out"]


@kernel
def deny_nb(it, ts, rc, c):
    """Finish a risk denial: a denial row in the outbox, a REJECT event to the core itself.

    The row (state REJECTED, the risk retcode) is the core's decision record: the caller
    journals it and never sends it.  The REJECT event is handled before the step returns
    (the core decided it: no round trip, as in live).
    """
    q = c["quote"][it["symbol"]]
    buy, volume = order_side_volume_nb(it, c)
    n = emit_nb(c, ts, q["ask"] if buy else q["bid"], it["action"],
                OrderType.BUY if buy else OrderType.SELL, it["symbol"], volume,
                it["price"], it["sl"], it["tp"], it["expiry"], it["ticket"])
    if n == 1:
        o = c["outbox"][c["n_out"] - 1]
        o["state"] = OrderState.REJECTED
        o["retcode"] = rc
        o["by_ticket"] = it["by_ticket"]
        c["n_sent"] -= 1
        c["n_denied"] += 1
        log_risk_nb(c, ts, rc, o["symbol"], o["cid"], c["risk"]["seen"], c["risk"]["bound"],
                    c["trading_state"])
        k = c["n_self"]
        if k < c["selfq"].shape[0]:
            report_event_nb(c["selfq"][k], ts, EventKind.REJECT, o, o["symbol"],
                            Side.BUY if buy else Side.SELL, DealEntry.IN, 0, o["volume"], o["price"], rc,
                            o["pos_ticket"], 0.0, 0.0, 0.0)
            c["n_self"] = k + 1
    return n


@kernel
def end_step_nb(e, c, n_intents):
    """Run the strategy's intents through risk, then routing; return orders added."""
    ts = e["ts"]
    intents = c["intents"]
    added = 0
    for k in range(n_intents):
        it = intents[k]
        rc = check_intent_nb(it, c)
        if rc != Retcode.DONE:
            added += deny_nb(it, ts, rc, c)
            continue
        n = route_nb(it, ts, c)
        record_sent_nb(c, ts, it["action"], n)
        added += n
    return added


@kernel(inline=True)
def decide_nb(e, c, sstate, params, data):
    """Bookkeeping, strategy, risk, routing for one valid event (the strategy is inlined)."""
    begin_step_nb(e, c)
    n = on_event(sstate, params, data, e, c, c["intents"])
    if n > 0:
        end_step_nb(e, c, n)


@kernel
def decide_out_of_line_nb(e, c, sstate, params, data):
    decide_nb(e, c, sstate, params, data)


@kernel
def self_events_nb(c, sstate, params, data):
    """Handle the core's events to itself (denials' REJECTs) in the order they were made."""
    q = c["selfq"]
    k = 0
    while k < c["n_self"]:
        decide_out_of_line_nb(q[k], c, sstate, params, data)
        k += 1
    c["n_self"] = 0


@kernel
def wake_nb(ts, c, sstate, params, data):
    """Deliver the TIMER(WAKE) a stage asked for (``wake_at_nb``), at ``ts``."""
    c["wake_ts"] = 0                    # the stages may ask for the next one
    e = c["timer_ev"]
    clear_event_nb(e, ts, EventKind.TIMER)
    e["timer"] = TimerKind.WAKE
    c["n_events"] += 1
    decide_out_of_line_nb(e, c, sstate, params, data)
    if c["n_self"] > 0:                 # its denials' REJECTs before the event that woke it
        self_events_nb(c, sstate, params, data)


@kernel(inline=True)
def step_nb(e, c, sstate, params, data):
    """Handle one event; return the number of orders in ``c["outbox"]`` (this step's).

    A TIMER(WAKE) that is due (``c["wake_ts"] <= e["ts"]``) is handled first.
    """
    c["n_out"] = 0
    if not accept_event_nb(e, c):
        return 0
    if 0 < c["wake_ts"] <= e["ts"]:
        wake_nb(e["ts"], c, sstate, params, data)
    decide_nb(e, c, sstate, params, data)
    if c["n_self"] > 0:
        self_events_nb(c, sstate, params, data)
    return c["n_out"]


@kernel
def step_out_of_line_nb(e, c, sstate, params, data):
    """``step_nb`` as a call, for the replay loop's rarer paths (full ticks, reports).

    The loop inlines ``step_nb`` (and with it the strategy) at one site only, its quiet
    ticks: numba's inliner mishandles the strategy's inlined overload at several sites of
    one function (variables out of scope), and the quiet ticks are where a call costs.
    """
    return step_nb(e, c, sstate, params, data)
