"""Dukascopy ``.bi5`` candle files (M1, H1, D1; bid or ask side).

Layout (docs/data-formats.md, metatrader.md B.6): an LZMA-"alone" stream of 24-byte
**big-endian** records ``uint32 seconds_from_file_start, uint32 open, uint32 close,
uint32 low, uint32 high, float32 volume`` (note **open, close, low, high**).  The file's
start comes from its place in the tree (month folders **zero-based**):

- ``SYMBOL/YYYY/MM/DD/{BID|ASK}_candles_min_1.bi5``: one UTC day of M1 candles;
- ``SYMBOL/YYYY/MM/{BID|ASK}_candles_hour_1.bi5``: one month of H1 candles;
- ``SYMBOL/YYYY/{BID|ASK}_candles_day_1.bi5``: one year of D1 candles.

Price = points / ``SymbolSpec.dukascopy_divisor``.  Dukascopy's volume (millions of
units for FX, instrument-dependent otherwise) goes to ``real_volume``; ``tick_volume``
is 0.  Closed periods appear as flat candles with zero volume (kept unless
``drop_flat=True``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from sim.data import bi5
from sim.data.bars import BAR_COLUMNS, make_bars, validate_bars
from sim.data.errors import DataError

FORMAT = "bi5_candles"
NATIVE_TZ = "UTC"
RECORD_SIZE = 24
CANDLE_DTYPE = np.dtype([("s", ">u4"), ("open", ">u4"), ("close", ">u4"), ("low", ">u4"),
                         ("high", ">u4"), ("volume", ">f4")])
CANDLE_NAME = re.compile(r"^(BID|ASK)_candles_(min|hour|day)_1\.bi5$", re.IGNORECASE)
PERIOD_S = {"min": 60, "hour": 3600, "day": 86400}
NS_PER_S = 1_000_000_000


def sniff(path, head: bytes) -> bool:
    """True for a ``{BID|ASK}_candles_{min|hour|day}_1.bi5`` file or a folder holding them."""
    try:
        p = Path(path)
        if p.is_dir():
            return next(_iter_candles(p, None, None), None) is not None
        return bool(CANDLE_NAME.match(p.name))
    except OSError:
        return False


def _iter_candles(root: Path, side: str | None, tf: str | None):
    for f in root.rglob("*_candles_*_1.bi5"):
        m = CANDLE_NAME.match(f.name)
        if m and (side is None or m.group(1).upper() == side) and \
                (tf is None or m.group(2).lower() == tf):
            yield f


def file_start_ns(path: str | Path) -> tuple[int, int, str, str]:
    """UTC start and end (ns), side (BID/ASK) and timeframe (min/hour/day) of a candle file.

    Raises:
        DataError: the name or the folders do not follow the Dukascopy layout.
    """
    p = Path(path)
    m = CANDLE_NAME.match(p.name)
    try:
        tf = m.group(2).lower()
        if tf == "min":  # .../YYYY/MM/DD/ one day
            y, mo, d = int(p.parents[2].name), int(p.parents[1].name) + 1, int(p.parent.name)
            start = datetime(y, mo, d, tzinfo=UTC)
            end = start + timedelta(days=1)
        elif tf == "hour":  # .../YYYY/MM/ one month
            y, mo = int(p.parents[1].name), int(p.parent.name) + 1
            start = datetime(y, mo, 1, tzinfo=UTC)
            end = datetime(y + mo // 12, mo % 12 + 1, 1, tzinfo=UTC)
        else:  # .../YYYY/ one year
            y = int(p.parent.name)
            start = datetime(y, 1, 1, tzinfo=UTC)
            end = datetime(y + 1, 1, 1, tzinfo=UTC)
    except (AttributeError, ValueError, IndexError):
        raise DataError(p, None, "cannot tell the period of this candle file from its path",
                        "SYMBOL/YYYY/MM/DD/BID_candles_min_1.bi5, SYMBOL/YYYY/MM/"
                        "BID_candles_hour_1.bi5 or SYMBOL/YYYY/BID_candles_day_1.bi5 (month "
                        "folders zero-based)", "keep the Dukascopy folder layout") from None
    return (int(start.timestamp()) * NS_PER_S, int(end.timestamp()) * NS_PER_S,
            m.group(1).upper(), tf)


def _files(p: Path, side: str, timeframe: str | None) -> list[Path]:
    if p.is_file():
        return [p]
    files = list(_iter_candles(p, side.upper(), timeframe))
    if not files:
        raise DataError(p, None, f"no {side.upper()}_candles_*_1.bi5 file under this folder",
                        "Dukascopy candle files", "point at a candle file or pass side=/timeframe=")
    kinds = {CANDLE_NAME.match(f.name).group(2).lower() for f in files}
    if len(kinds) > 1:
        raise DataError(p, None, f"candle files of several timeframes {sorted(kinds)}",
                        "one timeframe", "pass timeframe='min', 'hour' or 'day'")
    return sorted(files, key=lambda f: file_start_ns(f)[0])


def read_bars(path, spec=None, *, symbol: str | None = None, side: str = "BID",
              timeframe: str | None = None, drop_flat: bool = False, **opts):
    """Read one candle file, or every candle file of one side/timeframe under a folder.

    Args:
        path: a candle file or a folder of a Dukascopy tree.
        spec: the symbol (``dukascopy_divisor`` scales prices); None = ``symbol`` or the
            tree's symbol folder.
        symbol: symbol name used when ``spec`` is None.
        side: ``BID`` or ``ASK`` (folders only).
        timeframe: ``min``, ``hour`` or ``day`` (folders only; needed when several are present).
        drop_flat: drop flat zero-volume candles (closed market).
        **opts: ignored.

    Returns:
        ``BAR_COLUMNS`` frame, ``ts`` int64 ns UTC; ``attrs`` has symbol, side, period (minutes).

    Raises:
        DataError: unknown symbol, bad path, corrupt stream, record not 24 bytes, or a candle
            time past the file's period.
    """
    p = Path(path)
    files = _files(p, side, timeframe)
    spec = bi5._resolve_spec(p, spec, symbol)
    frames = [_read_one(f, float(spec.dukascopy_divisor), drop_flat, spec.name)
              for f in files]
    if len(frames) == 1:
        return frames[0]
    for f, df in zip(files, frames, strict=True):
        validate_bars(df, f)  # so that a bad candle is reported with its own file
    cols = {c: np.concatenate([df[c].to_numpy() for df in frames]) for c in BAR_COLUMNS}
    return make_bars(cols, first_line=1, unit="record (of the concatenated files)",
                     **{k: v for k, v in frames[0].attrs.items()
                        if k not in ("lines", "first_line", "unit")})


def _read_one(f: Path, div: float, drop_flat: bool, symbol: str):
    start, end, side, tf = file_start_ns(f)
    raw = bi5.decompress(f, record_size=RECORD_SIZE, what="candle")
    rec = np.frombuffer(raw, dtype=CANDLE_DTYPE)
    ts = start + rec["s"].astype(np.int64) * NS_PER_S
    if len(ts) and ts.max() >= end:
        k = int(np.argmax(ts >= end))
        raise DataError(f, k + 1, f"candle offset {int(rec['s'][k])} s is past the file's period",
                        f"offsets < {(end - start) // NS_PER_S} s", "the file is damaged")
    cols = {"ts": ts, "open": rec["open"] / div, "high": rec["high"] / div,
            "low": rec["low"] / div, "close": rec["close"] / div,
            "real_volume": rec["volume"].astype(np.float64)}
    lines = np.arange(1, len(rec) + 1, dtype=np.int64)
    if drop_flat:
        keep = ~((rec["open"] == rec["close"]) & (rec["low"] == rec["high"])
                 & (rec["open"] == rec["high"]) & (rec["volume"] == 0))
        cols = {k: v[keep] for k, v in cols.items()}
        lines = lines[keep]
    return make_bars(cols, lines=lines, unit="record", symbol=symbol, side=side,
                     period=PERIOD_S[tf] // 60)
