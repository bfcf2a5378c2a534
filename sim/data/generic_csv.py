"""Generic tick CSV with a header and a column mapping.

Columns are mapped with ``columns={"ts": "Date", "bid": "EURUSD.bid", "ask": ...}``; any
role left out is guessed from the header (case-insensitive):

- ``ts``: ``ts``, ``time``, ``timestamp``, ``datetime``, ``date``, ``date_time``, ``gmt time``...
- ``bid`` / ``ask``: ``bid`` / ``ask`` or a name ending in ``.bid`` / ``_bid`` (``EURUSD.bid``);
- optional ``bid_volume``, ``ask_volume``, ``volume``, ``last`` by the same names.

Timestamps: ISO-8601 text (``2016-06-14 00:00:00.844000+00:00``, ``...Z``); with an offset
they are absolute (converted to UTC here, and the chunk is marked ``clock = "utc"`` so the
loader applies no zone); without one they are in the file's clock, UTC unless the caller
passes ``server_tz``.  Numeric timestamps are epoch times: ``epoch="s"|"ms"|"us"|"ns"``,
or guessed from the magnitude (dates 2001..2286 are unambiguous) when not given.
Another text layout can be forced with ``ts_format`` (a ``strftime`` pattern).

A file **without an ask column is refused** unless the caller passes an explicit spread
model ``spread_points=N``: then ask = bid + N x point (point from the symbol spec or the
``point=`` option), and an ``Issue`` of kind ``synthetic_ask`` records it in the table.
An ask is never invented silently.  Empty or unreadable prices become NaN and are handled
by the ``bad_price`` policy of the validator (dropped and counted by default).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data.errors import DataError, Issue
from sim.data.formats import Chunk
from sim.data.mt5_ticks import decode_text

FORMAT = "generic_csv"
NATIVE_TZ = "UTC"
ROLES = ("ts", "bid", "ask", "bid_volume", "ask_volume", "volume", "last")
_TS_NAMES = ("ts", "time", "timestamp", "datetime", "date", "date_time", "date time",
             "gmt time", "utc", "time_utc", "timestamp_utc", "local time", "time_msc")
_EPOCH = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _guess(role: str, names: list[str]) -> str | None:
    low = {n.strip().lower(): n for n in names}
    if role == "ts":
        return next((low[c] for c in _TS_NAMES if c in low), None)
    cands = {"bid": ("bid", "bid price", "bidprice"), "ask": ("ask", "ask price", "askprice", "offer"),
             "bid_volume": ("bid_volume", "bidvolume", "bid volume", "bid_size", "bidsize"),
             "ask_volume": ("ask_volume", "askvolume", "ask volume", "ask_size", "asksize"),
             "volume": ("volume", "vol"), "last": ("last", "last price", "price")}[role]
    if hit := next((low[c] for c in cands if c in low), None):
        return hit
    if role in ("bid", "ask"):
        pat = re.compile(rf"[._ ]{role}$")
        return next((orig for n, orig in low.items() if pat.search(n)), None)
    return None


def _sep_of(header: str) -> str:
    counts = {s: header.count(s) for s in (",", ";", "\t", "|")}
    return max(counts, key=counts.get)


def sniff(path, head: bytes) -> bool:
    try:
        first = decode_text(head, path).split(b"\n", 1)[0].decode("utf-8").strip()
        if not first or "<" in first:
            return False
        names = [n.strip().strip('"') for n in first.split(_sep_of(first))]
        return len(names) >= 2 and _guess("ts", names) is not None and \
            _guess("bid", names) is not None
    except Exception:
        return False


def _line_numbers(data: bytes) -> np.ndarray:
    """1-based line numbers of the non-blank lines after the header."""
    buf = np.frombuffer(data, np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.r_[0, nl + 1]
    ends = np.r_[nl, len(buf)]
    length = ends - starts
    has_cr = (length > 0) & (buf[np.maximum(ends - 1, 0)] == 13) if len(buf) else length > 0
    nonblank = np.flatnonzero(length - has_cr > 0) + 1
    return nonblank[1:].astype(np.int64)


_EPOCH_LO = 631_152_000e9      # 1990-01-01, ns
_EPOCH_HI = 4_102_444_800e9    # 2100-01-01, ns


def _fail(path, lines, row, what, text, expected, fix):
    line = int(lines[row]) if lines is not None and row < len(lines) else row + 2
    raise DataError(path, line, f"cannot read {what} {text!r}", expected, fix)


def _timestamps(col: pd.Series, path, lines, epoch, ts_format) -> tuple[np.ndarray, bool]:
    """Return (int64 ns, absolute?) for the timestamp column."""
    if pd.api.types.is_numeric_dtype(col.dtype):
        vals = col.to_numpy(np.float64)
        bad = np.flatnonzero(~np.isfinite(vals))
        if len(bad):
            _fail(path, lines, int(bad[0]), "timestamp", str(col.iloc[bad[0]]), "an epoch number",
                  "fill or delete that row")
        if epoch is None:
            mag = float(np.median(np.abs(vals))) if len(vals) else 1e9
            epoch = "s" if mag < 1e11 else "ms" if mag < 1e14 else "us" if mag < 1e17 else "ns"
        if epoch not in _EPOCH:
            raise ValueError(f"epoch must be one of {', '.join(_EPOCH)}, got {epoch!r}")
        scaled = vals * _EPOCH[epoch]
        out = np.abs(scaled - (_EPOCH_LO + _EPOCH_HI) / 2) > (_EPOCH_HI - _EPOCH_LO) / 2
        if out.any():   # a mixed-unit file or a wrong guess: never scale into year 2230
            row = int(np.flatnonzero(out)[0])
            _fail(path, lines, row, "timestamp", str(col.iloc[row]),
                  f"an epoch in {epoch} between 1990 and 2100 (unit guessed from the median "
                  "unless epoch= is given)", "pass epoch='s'|'ms'|'us'|'ns' or fix that row")
        if pd.api.types.is_integer_dtype(col.dtype):
            return col.to_numpy(np.int64) * _EPOCH[epoch], True
        return np.round(scaled).astype(np.int64), True
    text = col.astype("string")
    fmt = ts_format or "ISO8601"
    try:
        parsed = pd.to_datetime(text, format=fmt)
    except ValueError:
        try:  # mixed UTC offsets need utc=True
            parsed = pd.to_datetime(text, format=fmt, utc=True)
        except ValueError:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
            bad = np.flatnonzero(parsed.isna().to_numpy())
            row = int(bad[0]) if len(bad) else 0
            _fail(path, lines, row, "timestamp", str(text.iloc[row]),
                  "an ISO-8601 time (2016-06-14 00:00:00.844+00:00)" if fmt == "ISO8601"
                  else f"a time in the form {fmt}",
                  "pass ts_format='%d/%m/%Y %H:%M:%S.%f' (say) or epoch='ms' for numbers")
    idx = pd.DatetimeIndex(parsed)
    absolute = idx.tz is not None
    if absolute:
        idx = idx.tz_convert("UTC").tz_localize(None)
    nat = np.flatnonzero(idx.isna())
    if len(nat):
        _fail(path, lines, int(nat[0]), "timestamp", str(text.iloc[nat[0]]), "a time", "fill or "
              "delete that row")
    return idx.as_unit("ns").asi8.astype(np.int64), absolute


def read(path, spec=None, *, columns: dict | None = None, epoch: str | None = None,
         spread_points: float | None = None, point: float | None = None,
         sep: str | None = None, ts_format: str | None = None, **opts) -> list[Chunk]:
    """Read one generic tick CSV into a ``Chunk`` (see the module doc for the options)."""
    if opts:
        raise ValueError(f"generic_csv: unknown option(s) {sorted(opts)}; known: columns, "
                         "epoch, spread_points, point, sep, ts_format")
    path = str(path)
    data = decode_text(Path(path).read_bytes(), path)
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    sep = sep or _sep_of(header)
    names = [n.strip().strip('"') for n in header.split(sep)]
    mapping = dict(columns or {})
    unknown = set(mapping) - set(ROLES)
    if unknown:
        raise ValueError(f"columns= roles {sorted(unknown)} unknown; roles: {', '.join(ROLES)}")
    for role in ROLES:
        if role not in mapping and (g := _guess(role, names)) is not None:
            mapping[role] = g
    for role, name in mapping.items():
        if name not in names:
            raise DataError(path, 1, f"column {name!r} (for {role}) is not in the header "
                            f"{names}", "the names given in columns=", "check the spelling")
    for role in ("ts", "bid"):
        if role not in mapping:
            raise DataError(path, 1, f"no {role} column in the header {names}",
                            f"a {role} column", f"pass columns={{'{role}': 'NAME'}}")
    if "ask" not in mapping and spread_points is None:
        raise DataError(path, 1, f"the file has no ask column (header {names})",
                        "an ask column, or an explicit spread model",
                        "pass columns={'ask': 'NAME'} (CLI --column ask=NAME) if it has "
                        "another name, or spread_points=N (CLI --spread-points N) to set "
                        "ask = bid + N points; ticklab never invents an ask silently")
    usecols = list(dict.fromkeys(mapping.values()))
    df = pd.read_csv(io.BytesIO(data), sep=sep, usecols=usecols, engine="c",
                     dtype={mapping["ts"]: "string"} if epoch is None else None)
    lines = _line_numbers(data)
    if len(lines) != len(df):
        lines = None
    ts_col = df[mapping["ts"]]
    if epoch is None and ts_col.dtype == "string" and len(ts_col) and \
            ts_col.str.fullmatch(r"\s*-?\d+(\.\d*)?\s*").all():
        ts_col = pd.to_numeric(ts_col)
    ts, absolute = _timestamps(ts_col, path, lines, epoch, ts_format)
    out = {"ts": ts}
    for role in ROLES[1:]:
        if role in mapping:
            out[role] = pd.to_numeric(df[mapping[role]], errors="coerce").to_numpy(np.float64)
    issues = []
    if "ask" not in out:
        if spec is not None:
            pt, digits = spec.point, spec.digits
        elif point is not None:
            pt, digits = float(point), max(0, round(-math.log10(float(point))))
        else:
            raise DataError(path, None, "spread_points needs the symbol's point",
                            "a symbol with a spec in conf/symbol, or point=",
                            "pass symbol='EURUSD' (say) or point=0.00001")
        out["ask"] = np.round(out["bid"] + float(spread_points) * pt, digits)
        issues.append(Issue("synthetic_ask", f"set ask = bid + {spread_points:g} points "
                            f"({float(spread_points) * pt:g})", len(ts), path))
    contiguous = lines is None or len(lines) == 0 or lines[-1] - lines[0] == len(lines) - 1
    chunk = Chunk(path, out, first_line=int(lines[0]) if lines is not None and len(lines) else 2,
                  lines=None if contiguous else lines)
    chunk.issues = issues
    chunk.clock = "utc" if absolute else None
    return [chunk]
