"""MT4 strategy-tester tick files ``<SYMBOL><PERIOD>_<MODEL>.fxt`` (version 405).

Layout (docs/data-formats.md, metatrader.md B.5), little-endian: a 728-byte header
(version 405 at offset 0, symbol at 196, period at 208, model at 212, spread in points
at 252, digits at 256, point at 264, ...) then 56-byte tick records ``int64 bar_time,
double open, high, low, close (the bar so far), int64 volume, int32 tick_time (s),
int32 flag``.

**Only the bid is stored** (the record's ``close``).  Like the MT4 tester, the ask
is synthesised as ``bid + spread * point`` with the header's spread (points) and
point, rounded to the header's digits: every tick gets the same spread.  A header
spread of 0 means "the terminal's current spread", unknown from the file: pass
``spread_points=`` then.  Tick times are whole seconds, broker server clock.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from sim.data.errors import DataError
from sim.data.formats import Chunk

FORMAT = "fxt"
NATIVE_TZ = "server"
VERSION = 405
HEADER_SIZE = 728
RECORD = np.dtype([("bar_time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
                   ("close", "<f8"), ("volume", "<i8"), ("tick_time", "<i4"), ("flag", "<i4")])
# field -> (offset, struct code); offsets >= 440 differ between sources: informational only
HEADER_FIELDS = {
    "version": (0, "I"), "description": (4, "64s"), "server": (68, "128s"),
    "symbol": (196, "12s"), "period": (208, "I"), "model": (212, "I"), "bars": (216, "I"),
    "first_bar_time": (220, "I"), "last_bar_time": (224, "I"), "model_quality": (232, "d"),
    "currency": (240, "12s"), "spread": (252, "I"), "digits": (256, "I"), "point": (264, "d"),
    "lot_min": (272, "i"), "lot_max": (276, "i"), "lot_step": (280, "i"),
    "stops_level": (284, "i"), "contract_size": (296, "d"), "tick_value": (304, "d"),
    "tick_size": (312, "d"), "profit_mode": (320, "i"), "leverage": (356, "i"),
    "freeze_level": (480, "i"),
}
MODELS = {0: "every tick", 1: "control points", 2: "open prices"}
NS_PER_S = 1_000_000_000


def sniff(path, head: bytes) -> bool:
    """True for a ``.fxt`` file name or a header starting with version 405."""
    try:
        if Path(path).suffix.lower() == ".fxt":
            return True
        return len(head) >= HEADER_SIZE and struct.unpack_from("<I", head)[0] == VERSION
    except Exception:  # sniff must never raise
        return False


def read_header(path: str | Path, data: bytes) -> dict:
    """Parse and check the 728-byte v405 header (strings decoded, NUL padding removed).

    Raises:
        DataError: short file, version other than 405, digits/point inconsistent.
    """
    if len(data) < HEADER_SIZE:
        raise DataError(path, None, f"file is {len(data)} bytes, shorter than the "
                        f"{HEADER_SIZE}-byte .fxt header", "an MT4 tester .fxt file (v405)",
                        "generate the file again in the MT4 strategy tester")
    hdr = {}
    for name, (off, code) in HEADER_FIELDS.items():
        v = struct.unpack_from("<" + code, data, off)[0]
        hdr[name] = v.split(b"\0", 1)[0].decode("latin-1") if isinstance(v, bytes) else v
    if hdr["version"] != VERSION:
        raise DataError(path, None, f"unsupported .fxt version {hdr['version']}",
                        f"version {VERSION} (MT4 build >= 600)",
                        "regenerate the file with a current MT4 tester, or import the ticks "
                        "from another source")
    digits, point = hdr["digits"], hdr["point"]
    if digits > 10 or not point > 0 or abs(point - 10.0 ** -digits) > 1e-12:
        raise DataError(path, None, f"header digits {digits} and point {point} disagree",
                        "point = 10^-digits", "the header is damaged")
    return hdr


def read(path, spec=None, *, spread_points: int | None = None, **opts) -> list[Chunk]:
    """Read an ``.fxt`` file into one ``Chunk`` (ts server-clock ns, bid, synthesised ask).

    Args:
        path: the ``.fxt`` file.
        spec: unused (digits and point come from the header).
        spread_points: spread for the synthesised ask (points); None = the header's spread.
        **opts: ignored.

    Returns:
        ``[Chunk]`` with ``ts`` (tick time, whole seconds), ``bid`` (record close) and ``ask``
        (bid + spread * point); record numbers are 1-based.

    Raises:
        DataError: wrong version, short header, truncated record, or no spread to build the ask.
    """
    p = Path(path)
    data = p.read_bytes()
    hdr = read_header(p, data)
    body = len(data) - HEADER_SIZE
    n, rest = divmod(body, RECORD.itemsize)
    if rest:
        raise DataError(p, n + 1, f"tick record {n + 1} is truncated ({rest} of "
                        f"{RECORD.itemsize} bytes)",
                        f"a whole number of {RECORD.itemsize}-byte tick records after the "
                        f"{HEADER_SIZE}-byte header",
                        "the file was cut: generate it again in the MT4 tester")
    spread = hdr["spread"] if spread_points is None else int(spread_points)
    if spread <= 0:
        raise DataError(p, None, "header spread is 0 (the terminal's current spread, not "
                        "stored in the file)", "a fixed spread in points to build the ask "
                        "from the stored bid", "pass spread_points= (e.g. spread_points=10)")
    rec = np.frombuffer(data, dtype=RECORD, count=n, offset=HEADER_SIZE)
    bid = rec["close"].astype(np.float64)
    ask = np.round(bid + spread * hdr["point"], hdr["digits"])
    cols = {"ts": rec["tick_time"].astype(np.int64) * NS_PER_S, "bid": bid, "ask": ask}
    return [Chunk(path=str(p), columns=cols, first_line=1)]
