"""Records of the simulated venue: deals, trades, equity curve, account, execution model.

Aligned structured dtypes like the core's (``sim.core.records``); kernels read fields as
``rec["field"]``.  Units: times int64 ns UTC, prices in quote currency, volumes in lots,
money in the account currency unless a name says otherwise.
"""

from __future__ import annotations

import numpy as np

from sim.core.records import _dt

# -- DEALS: fills and rejections, one journal ("recorded like a fill") --
deal_dt = _dt([
    ("ts", np.int64), ("cid", np.int64), ("order", np.int64), ("deal", np.int64),
    ("position_id", np.int64), ("symbol", np.int32), ("type", np.int32), ("entry", np.int32),
    ("reason", np.int32), ("retcode", np.int32), ("volume", np.float64), ("price", np.float64),
    ("profit", np.float64), ("commission", np.float64), ("swap", np.float64),
    ("signal_ts", np.int64), ("signal_price", np.float64),
    ("slippage", np.float64),                   # money lost to slippage vs the quote at arrival
    ("spread_cost", np.float64),                # money: half-spread x volume paid on this deal
    ("balance", np.float64),                    # balance after the deal
])

# -- CLOSED TRADES (one row per closing deal, full or partial) --
trade_dt = _dt([
    ("symbol", np.int32), ("side", np.int32), ("volume", np.float64), ("position_id", np.int64),
    ("open_ts", np.int64), ("open_price", np.float64), ("close_ts", np.int64),
    ("close_price", np.float64), ("profit", np.float64), ("commission", np.float64),
    ("swap", np.float64), ("reason", np.int32),
])

# -- EQUITY CURVE (downsampled: one row per bucket with a tick, and one per deal) --
equity_dt = _dt([
    ("ts", np.int64), ("balance", np.float64), ("equity", np.float64),
    ("min_equity", np.float64), ("max_equity", np.float64), ("margin", np.float64),
])

# -- ACCOUNT (venue side) --
account_dt = _dt([
    ("balance", np.float64), ("equity", np.float64), ("margin", np.float64),
    ("floating", np.float64), ("swap_open", np.float64), ("leverage", np.float64),
    ("so_call", np.float64), ("so_level", np.float64), ("acc_digits", np.int32),
    ("mode", np.int32), ("margin_call", np.bool_),
    ("next_ticket", np.int64), ("next_deal", np.int64),
    ("n_deals", np.int64), ("n_trades", np.int64), ("n_eq", np.int64), ("n_reports", np.int64),
    ("n_positions", np.int64), ("eq_min", np.float64),
    ("eq_max", np.float64),
    ("commission_total", np.float64), ("swap_total", np.float64),
    ("spread_total", np.float64), ("slippage_total", np.float64),
    ("n_stopouts", np.int64), ("tick_i", np.int64), ("roll_i", np.int64),
    ("n_inflight", np.int64), ("n_pending", np.int64), ("n_orders", np.int64),
    ("pos_hw", np.int64), ("n_olog", np.int64),
    ("overflow", np.bool_),                     # a journal write found no room (run is void)
    ("need_room", np.int64),                    # rows every journal must have free for a tick
    ("rng", np.int64),                          # the run's latency/slippage random stream
    ("next_expiry", np.int64),                  # earliest pending expiry (0 = none; may be stale-early)
    ("day_end", np.int64),                      # next server-midnight rollover (ORDER_TIME_DAY expiry)
    ("eq_next", np.int64),                      # first ts of the next equity bucket
    # quiet band (sim/venue/band.py): while ``band``, the one open position is not re-priced per
    # tick; x = its closing quote signed so equity rises with x (bid if long, -ask if short)
    ("band", np.bool_), ("band_pos", np.int64), ("band_sym", np.int64),
    ("band_sign", np.float64),                  # +1 long, -1 short
    ("band_lo", np.float64), ("band_hi", np.float64),   # x strictly inside: nothing can happen
    ("band_xmin", np.float64), ("band_xmax", np.float64),  # x range of the ticks since entry
    ("band_retry", np.int64),                   # no band before this tick index (refused)
    ("band_spans", np.int64),                   # bands left after covering >= 1 tick (a statistic)
    # quiet ticks (sim/batch/replay.py): nothing in flight or pending, no position or a band, so a
    # tick before ``quiet_until`` (next timer, bucket or report) only needs its quote stored
    ("quiet", np.bool_), ("quiet_until", np.int64),
])

# account fields that are the replay loop's own bookkeeping (its shortcuts, sim/venue/band.py and
# the quiet path, and the order table's occupancy, compacted on full ticks only), not
# results: a per-event drive of the same ticks may leave them different
ACCOUNT_LOOP_FIELDS = ("band", "band_pos", "band_sym", "band_sign", "band_lo", "band_hi",
                       "band_xmin", "band_xmax", "band_retry", "band_spans", "quiet",
                       "quiet_until", "n_orders", "need_room")
ACCOUNT_RESULT_FIELDS = [f for f in account_dt.names if f not in ACCOUNT_LOOP_FIELDS]

# -- EXECUTION MODEL (venue config, one row) --
exec_dt = _dt([
    ("fill_on", np.int32), ("trigger_fill", np.int32),
    ("lat_submit_kind", np.int32), ("lat_submit_a", np.float64), ("lat_submit_b", np.float64),
    ("lat_venue_kind", np.int32), ("lat_venue_a", np.float64), ("lat_venue_b", np.float64),
    ("lat_report_kind", np.int32), ("lat_report_a", np.float64), ("lat_report_b", np.float64),
    ("slip_kind", np.int32), ("slip_a", np.float64), ("slip_b", np.float64),
    ("commission", np.bool_), ("swaps", np.bool_), ("stop_out", np.bool_),
    ("eq_bucket_ns", np.int64), ("seed", np.int64),
    ("band", np.bool_),                         # allow the quiet band (False: re-price every tick)
    ("exe_mode", np.int32),                     # ExeMode: MARKET, or INSTANT/REQUEST (requotes)
    ("deviation", np.int64),                    # points a requested price may move (instant)
])

