"""``ticklab runs compare A B``: two stored runs side by side, table by table, row by row.

A shadow session and a backtest of the same ticks (or two backtests) should agree on every
order, fill, rejection, trade, risk event and still-open position; this says so, or shows
the first rows where they part.  Columns that name the run (``run_id``) are ignored, and
so are the trades' excursions (``sim.trade_analysis.EXCURSIONS``): they are read off the
ticks, which a backtest keeps and a live session does not, not decided by the run.
"""

from __future__ import annotations

import pandas as pd

from sim.store import load_run
from sim.trade_analysis import EXCURSIONS

TABLES = ("orders", "fills", "rejections", "trades", "risk_events", "positions")


def compare_runs(db, a: int, b: int, tables=TABLES) -> list[tuple[str, bool, str]]:
    """[(table, identical, one-line detail)] for runs ``a`` and ``b`` of the store ``db``."""
    ra, rb = load_run(db, a), load_run(db, b)
    out = []
    for t in tables:
        skip = ["run_id", *EXCURSIONS]
        x = ra[t].drop(columns=skip, errors="ignore").reset_index(drop=True)
        y = rb[t].drop(columns=skip, errors="ignore").reset_index(drop=True)
        out.append((t, *_diff(x, y)))
    return out


def _diff(x: pd.DataFrame, y: pd.DataFrame) -> tuple[bool, str]:
    if x.equals(y):
        return True, f"{len(x):,} rows identical"
    if list(x.columns) != list(y.columns):
        return False, f"columns differ: {sorted(set(x.columns) ^ set(y.columns))}"
    n = min(len(x), len(y))
    neq = ~((x.iloc[:n] == y.iloc[:n]) | (x.iloc[:n].isna() & y.iloc[:n].isna()))
    rows = neq.any(axis=1)
    if rows.any():
        i = int(rows.to_numpy().nonzero()[0][0])
        cols = [c for c in x.columns if neq.iloc[i][c]]
        shown = ", ".join(f"{c}: {x.iloc[i][c]!r} vs {y.iloc[i][c]!r}" for c in cols[:4])
        return False, (f"{int(rows.sum()):,} of {n:,} rows differ; first at row {i}: {shown}"
                       + (f"; lengths {len(x):,} vs {len(y):,}" if len(x) != len(y) else ""))
    return False, f"the first {n:,} rows agree; lengths {len(x):,} vs {len(y):,}"
