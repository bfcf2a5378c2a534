"""Benchmark: backtest throughput of ml_scalper (features on every tick) vs ema_cross, one run.

On the synthetic EURUSD ticks of ``backtest_throughput.py`` (10 M by default, about 29
days), with the same full execution model (constant latency 20 + 5 + 20 ms, sampled
slippage, commission, swaps, stop-out, netting, 1 M USD), it times ``Simulation.run()``:

- ml_scalper, logistic model, threshold 0.6, the strategy compiled into the loop
  (``strategy_call=inline``, what ``auto`` picks above 5 M ticks): the features (returns
  over 1 tick / 5 / 30 / 120 s, spread, tick intensity, volatility, imbalance, gap, EMA
  distance) are updated on every tick and the model scores every tick on which the
  strategy is flat with no order in flight, which on a random walk is nearly every tick
  (the model finds nothing to trade on);
- the same with the tree ensemble (30 trees of depth 3);
- the logistic model at threshold 0.5001, so it trades whenever it is flat (SL/TP 20
  points, a 30 s time exit): the venue busy with orders, fills and SL/TP;
- the logistic model called by address (``strategy_call=pointer``);
- the peer: ema_cross 50/200, inlined, on the same ticks and execution model (as in
  ``backtest_throughput.py``);
- the feature kernel alone, in a bare loop (no backtest).

The models are trained by ``sim.train`` (walk-forward, 4 h windows) on the first 400,000
ticks and used for all of them.  Compilation is excluded (a warm-up run on 20,000 ticks
first); the runs are interleaved over 5 rounds and each keeps its best time.  Prints
figures only.

    .venv/bin/python bench/ml_scalper.py [--ticks 10000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from backtest_throughput import FAST, LOTS, SLOW, full_model, synth_ticks
from numba import njit

from strategies._ml_features import NF, feat_dt, features_update_nb

ROUNDS = 5
TRAIN_TICKS = 400_000


def train_models(ts, bid, ask, folder: Path) -> dict:
    import strategies.ml_scalper as ms
    from sim.train import train, write

    out = {}
    for kind in ("logistic", "gbt"):
        p = ms.Params(model_type=kind)
        t = time.perf_counter()
        model = train(ts[:TRAIN_TICKS], bid[:TRAIN_TICKS], ask[:TRAIN_TICKS], 1e-5, p, "EURUSD")
        path = folder / f"{kind}.json"
        sha = write(model, path)
        aucs = [s["test"]["auc"] for s in model["segments"] if s["test"]["auc"] is not None]
        print(f"trained {kind} on {TRAIN_TICKS:,} ticks in {time.perf_counter() - t:.1f} s: "
              f"{len(model['segments'])} segments, mean out-of-sample AUC "
              f"{np.mean(aucs):.3f} (a random walk)")
        out[kind] = replace(p, model=str(path), model_sha256=sha)
    out["busy"] = replace(out["logistic"], threshold=0.5001)
    return out


@njit(nogil=True)
def features_only_nb(ts, bid, ask, inv_point, f, x):
    """The feature kernel over the ticks, nothing else (a sum keeps it from being elided)."""
    st = f[0]
    s = 0.0
    k = 0
    for i in range(ts.shape[0]):
        if features_update_nb(st, ts[i], bid[i], ask[i], inv_point, x):
            s += x[1] + x[5]
            k += 1
    return s, k


def runner(mod, p, ts, bid, ask, by_address=False):
    from sim.batch.engine import Simulation
    from sim.data.symbols import load_symbol
    from sim.strategy_wrapper import strategy_address

    spec = load_symbol("EURUSD")
    params, data = mod.make_params(p), mod.make_data(p)
    ex, acct = full_model()
    address = strategy_address(mod, mod.make_state(), params, data) if by_address else 0

    def run(k=None):
        s = slice(None) if k is None else slice(0, k)
        return Simulation([spec], [(ts[s], bid[s], ask[s])], mod, params, ex, acct, data=data,
                          fn_address=address).run()

    run(20_000)                                       # compile (or load the numba cache)
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=10_000_000)
    args = ap.parse_args()
    n = args.ticks

    import strategies.ema_cross as ec
    import strategies.ml_scalper as ms

    t = time.perf_counter()
    ts, bid, ask = synth_ticks(n)
    print(f"{n:,} synthetic EURUSD ticks generated in {time.perf_counter() - t:.1f} s; full "
          f"execution model; best of {ROUNDS} interleaved rounds, compile excluded")
    folder = Path(tempfile.mkdtemp(prefix="ticklab-bench-ml-"))
    models = train_models(ts, bid, ask, folder)

    t = time.perf_counter()
    engines = {
        "logistic": runner(ms, models["logistic"], ts, bid, ask),
        "gbt": runner(ms, models["gbt"], ts, bid, ask),
        "busy": runner(ms, models["busy"], ts, bid, ask),
        "pointer": runner(ms, models["logistic"], ts, bid, ask, by_address=True),
        "ema_cross": runner(ec, ec.Params(fast=FAST, slow=SLOW, lots=LOTS), ts, bid, ask),
    }
    x = np.zeros(NF)
    engines["features"] = lambda: features_only_nb(ts, bid, ask, 1e5, np.zeros(1, feat_dt), x)
    engines["features"]()
    print(f"kernels compiled or loaded in {time.perf_counter() - t:.1f} s")
    best = {k: (float("inf"), None) for k in engines}
    for _ in range(ROUNDS):
        for k, fn in engines.items():
            t = time.perf_counter()
            res = fn()
            dt = time.perf_counter() - t
            if dt < best[k][0]:
                best[k] = (dt, res)

    def line(label, k):
        dt, r = best[k]
        if isinstance(r, tuple):
            what = f"{r[1]:,} vectors ready"
        else:
            st = r.sstate[0]
            what = f"trades {len(r.trades):,}, deals {len(r.deals):,}"
            if "longs" in st.dtype.names:
                what += (f", entries {int(st['longs']) + int(st['shorts']):,}, time exits "
                         f"{int(st['exits']):,}")
        print(f"{label:<40} {n / dt:>13,.0f} ticks/s {dt * 1e9 / n:6.1f} ns/tick  {what}")

    line("ml_scalper logistic, threshold 0.6", "logistic")
    line("ml_scalper 30 trees depth 3, 0.6", "gbt")
    line("ml_scalper logistic, 0.5001 (busy)", "busy")
    line("ml_scalper logistic, 0.6, by address", "pointer")
    line("peer: ema_cross 50/200", "ema_cross")
    line("feature kernel alone (bare loop)", "features")
    peer = n / best["ema_cross"][0]
    rates = {k: n / best[k][0] for k in ("logistic", "gbt", "busy", "pointer")}
    print("ratio to ema_cross: " + ", ".join(f"{k} {v / peer:.3f}" for k, v in rates.items()))
    print(f"target >= 10 M ticks/s with features on every tick (logistic, threshold 0.6): "
          f"{'met' if rates['logistic'] >= 10e6 else 'NOT met'} ({rates['logistic'] / 1e6:.1f} M)")


if __name__ == "__main__":
    main()
