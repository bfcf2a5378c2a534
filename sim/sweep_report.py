"""What a sweep found, beyond its best point: the metric over every pair of axes, and how
stable the best region is (docs/research.md, "Reading a sweep").

A best point whose grid neighbours are much worse is luck on this sample; a plateau is a
region.  ``stability`` scores each parameter set by the mean of the metric over its
neighbourhood (one grid step either way on every axis) and reports the best point, the
most robust one (best neighbourhood mean) and both neighbourhoods.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

# metrics where smaller is better (drawdowns and costs are positive magnitudes)
LOWER_IS_BETTER = {"max_dd", "max_dd_pct", "max_daily_dd", "max_daily_dd_pct", "total_cost",
                   "spread_cost", "slippage_cost", "n_rejections", "n_risk_denials",
                   "avg_holding_s", "delay_p50_ms", "delay_p90_ms", "delay_p99_ms",
                   "delay_max_ms", "delay_mean_ms", "gross_loss", "n_losses"}


def check_metric(metric: str) -> None:
    """Refuse, before anything runs, a metric ``compute_metrics`` does not produce."""
    from sim.metrics import METRIC_NAMES
    from sim.sweeps import SweepError

    if metric not in METRIC_NAMES and not (isinstance(metric, str) and "[" in metric):
        raise SweepError(f"metric {metric!r}: not a metric (e.g. net_pnl, sharpe, "
                         f"profit_factor, win_rate, max_dd_pct; all: docs/metrics.md)")


def ranked(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The sweep's rows best first by ``metric`` (NaN last)."""
    check_metric(metric)
    return frame.sort_values(metric, ascending=metric in LOWER_IS_BETTER, na_position="last",
                             kind="stable")


def grid_array(frame: pd.DataFrame, axes: dict, metric: str) -> np.ndarray:
    """The metric on the grid: one dimension per axis, in its values' order; NaN where the
    parameter set was skipped or failed.  Sign-flipped when smaller is better, so larger
    is always better here."""
    shape = tuple(len(v) for v in axes.values())
    arr = np.full(shape, np.nan)
    index = [{_key(v): i for i, v in enumerate(vals)} for vals in axes.values()]
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    for row in frame[list(axes) + [metric]].itertuples(index=False):
        arr[tuple(ix[_key(v)] for ix, v in zip(index, row[:-1], strict=True))] = sign * row[-1]
    return arr


def _key(v):
    """A grid value as an index key: numbers by value (pandas turns 1 into 1.0 in a column
    that also holds 1.5), None and NaN alike, the rest by their JSON."""
    v = v.item() if isinstance(v, np.generic) else v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ("none",)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return ("num", float(v))
    return ("json", json.dumps(v))


def neighbourhood_mean(arr: np.ndarray) -> np.ndarray:
    """Mean of the finite values in each cell's box of one step either way on every axis
    (NaN where fewer than half of the box's cells inside the grid are finite)."""
    total = np.zeros(arr.shape)
    count = np.zeros(arr.shape)
    inside = np.zeros(arr.shape)
    pad = np.pad(arr, 1, constant_values=np.nan)
    ones = np.pad(np.ones(arr.shape), 1)
    for shift in itertools.product((0, 1, 2), repeat=arr.ndim):
        view = tuple(slice(s, s + n) for s, n in zip(shift, arr.shape, strict=True))
        v = pad[view]
        ok = np.isfinite(v)
        total += np.where(ok, v, 0.0)
        count += ok
        inside += ones[view]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return np.where(count * 2 >= inside, mean, np.nan)


def stability(frame: pd.DataFrame, axes: dict, metric: str) -> dict:
    """The best point and the most robust one, each with its neighbourhood's mean, min and
    max (in the metric's own sign)."""
    arr = grid_array(frame, axes, metric)
    if not np.isfinite(arr).any():
        return {}
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    hood = neighbourhood_mean(arr)
    names = list(axes)

    def describe(ix) -> dict:
        box = tuple(slice(max(i - 1, 0), i + 2) for i in ix)
        vals = arr[box][np.isfinite(arr[box])]
        return {"params": {n: list(axes[n])[i] for n, i in zip(names, ix, strict=True)},
                "value": sign * float(arr[ix]), "neighbours": int(vals.size) - 1,
                "hood_mean": sign * float(hood[ix]) if np.isfinite(hood[ix]) else float("nan"),
                "hood_min": sign * float(vals.min() if sign > 0 else vals.max()),
                "hood_max": sign * float(vals.max() if sign > 0 else vals.min())}

    best = np.unravel_index(np.nanargmax(arr), arr.shape)
    out = {"metric": metric, "best": describe(best),
           # the best on the grid's edge: the optimum may lie beyond the range swept
           "edge": [n for n, i, k in zip(names, best, arr.shape, strict=True)
                    if k > 2 and i in (0, k - 1)]}
    if np.isfinite(hood).any():
        out["robust"] = describe(np.unravel_index(np.nanargmax(hood), hood.shape))
    return out


def _heatmaps(frame: pd.DataFrame, axes: dict, metric: str) -> list:
    """One heatmap per pair of axes (the best value over the other axes), or a line per
    axis when the sweep has one."""
    import plotly.graph_objects as go

    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    arr = grid_array(frame, axes, metric)
    names = list(axes)
    figs = []
    if len(names) == 1:
        fig = go.Figure(go.Scatter(x=[str(v) for v in axes[names[0]]], y=sign * arr,
                                   mode="lines+markers"))
        fig.update_layout(title=f"{metric} by {names[0]}", xaxis_title=names[0],
                          yaxis_title=metric, height=380)
        return [fig]
    for a, b in itertools.combinations(range(len(names)), 2):
        other = tuple(i for i in range(len(names)) if i not in (a, b))
        with np.errstate(all="ignore"):
            best = np.nanmax(arr, axis=other) if other else arr
        z = sign * best                 # (axis a, axis b): plotly wants rows = y
        fig = go.Figure(go.Heatmap(z=z.T, x=[str(v) for v in axes[names[a]]],
                                   y=[str(v) for v in axes[names[b]]],
                                   colorscale="RdYlGn" if sign > 0 else "RdYlGn_r",
                                   colorbar={"title": metric},
                                   hovertemplate=f"{names[a]}=%{{x}}<br>{names[b]}=%{{y}}"
                                                 f"<br>{metric}=%{{z:,.4g}}<extra></extra>"))
        title = f"{metric}: {names[b]} by {names[a]}" + \
            (" (best over the other axes)" if other else "")
        fig.update_layout(title=title, xaxis_title=names[a], yaxis_title=names[b], height=460,
                          xaxis={"type": "category"}, yaxis={"type": "category"})
        figs.append(fig)
    return figs


def _table(frame: pd.DataFrame, cols: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r[c]))}</td>" for c in cols)
                   + "</tr>" for _, r in frame.iterrows())
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(v) -> str:
    if isinstance(v, float | np.floating):
        return "–" if not np.isfinite(v) else f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


HEADLINE = ["net_pnl", "n_trades", "win_rate", "profit_factor", "max_dd_pct", "sharpe"]


def render_sweep(frame: pd.DataFrame, axes: dict, metric: str, title: str,
                 config_yaml: str = "") -> str:
    """The sweep report: top runs, stability, heatmaps, skipped sets, the base config."""
    from sim.report import CSS, PLOTLY_TAG, figures_html

    top = ranked(frame, metric).head(20)
    cols = [c for c in ["run_id", *axes, metric, *HEADLINE] if c in frame.columns]
    cols = list(dict.fromkeys(cols))
    st = stability(frame, axes, metric)
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>{len(frame)} parameter sets ran; sorted by <b>{html.escape(metric)}</b> "
             f"({'smaller' if metric in LOWER_IS_BETTER else 'larger'} is better).</p>",
             "<h2>Best runs</h2>", _table(top, cols)]
    if st:
        rows = [(k, st[k]) for k in ("best", "robust") if k in st]
        body = "".join(
            f"<tr><td>{k}</td><td>{html.escape(json.dumps(d['params']))}</td>"
            f"<td>{_fmt(d['value'])}</td><td>{_fmt(d['hood_mean'])}</td>"
            f"<td>{_fmt(d['hood_min'])} … {_fmt(d['hood_max'])}</td>"
            f"<td>{d['neighbours']}</td></tr>" for k, d in rows)
        parts += ["<h2>Stability of the best region</h2>",
                  "<p>Each parameter set's neighbourhood is one grid step either way on every "
                  "axis. <i>robust</i> is the set with the best neighbourhood mean: prefer it "
                  "when the best point stands alone.</p>",
                  "<table><tr><th></th><th>parameters</th><th>value</th>"
                  "<th>neighbourhood mean</th><th>neighbourhood range</th>"
                  f"<th>neighbours</th></tr>{body}</table>"]
        if st.get("edge"):
            parts.append(f"<p class='syn'>The best is on the edge of the grid in "
                         f"{html.escape(', '.join(st['edge']))}: the optimum may lie beyond "
                         f"the range swept.</p>")
    plots = figures_html(_heatmaps(frame, axes, metric))
    parts += ["<h2>The metric over the grid</h2>", *plots]
    skipped = frame.attrs.get("skipped", []) + frame.attrs.get("failed", [])
    if skipped:
        parts += [f"<h2>Skipped ({len(skipped)})</h2>",
                  _table(pd.DataFrame(skipped[:200]), list(skipped[0]))]
    if config_yaml:
        parts += ["<h2>Base config</h2>", f"<pre>{html.escape(config_yaml)}</pre>"]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{CSS}</style>{PLOTLY_TAG}</head><body>{''.join(parts)}"
            f"</body></html>")


def write_sweep_report(frame: pd.DataFrame, axes: dict, metric: str, path, title: str,
                       config_yaml: str = "") -> Path:
    from sim.report import write_page

    return write_page(render_sweep(frame, axes, metric, title, config_yaml), path)
