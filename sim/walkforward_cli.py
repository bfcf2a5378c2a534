"""``ticklab walkforward``: ``sim.walk_forward`` from the terminal (docs/research.md).

    ticklab walkforward strategy.fast=20,50,100 strategy.slow=200,400,800 --train 12h --test 6h

Axes and overrides as ``ticklab sweep``: each in-sample window sweeps the axes, the best
set by ``--sort`` trades the out-of-sample window that follows.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.sweep_cli import checked_overrides, config_errors, one_line, split_args


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ticklab walkforward", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("items", nargs="*", metavar="KEY=VALUES", help="axes and overrides")
    p.add_argument("--train", required=True, help="in-sample length: 12h, 2d, 1w ...")
    p.add_argument("--test", required=True, help="out-of-sample length")
    p.add_argument("--step", default=None, help="between windows (default: --test)")
    p.add_argument("--anchored", action="store_true",
                   help="in-sample windows all start at the first tick (default: rolling)")
    p.add_argument("--sort", default="net_pnl", help="in-sample metric to maximise "
                   "(drawdowns and costs: minimise); default net_pnl")
    p.add_argument("--jobs", type=int, default=-1, help="threads (default: every core)")
    p.add_argument("--report-dir", type=Path, default=Path("reports"))
    p.add_argument("--no-report", action="store_true")
    return p


def windows_table(res, metric: str) -> Table:
    short = [a.rpartition(".")[2] for a in res.axes]
    if len(set(short)) < len(short):
        short = list(res.axes)
    t = Table(title="Walk-forward: in-sample choice, out-of-sample result",
              box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    for name in ("#", "out-of-sample", *short, f"IS {metric}", "OOS P&L", "trades", "win %"):
        t.add_column(name, justify="left" if name == "out-of-sample" else "right",
                     no_wrap=True)
    for r in res.windows.to_dict("records"):
        net = r["oos_net_pnl"]
        t.add_row(str(r["window"]), f"{r['test_start']:%m-%d %H:%M}–{r['test_end']:%H:%M}",
                  *[str(r[a]) for a in res.axes], f"{r[f'is_{metric}']:,.4g}",
                  f"{net:,.2f}", f"{r['oos_trades']:,}",
                  "–" if math.isnan(r["oos_win_rate"]) else f"{r['oos_win_rate']:.1%}",
                  style="green" if net > 0 else "red")
    return t


def main(argv: list[str]) -> int:
    from sim.walkforward import walk_forward
    from sim.walkforward_report import write_walkforward_report

    a = _parser().parse_intermixed_args(argv)
    console = Console()
    try:
        grid, overrides = split_args(a.items)
        res = walk_forward(grid=grid, overrides=checked_overrides(overrides), train=a.train, test=a.test,
                           step=a.step, anchored=a.anchored, metric=a.sort, n_jobs=a.jobs,
                           progress=False)
    except config_errors() as exc:
        console.print(f"[red]ticklab walkforward: {escape(one_line(exc))}[/red]",
                      soft_wrap=True)
        return 2
    console.print(windows_table(res, a.sort))
    m = res.metrics
    wfe = "n/a (in-sample P&L not positive)" if math.isnan(m["wfe"]) else f"{m['wfe']:.2f}"
    console.print(f"out of sample: {m['windows']} windows, net P&L {m['net_pnl']:,.2f}, "
                  f"{m['n_trades']:,} trades, {m['profitable_windows']} profitable windows, "
                  f"max drawdown {m['max_dd']:,.2f}; walk-forward efficiency {wfe}",
                  soft_wrap=True)
    if not a.no_report:
        from datetime import datetime

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = write_walkforward_report(res, a.sort,
                                        a.report_dir / f"walkforward-{stamp}.html")
        console.print(f"report: {path}")
    return 0
