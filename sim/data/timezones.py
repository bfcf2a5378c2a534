"""Broker server time <-> UTC.

MetaTrader files carry the broker's server clock with no zone.  A zone spec is
one of:

- ``None`` / ``"UTC"``: the times are UTC already (Dukascopy, TrueFX);
- ``"NY+7"``: the common "New York close" server, America/New_York local time
  plus 7 h (UTC+2 in winter, UTC+3 while the US is on daylight time);
- a fixed offset ``"UTC+2"``, ``"UTC-5"``, ``"UTC+05:30"`` (HistData is ``UTC-5``);
- any IANA zone name (``"EET"``, ``"Europe/Athens"``, ``"America/New_York"``).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from sim.core.records import NO_TS

NS_PER_HOUR = 3_600_000_000_000
NS_PER_DAY = 24 * NS_PER_HOUR
_FIXED = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_NY7 = {"NY+7", "NEWYORK+7", "NY_CLOSE"}


def normalise_tz(spec: str | None) -> str:
    """Validate a zone spec and return its canonical text (``UTC``, ``NY+7``, ``UTC+02:00``, IANA)."""
    if spec is None or str(spec).strip().upper() in ("", "UTC", "GMT", "Z"):
        return "UTC"
    s = str(spec).strip()
    if s.upper() in _NY7:
        return "NY+7"
    m = _FIXED.match(s.upper())
    if m:
        sign, hh, mm = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hh > 14 or mm >= 60:
            raise ValueError(f"server time zone {spec!r}: offset out of range (-14..+14 hours)")
        return f"UTC{sign}{hh:02d}:{mm:02d}"
    try:
        ZoneInfo(s)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown server time zone {spec!r}; use UTC, NY+7 (New York close, UTC+2/+3), "
            "a fixed offset like UTC+2, or an IANA name like EET or Europe/Athens") from None
    return s


def _fixed_offset_ns(canon: str) -> int | None:
    m = _FIXED.match(canon)
    if not m or canon == "UTC":
        return 0 if canon == "UTC" else None
    sign = 1 if m.group(1) == "+" else -1
    return sign * (int(m.group(2)) * NS_PER_HOUR + int(m.group(3) or 0) * NS_PER_HOUR // 60)


def server_to_utc(ns: np.ndarray, spec: str | None) -> np.ndarray:
    """Convert int64 server-clock nanoseconds (read as if UTC) to UTC nanoseconds.

    Raises:
        ValueError: a time that does not exist or is ambiguous in the zone (a DST
            switch inside the data); the message gives the first such time.
    """
    canon = normalise_tz(spec)
    ns = np.asarray(ns, dtype=np.int64)
    fixed = _fixed_offset_ns(canon)
    if fixed is not None:
        return ns - fixed
    shift = 7 * NS_PER_HOUR if canon == "NY+7" else 0
    zone = "America/New_York" if canon == "NY+7" else canon
    local = pd.DatetimeIndex(ns - shift)
    try:
        utc = local.tz_localize(zone, ambiguous="raise", nonexistent="raise")
    except Exception as exc:  # pytz-style AmbiguousTimeError / NonExistentTimeError
        raise ValueError(f"server time not convertible in zone {canon}: {exc}") from None
    return utc.tz_convert("UTC").tz_localize(None).asi8.astype(np.int64)


def utc_to_server(ns: np.ndarray, spec: str | None) -> np.ndarray:
    """Convert UTC nanoseconds to server-clock nanoseconds (for server days and bars).

    "Never" (``NO_TS``, int64 max) stays "never" rather than wrapping round.
    """
    canon = normalise_tz(spec)
    ns = np.asarray(ns, dtype=np.int64)
    never = ns == NO_TS
    if never.any():
        out = utc_to_server(np.where(never, 0, ns), canon)
        out[never] = NO_TS
        return out
    fixed = _fixed_offset_ns(canon)
    if fixed is not None:
        return ns + fixed
    shift = 7 * NS_PER_HOUR if canon == "NY+7" else 0
    zone = "America/New_York" if canon == "NY+7" else canon
    local = pd.DatetimeIndex(ns).tz_localize("UTC").tz_convert(zone).tz_localize(None)
    return local.asi8.astype(np.int64) + shift


def server_midnights_utc(start_ns: int, end_ns: int, spec: str | None) -> np.ndarray:
    """Return the UTC instants of every server-day start (00:00 server) in (start, end].

    These are the rollover instants for swaps and day-order expiry.
    """
    s0 = int(utc_to_server(np.array([start_ns]), spec)[0])
    s1 = int(utc_to_server(np.array([end_ns]), spec)[0])
    first = (s0 // NS_PER_DAY + 1) * NS_PER_DAY
    days = np.arange(first, s1 + NS_PER_DAY, NS_PER_DAY, dtype=np.int64)
    utc = server_to_utc(days, spec) if len(days) else days
    return utc[(utc > start_ns) & (utc <= end_ns)]
