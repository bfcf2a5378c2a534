"""Records of the decision core (``*_dt``): events, symbols, intents, orders, positions, state.

The venue imports these records (it produces events and consumes orders), never the
core's logic.  The venue's own records are in ``sim.venue.records``.

Kernels access fields as ``rec["field"]`` (never ``rec.field``) so they also
run under ``NUMBA_DISABLE_JIT=1``.  Units: times int64 ns UTC, prices in quote
currency, volumes in lots, money in the account currency unless a name says
otherwise.
"""

from __future__ import annotations

import numpy as np


def _dt(fields):
    return np.dtype(fields, align=True)


NO_TS = np.iinfo(np.int64).max             # "no such instant" (no timer, no expiry due)
NS_PER_DAY = 86_400_000_000_000
VOL_EPS = 1e-9                              # lots: volumes closer than this are equal

# -- EVENTS: the one input of the decision core (docs/architecture.md, "The event contract") --
event_dt = _dt([
    ("ts", np.int64), ("kind", np.int32),       # EventKind; ts: int64 ns UTC, the core's only clock
    ("symbol", np.int32),                       # TICK, FILL, REJECT: index among the core's symbols
    ("bid", np.float64), ("ask", np.float64),   # TICK; a REQUOTE reject carries the new quote
    # FILL / REJECT: the order's client id and type, the deal
    ("cid", np.int64), ("type", np.int32), ("retcode", np.int32), ("side", np.int32),
    ("entry", np.int32), ("deal_reason", np.int32), ("volume", np.float64),
    ("price", np.float64), ("position_id", np.int64),
    ("profit", np.float64), ("commission", np.float64), ("swap", np.float64),
    # FILL, ACCOUNT, TIMER DAY: the venue's account figures, as of ``as_of`` (ns UTC: the
    # deal's execution for a FILL, which reaches the core after the report latency)
    ("balance", np.float64), ("equity", np.float64), ("margin", np.float64),
    ("as_of", np.int64),
    ("timer", np.int32),                        # TIMER: TimerKind
    # ORDER: a pending order as it now works at the venue (or ``state`` CANCELED)
    ("ticket", np.int64), ("state", np.int32), ("sl", np.float64), ("tp", np.float64),
    ("expiry", np.int64),
])

# -- SYMBOLS (read-only config, one row per replayed symbol) --
symbol_dt = _dt([
    ("digits", np.int32), ("point", np.float64), ("tick_size", np.float64),
    ("contract", np.float64), ("calc_mode", np.int32),
    ("vol_min", np.float64), ("vol_step", np.float64), ("vol_max", np.float64),
    ("stops_level", np.int32), ("freeze_level", np.int32),
    ("commission_per_lot", np.float64),
    ("commission_mode", np.int32),              # 0 per lot, 1 per million of notional
    ("commission_per_million", np.float64),
    ("commission_entry", np.int32),             # 0 all deals, 1 entry volume, 2 exit volume
    ("swap_mode", np.int32), ("swap_long", np.float64), ("swap_short", np.float64),
    ("swap_days", np.float64, (7,)),            # multipliers Sun..Sat
    ("margin_hedged", np.float64),
    ("margin_hedged_use_leg", np.int32),        # 1: hedged margin = max(long leg, short leg)
    ("profit_digits", np.int32),                # decimals of the profit currency (N() rounding)
    ("profit_conv_mode", np.int32), ("profit_conv_sym", np.int32), ("profit_conv_rate", np.float64),
    ("profit_by_market", np.int32),             # 1: profit at bid, loss at ask (2.2); 0: by deal
    ("margin_conv_mode", np.int32), ("margin_conv_sym", np.int32), ("margin_conv_rate", np.float64),
    ("tick_value", np.float64),                 # profit ccy per tick_size move per lot (futures, cfdindex)
    ("price_value", np.float64),                # profit ccy per 1.0 price move per lot: contract,
                                                # or tick_value / tick_size (futures)
    ("margin_initial", np.float64),             # fixed margin per lot, margin ccy (0: formula)
    ("margin_maintenance", np.float64),         # fixed margin per lot while held (0: initial)
    ("margin_rate_initial_buy", np.float64), ("margin_rate_initial_sell", np.float64),
    ("margin_rate_maintenance_buy", np.float64), ("margin_rate_maintenance_sell", np.float64),
    ("close_by", np.int32),                     # 1: Close By allowed (SYMBOL_ORDER_CLOSEBY)
])

# -- STRATEGY OUTPUT --
intent_dt = _dt([
    ("action", np.int32), ("symbol", np.int32), ("type", np.int32),
    ("volume", np.float64),                     # lots; signed target for Action.TARGET
    ("price", np.float64), ("sl", np.float64), ("tp", np.float64),
    ("expiry", np.int64), ("ticket", np.int64),
    ("stoplimit", np.float64),                  # limit price placed when a stop-limit triggers
    ("type_time", np.int32),                    # OrderTime: GTC, DAY (server day end), SPECIFIED
    ("by_ticket", np.int64),                    # Action.CLOSE_BY: the opposite position
])

# -- ORDERS: the outbox of step_nb and the venue's in-flight / pending book --
order_dt = _dt([
    ("cid", np.int64), ("ticket", np.int64), ("action", np.int32), ("type", np.int32),
    ("symbol", np.int32), ("state", np.int32), ("volume", np.float64), ("price", np.float64),
    ("sl", np.float64), ("tp", np.float64), ("expiry", np.int64), ("pos_ticket", np.int64),
    ("signal_ts", np.int64), ("arrive_ts", np.int64), ("signal_price", np.float64),
    ("retcode", np.int32),
    ("stoplimit", np.float64),                  # BUY/SELL_STOP_LIMIT: the limit price
    ("type_time", np.int32),                    # OrderTime; DAY sets ``expiry`` when placed
    ("by_ticket", np.int64),                    # Action.CLOSE_BY: the opposite position
    ("olog", np.int64),                         # venue: the order's row in its order journal
])

# -- POSITIONS (the venue's truth in the sim; the decision side keeps a mirror) --
position_dt = _dt([
    ("active", np.bool_), ("ticket", np.int64), ("ident", np.int64), ("symbol", np.int32),
    ("side", np.int32), ("volume", np.float64), ("price", np.float64),
    ("sl", np.float64), ("tp", np.float64), ("open_ts", np.int64),
    ("swap", np.float64), ("commission", np.float64), ("margin", np.float64),
    ("conv", np.float64),                       # margin-currency rate frozen at open
    ("profit", np.float64),                     # floating, account currency, at the last quote
    ("closing", np.float64),                    # decision-side mirror: lots of closes in flight
])

# -- THE DECISION CORE'S STATE (sim/core/state.py builds it; shared with live) --
# fixed capacities: the record's layout, and so the compiled kernels, never depend on a run
MAX_SYMBOLS = 32
BOOK = 64            # positions mirrored from fill reports
INTENTS = 16         # intents one strategy call may write
OUTBOX = 64          # orders (and denials) one step may produce
PENDING = 64         # pending orders mirrored from ORDER events
SELF_EVENTS = OUTBOX  # the core's events to itself (a denial's REJECT): one per outbox row

quote_dt = _dt([
    ("bid", np.float64), ("ask", np.float64), ("ts", np.int64),
    ("net", np.float64),                        # signed lots filled (from reports)
    ("working", np.float64),                    # signed lots sent, not yet reported
    # hedging: lots of opening market orders in flight, by side (tickets-to-be)
    ("buy_opening", np.float64), ("sell_opening", np.float64),
    # hedging: a TARGET routing could not finish, waiting for opposite opens in flight
    ("standing", np.bool_), ("target", np.float64),
])

WINDOWS = 8          # session / blackout windows the risk limits hold
THROTTLE = 256       # sent-order times the throttle remembers (max_orders <= THROTTLE)
RISK_LOG = 128       # risk rows (denials, state changes) between two drains by the caller

limits_dt = _dt([    # the risk stage's rules (docs/risk.md); 0 / False = rule off
    ("bypass", np.bool_), ("kill", np.bool_),
    ("kill_symbol", np.int32),                  # the kill switch's scope: -1 all, else a symbol
    ("max_order_lots", np.float64),
    ("max_notional", np.float64),               # account currency, per order
    ("collar_points", np.float64),              # a priced order's distance from mid, points
    ("max_spread_points", np.float64),
    ("max_tick_age", np.int64),                 # ns: the quote's age at the decision
    ("max_position_lots", np.float64),          # net lots per symbol after the order
    ("max_gross_lots", np.float64),             # lots of every position and order in flight
    ("max_open_positions", np.int64),
    ("max_pending_orders", np.int64),
    ("min_margin_level_pct", np.float64),       # equity / margin, %, before a new exposure
    ("max_orders", np.int64), ("orders_window", np.int64),   # throttle: orders per ns window
    ("max_fills_per_day", np.int64),            # per server day, every symbol
    ("daily_loss_pct", np.float64),             # of the server day's opening balance/equity
    ("daily_basis", np.int32),                  # 0 balance, 1 equity
    ("max_drawdown_pct", np.float64),           # of the starting (or, trailing, peak) equity
    ("trailing", np.bool_),
    ("max_consecutive_losses", np.int64),
    ("cooldown", np.int64),                     # ns in REDUCING after a losing streak (0: the day)
    ("require_sl", np.bool_),
    ("max_loss_per_trade", np.float64),         # account currency at the order's SL
    ("flatten_on_halt", np.bool_),              # HALTED also closes every position
    ("n_sessions", np.int64), ("sessions", np.int64, (WINDOWS, 2)),    # ns after server
    ("n_blackouts", np.int64), ("blackouts", np.int64, (WINDOWS, 2)),  # midnight [from, to)
])

risk_dt = _dt([      # the risk stage's own state (sim/core/risk.py)
    ("day_balance", np.float64), ("day_equity", np.float64),  # at the server day's start
    ("start_equity", np.float64), ("peak_equity", np.float64),
    ("consecutive_losses", np.int64),
    ("fills_day", np.int64),
    ("cause", np.int32),                        # the rule (its retcode) behind the state
    ("rearm_ts", np.int64),                     # back to ACTIVE at this instant (NO_TS: never)
    ("rearm_day", np.bool_),                    # back to ACTIVE at the next server day
    ("halt_todo", np.bool_),                    # HALTED: cancel pendings (and flatten) this step
    ("seen", np.float64), ("bound", np.float64),    # scratch: what the denying rule saw
    ("thr_head", np.int64), ("thr_n", np.int64), ("thr", np.int64, (THROTTLE,)),
])

risk_event_dt = _dt([  # one risk decision: a denial, or a trading-state change
    ("ts", np.int64), ("rule", np.int32),      # rule: its Retcode (RISK_*)
    ("symbol", np.int32), ("cid", np.int64),    # a denial: the order's symbol and client id
    ("value", np.float64), ("threshold", np.float64),   # the input the rule saw, its limit
    ("state_from", np.int32), ("state_to", np.int32),   # TradingState (equal: a denial)
])

core_dt = _dt([
    # counters and clock
    ("next_cid", np.int64), ("n_out", np.int64), ("n_sent", np.int64), ("n_denied", np.int64),
    ("n_rejected", np.int64), ("n_fills", np.int64), ("n_events", np.int64),
    ("n_bad_events", np.int64),                 # events the contract does not allow (counted, ignored)
    ("n_dropped", np.int64),                    # intents that found the outbox full (not sent)
    ("n_raised", np.int64),                     # strategy calls that raised (by address only)
    ("last_ts", np.int64), ("day_ts", np.int64),    # last event; last server-day TIMER
    ("wake_ts", np.int64),                      # a TIMER(WAKE) is due at this instant (0: none)
    ("utc_offset", np.int64),                   # server clock minus UTC, ns: given at creation,
                                                # then read off each TIMER DAY (a server midnight)
    # account view: config, then the venue's figures from FILL / ACCOUNT / TIMER events
    ("mode", np.int32),                         # AccountMode
    ("n_sym", np.int32),
    ("balance", np.float64), ("equity", np.float64), ("margin", np.float64),
    ("account_ts", np.int64),                   # as of when (the newest figures win)
    ("realized", np.float64),                   # profit + commission + swap of the fills seen
    # risk state and limits
    ("trading_state", np.int32),
    ("limits", limits_dt),
    ("risk", risk_dt),
    ("n_risk_log", np.int64),                   # rows in ``risk_log`` since the caller's drain
    ("n_risk_lost", np.int64),                  # rows that found it full (never, if drained)
    ("risk_log", risk_event_dt, (RISK_LOG,)),
    # per symbol: specs (config) and quotes and exposure (from events)
    ("spec", symbol_dt, (MAX_SYMBOLS,)),
    ("quote", quote_dt, (MAX_SYMBOLS,)),
    # positions as reports told them; scratch and output buffers of one step
    ("book", position_dt, (BOOK,)),
    ("n_pending", np.int64),
    ("pending", order_dt, (PENDING,)),          # pending orders working at the venue, by placement
    ("intents", intent_dt, (INTENTS,)),
    ("outbox", order_dt, (OUTBOX,)),            # orders of the last step (denials: state REJECTED)
    ("n_self", np.int64),
    ("selfq", event_dt, (SELF_EVENTS,)),
    ("timer_ev", event_dt),                     # scratch: the WAKE timer being handled
])
