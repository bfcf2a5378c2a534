"""Load OHLC bars (MT4 ``.hst``, Dukascopy candles, MT4/MT5 bar CSVs) into one DataFrame.

``load_bars`` auto-detects the format through the ``sniff`` functions of the
``BAR_FORMATS`` registry (``sim.data.formats``), converts the native clock to UTC
and validates every bar (policy for bars: any bad bar is an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data.errors import DataError
from sim.data.formats import BAR_FORMATS, format_module
from sim.data.symbols import load_symbol
from sim.data.timezones import normalise_tz, server_to_utc, utc_to_server

BAR_COLUMNS = ("ts", "open", "high", "low", "close", "tick_volume", "spread", "real_volume")
BAR_DTYPES = {"ts": np.int64, "open": np.float64, "high": np.float64, "low": np.float64,
              "close": np.float64, "tick_volume": np.int64, "spread": np.int64,
              "real_volume": np.float64}
NS_PER_HOUR = 3_600_000_000_000


def make_bars(cols: dict, **attrs) -> pd.DataFrame:
    """Build a bar frame in ``BAR_COLUMNS`` order (missing volume/spread columns = 0).

    Args:
        cols: column -> array; ``ts`` int64 ns in the reader's native clock.
        **attrs: stored in ``df.attrs`` (``first_line``/``lines``/``unit`` for messages).
    """
    n = len(cols["ts"])
    data = {}
    for c in BAR_COLUMNS:
        arr = cols.get(c)
        data[c] = (np.zeros(n, BAR_DTYPES[c]) if arr is None
                   else np.asarray(arr).astype(BAR_DTYPES[c], copy=False))
    df = pd.DataFrame(data)
    df.attrs.update(attrs)
    return df


def _line_of(df: pd.DataFrame, row: int) -> int:
    lines = df.attrs.get("lines")
    if lines is not None:
        return int(lines[row])
    return int(df.attrs.get("first_line", 1)) + int(row)


def validate_bars(df: pd.DataFrame, path: str | Path) -> None:
    """Raise ``DataError`` at the first bad bar: non-positive/NaN price, high < max(open, close),
    low > min(open, close), or a time not strictly after the previous bar's.
    """
    unit = df.attrs.get("unit", "line")
    o, h, lo, c = (df[k].to_numpy() for k in ("open", "high", "low", "close"))
    ts = df["ts"].to_numpy().astype("int64")
    checks = [
        (~((o > 0) & (h > 0) & (lo > 0) & (c > 0)), "price not positive (zero, negative or "
         "missing)", "open, high, low, close > 0", "remove or repair the bar"),
        (h < np.maximum(o, c), "high below open or close", "high >= max(open, close)",
         "the columns may be in another order (v400 .hst is open,low,high,close); check the "
         "format, or repair the bar"),
        (lo > np.minimum(o, c), "low above open or close", "low <= min(open, close)",
         "check the column order, or repair the bar"),
        (np.r_[False, np.diff(ts) <= 0], "bar time not after the previous bar's",
         "strictly increasing bar times", "remove the duplicate/out-of-order bar or sort the file"),
    ]
    first = None
    for mask, problem, expected, fix in checks:
        if mask.any():
            row = int(np.argmax(mask))
            if first is None or row < first[0]:
                first = (row, problem, expected, fix)
    if first is not None:
        row, problem, expected, fix = first
        vals = (f" (time {pd.Timestamp(int(ts[row]))}, o={o[row]}, h={h[row]}, l={lo[row]}, "
                f"c={c[row]})")
        raise DataError(path, _line_of(df, row), f"{unit} {_line_of(df, row)}: {problem}{vals}",
                        expected, fix)


def sniff_bar_format(path: str | Path) -> str | None:
    """The first ``BAR_FORMATS`` name whose module recognises the file, or None."""
    p = Path(path)
    head = b""
    if p.is_file():
        with open(p, "rb") as fh:
            head = fh.read(4096)
    seen = set()
    for name, modname in BAR_FORMATS.items():
        if modname in seen:
            continue
        seen.add(modname)
        mod = format_module(name)
        if mod.sniff(p, head):
            exact = getattr(mod, "sniff_format", None)
            return exact(p, head) if exact else name
    return None


def load_bars(path, fmt: str = "auto", symbol: str | None = None,
              server_tz: str | None = None, **opts) -> pd.DataFrame:
    """Load bars from a file (or a Dukascopy candle folder) into a UTC DataFrame.

    Args:
        path: the bar file.
        fmt: ``auto`` or one of ``BAR_FORMATS`` (hst, bi5_candles, mt5_bars, mt4_csv, bars_csv).
        symbol: symbol name (needed for bi5 candle price scaling when not in the path).
        server_tz: zone of the file's clock for server-time formats (None = the times are UTC);
            ignored for UTC-native formats (Dukascopy).
        **opts: passed to the format's ``read_bars``.

    Returns:
        Columns ``BAR_COLUMNS`` with ``ts`` datetime64[ns, UTC]; ``attrs`` holds symbol,
        source (format), server_tz (assumed), path, and the reader's extras (period...).

    Raises:
        DataError: unknown format, unreadable file or an invalid bar.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(p, None, "no such file", "an existing bar file", "check the path")
    if fmt == "auto":
        fmt = sniff_bar_format(p)
        if fmt is None:
            raise DataError(p, None, "bar format not recognised",
                            f"one of {', '.join(BAR_FORMATS)}",
                            "name it: data.format=F (ticklab backtest), --format F (ticklab "
                            "data info), fmt= (Python)")
    elif fmt not in BAR_FORMATS:
        raise DataError(p, None, f"unknown bar format {fmt!r}", f"one of {', '.join(BAR_FORMATS)}",
                        "set data.format (--format) to a listed one or auto")
    mod = format_module(fmt)
    spec = None
    if symbol is not None:
        try:
            spec = load_symbol(symbol)
        except ValueError:
            spec = None  # only the bi5 candle reader needs a spec; it reports what is missing
    if getattr(mod, "FORMATS", None):
        opts["fmt"] = fmt
    df = mod.read_bars(p, spec, symbol=symbol, **opts)
    validate_bars(df, p)
    native = getattr(mod, "NATIVE_TZ", "server")
    ts = df["ts"].to_numpy().astype(np.int64)
    if native == "server":
        tz = normalise_tz(server_tz)
        try:
            ts = server_to_utc(ts, tz)
        except ValueError as exc:
            raise DataError(p, None, str(exc), f"times that exist in {tz}",
                            "pass the right server_tz") from None
    else:
        tz = normalise_tz(native)
        ts = server_to_utc(ts, tz)
    attrs = {k: v for k, v in df.attrs.items() if k not in ("lines", "first_line", "unit")}
    out = df.copy()
    out["ts"] = pd.to_datetime(ts, unit="ns", utc=True)
    out.attrs = attrs
    out.attrs.update(symbol=symbol or attrs.get("symbol"), source=fmt, server_tz=tz, path=str(p))
    return out


NS_PER_MIN = 60_000_000_000
_TF_NAMES = {1: "M1", 2: "M2", 3: "M3", 4: "M4", 5: "M5", 6: "M6", 10: "M10", 12: "M12",
             15: "M15", 20: "M20", 30: "M30", 60: "H1", 120: "H2", 180: "H3", 240: "H4",
             360: "H6", 480: "H8", 720: "H12", 1440: "D1", 10080: "W1", 43200: "MN1"}


def bar_period_ns(df: pd.DataFrame) -> int:
    """The bars' timeframe in ns: the file's own period (``attrs["period"]``, minutes) if it
    states one, else the most common spacing of consecutive bars (gaps only widen spacing).

    Raises:
        ValueError: fewer than two bars and no stated period.
    """
    if df.attrs.get("period"):
        return int(df.attrs["period"]) * NS_PER_MIN
    d = np.diff(pd.DatetimeIndex(df["ts"]).asi8)
    d = d[d > 0]
    if not len(d):
        raise ValueError(f"{df.attrs.get('path', 'bars')}: cannot tell the timeframe of a "
                         "single bar")
    vals, counts = np.unique(d, return_counts=True)
    return int(vals[np.argmax(counts)])


def timeframe_name(period_ns: int) -> str:
    """MT's name of a timeframe (``M1``, ``H1``, ``D1``...), else minutes or seconds."""
    minutes, rest = divmod(int(period_ns), NS_PER_MIN)
    if rest:
        return f"{period_ns / 1e9:g} s"
    return _TF_NAMES.get(minutes, f"{minutes} min")


@dataclass
class BarComparison:
    """Result of ``compare_bars``.

    Attributes:
        rows: bars compared (positionally).
        ohlcv_equal: open/high/low/close/tick_volume identical in every row.
        offsets_hours: time offset b - a (hours) -> number of bars.
        kind: ``none`` (same times), ``constant``, ``seasonal`` (two offsets 1 h apart) or
            ``irregular``.
        zone: an IANA zone whose UTC offset at a's times equals the offset, if any.
        first_diff_row: first row whose OHLCV differ, or None.
    """

    rows: int
    ohlcv_equal: bool
    offsets_hours: dict[float, int] = field(default_factory=dict)
    kind: str = "none"
    zone: str | None = None
    first_diff_row: int | None = None

    def describe(self) -> str:
        offs = ", ".join(f"{k:+g} h x {v}" for k, v in sorted(self.offsets_hours.items()))
        z = f" (matches {self.zone} local time)" if self.zone else ""
        return (f"{self.rows} bars, OHLCV {'equal' if self.ohlcv_equal else 'DIFFERENT'}, "
                f"time offset {self.kind}: {offs}{z}")


_CANDIDATE_ZONES = ("Europe/Berlin", "Europe/London", "Europe/Athens", "Europe/Moscow",
                    "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def compare_bars(a: pd.DataFrame, b: pd.DataFrame) -> BarComparison:
    """Compare two bar frames row by row: OHLCV equality and the time offset ``b.ts - a.ts``.

    A seasonal offset (e.g. +1 h in winter, +2 h in summer) is the signature of a file
    converted through a local time zone; ``zone`` names a candidate zone whose UTC offset,
    taken at ``a``'s times, reproduces the offset exactly.
    """
    n = min(len(a), len(b))
    cols = ["open", "high", "low", "close", "tick_volume"]
    diff = np.zeros(n, bool)
    for c in cols:
        diff |= a[c].to_numpy()[:n] != b[c].to_numpy()[:n]
    equal = len(a) == len(b) and not diff.any()
    ta = pd.DatetimeIndex(a["ts"].iloc[:n])
    tb = pd.DatetimeIndex(b["ts"].iloc[:n])
    off_ns = tb.asi8 - ta.asi8 if n else np.zeros(0, np.int64)
    vals, counts = np.unique(off_ns, return_counts=True)
    offsets = {float(v) / NS_PER_HOUR: int(k) for v, k in zip(vals, counts, strict=True)}
    if len(vals) == 0 or (len(vals) == 1 and vals[0] == 0):
        kind = "none"
    elif len(vals) == 1:
        kind = "constant"
    elif len(vals) == 2 and abs(int(vals[1]) - int(vals[0])) == NS_PER_HOUR:
        kind = "seasonal"
    else:
        kind = "irregular"
    zone = None
    if kind in ("seasonal", "constant") and n:
        for z in _CANDIDATE_ZONES:
            if np.array_equal(utc_to_server(ta.asi8, z) - ta.asi8, off_ns):
                zone = z
                break
    first = int(np.argmax(diff)) if diff.any() else None
    return BarComparison(n, equal, offsets, kind, zone, first)
