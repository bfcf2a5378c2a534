"""Account bookkeeping of the venue: positions, deals, trades, balance, margin, equity.

Netting accounts keep one position per symbol (weighted average price, reversal
as one ``DealEntry.INOUT`` deal that keeps the position identifier); hedging
accounts open a position per deal and close by ticket (mt-execution.md 7).
Margin is frozen per position at open (3.1: formula or fixed margin, times the
maintenance margin rate of its side) and summed per symbol with the hedged-margin
rule (3.4).
"""

from __future__ import annotations

from sim.core.enums import AccountMode, DealEntry, DealType, Retcode, Side
from sim.core.records import VOL_EPS
from sim.jit_cache import kernel
from sim.venue.money import (
    deal_margin_nb,
    hedged_margin_nb,
    margin_conv_nb,
    profit_account_nb,
    round_money_nb,
)

# -- LOOKUPS --

@kernel
def find_position_nb(positions, ticket):
    """Index of the open position with this ticket or identifier, or -1.

    The identifier matters on netting accounts: a reversal gives the position the
    reversing order's ticket but keeps its identifier, which is what reports carry.
    """
    for i in range(positions.shape[0]):
        p = positions[i]
        if p["active"] and (p["ticket"] == ticket or p["ident"] == ticket):
            return i
    return -1


@kernel
def net_slot_nb(positions, s):
    """Index of the (only) active position of symbol ``s`` on a netting account, or -1."""
    for i in range(positions.shape[0]):
        if positions[i]["active"] and positions[i]["symbol"] == s:
            return i
    return -1


@kernel
def free_slot_nb(positions):
    for i in range(positions.shape[0]):
        if not positions[i]["active"]:
            return i
    return -1


# -- JOURNAL ROWS --

@kernel
def record_deal_nb(deals, acct, ts, order, s, side, entry, reason, retcode, volume, price,
                   profit, commission, swap, position_id, spread_cost, slippage):
    """Append one deal (or rejection, ``retcode != DONE``) and return its row index."""
    k = acct["n_deals"]
    if k >= deals.shape[0]:    # never write past the journal: flag it, the loop stops the run
        acct["overflow"] = True
        return -1
    d = deals[k]
    d["ts"] = ts
    d["cid"] = order["cid"]
    d["order"] = order["ticket"]
    d["deal"] = acct["next_deal"] if retcode == Retcode.DONE else 0
    if retcode == Retcode.DONE:
        acct["next_deal"] += 1
    d["position_id"] = position_id
    d["symbol"] = s
    d["type"] = DealType.BUY if side == Side.BUY else DealType.SELL
    d["entry"] = entry
    d["reason"] = reason
    d["retcode"] = retcode
    d["volume"] = volume
    d["price"] = price
    d["profit"] = profit
    d["commission"] = commission
    d["swap"] = swap
    d["signal_ts"] = order["signal_ts"]
    d["signal_price"] = order["signal_price"]
    d["slippage"] = slippage
    d["spread_cost"] = spread_cost
    d["balance"] = acct["balance"]
    acct["n_deals"] = k + 1
    return k


@kernel
def record_trade_nb(trades, acct, p, volume, close_ts, close_price, profit, commission, swap,
                    reason):
    k = acct["n_trades"]
    if k >= trades.shape[0]:
        acct["overflow"] = True
        return
    t = trades[k]
    t["symbol"] = p["symbol"]
    t["side"] = p["side"]
    t["volume"] = volume
    t["position_id"] = p["ident"]
    t["open_ts"] = p["open_ts"]
    t["open_price"] = p["price"]
    t["close_ts"] = close_ts
    t["close_price"] = close_price
    t["profit"] = profit
    t["commission"] = commission
    t["swap"] = swap
    t["reason"] = reason
    acct["n_trades"] = k + 1


# -- POSITION CHANGES --

@kernel
def open_position_nb(positions, acct, syms, s, side, volume, price, ts, ticket, ident, sl, tp,
                     quotes_bid, quotes_ask):
    """Open a position in a free slot (caller checked there is one); return its index."""
    i = free_slot_nb(positions)
    if i + 1 > acct["pos_hw"]:
        acct["pos_hw"] = i + 1
    p = positions[i]
    sym = syms[s]
    conv = margin_conv_nb(sym, s, side, price, quotes_bid, quotes_ask)
    p["active"] = True
    p["ticket"] = ticket
    p["ident"] = ident
    p["symbol"] = s
    p["side"] = side
    p["volume"] = volume
    p["price"] = price
    p["sl"] = sl
    p["tp"] = tp
    p["open_ts"] = ts
    p["swap"] = 0.0
    p["commission"] = 0.0
    p["conv"] = conv
    p["margin"] = deal_margin_nb(sym, side, volume, price, conv, acct["leverage"], False)
    p["profit"] = 0.0
    acct["n_positions"] += 1
    return i


@kernel
def close_part_nb(positions, i, acct, syms, trades, volume, price, ts, reason, quotes_bid,
                  quotes_ask):
    """Close ``volume`` lots of position ``i`` at ``price``; book profit and swap share.

    Returns (profit, swap) booked to the balance, in account currency.
    """
    p = positions[i]
    s = p["symbol"]
    profit = profit_account_nb(syms[s], s, p["side"], volume, p["price"], price,
                               quotes_bid, quotes_ask, acct["acc_digits"])
    frac = volume / p["volume"]
    swap = round_money_nb(p["swap"] * frac, acct["acc_digits"])
    comm = round_money_nb(p["commission"] * frac, acct["acc_digits"])
    acct["balance"] = round_money_nb(acct["balance"] + profit + swap, acct["acc_digits"])
    acct["swap_open"] -= swap
    record_trade_nb(trades, acct, p, volume, ts, price, profit, comm, swap, reason)
    if p["volume"] - volume <= VOL_EPS:
        p["active"] = False
        p["volume"] = 0.0
        p["profit"] = 0.0
        acct["n_positions"] -= 1
    else:
        p["swap"] -= swap
        p["commission"] -= comm
        p["margin"] *= 1.0 - frac
        p["volume"] -= volume       # re-priced by the caller (positions_changed_nb)
    return profit, swap


@kernel
def add_to_position_nb(p, acct, syms, volume, price, quotes_bid, quotes_ask):
    """Increase a netting position: weighted average price, margin of the added lots."""
    s = p["symbol"]
    sym = syms[s]
    total = p["volume"] + volume
    p["price"] = (p["price"] * p["volume"] + price * volume) / total
    conv = margin_conv_nb(sym, s, p["side"], price, quotes_bid, quotes_ask)
    p["conv"] = (p["conv"] * p["volume"] + conv * volume) / total
    p["margin"] += deal_margin_nb(sym, p["side"], volume, price, conv, acct["leverage"], False)
    p["volume"] = total


@kernel
def apply_deal_nb(positions, acct, syms, trades, s, side, volume, price, ts, pos_ticket, ticket,
                  sl, tp, reason, quotes_bid, quotes_ask):
    """Apply an executed deal to the positions; return (entry, position_id, profit, swap).

    Netting: same side adds, opposite reduces/closes/reverses (one INOUT deal, identifier
    kept, ticket replaced by the order's).  Hedging: ``pos_ticket > 0`` closes (part of)
    that position, otherwise a new position opens with ``ticket``.
    """
    profit = 0.0
    swap = 0.0
    if acct["mode"] == AccountMode.HEDGING:
        if pos_ticket > 0:
            i = find_position_nb(positions, pos_ticket)
            ident = positions[i]["ident"]
            profit, swap = close_part_nb(positions, i, acct, syms, trades, volume, price, ts,
                                         reason, quotes_bid, quotes_ask)
            return DealEntry.OUT, ident, profit, swap
        open_position_nb(positions, acct, syms, s, side, volume, price, ts, ticket, ticket, sl, tp,
                         quotes_bid, quotes_ask)
        return DealEntry.IN, ticket, profit, swap
    i = net_slot_nb(positions, s)
    if i < 0:
        open_position_nb(positions, acct, syms, s, side, volume, price, ts, ticket, ticket, sl, tp,
                         quotes_bid, quotes_ask)
        return DealEntry.IN, ticket, profit, swap
    p = positions[i]
    ident = p["ident"]
    if p["side"] == side:
        add_to_position_nb(p, acct, syms, volume, price, quotes_bid, quotes_ask)
        if sl >= 0.0:
            p["sl"] = sl
        if tp >= 0.0:
            p["tp"] = tp
        return DealEntry.IN, ident, profit, swap
    held = p["volume"]
    closed = min(held, volume)
    profit, swap = close_part_nb(positions, i, acct, syms, trades, closed, price, ts, reason,
                                 quotes_bid, quotes_ask)
    rest = volume - closed
    if rest <= VOL_EPS:
        return DealEntry.OUT, ident, profit, swap
    j = open_position_nb(positions, acct, syms, s, side, rest, price, ts, ticket, ident, sl, tp,
                         quotes_bid, quotes_ask)
    positions[j]["ident"] = ident
    return DealEntry.INOUT, ident, profit, swap


# -- ACCOUNT FIGURES --

@kernel
def symbol_legs_nb(positions, acct, s):
    """Long/short volume and margin of symbol ``s``, with volume-weighted conv and price sums."""
    lv = 0.0
    lm = 0.0
    sv = 0.0
    sm = 0.0
    cw = 0.0
    pw = 0.0
    for i in range(acct["pos_hw"]):
        p = positions[i]
        if p["active"] and p["symbol"] == s:
            if p["side"] == Side.BUY:
                lv += p["volume"]
                lm += p["margin"]
            else:
                sv += p["volume"]
                sm += p["margin"]
            cw += p["conv"] * p["volume"]
            pw += p["price"] * p["volume"]
    return lv, lm, sv, sm, cw, pw


@kernel
def legs_margin_nb(sym, lv, lm, sv, sm, cw, pw, acct):
    tot = lv + sv
    if tot <= 0.0:
        return 0.0
    return hedged_margin_nb(sym, lv, lm, sv, sm, cw / tot, pw / tot, acct["leverage"],
                            acct["acc_digits"])


@kernel
def symbol_margin_nb(positions, syms, s, acct):
    lv, lm, sv, sm, cw, pw = symbol_legs_nb(positions, acct, s)
    return legs_margin_nb(syms[s], lv, lm, sv, sm, cw, pw, acct)


@kernel
def recompute_margin_nb(positions, syms, acct):
    """Account margin = sum over symbols of the (hedged) symbol margin, each rounded."""
    m = 0.0
    if acct["n_positions"] > 0:
        for s in range(syms.shape[0]):
            m += symbol_margin_nb(positions, syms, s, acct)
    acct["margin"] = m


@kernel(inline=True)
def mark_symbol_nb(positions, syms, s, acct, quotes_bid, quotes_ask):
    """Re-price the floating profit of symbol ``s``'s positions at the current quote."""
    for i in range(acct["pos_hw"]):
        p = positions[i]
        if p["active"] and p["symbol"] == s:
            close = quotes_bid[s] if p["side"] == Side.BUY else quotes_ask[s]
            p["profit"] = profit_account_nb(syms[s], s, p["side"], p["volume"], p["price"], close,
                                            quotes_bid, quotes_ask, acct["acc_digits"])


@kernel(inline=True)
def equity_of_nb(acct, floating):
    """Equity for a floating profit: the one formula (the quiet band prices with it too)."""
    return acct["balance"] + floating + acct["swap_open"]


@kernel(inline=True)
def update_equity_nb(positions, acct):
    """Floating = the sum of the open positions' marks (in slot order, so it never drifts)."""
    fl = 0.0
    for i in range(acct["pos_hw"]):
        if positions[i]["active"]:
            fl += positions[i]["profit"]
    acct["floating"] = fl
    acct["equity"] = equity_of_nb(acct, fl)


@kernel(inline=True)
def set_margin_call_nb(acct):
    """The margin-call flag: a margin level at or below the call level (MT5
    ``ACCOUNT_MARGIN_SO_CALL``), off with no margin; set after every tick and every deal."""
    acct["margin_call"] = acct["margin"] > 0.0 and \
        acct["equity"] * 100.0 <= acct["so_call"] * acct["margin"]
