"""MT4 history files ``<SYMBOL><PERIOD>.hst`` (versions 401 and 400).

Layout (docs/data-formats.md, metatrader.md B.4), little-endian:

- header 148 bytes: ``uint32 version, char copyright[64], char symbol[12], uint32 period
  (minutes), uint32 digits, uint32 timesign, uint32 last_sync, 52 reserved bytes``;
- v401 record, 60 bytes packed: ``int64 time (s, server clock), double open, high, low,
  close, int64 tick_volume, int32 spread (points), int64 real_volume``;
- v400 record, 44 bytes: ``int32 time, double open, LOW, HIGH, close, double volume``
  (note the low/high order).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from sim.data.bars import make_bars
from sim.data.errors import DataError

FORMAT = "hst"
NATIVE_TZ = "server"
HEADER_SIZE = 148
HEADER = struct.Struct("<I64s12sIIII52s")
REC401 = np.dtype([("time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
                   ("close", "<f8"), ("tick_volume", "<i8"), ("spread", "<i4"),
                   ("real_volume", "<i8")])
REC400 = np.dtype([("time", "<i4"), ("open", "<f8"), ("low", "<f8"), ("high", "<f8"),
                   ("close", "<f8"), ("volume", "<f8")])
RECORDS = {401: REC401, 400: REC400}
PERIODS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
           10080, 43200)
NS_PER_S = 1_000_000_000


def sniff(path, head: bytes) -> bool:
    """True when the first 4 bytes are version 400/401 and the header symbol is printable."""
    try:
        if len(head) < HEADER_SIZE:
            return False
        version = struct.unpack_from("<I", head)[0]
        sym = head[68:80].split(b"\0", 1)[0]
        return version in RECORDS and 0 < len(sym) and all(32 < b < 127 for b in sym)
    except Exception:  # sniff must never raise
        return False


def read_header(path: str | Path, data: bytes) -> dict:
    """Parse and check the 148-byte header.

    Returns:
        ``version``, ``copyright``, ``symbol``, ``period`` (minutes), ``digits``,
        ``timesign``, ``last_sync``.

    Raises:
        DataError: short file, unknown version, empty symbol, bad period or digits.
    """
    if len(data) < HEADER_SIZE:
        raise DataError(path, None, f"file is {len(data)} bytes, shorter than the "
                        f"{HEADER_SIZE}-byte .hst header", "an MT4 history file",
                        "copy the file again from the terminal's history/<server>/ folder")
    version, copy, sym, period, digits, timesign, sync, _ = HEADER.unpack_from(data)
    if version not in RECORDS:
        raise DataError(path, None, f"unsupported .hst version {version}",
                        "version 401 (MT4 build >= 510) or 400 (older builds)",
                        "open the file in MT4 History Center and export it as CSV "
                        "(fmt='mt4_csv'), or check that this is an .hst file")
    symbol = sym.split(b"\0", 1)[0].decode("ascii", "replace")
    if not symbol:
        raise DataError(path, None, "empty symbol in the .hst header",
                        "a NUL-padded symbol name at offset 68", "the file is damaged")
    if period <= 0 or period > 43200:
        raise DataError(path, None, f"period {period} minutes in the header",
                        f"one of {', '.join(map(str, PERIODS))}", "the file is damaged")
    if digits > 10:
        raise DataError(path, None, f"digits {digits} in the header", "0..10",
                        "the file is damaged")
    return {"version": version, "copyright": copy.split(b"\0", 1)[0].decode("latin-1"),
            "symbol": symbol, "period": period, "digits": digits, "timesign": timesign,
            "last_sync": sync}


def read_bars(path, spec=None, **opts):
    """Read an ``.hst`` file into a bar frame (``ts`` int64 ns, server clock).

    Args:
        path: the ``.hst`` file.
        spec: unused (prices are stored as doubles).
        **opts: ignored.

    Returns:
        ``sim.data.bars.BAR_COLUMNS`` frame; ``attrs`` has symbol, period (minutes),
        digits, hst_version. v400 ``volume`` (double) becomes ``tick_volume``.

    Raises:
        DataError: bad header, or a truncated last record (named by its 1-based number).
    """
    p = Path(path)
    data = p.read_bytes()
    hdr = read_header(p, data)
    dtype = RECORDS[hdr["version"]]
    body = len(data) - HEADER_SIZE
    n, rest = divmod(body, dtype.itemsize)
    if rest:
        raise DataError(p, n + 1, f"record {n + 1} is truncated ({rest} of {dtype.itemsize} "
                        f"bytes; {body} bytes after the header)",
                        f"a whole number of {dtype.itemsize}-byte v{hdr['version']} records",
                        "the file was cut while copying or while MT4 was writing it: copy it "
                        "again with the terminal closed")
    rec = np.frombuffer(data, dtype=dtype, count=n, offset=HEADER_SIZE)
    cols = {"ts": rec["time"].astype(np.int64) * NS_PER_S, "open": rec["open"],
            "high": rec["high"], "low": rec["low"], "close": rec["close"]}
    if hdr["version"] == 401:
        cols.update(tick_volume=rec["tick_volume"], spread=rec["spread"],
                    real_volume=rec["real_volume"])
    else:
        cols["tick_volume"] = np.rint(rec["volume"])
    return make_bars(cols, first_line=1, unit="record", symbol=hdr["symbol"],
                     period=hdr["period"], digits=hdr["digits"], hst_version=hdr["version"])
