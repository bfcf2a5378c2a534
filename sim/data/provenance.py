"""Where a run's ticks came from, in a form the summary, the store and the report share.

``describe(tables)`` -> JSON-ready dict (stored with the run); ``lines(info)`` -> the
short text lines printed under the backtest summary and shown in the report: real or
synthetic (and which MT5 mode), the server time zone assumed, and the import clean-ups
counted by reason.
"""

from __future__ import annotations

from sim.data.synthetic import MODES
from sim.data.table import TickTable


def describe(tables: list[TickTable]) -> dict:
    """Per table: symbol, rows, source, synthetic mode, server time zone, clean-ups.

    Clean-ups are the table's issues summed by (kind, action) over its files.
    """
    out = []
    for t in tables:
        counts: dict[tuple[str, str], int] = {}
        for i in t.issues:
            counts[(i.kind, i.action)] = counts.get((i.kind, i.action), 0) + int(i.count)
        out.append({"symbol": t.symbol, "rows": len(t), "source": t.source,
                    "synthetic": t.synthetic, "server_tz": t.server_tz,
                    "cleanups": [{"kind": k, "action": a, "count": n}
                                 for (k, a), n in counts.items()]})
    return {"tables": out}


def _cleanup(c: dict) -> str:
    return f"{c['kind']}: {c['count']:,} {c['action']}" if c["count"] else \
        f"{c['kind']}: {c['action']}"


def lines(info: dict | None) -> list[str]:
    """Two lines per table: what the ticks are (and the zone assumed), and the clean-ups."""
    out = []
    for t in (info or {}).get("tables", []):
        sym = t.get("symbol") or "?"
        if t.get("synthetic"):
            bars = t["source"].split(" from ", 1)[-1]
            what = (f"SYNTHETIC ticks generated from {bars} bars ({t['synthetic']}, as "
                    f"{MODES.get(t['synthetic'], '?')}), not real ticks")
        else:
            what = f"real ticks ({t['source']})"
        out.append(f"data {sym}: {t['rows']:,} {what}; server time zone assumed "
                   f"{t['server_tz']}")
        cleanups = "; ".join(_cleanup(c) for c in t.get("cleanups", [])) or "none"
        out.append(f"import clean-ups {sym}: {cleanups}")
    return out
