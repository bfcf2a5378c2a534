"""``ticklab data import|info``: import tick files into the cache, or summarise them.

    ticklab data import PATH... [--format F] [--symbol S] [--server-tz TZ]
                        [--policy KIND=ACTION ...] [--no-cache] [reader options]
    ticklab data info PATH... [same options] [--gap-minutes N] [--json]

``info`` on one bar file (``.hst``, bar CSV, Dukascopy candles, or ``--format`` a bar
format) describes the bars instead: timeframe, span, gaps, spread, volumes.

Reader options: ``--column ROLE=NAME`` (generic CSV mapping), ``--spread-points N``,
``--point P``, ``--epoch s|ms|us|ns``, ``--date-format auto|ymd|dmy``.
A ``DataError`` prints one red message and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.data.errors import POLICY_CHOICES, DataError

PROGRESS_MIN_FILES = 4


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="ticklab data", description="tick data importers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, text in (("import", "import tick files into the Parquet cache"),
                       ("info", "summarise tick files")):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("paths", nargs="+", metavar="PATH", help="file(s) or folder(s)")
        p.add_argument("--format", default="auto",
                       help="tick format, or for info a bar format (default: auto-detect)")
        p.add_argument("--symbol", help="symbol name (default: guessed from the file name)")
        p.add_argument("--server-tz", help="clock of the files: UTC, NY+7, UTC+2, an IANA name")
        p.add_argument("--policy", action="append", default=[], metavar="KIND=ACTION",
                       help="data-quality policy, e.g. crossed=keep; kinds: "
                       + ", ".join(f"{k} ({'/'.join(v)})" for k, v in POLICY_CHOICES.items()))
        p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
        p.add_argument("--column", action="append", default=[], metavar="ROLE=NAME",
                       help="generic CSV column mapping, e.g. ts=Date bid=EURUSD.bid")
        p.add_argument("--spread-points", type=float, help="generic CSV without ask: fixed spread")
        p.add_argument("--point", type=float, help="price point when the symbol is unknown")
        p.add_argument("--epoch", choices=("s", "ms", "us", "ns"), help="numeric timestamps")
        p.add_argument("--date-format", choices=("auto", "ymd", "dmy"), help="MT5 ticks dates")
        if name == "info":
            p.add_argument("--gap-minutes", type=float, default=30.0,
                           help="report gaps longer than this (default 30)")
            p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return ap


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{what} {item!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _load(args, console: Console, show_progress: bool):
    from sim.data.loader import load_ticks

    options = {}
    if args.column:
        options["columns"] = _pairs(args.column, "--column")
    for name in ("spread_points", "point", "epoch", "date_format"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    kwargs = dict(fmt=args.format, symbol=args.symbol, server_tz=args.server_tz,
                  policy=_pairs(args.policy, "--policy"), cache=not args.no_cache, **options)
    paths = args.paths if len(args.paths) > 1 else args.paths[0]
    if not show_progress:
        return load_ticks(paths, **kwargs)
    with Progress(TextColumn("[bold]importing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, description=path[-50:])

        return load_ticks(paths, progress=progress, **kwargs)


def _bar_format(args) -> str | None:
    """The bar format of ``data info``'s input, or None when it is ticks (or unknown)."""
    from sim.data.bars import sniff_bar_format
    from sim.data.formats import BAR_FORMATS
    from sim.data.loader import sniff_tick_format

    if args.cmd != "info" or len(args.paths) != 1 or args.format not in ("auto", *BAR_FORMATS):
        return None
    if args.format != "auto":
        return args.format
    p = Path(args.paths[0])
    return None if sniff_tick_format(p) else sniff_bar_format(p)


def _bars_summary(args, fmt: str) -> dict:
    from sim.data.bar_info import summarise_bars
    from sim.data.bars import load_bars
    from sim.data.loader import guess_symbol

    bars = load_bars(args.paths[0], fmt=fmt, server_tz=args.server_tz,
                     symbol=args.symbol or guess_symbol(args.paths[0]))
    return summarise_bars(bars, gap_minutes=args.gap_minutes)


def _bars_table(s: dict) -> Table:
    t = Table(title=f"bars: {s['symbol'] or '?'} {s['timeframe']} ({s['format']})",
              show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value", overflow="fold")
    t.add_row("bars", f"{s['bars']:,}")
    t.add_row("timeframe", f"{s['timeframe']} (from {s['timeframe_from']})")
    t.add_row("first bar (UTC)", s["first_utc"])
    t.add_row("last bar (UTC)", s["last_utc"])
    t.add_row("server time zone assumed", s["server_tz"])
    g = s["gaps"]
    largest = "; ".join(f"{x['start']} -> {x['end']} ({x['minutes']} min)" for x in g["largest"])
    t.add_row(f"gaps > {g['longer_than_minutes']:g} min",
              f"{g['count']} ({g['missing_bars']:,} bars missing)"
              + (f": {largest}" if largest else ""))
    sp = s["spread_points"]
    t.add_row("spread (points)", "none in the file (all zero)" if sp is None else
              f"min {sp['min']}, median {sp['median']:g}, max {sp['max']}")
    t.add_row("tick volume", f"{s['tick_volume']:,}")
    t.add_row("real volume", f"{s['real_volume']:,.6g}")
    t.add_row("files", "\n".join(s["paths"]))
    t.add_row("backtest on it", "ticklab backtest data.path=FILE data.ticks_from_bars="
              "open_only|ohlc|every_tick" + (" data.bar_spread=N" if sp is None else ""))
    return t


def _table(s: dict) -> Table:
    t = Table(title=f"ticks: {s['symbol'] or '?'} ({s['source']})", show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value", overflow="fold")
    t.add_row("rows", f"{s['rows']:,}")
    t.add_row("first (UTC)", str(s["first_utc"]))
    t.add_row("last (UTC)", str(s["last_utc"]))
    t.add_row("server time zone assumed", s["server_tz"])
    if "hours_with_ticks" in s:
        t.add_row("hours with ticks", f"{s['hours_with_ticks']} of {s['hours_spanned']} spanned")
        g = s["gaps"]
        largest = "; ".join(f"{x['start']} -> {x['end']} ({x['minutes']} min)"
                            for x in g["largest"])
        t.add_row(f"gaps > {g['longer_than_minutes']:g} min",
                  f"{g['count']} ({g['total_hours']} h)" + (f": {largest}" if largest else ""))
        sp = s["spread_points"]
        t.add_row("spread (points)", f"min {sp['min']}, median {sp['median']}, p99 {sp['p99']}, "
                  f"max {sp['max']}; point {sp['point']:g} from {sp['point_from']}")
        r = s["tick_rate"]
        t.add_row("ticks per active minute", f"mean {r['per_active_minute_mean']}, median "
                  f"{r['per_active_minute_median']:g}, max {r['per_active_minute_max']}")
        t.add_row("ticks per active hour", f"{r['per_active_hour']:,}")
    t.add_row("issues", "\n".join(s["issues"]) or "none")
    t.add_row("files", "\n".join(s["paths"]))
    t.add_row("fingerprint", s["fingerprint"])
    if s.get("cache_file"):
        t.add_row("cache file", s["cache_file"])
    return t


def main(argv: list[str] | None = None) -> int:
    """Run ``ticklab data ...``; return the exit code (2 for a data or usage error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    console = Console()
    err = Console(stderr=True)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        from sim.data import cache
        from sim.data.info import summarise

        quiet = getattr(args, "json", False)
        if (bar_fmt := _bar_format(args)) is not None:
            summary = _bars_summary(args, bar_fmt)
        else:
            table = _load(args, err, show_progress=not quiet and (
                len(args.paths) >= PROGRESS_MIN_FILES or args.cmd == "import"))
            summary = summarise(table, gap_minutes=getattr(args, "gap_minutes", 30.0))
            target = cache.cache_path(table.fingerprint)
            summary["cache_file"] = str(target) if not args.no_cache and target.exists() \
                else None
    except DataError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        return 2
    except (ValueError, OSError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(summary, indent=2))
        return 0
    console.print(_bars_table(summary) if summary.get("kind") == "bars" else _table(summary))
    if args.cmd == "import":
        where = summary["cache_file"] or "not cached (--no-cache)"
        console.print(f"cached: {where}", highlight=False, soft_wrap=True)
    return 0
