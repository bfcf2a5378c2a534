"""MT4 tester .fxt (v405) reader.

No real .fxt file is in the shared data: every file here is a HAND-MADE fixture built
with ``struct`` from the documented layout (metatrader.md B.5: 728-byte header, 56-byte
tick records), not a file written by MetaTrader.
"""

import struct

import pandas as pd
import pytest

from sim.data import fxt
from sim.data.errors import DataError

T0 = int(pd.Timestamp("2024-03-04 10:00").timestamp())


def _header(version=405, spread=12, digits=5, point=1e-5, symbol=b"EURUSD"):
    h = bytearray(728)
    struct.pack_into("<I", h, 0, version)
    struct.pack_into("<64s", h, 4, b"hand-made test fixture")
    struct.pack_into("<12s", h, 196, symbol)
    struct.pack_into("<III", h, 208, 1, 0, 3)  # period M1, model every tick, 3 bars
    struct.pack_into("<II", h, 220, T0, T0 + 120)
    struct.pack_into("<d", h, 232, 99.9)
    struct.pack_into("<I", h, 252, spread)
    struct.pack_into("<I", h, 256, digits)
    struct.pack_into("<d", h, 264, point)
    return bytes(h)


def _tick(bar_t, o, h, lo, c, vol, tick_t, flag=1):
    return struct.pack("<qddddqii", bar_t, o, h, lo, c, vol, tick_t, flag)


TICKS = [
    _tick(T0, 1.1, 1.1, 1.1, 1.1, 1, T0 + 1),
    _tick(T0, 1.1, 1.10005, 1.1, 1.10005, 2, T0 + 7),
    _tick(T0 + 60, 1.10003, 1.10003, 1.10003, 1.10003, 1, T0 + 61, 0),
]


def test_read_handmade_fxt_bid_is_close_ask_is_bid_plus_header_spread(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header(spread=12) + b"".join(TICKS))

    (chunk,) = fxt.read(f)

    c = chunk.columns
    assert list(c["ts"]) == [(T0 + s) * 1_000_000_000 for s in (1, 7, 61)]
    assert list(c["bid"]) == [1.1, 1.10005, 1.10003]
    assert list(c["ask"]) == [1.10012, 1.10017, 1.10015]  # + 12 points of 0.00001
    assert chunk.line_of(2) == 3


def test_read_spread_points_override(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header(spread=12) + TICKS[0])

    (chunk,) = fxt.read(f, spread_points=3)

    assert chunk.columns["ask"][0] == 1.10003


def test_read_header_fields(tmp_path):
    data = _header(spread=20, digits=3, point=0.001, symbol=b"USDJPY") + TICKS[0]

    hdr = fxt.read_header(tmp_path / "x.fxt", data)

    assert (hdr["symbol"], hdr["period"], hdr["model"]) == ("USDJPY", 1, 0)
    assert (hdr["spread"], hdr["digits"], hdr["point"]) == (20, 3, 0.001)
    assert hdr["description"] == "hand-made test fixture"


def test_read_truncated_record_names_record(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header() + TICKS[0] + TICKS[1] + TICKS[2][:30])

    with pytest.raises(DataError) as exc:
        fxt.read(f)

    assert exc.value.line == 3
    assert f"{f}:3:" in str(exc.value)
    assert "truncated" in str(exc.value)
    assert "generate it again" in exc.value.fix


def test_read_other_version_refused(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header(version=404) + TICKS[0])

    with pytest.raises(DataError) as exc:
        fxt.read(f)

    assert str(f) in str(exc.value)
    assert "version 404" in str(exc.value)
    assert "405" in exc.value.expected
    assert exc.value.fix


def test_read_short_header_refused(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header()[:500])

    with pytest.raises(DataError, match="shorter than the 728-byte"):
        fxt.read(f)


def test_read_zero_spread_requires_spread_points(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header(spread=0) + TICKS[0])

    with pytest.raises(DataError) as exc:
        fxt.read(f)

    assert "spread_points=" in exc.value.fix


def test_read_digits_point_mismatch_refused(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header(digits=5, point=0.001) + TICKS[0])

    with pytest.raises(DataError, match="digits 5 and point 0.001 disagree"):
        fxt.read(f)


def test_read_header_only_no_ticks(tmp_path):
    f = tmp_path / "EURUSD1_0.fxt"
    f.write_bytes(_header())

    (chunk,) = fxt.read(f)

    assert len(chunk.columns["ts"]) == 0


def test_sniff_fxt_name_or_version():
    assert fxt.sniff("EURUSD1_0.fxt", b"")
    assert fxt.sniff("renamed.bin", _header())
    assert not fxt.sniff("bars.hst", struct.pack("<I", 401) + bytes(800))
