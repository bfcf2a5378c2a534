"""HTML report of one stored run (offline: plotly.js from the report's folder, no CDN).

Sections: header (run id, strategy, symbols, data fingerprint, code version,
execution preset, where the ticks came from: real or synthetic, server time zone,
import clean-ups), the metrics table, equity + drawdown curves, returns by month, trades
drawn on the price (per-minute bid from the store's ``prices`` table), the trade P&L
distribution, results by hour and weekday, MFE/MAE, the trade list
(``sim.report_trades``), the resolved config.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim import report_trades
from sim.data import provenance
from sim.metrics import format_value, metric_rows
from sim.store import load_run

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 8px} h2{font-size:17px;margin:24px 0 8px}
table{border-collapse:collapse;font-size:13px} td,th{padding:3px 10px;border-bottom:1px solid #eee}
td.v{text-align:right;font-variant-numeric:tabular-nums} .hdr td:first-child{color:#666}
.grid{display:flex;gap:40px;flex-wrap:wrap} pre{background:#f6f6f6;padding:10px;font-size:12px}
code{font-size:12px} .syn{color:#a04000;font-weight:bold;margin:4px 0}
.note{color:#666;font-size:12px} .neg{color:#c0392b} .pos{color:#1e8449}
.scroll{max-height:480px;overflow:auto;border:1px solid #eee}
table.trades td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.trades th{position:sticky;top:0;background:#fafafa}
"""


PLOTLY_TAG = "<!--plotly.js-->"      # where a page's <script> for plotly.js goes


def figures_html(figs) -> list[str]:
    """Plotly figures as HTML fragments, without plotly.js (``write_page`` adds it)."""
    return [f.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})
            for f in figs]


def write_page(text: str, out_path) -> Path:
    """Write a report page whose head holds ``PLOTLY_TAG``.  plotly.js (4.6 MB) is written
    once into the page's folder (``plotly-<version>.min.js``) and shared by every report
    there: a folder of 100 reports holds one copy, and each page opens offline from it."""
    import os

    import plotly
    from plotly.offline import get_plotlyjs

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    name = f"plotly-{plotly.__version__}.min.js"
    js = out.parent / name
    if not js.exists():
        tmp = js.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(get_plotlyjs(), encoding="utf-8")
        os.replace(tmp, js)                  # parallel writers never leave half a file
    out.write_text(text.replace(PLOTLY_TAG, f"<script src='{name}'></script>"),
                   encoding="utf-8")
    return out


def _table(rows: list[tuple[str, str]], cls: str = "") -> str:
    body = "".join(f"<tr><td>{html.escape(k)}</td><td class='v'>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table class='{cls}'>{body}</table>"


def _raw_value(v) -> str:
    if isinstance(v, float):
        return format_value(v, "num") if (math.isnan(v) or math.isinf(v)) else f"{v:.6g}"
    return str(v)


def _equity_figure(eq: pd.DataFrame, start: float) -> go.Figure:
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                        vertical_spacing=0.04, subplot_titles=("Equity", "Drawdown"))
    if len(eq):
        e = eq["equity"].to_numpy()
        low = np.minimum(eq["min_equity"].to_numpy(), e)
        high = np.maximum(eq["max_equity"].to_numpy(), e) if "max_equity" in eq else e
        peak = np.maximum.accumulate(np.r_[start, high[:-1]])
        dd = -np.maximum(peak - low, 0.0)
        pct = np.where(peak > 0, dd / np.where(peak > 0, peak, 1.0) * 100, 0.0)
        x = _naive(eq["ts"])
        fig.add_trace(go.Scatter(x=x, y=e, name="equity", line={"width": 1.2}), 1, 1)
        fig.add_trace(go.Scatter(x=x, y=eq["balance"].to_numpy(), name="balance",
                                 line={"width": 1, "dash": "dot"}), 1, 1)
        fig.add_trace(go.Scatter(x=x, y=low, name="bucket min equity", visible="legendonly",
                                 line={"width": 0.8}), 1, 1)
        fig.add_trace(go.Scatter(x=x, y=dd, name="drawdown", fill="tozeroy",
                                 line={"width": 0.8, "color": "#c0392b"}, customdata=pct,
                                 hovertemplate="%{y:,.2f} (%{customdata:.2f} %)<extra></extra>"),
                      2, 1)
    fig.update_layout(height=560, margin={"l": 50, "r": 20, "t": 40, "b": 30},
                      hovermode="x unified", legend={"orientation": "h", "y": 1.06})
    fig.update_yaxes(title_text="account ccy", row=1, col=1)
    fig.update_yaxes(title_text="account ccy", row=2, col=1)
    return fig


def _naive(s: pd.Series) -> np.ndarray:
    """tz-aware UTC times -> naive datetime64[ms] (plotly draws them as UTC wall time)."""
    return pd.DatetimeIndex(s).tz_convert("UTC").tz_localize(None).as_unit("ms").to_numpy()


def _iso(s: pd.Series) -> np.ndarray:
    return np.datetime_as_string(_naive(s), unit="ms")


def _segments(t: pd.DataFrame):
    """Entry->exit line segments as one trace's x/y (None separates segments)."""
    n = len(t)
    x = np.empty(3 * n, dtype=object)
    y = np.empty(3 * n, dtype=object)
    x[0::3] = _iso(t["open_ts"])
    x[1::3] = _iso(t["close_ts"])
    x[2::3] = None
    y[0::3] = t["open_price"].to_numpy()
    y[1::3] = t["close_price"].to_numpy()
    y[2::3] = None
    return x, y


def _price_figure(prices: pd.DataFrame, trades: pd.DataFrame, symbol: str) -> go.Figure:
    fig = go.Figure()
    p = prices[prices["symbol"] == symbol] if len(prices) else prices
    if len(p):
        fig.add_trace(go.Scatter(x=_naive(p["ts"]), y=p["bid"].to_numpy(), name="bid (bucket last)",
                                 line={"width": 1, "color": "#555"}))
        fig.add_trace(go.Scatter(x=_naive(p["ts"]), y=p["ask"].to_numpy(), name="ask (bucket last)",
                                 line={"width": 1, "color": "#aaa"}, visible="legendonly"))
    t = trades[trades["symbol"] == symbol] if len(trades) else trades
    for label, mask, color in (("winning trades", t["pnl"] > 0, "#27ae60"),
                               ("losing trades", t["pnl"] <= 0, "#c0392b")):
        sub = t[mask]
        if not len(sub):
            continue
        x, y = _segments(sub)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=label,
                                 line={"width": 1, "color": color}, hoverinfo="skip"))
    for label, side, sym in (("long entry", 1, "triangle-up"), ("short entry", -1,
                                                                  "triangle-down")):
        sub = t[t["side"] == side]
        if not len(sub):
            continue
        fig.add_trace(go.Scatter(
            x=_naive(sub["open_ts"]), y=sub["open_price"].to_numpy(), mode="markers", name=label,
            marker={"symbol": sym, "size": 7, "color": "#2471a3" if side > 0 else "#d68910"},
            customdata=np.c_[sub["lots"].to_numpy(), sub["pnl"].to_numpy()],
            hovertemplate="%{y} lots %{customdata[0]} pnl %{customdata[1]:.2f}<extra></extra>"))
    if len(t):
        fig.add_trace(go.Scatter(
            x=_naive(t["close_ts"]), y=t["close_price"].to_numpy(), mode="markers", name="exit",
            marker={"symbol": "x", "size": 6, "color": "#333"},
            customdata=t["pnl"].to_numpy(),
            hovertemplate="exit %{y} pnl %{customdata:.2f}<extra></extra>"))
    fig.update_layout(title=f"{symbol}: trades on the price", height=520,
                      margin={"l": 50, "r": 20, "t": 40, "b": 30},
                      legend={"orientation": "h", "y": 1.08})
    return fig


def render_report(run: dict) -> str:
    """HTML text of a run loaded with ``sim.store.load_run``."""
    r, m = run["run"], run["metrics"]
    rid = r["id"]
    header = [("Run id", str(rid)), ("Strategy", r.get("strategy") or "–"),
              ("Symbols", r.get("symbols") or "–"), ("Execution preset", r.get("execution") or "–"),
              ("Data fingerprint", r.get("data_fingerprint") or "–"),
              ("Code version", r.get("code_version") or "–"), ("Started", r.get("started") or "–"),
              ("Ticks", f"{int(r.get('n_ticks') or 0):,}"),
              ("Initial balance", f"{float(r.get('initial_balance') or 0):,.2f}")]
    data_lines = provenance.lines(run.get("data_info"))
    header += [("Data", line) for line in data_lines]
    banner = "".join(f"<p class='syn'>{html.escape(line)}</p>" for line in data_lines
                     if "SYNTHETIC" in line)
    if r.get("sweep_id") and not len(run["equity"]):
        banner += (f"<p class='syn'>A parameter set of sweep {r['sweep_id']} "
                   f"({html.escape(str(r.get('params')))}): its metrics only; its trades and "
                   f"curves were not stored (ticklab sweep --trades, or ticklab backtest with "
                   f"these parameters).</p>")
    summary = [(label, text) for label, _, text in metric_rows(m)]
    raw = [(k, _raw_value(v)) for k, v in m.items()]
    start = float(r.get("initial_balance") or 0.0)
    tz = _server_tz(run.get("config"))
    trades = run["trades"]
    symbols = [s for s in (r.get("symbols") or "").split(",") if s]
    figs = [_equity_figure(run["equity"], start),
            report_trades.distribution_figure(trades),
            report_trades.timing_figure(trades, tz), report_trades.excursion_figure(trades)]
    figs += [_price_figure(run["prices"], trades, sym) for sym in symbols]
    plots = figures_html(figs)
    title = f"ticklab run {rid}: {r.get('strategy') or ''} {r.get('symbols') or ''}"
    return "\n".join([
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style>{PLOTLY_TAG}</head><body>",
        f"<h1>{html.escape(title)}</h1>", banner, _table(header, "hdr"),
        "<h2>Metrics</h2><div class='grid'>", _table(summary),
        "<details><summary>All metrics (raw keys, docs/metrics.md)</summary>",
        _table(raw), "</details></div>",
        "<h2>Equity and drawdown</h2>", plots[0],
        "<h2>Returns by month</h2>", report_trades.monthly_table(run["equity"], start, tz),
        "<h2>Trades on the price</h2>", *(plots[4:] or ["<p>No price series stored.</p>"]),
        "<h2>Trade P&amp;L distribution</h2>", plots[1],
        "<h2>By hour and weekday</h2>", plots[2],
        "<h2>Excursions (MFE / MAE)</h2>", plots[3],
        "<p class='note'>In points, from the ticks each trade lived through "
        "(docs/metrics.md, Trade analysis).</p>",
        "<h2>Trades</h2>", report_trades.trade_list(trades, tz),
        "<h2>Config</h2><pre>", html.escape(run.get("config") or ""), "</pre>",
        "</body></html>",
    ])


def _server_tz(config_yaml: str | None) -> str:
    """The run's ``account.server_tz`` (its server days, hours and months), else UTC (a
    config without one, or one this ticklab cannot read)."""
    import yaml

    from sim.data.timezones import normalise_tz

    try:
        cfg = yaml.safe_load(config_yaml or "") or {}
        tz = str((cfg.get("account") or {}).get("server_tz") or "UTC")
        normalise_tz(tz)
        return tz
    except (yaml.YAMLError, AttributeError, ValueError):
        return "UTC"


def write_report(path_db, run_id: int, out_path) -> Path:
    """Write the HTML report of stored run ``run_id`` (plotly.js beside it: ``write_page``).

    Args:
        path_db: results database (``None`` = default store).
        run_id: id in the ``runs`` table.
        out_path: HTML file to write (parent folders are created).

    Returns:
        The written path.
    """
    return write_page(render_report(load_run(path_db, run_id)), out_path)
