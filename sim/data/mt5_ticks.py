"""MT5 "Export ticks" CSV (Symbols window -> Ticks -> Export), design/metatrader.md B.1.

Layout: one header line ``<DATE>\\t<TIME>\\t<BID>\\t<ASK>\\t<LAST>\\t<VOLUME>\\t<FLAGS>``, then
TAB-separated rows in broker server time, CRLF or LF line ends.

Supported:

- encodings: UTF-8 / ASCII, UTF-8 with BOM, UTF-16LE or UTF-16BE with BOM (decoded first);
- dates ``YYYY.MM.DD`` (the terminal's default), ``YYYY-MM-DD`` and ``YYYY/MM/DD`` (year
  first, any one of ``. - /`` as separator) and ``DD.MM.YYYY`` (day first, dots only).
  The form is detected from the first data row (or forced with ``date_format="ymd"`` /
  ``"dmy"``); ``NN/NN/YYYY`` is refused as ambiguous (US month-first or day-first);
- times ``HH:MM:SS`` with an optional fraction of 1 to 9 digits (the export writes ms);
- an empty ``<BID>`` or ``<ASK>`` means that side did not change (``FLAGS`` 2 = bid only,
  4 = ask only, 6 = both): it is forward-filled from the previous tick, never read as 0.
  Rows before both sides have been seen once (an export that starts mid-stream) cannot be
  completed: they are **dropped and counted** (an ``Issue`` of kind ``one_sided_start``
  attached to the chunk as ``chunk.issues``), not guessed;
- ``<LAST>`` (forward-filled like the quote) and ``<VOLUME>`` (empty = 0) become columns
  only when some row fills them (exchange instruments); ``<FLAGS>`` is kept;
- several ticks in one millisecond are kept in file order; blank lines are skipped.

Anything else (a bad date, time or number, too few fields) raises ``DataError`` with the
line number, the offending text and what was expected.

The parser is a numba byte-level kernel over the file bytes: one pass counts lines to
size the arrays, a second parses into them.  ``parse_decimal_nb`` and
``days_from_civil_nb`` are shared with the HistData reader.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numba import njit

from sim.data.errors import DataError, Issue
from sim.data.formats import Chunk

FORMAT = "mt5_ticks"
NATIVE_TZ = "server"
NS_PER_DAY = 86_400_000_000_000
FIELDS = ("DATE", "TIME", "BID", "ASK", "LAST", "VOLUME", "FLAGS")
OPTIONS = ("date_format",)
_POW10 = np.array([10.0 ** k for k in range(23)])
_ERRORS = {
    1: ("date", "a date YYYY.MM.DD (or the file's first-row form)"),
    2: ("time", "a time HH:MM:SS.mmm"),
    3: ("<BID>", "a decimal price or an empty field"),
    4: ("<ASK>", "a decimal price or an empty field"),
    5: ("<LAST>", "a decimal price or an empty field"),
    6: ("<VOLUME>", "a number or an empty field"),
    7: ("<FLAGS>", "an integer"),
    8: ("row", "TAB-separated fields <DATE> <TIME> <BID> <ASK> ... like the header"),
}


def decode_text(raw: bytes, path) -> bytes:
    """Return the file as UTF-8 bytes without BOM (UTF-16 files are transcoded)."""
    try:
        if raw[:2] == b"\xff\xfe":
            return raw[2:].decode("utf-16-le").encode("utf-8")
        if raw[:2] == b"\xfe\xff":
            return raw[2:].decode("utf-16-be").encode("utf-8")
        if len(raw) > 3 and raw[1] == 0 and raw[3] == 0 and raw[0] != 0:
            return raw.decode("utf-16-le").encode("utf-8")  # UTF-16LE without BOM
    except UnicodeDecodeError as exc:
        raise DataError(path, None, f"not valid UTF-16 text ({exc.reason} at byte {exc.start})",
                        "UTF-8, UTF-8 with BOM or UTF-16LE with BOM",
                        "re-export the file from the terminal") from None
    return raw[3:] if raw[:3] == b"\xef\xbb\xbf" else raw


@njit(cache=True)
def days_from_civil_nb(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True)
def days_in_month_nb(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


@njit(cache=True)
def digits_nb(buf, a, n):
    """Integer value of ``n`` ASCII digits at ``a``, or -1 if any is not a digit."""
    v = 0
    for i in range(a, a + n):
        c = buf[i]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
    return v


@njit(cache=True)
def parse_decimal_nb(buf, a, b, pow10):
    """Parse ``[-+]digits[.digits][e[-+]digits]`` in ``buf[a:b]``; returns (value, ok).

    Up to 18 significant digits are exact integers divided once by an exact power of ten,
    so the result is the correctly rounded double for every price a terminal writes.
    """
    if a >= b:
        return np.nan, False
    neg = False
    c = buf[a]
    if c == 45 or c == 43:
        neg = c == 45
        a += 1
    mant = 0
    nsig = 0
    ndig = 0
    exp = 0
    dot = False
    i = a
    while i < b:
        c = buf[i]
        if 48 <= c <= 57:
            ndig += 1
            if nsig < 18:
                if mant > 0 or c != 48:
                    nsig += 1
                mant = mant * 10 + (c - 48)
                if dot:
                    exp -= 1
            elif not dot:
                exp += 1
        elif c == 46 and not dot:
            dot = True
        elif (c == 101 or c == 69) and ndig > 0:
            break
        else:
            return np.nan, False
        i += 1
    if ndig == 0:
        return np.nan, False
    if i < b:  # exponent
        i += 1
        eneg = False
        if i < b and (buf[i] == 45 or buf[i] == 43):
            eneg = buf[i] == 45
            i += 1
        if i >= b:
            return np.nan, False
        e = 0
        while i < b:
            c = buf[i]
            if c < 48 or c > 57 or e > 10000:
                return np.nan, False
            e = e * 10 + (c - 48)
            i += 1
        exp += -e if eneg else e
    v = float(mant)
    if exp < 0:
        v = v / pow10[-exp] if -exp < 23 else v * 10.0 ** exp
    elif exp > 0:
        v = v * pow10[exp] if exp < 23 else v * 10.0 ** exp
    return (-v if neg else v), True


@njit(cache=True)
def parse_time_nb(buf, a, b):
    """``H[H]:MM:SS[.f{1,9}]`` -> ns since midnight, or -1."""
    n = b - a
    if n >= 7 and buf[a + 1] == 58:  # single-digit hour
        hh = digits_nb(buf, a, 1)
        a += 2
    elif n >= 8 and buf[a + 2] == 58:
        hh = digits_nb(buf, a, 2)
        a += 3
    else:
        return -1
    if b - a < 5 or buf[a + 2] != 58:
        return -1
    mm = digits_nb(buf, a, 2)
    ss = digits_nb(buf, a + 3, 2)
    if hh < 0 or hh > 23 or mm < 0 or mm > 59 or ss < 0 or ss > 59:
        return -1
    ns = ((hh * 60 + mm) * 60 + ss) * 1_000_000_000
    a += 5
    if a < b:
        nf = b - a - 1
        if buf[a] != 46 or nf < 1 or nf > 9:
            return -1
        f = digits_nb(buf, a + 1, nf)
        if f < 0:
            return -1
        for _ in range(9 - nf):
            f *= 10
        ns += f
    return ns


@njit(cache=True)
def parse_date_nb(buf, a, b, mode, sep):
    """``YYYY<sep>MM<sep>DD`` (mode 0) or ``DD.MM.YYYY`` (mode 1) -> days since epoch, or -1e9."""
    if b - a != 10:
        return -1_000_000_000
    if mode == 0:
        y, m, d = digits_nb(buf, a, 4), digits_nb(buf, a + 5, 2), digits_nb(buf, a + 8, 2)
        s1, s2 = buf[a + 4], buf[a + 7]
    else:
        d, m, y = digits_nb(buf, a, 2), digits_nb(buf, a + 3, 2), digits_nb(buf, a + 6, 4)
        s1, s2 = buf[a + 2], buf[a + 5]
    if s1 != sep or s2 != sep or y < 1900 or m < 1 or m > 12 or d < 1:
        return -1_000_000_000
    if d > days_in_month_nb(y, m):
        return -1_000_000_000
    return days_from_civil_nb(y, m, d)


@njit(cache=True)
def count_lines_nb(buf):
    n = 1
    for i in range(len(buf)):
        if buf[i] == 10:
            n += 1
    return n


@njit(cache=True)
def _trim_nb(buf, a, b):
    while a < b and buf[a] == 32:
        a += 1
    while b > a and (buf[b - 1] == 32 or buf[b - 1] == 13):
        b -= 1
    return a, b


@njit(cache=True)
def parse_mt5_nb(buf, pos, n_alloc, cols, mode, sep, line, pow10):
    """Parse data rows from ``buf[pos:]`` (``line`` = line number at ``pos``).

    ``cols``: field index of DATE, TIME, BID, ASK, LAST, VOLUME, FLAGS (-1 = absent).
    Returns arrays cut to the parsed rows, plus ``info`` = [err code, err line, err start,
    err end, rows dropped before both sides were known, first such line, any LAST,
    any VOLUME].
    """
    ts = np.empty(n_alloc, np.int64)
    bid = np.empty(n_alloc, np.float64)
    ask = np.empty(n_alloc, np.float64)
    last = np.empty(n_alloc, np.float64)
    vol = np.empty(n_alloc, np.float64)
    flags = np.empty(n_alloc, np.int32)
    lines = np.empty(n_alloc, np.int64)
    info = np.zeros(8, np.int64)
    starts = np.zeros(16, np.int64)
    ends = np.zeros(16, np.int64)
    need = 0
    for c in cols:
        need = max(need, c + 1)
    pb, pa, pl = np.nan, np.nan, np.nan
    t = 0
    n = 0
    L = len(buf)
    while pos < L:
        k = 0
        s = pos
        j = pos
        while j < L:
            c = buf[j]
            if c == 10:
                break
            if c == 9:
                if k < 16:
                    starts[k] = s
                    ends[k] = j
                k += 1
                s = j + 1
            j += 1
        if k < 16:
            starts[k] = s
            ends[k] = j
        k += 1
        lstart = pos
        pos = j + 1
        if k == 1:
            a0, b0 = _trim_nb(buf, starts[0], ends[0])
            if a0 == b0:
                line += 1
                continue
        code = 0
        fa, fb = lstart, j
        if k < need:
            code = 8
        else:
            fa, fb = _trim_nb(buf, starts[cols[0]], ends[cols[0]])
            day = parse_date_nb(buf, fa, fb, mode, sep)
            if day == -1_000_000_000:
                code = 1
            else:
                fa, fb = _trim_nb(buf, starts[cols[1]], ends[cols[1]])
                tod = parse_time_nb(buf, fa, fb)
                if tod < 0:
                    code = 2
                else:
                    t = day * NS_PER_DAY + tod
        if code == 0:
            fa, fb = _trim_nb(buf, starts[cols[2]], ends[cols[2]])
            if fa < fb:
                v, ok = parse_decimal_nb(buf, fa, fb, pow10)
                if ok:
                    pb = v
                else:
                    code = 3
        if code == 0:
            fa, fb = _trim_nb(buf, starts[cols[3]], ends[cols[3]])
            if fa < fb:
                v, ok = parse_decimal_nb(buf, fa, fb, pow10)
                if ok:
                    pa = v
                else:
                    code = 4
        if code == 0 and cols[4] >= 0:
            fa, fb = _trim_nb(buf, starts[cols[4]], ends[cols[4]])
            if fa < fb:
                v, ok = parse_decimal_nb(buf, fa, fb, pow10)
                if ok:
                    pl = v
                    info[6] = 1
                else:
                    code = 5
        vv = 0.0
        if code == 0 and cols[5] >= 0:
            fa, fb = _trim_nb(buf, starts[cols[5]], ends[cols[5]])
            if fa < fb:
                vv, ok = parse_decimal_nb(buf, fa, fb, pow10)
                if ok:
                    if vv != 0.0:
                        info[7] = 1
                else:
                    code = 6
        fl = 0
        if code == 0 and cols[6] >= 0:
            fa, fb = _trim_nb(buf, starts[cols[6]], ends[cols[6]])
            if fa < fb:
                fl = digits_nb(buf, fa, fb - fa) if fb - fa <= 9 else -1
                if fl < 0:
                    code = 7
        if code != 0:
            info[0], info[1], info[2], info[3] = code, line, fa, fb
            break
        if np.isnan(pb) or np.isnan(pa):
            if info[4] == 0:
                info[5] = line
            info[4] += 1
        else:
            ts[n] = t
            bid[n] = pb
            ask[n] = pa
            last[n] = pl
            vol[n] = vv
            flags[n] = fl
            lines[n] = line
            n += 1
        line += 1
    return ts[:n], bid[:n], ask[:n], last[:n], vol[:n], flags[:n], lines[:n], info


def _header_columns(text: str, path) -> np.ndarray:
    names = [f.strip().strip("<>").upper() for f in text.split("\t")]
    cols = np.array([names.index(f) if f in names else -1 for f in FIELDS], np.int64)
    if (cols[:4] < 0).any():
        raise DataError(path, 1, f"header {text[:80]!r} is not an MT5 tick export header",
                        "<DATE>\\t<TIME>\\t<BID>\\t<ASK>\\t<LAST>\\t<VOLUME>\\t<FLAGS> (TAB-separated)",
                        "export from MT5 Symbols -> Ticks -> Export, or load with "
                        "fmt='generic_csv' and a columns= mapping")
    return cols


def _date_mode(sample: str, forced: str, path, line: int) -> tuple[int, int]:
    if forced in ("ymd", "dmy"):
        m = re.match(r"\d{4}([.\-/])" if forced == "ymd" else r"\d\d(\.)\d\d\.", sample)
        return (0 if forced == "ymd" else 1), ord(m.group(1)) if m else 46
    if forced != "auto":
        raise ValueError(f"date_format must be 'auto', 'ymd' or 'dmy', got {forced!r}")
    if m := re.fullmatch(r"\d{4}([.\-/])\d\d\1\d\d", sample):
        return 0, ord(m.group(1))
    if re.fullmatch(r"\d\d\.\d\d\.\d{4}", sample):
        return 1, 46
    raise DataError(path, line, f"date {sample!r} is not in a supported form",
                    "YYYY.MM.DD, YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY",
                    "NN/NN/YYYY is ambiguous (month or day first): re-export with the "
                    "terminal's default YYYY.MM.DD dates")


def sniff(path, head: bytes) -> bool:
    try:
        text = decode_text(head[: len(head) // 2 * 2] if head[:2] in (b"\xff\xfe", b"\xfe\xff")
                           else head, path)
        first = text.split(b"\n", 1)[0].decode("utf-8", "replace").upper().replace(" ", "")
        return first.startswith("<DATE>\t<TIME>\t<BID>\t<ASK>")
    except Exception:
        return False


def read(path, spec=None, *, date_format: str = "auto", **opts) -> list[Chunk]:
    """Read one MT5 tick export into a ``Chunk`` (server-clock ns, forward-filled quotes)."""
    if opts:
        raise ValueError(f"mt5_ticks: unknown option(s) {sorted(opts)}; known: {OPTIONS}")
    path = str(path)
    data = decode_text(Path(path).read_bytes(), path)
    nl = data.find(b"\n")
    header = data[: nl if nl >= 0 else len(data)].decode("utf-8", "replace").strip()
    cols = _header_columns(header, path)
    pos = nl + 1 if nl >= 0 else len(data)
    # first non-blank data row decides the date form
    mode, sep, line, p = 0, 46, 2, pos
    while p < len(data):
        e = data.find(b"\n", p)
        e = len(data) if e < 0 else e
        row = data[p:e].decode("utf-8", "replace").strip()
        if row:
            fields = row.split("\t")
            sample = fields[cols[0]].strip() if len(fields) > cols[0] else row
            mode, sep = _date_mode(sample, date_format, path, line)
            break
        p, line = e + 1, line + 1
    buf = np.frombuffer(data, np.uint8)
    n_alloc = count_lines_nb(buf[pos:]) if pos < len(buf) else 0
    ts, bid, ask, last, vol, flags, lines, info = parse_mt5_nb(
        buf, pos, n_alloc, cols, mode, sep, 2, _POW10)
    if info[0]:
        what, expected = _ERRORS[int(info[0])]
        text = data[int(info[2]):int(info[3])].decode("utf-8", "replace")
        raise DataError(path, int(info[1]), f"cannot read {what} {text!r}", expected,
                        "fix or delete that line, or re-export the ticks from the terminal")
    columns = {"ts": ts, "bid": bid, "ask": ask}
    if info[6]:
        columns["last"] = last
    if info[7]:
        columns["volume"] = vol
    if cols[6] >= 0:
        columns["flags"] = flags
    contiguous = len(lines) == 0 or int(lines[-1]) - int(lines[0]) == len(lines) - 1
    chunk = Chunk(path, columns, first_line=int(lines[0]) if len(lines) else 2,
                  lines=None if contiguous else lines)
    chunk.issues = []
    if info[4]:
        chunk.issues.append(Issue("one_sided_start", "dropped", int(info[4]), path,
                                  (int(info[5]),)))
    return [chunk]
