"""``ticklab report RUN_ID``: the HTML report of a stored run (``ticklab runs``: sim/runs_cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
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
    """``ticklab runs compare A B``: two runs side by side, table by table."""
    from sim.compare import compare_runs

    if len(words) != 3 or words[0] != "compare" or not all(w.isdigit() for w in words[1:]):
        console.print("usage: ticklab runs compare RUN_A RUN_B")
        return 2
    a, b = int(words[1]), int(words[2])
    try:
        rows = compare_runs(db, a, b)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        return 1
    table = Table(title=f"run {a} vs run {b} ({db})")
    for name in ("table", "same", "detail"):
        table.add_column(name)
    for name, same, detail in rows:
        table.add_row(name, "[green]yes[/green]" if same else "[red]no[/red]", detail)
    console.print(table)
    ok = all(same for _, same, _ in rows)
    console.print(f"runs {a} and {b} are identical" if ok else f"runs {a} and {b} differ")
    return 0 if ok else 1


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
