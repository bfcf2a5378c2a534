"""``summarise``: what a loaded tick table contains (used by ``ticklab data info``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data.symbols import load_symbol
from sim.data.table import TickTable

NS_PER_MIN = 60_000_000_000
NS_PER_HOUR = 60 * NS_PER_MIN
LARGEST_GAPS = 5


def iso_utc(ns: int) -> str:
    return pd.Timestamp(int(ns), tz="UTC").isoformat()


def infer_digits(prices: np.ndarray, max_digits: int = 8) -> int:
    """Smallest number of decimals that writes every (sampled) price exactly."""
    p = prices[np.isfinite(prices)]
    if len(p) > 100_000:
        p = p[:: len(p) // 100_000]
    for d in range(max_digits + 1):
        scaled = p * 10.0 ** d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return d
    return max_digits


def point_of(table: TickTable) -> tuple[float, str]:
    """The symbol's point and where it came from (spec, or inferred from the prices)."""
    if table.symbol:
        try:
            spec = load_symbol(table.symbol)
            return spec.point, f"symbol spec {spec.name} ({spec.digits} digits)"
        except ValueError:
            pass
    d = infer_digits(np.concatenate([table.bid[:200_000], table.ask[:200_000]]))
    return 10.0 ** -d, f"inferred from the prices ({d} digits; no symbol spec)"


def summarise(table: TickTable, gap_minutes: float = 30) -> dict:
    """Return a JSON-ready summary: span, coverage, gaps, spread, tick rate, issues."""
    n = len(table)
    ts = np.asarray(table.ts, np.int64)
    out: dict = {
        "symbol": table.symbol, "rows": n, "source": table.source,
        "server_tz": table.server_tz, "fingerprint": table.fingerprint,
        "paths": list(table.paths),
        "first_utc": iso_utc(ts[0]) if n else None, "last_utc": iso_utc(ts[-1]) if n else None,
        "issues": [i.describe() for i in table.issues],
    }
    if n == 0:
        return out
    hours = np.unique(ts // NS_PER_HOUR)
    span_h = int((ts[-1] - ts[0]) // NS_PER_HOUR) + 1
    out["hours_with_ticks"] = len(hours)
    out["hours_spanned"] = span_h
    limit = int(gap_minutes * NS_PER_MIN)
    d = np.diff(ts)
    gi = np.flatnonzero(d > limit)
    top = gi[np.argsort(d[gi], kind="stable")[::-1][:LARGEST_GAPS]]
    out["gaps"] = {
        "longer_than_minutes": gap_minutes, "count": len(gi),
        "total_hours": round(float(d[gi].sum()) / NS_PER_HOUR, 2),
        "largest": [{"start": iso_utc(ts[i]), "end": iso_utc(ts[i + 1]),
                     "minutes": round(float(d[i]) / NS_PER_MIN, 1)} for i in top],
    }
    point, point_src = point_of(table)
    spread = (np.asarray(table.ask) - np.asarray(table.bid)) / point
    spread = spread[np.isfinite(spread)]
    out["spread_points"] = {
        "point": point, "point_from": point_src,
        "min": round(float(spread.min()), 2), "median": round(float(np.median(spread)), 2),
        "p99": round(float(np.percentile(spread, 99)), 2),
        "max": round(float(spread.max()), 2),
    }
    _, per_min = np.unique(ts // NS_PER_MIN, return_counts=True)
    out["tick_rate"] = {
        "per_active_minute_mean": round(float(per_min.mean()), 2),
        "per_active_minute_median": float(np.median(per_min)),
        "per_active_minute_max": int(per_min.max()),
        "active_minutes": len(per_min),
        "per_active_hour": round(n / len(hours), 1),
    }
    return out
