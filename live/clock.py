"""Broker server time (the EA's ``time_msc``) to UTC ns, per message, cheaply.

The offset of the account's ``server_tz`` is looked up once per server hour (DST
switches fall on hours) and cached, so a tick costs one division and a compare.  In the
hour a DST fall-back repeats, the offset in force before the switch is kept.
"""

from __future__ import annotations

import numpy as np

from sim.data.timezones import server_to_utc, utc_to_server

MS_PER_HOUR = 3_600_000
NS_PER_MS = 1_000_000
CALENDAR_END_NS = 7_258_118_400 * 1_000_000_000     # 2200-01-01 UTC: zone rules end here


class ServerClock:
    def __init__(self, server_tz: str):
        self.tz = server_tz
        self.hour = None
        self.offset_ms = 0          # server minus UTC

    def to_utc_ns(self, server_ms: int) -> int:
        hour = server_ms // MS_PER_HOUR
        if hour != self.hour:
            self.hour = hour
            at = np.array([server_ms * NS_PER_MS], np.int64)
            try:
                self.offset_ms = (int(at[0]) - int(server_to_utc(at, self.tz)[0])) // NS_PER_MS
            except ValueError:      # the repeated or skipped hour of a DST switch
                pass
        return (server_ms - self.offset_ms) * NS_PER_MS

    def to_server_ms(self, utc_ns: int) -> int:
        """Server time of ``utc_ns`` by the zone's rules at that instant, not the offset in
        force now: an order's expiry on the far side of a DST switch keeps its meaning."""
        if not 0 < utc_ns < CALENDAR_END_NS:   # "never" (NO_TS): the offset now
            return utc_ns // NS_PER_MS + self.offset_ms
        return int(utc_to_server(np.array([utc_ns], np.int64), self.tz)[0]) // NS_PER_MS

    def offset_s_at_utc(self, utc_ns: int) -> int:
        """The zone's server-minus-UTC offset at ``utc_ns``, seconds (to check an EA's)."""
        return (int(utc_to_server(np.array([utc_ns], np.int64), self.tz)[0]) - utc_ns) \
            // 1_000_000_000


def next_midnight(utc_ns: int, server_tz: str) -> int:
    """The first server midnight after ``utc_ns`` (UTC ns)."""
    from sim.data.timezones import server_midnights_utc

    days = server_midnights_utc(int(utc_ns), int(utc_ns) + 2 * 86_400_000_000_000, server_tz)
    return int(days[0])
