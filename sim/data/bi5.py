"""Dukascopy ``.bi5`` hourly tick files (one file or a whole ``SYMBOL/YYYY/MM/DD`` tree).

Layout (docs/data-formats.md, metatrader.md B.6): an LZMA-"alone" stream holding
20-byte **big-endian** records ``uint32 ms_since_hour, uint32 ask_points,
uint32 bid_points, float32 ask_volume, float32 bid_volume``.  The hour's UTC
start comes from the path ``SYMBOL/YYYY/MM/DD/HHh_ticks.bi5`` whose **month
folder is zero-based** (``2019/01/04`` = 4 February 2019).  Price = points /
``SymbolSpec.dukascopy_divisor``.  A zero-byte file is an hour without ticks.
"""

from __future__ import annotations

import lzma
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import sim  # noqa: F401  (numba cache set-up, see sim/__init__)
from sim.data.errors import DataError
from sim.data.formats import Chunk
from sim.data.symbols import SymbolSpec, available_symbols, load_symbol

FORMAT = "bi5"
NATIVE_TZ = "UTC"
RECORD_SIZE = 20
MS_PER_HOUR = 3_600_000
NS_PER_MS = 1_000_000
TICK_DTYPE = np.dtype([("ms", ">u4"), ("ask", ">u4"), ("bid", ">u4"),
                       ("ask_volume", ">f4"), ("bid_volume", ">f4")])
TICK_NAME = re.compile(r"^(\d{2})h_ticks\.bi5$", re.IGNORECASE)
_LZMA_PROPS = 0x5D  # lc=3, lp=0, pb=2: the first byte of every Dukascopy stream


def sniff(path, head: bytes) -> bool:
    """True for an ``HHh_ticks.bi5`` file, an LZMA-alone ``.bi5`` tick file or a tree of them."""
    try:
        p = Path(path)
        if p.is_dir():
            return next(_iter_tick_files(p), None) is not None
        if TICK_NAME.match(p.name):
            return True
        return (p.suffix.lower() == ".bi5" and "candles" not in p.name.lower()
                and len(head) >= 13 and head[0] == _LZMA_PROPS)
    except OSError:
        return False


def _iter_tick_files(root: Path):
    return (f for f in root.rglob("*h_ticks.bi5") if TICK_NAME.match(f.name) and f.is_file())


def hour_start_ns(path: str | Path) -> int:
    """UTC start of the hour of ``.../YYYY/MM/DD/HHh_ticks.bi5`` in ns (MM zero-based).

    Raises:
        DataError: the path does not follow the Dukascopy tree layout.
    """
    p = Path(path)
    try:
        m = TICK_NAME.match(p.name)
        hour = int(m.group(1)) if m else -1
        day, month0, year = int(p.parent.name), int(p.parent.parent.name), int(p.parents[2].name)
        start = datetime(year, month0 + 1, day, hour, tzinfo=UTC)
    except (ValueError, IndexError, AttributeError):
        raise DataError(p, None, "cannot tell the hour of this bi5 file from its path",
                        "SYMBOL/YYYY/MM/DD/HHh_ticks.bi5 with a zero-based month folder "
                        "(00 = January)",
                        "keep the Dukascopy folder layout, or pass hour_start='2019-02-04T00:00Z'"
                        ) from None
    return int(start.timestamp()) * 1_000_000_000


def symbol_from_path(path: str | Path) -> str | None:
    """The symbol folder above ``YYYY`` in a Dukascopy tree (file, day folder or symbol root)."""
    p = Path(path)
    if p.is_file() or TICK_NAME.match(p.name):
        p = p.parent
    parts = p.parts
    for i in range(len(parts) - 1, 0, -1):  # the folder before a 4-digit year
        if re.fullmatch(r"\d{4}", parts[i]) and not parts[i - 1].isdigit():
            return parts[i - 1]
    if p.is_dir():
        subs = [d for d in p.iterdir() if d.is_dir() and not d.name.isdigit()]
        years = [d for d in p.iterdir() if d.is_dir() and re.fullmatch(r"\d{4}", d.name)]
        if years:
            return p.name
        if len(subs) == 1:
            return subs[0].name
    return None


def _tree_key(f: Path) -> tuple:
    try:
        return (int(f.parents[2].name), int(f.parents[1].name), int(f.parent.name),
                int(f.name[:2]), str(f))
    except (ValueError, IndexError):
        return (0, 0, 0, 0, str(f))


def tick_files(path: str | Path) -> list[Path]:
    """The ``HHh_ticks.bi5`` files of a file/tree, sorted by (year, month, day, hour).

    Raises:
        DataError: no tick file, or files of several symbols under one root.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise DataError(p, None, "no such file or folder", "a .bi5 file or a Dukascopy tree",
                        "check the path")
    files = sorted(_iter_tick_files(p), key=_tree_key)
    if not files:
        raise DataError(p, None, "no HHh_ticks.bi5 file under this folder",
                        "SYMBOL/YYYY/MM/DD/HHh_ticks.bi5 files", "point at a Dukascopy tree")
    symbols = {symbol_from_path(f) for f in files}
    if len(symbols) > 1:
        raise DataError(p, None, f"bi5 files of several symbols: {sorted(map(str, symbols))}",
                        "one symbol per import", "point at one symbol's folder")
    return files


def _resolve_spec(path: Path, spec: SymbolSpec | None, symbol: str | None) -> SymbolSpec:
    if spec is None:
        name = symbol or symbol_from_path(path)
        known = ", ".join(available_symbols())
        if not name:
            raise DataError(path, None, "unknown symbol: bi5 prices are integers whose scale "
                            "depends on the instrument", f"a symbol folder or symbol= (known: {known})",
                            "pass symbol='EURUSD' (or the matching conf/symbol name)")
        try:
            spec = load_symbol(name)
        except ValueError as exc:
            raise DataError(path, None, f"unknown symbol {name!r} ({exc})",
                            f"a symbol with a conf/symbol spec ({known})",
                            "pass symbol= with a known symbol, or add conf/symbol/<NAME>.yaml "
                            "with dukascopy_divisor") from None
    if not spec.dukascopy_divisor or spec.dukascopy_divisor <= 0:
        raise DataError(path, None, f"symbol {spec.name} has no dukascopy_divisor",
                        "the bi5 price scale (e.g. 100000 for EURUSD)",
                        f"set dukascopy_divisor in conf/symbol/{spec.name}.yaml")
    return spec


def _locate_lzma_error(data: bytes, record_size: int) -> int:
    """Number of whole records decodable before the stream breaks (slow path, errors only)."""
    dec = lzma.LZMADecompressor(lzma.FORMAT_AUTO)
    out = 0
    try:
        for i in range(0, len(data), 256):
            out += len(dec.decompress(data[i:i + 256]))
    except lzma.LZMAError:
        pass
    return out // record_size


def decompress(path: str | Path, data: bytes | None = None, record_size: int = RECORD_SIZE,
               what: str = "tick") -> bytes:
    """Decompressed record bytes of one bi5 file (``b""`` for a zero-byte file).

    Args:
        path: the file (named in errors).
        data: its bytes if already read.
        record_size: bytes per record (20 for ticks, 24 for candles).
        what: record kind for messages.

    Raises:
        DataError: corrupt/truncated LZMA stream, or a length not a multiple of ``record_size``.
    """
    p = Path(path)
    data = p.read_bytes() if data is None else data
    if not data:
        return b""
    try:
        raw = lzma.decompress(data)
    except lzma.LZMAError as exc:
        good = _locate_lzma_error(data, record_size)
        raise DataError(p, good + 1, f"corrupt LZMA stream ({exc}) at record {good + 1}",
                        "an LZMA-alone compressed Dukascopy bi5 file",
                        "download the file again (a partial download is the usual cause)"
                        ) from None
    if len(raw) % record_size:
        n = len(raw) // record_size
        raise DataError(p, n + 1, f"decompressed length {len(raw)} bytes is not a multiple of "
                        f"{record_size}: record {n + 1} is truncated",
                        f"{record_size}-byte {what} records", "download the file again")
    return raw


def decode(path: str | Path, raw: bytes, hour_ns: int, divisor: float) -> Chunk:
    """Vectorised decode of decompressed records into a ``Chunk`` (ts UTC ns, prices float64)."""
    rec = np.frombuffer(raw, dtype=TICK_DTYPE)
    ms = rec["ms"].astype(np.int64)
    if len(ms) and int(ms.max()) >= MS_PER_HOUR:
        bad = int(np.argmax(ms >= MS_PER_HOUR))
        raise DataError(path, bad + 1, f"time offset {int(ms[bad])} ms is past the end of the hour",
                        f"0 <= ms < {MS_PER_HOUR}", "the file is damaged or not a tick file")
    # true division (not * 1/divisor) so that prices are the correctly rounded quotient
    cols = {
        "ts": ms * NS_PER_MS + hour_ns,
        "bid": rec["bid"].astype(np.float64) / divisor,
        "ask": rec["ask"].astype(np.float64) / divisor,
        "bid_volume": rec["bid_volume"].astype(np.float64),
        "ask_volume": rec["ask_volume"].astype(np.float64),
    }
    return Chunk(path=str(path), columns=cols, first_line=1)


def read(path, spec: SymbolSpec | None = None, *, symbol: str | None = None,
         hour_start: str | int | None = None, **opts) -> list[Chunk]:
    """Read one ``HHh_ticks.bi5`` file or a tree of them.

    Args:
        path: a tick file, a day/month/year folder, a symbol folder or a root holding one symbol.
        spec: the symbol (its ``dukascopy_divisor`` scales prices); None = from ``symbol``
            or the tree's symbol folder.
        symbol: symbol name used when ``spec`` is None.
        hour_start: UTC start of the hour for a single file outside a Dukascopy tree
            (ISO text or int ns); ignored for trees.
        **opts: ignored (loader options meant for other formats).

    Returns:
        One ``Chunk`` per file in chronological order; record numbers are 1-based.

    Raises:
        DataError: unknown symbol, bad path, corrupt stream or truncated record.
    """
    p = Path(path)
    files = tick_files(p)
    spec = _resolve_spec(p, spec, symbol)
    div = float(spec.dukascopy_divisor)
    chunks = []
    for f in files:
        if hour_start is not None and len(files) == 1:
            hs = hour_start if isinstance(hour_start, int) else _iso_ns(f, hour_start)
        else:
            hs = hour_start_ns(f)
        chunks.append(decode(f, decompress(f), hs, div))
    return chunks


def _iso_ns(path: Path, text: str) -> int:
    import pandas as pd

    try:
        t = pd.Timestamp(text)
    except ValueError:
        raise DataError(path, None, f"hour_start {text!r} is not a time",
                        "ISO text such as 2019-02-04T00:00Z", "fix hour_start") from None
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return int(t.value)
