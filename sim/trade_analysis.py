"""What a trader reads off a run beyond its metrics (docs/metrics.md, "Trade analysis"):
each trade's excursions (MFE/MAE) from the ticks it lived through, returns by month, and
results by hour of day and weekday on the broker's server clock.

Excursions are in points (a price move divided by the symbol's point), so trades of any
size and in any currency compare: a trade's ``move_points`` is its realised price move,
``mfe_points`` the best and ``mae_points`` the worst move its exit side (the bid for a long,
the ask for a short) reached while it was open, from its opening fill's instant to its
closing fill's, both included.  A trade that was never in profit has ``mfe_points < 0``
(the spread); ``mae_points <= move_points <= mfe_points`` whenever the fills had no
slippage (a slipped fill can fall outside every quote).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data.timezones import utc_to_server

EXCURSIONS = ("move_points", "mfe_points", "mae_points")     # the columns ``excursions`` adds
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def excursions(trades: pd.DataFrame, tables) -> pd.DataFrame:
    """``move_points``, ``mfe_points`` and ``mae_points`` of each row of ``trades`` (a
    ``sim.frames.trades_frame``), from the tick tables the run replayed, aligned with
    ``trades``' index.  A trade whose symbol has no table gets NaN."""
    from sim.data.symbols import load_symbol

    out = pd.DataFrame(np.nan, index=trades.index, columns=list(EXCURSIONS))
    for table in tables:
        rows = np.flatnonzero((trades["symbol"] == table.symbol).to_numpy())
        if not len(rows) or not len(table.ts):
            continue
        t = trades.iloc[rows]
        point = load_symbol(table.symbol).point
        side = t["side"].to_numpy(np.float64)
        opened = t["open_price"].to_numpy(np.float64)
        lo = np.searchsorted(table.ts, _ns(t["open_ts"]), side="left")
        hi = np.searchsorted(table.ts, _ns(t["close_ts"]), side="right")
        best = np.full(len(t), np.nan)
        worst = np.full(len(t), np.nan)
        for k in range(len(t)):                 # the exit side's quotes while it was open
            if hi[k] > lo[k]:
                q = (table.bid if side[k] > 0 else table.ask)[lo[k]:hi[k]]
                up, down = float(q.max()), float(q.min())
                best[k], worst[k] = (up, down) if side[k] > 0 else (down, up)
        move = (t["close_price"].to_numpy(np.float64) - opened) * side
        # rounded to 1e-6 point: 21.0 points, not 20.999999999 of float dust
        for col, price in enumerate((move, (best - opened) * side, (worst - opened) * side)):
            out.iloc[rows, col] = np.round(price / point, 6)
    return out


def analysed_trades(result, tables) -> pd.DataFrame:
    """``sim.frames.trades_frame`` of ``result`` with each trade's ``excursions`` from the
    tick ``tables`` replayed (NaN without them: a live session)."""
    from sim.frames import trades_frame

    trades = trades_frame(result)
    return trades.join(excursions(trades, tables or ()))


def _ns(s: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(s).as_unit("ns").asi8


def server_times(s: pd.Series, server_tz: str) -> pd.DatetimeIndex:
    """UTC times as naive server-clock times (hours, weekdays and months as the broker
    counts them)."""
    return pd.DatetimeIndex(utc_to_server(_ns(s), server_tz))


def monthly_returns(equity: pd.DataFrame, initial_balance: float,
                    server_tz: str) -> pd.DataFrame:
    """Returns by server month as fractions: rows are years, columns ``Jan``..``Dec`` and
    ``Year`` (compounded over the months with data).  A month's return is its last equity
    over the previous month's last equity (``initial_balance`` before the first), minus 1;
    a month without equity rows is NaN."""
    cols = [*MONTHS, "Year"]
    if not len(equity):
        return pd.DataFrame(columns=cols, dtype=float)
    when = server_times(equity["ts"], server_tz)
    last = pd.Series(equity["equity"].to_numpy(np.float64), index=when).groupby(
        [when.year, when.month]).last()
    before = np.r_[float(initial_balance), last.to_numpy()[:-1]]
    ret = pd.Series(last.to_numpy() / before - 1.0, index=last.index)
    years = sorted({y for y, _ in ret.index})
    table = pd.DataFrame(np.nan, index=pd.Index(years, name="year"), columns=cols)
    for (y, m), r in ret.items():
        table.loc[y, MONTHS[m - 1]] = r
    for y in years:
        table.loc[y, "Year"] = float(np.prod(1.0 + ret.loc[y].to_numpy()) - 1.0)
    return table


def by_time(trades: pd.DataFrame, server_tz: str, unit: str) -> pd.DataFrame:
    """Closed trades grouped by the server-clock ``unit`` of their close (``hour``: 0..23,
    ``weekday``: Mon..Sun): ``trades``, ``wins``, ``win_rate``, ``pnl`` (sum, account
    currency) and ``avg_pnl``; every hour or weekday is a row, empty ones with 0 trades."""
    keys = range(24) if unit == "hour" else WEEKDAYS
    when = server_times(trades["close_ts"], server_tz) if len(trades) else pd.DatetimeIndex([])
    slot = np.asarray(when.hour if unit == "hour" else when.day_of_week, dtype=np.int64)
    pnl = trades["pnl"].to_numpy(np.float64) if len(trades) else np.zeros(0)
    n = np.bincount(slot, minlength=len(keys)).astype(np.int64)
    wins = np.bincount(slot, weights=(pnl > 0).astype(float), minlength=len(keys))
    total = np.bincount(slot, weights=pnl, minlength=len(keys))
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"trades": n, "wins": wins.astype(np.int64),
                             "win_rate": wins / n, "pnl": total, "avg_pnl": total / n},
                            index=pd.Index(list(keys), name=unit))
