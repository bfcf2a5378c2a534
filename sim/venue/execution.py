"""Deal execution of the simulated venue: margin check, commission, costs, journal, report.

Every executed deal and every rejection is journaled in ``deals`` (a rejection
has ``retcode != DONE``) and reported to the decision side through the report
queue after the report latency.
"""

from __future__ import annotations

from sim.core.enums import (
    AccountMode,
    CommissionEntry,
    CommissionMode,
    DealEntry,
    DealReason,
    EventKind,
    ExeMode,
    OrderState,
    Retcode,
    Side,
    TriggerFill,
)
from sim.core.events import account_fields_nb, order_event_nb, report_event_nb
from sim.jit_cache import kernel
from sim.venue.accounting import (
    apply_deal_nb,
    close_part_nb,
    find_position_nb,
    legs_margin_nb,
    mark_symbol_nb,
    net_slot_nb,
    recompute_margin_nb,
    record_deal_nb,
    set_margin_call_nb,
    symbol_legs_nb,
    update_equity_nb,
)
from sim.venue.checks import position_frozen_nb
from sim.venue.latency import draw_ns_nb, slippage_points_nb
from sim.venue.money import (
    deal_margin_nb,
    margin_conv_nb,
    profit_conv_nb,
    round_money_nb,
    to_points_nb,
)


@kernel
def report_slot_nb(reports, acct):
    """Index of a free row of the report queue (the overflow flag and -1 when full)."""
    k = acct["n_reports"]
    if k >= reports.shape[0]:
        acct["overflow"] = True
        return -1
    acct["n_reports"] = k + 1
    return k


@kernel
def push_report_nb(reports, acct, cfg, ts, kind, order, s, side, volume, price, retcode, entry,
                   reason, profit, position_id, commission=0.0, swap=0.0):
    """Queue a FILL or REJECT event for the decision core, due after the report latency.

    A FILL carries the deal's commission and swap as journaled (signed, account money) and
    the account right after the deal.  Returns the queue row or -1.
    """
    k = report_slot_nb(reports, acct)
    if k < 0:
        return -1
    e = reports[k]
    due = ts + draw_ns_nb(acct, cfg["lat_report_kind"], cfg["lat_report_a"], cfg["lat_report_b"])
    report_event_nb(e, due, kind, order, s, side, entry, reason, volume, price, retcode,
                    position_id, profit, commission, swap)
    if kind == EventKind.FILL:
        account_fields_nb(e, ts, acct["balance"], acct["equity"], acct["margin"])
    return k


@kernel
def push_order_nb(reports, acct, cfg, ts, order, state):
    """Queue an ORDER event (a pending order now ``state``), due after the report latency."""
    k = report_slot_nb(reports, acct)
    if k >= 0:
        due = ts + draw_ns_nb(acct, cfg["lat_report_kind"], cfg["lat_report_a"],
                              cfg["lat_report_b"])
        order_event_nb(reports[k], due, order, state)


@kernel
def reject_nb(deals, reports, acct, cfg, ts, order, s, side, retcode):
    """Journal and report a rejected request."""
    record_deal_nb(deals, acct, ts, order, s, side, DealEntry.IN, 0, retcode, order["volume"],
                   order["price"], 0.0, 0.0, 0.0, 0, 0.0, 0.0)
    push_report_nb(reports, acct, cfg, ts, EventKind.REJECT, order, s, side, order["volume"],
                   order["price"], retcode, DealEntry.IN, 0, 0.0, order["pos_ticket"])


@kernel
def added_margin_nb(positions, acct, syms, s, side, volume, price, pos_ticket, qb, qa):
    """Extra account margin a deal would need (0 for a pure close or reduction).

    The deal's own volume is priced at the initial margin and initial margin rate (3.1:
    "initial rate for the entry check").
    """
    sym = syms[s]
    if pos_ticket > 0:
        return 0.0
    conv = margin_conv_nb(sym, s, side, price, qb, qa)
    if acct["mode"] == AccountMode.NETTING:
        i = net_slot_nb(positions, s)
        add = volume
        if i >= 0 and positions[i]["side"] != side:
            add = volume - positions[i]["volume"]
        return deal_margin_nb(sym, side, max(add, 0.0), price, conv, acct["leverage"], True)
    # hedging: symbol margin after minus before, with the hedged rule; the new volume at
    # the initial margin and rate (held positions are at maintenance)
    lv, lm, sv, sm, cw, pw = symbol_legs_nb(positions, acct, s)
    before = legs_margin_nb(sym, lv, lm, sv, sm, cw, pw, acct)
    m = deal_margin_nb(sym, side, volume, price, conv, acct["leverage"], True)
    if side == Side.BUY:
        lv += volume
        lm += m
    else:
        sv += volume
        sm += m
    after = legs_margin_nb(sym, lv, lm, sv, sm, cw + conv * volume, pw + price * volume, acct)
    return max(after - before, 0.0)


@kernel
def commission_nb(sym, s, volume, closing, price, qb, qa, d):
    """Commission of a deal of ``volume`` lots that closes ``closing`` of them (5.1, 5.2).

    ``commission_entry`` all charges the whole deal, in only the opened volume, out only
    the closed volume (a netting reversal splits); per lot or per million of the deal's
    notional (``volume * contract * price`` converted to account currency).
    """
    if sym["commission_entry"] == CommissionEntry.IN:
        v = volume - closing
    elif sym["commission_entry"] == CommissionEntry.OUT:
        v = closing
    else:
        v = volume
    if v <= 0.0:
        return 0.0
    if sym["commission_mode"] == CommissionMode.PER_MILLION:
        conv = profit_conv_nb(sym, s, False, price, qb, qa)
        return round_money_nb(sym["commission_per_million"] * 1e-6 * v * sym["contract"] * price
                              * conv, d)
    return round_money_nb(sym["commission_per_lot"] * v, d)


@kernel
def positions_changed_nb(positions, syms, acct, s, qb, qa):
    """After deals on symbol ``s``: margin, margin-call flag, marks and equity anew."""
    recompute_margin_nb(positions, syms, acct)
    acct["band_retry"] = 0                  # a new position may qualify for the quiet band
    mark_symbol_nb(positions, syms, s, acct, qb, qa)
    update_equity_nb(positions, acct)
    set_margin_call_nb(acct)


@kernel
def execute_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, order, s, side,
               volume, price, pos_ticket, sl, tp, reason, slip_points, fail_code):
    """Execute a deal at ``price``; on insufficient margin reject with ``fail_code``.

    Returns the retcode (``Retcode.DONE`` when executed).
    """
    sym = syms[s]
    d = acct["acc_digits"]
    # a conversion pair without a quote yet would price margin at 0 and profit at 1/0
    for k in (sym["profit_conv_sym"], sym["margin_conv_sym"]):
        if k >= 0 and (qb[k] <= 0.0 or qa[k] <= 0.0):
            reject_nb(deals, reports, acct, cfg, ts, order, s, side, Retcode.PRICE_OFF)
            return Retcode.PRICE_OFF
    # a new position needs a free slot (hedging: one per deal; netting: one per symbol)
    if pos_ticket <= 0 and acct["n_positions"] >= positions.shape[0] and (
            acct["mode"] == AccountMode.HEDGING or net_slot_nb(positions, s) < 0):
        reject_nb(deals, reports, acct, cfg, ts, order, s, side, Retcode.BOOK_FULL)
        return Retcode.BOOK_FULL
    comm = 0.0
    closing = 0.0                   # volume this deal closes (exit share)
    if acct["mode"] == AccountMode.HEDGING:
        if pos_ticket > 0:
            closing = volume
    else:
        j = net_slot_nb(positions, s)
        if j >= 0 and positions[j]["side"] != side:
            closing = min(volume, positions[j]["volume"])
    if cfg["commission"]:
        comm = commission_nb(sym, s, volume, closing, price, qb, qa, d)
    need = added_margin_nb(positions, acct, syms, s, side, volume, price, pos_ticket, qb, qa)
    if need > 0.0 and acct["equity"] - comm - acct["margin"] < need:
        reject_nb(deals, reports, acct, cfg, ts, order, s, side, fail_code)
        return fail_code
    if order["ticket"] <= 0:    # a market request, or a deal the venue starts (SL, TP,
        # stop-out: MT5 closes by an order of its own) takes its order ticket once it executes
        order["ticket"] = acct["next_ticket"]
        acct["next_ticket"] += 1
    ticket = order["ticket"]
    n_tr = acct["n_trades"]
    entry, pos_id, profit, swap = apply_deal_nb(positions, acct, syms, trades, s, side, volume,
                                                price, ts, pos_ticket, ticket, sl, tp, reason,
                                                qb, qa)
    # commission: exit share onto the closed trade rows, entry share onto the open position
    acct["balance"] = round_money_nb(acct["balance"] - comm, d)
    acct["commission_total"] += comm
    closed = 0.0
    for k in range(n_tr, acct["n_trades"]):
        closed += trades[k]["volume"]
    if closed > 0.0:
        if sym["commission_entry"] == CommissionEntry.OUT:
            part = comm
        elif sym["commission_entry"] == CommissionEntry.IN:
            part = 0.0
        else:
            part = round_money_nb(comm * closed / volume, d)
        trades[acct["n_trades"] - 1]["commission"] -= part
        comm_in = comm - part
    else:
        comm_in = comm
    if comm_in != 0.0 and entry != DealEntry.OUT:     # (a negative one: a rebate)
        j = net_slot_nb(positions, s) if acct["mode"] == AccountMode.NETTING else \
            find_position_nb(positions, ticket)
        if j >= 0:
            positions[j]["commission"] -= comm_in
    # costs: half the spread and the slippage, both in account money
    conv = profit_conv_nb(sym, s, False, price, qb, qa)
    units = volume * sym["price_value"] * conv
    spread_cost = round_money_nb(0.5 * (qa[s] - qb[s]) * units, d)
    slip_cost = round_money_nb(slip_points * sym["point"] * units, d)
    acct["spread_total"] += spread_cost
    acct["slippage_total"] += slip_cost
    record_deal_nb(deals, acct, ts, order, s, side, entry, reason, Retcode.DONE, volume, price,
                   profit, -comm, swap, pos_id, spread_cost, slip_cost)
    positions_changed_nb(positions, syms, acct, s, qb, qa)
    push_report_nb(reports, acct, cfg, ts, EventKind.FILL, order, s, side, volume, price,
                   Retcode.DONE, entry, reason, profit, pos_id, -comm, swap)
    return Retcode.DONE


# -- CLOSE BY --

@kernel
def close_by_check_nb(positions, acct, sym, s, i, j, bid, ask):
    # retcode of a Close By of positions i by j (indices, -1 = not open)
    if acct["mode"] != AccountMode.HEDGING or not sym["close_by"]:
        return Retcode.INVALID_ORDER
    if i < 0 or j < 0:
        return Retcode.POSITION_CLOSED
    a = positions[i]
    b = positions[j]
    if i == j or a["symbol"] != s or b["symbol"] != s or a["side"] == b["side"]:
        return Retcode.INVALID
    if position_frozen_nb(sym, a["side"], a["sl"], a["tp"], bid, ask) or \
            position_frozen_nb(sym, b["side"], b["sl"], b["tp"], bid, ask):
        return Retcode.FROZEN
    return Retcode.DONE


@kernel
def close_by_nb(positions, deals, trades, reports, acct, cfg, syms, qb, qa, ts, o):
    """Close position ``o.pos_ticket`` by the opposite ``o.by_ticket`` (7.3, T19).

    Hedging accounts only, same symbol, opposite sides.  The smaller position closes fully,
    the larger is reduced by as much (keeping its open price).  Two ``DealEntry.OUT_BY``
    deals: the named position closes at the opposite one's open price and carries the whole
    profit, ``(sell open - buy open) x volume x contract``; the opposite one closes at its own
    open price (profit 0; MT5 shows the result in one deal only).  No spread or slippage is
    paid.  Commission: none with ``commission_entry`` all or in (MT5 charges no Close By deals
    under COMM_ENTRY_ALL); with ``out`` both deals' volume, written to the first deal.
    Returns the retcode.
    """
    s = o["symbol"]
    sym = syms[s]
    d = acct["acc_digits"]
    i = find_position_nb(positions, o["pos_ticket"])
    j = find_position_nb(positions, o["by_ticket"])
    rc = close_by_check_nb(positions, acct, sym, s, i, j, qb[s], qa[s])
    if rc != Retcode.DONE:
        o["state"] = OrderState.REJECTED
        side = -positions[i]["side"] if i >= 0 else Side.SELL
        reject_nb(deals, reports, acct, cfg, ts, o, s, side, rc)
        return rc
    o["ticket"] = acct["next_ticket"]
    acct["next_ticket"] += 1
    volume = min(positions[i]["volume"], positions[j]["volume"])
    o["volume"] = volume
    price = positions[j]["price"]           # both deals at the opposite position's open price
    side_a = -positions[i]["side"]
    side_b = -positions[j]["side"]
    id_a = positions[i]["ident"]
    id_b = positions[j]["ident"]
    comm = 0.0
    if cfg["commission"] and sym["commission_entry"] == CommissionEntry.OUT:
        comm = commission_nb(sym, s, volume, volume, price, qb, qa, d) \
            + commission_nb(sym, s, volume, volume, price, qb, qa, d)
    n_tr = acct["n_trades"]
    profit_a, swap_a = close_part_nb(positions, i, acct, syms, trades, volume, price, ts,
                                     DealReason.EXPERT, qb, qa)
    if comm != 0.0:
        acct["balance"] = round_money_nb(acct["balance"] - comm, d)
        acct["commission_total"] += comm
        if acct["n_trades"] > n_tr:
            trades[n_tr]["commission"] -= comm
    record_deal_nb(deals, acct, ts, o, s, side_a, DealEntry.OUT_BY, DealReason.EXPERT,
                   Retcode.DONE, volume, price, profit_a, -comm, swap_a, id_a, 0.0, 0.0)
    profit_b, swap_b = close_part_nb(positions, j, acct, syms, trades, volume, price, ts,
                                     DealReason.EXPERT, qb, qa)
    record_deal_nb(deals, acct, ts, o, s, side_b, DealEntry.OUT_BY, DealReason.EXPERT,
                   Retcode.DONE, volume, price, profit_b, 0.0, swap_b, id_b, 0.0, 0.0)
    positions_changed_nb(positions, syms, acct, s, qb, qa)
    push_report_nb(reports, acct, cfg, ts, EventKind.FILL, o, s, side_a, volume, price,
                   Retcode.DONE, DealEntry.OUT_BY, DealReason.EXPERT, profit_a, id_a, -comm, swap_a)
    push_report_nb(reports, acct, cfg, ts, EventKind.FILL, o, s, side_b, volume, price,
                   Retcode.DONE, DealEntry.OUT_BY, DealReason.EXPERT, profit_b, id_b, 0.0, swap_b)
    o["state"] = OrderState.FILLED
    return Retcode.DONE


# -- INSTANT / REQUEST EXECUTION --

@kernel
def requote_nb(deals, reports, acct, cfg, ts, o, s, sym, side, price, bid, ask):
    """Instant/request execution (6.2): requote a market deal whose price moved too far.

    ``price`` is what the deal would fill at now (the quote plus any modelled slippage);
    the requested price is the quote the strategy saw, ``o.signal_price``.  When they are
    more than ``deviation`` points apart, either way (one symmetric deviation, as the spec
    chooses), the request is journaled as a ``Retcode.REQUOTE`` row at ``price`` and
    reported with the current ``bid``/``ask``; returns True.  Market execution never
    requotes.
    """
    if cfg["exe_mode"] == ExeMode.MARKET:
        return False
    dev = abs(to_points_nb(price, sym["point"]) - to_points_nb(o["signal_price"], sym["point"]))
    if dev <= cfg["deviation"]:
        return False
    record_deal_nb(deals, acct, ts, o, s, side, DealEntry.IN, 0, Retcode.REQUOTE, o["volume"],
                   price, 0.0, 0.0, 0.0, 0, 0.0, 0.0)
    k = push_report_nb(reports, acct, cfg, ts, EventKind.REJECT, o, s, side, o["volume"], price,
                       Retcode.REQUOTE, DealEntry.IN, 0, 0.0, o["pos_ticket"])
    if k >= 0:                          # the requote carries the new prices
        reports[k]["bid"] = bid
        reports[k]["ask"] = ask
    return True


# -- PRICES --

@kernel
def market_price_nb(acct, cfg, sym, side, bid, ask):
    """Fill price and slippage (points) of a market-style execution: ask for buys, bid for sells."""
    slip = slippage_points_nb(acct, cfg["slip_kind"], cfg["slip_a"], cfg["slip_b"],
                              to_points_nb(ask, sym["point"]) - to_points_nb(bid, sym["point"]))
    if side == Side.BUY:
        return ask + slip * sym["point"], slip
    return bid - slip * sym["point"], slip


@kernel
def triggered_price_nb(acct, cfg, sym, side, level, is_stop, bid, ask):
    """Fill price of a triggered pending order or SL/TP (mt-execution.md 1.5)."""
    rule = cfg["trigger_fill"]
    if rule == TriggerFill.ORDER_PRICE:
        return level, 0.0
    if not is_stop and rule == TriggerFill.NO_POSITIVE_SLIPPAGE:
        return level, 0.0
    if is_stop:
        return market_price_nb(acct, cfg, sym, side, bid, ask)
    return (ask if side == Side.BUY else bid), 0.0
