"""Building blocks of the njit replay loop (backtest only).

``replay_nb`` is the loop; the strategy inside ``step_nb`` is bound statically from its
params record type (``sim.strategy_api``), so the compile cache holds per strategy:

    while True:
        if the tick is quiet: store its quote     # quiet state in registers (replay_nb)
        else: i = begin_tick_nb(...)            # space check, timers/arrivals due, the quote
              (i < 0: return Status.DONE or NEED_SPACE), then deliver the reports due
        the TICK event to step_nb
        if quiet and no order was sent: next tick
        feed the outbox to the venue, deliver reports of zero-latency fills
        end_tick_nb(...)                        # equity sample, next tick

The quiet path is a shortcut, not a second model: it is taken only when every step it
skips would do nothing (``set_quiet_nb``), and the per-event drive in ``sim.engine``,
which never takes it, gives identical results (tests/sim/test_parity.py).

Ticks are ``(ts, sym, bid, ask, roll_ts, roll_wd)``: the merged stream (``sym`` may be
empty for one symbol) and the server-midnight rollover instants with the weekday
(0 = Sunday) of the server day that ends there.

Performance note: kernels called per tick take arrays and records as separate
arguments.  Passing a tuple of arrays across an njit call boundary costs hundreds of
ns per call (measured), which would dominate a ~20 ns tick.
"""

from __future__ import annotations

from sim.band import band_end_tick_nb, enter_band_nb, leave_band_nb
from sim.enums import EventKind, FillOn, Status
from sim.jit_cache import kernel
from sim.pending import expire_due_nb
from sim.step import step_nb, step_out_of_line_nb
from sim.venue import (
    NO_TS,
    accept_order_nb,
    apply_quote_nb,
    arrive_nb,
    compact_orders_nb,
    next_arrival_nb,
    rollover_nb,
)

HEADROOM = 64


@kernel(inline=True)
def has_space_nb(orders, deals, trades, reports, equity, olog, acct, room):
    # drop finished order slots once they outnumber the live ones: the per-order scans
    # (arrivals, pending triggers) then stay proportional to live orders, not run length
    live = acct["n_inflight"] + acct["n_pending"]
    room += 2 * live      # every live order may execute (and report) within the next tick
    acct["need_room"] = room
    if acct["n_orders"] + room > orders.shape[0] or acct["n_orders"] > 2 * live + 32:
        compact_orders_nb(orders, acct)
    return (acct["n_deals"] + room <= deals.shape[0] and acct["n_trades"] + room <= trades.shape[0]
            and acct["n_eq"] + 2 <= equity.shape[0] and acct["n_orders"] + room <= orders.shape[0]
            and acct["n_reports"] + room <= reports.shape[0]
            and acct["n_olog"] + room <= olog.shape[0])


@kernel(inline=True)
def symbol_at_nb(sym, i):
    return sym[i] if sym.shape[0] > 0 else 0


@kernel
def roll_nb(roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog):
    """Pass the next server midnight: swaps (if charged), then the next day's end."""
    r = acct["roll_i"]
    if cfg["swaps"]:
        rollover_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, roll_wd[r])
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


@kernel(inline=True)
def begin_tick_nb(tts, tsym, tbid, task, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog):
    """Run everything due before tick ``acct.tick_i`` and apply its quote.

    Returns the tick index, ``-1 - Status.DONE`` at the end of data, or
    ``-1 - Status.NEED_SPACE`` when a journal must grow (the caller grows it and calls
    the replay again: all state lives in the arrays, so the run resumes exactly).
    """
    i = acct["tick_i"]
    if i >= tts.shape[0] or not has_space_nb(orders, deals, trades, reports, equity, olog, acct,
                                             HEADROOM + positions.shape[0]):
        if acct["band"]:      # the caller reads (or grows) the arrays: price the band first
            leave_band_nb(positions, acct, syms, qb, qa, equity)
        return -1 - (Status.DONE if i >= tts.shape[0] else Status.NEED_SPACE)
    ts = tts[i]
    if acct["band"] and ts >= acct["eq_next"]:
        leave_band_nb(positions, acct, syms, qb, qa, equity)     # close the bucket's row
    r = acct["roll_i"]
    if (r < roll_ts.shape[0] and roll_ts[r] < ts) or acct["n_inflight"] > 0 or \
            (acct["n_pending"] > 0 and 0 < acct["next_expiry"] < ts):
        timers_and_arrivals_nb(ts, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
    s = symbol_at_nb(tsym, i)
    qb[s] = tbid[i]
    qa[s] = task[i]
    r = acct["roll_i"]
    if (r < roll_ts.shape[0] and roll_ts[r] <= ts) or \
            (acct["n_pending"] > 0 and 0 < acct["next_expiry"] <= ts):
        timers_at_nb(ts, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
    if acct["n_inflight"] > 0 or acct["n_positions"] > 0 or acct["n_pending"] > 0:
        apply_quote_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                       equity, olog, s, ts)
    return i


@kernel(inline=True)
def tick_event_nb(tts, tsym, tbid, task, i, ev):
    e = ev[0]
    e["ts"] = tts[i]
    e["kind"] = EventKind.TICK
    e["symbol"] = symbol_at_nb(tsym, i)
    e["bid"] = tbid[i]
    e["ask"] = task[i]
    e["cid"] = 0


@kernel(inline=True)
def pop_report_nb(reports, acct, now, ev):
    """Move the earliest report due at ``now`` into ``ev``; False when none is due."""
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


@kernel
def drain_outbox_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, dstate, outbox, now, s):
    """Hand the step's new orders to the venue; zero-latency ones arrive at once.

    In ``next_tick`` mode only orders of the current tick's symbol ``s`` execute now; the
    others wait for the first tick of their own symbol.
    """
    acct["quiet"] = False
    if acct["band"]:
        leave_band_nb(positions, acct, syms, qb, qa, equity)
    n = dstate["n_out"]
    for k in range(n):
        accept_order_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, outbox[k], now)
    dstate["n_out"] = 0
    only = s if cfg["fill_on"] == FillOn.NEXT_TICK else -1
    while acct["n_inflight"] > 0:
        j = next_arrival_nb(orders, acct, only)
        if j < 0 or orders[j]["arrive_ts"] > now:
            break
        arrive_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, orders[j], now)


@kernel(inline=True)
def set_quiet_nb(roll_ts, reports, acct):
    """After a full tick: may the next ticks take the quiet path, and until when?"""
    q = acct["n_inflight"] == 0 and acct["n_pending"] == 0 and \
        (acct["band"] or acct["n_positions"] == 0)
    acct["quiet"] = q
    if q:
        until = acct["eq_next"]
        r = acct["roll_i"]
        if r < roll_ts.shape[0] and roll_ts[r] < until:
            until = roll_ts[r]
        for k in range(acct["n_reports"]):
            if reports[k]["ts"] < until:
                until = reports[k]["ts"]
        acct["quiet_until"] = until


@kernel(inline=True)
def end_tick_nb(tts, roll_ts, positions, reports, acct, cfg, syms, qb, qa, equity):
    """Sample the equity curve (one row per bucket, with its min and max) and advance."""
    if acct["band"]:        # only the band's x range and the row's time move
        band_end_tick_nb(acct, qb, qa)
        equity[acct["n_eq"] - 1]["ts"] = tts[acct["tick_i"]]
        acct["tick_i"] += 1
        set_quiet_nb(roll_ts, reports, acct)
        return
    i = acct["tick_i"]
    ts = tts[i]
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
    set_quiet_nb(roll_ts, reports, acct)
    acct["tick_i"] = i + 1


@kernel(inline=True)
def deliver_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity,
                   olog, ev, sstate, params, data, dstate, limits, dsym, book, mode, intents,
                   outbox, now, s):
    """Hand every report due at ``now`` to the step, each step's orders to the venue."""
    while pop_report_nb(reports, acct, now, ev):
        step_out_of_line_nb(ev, sstate, params, data, dstate, limits, dsym, book, syms, mode,
                            intents, outbox)
        if dstate["n_out"] > 0:
            drain_outbox_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa,
                            tmp, equity, olog, dstate, outbox, now, s)


@kernel(inline=True)
def sync_quiet_nb(tts, acct, equity, i, start, band, xmin, xmax):
    """Write the quiet ticks' register state back: tick index, band x range, row time."""
    acct["tick_i"] = i
    if band:
        acct["band_xmin"] = xmin
        acct["band_xmax"] = xmax
    if i > start:
        equity[acct["n_eq"] - 1]["ts"] = tts[i - 1]


@kernel
def replay_nb(tts, tsym, tbid, task, roll_ts, roll_wd, positions, orders, deals, trades, reports,
              acct_a, cfg_a, syms, qb, qa, tmp, equity, olog, dstate_a, limits_a, dsym, book, mode,
              intents, outbox, sstate, params, data, ev):
    """Replay the ticks from ``acct.tick_i`` on; return ``Status.DONE`` or ``NEED_SPACE``.

    A quiet tick (``set_quiet_nb``: before ``quiet_until``, and inside the band if a
    position is open) only stores its quote and runs the strategy; the quiet state lives
    in local variables between full ticks, and is written back before any full tick
    (``acct.tick_i``, the band's x range, the equity row's time).  The TICK step is
    inlined at this one site (with the strategy); reports go through an out-of-line step.
    """
    acct = acct_a[0]
    cfg = cfg_a[0]
    dstate = dstate_a[0]
    limits = limits_a[0]
    n = tts.shape[0]
    reload = True
    i = start = 0
    quiet = band = long = False
    until = bs = 0
    lo = hi = xmin = xmax = 0.0
    while True:
        if reload:                      # quiet state into registers, after a full tick
            i = start = acct["tick_i"]
            quiet = acct["quiet"]
            until = acct["quiet_until"]
            band = acct["band"]
            bs = acct["band_sym"]
            long = acct["band_sign"] > 0.0
            lo = acct["band_lo"]
            hi = acct["band_hi"]
            xmin = acct["band_xmin"]
            xmax = acct["band_xmax"]
            reload = False
        fast = False
        mine = False
        s = 0
        x = 0.0
        if quiet and i < n and tts[i] < until:
            s = symbol_at_nb(tsym, i)
            x = tbid[i] if long else -task[i]
            mine = band and s == bs
            fast = not mine or lo < x < hi
        if fast:
            qb[s] = tbid[i]
            qa[s] = task[i]
        else:
            sync_quiet_nb(tts, acct, equity, i, start, band, xmin, xmax)
            i = begin_tick_nb(tts, tsym, tbid, task, roll_ts, roll_wd, positions, orders, deals,
                              trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
            if i < 0:
                return -i - 1
            s = symbol_at_nb(tsym, i)
            deliver_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                           equity, olog, ev, sstate, params, data, dstate, limits, dsym, book,
                           mode, intents, outbox, tts[i], s)
        tick_event_nb(tts, tsym, tbid, task, i, ev)
        step_nb(ev, sstate, params, data, dstate, limits, dsym, book, syms, mode, intents, outbox)
        if fast and dstate["n_out"] == 0:
            if mine:
                xmin = min(xmin, x)
                xmax = max(xmax, x)
            i += 1
            continue
        # the rest of a full tick (or of a quiet one whose strategy sent orders)
        if fast:
            sync_quiet_nb(tts, acct, equity, i, start, band, xmin, xmax)
        now = tts[i]
        if dstate["n_out"] > 0:
            drain_outbox_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa,
                            tmp, equity, olog, dstate, outbox, now, s)
        # reports of zero-latency fills come back within the tick
        deliver_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                       equity, olog, ev, sstate, params, data, dstate, limits, dsym, book, mode,
                       intents, outbox, now, s)
        end_tick_nb(tts, roll_ts, positions, reports, acct, cfg, syms, qb, qa, equity)
        if acct["overflow"]:
            return Status.OVERFLOW
        # a quiet tick whose strategy sends orders appends rows without begin_tick_nb's
        # space check: let the next tick be quiet only while one tick's room is left
        if acct["quiet"] and not has_space_nb(orders, deals, trades, reports, equity, olog, acct,
                                              HEADROOM + positions.shape[0]):
            acct["quiet"] = False
        reload = True

