"""The risk stage between strategy and routing (shared with live; docs/risk.md).

Every rule reads ``core["limits"]`` (``limits_dt``: 0 / False = off) and the core's own
state (account view, quotes, book, pending orders, ``core["risk"]``); time is the event's.

- **Pre-trade** (``check_intent_nb``, per intent): an intent that only reduces exposure
  (CLOSE, CANCEL, CLOSE_BY, a TARGET nearer zero, on a netting account a market order
  against the position that does not reverse it) passes everything but the throttle.
  Any other goes through the kill switch and the trading state (REDUCING and HALTED let
  only reducing intents through), then sessions/blackouts, quote age, spread, collar,
  order lots and notional, net and gross lots, open positions, pending orders, margin
  level, fills per day, a mandatory SL and the loss at the SL, and the throttle.  The
  first rule broken denies it with its own retcode (``Retcode.RISK_*``).
- **Monitors** (``monitor_nb``, on the venue's FILL, ACCOUNT and TIMER DAY reports):
  the daily loss (HALTED until the next server day), the drawdown from the start or the
  peak (HALTED until a command re-arms), the losing streak (REDUCING for ``cooldown_s``,
  or until the next server day).  A breach moves the state within the same event; the
  step then cancels the pending orders and, with ``flatten_on_halt``, closes every
  position (``halt_intents_nb``, called by the step after the strategy's intents).

Every denial and every state change is a ``risk_event_dt`` row in ``core["risk_log"]``
(the rule's retcode, the input it saw, its threshold, the states), which the caller
drains (the batch loop into its journal, ``DecisionCore`` into a list).
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import (
    AccountMode,
    Action,
    ConvMode,
    DealEntry,
    EventKind,
    OrderType,
    Retcode,
    Side,
    TimerKind,
    TradingState,
)
from sim.core.intents import in_window_nb
from sim.core.records import NS_PER_DAY, RISK_LOG, VOL_EPS
from sim.core.routing import order_side_volume_nb
from sim.jit_cache import kernel

RISK_FIRST = Retcode.RISK_MAX_NOTIONAL
RISK_LAST = Retcode.RISK_COMMAND


@kernel
def is_risk_retcode_nb(rc):
    """True for a rejection decided by the risk stage (the order never left)."""
    return rc == Retcode.RISK_HALTED or rc == Retcode.RISK_MAX_LOTS \
        or RISK_FIRST <= rc <= RISK_LAST


@kernel
def log_risk_nb(c, ts, rule, s, cid, value, limit, state_to):
    """Append a risk row (a denial when ``state_to`` is the current state)."""
    k = c["n_risk_log"]
    if k >= RISK_LOG:
        c["n_risk_lost"] += 1
        return
    row = c["risk_log"][k]
    row["ts"] = ts
    row["rule"] = rule
    row["symbol"] = s
    row["cid"] = cid
    row["value"] = value
    row["threshold"] = limit
    row["state_from"] = c["trading_state"]
    row["state_to"] = state_to
    c["n_risk_log"] = k + 1


@kernel
def set_state_nb(c, ts, state, cause, value, limit):
    """Move the trading state (logged); entering HALTED schedules the halt's orders."""
    if c["trading_state"] == state:
        return
    log_risk_nb(c, ts, cause, -1, 0, value, limit, state)
    c["trading_state"] = state
    r = c["risk"]
    r["cause"] = cause
    if state == TradingState.HALTED:
        r["halt_todo"] = True
    if state == TradingState.ACTIVE:
        r["rearm_ts"] = 0
        r["rearm_day"] = False
        r["consecutive_losses"] = 0


@kernel
def breach_nb(c, ts, state, cause, value, limit, rearm_ts, rearm_day):
    """Move to ``state`` for ``cause``, re-arming at ``rearm_ts`` (0: not by time) or at
    the next server day (``rearm_day``); neither: only a command re-arms."""
    r = c["risk"]
    r["rearm_ts"] = rearm_ts
    r["rearm_day"] = rearm_day
    set_state_nb(c, ts, state, cause, value, limit)


@kernel
def rearm_due_nb(c, ts):
    """A cool-down that has run out re-arms (ACTIVE)."""
    r = c["risk"]
    if c["trading_state"] != TradingState.ACTIVE and 0 < r["rearm_ts"] <= ts:
        set_state_nb(c, ts, TradingState.ACTIVE, Retcode.RISK_REARM, 0.0, 0.0)


# -- monitors --

@kernel
def new_day_nb(c, e):
    """TIMER DAY: the day's basis and fill count restart; day-long states re-arm.  A basis
    not known yet (NaN: a live core before the broker's first figures) stays unknown: the
    core's view may be a resumed session's stale one."""
    r = c["risk"]
    if r["start_equity"] == r["start_equity"]:
        r["day_balance"] = c["balance"]
        r["day_equity"] = c["equity"]
    r["fills_day"] = 0
    if r["rearm_day"]:
        set_state_nb(c, e["ts"], TradingState.ACTIVE, Retcode.RISK_REARM, 0.0, 0.0)


@kernel
def monitor_nb(c, e):
    """After the account view took ``e`` (FILL, ACCOUNT, TIMER DAY): the loss rules."""
    lim = c["limits"]
    r = c["risk"]
    ts = e["ts"]
    if lim["bypass"]:
        return
    if e["kind"] == EventKind.TIMER and e["timer"] == TimerKind.DAY:
        new_day_nb(c, e)
    rearm_due_nb(c, ts)
    eq = c["equity"]
    if eq > r["peak_equity"]:
        r["peak_equity"] = eq
    if e["kind"] == EventKind.FILL:
        r["fills_day"] += 1
        if e["entry"] != DealEntry.IN:                  # a deal that closed something
            net = e["profit"] + e["commission"] + e["swap"]
            if net < 0.0:
                r["consecutive_losses"] += 1
            elif net > 0.0:
                r["consecutive_losses"] = 0
    if c["trading_state"] == TradingState.HALTED:
        return
    if lim["max_drawdown_pct"] > 0.0:
        ref = r["peak_equity"] if lim["trailing"] else r["start_equity"]
        if ref - eq >= lim["max_drawdown_pct"] / 100.0 * ref:
            breach_nb(c, ts, TradingState.HALTED, Retcode.RISK_DRAWDOWN, ref - eq,
                      lim["max_drawdown_pct"] / 100.0 * ref, 0, False)
            return
    if lim["daily_loss_pct"] > 0.0:
        basis = r["day_equity"] if lim["daily_basis"] == 1 else r["day_balance"]
        if basis - eq >= lim["daily_loss_pct"] / 100.0 * basis:
            breach_nb(c, ts, TradingState.HALTED, Retcode.RISK_DAILY_LOSS, basis - eq,
                      lim["daily_loss_pct"] / 100.0 * basis, 0, True)
            return
    n = lim["max_consecutive_losses"]
    if n > 0 and r["consecutive_losses"] >= n and c["trading_state"] == TradingState.ACTIVE:
        cool = lim["cooldown"]
        breach_nb(c, ts, TradingState.REDUCING, Retcode.RISK_LOSS_STREAK,
                  float(r["consecutive_losses"]), float(n), ts + cool if cool > 0 else 0,
                  cool == 0)


# -- pre-trade --

@kernel(inline=True)
def to_account_nb(c, sym, amount):
    """An amount in the symbol's profit currency in account currency, at the conversion
    pair's mid (or the configured rate): the risk stage's estimate."""
    mode = sym["profit_conv_mode"]
    if mode == ConvMode.SAME:
        return amount
    k = sym["profit_conv_sym"]
    rate = sym["profit_conv_rate"]
    if k >= 0:
        q = c["quote"][k]
        rate = 0.5 * (q["bid"] + q["ask"])
    if not rate > 0.0:
        return np.inf                                   # no quote yet: refuse, do not guess
    return amount * rate if mode == ConvMode.MULTIPLY else amount / rate


@kernel(inline=True)
def in_windows_nb(windows, n, t):
    for k in range(n):
        if in_window_nb(t, windows[k, 0], windows[k, 1]):
            return True
    return False


@kernel
def throttle_count_nb(r, ts, window, cap):
    """Orders sent in ``(ts - window, ts]``, counted back from the newest (at most ``cap``)."""
    n = min(r["thr_n"], cap)
    ring = r["thr"]
    k = 0
    i = r["thr_head"]
    while k < n:
        i = i - 1 if i > 0 else ring.shape[0] - 1
        if ring[i] <= ts - window:
            break
        k += 1
    return k


@kernel
def record_sent_nb(c, ts, action, n):
    """The throttle (if on) remembers ``n`` orders of ``action`` sent at ``ts`` (cancels are
    never throttled)."""
    if c["limits"]["max_orders"] == 0 or action == Action.CANCEL:
        return
    r = c["risk"]
    ring = r["thr"]
    for _ in range(n):
        ring[r["thr_head"]] = ts
        r["thr_head"] = r["thr_head"] + 1 if r["thr_head"] + 1 < ring.shape[0] else 0
        if r["thr_n"] < ring.shape[0]:
            r["thr_n"] += 1


@kernel(inline=True)
def orders_of_nb(it, c):
    """How many orders routing may make of ``it`` at most: a hedging TARGET may close any
    ticket of its symbol (either side's excess) and open one."""
    if it["action"] != Action.TARGET or c["mode"] != AccountMode.HEDGING:
        return 1
    n = 1
    book = c["book"]
    for i in range(book.shape[0]):
        if book[i]["active"] and book[i]["symbol"] == it["symbol"]:
            n += 1
    return n


@kernel
def deny_with_nb(c, rc, value, limit):
    """Remember what the denying rule saw (``deny_nb`` logs it with the order's cid)."""
    r = c["risk"]
    r["seen"] = value
    r["bound"] = limit
    return rc


@kernel
def check_exposure_nb(it, c, buy, vol, ts):
    """The rules for an intent that may add exposure (see the module doc), in order."""
    lim = c["limits"]
    r = c["risk"]
    s = it["symbol"]
    sym = c["spec"][s]
    q = c["quote"][s]
    act = it["action"]
    if lim["kill"] and (lim["kill_symbol"] < 0 or lim["kill_symbol"] == s):
        return deny_with_nb(c, Retcode.RISK_HALTED, 1.0, 0.0)
    if c["trading_state"] != TradingState.ACTIVE:
        return deny_with_nb(c, Retcode.RISK_HALTED, float(c["trading_state"]), 0.0)
    if act == Action.MODIFY:
        return Retcode.DONE
    if lim["n_sessions"] > 0 or lim["n_blackouts"] > 0:
        local = ts + c["utc_offset"]
        t = local - local // NS_PER_DAY * NS_PER_DAY
        if (lim["n_sessions"] > 0 and not in_windows_nb(lim["sessions"], lim["n_sessions"], t)) \
                or in_windows_nb(lim["blackouts"], lim["n_blackouts"], t):
            return deny_with_nb(c, Retcode.RISK_SESSION, t / 60e9, 0.0)
    if lim["max_tick_age"] > 0 and ts - q["ts"] > lim["max_tick_age"]:
        return deny_with_nb(c, Retcode.RISK_STALE_QUOTE, (ts - q["ts"]) / 1e6,
                            lim["max_tick_age"] / 1e6)
    point = sym["point"]
    if lim["max_spread_points"] > 0.0:
        spread = (q["ask"] - q["bid"]) / point
        if spread > lim["max_spread_points"] + 1e-6:
            return deny_with_nb(c, Retcode.RISK_SPREAD, spread, lim["max_spread_points"])
    pending = act == Action.NEW and it["type"] != OrderType.BUY and it["type"] != OrderType.SELL
    mid = 0.5 * (q["bid"] + q["ask"])
    if lim["collar_points"] > 0.0 and it["price"] > 0.0 and act == Action.NEW:
        away = abs(it["price"] - mid) / point
        if away > lim["collar_points"] + 1e-6:
            return deny_with_nb(c, Retcode.RISK_COLLAR, away, lim["collar_points"])
    if lim["max_order_lots"] > 0.0 and vol > lim["max_order_lots"] + VOL_EPS:
        return deny_with_nb(c, Retcode.RISK_MAX_LOTS, vol, lim["max_order_lots"])
    entry = it["price"] if pending and it["price"] > 0.0 else (q["ask"] if buy else q["bid"])
    if lim["max_notional"] > 0.0:
        notional = to_account_nb(c, sym, vol * sym["price_value"] * entry)
        if notional > lim["max_notional"]:
            return deny_with_nb(c, Retcode.RISK_MAX_NOTIONAL, notional, lim["max_notional"])
    net = q["net"] + q["working"]
    after = net + (vol if buy else -vol)
    if lim["max_position_lots"] > 0.0 and abs(after) > lim["max_position_lots"] + VOL_EPS \
            and abs(after) > abs(net):
        return deny_with_nb(c, Retcode.RISK_MAX_POSITION, abs(after), lim["max_position_lots"])
    book = c["book"]
    if lim["max_gross_lots"] > 0.0 or lim["max_open_positions"] > 0:
        gross = 0.0
        count = 0
        for i in range(book.shape[0]):
            if book[i]["active"]:
                gross += book[i]["volume"]
                count += 1
        for k in range(c["n_sym"]):
            gross += abs(c["quote"][k]["working"])
        if lim["max_gross_lots"] > 0.0 and gross + vol > lim["max_gross_lots"] + VOL_EPS:
            return deny_with_nb(c, Retcode.RISK_MAX_GROSS, gross + vol, lim["max_gross_lots"])
        # hedging: every market order opens a ticket; netting: only one from flat (adding
        # to the symbol's position, or reversing it, opens none)
        opens = c["mode"] == AccountMode.HEDGING or abs(net) < VOL_EPS
        if lim["max_open_positions"] > 0 and opens and not pending \
                and count >= lim["max_open_positions"]:
            return deny_with_nb(c, Retcode.RISK_MAX_POSITIONS, float(count),
                                float(lim["max_open_positions"]))
    if pending and lim["max_pending_orders"] > 0 and c["n_pending"] >= lim["max_pending_orders"]:
        return deny_with_nb(c, Retcode.RISK_MAX_PENDING, float(c["n_pending"]),
                            float(lim["max_pending_orders"]))
    if lim["min_margin_level_pct"] > 0.0 and c["margin"] > 0.0:
        level = 100.0 * c["equity"] / c["margin"]
        if level < lim["min_margin_level_pct"]:
            return deny_with_nb(c, Retcode.RISK_MARGIN_LEVEL, level, lim["min_margin_level_pct"])
    if lim["max_fills_per_day"] > 0 and r["fills_day"] >= lim["max_fills_per_day"]:
        return deny_with_nb(c, Retcode.RISK_MAX_FILLS, float(r["fills_day"]),
                            float(lim["max_fills_per_day"]))
    if (lim["require_sl"] or lim["max_loss_per_trade"] > 0.0) and not it["sl"] > 0.0:
        return deny_with_nb(c, Retcode.RISK_NO_SL, 0.0, 0.0)
    if lim["max_loss_per_trade"] > 0.0:
        loss = to_account_nb(c, sym, abs(entry - it["sl"]) * vol * sym["price_value"])
        if loss > lim["max_loss_per_trade"]:
            return deny_with_nb(c, Retcode.RISK_LOSS_PER_TRADE, loss, lim["max_loss_per_trade"])
    return Retcode.DONE


@kernel
def check_intent_nb(intent, c):
    """Return ``Retcode.DONE`` to let ``intent`` through, else the risk retcode (the rule;
    what it saw is in ``core["risk"]["seen"]`` / ``["bound"]``)."""
    lim = c["limits"]
    if lim["bypass"]:
        return Retcode.DONE
    ts = c["last_ts"]
    rearm_due_nb(c, ts)
    act = intent["action"]
    buy, vol = order_side_volume_nb(intent, c)
    reduces = act == Action.CLOSE or act == Action.CANCEL or act == Action.CLOSE_BY
    q = c["quote"][intent["symbol"]]
    cur = q["net"] + q["working"]
    if act == Action.TARGET:
        # at most the net now, on its side: routing only closes (a hedge's legs included)
        reduces = abs(intent["volume"]) <= abs(cur) and intent["volume"] * cur >= 0.0
    elif act == Action.NEW and c["mode"] == AccountMode.NETTING and \
            (intent["type"] == OrderType.BUY or intent["type"] == OrderType.SELL):
        after = cur + (vol if buy else -vol)        # a market order against the net position
        reduces = abs(after) < abs(cur) and after * cur >= 0.0
    if not reduces:
        rc = check_exposure_nb(intent, c, buy, vol, ts)
        if rc != Retcode.DONE:
            return rc
    if lim["max_orders"] > 0 and act != Action.CANCEL:
        sent = throttle_count_nb(c["risk"], ts, lim["orders_window"], lim["max_orders"])
        if sent + orders_of_nb(intent, c) > lim["max_orders"]:
            return deny_with_nb(c, Retcode.RISK_THROTTLE, float(sent), float(lim["max_orders"]))
    return Retcode.DONE


@kernel
def halt_intents_nb(c, it, k):
    """The ``k``-th order a halt makes, written into intent ``it``: first a CANCEL of each
    pending order, then (``flatten_on_halt``) a CLOSE of each position not yet closing.
    Returns False when there is none left (the halt's orders are done)."""
    n = c["n_pending"]
    if k < n:
        p = c["pending"][k]
        it["action"] = Action.CANCEL
        it["symbol"] = p["symbol"]
        it["type"] = p["type"]
        it["ticket"] = p["ticket"]
        it["volume"] = 0.0
        return True
    if not c["limits"]["flatten_on_halt"]:
        return False
    # the first position not yet closing: routing the previous CLOSE marked its position
    # as closing, so this finds the next one
    book = c["book"]
    for i in range(book.shape[0]):
        b = book[i]
        if b["active"] and b["volume"] - b["closing"] > VOL_EPS:
            it["action"] = Action.CLOSE
            it["symbol"] = b["symbol"]
            it["type"] = OrderType.SELL if b["side"] == Side.BUY else OrderType.BUY
            it["ticket"] = b["ticket"]
            it["volume"] = b["volume"] - b["closing"]
            return True
    return False


@kernel
def drain_risk_nb(c, rlog, rlog_n):
    """Move the core's risk rows to the journal ``rlog`` (``rlog_n[0]`` rows used), as many
    as fit; the rest stay in the core for the next drain (the caller grows the journal)."""
    k = rlog_n[0]
    n = c["n_risk_log"]
    m = min(n, rlog.shape[0] - k)
    log = c["risk_log"]
    for j in range(m):
        rlog[k + j] = log[j]
    for j in range(m, n):
        log[j - m] = log[j]
    rlog_n[0] = k + m
    c["n_risk_log"] = n - m
