"""``ticklab report RUN_ID``: the HTML report of a stored run (``ticklab runs``: sim/runs_cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.store import default_store_path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ticklab")
    sub = p.add_subparsers(dest="verb", required=True)
    rep = sub.add_parser("report", help="write the HTML report of a stored run (offline)")
    rep.add_argument("run_id", type=int)
    rep.add_argument("--db", type=Path, default=None,
                     help="results database (default: $TICKLAB_STORE or ./ticklab.sqlite)")
    rep.add_argument("--out", type=Path, default=None,
                     help="HTML file to write (default: reports/run-<id>.html)")
    return p


def compare(console, db, words: list[str]) -> int:
    """``ticklab runs compare A B [C ...]``: what differs in the runs' configs and headline
    metrics, then each run's records against the first's, table by table; exit 0 when the
    records are identical."""
    from sim.compare import compare_runs, config_diff, metric_diff
    from sim.store import load_run

    ids = words[1:]
    if words[:1] != ["compare"] or len(ids) < 2 or not all(w.isdigit() for w in ids):
        console.print("usage: ticklab runs compare RUN_A RUN_B [RUN_C ...]")
        return 2
    ids = [int(w) for w in ids]
    try:
        runs = [load_run(db, i) for i in ids]
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        return 1
    heads = [f"run {i}" for i in ids]
    diff = config_diff(runs)
    if diff:
        t = Table(title=f"config: {len(diff)} key(s) differ", title_justify="left")
        for name in ("key", *heads):
            t.add_column(name, overflow="fold")
        for key, values in diff[:MAX_KEYS]:
            t.add_row(key, *(escape(str(v)) for v in values))
        console.print(t)
        if len(diff) > MAX_KEYS:
            console.print(f"(+{len(diff) - MAX_KEYS} more keys differ)")
    else:
        console.print("config: identical")
    rows, same = metric_diff(runs)
    if rows:
        t = Table(title=f"metrics: {len(rows)} differ, {same} the same", title_justify="left")
        t.add_column("metric")
        for name in heads:
            t.add_column(name, justify="right")
        for label, texts in rows:
            t.add_row(label, *texts)
        console.print(t)
    else:
        console.print(f"metrics: all {same} the same")
    ok = True
    for other in ids[1:]:
        records = compare_runs(db, ids[0], other)
        t = Table(title=f"records: run {ids[0]} vs run {other}", title_justify="left")
        for name in ("table", "same", "detail"):
            t.add_column(name)
        for name, same_rows, detail in records:
            t.add_row(name, "[green]yes[/green]" if same_rows else "[red]no[/red]", detail)
        console.print(t)
        ok = ok and all(same_rows for _, same_rows, _ in records)
    names = f"runs {', '.join(map(str, ids[:-1]))} and {ids[-1]}"
    console.print(f"{names} are identical (orders, fills, rejections, trades, risk events, "
                  f"open positions)" if ok else f"{names} differ")
    return 0 if ok else 1


MAX_KEYS = 40        # config keys shown (a live session's and a backtest's differ in many)


def existing_store(console, db) -> Path | None:
    """``db`` (default: ``default_store_path()``) if it exists; else one line and None."""
    db = Path(db if db is not None else default_store_path())
    if db.exists():
        return db
    console.print(f"[red]no results database at {db}[/red] (run a backtest first, "
                  "or pass --db / set TICKLAB_STORE)")
    return None


def main(argv: list[str]) -> int:
    """Entry point of the ``report`` and ``runs`` verbs; returns the exit code."""
    args = _parser().parse_args(argv)
    console = Console()
    db = existing_store(console, args.db)
    if db is None:
        return 1
    from sim.report import write_report

    out = args.out or Path("reports") / f"run-{args.run_id}.html"
    try:
        path = write_report(db, args.run_id, out)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        return 1
    console.print(f"report: {path}")
    return 0
