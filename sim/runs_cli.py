"""``ticklab runs``: the results store from the terminal (docs/store.md).

    ticklab runs [list] [--sweep ID] [--mode M] [--sort METRIC] [--limit N] [--json]
    ticklab runs show ID
    ticklab runs compare A B [C ...]
    ticklab runs report ID
    ticklab runs merge OTHER.sqlite

``merge`` copies the runs and sweeps of a store made elsewhere (another machine, a
cluster node) into this one, with new ids.  ``list`` shows the runs (a sweep's parameter sets only with ``--sweep``, then with their
parameters as columns), sorted by any column or metric; ``--json`` prints every column
and every metric, for scripts.  It reads in 80 columns and in a pipe.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.store import runs_frame


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ticklab runs", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("words", nargs="*",
                   metavar="list | show ID | compare A B [C ...] | report ID | merge FILE")
    p.add_argument("--db", type=Path, default=None,
                   help="results database (default: $TICKLAB_STORE or ./ticklab.sqlite)")
    p.add_argument("--sweep", type=int, default=None, help="the parameter sets of this sweep")
    p.add_argument("--mode", default=None,
                   help="only runs of this mode: backtest, sweep, shadow, demo, production")
    p.add_argument("--sort", default="id",
                   help="a column or metric (default id); drawdowns and costs: smallest first")
    p.add_argument("--limit", type=int, default=None, help="at most this many rows")
    p.add_argument("--json", action="store_true", help="every column and metric, as JSON")
    return p


def _fmt(v, pattern: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return pattern.format(v)


SHOWN = [("trades", "n_trades", "{:,.0f}"), ("net P&L", "net_pnl", "{:,.2f}"),
         ("DD %", "max_dd_pct", "{:.2%}"), ("Sharpe", "sharpe", "{:.2f}")]


def runs_list(db, sweep: int | None, mode: str | None, sort: str, limit: int | None):
    """The runs as a DataFrame, filtered, sorted and cut."""
    from sim.sweep_report import LOWER_IS_BETTER

    df = runs_frame(db, sweep, mode)
    if sweep is None and mode is None:
        df = df[df["mode"] != "sweep"]
    if sort not in df.columns:
        raise ValueError(f"--sort {sort}: no such column or metric here (e.g. id, net_pnl, "
                         f"sharpe, max_dd_pct, n_trades)")
    if sort != "id":
        df = df.sort_values(sort, ascending=sort in LOWER_IS_BETTER, na_position="last",
                            kind="stable")
    return df.head(limit) if limit else df


def list_table(df, db, sweep: int | None) -> Table:
    params = [c for c in df.columns if "." in c and c.split(".")[0] in
              ("strategy", "risk", "execution", "account")]
    title = f"Sweep {sweep} in {db}" if sweep is not None else f"Runs in {db}"
    t = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    head = ["id", "started"] + ([p.rpartition(".")[2] for p in params] if sweep is not None
                                else ["strategy", "symbol", "mode"])
    for name in head:
        t.add_column(name, justify="right" if name == "id" else "left", no_wrap=True)
    for name, _, _ in SHOWN:
        t.add_column(name, justify="right", no_wrap=True)
    for r in df.to_dict("records"):
        net = r.get("net_pnl")
        style = None if net is None or math.isnan(net) else ("green" if net > 0 else "red")
        cells = [str(r["id"]), str(r["started"])[5:16].replace("T", " ")]
        cells += [str(r[p]) for p in params] if sweep is not None else \
            [str(r["strategy"] or ""), str(r["symbols"] or ""), str(r["mode"] or "")]
        t.add_row(*cells, *[_fmt(r.get(k), pat) for _, k, pat in SHOWN], style=style)
    return t


def show(console, db, run_id: int) -> int:
    from sim.metrics import metric_rows
    from sim.store import load_run

    try:
        run = load_run(db, run_id)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        return 1
    r = run["run"]
    console.print(f"run {run_id}: {r['strategy']} on {r['symbols']}, {r['mode']}, execution "
                  f"{r['execution'] or '–'}, started "
                  f"{r['started'][:19]}, {r['n_ticks']:,} ticks, code {r['code_version']}"
                  + (f"; sweep {r['sweep_id']}, {r['params']}" if r.get("sweep_id") else ""),
                  soft_wrap=True)
    t = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    t.add_column("metric")
    t.add_column("value", justify="right")
    for label, _, value in metric_rows(run["metrics"]):
        t.add_row(label, value)
    console.print(t)
    return 0


def main(argv: list[str]) -> int:
    a = _parser().parse_intermixed_args(argv[1:] if argv[:1] == ["runs"] else argv)
    console = Console()
    words = a.words or ["list"]
    if words[0] == "merge" and len(words) == 2:      # into this store, created if need be
        from sim.store import default_store_path, merge_store

        db = a.db if a.db is not None else default_store_path()
        if not Path(words[1]).exists():
            console.print(f"[red]ticklab runs merge: no store at {words[1]}[/red]")
            return 1
        n = merge_store(words[1], db)
        console.print(f"merged {words[1]} into {db}: {n['runs']} runs, {n['sweeps']} sweeps"
                      + (f" ({n['skipped']} already there)" if n["skipped"] else ""))
        return 0
    from sim.report_cli import existing_store

    db = existing_store(console, a.db)
    if db is None:
        return 1
    if words[0] == "compare":
        from sim.report_cli import compare

        return compare(console, db, words)
    if words[0] == "report" and len(words) == 2 and words[1].isdigit():
        from sim.report_cli import main as report_main

        return report_main(["report", words[1], "--db", str(db)])
    if words[0] == "show" and len(words) == 2 and words[1].isdigit():
        return show(console, db, int(words[1]))
    if words != ["list"]:
        console.print("usage: ticklab runs [list] [--sweep ID] [--sort METRIC] [--json] | "
                      "show ID | compare A B [C ...] | report ID | merge OTHER.sqlite")
        return 2
    try:
        df = runs_list(db, a.sweep, a.mode, a.sort, a.limit)
    except ValueError as exc:
        console.print(f"[red]ticklab runs: {escape(str(exc))}[/red]", soft_wrap=True)
        return 2
    if a.json:
        try:
            print(df.to_json(orient="records"))      # NaN as null; 10 significant digits
        except BrokenPipeError:                       # | head: fine
            sys.stdout = open(os.devnull, "w")        # (closed at exit)
        return 0
    console.print(list_table(df, db, a.sweep))
    hidden = runs_frame(db, mode="sweep") if a.sweep is None and a.mode is None else None
    if hidden is not None and len(hidden):
        console.print(f"(and {len(hidden):,} parameter sets of {hidden['sweep_id'].nunique()} "
                      f"sweep(s): ticklab runs --sweep ID)")
    return 0
