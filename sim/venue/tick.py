"""One tick at the simulated venue, in the order of mt-execution.md 10, and its clock events.

``venue_tick_nb`` runs everything due before a tick and applies its quote;
``venue_end_tick_nb`` samples the equity curve after the decision core has answered.
Between the two the caller delivers the events the venue queued for the core
(``pop_report_nb``: fills and rejections after the report latency, the server-day
TIMER, an ACCOUNT snapshot at each equity bucket) and hands the core's orders to
``sim.venue.orders.submit_orders_nb``.  The batch loop (sim/batch/replay.py) and the
per-event ``SimVenue`` (sim/venue/sim_venue.py) call these same kernels.
"""

from __future__ import annotations

from sim.core.enums import FillOn, TimerKind
from sim.core.events import account_event_nb, timer_event_nb
from sim.core.records import NO_TS
from sim.jit_cache import kernel
from sim.venue.band import band_end_tick_nb, enter_band_nb, leave_band_nb
from sim.venue.execution import report_slot_nb
from sim.venue.orders import arrive_nb, compact_orders_nb, next_arrival_nb
from sim.venue.pending import expire_due_nb
from sim.venue.quote import apply_quote_nb, rollover_nb

HEADROOM = 64


@kernel(inline=True)
def journals_have_room_nb(positions, orders, deals, trades, reports, equity, olog, acct, roll_ts,
                          ts):
    """Do the journals have room for a tick at ``ts`` (``acct.need_room`` rows each)?

    Drops finished order slots once they outnumber the live ones: the per-order scans
    (arrivals, pending triggers) then stay proportional to live orders, not run length.
    """
    live = acct["n_inflight"] + acct["n_pending"]
    # every live order may execute (and report) within the next tick, and every server
    # midnight passed queues a DAY timer (a gap in the data may pass many)
    room = HEADROOM + positions.shape[0] + 2 * live
    r = acct["roll_i"]
    while r < roll_ts.shape[0] and roll_ts[r] <= ts:
        room += 1
        r += 1
    acct["need_room"] = room
    if acct["n_orders"] + room > orders.shape[0] or acct["n_orders"] > 2 * live + 32:
        compact_orders_nb(orders, acct, olog)
    return (acct["n_deals"] + room <= deals.shape[0] and acct["n_trades"] + room <= trades.shape[0]
            and acct["n_eq"] + 2 <= equity.shape[0] and acct["n_orders"] + room <= orders.shape[0]
            and acct["n_reports"] + room <= reports.shape[0]
            and acct["n_olog"] + room <= olog.shape[0])


@kernel
def roll_nb(roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog):
    """Pass the next server midnight: swaps (if charged), the DAY timer, the next day's end."""
    r = acct["roll_i"]
    if cfg["swaps"]:
        rollover_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, roll_wd[r])
    k = report_slot_nb(reports, acct)
    if k >= 0:
        timer_event_nb(reports[k], roll_ts[r], TimerKind.DAY, acct["balance"], acct["equity"],
                       acct["margin"])
    acct["roll_i"] = r + 1
    acct["day_end"] = roll_ts[r + 1] if r + 1 < roll_ts.shape[0] else NO_TS


@kernel
def timers_and_arrivals_nb(ts, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog):
    # timers (rollovers, pending-order expiries) and (arrival mode) requests arriving
    # strictly before ts, in time order; timers go first at the same instant.  Timers at
    # exactly ts run after the tick's quote (timers_at_nb, mt-execution.md 10)
    if acct["band"]:
        leave_band_nb(positions, acct, syms, qb, qa, equity)
    while True:
        r = acct["roll_i"]
        rts = roll_ts[r] if r < roll_ts.shape[0] else NO_TS
        ets = acct["next_expiry"] if acct["n_pending"] > 0 and acct["next_expiry"] > 0 else NO_TS
        j = -1
        ats = NO_TS
        if cfg["fill_on"] == FillOn.ARRIVAL and acct["n_inflight"] > 0:
            j = next_arrival_nb(orders, acct)
            ats = orders[j]["arrive_ts"]
        if rts < ts and rts <= ats and rts <= ets:
            roll_nb(roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
        elif ets < ts and ets <= ats:
            expire_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, ets)
        elif ats < ts:
            arrive_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, orders[j], ats)
        else:
            return


@kernel
def timers_at_nb(ts, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog):
    # step 2 of mt-execution.md 10: timers due at this tick's instant, after its quote
    if acct["band"]:
        leave_band_nb(positions, acct, syms, qb, qa, equity)
    while True:
        r = acct["roll_i"]
        if r < roll_ts.shape[0] and roll_ts[r] <= ts:
            roll_nb(roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
        elif acct["n_pending"] > 0 and 0 < acct["next_expiry"] <= ts:
            expire_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, ts)
        else:
            return


@kernel
def push_account_nb(reports, acct, ts):
    """Queue an ACCOUNT snapshot for the core, due at ``ts``."""
    k = report_slot_nb(reports, acct)
    if k >= 0:
        account_event_nb(reports[k], ts, acct["balance"], acct["equity"], acct["margin"])


@kernel(inline=True)
def venue_tick_nb(ts, s, bid, ask, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog):
    """Everything due before a tick of symbol ``s`` at ``ts``, then its quote (steps 1-7).

    A tick that opens a new equity bucket also queues an ACCOUNT snapshot for the core.
    """
    if acct["band"] and ts >= acct["eq_next"]:
        leave_band_nb(positions, acct, syms, qb, qa, equity)     # close the bucket's row
    r = acct["roll_i"]
    if (r < roll_ts.shape[0] and roll_ts[r] < ts) or acct["n_inflight"] > 0 or \
            (acct["n_pending"] > 0 and 0 < acct["next_expiry"] < ts):
        timers_and_arrivals_nb(ts, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
    qb[s] = bid
    qa[s] = ask
    r = acct["roll_i"]
    if (r < roll_ts.shape[0] and roll_ts[r] <= ts) or \
            (acct["n_pending"] > 0 and 0 < acct["next_expiry"] <= ts):
        timers_at_nb(ts, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
    if acct["n_inflight"] > 0 or acct["n_positions"] > 0 or acct["n_pending"] > 0:
        apply_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                       equity, olog, s, ts)
    if ts >= acct["eq_next"]:
        push_account_nb(reports, acct, ts)


@kernel(inline=True)
def pop_report_nb(reports, acct, now, ev):
    """Move the earliest event due at ``now`` into ``ev``; False when none is due."""
    n = acct["n_reports"]
    if n == 0:
        return False
    best = -1
    bts = now + 1
    for k in range(n):
        if reports[k]["ts"] < bts:
            best = k
            bts = reports[k]["ts"]
    if best < 0:
        return False
    ev[0] = reports[best]
    for k in range(best, n - 1):
        reports[k] = reports[k + 1]
    acct["n_reports"] = n - 1
    return True


@kernel(inline=True)
def venue_end_tick_nb(ts, positions, acct, cfg, syms, qb, qa, equity):
    """Sample the equity curve (one row per bucket, with its min and max); count the tick."""
    i = acct["tick_i"]
    if acct["band"]:        # only the band's x range and the row's time move
        band_end_tick_nb(acct, qb, qa)
        equity[acct["n_eq"] - 1]["ts"] = ts
        acct["tick_i"] = i + 1
        return
    eq = acct["equity"]
    if ts >= acct["eq_next"] or acct["n_eq"] == 0:
        b = ts // cfg["eq_bucket_ns"]
        acct["n_eq"] += 1
        acct["eq_next"] = (b + 1) * cfg["eq_bucket_ns"]
        acct["eq_min"] = eq
        acct["eq_max"] = eq
    k = acct["n_eq"] - 1
    if eq < acct["eq_min"]:
        acct["eq_min"] = eq
    elif eq > acct["eq_max"]:
        acct["eq_max"] = eq
    row = equity[k]
    row["ts"] = ts
    row["balance"] = acct["balance"]
    row["equity"] = eq
    row["min_equity"] = acct["eq_min"]
    row["max_equity"] = acct["eq_max"]
    row["margin"] = acct["margin"]
    if cfg["band"] and acct["n_positions"] == 1 and acct["n_inflight"] == 0 and \
            acct["n_pending"] == 0 and acct["band_retry"] <= i:
        enter_band_nb(positions, acct, cfg, syms, qb, qa)
    acct["tick_i"] = i + 1
