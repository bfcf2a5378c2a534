"""HistData.com ASCII tick files (``DAT_ASCII_EURUSD_T_YYYYMM.csv``), design/metatrader.md B.7.

Layout, no header: ``YYYYMMDD HHMMSSmmm,bid,ask,volume`` (e.g.
``20120201 000003660,1.306600,1.306770,0``), LF or CRLF line ends.  The clock is EST
without daylight saving, UTC-05:00 all year (``NATIVE_TZ``); the loader converts it.
The volume field is always 0 in HistData files; a ``volume`` column is kept only when
some row has a non-zero volume.  Blank lines are skipped; anything else that does not fit
raises ``DataError`` with the line, the text and the expected layout.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numba import njit

from sim.data.errors import DataError
from sim.data.formats import Chunk
from sim.data.mt5_ticks import (
    _POW10,
    NS_PER_DAY,
    count_lines_nb,
    days_from_civil_nb,
    days_in_month_nb,
    decode_text,
    digits_nb,
    parse_decimal_nb,
)

FORMAT = "histdata_ticks"
NATIVE_TZ = "UTC-05:00"
_LINE = re.compile(rb"^\d{8} \d{9},[0-9.]+,[0-9.]+,[0-9.]*\r?$")
_ERRORS = {
    1: ("timestamp", "YYYYMMDD HHMMSSmmm (e.g. 20120201 000003660)"),
    2: ("bid", "a decimal price"),
    3: ("ask", "a decimal price"),
    4: ("volume", "a number"),
    5: ("row", "4 comma-separated fields: YYYYMMDD HHMMSSmmm,bid,ask,volume"),
}


@njit(cache=True)
def _ts_nb(buf, a, b):
    """``YYYYMMDD HHMMSSmmm`` -> ns since epoch, or -1."""
    if b - a != 18 or buf[a + 8] != 32:
        return -1
    y, m, d = digits_nb(buf, a, 4), digits_nb(buf, a + 4, 2), digits_nb(buf, a + 6, 2)
    hh, mi, ss = digits_nb(buf, a + 9, 2), digits_nb(buf, a + 11, 2), digits_nb(buf, a + 13, 2)
    ms = digits_nb(buf, a + 15, 3)
    if y < 1900 or m < 1 or m > 12 or d < 1 or hh < 0 or hh > 23 or mi < 0 or mi > 59:
        return -1
    if ss < 0 or ss > 59 or ms < 0 or d > days_in_month_nb(y, m):
        return -1
    return (days_from_civil_nb(y, m, d) * NS_PER_DAY
            + ((hh * 60 + mi) * 60 + ss) * 1_000_000_000 + ms * 1_000_000)


@njit(cache=True)
def parse_histdata_nb(buf, n_alloc, pow10):
    """Parse every row; returns (ts, bid, ask, volume, lines, info) with
    ``info`` = [err code, err line, err start, err end, any non-zero volume]."""
    ts = np.empty(n_alloc, np.int64)
    bid = np.empty(n_alloc, np.float64)
    ask = np.empty(n_alloc, np.float64)
    vol = np.empty(n_alloc, np.float64)
    lines = np.empty(n_alloc, np.int64)
    info = np.zeros(5, np.int64)
    st = np.zeros(5, np.int64)
    en = np.zeros(5, np.int64)
    n = 0
    line = 1
    pos = 0
    L = len(buf)
    while pos < L:
        k = 0
        s = pos
        j = pos
        while j < L and buf[j] != 10:
            if buf[j] == 44:
                if k < 5:
                    st[k] = s
                    en[k] = j
                k += 1
                s = j + 1
            j += 1
        e = j
        while e > s and (buf[e - 1] == 13 or buf[e - 1] == 32):
            e -= 1
        if k < 5:
            st[k] = s
            en[k] = e
        k += 1
        lstart = pos
        pos = j + 1
        if k == 1 and st[0] == en[0]:
            line += 1
            continue
        code = 0
        t = 0
        b = 0.0
        a = 0.0
        fa, fb = lstart, e
        if k != 4:
            code = 5
        else:
            t = _ts_nb(buf, st[0], en[0])
            if t < 0:
                code, fa, fb = 1, st[0], en[0]
        if code == 0:
            b, ok = parse_decimal_nb(buf, st[1], en[1], pow10)
            if not ok:
                code, fa, fb = 2, st[1], en[1]
        if code == 0:
            a, ok = parse_decimal_nb(buf, st[2], en[2], pow10)
            if not ok:
                code, fa, fb = 3, st[2], en[2]
        v = 0.0
        if code == 0 and st[3] < en[3]:
            v, ok = parse_decimal_nb(buf, st[3], en[3], pow10)
            if not ok:
                code, fa, fb = 4, st[3], en[3]
        if code != 0:
            info[0], info[1], info[2], info[3] = code, line, fa, fb
            break
        if v != 0.0:
            info[4] = 1
        ts[n] = t
        bid[n] = b
        ask[n] = a
        vol[n] = v
        lines[n] = line
        n += 1
        line += 1
    return ts[:n], bid[:n], ask[:n], vol[:n], lines[:n], info


def sniff(path, head: bytes) -> bool:
    try:
        first = decode_text(head, path).split(b"\n", 1)[0]
        return bool(_LINE.match(first))
    except Exception:
        return False


def read(path, spec=None, **opts) -> list[Chunk]:
    """Read one HistData tick file (EST clock, ``UTC-05:00``) into a ``Chunk``."""
    if opts:
        raise ValueError(f"histdata_ticks: unknown option(s) {sorted(opts)}; it takes none")
    path = str(path)
    data = decode_text(Path(path).read_bytes(), path)
    buf = np.frombuffer(data, np.uint8)
    ts, bid, ask, vol, lines, info = parse_histdata_nb(buf, count_lines_nb(buf), _POW10)
    if info[0]:
        what, expected = _ERRORS[int(info[0])]
        text = data[int(info[2]):int(info[3])].decode("utf-8", "replace")
        raise DataError(path, int(info[1]), f"cannot read {what} {text!r}", expected,
                        "fix or delete that line (HistData tick files have no header)")
    columns = {"ts": ts, "bid": bid, "ask": ask}
    if info[4]:
        columns["volume"] = vol
    contiguous = len(lines) == 0 or int(lines[-1]) - int(lines[0]) == len(lines) - 1
    return [Chunk(path, columns, first_line=int(lines[0]) if len(lines) else 1,
                  lines=None if contiguous else lines)]
