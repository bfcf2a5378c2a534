"""The decision step shared by backtest and live: strategy -> risk -> routing.

``step_nb`` = ``begin_step_nb`` (decision-side bookkeeping) -> the strategy (bound
statically through ``sim.strategy_api.on_event``) -> ``end_step_nb`` (risk, routing).

The decision-side state: ``dstate`` (decision_dt record), ``limits`` (limits_dt record),
``dsym`` (per-symbol quotes and exposure), ``book`` (positions mirrored from fill
reports), ``syms``, the account ``mode``, an ``intents`` scratch buffer and the
``outbox``.  ``begin_step_nb`` records quotes (TICK) or books fill/reject reports
(FILL/REJECT: the decision side's accounting); ``end_step_nb`` runs each intent through
risk then routing into ``outbox``.  Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from sim.accounting import VOL_EPS
from sim.enums import AccountMode, Action, DealEntry, EventKind, OrderState, OrderType, Retcode
from sim.jit_cache import kernel
from sim.risk import check_intent_nb, is_risk_retcode_nb
from sim.routing import emit_nb, route_nb
from sim.strategy_api import on_event


@kernel
def book_fill_nb(book, dsym, mode, e):
    """Mirror an executed deal into the decision-side book (positions by identifier)."""
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
    elif e["entry"] == DealEntry.IN and (found < 0 or mode == AccountMode.HEDGING):
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
    dsym[s]["net"] += e["side"] * vol


@kernel(inline=True)
def begin_step_nb(ev, dstate, dsym, book, mode):
    """Bookkeeping before the strategy sees ``ev``: quotes, fills, rejects."""
    e = ev[0]
    dstate["last_ts"] = e["ts"]
    if e["kind"] == EventKind.TICK:
        d = dsym[e["symbol"]]
        d["bid"] = e["bid"]
        d["ask"] = e["ask"]
        d["ts"] = e["ts"]
        return
    if e["kind"] == EventKind.FILL or e["kind"] == EventKind.REJECT:
        market = e["type"] == OrderType.BUY or e["type"] == OrderType.SELL
        if e["cid"] > 0 and market and not is_risk_retcode_nb(e["retcode"]):
            # this order's volume is no longer in flight (a risk denial never was)
            # undo by the order's own side (what routing added), not the deal's: a close
            # routed before its position was known can fill on the other side
            dsym[e["symbol"]]["working"] -= (1.0 if e["type"] == OrderType.BUY else -1.0) \
                * e["volume"]
        if e["kind"] == EventKind.FILL:
            dstate["n_fills"] += 1
            book_fill_nb(book, dsym, mode, e)
        else:
            dstate["n_rejected"] += 1
            if market and e["position_id"] > 0:   # a rejected close: the ticket is open again
                for i in range(book.shape[0]):
                    if book[i]["active"] and book[i]["ticket"] == e["position_id"]:
                        book[i]["closing"] = max(book[i]["closing"] - e["volume"], 0.0)


@kernel
def end_step_nb(ev, dstate, limits, dsym, book, syms, mode, intents, outbox, n_intents):
    """Run the strategy's intents through risk, then routing; return orders added."""
    ts = ev[0]["ts"]
    added = 0
    for k in range(n_intents):
        it = intents[k]
        rc = check_intent_nb(it, dstate, limits, dsym[it["symbol"]])
        if rc != Retcode.DONE:
            added += deny_nb(it, ts, rc, dstate, dsym, outbox)
            continue
        added += route_nb(it, ts, dstate, mode, dsym, book, syms, outbox)
    return added


@kernel
def deny_nb(it, ts, rc, dstate, dsym, outbox):
    """Put a risk denial in the outbox as an already-rejected order.

    The venue journals it like any rejection and reports it back, without sending it:
    every rejection, risk's included, is a row of the same journal.
    """
    d = dsym[it["symbol"]]
    t = it["type"]
    buy = it["volume"] > 0 if it["action"] == Action.TARGET else (
        t == OrderType.BUY or t == OrderType.BUY_LIMIT or t == OrderType.BUY_STOP
        or t == OrderType.BUY_STOP_LIMIT)
    n = emit_nb(outbox, dstate, ts, d["ask"] if buy else d["bid"], it["action"],
                OrderType.BUY if buy else OrderType.SELL, it["symbol"], abs(it["volume"]),
                it["price"], it["sl"], it["tp"], it["expiry"], it["ticket"])
    if n == 1:
        o = outbox[dstate["n_out"] - 1]
        o["state"] = OrderState.REJECTED
        o["retcode"] = rc
        o["by_ticket"] = it["by_ticket"]
        dstate["n_sent"] -= 1
    return n


@kernel(inline=True)
def step_nb(ev, sstate, params, data, dstate, limits, dsym, book, syms, mode, intents, outbox):
    """Handle one event: bookkeeping, strategy, risk, routing; return orders added."""
    begin_step_nb(ev, dstate, dsym, book, mode)
    n = on_event(sstate, params, data, ev[0], dsym, intents)
    if n == 0:
        return 0
    return end_step_nb(ev, dstate, limits, dsym, book, syms, mode, intents, outbox, n)


@kernel
def step_out_of_line_nb(ev, sstate, params, data, dstate, limits, dsym, book, syms, mode, intents,
                        outbox):
    """``step_nb`` as a call, for the replay loop's rarer paths (full ticks, reports).

    The loop inlines ``step_nb`` (and with it the strategy) at one site only, its quiet
    ticks: numba's inliner mishandles the strategy's inlined overload at several sites of
    one function (variables out of scope), and the quiet ticks are where a call costs.
    """
    return step_nb(ev, sstate, params, data, dstate, limits, dsym, book, syms, mode, intents,
                   outbox)
