"""Benchmark: a sweep of 1,000 ema_cross parameter sets over 1 M ticks (docs/research.md).

Prints, in one run:

(a) ``sim.sweep``     the whole grid (fast 5..100 step 5 x slow 150..2600 step 50: 1,000
                      sets), every core, store off: wall time, compile excluded (warmed);
(b) the ideal         1,000 x one warm ``Simulation.run()`` on the same ticks, divided by the
                      cores (b's per-run time is measured on a sample of the same parameter
                      sets, each Simulation built before its ``run()`` is timed);
    overhead          (a) / (b) - 1: everything a sweep adds to the kernel's work (config,
                      parameter records, journals, metrics, threads).  Target: under 10 %;
(c) vectorbt          the same grid broadcast as vectorbt does it (``MA.run`` with
                      ``ewm=True`` for both spans, crossings, ``Portfolio.from_signals``) on
                      as many columns as fit in ``--vbt-gb``: its time and peak memory
                      (tracemalloc), extrapolated to the 1,000 columns.

The full execution model as in bench/backtest_throughput.py (latency, slippage,
commission, swaps).  Synthetic EURUSD ticks (that benchmark's generator).  No asserts.

    .venv/bin/python bench/sweep.py [--ticks 1000000] [--sample 60] [--vbt-gb 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backtest_throughput import full_model, synth_ticks

FAST = list(range(5, 101, 5))
SLOW = list(range(150, 2601, 50))
LOTS = 0.1


def frame_of(ts, bid, ask):
    import pandas as pd

    return pd.DataFrame({"ts": ts, "bid": bid, "ask": ask})


def overrides_of():
    """bench/backtest_throughput.py's full model as Hydra overrides."""
    ex, acct = full_model()
    return ["execution.submit_latency={kind: constant, a: 20.0, b: 0.0}",
            "execution.venue_latency={kind: constant, a: 5.0, b: 0.0}",
            "execution.report_latency={kind: constant, a: 20.0, b: 0.0}",
            f"execution.slippage={{kind: sampled, a: {ex.slippage.a}, b: {ex.slippage.b}}}",
            f"account.balance={acct.balance}", f"strategy.lots={LOTS}"]


def ideal_per_run(table, grid_points, k: int, overrides) -> float:
    """Mean time of one warm ``Simulation.run()`` over ``k`` of the grid's parameter sets."""
    from sim.api import compose
    from sim.sweeps import Plan

    plan = Plan(compose(overrides), [table])
    rng = np.random.default_rng(1)
    pick = rng.choice(len(grid_points), size=min(k, len(grid_points)), replace=False)
    plan.simulation(plan.parts(grid_points[0])).warm()
    total = 0.0
    for i in pick:
        sim = plan.simulation(plan.parts(grid_points[int(i)]))
        t = time.perf_counter()
        sim.run()
        total += time.perf_counter() - t
    return total / len(pick)


def bench_vectorbt(bid, ask, cols: int):
    import pandas as pd
    import vectorbt as vbt

    mid = pd.Series((bid + ask) / 2.0)
    pairs = [(f, s) for f in FAST for s in SLOW][:cols]

    def run(mid=mid, pairs=pairs):
        fast = vbt.MA.run(mid, window=[f for f, _ in pairs], ewm=True, short_name="fast")
        slow = vbt.MA.run(mid, window=[s for _, s in pairs], ewm=True, short_name="slow")
        up = fast.ma.to_numpy() > slow.ma.to_numpy()
        prev = np.vstack([np.zeros((1, up.shape[1]), bool), up[:-1]])
        buy, sell = up & ~prev, ~up & prev
        k = len(mid)
        price = np.where(buy, ask[:k, None], bid[:k, None])
        pf = vbt.Portfolio.from_signals(price, entries=buy, short_entries=sell,
                                        size=LOTS * 100_000, size_type="amount",
                                        upon_opposite_entry="reverse", init_cash=1e12)
        return pf.total_profit()

    run(mid.iloc[:5000], pairs[:2])                   # JIT warm-up, not timed
    tracemalloc.start()
    t = time.perf_counter()
    run()
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    import sim

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=60,
                    help="parameter sets timed one by one for (b)")
    ap.add_argument("--vbt-gb", type=float, default=4.0,
                    help="memory budget for vectorbt's broadcast (GB)")
    args = ap.parse_args()
    n = args.ticks
    ts, bid, ask = synth_ticks(n)
    cores = len(os.sched_getaffinity(0))
    grid = {"strategy.fast": FAST, "strategy.slow": SLOW}
    points = [{"strategy.fast": f, "strategy.slow": s} for f in FAST for s in SLOW]
    overrides = overrides_of()
    from sim.pipeline import from_frame

    table = from_frame(frame_of(ts, bid, ask), "EURUSD")
    print(f"{n:,} synthetic EURUSD ticks; ema_cross, {len(points):,} parameter sets "
          f"(fast {FAST[0]}..{FAST[-1]} x slow {SLOW[0]}..{SLOW[-1]}); {cores} cores; full "
          f"execution model")
    sim.sweep(table, {"strategy.fast": [10]}, overrides, store=False, progress=False)  # warm
    per_run = ideal_per_run(table, points, args.sample, overrides)
    t = time.perf_counter()
    frame = sim.sweep(table, grid, overrides, n_jobs=cores, store=False, progress=False)
    wall = time.perf_counter() - t
    ideal = per_run * len(points) / cores
    print(f"(a) sim.sweep, {cores} threads     {wall:8.2f} s  {len(frame):,} sets ran, "
          f"{len(points) * n / wall / 1e6:,.1f} M ticks/s over the grid; best net P&L "
          f"{frame['net_pnl'].max():,.2f}")
    print(f"(b) ideal: {len(points):,} x {per_run * 1e3:.1f} ms / {cores}  {ideal:8.2f} s  "
          f"(one warm Simulation.run(), mean of {args.sample} sets of the grid)")
    print(f"    overhead                {wall / ideal - 1:+8.1%}  (target < 10 %)")
    try:
        import vectorbt  # noqa: F401
    except ImportError:
        print("(c) vectorbt  not installed: skipped (pip install -e '.[research]')")
        return
    per_col = 8 * n * 6                       # rough: two MAs, price, signals, records
    cols = max(2, min(len(points), int(args.vbt_gb * 1e9 / per_col)))
    secs, peak = bench_vectorbt(bid, ask, cols)
    full_gb = peak / cols * len(points) / 1e9
    print(f"(c) vectorbt, {cols} of {len(points):,} columns  {secs:8.2f} s  peak "
          f"{peak / 1e9:.2f} GB; the whole grid at that rate: "
          f"{secs / cols * len(points):,.1f} s and {full_gb:,.1f} GB "
          f"({'fits' if full_gb < 20 else 'does not fit'} in this machine's 24 GB); "
          f"zero-latency fills, no costs")


if __name__ == "__main__":
    main()
