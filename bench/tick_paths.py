"""Benchmark: nanoseconds per tick of the replay loop's paths, in one run.

On the synthetic EURUSD ticks of ``backtest_throughput.py`` (10 M by default), with the
full execution model of that bench, it times ``Simulation.run()`` for:

- no position: the scripted strategy with no rows (the quiet path: quote, strategy call,
  equity row time);
- one position held all run (one buy at the first tick): in the quiet band, and the
  same run with ``mark_every_tick=True`` (re-pricing, SL/TP scan, stop-out check and the
  equity sample on every tick) -- the band's gain is their ratio;
- ema_cross 50/200: the whole model, a reversal every ~156 ticks.

Each figure is the best of 3 after a compile/warm-up run; results of the band and the
every-tick run are checked equal.  Prints figures only.

    .venv/bin/python bench/tick_paths.py [--ticks 10000000]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from backtest_throughput import FAST, LOTS, SLOW, full_model, synth_ticks


def best_ns(make, n, repeat=3):
    make(20_000).run()
    best, res = float("inf"), None
    for _ in range(repeat):
        sim = make(None)
        t = time.perf_counter()
        res = sim.run()
        best = min(best, time.perf_counter() - t)
    return best * 1e9 / n, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=10_000_000)
    n = ap.parse_args().ticks
    import strategies.ema_cross as ec
    import strategies.scripted as sc
    from sim.batch.engine import Simulation
    from sim.core.enums import Action, OrderType
    from sim.data.symbols import load_symbol

    ts, bid, ask = synth_ticks(n)
    spec = load_symbol("EURUSD")
    ex, acct = full_model()

    def scripted(rows, every=False):
        p = sc.Params(rows=tuple(rows))
        e = dataclasses.replace(ex, mark_every_tick=every)

        def make(k):
            s = slice(None) if k is None else slice(0, k)
            return Simulation([spec], [(ts[s], bid[s], ask[s])], sc, sc.make_params(p), e, acct,
                              data=sc.make_data(p))
        return make

    def ema(k):
        s = slice(None) if k is None else slice(0, k)
        return Simulation([spec], [(ts[s], bid[s], ask[s])], ec,
                          ec.make_params(ec.Params(fast=FAST, slow=SLOW, lots=LOTS)), ex, acct)

    hold = [sc.row(int(ts[0]), Action.NEW, OrderType.BUY, 1.0)]
    empty, _ = best_ns(scripted([]), n)
    band, r1 = best_ns(scripted(hold), n)
    every, r2 = best_ns(scripted(hold, every=True), n)
    full, r3 = best_ns(ema, n)
    same = all(np.array_equal(getattr(r1, f), getattr(r2, f)) for f in ("deals", "equity"))
    print(f"{n:,} synthetic EURUSD ticks, full execution model; ns per tick, best of 3")
    print(f"  no position (quiet path)                      {empty:6.1f} ns")
    print(f"  one position, quiet band                      {band:6.1f} ns   "
          f"({int(r1.account[0]['band_spans']):,} band spans)")
    print(f"  one position, re-priced every tick            {every:6.1f} ns   "
          f"(results identical: {same})")
    print(f"  ema_cross 50/200, {len(r3.deals):,} deals               {full:6.1f} ns")
    print(f"ratio every-tick / band = {every / band:.2f}  (the band's speed-up on a held position)")


if __name__ == "__main__":
    main()
