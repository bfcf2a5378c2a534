"""The quiet band: skip re-pricing the one open position on ticks where nothing can happen.

Re-pricing a position costs a few divisions per tick (MT rounding of both legs and of the
account amount), and most ticks of a scalping backtest only move its floating profit.
While exactly one position is open, no order is in flight or pending, and its profit is
in the account currency, the floating profit is a monotone function of one number,
``x`` = the position's closing quote signed so that equity rises with it (bid for a long,
-ask for a short).  ``enter_band_nb`` then computes the open interval ``(lo, hi)`` of x
inside which, with a safety margin, neither stop-out, nor a change of the margin-call
flag, nor the position's SL or TP can trigger.  A tick whose x stays inside only widens
``[xmin, xmax]``; equity is priced at those two extremes when the band is left
(``leave_band_nb``), which is exact because equity is monotone in x.  Anything else
leaves the band first: a quote outside it, a new equity bucket, a timer, an order from
the decision side, the end of the data.  Results are bit-identical to re-pricing every
tick (``ExecutionConfig(mark_every_tick=True)``; tests/sim/test_band.py checks it).
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import ConvMode, Side
from sim.jit_cache import kernel
from sim.venue.accounting import equity_of_nb, mark_symbol_nb, update_equity_nb
from sim.venue.money import POW10, profit_account_nb, profit_slope_nb

NO_RETRY = np.iinfo(np.int64).max


@kernel
def enter_band_nb(positions, acct, cfg, syms, qb, qa):
    """Open the band around the current quote when the account qualifies (see module doc).

    The caller checked one position, nothing in flight or pending, and a fresh mark.
    """
    k = -1
    for i in range(acct["pos_hw"]):
        if positions[i]["active"]:
            k = i
            break
    p = positions[k]
    s = p["symbol"]
    sym = syms[s]
    cv = profit_slope_nb(sym, p["volume"])
    if sym["profit_conv_mode"] != ConvMode.SAME or cv <= 0.0:
        acct["band_retry"] = NO_RETRY          # until the next deal changes the position
        return
    sign = 1.0 if p["side"] == Side.BUY else -1.0
    x0 = qb[s] if p["side"] == Side.BUY else -qa[s]
    lo = -np.inf
    hi = np.inf
    # stop-out and margin call: equity(x) ~ e0 + (x - x0) * cv; the linear estimate is off
    # by the roundings of both legs and of the account amount (< 2 units of the last digit
    # each side) and by float noise: the margin below covers both, with room to spare
    e0 = acct["equity"]
    m = acct["margin"]
    unit = 1.0 / POW10[min(acct["acc_digits"], sym["profit_digits"])]
    if m > 0.0:
        for lvl, call in ((acct["so_level"], False), (acct["so_call"], True)):
            if not call and not cfg["stop_out"]:
                continue
            e_th = lvl * m / 100.0
            tol = (8.0 * unit + 1e-9 * (abs(e0) + abs(e_th))) / cv
            x_th = x0 + (e_th - e0) / cv
            below = e0 * 100.0 <= lvl * m
            if (below and not call) or (call and below != acct["margin_call"]):
                # a stop-out due, or a margin-call flag to update: the next tick does it
                acct["band_retry"] = acct["tick_i"] + 1
                return
            if below:
                hi = min(hi, x_th - tol)
            else:
                lo = max(lo, x_th + tol)
    # SL / TP: compared in whole points; two points of margin absorb off-grid levels
    pad = 2.0 * sym["point"]
    if p["sl"] > 0.0:
        lo = max(lo, p["sl"] + pad if sign > 0 else -(p["sl"] - pad))
    if p["tp"] > 0.0:
        hi = min(hi, p["tp"] - pad if sign > 0 else -(p["tp"] + pad))
    if not (lo < x0 < hi):
        acct["band_retry"] = acct["tick_i"] + 1
        return
    acct["band"] = True
    acct["band_pos"] = k
    acct["band_sym"] = s
    acct["band_sign"] = sign
    acct["band_lo"] = lo
    acct["band_hi"] = hi
    acct["band_xmin"] = np.inf
    acct["band_xmax"] = -np.inf


@kernel
def leave_band_nb(positions, acct, syms, qb, qa, equity):
    """Price the ticks spent in the band into the equity row, then mark at the current quote."""
    acct["band"] = False
    acct["quiet"] = False           # quiet ticks need the band (or no position)
    p = positions[acct["band_pos"]]
    s = acct["band_sym"]
    sym = syms[s]
    if acct["band_xmin"] <= acct["band_xmax"]:
        acct["band_spans"] += 1
        sign = acct["band_sign"]
        for x in (acct["band_xmin"], acct["band_xmax"]):
            prof = profit_account_nb(sym, s, p["side"], p["volume"], p["price"], sign * x,
                                     qb, qa, acct["acc_digits"])
            e = equity_of_nb(acct, 0.0 + prof)
            if e < acct["eq_min"]:
                acct["eq_min"] = e
            if e > acct["eq_max"]:
                acct["eq_max"] = e
    mark_symbol_nb(positions, syms, s, acct, qb, qa)
    update_equity_nb(positions, acct)
    row = equity[acct["n_eq"] - 1]
    row["equity"] = acct["equity"]
    row["min_equity"] = acct["eq_min"]
    row["max_equity"] = acct["eq_max"]


@kernel(inline=True)
def band_holds_nb(acct, qb, qa, s):
    """True when the tick of symbol ``s`` leaves the band position's state unchanged."""
    if s != acct["band_sym"]:
        return True
    x = qb[s] if acct["band_sign"] > 0.0 else -qa[s]
    return acct["band_lo"] < x < acct["band_hi"]


@kernel(inline=True)
def band_end_tick_nb(acct, qb, qa):
    """A tick completed inside the band: widen the x range its equity row must cover."""
    s = acct["band_sym"]
    x = qb[s] if acct["band_sign"] > 0.0 else -qa[s]
    if x < acct["band_xmin"]:
        acct["band_xmin"] = x
    if x > acct["band_xmax"]:
        acct["band_xmax"] = x
