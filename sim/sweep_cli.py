"""``ticklab sweep``: ``sim.sweep`` from the terminal (docs/research.md).

    ticklab sweep strategy.fast=10:100:10 strategy.slow=100,200,400 execution=ideal
    ticklab sweep strategy.fast=10:100:10 --backend ray --ray-address auto

An argument ``KEY=START:STOP:STEP`` or ``KEY=a,b,c`` (KEY in the strategy, risk, execution or
account group) is an axis; any other ``KEY=VALUE`` is a Hydra override for every run.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.sweeps import AXES, RANGE, SweepError


def split_args(items: list[str]) -> tuple[dict[str, str], list[str]]:
    """(axes as their text, overrides) from ``KEY=VALUE`` arguments; the API reads each
    axis once it knows the key's type in the config (``sim.sweeps.axis_values``)."""
    grid, overrides = {}, []
    for item in items:
        key, eq, value = item.partition("=")
        group = key.lstrip("+~").partition(".")[0]
        axis = eq and group in AXES and "." in key and not value.startswith("[") and \
            ("," in value or RANGE.match(value.strip()))
        if axis:
            if key in grid:
                raise SweepError(f"{key}: given twice")
            grid[key] = value
        else:
            overrides.append(item)
    return grid, overrides


def config_errors() -> tuple[type[Exception], ...]:
    """What a mistake in the axes or overrides raises (ours, Hydra's, OmegaConf's)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    return SweepError, ValueError, TypeError, OSError, HydraException, OmegaConfBaseException


def one_line(exc: Exception) -> str:
    """An error as one line: Hydra's paragraphs cut to their first sentence, with the fix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "multirun" in str(exc).lower():
        text += " (several values for a config group or a data key: ticklab backtest -m)"
    return text


def checked_overrides(overrides: list[str]) -> list[str]:
    """``overrides``, or one line naming a config group option that does not exist."""
    from sim.hydra_cli import unknown_group_option

    problem = unknown_group_option(overrides)
    if problem:
        raise SweepError(problem)
    return overrides


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ticklab sweep", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("items", nargs="*", metavar="KEY=VALUES",
                   help="axes (START:STOP:STEP, stop included; or a,b,c) and overrides")
    p.add_argument("--jobs", type=int, default=-1,
                   help="threads, or Ray tasks at once with --backend ray (default: every "
                        "core, or every CPU of the Ray cluster)")
    p.add_argument("--backend", default="threads",
                   help="threads (this process, the default) or ray (a Ray cluster: "
                        "the ray extra); the results are stored here either way")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="with --backend ray: the cluster (auto, host:6379, "
                        "ray://host:10001); default: a local Ray instance")
    p.add_argument("--sort", default="net_pnl",
                   help="metric ranking the runs (default net_pnl; drawdowns and costs: "
                        "smaller is better)")
    p.add_argument("--top", type=int, default=10, help="rows of the table (default 10)")
    p.add_argument("--trades", action="store_true",
                   help="store each run's orders, fills and trades too (large)")
    p.add_argument("--db", type=Path, default=None,
                   help="results database (default: $TICKLAB_STORE or ./ticklab.sqlite)")
    p.add_argument("--report-dir", type=Path, default=Path("reports"))
    p.add_argument("--no-report", action="store_true", help="no sweep report")
    return p


def _fmt(v, pattern="{:,.2f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return pattern.format(v)


def top_table(frame, axes: list[str], metric: str, n: int, title: str,
              id_col: tuple[str, str] = ("run", "run_id")) -> Table:
    from sim.sweep_report import ranked

    short = [a.rpartition(".")[2] for a in axes]
    if len(set(short)) < len(short):
        short = list(axes)
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    cols = [("#", "{}"), (id_col[0], "{}"), *[(a, "{}") for a in short]]
    shown = [("net P&L", "net_pnl", "{:,.2f}"), ("trades", "n_trades", "{:,.0f}"),
             ("win %", "win_rate", "{:.1%}"), ("PF", "profit_factor", "{:.2f}"),
             ("max DD %", "max_dd_pct", "{:.2%}"), ("Sharpe", "sharpe", "{:.2f}")]
    if metric not in [k for _, k, _ in shown]:
        shown.append((metric, metric, "{:,.4g}"))
    for name, _ in cols:
        table.add_column(name, justify="right", no_wrap=True)
    for name, _, _ in shown:
        table.add_column(name, justify="right", no_wrap=True)
    for rank, r in enumerate(ranked(frame, metric).head(n).to_dict("records"), 1):
        net = r.get("net_pnl", math.nan)
        style = None if math.isnan(net) else ("green" if net > 0 else "red")
        table.add_row(str(rank), str(r.get(id_col[1], "–")), *[str(r[a]) for a in axes],
                      *[_fmt(r.get(k), pat) for _, k, pat in shown], style=style)
    return table


def main(argv: list[str]) -> int:
    from sim.sweep_report import stability, write_sweep_report
    from sim.sweeps import sweep

    a = _parser().parse_intermixed_args(argv)
    console = Console()
    try:
        grid, overrides = split_args(a.items)
        checked_overrides(overrides)
        from sim.sweep_report import check_metric

        check_metric(a.sort)               # an unknown metric: one line, before any run
        store = a.db if a.db is not None else True
        frame = sweep(grid=grid, overrides=overrides, n_jobs=a.jobs, store=store,
                      trades=a.trades, backend=a.backend, ray_address=a.ray_address)
    except config_errors() as exc:
        console.print(f"[red]ticklab sweep: {escape(one_line(exc))}[/red]", soft_wrap=True)
        return 2
    at = frame.attrs
    grid = at["grid"]                   # the axes' values as the API read them
    skipped, failed = at["skipped"], at["failed"]
    n_ticks = int(frame.attrs.get("n_ticks", 0))
    unit = "Ray worker" if at.get("backend") == "ray" else "thread"
    head = (f"sweep {at['sweep_id']}: {len(frame)} parameter sets ran in {at['seconds']:.1f} s "
            f"on {at['n_jobs']} {unit}{'s' * (at['n_jobs'] > 1)}" +
            (f", {n_ticks:,} ticks each" if n_ticks else "") + f"; stored in {at['store']}")
    console.print(head, soft_wrap=True)
    for label, rows in (("skipped", skipped), ("failed", failed)):
        if rows:
            console.print(f"[yellow]{len(rows)} {label}[/yellow], e.g. "
                          f"{escape(rows[0]['reason'])}", soft_wrap=True)
    if not len(frame):
        return 1
    axes = list(grid)
    console.print(top_table(frame, axes, a.sort, a.top, f"Best {min(a.top, len(frame))} by "
                            f"{a.sort}"))
    st = stability(frame, grid, a.sort)
    if "robust" in st:
        b, r = st["best"], st["robust"]
        console.print(f"best {_params(b)}: {a.sort} {b['value']:,.4g}, its neighbours "
                      f"average {b['hood_mean']:,.4g}; most robust {_params(r)}: "
                      f"{r['value']:,.4g}, neighbours average {r['hood_mean']:,.4g}",
                      soft_wrap=True)
    if st.get("edge"):
        console.print(f"[yellow]the best is on the edge of the grid in "
                      f"{', '.join(st['edge'])}: widen that range[/yellow]", soft_wrap=True)
    if not a.no_report:
        path = write_sweep_report(frame, grid, a.sort, a.report_dir / f"sweep-{at['sweep_id']}.html",
                                  f"ticklab sweep {at['sweep_id']}", at.get("config_yaml", ""))
        console.print(f"report: {path}")
    return 0


def _params(d: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in d["params"].items())
