"""Performance metrics of one run (formulas: docs/metrics.md).

``compute_metrics`` works on the raw records of a ``RunResult`` with numpy
(pandas is not needed).  Money is in the account currency, times in seconds or
milliseconds as the key says, ratios are plain fractions (0.25 = 25 %).
"""

from __future__ import annotations

import math

import numpy as np
from rich.table import Table

from sim.core.enums import RETCODE_DESC, Retcode
from sim.data.timezones import NS_PER_DAY, utc_to_server

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
TRADING_DAYS = 252
GAP_NS = 3_600 * NS_PER_S     # a gap in the equity curve longer than this is market closed


def _final_equity(result, initial_balance: float) -> float:
    acct = np.asarray(result.account).reshape(-1)
    if len(acct):
        return float(acct[0]["equity"])
    if len(result.equity):
        return float(result.equity["equity"][-1])
    return float(initial_balance)


def _span(result) -> tuple[int, int]:
    """First and last instant seen (equity rows and deals), int64 ns UTC."""
    ts = [result.equity["ts"], result.deals["ts"]]
    ts = np.concatenate([np.asarray(t, dtype=np.int64) for t in ts])
    if len(ts) == 0:
        return 0, 0
    return int(ts.min()), int(ts.max())


def _active_ns(eq_ts: np.ndarray, start: int, end: int) -> int:
    """Elapsed time between start and end minus gaps longer than GAP_NS (weekends).
    ``eq_ts`` is sorted and inside [start, end], so its gaps need no sort (a repeated
    instant is a gap of 0)."""
    gaps = np.diff(np.concatenate([[start], eq_ts, [end]]).astype(np.int64))
    return int(gaps[gaps <= GAP_NS].sum())


def drawdowns(equity: np.ndarray, min_equity: np.ndarray, start: float,
              max_equity: np.ndarray | None = None) -> tuple[float, float]:
    """Max drawdown (money, fraction of the peak) of a bucketed equity curve.

    Row t's trough is ``min_equity[t]``; its peak is the highest ``max_equity`` (the
    bucket's highest equity; its close when not given) of the rows before it (and
    ``start``): dips and highs inside a bucket count, and a bucket's own high never
    serves as the peak of its own low (their order inside the bucket is unknown).
    """
    if len(equity) == 0:
        return 0.0, 0.0
    highs = equity if max_equity is None else np.maximum(max_equity, equity)
    peak = np.maximum.accumulate(np.concatenate([[start], highs[:-1]]))
    low = np.minimum(min_equity, equity)
    dd = np.maximum(peak - low, 0.0)
    pct = np.where(peak > 0, dd / np.where(peak > 0, peak, 1.0), 0.0)
    return float(dd.max()), float(pct.max())


def _daily(result, initial_balance: float, server_tz: str):
    """Server-day index per equity row and the day-end equities (prepended with the start)."""
    e = result.equity
    if len(e) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.array([initial_balance])
    day = utc_to_server(e["ts"].astype(np.int64), server_tz) // NS_PER_DAY
    if len(day) > 1 and (day[1:] < day[:-1]).any():    # a clock set back across midnight
        first = np.unique(day, return_index=True)[1]
    else:                                               # rows in time order: runs of a day
        first = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    last = np.r_[first[1:], len(day)] - 1
    closes = np.concatenate([[initial_balance], e["equity"][last]])
    return day, first, closes


def _delay_stats(deals: np.ndarray, done: np.ndarray) -> dict[str, float]:
    f = done & (deals["cid"] > 0)
    if not f.any():
        return {k: math.nan for k in ("delay_p50_ms", "delay_p90_ms", "delay_p99_ms",
                                      "delay_max_ms", "delay_mean_ms")}
    ms = (deals["ts"][f].astype(np.int64) - deals["signal_ts"][f].astype(np.int64)) / NS_PER_MS
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return {"delay_p50_ms": float(p50), "delay_p90_ms": float(p90), "delay_p99_ms": float(p99),
            "delay_max_ms": float(ms.max()), "delay_mean_ms": float(ms.mean())}


def _exposure_ns(result, end: int) -> int:
    """Time with at least one open position: union of [open, close] of trades and open positions."""
    t, p = result.trades, result.positions
    starts = np.concatenate([t["open_ts"], p["open_ts"]]).astype(np.int64)
    ends = np.concatenate([t["close_ts"], np.full(len(p), end, np.int64)]).astype(np.int64)
    if len(starts) == 0:
        return 0
    o = np.argsort(starts, kind="stable")
    starts, ends = starts[o], np.maximum(ends[o], starts[o])
    reach = np.maximum.accumulate(ends)
    # a new union block starts where an interval begins after everything before it ended
    new = np.r_[True, starts[1:] > reach[:-1]]
    b_start = starts[new]
    b_end = np.maximum.reduceat(ends, np.flatnonzero(new))
    return int((b_end - b_start).sum())


# every key of compute_metrics (besides the per-symbol and per-reason ones, "name[...]")
METRIC_NAMES = (
    "initial_balance", "final_equity", "net_pnl", "net_pnl_pct", "gross_pnl", "closed_pnl",
    "floating_pnl", "commission", "swap", "spread_cost", "slippage_cost", "total_cost",
    "n_trades", "n_fills", "n_rejections", "n_risk_denials", "n_risk_state_changes", "n_wins",
    "n_losses", "win_rate", "gross_win", "gross_loss", "profit_factor", "expectancy",
    "avg_win", "avg_loss", "payoff_ratio", "avg_holding_s", "lots_traded", "days",
    "trades_per_day", "trades_per_day_per_symbol", "exposure", "max_dd", "max_dd_pct",
    "max_daily_dd", "max_daily_dd_pct", "n_days", "sharpe", "sortino", "delay_p50_ms",
    "delay_p90_ms", "delay_p99_ms", "delay_max_ms", "delay_mean_ms")


def compute_metrics(result, initial_balance: float, server_tz: str = "NY+7") -> dict[str, float | int]:
    """Every metric of one run as a flat dict (keys and formulas: docs/metrics.md).

    Args:
        result: a ``sim.batch.engine.RunResult``.
        initial_balance: account balance at the start (account currency).
        server_tz: broker server zone defining the trading day (daily drawdown,
            daily returns), e.g. ``"NY+7"``.

    Returns:
        ``{name: value}``; money in account currency, durations in seconds
        (``*_s``) or milliseconds (``*_ms``), ratios as fractions. Undefined
        values (no trades, fewer than two days) are ``nan``.
    """
    d, t = result.deals, result.trades
    done = d["retcode"] == Retcode.DONE          # fills (one field at a time: no row copies)

    def filled(field: str) -> np.ndarray:
        return d[field][done]

    pnl = (t["profit"] + t["commission"] + t["swap"]).astype(np.float64)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    n = len(pnl)
    final_eq = _final_equity(result, initial_balance)
    floating = float(result.positions["profit"].sum()) if len(result.positions) else 0.0
    start, end = _span(result)
    m: dict[str, float | int] = {}

    # -- P&L and costs --
    m["initial_balance"] = float(initial_balance)
    m["final_equity"] = final_eq
    m["net_pnl"] = final_eq - float(initial_balance)
    m["net_pnl_pct"] = m["net_pnl"] / initial_balance if initial_balance else math.nan
    m["gross_pnl"] = float(t["profit"].sum())
    m["closed_pnl"] = float(pnl.sum())
    m["floating_pnl"] = floating
    m["commission"] = float(filled("commission").sum())
    # swap booked on closing deals plus swap accrued on positions still open
    m["swap"] = float(filled("swap").sum()) + (
        float(result.positions["swap"].sum()) if len(result.positions) else 0.0)
    m["spread_cost"] = float(filled("spread_cost").sum())
    m["slippage_cost"] = float(filled("slippage").sum())
    m["total_cost"] = m["spread_cost"] + m["slippage_cost"] - m["commission"] - m["swap"]

    # -- trades --
    m["n_trades"] = int(n)
    m["n_fills"] = n_fills = int(done.sum())
    m["n_rejections"] = int(len(d) - n_fills)
    codes, counts = np.unique(d["retcode"][~done], return_counts=True)
    for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
        m[f"rejections[{RETCODE_DESC.get(code, f'retcode {code}')}]"] = int(count)
    r = result.risk_events
    changes = r[r["state_from"] != r["state_to"]]
    m["n_risk_denials"] = int(len(r) - len(changes))
    m["n_risk_state_changes"] = int(len(changes))
    codes, counts = np.unique(changes["rule"], return_counts=True)
    for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
        m[f"risk_changes[{RETCODE_DESC.get(code, f'retcode {code}')}]"] = int(count)
    m["n_wins"] = int(len(wins))
    m["n_losses"] = int(len(losses))
    m["win_rate"] = len(wins) / n if n else math.nan
    gw, gl = float(wins.sum()), float(-losses.sum())
    m["gross_win"] = gw
    m["gross_loss"] = gl
    m["profit_factor"] = (gw / gl if gl > 0 else (math.inf if gw > 0 else math.nan)) if n else math.nan
    m["expectancy"] = float(pnl.mean()) if n else math.nan
    m["avg_win"] = float(wins.mean()) if len(wins) else math.nan
    m["avg_loss"] = float(losses.mean()) if len(losses) else math.nan
    m["payoff_ratio"] = (m["avg_win"] / -m["avg_loss"]) if len(wins) and len(losses) else math.nan
    hold = (t["close_ts"].astype(np.int64) - t["open_ts"].astype(np.int64)) / NS_PER_S
    m["avg_holding_s"] = float(hold.mean()) if n else math.nan
    m["lots_traded"] = float(filled("volume").sum())

    # -- activity --
    active = _active_ns(result.equity["ts"].astype(np.int64), start, end)
    m["days"] = active / NS_PER_DAY
    n_sym = max(len(result.names), 1)
    m["trades_per_day"] = n / m["days"] if m["days"] > 0 else math.nan
    m["trades_per_day_per_symbol"] = m["trades_per_day"] / n_sym
    for k, name in enumerate(result.names):
        cnt = int((t["symbol"] == k).sum())
        m[f"trades_per_day[{name}]"] = cnt / m["days"] if m["days"] > 0 else math.nan
    span = end - start
    m["exposure"] = _exposure_ns(result, end) / span if span > 0 else math.nan

    # -- drawdown --
    e = result.equity
    eq, low = e["equity"].astype(np.float64), e["min_equity"].astype(np.float64)
    high = e["max_equity"].astype(np.float64)
    m["max_dd"], m["max_dd_pct"] = drawdowns(eq, low, float(initial_balance), high)
    day, first, closes = _daily(result, float(initial_balance), server_tz)
    worst, worst_pct = 0.0, 0.0
    for k in range(len(first)):
        stop = first[k + 1] if k + 1 < len(first) else len(eq)
        dd, pct = drawdowns(eq[first[k]:stop], low[first[k]:stop], float(closes[k]),
                            high[first[k]:stop])
        worst, worst_pct = max(worst, dd), max(worst_pct, pct)
    m["max_daily_dd"], m["max_daily_dd_pct"] = worst, worst_pct

    # -- daily returns --
    rets = closes[1:] / closes[:-1] - 1.0 if len(closes) > 1 else np.zeros(0)
    m["n_days"] = int(len(rets))
    if len(rets) >= 2:
        sd = float(rets.std(ddof=1))
        down = float(np.sqrt(np.mean(np.minimum(rets, 0.0) ** 2)))
        mu = float(rets.mean())
        m["sharpe"] = mu / sd * math.sqrt(TRADING_DAYS) if sd > 0 else math.nan
        m["sortino"] = mu / down * math.sqrt(TRADING_DAYS) if down > 0 else math.nan
    else:
        m["sharpe"] = m["sortino"] = math.nan

    # -- execution --
    m.update(_delay_stats(d, done))
    return m


_ROWS = [
    ("Net P&L", "net_pnl", "money"), ("Net P&L %", "net_pnl_pct", "pct"),
    ("Gross P&L", "gross_pnl", "money"), ("Commission", "commission", "money"),
    ("Swap", "swap", "money"), ("Spread cost", "spread_cost", "money"),
    ("Slippage cost", "slippage_cost", "money"), ("Trades", "n_trades", "int"),
    ("Win rate", "win_rate", "pct"), ("Profit factor", "profit_factor", "num"),
    ("Expectancy", "expectancy", "money"), ("Avg win", "avg_win", "money"),
    ("Avg loss", "avg_loss", "money"), ("Avg holding", "avg_holding_s", "sec"),
    ("Trades/day/symbol", "trades_per_day_per_symbol", "num"),
    ("Max DD", "max_dd", "money"), ("Max DD %", "max_dd_pct", "pct"),
    ("Worst daily DD", "max_daily_dd", "money"), ("Worst daily DD %", "max_daily_dd_pct", "pct"),
    ("Sharpe (daily, ann.)", "sharpe", "num"), ("Sortino (daily, ann.)", "sortino", "num"),
    ("Exposure", "exposure", "pct"), ("Signal→fill p50", "delay_p50_ms", "ms"),
    ("Signal→fill p99", "delay_p99_ms", "ms"), ("Signal→fill max", "delay_max_ms", "ms"),
    ("Rejections", "n_rejections", "int"),
    ("Risk state changes", "n_risk_state_changes", "int"),
]


def format_value(value, kind: str) -> str:
    """Human text of one metric value (``kind``: money, pct, int, num, sec, ms)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "pct":
        return f"{value * 100:.2f} %"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "sec":
        return f"{value:,.1f} s"
    if kind == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.3f}"


def metric_rows(metrics: dict) -> list[tuple[str, str, str]]:
    """(label, key, formatted value) for the summary metrics present in ``metrics``; the
    rejections and the risk state changes are each followed by one row per reason
    (``rejections[reason]``, ``risk_changes[reason]``)."""
    rows = []
    for label, key, kind in _ROWS:
        if key not in metrics:
            continue
        rows.append((label, key, format_value(metrics[key], kind)))
        sub = {"n_rejections": "rejections[", "n_risk_state_changes": "risk_changes["}.get(key)
        rows += [(f"  × {k[len(sub):-1]}", k, format_value(v, "int"))
                 for k, v in metrics.items() if sub and k.startswith(sub)]
    return rows


def summary_table(metrics: dict, title: str = "Backtest summary") -> Table:
    """A two-column rich table of the headline metrics (printed after every backtest)."""
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    for label, key, text in metric_rows(metrics):
        style = None
        if key in ("net_pnl", "gross_pnl", "expectancy") and isinstance(metrics[key], float):
            style = "green" if metrics[key] > 0 else ("red" if metrics[key] < 0 else None)
        table.add_row(label, text, style=style)
    return table
