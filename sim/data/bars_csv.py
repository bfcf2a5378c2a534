"""Bar CSV files: MT5 bar export, MT4 History Center export, and a plain headed CSV.

- ``mt5_bars`` (metatrader.md B.2): TAB-separated, header
  ``<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL> <SPREAD>`` (``<TIME>`` absent
  in daily exports), ``YYYY.MM.DD`` and ``HH:MM:SS``;
- ``mt4_csv`` (B.3, also HistData "MetaTrader" files): no header,
  ``YYYY.MM.DD,HH:MM,open,high,low,close,volume``;
- ``bars_csv``: a header ``time,open,high,low,close[,tick_volume,spread,real_volume]`` with
  ``time`` as ``YYYY-MM-DD HH:MM[:SS]`` or epoch seconds (the MT5 Python ``copy_rates_*``
  frame written with ``to_csv``).

All are in the broker's server clock (``NATIVE_TZ = "server"``).  Blank lines are
skipped; line numbers in messages are the file's own 1-based lines.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data.bars import make_bars
from sim.data.errors import DataError

FORMAT = "bars_csv"
FORMATS = ("mt5_bars", "mt4_csv", "bars_csv")
NATIVE_TZ = "server"
_MT4_LINE = re.compile(r"^\d{4}\.\d{2}\.\d{2},\d{2}:\d{2}(:\d{2})?,[-+0-9.eE]+,")
_MT5_COLS = {"<DATE>": "date", "<TIME>": "time", "<OPEN>": "open", "<HIGH>": "high",
             "<LOW>": "low", "<CLOSE>": "close", "<TICKVOL>": "tick_volume",
             "<VOL>": "real_volume", "<SPREAD>": "spread"}
_BAR_CSV_REQUIRED = ("time", "open", "high", "low", "close")
_BAR_CSV_OPTIONAL = ("tick_volume", "spread", "real_volume")


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xff\xfe"):
        return raw[2:].decode("utf-16-le", "replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def sniff_format(path, head: bytes) -> str | None:
    """Which of ``FORMATS`` the file is (from its first 4 KiB), or None; never raises."""
    try:
        text = _decode(head).lstrip()
        first = text.splitlines()[0] if text else ""
    except Exception:
        return None
    if first.upper().startswith("<DATE>"):
        return "mt5_bars"
    if _MT4_LINE.match(first):
        return "mt4_csv"
    cols = [c.strip().lower() for c in first.split(",")]
    if all(c in cols for c in _BAR_CSV_REQUIRED):
        return "bars_csv"
    return None


def sniff(path, head: bytes) -> bool:
    """True when the file is one of ``FORMATS``."""
    return sniff_format(path, head) is not None


def _lines(path: Path) -> tuple[list[str], np.ndarray]:
    text = _decode(path.read_bytes())
    rows, numbers = [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            rows.append(line.rstrip("\r"))
            numbers.append(i)
    return rows, np.asarray(numbers, dtype=np.int64)


def _frame(path: Path, rows: list[str], lines: np.ndarray, sep: str, names, expected: str):
    try:
        df = pd.read_csv(io.StringIO("\n".join(rows)), sep=sep, header=None, names=names,
                         dtype=str, index_col=False, skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        k = int(m.group(1)) - 1 if m else 0
        raise DataError(path, int(lines[min(k, len(lines) - 1)]) if len(lines) else None,
                        f"wrong number of fields ({exc})", expected,
                        "fix or remove that line") from None
    return df


def _times(path: Path, text: pd.Series, lines: np.ndarray, fmt: str, expected: str) -> np.ndarray:
    t = pd.to_datetime(text, format=fmt, errors="coerce")
    bad = t.isna().to_numpy()
    if bad.any():
        k = int(np.argmax(bad))
        raise DataError(path, int(lines[k]), f"unparseable date/time {text.iloc[k]!r}",
                        expected, "fix or remove that line, or pass the right fmt=")
    return t.to_numpy().astype("datetime64[ns]").astype(np.int64)


def _numbers(path: Path, df: pd.DataFrame, lines: np.ndarray, cols, expected: str) -> dict:
    out = {}
    for c in cols:
        if c not in df:
            continue
        v = pd.to_numeric(df[c].str.strip(), errors="coerce")
        bad = v.isna().to_numpy()
        if bad.any():
            k = int(np.argmax(bad))
            raise DataError(path, int(lines[k]), f"column {c}: {df[c].iloc[k]!r} is not a number",
                            expected, "fix or remove that line")
        out[c] = v.to_numpy(dtype=np.float64)
    for c in ("tick_volume", "spread"):
        if c in out:
            out[c] = np.rint(out[c])
    return out


def _read_mt5(path: Path, rows, lines) -> dict:
    header = [h.strip().upper() for h in rows[0].split("\t")]
    unknown = [h for h in header if h not in _MT5_COLS]
    if unknown or "<DATE>" not in header:
        raise DataError(path, int(lines[0]), f"unknown header field(s) {unknown}",
                        "<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL> <SPREAD>",
                        "export bars from MT5 (Symbols > Bars > Export) or pass another fmt=")
    names = [_MT5_COLS[h] for h in header]
    exp = "TAB-separated YYYY.MM.DD<TAB>HH:MM:SS<TAB>open<TAB>high<TAB>low<TAB>close..."
    df = _frame(path, rows[1:], lines[1:], "\t", names, exp)
    when = df["date"].str.strip()
    tfmt = "%Y.%m.%d"
    if "time" in df:
        when = when + " " + df["time"].str.strip()
        tfmt = "%Y.%m.%d %H:%M:%S"
    cols = _numbers(path, df, lines[1:], ("open", "high", "low", "close", "tick_volume",
                                          "spread", "real_volume"), exp)
    cols["ts"] = _times(path, when, lines[1:], tfmt, "YYYY.MM.DD and HH:MM:SS")
    return cols


def _read_mt4(path: Path, rows, lines) -> dict:
    names = ["date", "time", "open", "high", "low", "close", "tick_volume"]
    exp = "YYYY.MM.DD,HH:MM,open,high,low,close,volume"
    df = _frame(path, rows, lines, ",", names, exp)
    if df["tick_volume"].isna().any():
        k = int(np.argmax(df["tick_volume"].isna().to_numpy()))
        raise DataError(path, int(lines[k]), "too few fields", exp, "fix or remove that line")
    cols = _numbers(path, df, lines, names[2:], exp)
    tm = df["time"].str.strip()
    seconds = tm.str.len() > 5
    when = df["date"].str.strip() + " " + tm.where(seconds, tm + ":00")
    cols["ts"] = _times(path, when, lines, "%Y.%m.%d %H:%M:%S", "YYYY.MM.DD,HH:MM")
    return cols


def _read_plain(path: Path, rows, lines) -> dict:
    header = [h.strip().lower() for h in rows[0].split(",")]
    missing = [c for c in _BAR_CSV_REQUIRED if c not in header]
    if missing:
        raise DataError(path, int(lines[0]), f"header lacks {missing}",
                        "time,open,high,low,close[,tick_volume,spread,real_volume]",
                        "rename the columns or pass another fmt=")
    exp = ",".join(header)
    df = _frame(path, rows[1:], lines[1:], ",", header, exp)
    cols = _numbers(path, df, lines[1:], _BAR_CSV_REQUIRED[1:] + _BAR_CSV_OPTIONAL, exp)
    t = df["time"].str.strip()
    if len(t) and t.str.fullmatch(r"\d{9,11}").all():  # epoch seconds (MT5 copy_rates)
        cols["ts"] = t.astype(np.int64).to_numpy() * 1_000_000_000
    else:
        cols["ts"] = _times(path, t, lines[1:], "ISO8601", "YYYY-MM-DD HH:MM:SS")
    return cols


def read_bars(path, spec=None, fmt: str | None = None, **opts) -> pd.DataFrame:
    """Read a bar CSV into a ``BAR_COLUMNS`` frame (``ts`` int64 ns, server clock).

    Args:
        path: the CSV file.
        spec: unused.
        fmt: one of ``FORMATS``; None = detect from the first line.
        **opts: ignored.

    Raises:
        DataError: unrecognised layout, bad header, unparseable date or number (with its line).
    """
    p = Path(path)
    rows, lines = _lines(p)
    if not rows:
        raise DataError(p, None, "empty file", "bar lines", "export the bars again")
    if fmt is None:
        fmt = sniff_format(p, rows[0].encode())
        if fmt is None:
            raise DataError(p, int(lines[0]), f"unrecognised first line {rows[0][:80]!r}",
                            f"one of {', '.join(FORMATS)}", "pass fmt= explicitly")
    readers = {"mt5_bars": _read_mt5, "mt4_csv": _read_mt4, "bars_csv": _read_plain}
    if fmt not in readers:
        raise DataError(p, None, f"unknown bar CSV format {fmt!r}", f"one of {', '.join(FORMATS)}",
                        "pass a listed fmt=")
    cols = readers[fmt](p, rows, lines)
    body = lines if fmt == "mt4_csv" else lines[1:]
    return make_bars(cols, lines=body, unit="line", csv_format=fmt)
