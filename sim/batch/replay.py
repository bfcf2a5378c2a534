"""The njit replay loop (backtest only): ticks in, the decision core and the venue per tick.

``replay_nb`` drives the same pieces a live runner and the per-event ``SimVenue`` use:
the core's ``step_nb`` (sim/core/step.py, with the strategy bound statically from its
params record type) and the venue's tick kernels (sim/venue/tick.py).  Per tick:

    if the tick is quiet: store its quote           # quiet state in registers (replay_nb)
    else: begin_tick_nb(...)                       # room in the journals, then venue_tick_nb
          (returns Status.DONE or NEED_SPACE at the end of data / of a journal)
          the events the venue queued for the core, due now -> step_nb -> orders to the venue
    the TICK event -> step_nb
    if quiet and no order was sent: next tick
    the core's orders -> the venue (submit_orders_nb); events due now -> step_nb
    end_tick_nb(...)                               # equity sample, may the next be quiet?

The quiet path is a shortcut, not a second model: it is taken only when every step it
skips would do nothing (``set_quiet_nb``), and the per-event drive of the core and the
venue through their public entry points, which never takes it, gives identical results
(tests/sim/test_parity.py).

Ticks are ``(ts, sym, bid, ask, roll_ts, roll_wd)``: the merged stream (``sym`` may be
empty for one symbol) and the server-midnight rollover instants with the weekday
(0 = Sunday) of the server day that ends there.

Performance note: kernels called per tick take arrays and records as separate
arguments.  Passing a tuple of arrays across an njit call boundary costs hundreds of
ns per call (measured), which would dominate a ~10 ns tick; the core's state is one
record (a pointer).
"""

from __future__ import annotations

from sim.core.enums import Status
from sim.core.events import tick_event_nb
from sim.core.records import RISK_LOG
from sim.core.risk import drain_risk_nb
from sim.core.step import step_nb, step_out_of_line_nb
from sim.jit_cache import kernel
from sim.venue.band import leave_band_nb
from sim.venue.orders import submit_orders_nb
from sim.venue.tick import (
    journals_have_room_nb,
    pop_report_nb,
    venue_end_tick_nb,
    venue_tick_nb,
)


@kernel(inline=True)
def symbol_at_nb(sym, i):
    return sym[i] if sym.shape[0] > 0 else 0


@kernel(inline=True)
def room_nb(positions, orders, deals, trades, reports, equity, olog, acct, roll_ts, ts, rlog,
            rlog_n):
    """Room in the venue's journals and in the risk journal for one more tick."""
    return rlog_n[0] + RISK_LOG <= rlog.shape[0] and journals_have_room_nb(
        positions, orders, deals, trades, reports, equity, olog, acct, roll_ts, ts)


@kernel(inline=True)
def begin_tick_nb(tts, tsym, tbid, task, roll_ts, roll_wd, positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, rlog, rlog_n):
    """Run everything due before tick ``acct.tick_i`` and apply its quote.

    Returns the tick index, ``-1 - Status.DONE`` at the end of data, or
    ``-1 - Status.NEED_SPACE`` when a journal must grow (the caller grows it and calls
    the replay again: all state lives in the arrays, so the run resumes exactly).
    """
    i = acct["tick_i"]
    if i >= tts.shape[0] or not room_nb(positions, orders, deals, trades, reports, equity, olog,
                                        acct, roll_ts, tts[i], rlog, rlog_n):
        if acct["band"]:      # the caller reads (or grows) the arrays: price the band first
            leave_band_nb(positions, acct, syms, qb, qa, equity)
        return -1 - (Status.DONE if i >= tts.shape[0] else Status.NEED_SPACE)
    venue_tick_nb(tts[i], symbol_at_nb(tsym, i), tbid[i], task[i], roll_ts, roll_wd, positions,
                  orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog)
    return i


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
    """Sample the equity curve, advance, and decide whether the next ticks may be quiet."""
    venue_end_tick_nb(tts[acct["tick_i"]], positions, acct, cfg, syms, qb, qa, equity)
    set_quiet_nb(roll_ts, reports, acct)


@kernel(inline=True)
def deliver_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity,
                   olog, ev, c, sstate, params, data, now, s):
    """Hand every event the venue queued, due at ``now``, to the core; its orders to the venue."""
    while pop_report_nb(reports, acct, now, ev):
        n = step_out_of_line_nb(ev[0], c, sstate, params, data)
        if n > 0:
            submit_orders_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa,
                             tmp, equity, olog, c["outbox"], n, now, s)


@kernel(inline=True)
def sync_quiet_nb(tts, acct, equity, i, start, band, xmin, xmax):
    """Write the quiet ticks' register state back: tick index, band x range, row time."""
    acct["tick_i"] = i
    if band:
        acct["band_xmin"] = xmin
        acct["band_xmax"] = xmax
    if i > start:
        equity[acct["n_eq"] - 1]["ts"] = tts[i - 1]


@kernel(nogil=True)             # threads share the ticks (sim.sweep)
def replay_nb(tts, tsym, tbid, task, roll_ts, roll_wd, positions, orders, deals, trades, reports,
              acct_a, cfg_a, syms, qb, qa, tmp, equity, olog, core, sstate, params, data, ev,
              rlog, rlog_n):
    """Replay the ticks from ``acct.tick_i`` on; return ``Status.DONE`` or ``NEED_SPACE``.

    A quiet tick (``set_quiet_nb``: before ``quiet_until``, and inside the band if a
    position is open) only stores its quote and runs the core; the quiet state lives
    in local variables between full ticks, and is written back before any full tick
    (``acct.tick_i``, the band's x range, the equity row's time).  The core's risk rows
    go to the journal ``rlog`` at the end of each full tick and of the call.  The TICK step is
    inlined at this one site (with the strategy); the venue's events go through an
    out-of-line step.
    """
    acct = acct_a[0]
    cfg = cfg_a[0]
    c = core[0]
    e = ev[0]               # TICK events: only their fields are ever written (the rest stay 0)
    rev = ev[1:]            # the venue's events, popped from its queue
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
                              trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog, rlog,
                              rlog_n)
            if i < 0:
                drain_risk_nb(c, rlog, rlog_n)      # room: checked before the last full tick
                return -i - 1
            s = symbol_at_nb(tsym, i)
            deliver_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                           equity, olog, rev, c, sstate, params, data, tts[i], s)
        tick_event_nb(e, tts[i], s, tbid[i], task[i])
        n_out = step_nb(e, c, sstate, params, data)
        if fast and n_out == 0:
            if mine:
                xmin = min(xmin, x)
                xmax = max(xmax, x)
            i += 1
            continue
        # the rest of a full tick (or of a quiet one whose strategy sent orders)
        if fast:
            sync_quiet_nb(tts, acct, equity, i, start, band, xmin, xmax)
        now = tts[i]
        if n_out > 0:
            submit_orders_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa,
                             tmp, equity, olog, c["outbox"], n_out, now, s)
        # reports of zero-latency fills come back within the tick
        deliver_due_nb(positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp,
                       equity, olog, rev, c, sstate, params, data, now, s)
        end_tick_nb(tts, roll_ts, positions, reports, acct, cfg, syms, qb, qa, equity)
        if c["n_risk_log"] > 0:
            drain_risk_nb(c, rlog, rlog_n)
        if acct["overflow"]:
            return Status.OVERFLOW
        # a quiet tick whose strategy sends orders appends rows without begin_tick_nb's
        # space check: let the next tick be quiet only while one tick's room is left
        if acct["quiet"] and not room_nb(positions, orders, deals, trades, reports, equity, olog,
                                         acct, roll_ts, now, rlog, rlog_n):
            acct["quiet"] = False
        reload = True
