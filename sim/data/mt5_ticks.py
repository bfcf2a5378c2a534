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

import mmap
import os
import re

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


def map_text(path) -> tuple[bytes | mmap.mmap, int]:
    """The file as UTF-8 bytes and the offset of its text: a read-only memory map (no copy)
    for UTF-8/ASCII, skipping a UTF-8 BOM; UTF-16 files are decoded into memory."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < 4:
            return decode_text(fh.read(), path), 0
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    head = mm[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (head[1] == 0 and head[3] == 0):
        data = decode_text(mm[:], path)
        mm.close()
        return data, 0
    return mm, 3 if head[:3] == b"\xef\xbb\xbf" else 0


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
def field_end_nb(buf, i, end, sep):
    """Index of the first ``sep``, CR or LF at or after ``i`` (or ``end``)."""
    while i < end:
        c = buf[i]
        if c == sep or c == 10 or c == 13:
            return i
        i += 1
    return end


@njit(cache=True)
def scan_decimal_nb(buf, i, end, pow10, sep):
    """Parse the number field starting at ``i`` (``[-+]digits[.digits][e[-+]digits]``,
    spaces around allowed) up to ``sep``/CR/LF/``end``.

    Returns (value, status, stop): status 0 = ok, 1 = empty, 2 = not a number; ``stop`` =
    the index of the field's terminator.  Up to 18 significant digits are read as an exact
    integer divided once by an exact power of ten, so the result is the correctly rounded
    double for every price a terminal writes.
    """
    while i < end and buf[i] == 32:
        i += 1
    if i >= end or buf[i] == sep or buf[i] == 10 or buf[i] == 13:
        return np.nan, 1, i
    neg = False
    c = buf[i]
    if c == 45 or c == 43:
        neg = c == 45
        i += 1
    mant = 0
    nsig = 0
    ndig = 0
    exp = 0
    dot = False
    while i < end:
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
        else:
            break
        i += 1
    if ndig > 0 and i < end and (buf[i] == 101 or buf[i] == 69):
        i += 1
        eneg = False
        if i < end and (buf[i] == 45 or buf[i] == 43):
            eneg = buf[i] == 45
            i += 1
        e = 0
        ed = 0
        while i < end and 48 <= buf[i] <= 57 and ed < 5:
            e = e * 10 + (buf[i] - 48)
            ed += 1
            i += 1
        if ed == 0:
            ndig = 0
        exp += -e if eneg else e
    while i < end and buf[i] == 32:
        i += 1
    if ndig == 0 or (i < end and buf[i] != sep and buf[i] != 10 and buf[i] != 13):
        return np.nan, 2, field_end_nb(buf, i, end, sep)
    v = float(mant)
    if exp < 0:
        v = v / pow10[-exp] if -exp < 23 else v * 10.0 ** exp
    elif exp > 0:
        v = v * pow10[exp] if exp < 23 else v * 10.0 ** exp
    return (-v if neg else v), 0, i


@njit(cache=True)
def parse_decimal_nb(buf, a, b, pow10):
    """Parse the whole of ``buf[a:b]`` as a number; returns (value, ok)."""
    v, status, stop = scan_decimal_nb(buf, a, b, pow10, 44)
    return v, status == 0 and stop == b


@njit(cache=True)
def count_lines_nb(buf):
    n = 1
    for i in range(len(buf)):
        if buf[i] == 10:
            n += 1
    return n


@njit(cache=True, nogil=True)
def parse_mt5_nb(buf, pos, n_alloc, roles, need, mode, sep, line, pow10):
    """Parse data rows from ``buf[pos:]`` in one pass (``line`` = line number at ``pos``).

    ``roles``: per header field, 0..6 = DATE, TIME, BID, ASK, LAST, VOLUME, FLAGS, -1 =
    other; fields after index ``need`` may be missing at the end of a row.  Returns arrays
    cut to the parsed rows (``lines`` empty when the rows are consecutive lines), plus
    ``info`` = [err code, err line, err start, err end, rows dropped before both sides
    were known, first such line, any LAST, any VOLUME, line of row 0].

    The field parsers are written out in the loop on purpose: calling a jitted helper
    that takes ``buf`` costs a reference-count round trip per call (measured 5x slower).
    """
    ts = np.empty(n_alloc, np.int64)
    bid = np.empty(n_alloc, np.float64)
    ask = np.empty(n_alloc, np.float64)
    last = np.empty(n_alloc, np.float64)
    vol = np.empty(n_alloc, np.float64)
    flags = np.empty(n_alloc, np.int32)
    lines = np.empty(n_alloc, np.int64)
    info = np.zeros(9, np.int64)
    nf = len(roles)
    gaps = False  # per-row line numbers are kept only once a line was skipped
    base = line
    pb, pa, pl = np.nan, np.nan, np.nan
    n = 0
    L = len(buf)
    while pos < L:
        j = pos
        while j < L and (buf[j] == 32 or buf[j] == 13):
            j += 1
        if j >= L or buf[j] == 10:  # blank line
            if n > 0 and not gaps:
                gaps = True
                for k in range(n):
                    lines[k] = base + k
            line += 1
            pos = j + 1
            continue
        code = 0
        fa, fb = pos, pos
        i = pos
        day = 0
        tod = 0
        vv = 0.0
        fl = 0
        for f in range(nf):
            if f > 0:
                if i < L and buf[i] == 9:
                    i += 1
                elif f > need and (i >= L or buf[i] == 10 or buf[i] == 13):
                    break  # trailing empty fields left out
                else:
                    code = 8
                    break
            r = roles[f]
            while i < L and buf[i] == 32:
                i += 1
            fa = i
            if r >= 2 and r <= 5:  # decimal: [-+]digits[.digits][e[-+]digits]
                if i >= L or buf[i] == 9 or buf[i] == 10 or buf[i] == 13:
                    continue  # empty: unchanged side / no value
                # fast path: [digits][.digits] with at most 18 digits, else the careful one
                neg = buf[i] == 45
                if neg or buf[i] == 43:
                    i += 1
                mant = 0
                ndig = 0
                while i < L:
                    c = buf[i]
                    if c < 48 or c > 57:
                        break
                    mant = mant * 10 + (np.int64(c) - 48)
                    ndig += 1
                    i += 1
                frac = 0
                if i < L and buf[i] == 46:
                    i += 1
                    while i < L:
                        c = buf[i]
                        if c < 48 or c > 57:
                            break
                        mant = mant * 10 + (np.int64(c) - 48)
                        frac += 1
                        i += 1
                ok = ndig + frac > 0
                if ndig + frac > 18 or (i < L and (buf[i] == 101 or buf[i] == 69 or buf[i] == 32)):
                    v, st, i = scan_decimal_nb(buf, fa, L, pow10, 9)
                    ok = st == 0
                elif not ok or (i < L and buf[i] != 9 and buf[i] != 10 and buf[i] != 13):
                    ok = False
                else:
                    v = float(mant) / pow10[frac]
                    if neg:
                        v = -v
                if not ok:
                    while i < L and buf[i] != 9 and buf[i] != 10 and buf[i] != 13:
                        i += 1
                    code, fb = r + 1, i
                    break
                if r == 2:
                    pb = v
                elif r == 3:
                    pa = v
                elif r == 4:
                    pl = v
                    if info[6] == 0:  # first LAST: the earlier rows had none
                        info[6] = 1
                        last[:n] = np.nan
                else:
                    vv = v
                    if v != 0.0 and info[7] == 0:  # first volume: earlier rows were 0
                        info[7] = 1
                        vol[:n] = 0.0
                continue
            e = i
            while e < L and buf[e] != 9 and buf[e] != 10 and buf[e] != 13:
                e += 1
            fb = e
            while fb > fa and buf[fb - 1] == 32:
                fb -= 1
            i = e
            if r == 0:  # date
                ok = fb - fa == 10
                if ok:
                    if mode == 0:
                        py, pm, pd, s1, s2 = fa, fa + 5, fa + 8, buf[fa + 4], buf[fa + 7]
                    else:
                        pd, pm, py, s1, s2 = fa, fa + 3, fa + 6, buf[fa + 2], buf[fa + 5]
                    ok = s1 == sep and s2 == sep
                    y = 0
                    for k in range(4):
                        c = buf[py + k]
                        ok = ok and c >= 48 and c <= 57
                        y = y * 10 + (np.int64(c) - 48)
                    m2 = (np.int64(buf[pm]) - 48) * 10 + (np.int64(buf[pm + 1]) - 48)
                    d2 = (np.int64(buf[pd]) - 48) * 10 + (np.int64(buf[pd + 1]) - 48)
                    for c in (buf[pm], buf[pm + 1], buf[pd], buf[pd + 1]):
                        ok = ok and c >= 48 and c <= 57
                    ok = ok and y >= 1900 and m2 >= 1 and m2 <= 12 and d2 >= 1
                    ok = ok and d2 <= days_in_month_nb(y, m2)
                if not ok:
                    code = 1
                    break
                day = days_from_civil_nb(y, m2, d2)
            elif r == 1:  # time H[H]:MM:SS[.f{1,9}]
                p = -1
                if fb - fa >= 8 and buf[fa + 2] == 58:
                    hh = (np.int64(buf[fa]) - 48) * 10 + (np.int64(buf[fa + 1]) - 48)
                    ok = buf[fa] >= 48 and buf[fa] <= 57 and buf[fa + 1] >= 48 and buf[fa + 1] <= 57
                    p = fa + 3
                elif fb - fa >= 7 and buf[fa + 1] == 58:
                    hh = np.int64(buf[fa]) - 48
                    ok = buf[fa] >= 48 and buf[fa] <= 57
                    p = fa + 2
                ok = p >= 0 and ok and fb - p >= 5 and buf[p + 2] == 58
                if ok:
                    for c in (buf[p], buf[p + 1], buf[p + 3], buf[p + 4]):
                        ok = ok and c >= 48 and c <= 57
                    mi = (np.int64(buf[p]) - 48) * 10 + (np.int64(buf[p + 1]) - 48)
                    se = (np.int64(buf[p + 3]) - 48) * 10 + (np.int64(buf[p + 4]) - 48)
                    ok = ok and hh <= 23 and mi <= 59 and se <= 59
                    tod = ((hh * 60 + mi) * 60 + se) * 1_000_000_000
                    p += 5
                    if ok and p < fb:
                        nfr = fb - p - 1
                        ok = buf[p] == 46 and nfr >= 1 and nfr <= 9
                        frac = 0
                        for k in range(p + 1, fb):
                            c = buf[k]
                            ok = ok and c >= 48 and c <= 57
                            frac = frac * 10 + (np.int64(c) - 48)
                        for _ in range(9 - nfr):
                            frac *= 10
                        tod += frac
                if not ok:
                    code = 2
                    break
            elif r == 6 and fa < fb:  # flags
                fl = 0
                ok = fb - fa <= 9
                for k in range(fa, fb):
                    c = buf[k]
                    ok = ok and c >= 48 and c <= 57
                    fl = fl * 10 + (np.int64(c) - 48)
                if not ok:
                    code = 7
                    break
        if code == 8:
            fa = pos
            fb = pos
            while fb < L and buf[fb] != 10:
                fb += 1
            while fb > fa and (buf[fb - 1] == 13 or buf[fb - 1] == 32):
                fb -= 1
        if code != 0:
            info[0], info[1], info[2], info[3] = code, line, fa, fb
            break
        while i < L and buf[i] != 10:
            i += 1
        pos = i + 1
        if np.isnan(pb) or np.isnan(pa):
            if info[4] == 0:
                info[5] = line
            info[4] += 1
            if n > 0 and not gaps:
                gaps = True
                for k in range(n):
                    lines[k] = base + k
        else:
            if n == 0:
                base = line
            if gaps:
                lines[n] = line
            ts[n] = day * NS_PER_DAY + tod
            bid[n] = pb
            ask[n] = pa
            if info[6]:  # LAST / VOLUME pages are only touched once a row fills them
                last[n] = pl
            if info[7]:
                vol[n] = vv
            flags[n] = fl
            n += 1
        line += 1
    info[8] = base
    return ts[:n], bid[:n], ask[:n], last[:n], vol[:n], flags[:n], lines[:n if gaps else 0], info


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
    data, start = map_text(path)
    nl = data.find(b"\n", start)
    header = data[start: nl if nl >= 0 else len(data)].decode("utf-8", "replace").strip()
    cols = _header_columns(header, path)
    roles = np.full(len(header.split("\t")), -1, np.int64)
    for role, field in enumerate(cols):
        if field >= 0:
            roles[field] = role
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
        buf, pos, n_alloc, roles, int(cols[:4].max()), mode, sep, 2, _POW10)
    text = data[int(info[2]):int(info[3])].decode("utf-8", "replace") if info[0] else ""
    del buf
    if isinstance(data, mmap.mmap):
        data.close()
    if info[0]:
        what, expected = _ERRORS[int(info[0])]
        raise DataError(path, int(info[1]), f"cannot read {what} {text!r}", expected,
                        "fix or delete that line, or re-export the ticks from the terminal")
    columns = {"ts": ts, "bid": bid, "ask": ask}
    if info[6]:
        columns["last"] = last
    if info[7]:
        columns["volume"] = vol
    if cols[6] >= 0:
        columns["flags"] = flags
    chunk = Chunk(path, columns, first_line=int(info[8]), lines=lines if len(lines) else None)
    chunk.issues = []
    if info[4]:
        chunk.issues.append(Issue("one_sided_start", "dropped", int(info[4]), path,
                                  (int(info[5]),)))
    return [chunk]
