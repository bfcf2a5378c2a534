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


@njit(cache=True, nogil=True)
def parse_histdata_nb(buf, n_alloc, pow10):
    """Parse every row; returns (ts, bid, ask, volume, lines, info) with
    ``info`` = [err code, err line, err start, err end, any non-zero volume].

    Field parsers are written out in the loop: a jitted helper taking ``buf`` per field
    costs a reference-count round trip per call (about 2x slower overall).
    """
    ts = np.empty(n_alloc, np.int64)
    bid = np.empty(n_alloc, np.float64)
    ask = np.empty(n_alloc, np.float64)
    vol = np.empty(n_alloc, np.float64)
    lines = np.empty(n_alloc, np.int64)
    info = np.zeros(5, np.int64)
    st = np.zeros(5, np.int64)
    en = np.zeros(5, np.int64)
    vals = np.zeros(4, np.float64)
    dig = np.zeros(7, np.int64)
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
        fa, fb = lstart, e
        if k != 4:
            code = 5
        else:  # YYYYMMDD HHMMSSmmm
            a0 = st[0]
            ok = en[0] - a0 == 18 and buf[a0 + 8] == 32
            if ok:
                dig[:] = 0
                for q in range(18):
                    if q == 8:
                        continue
                    c = buf[a0 + q]
                    ok = ok and c >= 48 and c <= 57
                    g = 0 if q < 4 else 1 if q < 6 else 2 if q < 8 else 3 if q < 11 else \
                        4 if q < 13 else 5 if q < 15 else 6
                    dig[g] = dig[g] * 10 + (np.int64(c) - 48)
                y, m, d = dig[0], dig[1], dig[2]
                ok = ok and y >= 1900 and m >= 1 and m <= 12 and d >= 1 and dig[3] <= 23
                ok = ok and dig[4] <= 59 and dig[5] <= 59 and d <= days_in_month_nb(y, m)
            if not ok:
                code, fa, fb = 1, st[0], en[0]
        if code == 0:
            for f in range(1, 4):
                i, b = st[f], en[f]
                if f == 3 and i == b:
                    vals[3] = 0.0
                    continue
                neg = i < b and buf[i] == 45
                if neg:
                    i += 1
                mant = 0
                ndig = 0
                frac = 0
                dot = False
                while i < b:
                    c = buf[i]
                    if c >= 48 and c <= 57:
                        mant = mant * 10 + (np.int64(c) - 48)
                        ndig += 1
                        if dot:
                            frac += 1
                    elif c == 46 and not dot:
                        dot = True
                    else:
                        break
                    i += 1
                if i == b and 0 < ndig <= 18:
                    v = float(mant) / pow10[frac]
                    vals[f] = -v if neg else v
                else:  # exponent, > 18 digits or junk: the careful parser decides
                    v, ok = parse_decimal_nb(buf, st[f], b, pow10)
                    if not ok:
                        code, fa, fb = f + 1, st[f], b
                        break
                    vals[f] = v
        if code != 0:
            info[0], info[1], info[2], info[3] = code, line, fa, fb
            break
        if vals[3] != 0.0:
            info[4] = 1
        ts[n] = (days_from_civil_nb(dig[0], dig[1], dig[2]) * NS_PER_DAY
                 + ((dig[3] * 60 + dig[4]) * 60 + dig[5]) * 1_000_000_000 + dig[6] * 1_000_000)
        bid[n] = vals[1]
        ask[n] = vals[2]
        vol[n] = vals[3]
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
