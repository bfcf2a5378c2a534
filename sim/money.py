"""Money kernels: rounding, currency conversion, profit and margin per MT5 calc mode.

Formulas and quote sides follow mt-execution.md sections 2 and 3.

Warning: money is float64.  Every *booked* amount is rounded to the currency's
decimals with round-half-away-from-zero after a 1e-9 relative nudge (MQL
``NormalizeDouble`` behaviour), so sums of booked amounts are exact to the cent.
"""

from __future__ import annotations

import numpy as np

from sim.enums import CalcMode, ConvMode, Side
from sim.jit_cache import kernel

POW10 = (1.0, 10.0, 100.0, 1000.0, 1e4, 1e5, 1e6, 1e7, 1e8)


@kernel(inline=True)
def round_money_nb(x, digits):
    """Round ``x`` to ``digits`` (0..8) decimals, halves away from zero."""
    scale = POW10[digits]           # a table, not pow(): this runs twice per tick per position
    a = abs(x) * scale
    r = np.floor(a * (1.0 + 1e-12) + 0.5 + 1e-9) / scale
    return r if x >= 0 else -r


@kernel(inline=True)
def to_points_nb(price, point):
    """Return ``price`` in integer points (the unit of every trigger comparison)."""
    return np.int64(np.floor(price / point + 0.5))


@kernel(inline=True)
def conv_rate_nb(mode, conv_sym, fixed_rate, quotes_bid, quotes_ask, use_ask):
    """Return the factor that turns an amount in some currency into account currency.

    Args:
        mode: ``ConvMode``; MULTIPLY for a pair CCY/ACC, DIVIDE for ACC/CCY.
        conv_sym: index of the conversion pair among the replayed symbols, or -1 to use
            ``fixed_rate`` (a configured rate).
        use_ask: take the pair's ask (True) or bid.  For DIVIDE pairs the side is mirrored
            because ``ASK(CCY/ACC) = 1 / BID(ACC/CCY)``.
    """
    if mode == ConvMode.SAME:
        return 1.0
    if conv_sym >= 0:
        b = quotes_bid[conv_sym]
        a = quotes_ask[conv_sym]
    else:
        b = fixed_rate
        a = fixed_rate
    if mode == ConvMode.MULTIPLY:
        return a if use_ask else b
    return 1.0 / (b if use_ask else a)


@kernel(inline=True)
def profit_ccy_nb(calc_mode, side, volume, open_price, close_price, contract, profit_digits):
    """Profit of closing ``volume`` lots in the symbol's profit currency (MT5 formulas).

    FOREX normalises each leg separately: ``N(close*contract*lots) - N(open*contract*lots)``.
    """
    if calc_mode == CalcMode.FOREX or calc_mode == CalcMode.FOREX_NO_LEVERAGE:
        c = round_money_nb(close_price * contract * volume, profit_digits)
        o = round_money_nb(open_price * contract * volume, profit_digits)
        return (c - o) if side == Side.BUY else (o - c)
    return round_money_nb((close_price - open_price) * contract * volume * side, profit_digits)


@kernel(inline=True)
def profit_account_nb(sym, s, side, volume, open_price, close_price, quotes_bid, quotes_ask,
                      acc_digits):
    """Profit of a close in account currency (mt-execution.md 2.2).

    "By deal" (Forex default): closing a buy converts at the ask of PROFIT/ACCOUNT, closing a
    sell at the bid; a symbol that is its own conversion pair uses the close price.
    "By market" (``profit_by_market``, also every non-Forex calc mode): a profit converts at
    the bid of PROFIT/ACCOUNT, a loss at the ask (mirrored for ACC/CCY pairs), whichever
    side was closed.
    """
    p = profit_ccy_nb(sym["calc_mode"], side, volume, open_price, close_price,
                      sym["contract"], sym["profit_digits"])
    if sym["profit_conv_mode"] == ConvMode.SAME:
        return round_money_nb(p, acc_digits)
    if sym["profit_by_market"]:
        rate = conv_rate_nb(sym["profit_conv_mode"], sym["profit_conv_sym"],
                            sym["profit_conv_rate"], quotes_bid, quotes_ask, p < 0.0)
    else:
        rate = profit_conv_nb(sym, s, side == Side.BUY, close_price, quotes_bid, quotes_ask)
    return round_money_nb(p * rate, acc_digits)


@kernel(inline=True)
def profit_conv_nb(sym, s, use_ask, price, quotes_bid, quotes_ask):
    """Rate turning symbol ``s``'s profit currency into account currency.

    A symbol that is its own conversion pair converts at ``price`` (the deal price);
    otherwise the pair's ask (``use_ask``) or bid, mirrored for ACC/CCY pairs.
    """
    if sym["profit_conv_mode"] == ConvMode.SAME:
        return 1.0
    if sym["profit_conv_sym"] == s:
        return price if sym["profit_conv_mode"] == ConvMode.MULTIPLY else 1.0 / price
    return conv_rate_nb(sym["profit_conv_mode"], sym["profit_conv_sym"], sym["profit_conv_rate"],
                        quotes_bid, quotes_ask, use_ask)


@kernel
def margin_ccy_per_lot_nb(calc_mode, contract, price, leverage):
    """Margin of one lot in the margin currency, before conversion (mt-execution.md 3.1)."""
    if calc_mode == CalcMode.FOREX:
        return contract / leverage
    if calc_mode == CalcMode.FOREX_NO_LEVERAGE:
        return contract
    if calc_mode == CalcMode.CFD:
        return contract * price
    if calc_mode == CalcMode.CFDLEVERAGE:
        return contract * price / leverage
    return contract * price / leverage   # CFDINDEX/FUTURES: not modelled beyond CFD leverage


@kernel
def margin_conv_nb(sym, s, side, deal_price, quotes_bid, quotes_ask):
    """Rate turning margin currency into account currency for a deal (ask for buys)."""
    if sym["margin_conv_mode"] == ConvMode.SAME:
        return 1.0
    if sym["margin_conv_sym"] == s:
        return deal_price if sym["margin_conv_mode"] == ConvMode.MULTIPLY else 1.0 / deal_price
    return conv_rate_nb(sym["margin_conv_mode"], sym["margin_conv_sym"], sym["margin_conv_rate"],
                        quotes_bid, quotes_ask, side == Side.BUY)


@kernel
def hedged_margin_nb(sym, long_vol, long_margin, short_vol, short_margin, conv_avg, price_avg,
                     leverage, acc_digits):
    """Margin of one symbol's positions on a hedging account, MT5 "basic" method (3.4).

    The uncovered volume is charged at the larger leg's average margin per lot; the covered
    volume at ``margin_hedged`` contract size; each part rounded, then summed.  With
    ``margin_hedged_use_leg`` ("larger leg") the margin is the larger of the two legs'.
    """
    if long_vol <= 0.0 or short_vol <= 0.0:
        return round_money_nb(long_margin + short_margin, acc_digits)
    if sym["margin_hedged_use_leg"]:
        return round_money_nb(max(long_margin, short_margin), acc_digits)
    covered = min(long_vol, short_vol)
    if long_vol >= short_vol:
        unc = round_money_nb((long_vol - covered) * long_margin / long_vol, acc_digits)
    else:
        unc = round_money_nb((short_vol - covered) * short_margin / short_vol, acc_digits)
    per_lot = margin_ccy_per_lot_nb(sym["calc_mode"], sym["margin_hedged"], price_avg, leverage)
    cov = round_money_nb(covered * per_lot * conv_avg, acc_digits)
    return unc + cov
