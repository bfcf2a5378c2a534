"""Benchmark: a sweep of 1,000 ema_cross parameter sets over 1 M ticks (docs/research.md).

Prints, in one run:

(b) the kernel       each of the grid's 1,000 sets (fast 5..100 step 5 x slow 150..2600 step
                      50) as one warm ``Simulation.run()``, one after another, the
                      Simulation built before its ``run()`` is timed: their sum;
(a) ``sim.sweep``     the whole grid, store off, compile excluded (warmed): on one thread,
                      against (b) (what a sweep adds per set: config, parameter records,
                      journals, metrics), then on every core, against (b) / cores (the
                      issue's target: under 10 %; includes how well this machine's cores
                      scale: two vCPUs may share one physical core);
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
    ap.add_argument("--sample", type=int, default=1000,
                    help="parameter sets timed one by one for (b) (default: all)")
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
    walls = {}
    for n_jobs in (1, cores):
        t = time.perf_counter()
        frame = sim.sweep(table, grid, overrides, n_jobs=n_jobs, store=False, progress=False)
        walls[n_jobs] = time.perf_counter() - t
    kernel = per_run * len(points)
    print(f"(b) the kernel alone: {len(points):,} x {per_run * 1e3:.1f} ms = {kernel:.2f} s  "
          f"(one warm Simulation.run() per set, one after another: mean of {args.sample})")
    print(f"(a) sim.sweep, 1 thread   {walls[1]:8.2f} s  overhead {walls[1] / kernel - 1:+.1%} "
          f"(everything a sweep adds per set: config, records, journals, metrics)")
    if cores > 1:
        print(f"(a) sim.sweep, {cores} threads  {walls[cores]:8.2f} s  overhead "
              f"{walls[cores] / (kernel / cores) - 1:+.1%} against the kernel / {cores} "
              f"(target < 10 %); {cores} threads are {walls[1] / walls[cores]:.2f}x one")
    print(f"    {len(frame):,} sets ran, {len(points) * n / walls[cores] / 1e6:,.1f} M ticks/s "
          f"over the grid; best net P&L {frame['net_pnl'].max():,.2f}")
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
