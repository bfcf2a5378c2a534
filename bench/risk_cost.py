"""Benchmark: what the risk stage costs, per strategy, in one run.

On the synthetic EURUSD ticks of ``backtest_throughput.py`` (5 M by default), for each
bundled strategy it times a full backtest (``sim.pipeline.build_simulation`` from the
same config as ``ticklab backtest``, the realistic execution model) with ``risk=default``,
with ``risk=prop_firm`` (every monitor on: daily loss, drawdown, losing streak, spread,
throttle, blackout) and with ``risk=off``, and prints ticks/s, the ratios to ``risk=off``
(the issue's target: the risk stage costs under 20 %) and each strategy's ``risk=off``
speed against ``ema_cross`` with ``risk=off``.  Runs are interleaved over 3 rounds, each
keeping its best time, after a warm-up run that compiles.  Prints figures only.

    .venv/bin/python bench/risk_cost.py [--ticks 5000000] [--strategies ema_cross,breakout]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from backtest_throughput import synth_ticks

from sim.api import compose
from sim.data import TickTable
from sim.pipeline import build_simulation

GROUPS = ("off", "default", "prop_firm")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=5_000_000)
    ap.add_argument("--strategies", default="ema_cross,mean_reversion,breakout,ml_scalper")
    ap.add_argument("--call", default="pointer", help="strategy_call: pointer or inline")
    args = ap.parse_args()
    ts, bid, ask = synth_ticks(args.ticks)
    table = TickTable({"ts": ts, "bid": bid, "ask": ask}, symbol="EURUSD")
    conf = Path(__file__).resolve().parent.parent / "conf" / "strategy"
    names = [s for s in args.strategies.split(",") if (conf / f"{s}.yaml").exists()]

    def sim(name, group):
        cfg = compose([f"strategy={name}", f"risk={group}", f"strategy_call={args.call}"])
        return build_simulation(cfg, [table])

    best, trades = {}, {}
    for name in names:
        for group in GROUPS:
            sim(name, group).run()                         # compile / warm
            best[name, group] = float("inf")
    for _ in range(3):
        for name in names:
            for group in GROUPS:
                s = sim(name, group)
                t = time.perf_counter()
                r = s.run()
                best[name, group] = min(best[name, group], time.perf_counter() - t)
                trades[name, group] = (len(r.trades), len(r.risk_events))
    n = args.ticks
    print(f"{n:,} synthetic EURUSD ticks, realistic execution, strategy_call={args.call}; "
          f"best of 3, interleaved")
    print(f"{'strategy':16} {'risk':10} {'M ticks/s':>10} {'vs off':>8} {'vs ema_cross off':>17}"
          f" {'trades':>7} {'risk rows':>10}")
    base = n / best["ema_cross", "off"] if ("ema_cross", "off") in best else float("nan")
    for name in names:
        off = n / best[name, "off"]
        for group in GROUPS:
            rate = n / best[name, group]
            print(f"{name:16} {group:10} {rate / 1e6:10.1f} {rate / off:8.3f} {rate / base:17.3f}"
                  f" {trades[name, group][0]:7d} {trades[name, group][1]:10d}")


if __name__ == "__main__":
    main()
