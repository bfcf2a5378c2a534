"""The walk-forward report: the stitched out-of-sample equity, each window's choice and
its in- and out-of-sample results side by side, the chosen parameters over time."""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd


def render_walkforward(res, metric: str, title: str = "ticklab walk-forward") -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from sim.report import CSS, PLOTLY_TAG, figures_html

    w, e, m = res.windows, res.equity, res.metrics
    fig = go.Figure()
    for k, part in e.groupby("window"):
        fig.add_trace(go.Scatter(x=part["ts"].dt.tz_localize(None), y=part["equity"],
                                 name=f"window {k}", mode="lines", line={"width": 1.2}))
    fig.update_layout(title="Out-of-sample equity, stitched", height=420,
                      yaxis_title="account ccy", hovermode="x unified")
    params = make_subplots(rows=len(res.axes), cols=1, shared_xaxes=True,
                           subplot_titles=res.axes)
    for i, axis in enumerate(res.axes, 1):
        params.add_trace(go.Scatter(x=w["test_start"].dt.tz_localize(None), y=w[axis],
                                    mode="lines+markers", name=axis,
                                    line={"shape": "hv"}), i, 1)
    params.update_layout(title="Chosen parameters, by out-of-sample window",
                         height=180 + 160 * len(res.axes), showlegend=False)
    cols = ["window", "train_start", "train_end", "test_start", "test_end", *res.axes,
            f"is_{metric}", "is_net_pnl", "oos_net_pnl", "oos_trades", "oos_win_rate",
            "oos_max_dd_pct", "oos_sharpe"]
    cols = list(dict.fromkeys(cols))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r[c]))}</td>" for c in cols)
                   + "</tr>" for r in w.to_dict("records"))
    wfe = "n/a" if math.isnan(m["wfe"]) else f"{m['wfe']:.2f}"
    summary = (f"<p>{m['windows']} windows; out of sample: net P&amp;L {m['net_pnl']:,.2f}, "
               f"{m['n_trades']:,} trades, {m['profitable_windows']} profitable windows, "
               f"max drawdown {m['max_dd']:,.2f}; walk-forward efficiency {wfe} "
               f"(out-of-sample P&amp;L per day over the chosen sets' in-sample P&amp;L per "
               f"day). In-sample choice by <b>{html.escape(metric)}</b>.</p>")
    plots = figures_html((fig, params))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{CSS}</style>{PLOTLY_TAG}</head><body><h1>{html.escape(title)}</h1>{summary}"
            f"{plots[0]}<h2>Windows</h2><table><tr>{head}</tr>{body}</table>{plots[1]}"
            f"</body></html>")


def _fmt(v) -> str:
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d %H:%M}"
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:,.4g}"
    return str(v)


def write_walkforward_report(res, metric: str, path) -> Path:
    from sim.report import write_page

    return write_page(render_walkforward(res, metric), path)
