"""Benchmark: peak resident memory of a ticklab backtest on N ticks (default 100 M).

Runs the backtest in a FRESH subprocess: imports, numba warm-up on 20,000 ticks, then
N synthetic EURUSD ticks (``backtest_throughput.synth_ticks``) are generated block by
block straight into preallocated int64 ts + float64 bid + float64 ask arrays (24 bytes
a tick, 2.4 GB for 100 M; generation holds one 1 M-tick block of temporaries), then
``Simulation.run()`` replays them with ema_cross (50/200) and the full execution model
(the throughput bench's: latency 20+5+20 ms, slippage, commission, swaps, stop-out).

The parent samples the child's RSS with psutil every 10 ms, per phase, and the child
reports its exact high-water mark (``ru_maxrss``).  Printed: the size of the tick arrays,
the RSS before the ticks exist (interpreter + numpy/pandas/numba + compiled kernels),
the peak RSS while generating and while running, and ticklab's overhead = peak during
the run - RSS before the ticks - tick arrays.  Times of generation and run are printed
too.  No asserts.

    .venv/bin/python bench/memory_100m.py [--ticks 100000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1024 * 1024


def child(n: int) -> None:
    import resource

    import numpy as np
    import psutil

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    from backtest_throughput import FAST, LOTS, SLOW, full_model, synth_ticks

    import strategies.ema_cross as ec
    from sim.batch.engine import Simulation
    from sim.data.symbols import load_symbol

    proc = psutil.Process()
    spec = load_symbol("EURUSD")
    params = ec.make_params(ec.Params(fast=FAST, slow=SLOW, lots=LOTS))
    ex, acct = full_model()
    w = synth_ticks(20_000)
    Simulation([spec], [w], ec, params, ex, acct).run()      # compile / load the cache
    del w

    def say(**kw):
        print(json.dumps(kw), flush=True)

    say(phase="generate", rss=proc.memory_info().rss)
    t = time.perf_counter()
    ts, bid, ask = np.empty(n, np.int64), np.empty(n), np.empty(n)
    synth_ticks(n, out=(ts, bid, ask))
    t_gen = time.perf_counter() - t
    say(phase="run", rss=proc.memory_info().rss)
    t = time.perf_counter()
    r = Simulation([spec], [(ts, bid, ask)], ec, params, ex, acct).run()
    t_run = time.perf_counter() - t
    say(phase="done", rss=proc.memory_info().rss, t_gen=t_gen, t_run=t_run,
        tick_bytes=ts.nbytes + bid.nbytes + ask.nbytes, n=n,
        maxrss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        deals=len(r.deals), trades=len(r.trades), equity_rows=len(r.equity),
        signals=int(r.sstate[0]["signals"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=100_000_000)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.ticks)
        return

    import psutil

    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, __file__, "--child", "--ticks", str(args.ticks)],
                         stdout=subprocess.PIPE, text=True, cwd=ROOT,
                         env=os.environ | {"PYTHONPATH": str(ROOT)})
    msgs: dict[str, dict] = {}
    phase = ["start"]

    def reader():
        for line in p.stdout:
            m = json.loads(line)
            msgs[m["phase"]] = m
            phase[0] = m["phase"]

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    ps = psutil.Process(p.pid)
    peak: dict[str, int] = {}
    while p.poll() is None:
        try:
            rss = ps.memory_info().rss
        except psutil.NoSuchProcess:
            break
        peak[phase[0]] = max(peak.get(phase[0], 0), rss)
        time.sleep(0.01)
    th.join()
    wall = time.perf_counter() - t0
    if p.returncode != 0 or "done" not in msgs:
        sys.exit(f"child failed with exit code {p.returncode}")

    d = msgs["done"]
    base = msgs["generate"]["rss"]
    ticks = d["tick_bytes"]
    run_peak = max(peak.get("run", 0), d["rss"], msgs["run"]["rss"])
    over = run_peak - base - ticks
    print(f"{d['n']:,} ticks, ema_cross {d['signals']:,} signals, {d['deals']:,} deals, "
          f"{d['trades']:,} trades, {d['equity_rows']:,} equity rows (full execution model)")
    print(f"tick arrays (ts int64 + bid + ask float64) {ticks / MB:10,.0f} MB")
    print(f"RSS before the ticks (imports + kernels)    {base / MB:10,.0f} MB")
    print(f"peak RSS while generating the ticks         {peak.get('generate', 0) / MB:10,.0f} MB"
          f"  (sampled every 10 ms)")
    print(f"peak RSS during Simulation.run()            {run_peak / MB:10,.0f} MB"
          f"  (sampled every 10 ms)")
    print(f"high-water mark of the process (ru_maxrss)  {d['maxrss'] / MB:10,.0f} MB")
    print(f"ticklab overhead = run peak - before - ticks {over / MB:9,.0f} MB "
          f"({over / ticks:.1%} of the tick arrays, {over / d['n']:.2f} bytes/tick)")
    print(f"time: generate {d['t_gen']:.1f} s, run {d['t_run']:.1f} s "
          f"({d['n'] / d['t_run']:,.0f} ticks/s), whole child process {wall:.1f} s")


if __name__ == "__main__":
    main()
