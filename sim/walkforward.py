"""``sim.walk_forward``: choose parameters in-sample, trade them on the next window out of
sample, move on (docs/research.md, "Walk-forward").

Each window sweeps the grid over its in-sample ticks (``sim.sweeps.evaluate``: shared
ticks, threads), keeps the best set by ``metric`` and replays it once over the
out-of-sample ticks that follow.  Rolling windows keep the in-sample length; anchored
ones grow from the first tick.  The out-of-sample runs are stitched into one equity
curve: each starts from the same balance and is shifted by the net P&L of the windows
before it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.sweeps import Plan, SweepError, check_axes, evaluate, grid_points, jobs

NS_DAY = 86_400 * 10**9


UNITS = {"w": 7 * NS_DAY, "d": NS_DAY, "h": 3600 * 10**9, "min": 60 * 10**9, "m": 60 * 10**9,
         "s": 10**9}
SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|W|d|D|h|H|min|m|s|S)\s*$")   # M: month? refused


def span_ns(text, what: str) -> int:
    """A window length: ``"12h"``, ``"2d"``, ``"90min"`` (or ``"90m"``), ``"1w"``, ``"30s"``."""
    m = SPAN.match(str(text))
    ns = int(float(m.group(1)) * UNITS[m.group(2) if m.group(2) == "min" else
                                         m.group(2).lower()]) if m else 0
    if ns <= 0:
        raise SweepError(f"{what}={text!r}: expected a length such as 12h, 2d, 90min or 1w")
    return ns


def windows(t0: int, t1: int, train: int, test: int, step: int | None = None,
            anchored: bool = False) -> list[tuple[int, int, int, int]]:
    """(train start, train end = test start, test start, test end) in ns UTC for ticks in
    [t0, t1]: test windows of ``test`` every ``step`` (default ``test``), the first after
    ``train``; the last one may be shorter (it ends with the data).  Windows start on the
    whole day, hour, minute or second before ``t0`` that the lengths are multiples of."""
    step = step or test
    unit = next((u for u in (NS_DAY, 3600 * 10**9, 60 * 10**9, 10**9)
                 if train % u == 0 and step % u == 0 and test % u == 0), 1)
    t0 -= t0 % unit
    out = []
    start = t0 + train
    while start <= t1:
        out.append((t0 if anchored else start - train, start, start, min(start + test, t1 + 1)))
        start += step
    return out


@dataclass
class WalkForwardResult:
    """A walk-forward run.

    Attributes:
        windows: one row per window: its in- and out-of-sample spans, the parameters
            chosen, the in-sample metric and the out-of-sample metrics side by side.
        equity: the stitched out-of-sample equity curve (``ts``, ``equity``, ``window``).
        metrics: out-of-sample totals: ``net_pnl``, ``n_trades``, ``windows``,
            ``profitable_windows``, ``skipped_windows`` (no ticks in or out of sample, or
            the metric undefined in-sample: not traded), ``max_dd`` of the stitched curve,
            and the walk-forward
            efficiency ``wfe`` (out-of-sample P&L per day over in-sample P&L per day of the
            chosen sets; NaN when the in-sample P&L is not positive).
        axes: the grid's axes.
    """

    windows: pd.DataFrame
    equity: pd.DataFrame
    metrics: dict
    axes: list[str]

    def __repr__(self) -> str:
        m = self.metrics
        return (f"WalkForwardResult({m['windows']} windows, out-of-sample net P&L "
                f"{m['net_pnl']:,.2f}, {m['n_trades']} trades, WFE {m['wfe']:.2f})")


def walk_forward(ticks=None, grid: dict | None = None, overrides=(), *, train, test,
                 step=None, anchored: bool = False, metric: str = "net_pnl",
                 n_jobs: int = -1, progress: bool = True,
                 symbol: str | None = None) -> WalkForwardResult:
    """Walk-forward optimisation of ``grid`` (``sim.sweep``'s axes) over the ticks.

    Args:
        ticks, overrides, symbol: as ``sim.sweep``.
        grid: the axes and their values, optimised in each in-sample window.
        train, test, step: window lengths (``"12h"``, ``"2d"``...); ``step`` defaults to
            ``test`` (out-of-sample windows back to back).
        anchored: in-sample windows all start at the first tick (else they roll).
        metric: what "best" means in-sample (``docs/metrics.md``; drawdowns and costs:
            smaller is better).
        n_jobs: threads for each in-sample sweep; -1 every core.
        progress: print one line per window.
    """
    from sim.api import compose, tick_tables
    from sim.metrics import compute_metrics
    from sim.pipeline import load_data
    from sim.sweep_report import LOWER_IS_BETTER, check_metric

    check_metric(metric)
    cfg = compose(overrides)
    grid = check_axes(cfg, grid or {})
    n_jobs = jobs(n_jobs)
    tables = tick_tables(ticks, cfg, symbol)
    tables = tables if tables is not None else load_data(cfg)
    t0 = min(int(t.ts[0]) for t in tables if len(t))
    t1 = max(int(t.ts[-1]) for t in tables if len(t))
    n_test = span_ns(test, "test")
    n_step = span_ns(step, "step") if step is not None else None
    if n_step is not None and n_step < n_test:
        raise SweepError(f"step={step} is shorter than test={test}: out-of-sample windows "
                         f"would overlap and count the same ticks twice")
    spans = windows(t0, t1, span_ns(train, "train"), n_test, n_step, anchored)
    if not spans:
        raise SweepError(f"train={train}: longer than the data "
                         f"({(t1 - t0) / 3.6e12:.1f} h): no out-of-sample window")
    values = grid_points(grid)
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    base = float(cfg.account.balance)        # the stitched curve starts here
    rows, curves, offset, gaps = [], [], 0.0, []
    for k, (a, b, c, d) in enumerate(spans):
        ins_t = [t.between(a, b) for t in tables]
        oos_t = [t.between(c, d) for t in tables]
        if not sum(map(len, ins_t)) or not sum(map(len, oos_t)):
            gaps.append(k)                   # no ticks in-sample or out of sample (a gap)
            continue
        points, _ = evaluate(Plan(cfg, ins_t), values, n_jobs)
        ran = [p for p in points if p.metrics]
        if not ran:
            raise SweepError(f"window {k}: no parameter set ran in-sample "
                             f"({points[0].skipped or points[0].failed})")
        scored = [(sign * p.metrics[metric], -p.index, p) for p in ran
                  if not math.isnan(p.metrics[metric])]
        if not scored:                       # the metric is undefined for every set
            gaps.append(k)
            continue
        best = max(scored)[2]
        oos = Plan(cfg, oos_t)
        parts = oos.parts(best.values)
        result = oos.simulation(parts).run()
        balance = float(parts["account"].balance)
        m = compute_metrics(result, balance, str(parts["account"].server_tz))
        eq = result.equity
        curves.append(pd.DataFrame({"ts": pd.to_datetime(eq["ts"], utc=True),
                                    "equity": eq["equity"] - balance + base + offset,
                                    "window": k}))
        rows.append({"window": k, "train_start": _utc(a), "train_end": _utc(b),
                     "test_start": _utc(c), "test_end": _utc(d), **best.values,
                     f"is_{metric}": best.metrics[metric],
                     "is_net_pnl": best.metrics["net_pnl"], "is_days": (b - a) / NS_DAY,
                     "oos_net_pnl": m["net_pnl"], "oos_trades": m["n_trades"],
                     "oos_win_rate": m["win_rate"], "oos_max_dd_pct": m["max_dd_pct"],
                     "oos_sharpe": m["sharpe"], "oos_days": (d - c) / NS_DAY,
                     "is_sets": len(ran)})
        offset += m["net_pnl"]
        if progress:
            chosen = " ".join(f"{key}={v}" for key, v in best.values.items())
            print(f"window {k}: in-sample {_utc(a):%m-%d %H:%M}–{_utc(b):%m-%d %H:%M} chose "
                  f"{chosen} ({metric} {best.metrics[metric]:,.4g}); out-of-sample to "
                  f"{_utc(d):%m-%d %H:%M}: net P&L {m['net_pnl']:,.2f}, "
                  f"{m['n_trades']} trades", flush=True)
    if not rows:
        raise SweepError(f"no window could choose a set: no ticks, or {metric} undefined in "
                         f"every in-sample window (e.g. sharpe needs two days)")
    frame = pd.DataFrame(rows)
    equity = pd.concat(curves, ignore_index=True)
    totals = _totals(frame, equity, float(cfg.account.balance))
    totals["skipped_windows"] = gaps
    return WalkForwardResult(frame, equity, totals, list(grid))


def _utc(ns: int) -> pd.Timestamp:
    return pd.Timestamp(int(ns), tz="UTC")


def _totals(frame: pd.DataFrame, equity: pd.DataFrame, balance: float) -> dict:
    e = equity["equity"].to_numpy()
    peak = np.maximum.accumulate(np.r_[balance, e])[1:]
    is_rate = (frame["is_net_pnl"] / frame["is_days"]).mean()
    oos_rate = frame["oos_net_pnl"].sum() / frame["oos_days"].sum()
    return {"windows": len(frame), "net_pnl": float(frame["oos_net_pnl"].sum()),
            "n_trades": int(frame["oos_trades"].sum()),
            "profitable_windows": int((frame["oos_net_pnl"] > 0).sum()),
            "max_dd": float((peak - e).max()) if len(e) else 0.0,
            "wfe": float(oos_rate / is_rate) if is_rate > 0 else math.nan}
