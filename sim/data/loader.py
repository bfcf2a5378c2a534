"""``load_ticks``: read tick files of any registered format into one UTC ``TickTable``.

Steps: expand the inputs (a file, a folder, or a list of them; a Dukascopy tree is one
input read by the bi5 reader, any other folder means the files in it) -> detect the
format (``sniff`` of every ``formats.TICK_FORMATS`` module in order; a module that is not
importable is skipped while sniffing) -> symbol (explicit > guessed from the file or
folder name) and its spec -> fingerprint and cache lookup -> read each file -> validate
each chunk (``validate.py``) -> convert the clock to UTC -> check the order across files
-> build the ``TickTable`` -> write it to the cache.  Nothing is cached unless every step
succeeded.

Readers may attach ``chunk.issues`` (a list of ``Issue``) and ``chunk.clock = "utc"``
(timestamps that carried their own offset; no zone is applied to them).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.data import cache as tick_cache
from sim.data.bars import sniff_bar_format
from sim.data.errors import DataError, Issue, resolve_policy
from sim.data.formats import TICK_FORMATS, Chunk, format_module
from sim.data.symbols import available_symbols, load_symbol
from sim.data.synthetic import CHOICES
from sim.data.table import TickTable
from sim.data.timezones import normalise_tz, server_to_utc
from sim.data.validate import validate_chunk

NS_PER_HOUR = 3_600_000_000_000
VALIDATE_OPTIONS = ("spike_sigma", "spike_pct")
_NAME_PATTERNS = (
    re.compile(r"^DAT_(?:ASCII|MT|XLSX|NT)_([A-Z0-9]{3,12})_", re.I),   # HistData
    re.compile(r"^([A-Za-z][A-Za-z0-9.#]{2,15}?)_\d{8,12}_\d{8,12}"),   # MT5 export default
)


def _head(path: Path) -> bytes:
    if path.is_dir():
        return b""
    with open(path, "rb") as fh:
        return fh.read(4096)


def sniff_tick_format(path: str | Path) -> str | None:
    """The first tick format whose ``sniff`` accepts ``path``, or None."""
    p = Path(path)
    head = _head(p)
    for name, module_path in TICK_FORMATS.items():
        try:
            mod = importlib.import_module(module_path)
        except ImportError:
            continue  # a reader that has not landed (yet): skip while sniffing only
        try:
            if mod.sniff(str(p), head):
                return name
        except Exception:  # sniff must not raise; treat as "not this format"
            continue
    return None


def refuse_bars(path: Path) -> None:
    """Raise the "this is a bar file" ``DataError`` when ``path`` holds bars."""
    if (bar := sniff_bar_format(path)) is not None:
        raise DataError(path, None, f"this is a bar file: set data.ticks_from_bars={CHOICES} "
                        f"to generate ticks from its {bar} bars as MT5's tester does "
                        "(`ticklab data info` describes the bars)")


def detect_format(path: str | Path) -> str:
    """Return the first tick format whose ``sniff`` accepts ``path``."""
    p = Path(path)
    if (name := sniff_tick_format(p)) is not None:
        return name
    refuse_bars(p)
    raise DataError(p, None, "not a recognised tick file",
                    f"one of the tick formats {', '.join(TICK_FORMATS)}",
                    "name the format: `ticklab data info|import --format F`, or "
                    "data.format=F for `ticklab backtest` (a generic CSV also needs its "
                    "columns: --column ROLE=NAME, or +data.columns={ts:...,bid:...})")


def _expand(path, fmt: str) -> list[tuple[Path, str]]:
    """One input -> [(file or tree, format)]."""
    p = Path(path)
    if not p.exists():
        raise DataError(p, None, "no such file or folder", "an existing path", "check the path")
    if p.is_dir():
        if fmt in ("auto", "bi5"):
            try:
                if fmt == "bi5" or format_module("bi5").sniff(str(p), b""):
                    return [(p, "bi5")]
            except ImportError:
                pass
        files = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        if not files:
            refuse_bars(p)
            raise DataError(p, None, "empty folder", "tick files", "point at the files")
        return [out for f in files for out in _expand(f, fmt)]
    return [(p, detect_format(p) if fmt == "auto" else fmt)]


def guess_symbol(path: str | Path, fmt: str | None = None) -> str | None:
    """Symbol from a bi5 tree folder, ``DAT_ASCII_EURUSD_T_...``, ``EURUSD_2022..._2022...``,
    or a file name starting with a known symbol (``EURUSD_tick...``); else None."""
    p = Path(path)
    if fmt == "bi5":
        try:
            if sym := format_module("bi5").symbol_from_path(p):
                return sym.upper()
        except (ImportError, AttributeError, OSError):
            pass
    for pat in _NAME_PATTERNS:
        if m := pat.match(p.name):
            return m.group(1).upper()
    token = re.split(r"[_\-. ]", p.stem, maxsplit=1)[0].upper()
    known = available_symbols()
    if token in known or re.fullmatch(r"[A-Z]{6}", token):
        return token
    return next((s for s in known if token.startswith(s) and len(token) <= len(s) + 2), None)


def to_utc(ts: np.ndarray, zone: str) -> np.ndarray:
    """``server_to_utc`` evaluated once per run of ticks in the same clock hour.

    Exact: each hour's offset is checked at both ends of the hour, and any hour with a
    switch inside it (or a time that does not exist) falls back to the tick-by-tick
    conversion, which also gives the precise error message.
    """
    n = len(ts)
    if n < 10_000 or zone.startswith("UTC"):
        return server_to_utc(ts, zone)
    h = ts // NS_PER_HOUR
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    if len(starts) > n // 8:
        return server_to_utc(ts, zone)
    hours = h[starts] * NS_PER_HOUR
    try:
        a = server_to_utc(hours, zone) - hours
        b = server_to_utc(hours + (NS_PER_HOUR - 1), zone) - (hours + (NS_PER_HOUR - 1))
    except ValueError:
        return server_to_utc(ts, zone)
    if np.any(a != b):
        return server_to_utc(ts, zone)
    return ts + np.repeat(a, np.diff(np.r_[starts, n]))


def _read_kwargs(mod, symbol: str | None, options: dict) -> dict:
    params = inspect.signature(mod.read).parameters
    kw = dict(options)
    if "symbol" in params and symbol is not None:
        kw["symbol"] = symbol
    return kw


def _concat(chunks: list[Chunk]) -> dict[str, np.ndarray]:
    names = [k for k in chunks[0].columns if all(k in c.columns for c in chunks)]
    if len(chunks) == 1:
        return {k: chunks[0].columns[k] for k in names}
    return {k: np.concatenate([c.columns[k] for c in chunks]) for k in names}


def _order_across(chunks: list[Chunk], action: str) -> tuple[list[Chunk], list[Issue], bool]:
    """Check that each chunk starts no earlier than the previous ones end."""
    issues, out, tmax, prev, need_sort = [], [], None, None, False
    for c in chunks:
        ts = c.columns["ts"]
        if len(ts) == 0:
            continue
        if tmax is not None and ts[0] < tmax:
            if action == "error":
                raise DataError(c.path, c.line_of(0),
                                f"starts at ts={int(ts[0])}, before the end of the previous "
                                f"file {prev.path} (ts={tmax})", "files in time order",
                                "pass the files in time order, or use the policy "
                                "backwards=sort (CLI --policy backwards=sort)")
            if action == "drop":
                keep = np.flatnonzero(ts >= tmax)
                lines = tuple(c.line_of(int(i)) for i in np.flatnonzero(ts < tmax)[:5])
                issues.append(Issue("backwards", "dropped", len(ts) - len(keep), c.path, lines))
                ln = c.lines[keep] if c.lines is not None else c.first_line + keep
                c = Chunk(c.path, {k: v[keep] for k, v in c.columns.items()},
                          first_line=c.first_line, lines=ln)
                ts = c.columns["ts"]
                if len(ts) == 0:
                    continue
            else:
                need_sort = True
                issues.append(Issue("backwards", "sorted", 1, c.path, (c.line_of(0),)))
        tmax = int(ts.max()) if tmax is None else max(tmax, int(ts.max()))
        prev = c
        out.append(c)
    return out, issues, need_sort


def load_ticks(path: str | Path | Sequence[str | Path], fmt: str = "auto",
               symbol: str | None = None, server_tz: str | None = None,
               policy: dict[str, str] | None = None, cache: bool = True,
               progress: Callable[[int, int, str], None] | None = None,
               **options) -> TickTable:
    """Load tick files into a ``TickTable`` (UTC ns timestamps), using the cache.

    Args:
        path: a file, a folder (a Dukascopy bi5 tree, or a folder of files) or a list.
        fmt: ``"auto"`` or a name in ``formats.TICK_FORMATS``.
        symbol: symbol name; None = guessed from the file/folder name, else unknown.
        server_tz: the clock of the files: for server-time formats (MT5) None = UTC; for
            fixed-zone formats (HistData EST, bi5 UTC) None = the format's own zone.
        policy: data-quality overrides, e.g. ``{"crossed": "keep"}`` (``errors.POLICY_CHOICES``).
        cache: look up / store the result in the Parquet cache (``cache.py``).
        progress: called as ``progress(done, total, path)`` after each input is read.
        **options: reader options (``columns=``, ``spread_points=``, ``date_format=``...)
            and validator options ``spike_sigma``, ``spike_pct``.

    Raises:
        DataError: a file that cannot be read, a problem whose policy is ``error``, or
            files out of time order.
    """
    inputs = [path] if isinstance(path, (str, Path)) else list(path)
    if not inputs:
        raise ValueError("load_ticks: no path given")
    if fmt != "auto" and fmt not in TICK_FORMATS:
        raise ValueError(f"unknown tick format {fmt!r}; known: auto, {', '.join(TICK_FORMATS)}")
    items = [it for p in inputs for it in _expand(p, fmt)]
    fmts = {f for _, f in items}
    if len(fmts) > 1:
        a = next(p for p, f in items if f == sorted(fmts)[0])
        b = next(p for p, f in items if f == sorted(fmts)[1])
        raise DataError(b, None, f"format {sorted(fmts)[1]} differs from {a} ({sorted(fmts)[0]})",
                        "one format per import", "import the formats separately")
    fmt = fmts.pop()
    mod = format_module(fmt)
    pol = resolve_policy(policy)
    vopts = {k: float(options.pop(k)) for k in VALIDATE_OPTIONS if k in options}
    notes: list[Issue] = []
    if symbol is None:
        guesses = {guess_symbol(p, fmt) for p, _ in items}
        symbol = guesses.pop() if len(guesses) == 1 else None
    spec = None
    if symbol is not None:
        symbol = symbol.upper()
        try:
            spec = load_symbol(symbol)
        except ValueError:
            notes.append(Issue("symbol_spec", f"missing: no conf/symbol/{symbol}.yaml, prices "
                               "used as read", 0, str(items[0][0])))
    zone = server_tz if server_tz is not None else ("UTC" if mod.NATIVE_TZ == "server"
                                                    else mod.NATIVE_TZ)
    zone = normalise_tz(zone)
    paths = [str(p) for p, _ in items]
    hasher = tick_cache.Hasher()

    def fingerprint() -> str:
        return tick_cache.fingerprint(
            [p for p, _ in items], hasher, format=fmt, symbol=symbol, server_tz=zone,
            explicit_tz=server_tz is not None, policy=pol, options={**options, **vopts})

    with ThreadPoolExecutor(1) as pool:
        if cache:
            fp = fingerprint()
            if (hit := tick_cache.load(fp)) is not None:
                if progress:
                    progress(len(items), len(items), paths[-1])
                return replace(hit, paths=tuple(paths))
        else:  # hash while reading (sha256 and the parsers release the GIL)
            future = pool.submit(fingerprint)
        table = _import(items, mod, fmt, spec, symbol, server_tz, zone, pol, vopts, options,
                        notes, progress, lambda: fp if cache else future.result())
    if cache:
        tick_cache.save(table, hasher)
    return table


def _import(items, mod, fmt, spec, symbol, server_tz, zone, pol, vopts, options, notes,
            progress, get_fp) -> TickTable:
    paths = [str(p) for p, _ in items]
    chunks: list[Chunk] = []
    issues: list[Issue] = list(notes)
    used_zone = zone
    for i, (p, _) in enumerate(items, 1):
        for c in mod.read(str(p), spec, **_read_kwargs(mod, symbol, options)):
            issues.extend(getattr(c, "issues", ()) or ())
            c, found = validate_chunk(c, pol, **vopts)
            issues.extend(found)
            if getattr(c, "clock", None) == "utc":
                if server_tz is not None and normalise_tz(server_tz) != "UTC":
                    raise DataError(c.path, None, f"timestamps carry their own UTC offset; "
                                    f"server_tz={server_tz!r} does not apply",
                                    "no server_tz for offset-stamped files", "drop server_tz")
                used_zone = "UTC"
            elif zone != "UTC" and len(c.columns["ts"]):
                try:
                    c.columns["ts"] = to_utc(c.columns["ts"], zone)
                except ValueError as exc:
                    raise DataError(c.path, None, str(exc), "times that exist in that zone",
                                    "check server_tz") from None
            chunks.append(c)
        if progress:
            progress(i, len(items), str(p))
    chunks, order_issues, need_sort = _order_across(chunks, pol["backwards"])
    issues.extend(order_issues)
    if not chunks:
        raise DataError(paths[0], None, "no tick rows left to load", "at least one tick",
                        "check the file (and the policies that dropped rows)")
    columns = _concat(chunks)
    if need_sort:
        order = np.argsort(columns["ts"], kind="stable")
        columns = {k: v[order] for k, v in columns.items()}
    return TickTable(columns, symbol=symbol, source=fmt, server_tz=used_zone,
                     fingerprint=get_fp(), issues=tuple(issues), paths=tuple(paths))
