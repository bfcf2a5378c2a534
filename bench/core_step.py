"""Benchmark: the decision core called from Python, per event and per batch (live's shape).

A live runner decodes each EA message into an ``event_dt`` row and calls the decision
core (strategy -> risk -> routing) through ``DecisionCore``.  This prints, in one run, the
cost per event of:

(a) ``DecisionCore.tick(ts, s, bid, ask)``   one TICK per Python -> numba call
(b) ``DecisionCore.on_event(ev)``            one prepared ``event_dt`` row per call
(c) ``DecisionCore.on_events(block)``        blocks of 64 events, one call per block
    (plus blocks of 1 and 8, to show the per-call and the per-event parts)

and its peers, measured in the same rounds:

(p0) a Python -> njit call of an empty kernel taking the previous step's 12 flat arguments
     (ev, sstate, params, data, dstate, limits, dsym, book, syms, mode, intents, outbox):
     what calling that shape cost before the state became one record
(p1) a Python -> njit call of an empty kernel taking the same arrays as (b) (the floor)
(p2) the in-kernel cost per event: the same ticks through the core inside one njit loop

Ticks: the bundled real EURUSD sample (266 k ticks), ema_cross 50/200 (a signal every
~160 ticks, each routed: the outbox is filled and read).  Rounds are interleaved and each
line keeps its best of 5 (the VM is noisy).  Targets of the decision-core issue: (c) <= 2 us
per event amortised on 64, (a)/(b) <= 5 us.  Prints figures only, no asserts.

    .venv/bin/python bench/core_step.py [--events 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = 5


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    args = ap.parse_args()

    import strategies.ema_cross as ec
    from sim.config import AccountConfig, symbol_records
    from sim.core.decision import DecisionCore
    from sim.core.enums import EventKind
    from sim.core.records import event_dt
    from sim.core.step import step_nb
    from sim.data import load_ticks
    from sim.data.symbols import load_symbol
    from sim.jit_cache import kernel

    @kernel
    def empty_nb(core, sstate, params, data, ev):
        return 0

    @kernel
    def empty_flat_nb(ev, sstate, params, data, dstate, limits, dsym, book, syms, mode, intents,
                      outbox):
        return 0

    @kernel
    def in_kernel_nb(core, sstate, params, data, events):
        n = 0
        for k in range(events.shape[0]):
            n += step_nb(events[k], core[0], sstate, params, data)
        return n

    t = load_ticks(Path(__file__).resolve().parent.parent / "data/sample/EURUSD")
    n = min(args.events, len(t.ts))
    events = np.zeros(n, dtype=event_dt)
    events["ts"], events["kind"] = t.ts[:n], EventKind.TICK
    events["bid"], events["ask"] = t.bid[:n], t.ask[:n]
    ts, bid, ask = t.ts[:n].tolist(), t.bid[:n].tolist(), t.ask[:n].tolist()
    rows = [events[k: k + 1] for k in range(n)]
    syms = symbol_records([load_symbol("EURUSD")], AccountConfig())
    params = ec.make_params(ec.Params(fast=50, slow=200, lots=0.1))

    def fresh():
        return DecisionCore(ec, params, syms, 0, 10_000.0)

    def run_tick():
        c = fresh()
        t0 = time.perf_counter()
        for k in range(n):
            c.tick(ts[k], 0, bid[k], ask[k])
        return time.perf_counter() - t0, c

    def run_event():
        c = fresh()
        t0 = time.perf_counter()
        for r in rows:
            c.on_event(r)
        return time.perf_counter() - t0, c

    def run_blocks(size):
        def go():
            c = fresh()
            blocks = [events[k: k + size] for k in range(0, n, size)]
            t0 = time.perf_counter()
            for b in blocks:
                c.on_events(b)
            return time.perf_counter() - t0, c
        return go

    def run_empty():
        c = fresh()
        st, ss, pa, da = c.state, c.sstate, c.params, c.data
        t0 = time.perf_counter()
        for r in rows:
            empty_nb(st, ss, pa, da, r)
        return time.perf_counter() - t0, c

    from sim.core.records import intent_dt, limits_dt, order_dt, position_dt, quote_dt

    dstate = np.zeros(1, dtype=np.dtype([("next_cid", np.int64), ("n_out", np.int64),
                                         ("trading_state", np.int32)], align=True))
    flat = (dstate, np.zeros(1, dtype=limits_dt), np.zeros(1, dtype=quote_dt),
            np.zeros(64, dtype=position_dt), syms, np.zeros(16, dtype=intent_dt),
            np.zeros(64, dtype=order_dt))

    def run_flat():
        c = fresh()
        ss, pa, da = c.sstate, c.params, c.data
        d, lim, dsym, book, sy, ib, ob = flat
        t0 = time.perf_counter()
        for r in rows:
            empty_flat_nb(r, ss, pa, da, d, lim, dsym, book, sy, 0, ib, ob)
        return time.perf_counter() - t0, c

    def run_in_kernel():
        c = fresh()
        t0 = time.perf_counter()
        in_kernel_nb(c.state, c.sstate, c.params, c.data, events)
        return time.perf_counter() - t0, c

    lines = {
        "(a) tick() per event": run_tick,
        "(b) on_event() per event": run_event,
        "(c) on_events(), blocks of 64": run_blocks(64),
        "    on_events(), blocks of 8": run_blocks(8),
        "    on_events(), blocks of 1": run_blocks(1),
        "(p0) empty njit call, 12 flat arguments": run_flat,
        "(p1) empty njit call, same arrays": run_empty,
        "(p2) in-kernel step, one njit loop": run_in_kernel,
    }
    for f in lines.values():            # compile / load every kernel first
        f()
    best = {k: float("inf") for k in lines}
    orders = {}
    for _ in range(ROUNDS):
        for k, f in lines.items():
            dt, c = f()
            best[k] = min(best[k], dt)
            orders[k] = int(c.record["n_sent"])
    print(f"{n:,} real EURUSD ticks, ema_cross 50/200; best of {ROUNDS} interleaved rounds, "
          f"compile excluded")
    for k, dt in best.items():
        sent = "" if k.startswith(("(p0", "(p1")) else f"  orders {orders[k]:,}"
        print(f"{k:38s} {dt / n * 1e6:8.3f} us/event{sent}")
    per = best["(b) on_event() per event"] / n * 1e6
    floor = best["(p1) empty njit call, same arrays"] / n * 1e6
    batch = best["(c) on_events(), blocks of 64"] / n * 1e6
    inner = best["(p2) in-kernel step, one njit loop"] / n * 1e6
    flat_floor = best["(p0) empty njit call, 12 flat arguments"] / n * 1e6
    print(f"the call alone: 12 flat arguments {flat_floor:.3f} us vs the bundle's 5 {floor:.3f} us "
          f"({flat_floor / floor:.2f}x)")
    print(f"on_event / empty call: {per / floor:.2f}x (the core's own work per event: "
          f"{per - floor:.3f} us); blocks of 64 / in-kernel: {batch / inner:.1f}x; "
          f"on_event / blocks of 64: {per / batch:.1f}x")
    print("targets: per event <= 5 us (a, b), amortised on 64 <= 2 us (c)")


if __name__ == "__main__":
    main()
