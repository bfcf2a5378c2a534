"""``ticklab report RUN_ID`` and ``ticklab runs``: the results store from the terminal."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.store import default_store_path, list_runs


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ticklab")
    sub = p.add_subparsers(dest="verb", required=True)
    rep = sub.add_parser("report", help="write the self-contained HTML report of a stored run")
    rep.add_argument("run_id", type=int)
    rep.add_argument("--db", type=Path, default=None,
                     help="results database (default: $TICKLAB_STORE or ./ticklab.sqlite)")
    rep.add_argument("--out", type=Path, default=None,
                     help="HTML file to write (default: reports/run-<id>.html)")
    runs = sub.add_parser("runs", help="list the runs in the results store; "
                                        "runs compare A B: two runs row by row")
    runs.add_argument("compare", nargs="*", metavar="compare A B",
                      help="compare run A with run B (orders, fills, trades, ...)")
    runs.add_argument("--db", type=Path, default=None,
                      help="results database (default: $TICKLAB_STORE or ./ticklab.sqlite)")
    return p


def _fmt(v, pattern: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return pattern.format(v)


def runs_table(db) -> Table:
    """Rich table of the stored runs: id, started, strategy, symbol, trades, net P&L, max DD."""
    df = list_runs(db)
    members = df["mode"] == "sweep"
    table = Table(title=f"Runs in {db}", caption=(
        f"(and {int(members.sum()):,} parameter sets of {df.loc[members, 'sweep_id'].nunique()}"
        f" sweep(s): docs/research.md)" if members.any() else None))
    df = df[~members]
    for name, justify in (("id", "right"), ("started", "left"), ("strategy", "left"),
                          ("symbol", "left"), ("execution", "left"), ("trades", "right"),
                          ("net P&L", "right"), ("max DD", "right"), ("max DD %", "right")):
        table.add_column(name, justify=justify)
    for row in df.itertuples(index=False):
        net = row.net_pnl
        style = None if net is None or math.isnan(net) else ("green" if net > 0 else "red")
        table.add_row(str(row.id), str(row.started)[:16].replace("T", " "), str(row.strategy or ""),
                      str(row.symbols or ""), str(row.execution or ""), _fmt(row.n_trades, "{:,}"),
                      _fmt(net, "{:,.2f}"), _fmt(row.max_dd, "{:,.2f}"),
                      _fmt(None if row.max_dd_pct is None else row.max_dd_pct * 100, "{:.2f} %"),
                      style=style)
    return table


def _compare(console, db, words: list[str]) -> int:
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


def main(argv: list[str]) -> int:
    """Entry point of the ``report`` and ``runs`` verbs; returns the exit code."""
    args = _parser().parse_args(argv)
    console = Console()
    db = args.db if args.db is not None else default_store_path()
    if not Path(db).exists():
        console.print(f"[red]no results database at {db}[/red] (run a backtest first, "
                      "or pass --db / set TICKLAB_STORE)")
        return 1
    if args.verb == "runs" and args.compare:
        return _compare(console, db, args.compare)
    if args.verb == "runs":
        console.print(runs_table(db))
        return 0
    from sim.report import write_report

    out = args.out or Path("reports") / f"run-{args.run_id}.html"
    try:
        path = write_report(db, args.run_id, out)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        return 1
    console.print(f"report: {path}")
    return 0
