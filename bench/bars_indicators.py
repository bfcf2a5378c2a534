"""Benchmark: the per-tick cost of bars and indicators inside the kernel, in one run.

On the synthetic EURUSD ticks of ``backtest_throughput.py`` (10 M by default, about 29
days) it times three njit loops over the same ticks and prints ns per tick:

- bare: reads every tick and sums the mid (the floor any per-tick work adds to);
- bars + 3 on bars: M1 bars (``bar_update_nb``) plus EMA(20), Wilder ATR(14) and Wilder
  RSI(14) updated on each bar close -- what an M1 scalper does;
- bars + 3 on ticks: the same M1 bars plus EMA(50), a 200-tick z-score (``rolling``)
  and a 100-tick rolling high/low updated on *every* tick.

The cost of bars and indicators is each loop minus the bare one.  The peer is pandas
doing the same M1 bars and bar indicators vectorised (``resample().ohlc()``, ``ewm``,
and the Wilder recursions as ``ewm(alpha=1/n)``), whole-array and after the fact: it
cannot run per event in live, and is shown for scale.  Loops are interleaved over 5
rounds, each keeping its best time; the final states are checked equal to the pandas
figures.  Prints figures only.

    .venv/bin/python bench/bars_indicators.py [--ticks 10000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from backtest_throughput import synth_ticks

from sim.core.bars import bar_nb, bar_update_nb, bars_dt, timeframe_ns
from sim.core.indicators import (
    atr_dt,
    atr_update_nb,
    ema_dt,
    ema_update_nb,
    extreme_dt,
    extreme_update_nb,
    rolling_dt,
    rolling_update_nb,
    rsi_dt,
    rsi_update_nb,
    zscore_nb,
)
from sim.jit_cache import kernel

state_dt = np.dtype([("m1", bars_dt), ("ema", ema_dt), ("atr", atr_dt), ("rsi", rsi_dt),
                     ("tema", ema_dt), ("z", rolling_dt), ("hl", extreme_dt),
                     ("out", np.float64, (4,))], align=True)


@kernel
def bare_nb(ts, bid, ask):
    acc = 0.0
    for i in range(len(ts)):
        acc += 0.5 * (bid[i] + ask[i])
    return acc


@kernel
def on_bars_nb(st, tf, ts, bid, ask):
    acc = 0.0
    m1 = st["m1"]
    for i in range(len(ts)):
        acc += 0.5 * (bid[i] + ask[i])
        if bar_update_nb(m1, tf, ts[i], bid[i], ask[i], 0):
            b = bar_nb(m1, 1)
            st["out"][0] = ema_update_nb(st["ema"], b["close"], 20)
            st["out"][1] = atr_update_nb(st["atr"], b["high"], b["low"], b["close"], 14)
            st["out"][2] = rsi_update_nb(st["rsi"], b["close"], 14)
    return acc


@kernel
def on_ticks_nb(st, tf, ts, bid, ask):
    acc = 0.0
    m1 = st["m1"]
    z = st["z"]
    hl = st["hl"]
    for i in range(len(ts)):
        mid = 0.5 * (bid[i] + ask[i])
        acc += mid
        bar_update_nb(m1, tf, ts[i], bid[i], ask[i], 0)
        st["out"][0] = ema_update_nb(st["tema"], mid, 50)
        rolling_update_nb(z, mid, 200)
        extreme_update_nb(hl, mid, 100)
    st["out"][3] = zscore_nb(z)
    return acc


def pandas_bars(ts, bid):
    bars = pd.Series(bid, index=pd.to_datetime(ts)).resample("1min").ohlc().dropna()
    c, h, lo = bars["close"], bars["high"], bars["low"]
    ema = c.ewm(span=20, adjust=False).mean()
    tr = np.maximum(h, c.shift()).fillna(h) - np.minimum(lo, c.shift()).fillna(lo)
    atr = tr.ewm(alpha=1 / 14, adjust=False).mean()
    d = c.diff()
    rs = d.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean() / \
        (-d.clip(upper=0)).ewm(alpha=1 / 14, adjust=False).mean()
    return bars, ema, atr, 100 - 100 / (1 + rs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=10_000_000)
    n = ap.parse_args().ticks
    ts, bid, ask = synth_ticks(n)
    tf = timeframe_ns("M1")
    small = slice(0, 10_000)
    bare_nb(ts[small], bid[small], ask[small])
    on_bars_nb(np.zeros(1, state_dt)[0], tf, ts[small], bid[small], ask[small])
    on_ticks_nb(np.zeros(1, state_dt)[0], tf, ts[small], bid[small], ask[small])
    pandas_bars(ts[small], bid[small])

    best = {"bare": np.inf, "bars": np.inf, "ticks": np.inf, "pandas": np.inf}
    for _ in range(5):
        t = time.perf_counter()
        bare_nb(ts, bid, ask)
        best["bare"] = min(best["bare"], time.perf_counter() - t)
        sb = np.zeros(1, state_dt)
        t = time.perf_counter()
        on_bars_nb(sb[0], tf, ts, bid, ask)
        best["bars"] = min(best["bars"], time.perf_counter() - t)
        stt = np.zeros(1, state_dt)
        t = time.perf_counter()
        on_ticks_nb(stt[0], tf, ts, bid, ask)
        best["ticks"] = min(best["ticks"], time.perf_counter() - t)
        t = time.perf_counter()
        bars, ema, atr, rsi = pandas_bars(ts, bid)
        best["pandas"] = min(best["pandas"], time.perf_counter() - t)

    # the kernel's last closed bar is pandas' second to last (the last is still forming)
    got = sb[0]["out"][:3]
    want = np.array([ema.iloc[-2], atr.iloc[-2], rsi.iloc[-2]])
    ok = np.allclose(got, want, rtol=1e-9) and sb[0]["m1"]["n"] == len(bars) - 1
    ns = {k: v * 1e9 / n for k, v in best.items()}
    print(f"{n:,} ticks, {len(bars):,} M1 bars; best of 5, interleaved")
    print(f"  bare loop                      {ns['bare']:6.2f} ns/tick")
    print(f"  M1 bars + EMA/ATR/RSI on bars  {ns['bars']:6.2f} ns/tick  "
          f"cost {ns['bars'] - ns['bare']:5.2f} ns/tick")
    print(f"  M1 bars + EMA/z-score/high-low on every tick  {ns['ticks']:6.2f} ns/tick  "
          f"cost {ns['ticks'] - ns['bare']:5.2f} ns/tick")
    print(f"  peer: pandas resample + ewm, vectorised after the fact  {ns['pandas']:6.2f} ns/tick")
    print(f"ratio pandas / kernel (bars + 3 on bars): {ns['pandas'] / ns['bars']:.1f}x; "
          f"final EMA/ATR/RSI equal to pandas: {ok}")


if __name__ == "__main__":
    main()
