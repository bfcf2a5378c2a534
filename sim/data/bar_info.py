"""``summarise_bars``: what a bar file holds (``ticklab data info`` on bars)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data.bars import NS_PER_MIN, bar_period_ns, timeframe_name
from sim.data.info import LARGEST_GAPS, iso_utc


def summarise_bars(bars: pd.DataFrame, gap_minutes: float = 30) -> dict:
    """JSON-ready summary of a ``load_bars`` frame.

    Fields: format, symbol, timeframe (the file's stated period, else the most common bar
    spacing), bars, first/last bar open (UTC), server time zone assumed, gaps (spacings
    longer than both the timeframe and ``gap_minutes``: count, bars missing, the largest
    five), spread in points (min/median/max, or none), tick volume and real volume sums.
    """
    ts = pd.DatetimeIndex(bars["ts"]).asi8
    period = bar_period_ns(bars)
    d = np.diff(ts)
    gi = np.flatnonzero(d > max(period, int(gap_minutes * NS_PER_MIN)))
    top = gi[np.argsort(d[gi], kind="stable")[::-1][:LARGEST_GAPS]]
    spread = bars["spread"].to_numpy()
    return {
        "kind": "bars", "format": bars.attrs.get("source"), "symbol": bars.attrs.get("symbol"),
        "timeframe": timeframe_name(period),
        "timeframe_from": "the file" if bars.attrs.get("period") else "the bar spacing",
        "bars": len(bars), "first_utc": iso_utc(ts[0]), "last_utc": iso_utc(ts[-1]),
        "server_tz": bars.attrs.get("server_tz"),
        "gaps": {"longer_than_minutes": max(period / NS_PER_MIN, gap_minutes),
                 "count": len(gi), "missing_bars": int((d[gi] // period - 1).sum()),
                 "largest": [{"start": iso_utc(ts[i]), "end": iso_utc(ts[i + 1]),
                              "minutes": round(float(d[i]) / NS_PER_MIN, 1)} for i in top]},
        "spread_points": ({"min": int(spread.min()), "median": float(np.median(spread)),
                           "max": int(spread.max())} if spread.any() else None),
        "tick_volume": int(bars["tick_volume"].sum()),
        "real_volume": float(bars["real_volume"].sum()),
        "paths": [bars.attrs.get("path")],
    }
