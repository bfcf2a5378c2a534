"""Money kernels: rounding, currency conversion, profit and margin per MT5 calc mode.

Formulas and quote sides follow mt-execution.md sections 2 and 3.

Warning: money is float64.  Every *booked* amount is rounded to the currency's
decimals with round-half-away-from-zero after a 1e-9 relative nudge (MQL
``NormalizeDouble`` behaviour), so sums of booked amounts are exact to the cent.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import CalcMode, ConvMode, Side, SwapMode
from sim.jit_cache import kernel

POW10 = (1.0, 10.0, 100.0, 1000.0, 1e4, 1e5, 1e6, 1e7, 1e8)
SWAP_DAYS_IN_YEAR = 360.0       # interest swaps: "standard bank year is 360 days" (4.1)


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
def profit_ccy_nb(calc_mode, side, volume, open_price, close_price, price_value, profit_digits):
    """Profit of closing ``volume`` lots in the symbol's profit currency (MT5 formulas, 2.1).

    ``price_value`` is the profit-currency value of a price move of 1.0 for one lot
    (``symbol_dt.price_value``): the contract size, or ``tick_value / tick_size`` for
    FUTURES, whose MT5 formula ``(close - open) * lots * tick_value / tick_size`` is then the
    CFD one.  FOREX normalises each leg separately: ``N(close*contract*lots) -
    N(open*contract*lots)``.
    """
    if calc_mode == CalcMode.FOREX or calc_mode == CalcMode.FOREX_NO_LEVERAGE:
        c = round_money_nb(close_price * price_value * volume, profit_digits)
        o = round_money_nb(open_price * price_value * volume, profit_digits)
        return (c - o) if side == Side.BUY else (o - c)
    return round_money_nb((close_price - open_price) * price_value * volume * side, profit_digits)


@kernel(inline=True)
def profit_slope_nb(sym, volume):
    """Slope of a position's profit in the profit currency per unit of price (unsigned).

    ``contract * volume`` for the Forex and CFD modes, ``volume * tick_value / tick_size``
    for FUTURES.  Multiply by the position's side (``Side``) and a price change to get the
    change of its (unrounded) profit; for a symbol whose profit currency is the account
    currency that is the change of its floating profit in account money.
    """
    return sym["price_value"] * volume


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
                      sym["price_value"], sym["profit_digits"])
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
def margin_formula_nb(sym, contract, price, leverage):
    """Margin of one lot by the calc-mode formula with contract size ``contract`` (3.1).

    In the margin currency, before conversion and rates; ``price`` is the market price
    (ask for buys, bid for sells: the deal price).
    """
    calc_mode = sym["calc_mode"]
    if calc_mode == CalcMode.FOREX:
        return contract / leverage
    if calc_mode == CalcMode.FOREX_NO_LEVERAGE:
        return contract
    if calc_mode == CalcMode.CFD:
        return contract * price
    if calc_mode == CalcMode.CFDLEVERAGE:
        return contract * price / leverage
    if calc_mode == CalcMode.CFDINDEX:
        return contract * price * sym["tick_value"] / sym["tick_size"]
    return 0.0      # FUTURES: fixed margin only (``margin_initial`` > 0 is required at load)


@kernel
def fixed_margin_nb(sym, amount, leverage):
    """A fixed per-lot margin ``amount``; Forex and CFD-leverage divide it by the leverage."""
    if sym["calc_mode"] == CalcMode.FOREX or sym["calc_mode"] == CalcMode.CFDLEVERAGE:
        return amount / leverage
    return amount


@kernel
def margin_ccy_per_lot_nb(sym, price, leverage, initial):
    """Margin of one lot in the margin currency, before conversion and rates (3.1).

    A symbol with ``margin_initial`` > 0 has fixed margin (FUTURES always): ``initial``
    selects ``margin_initial`` (the entry check), else ``margin_maintenance`` (held
    positions; the initial margin when it is 0).  Otherwise the calc-mode formula.
    """
    if sym["margin_initial"] > 0.0:
        amount = sym["margin_initial"]
        if not initial and sym["margin_maintenance"] > 0.0:
            amount = sym["margin_maintenance"]
        return fixed_margin_nb(sym, amount, leverage)
    return margin_formula_nb(sym, sym["contract"], price, leverage)


@kernel
def margin_rate_nb(sym, side, initial):
    """MT5 ``SymbolInfoMarginRate`` multiplier for a market deal of ``side`` (3.1 step 2).

    ``initial`` for the entry check, else the maintenance rate (held positions).
    """
    if side == Side.BUY:
        return sym["margin_rate_initial_buy"] if initial else sym["margin_rate_maintenance_buy"]
    return sym["margin_rate_initial_sell"] if initial else sym["margin_rate_maintenance_sell"]


@kernel
def deal_margin_nb(sym, side, volume, price, conv, leverage, initial):
    """Margin of ``volume`` lots of a deal at ``price`` in account currency, with its rate.

    ``conv`` turns the margin currency into account currency (``margin_conv_nb``).
    """
    return volume * margin_ccy_per_lot_nb(sym, price, leverage, initial) * conv \
        * margin_rate_nb(sym, side, initial)


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
    volume at ``margin_hedged`` contract size (an absolute amount per lot when the symbol has
    fixed margin, ``margin_initial`` > 0) and the average of the buy and sell maintenance
    margin rates; each part rounded, then summed.  With ``margin_hedged_use_leg`` ("larger
    leg") the margin is the larger of the two legs'.
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
    if sym["margin_initial"] > 0.0:
        per_lot = fixed_margin_nb(sym, sym["margin_hedged"], leverage)
    else:
        per_lot = margin_formula_nb(sym, sym["margin_hedged"], price_avg, leverage)
    rate = 0.5 * (sym["margin_rate_maintenance_buy"] + sym["margin_rate_maintenance_sell"])
    cov = round_money_nb(covered * per_lot * conv_avg * rate, acc_digits)
    return unc + cov


@kernel
def swap_conv_nb(mode, conv_sym, fixed_rate, quotes_bid, quotes_ask, side):
    """Rate turning a swap in some currency into account currency at the rollover (4.1).

    The quote in force now, never a rate frozen at open: "for Buy positions, the Bid price
    of the currency pair [swap currency|deposit currency] is used; Ask price is used for
    Sell positions" (mirrored for ACC/CCY pairs, ``conv_rate_nb``).  A symbol that is its
    own conversion pair takes its own quote by the same rule.
    """
    return conv_rate_nb(mode, conv_sym, fixed_rate, quotes_bid, quotes_ask, side != Side.BUY)


@kernel
def daily_swap_nb(sym, side, volume, open_price, quotes_bid, quotes_ask):
    """One night's swap of a position in account currency, unrounded, before the weekday
    multiplier (4.1).

    ``points``: ``swap x point x price_value x lots`` in the profit currency;
    ``currency_deposit``: ``swap x lots``, already account money; ``interest_open``:
    ``lot_cost x lots x swap / 100 / 360`` with lot_cost in the base currency for Forex
    (the contract; a Forex symbol's margin currency is its base, so it converts by the
    margin route) and ``contract x open price`` in the profit currency otherwise.  Every
    currency other than the account's converts at the rollover quote, ``swap_conv_nb``.
    """
    rate = sym["swap_long"] if side == Side.BUY else sym["swap_short"]
    mode = sym["swap_mode"]
    if mode == SwapMode.CURRENCY_DEPOSIT:
        return rate * volume
    if mode == SwapMode.POINTS:
        return rate * sym["point"] * sym["price_value"] * volume * swap_conv_nb(
            sym["profit_conv_mode"], sym["profit_conv_sym"], sym["profit_conv_rate"],
            quotes_bid, quotes_ask, side)
    if mode != SwapMode.INTEREST_OPEN:
        return 0.0
    daily = rate / 100.0 / SWAP_DAYS_IN_YEAR * sym["contract"]
    if sym["calc_mode"] == CalcMode.FOREX or sym["calc_mode"] == CalcMode.FOREX_NO_LEVERAGE:
        return daily * volume * swap_conv_nb(sym["margin_conv_mode"], sym["margin_conv_sym"],
                                             sym["margin_conv_rate"], quotes_bid, quotes_ask,
                                             side)
    return daily * open_price * volume * swap_conv_nb(
        sym["profit_conv_mode"], sym["profit_conv_sym"], sym["profit_conv_rate"], quotes_bid,
        quotes_ask, side)
