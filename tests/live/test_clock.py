"""The broker's server clock (live/clock.py) across DST switches, worked out by hand for
the usual MT server zone ``NY+7``: UTC+3 while New York is on summer time, UTC+2 after
(2024: New York falls back on Sunday 3 November, 06:00 UTC)."""

from datetime import UTC, datetime

from live.clock import ServerClock

MS = 1_000_000


def utc_ns(*a) -> int:
    return int(datetime(*a, tzinfo=UTC).timestamp()) * 1_000_000_000


def server_ms(*a) -> int:                  # a naive server wall-clock time, as ms
    return int(datetime(*a, tzinfo=UTC).timestamp()) * 1000


def test_server_time_to_utc_on_both_sides_of_the_switch():
    c = ServerClock("NY+7")
    assert c.to_utc_ns(server_ms(2024, 10, 31, 15, 0)) == utc_ns(2024, 10, 31, 12, 0)   # +3
    assert c.to_utc_ns(server_ms(2024, 11, 4, 14, 0)) == utc_ns(2024, 11, 4, 12, 0)     # +2


def test_an_expiry_across_the_switch_keeps_its_server_wall_time():
    # the session runs in October (offset +3); an order expires on 4 November 12:00 UTC,
    # which the server calls 14:00 (+2), not 15:00 (the offset in force when it was sent)
    c = ServerClock("NY+7")
    now = c.to_utc_ns(server_ms(2024, 10, 31, 15, 0))
    assert c.offset_ms == 3 * 3_600_000
    assert c.to_server_ms(now) == server_ms(2024, 10, 31, 15, 0)
    assert c.to_server_ms(utc_ns(2024, 11, 4, 12, 0)) == server_ms(2024, 11, 4, 14, 0)
    # and back: the server's expiry time converts to the same instant
    assert c.to_utc_ns(server_ms(2024, 11, 4, 14, 0)) == utc_ns(2024, 11, 4, 12, 0)


def test_an_instant_past_the_calendar_uses_the_offset_in_force():
    c = ServerClock("NY+7")
    c.to_utc_ns(server_ms(2024, 10, 31, 15, 0))
    never = 2**63 - 1                                 # NO_TS: converting it would wrap
    assert c.to_server_ms(never) == never // MS + 3 * 3_600_000
    assert c.to_server_ms(utc_ns(2200, 6, 1)) == utc_ns(2200, 6, 1) // MS + 3 * 3_600_000
