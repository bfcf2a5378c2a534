"""``ticklab runs compare A B [C ...]``: stored runs side by side: what differs in their
configs, their headline metrics, and their records table by table, row by row.

A shadow session and a backtest of the same ticks (or two backtests) should agree on every
order, fill, rejection, trade, risk event and still-open position; ``compare_runs`` says
so, or shows the first rows where they part.  Columns that name the run (``run_id``) are ignored, and
so are the trades' excursions (``sim.trade_analysis.EXCURSIONS``): they are read off the
ticks, which a backtest keeps and a live session does not, not decided by the run.
"""

from __future__ import annotations

import json

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
        shown = ", ".join(f"{c}: {_short(x.iloc[i][c])} vs {_short(y.iloc[i][c])}"
                          for c in cols[:4])
        return False, (f"{int(rows.sum()):,} of {n:,} rows differ; first at row {i}: {shown}"
                       + (f"; lengths {len(x):,} vs {len(y):,}" if len(x) != len(y) else ""))
    return False, f"the first {n:,} rows agree; lengths {len(x):,} vs {len(y):,}"


def _short(v) -> str:
    """A cell as read: a text quoted, a number or an instant as printed."""
    return repr(v) if isinstance(v, str) else str(v)


def flat_config(run: dict) -> dict:
    """A loaded run's (``load_run``) config as {dotted key: value}; a sweep's parameter
    set, whose config is its sweep's, adds its parameters (``runs.params``)."""
    import yaml

    out: dict = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")
        elif prefix:
            out[prefix[:-1]] = node

    walk(yaml.safe_load(run.get("config") or "") or {}, "")
    out.update(json.loads(run["run"].get("params") or "{}"))
    return out


ABSENT = "–"


def config_diff(runs: list[dict]) -> list[tuple[str, list]]:
    """[(key, each run's value)] for every config key whose value is not the same in all
    ``runs`` (``ABSENT`` where a run has no such key), keys sorted."""
    flats = [flat_config(r) for r in runs]
    keys = sorted(set().union(*flats))
    rows = [(k, [f.get(k, ABSENT) for f in flats]) for k in keys]
    return [(k, vals) for k, vals in rows if len({json.dumps(v, default=str) for v in vals}) > 1]


def metric_diff(runs: list[dict]) -> tuple[list[tuple[str, list[str]]], int]:
    """The headline metrics (``metric_rows``) that differ between ``runs``, formatted, and
    how many are the same in all."""
    from sim.metrics import metric_rows

    tables = [{key: (label, text) for label, key, text in metric_rows(r["metrics"])}
              for r in runs]
    keys = list(dict.fromkeys(k for t in tables for k in t))
    rows, same = [], 0
    for k in keys:
        texts = [t.get(k, ("", ABSENT))[1] for t in tables]
        label = next(t[k][0] for t in tables if k in t)
        if len(set(texts)) > 1:
            rows.append((label.strip(), texts))
        else:
            same += 1
    return rows, same
