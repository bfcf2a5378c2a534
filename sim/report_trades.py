"""The run report's trade analysis (what MT5's Strategy Tester report and backtesting.py's
plot show): returns by month, the P&L distribution, results by hour and weekday, MFE/MAE
and the trade list.  Figures and tables only; the numbers come from
``sim.trade_analysis``."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.core.enums import DealReason
from sim.trade_analysis import by_time, monthly_returns, server_times

MAX_TRADE_ROWS = 5_000           # the trade list's rows in the page (all of them: the store)
WIN, LOSS = "#27ae60", "#c0392b"
LAYOUT = {"margin": {"l": 50, "r": 20, "t": 40, "b": 30}, "legend": {"orientation": "h",
                                                                     "y": 1.1}}
REASONS = {v: {"SO": "stop out"}.get(k, k.lower()) for k, v in DealReason._asdict().items()}


def _pct(v: float) -> str:
    return "" if v is None or math.isnan(v) else f"{v * 100:+.2f} %"


def monthly_table(equity: pd.DataFrame, initial_balance: float, server_tz: str) -> str:
    """Returns by server month, a year a row (``sim.trade_analysis.monthly_returns``)."""
    table = monthly_returns(equity, initial_balance, server_tz)
    if not len(table):
        return "<p>No equity rows.</p>"
    head = "".join(f"<th>{c}</th>" for c in ["Year", *table.columns])
    rows = []
    for year, r in table.iterrows():
        cells = "".join(f"<td class='v {'neg' if v < 0 else 'pos' if v > 0 else ''}'>"
                        f"{_pct(v)}</td>" for v in r.to_numpy())
        rows.append(f"<tr><td>{year}</td>{cells}</tr>")
    return (f"<table class='months'><tr>{head}</tr>{''.join(rows)}</table>"
            f"<p class='note'>Server months ({html.escape(server_tz)}); Year compounds the "
            f"months with data.</p>")


def distribution_figure(trades: pd.DataFrame) -> go.Figure:
    """Histogram of trade P&L (account currency), winners and losers apart."""
    fig = go.Figure()
    pnl = trades["pnl"].to_numpy(np.float64)
    if len(pnl):
        lo, hi = float(pnl.min()), float(pnl.max())
        size = (hi - lo) / 40 if hi > lo else 1.0
        bins = {"start": lo, "end": hi + size, "size": size}
        for label, mask, color in (("winners", pnl > 0, WIN), ("losers / flat", pnl <= 0,
                                                                  LOSS)):
            fig.add_trace(go.Histogram(x=pnl[mask], xbins=bins, name=label,
                                       marker_color=color, opacity=0.8))
        fig.add_vline(x=float(pnl.mean()), line_dash="dash",
                      annotation_text=f"mean {pnl.mean():,.2f}")
    fig.update_layout(barmode="overlay", height=340, title="Trade P&L (account currency)",
                      xaxis_title="pnl", yaxis_title="trades", **LAYOUT)
    return fig


def timing_figure(trades: pd.DataFrame, server_tz: str) -> go.Figure:
    """P&L and trade counts by the server hour and weekday of each trade's close."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.7, 0.3], horizontal_spacing=0.08,
                        subplot_titles=(f"by hour of close ({server_tz})", "by weekday"))
    for col, unit in ((1, "hour"), (2, "weekday")):
        t = by_time(trades, server_tz, unit)
        fig.add_trace(go.Bar(
            x=[str(k) for k in t.index], y=t["pnl"], name=f"P&L by {unit}",
            marker_color=np.where(t["pnl"] >= 0, WIN, LOSS).tolist(),
            customdata=np.c_[t["trades"], np.nan_to_num(t["win_rate"] * 100)],
            hovertemplate="%{x}: P&L %{y:,.2f}, %{customdata[0]} trades, "
                          "win rate %{customdata[1]:.1f} %<extra></extra>"), 1, col)
    fig.update_layout(height=340, showlegend=False, **LAYOUT)
    fig.update_yaxes(title_text="P&L (account ccy)", row=1, col=1)
    return fig


def excursion_figure(trades: pd.DataFrame) -> go.Figure:
    """Each trade's realised move against its MAE and its MFE (points)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, shared_yaxes=True,
                        subplot_titles=("MAE: worst move while open",
                                        "MFE: best move while open"))
    if "mae_points" in trades and trades["mae_points"].notna().any():
        win = trades["pnl"].to_numpy() > 0
        for col, key in ((1, "mae_points"), (2, "mfe_points")):
            for label, mask, color in (("winners", win, WIN), ("losers / flat", ~win, LOSS)):
                sub = trades[mask]
                fig.add_trace(go.Scattergl(
                    x=sub[key], y=sub["move_points"], mode="markers", name=label,
                    legendgroup=label, showlegend=col == 1,
                    marker={"size": 4, "color": color, "opacity": 0.6},
                    hovertemplate=f"{key.split('_')[0].upper()} %{{x}} pts, move %{{y}} pts"
                                  "<extra></extra>"), 1, col)
            fig.update_xaxes(title_text="points", row=1, col=col)
    fig.update_yaxes(title_text="realised move (points)", row=1, col=1)
    fig.update_layout(height=380, **LAYOUT)
    return fig


def trade_list(trades: pd.DataFrame, server_tz: str) -> str:
    """The closed trades as a table (the first ``MAX_TRADE_ROWS``), server times."""
    if not len(trades):
        return "<p>No closed trades.</p>"
    t = trades.head(MAX_TRADE_ROWS)
    opened = server_times(t["open_ts"], server_tz).strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
    closed = server_times(t["close_ts"], server_tz).strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
    held = (t["close_ts"] - t["open_ts"]).dt.total_seconds().to_numpy()
    has_mfe = "mfe_points" in t and t["mfe_points"].notna().any()
    head = ["#", "symbol", "side", "lots", f"open ({server_tz})", "price",
            f"close ({server_tz})", "price", "held s", "close by", "commission", "swap",
            "P&L", *(["move pts", "MFE pts", "MAE pts"] if has_mfe else [])]
    body = []
    for i, r in enumerate(t.itertuples(index=False)):
        cells = [str(i + 1), html.escape(str(r.symbol)), "buy" if r.side > 0 else "sell",
                 f"{r.lots:g}", opened[i], f"{r.open_price:g}", closed[i],
                 f"{r.close_price:g}", f"{held[i]:,.1f}", REASONS.get(int(r.reason),
                                                                     str(r.reason)),
                 f"{r.commission:,.2f}", f"{r.swap:,.2f}", f"{r.pnl:,.2f}"]
        if has_mfe:
            cells += ["" if np.isnan(v) else f"{v:g}"
                      for v in (r.move_points, r.mfe_points, r.mae_points)]
        cls = "pos" if r.pnl > 0 else "neg" if r.pnl < 0 else ""
        body.append(f"<tr class='{cls}'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    more = (f"<p class='note'>The first {MAX_TRADE_ROWS:,} of {len(trades):,} trades; all "
            f"are in the store (<code>sim.store.load_run</code>, table trades).</p>"
            if len(trades) > MAX_TRADE_ROWS else "")
    return ("<div class='scroll'><table class='trades'><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in head)
            + f"</tr>{''.join(body)}</table></div>{more}")
