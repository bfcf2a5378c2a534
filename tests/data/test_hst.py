"""MT4 .hst reader and load_bars on it.

Bar counts and first/last bar times come from shared/data/ticks/SOURCES.md (section 4);
field values are checked against an independent ``struct`` decode; v400 and broken files
are hand-made in tmp_path from the documented layout (metatrader.md B.4).
"""

import struct

import pandas as pd
import pytest

from sim.data import hst
from sim.data.bars import BAR_COLUMNS, load_bars
from sim.data.errors import DataError


def _header(version=401, symbol=b"EURUSD", period=60, digits=5):
    return struct.pack("<I64s12sIIII52s", version, b"Copyright test", symbol, period, digits,
                       0, 0, b"")


def _rec401(t, o, h, lo, c, v=10):
    return struct.pack("<qddddqiq", t, o, h, lo, c, v, 0, 0)


def _rec400(t, o, lo, h, c, v=10.0):
    return struct.pack("<iddddd", t, o, lo, h, c, v)


T0 = int(pd.Timestamp("2024-01-02 10:00").timestamp())


@pytest.mark.parametrize(("name", "bars", "first", "last"), [
    ("EURUSD60.hst", 4_164, "2024-12-17 02:00", "2025-08-19 13:00"),
    ("EURUSD30.hst", 6_088, "2025-02-21 18:00", "2025-08-19 13:30"),
])
def test_load_bars_real_hst_counts_and_span_match_sources(real_dir, name, bars, first, last):
    df = load_bars(real_dir / name)

    assert len(df) == bars
    assert df["ts"].iloc[0] == pd.Timestamp(first, tz="UTC")
    assert df["ts"].iloc[-1] == pd.Timestamp(last, tz="UTC")
    assert tuple(df.columns) == BAR_COLUMNS
    assert str(df["ts"].dtype) == "datetime64[ns, UTC]"
    assert df.attrs["source"] == "hst"
    assert df.attrs["symbol"] == "EURUSD"
    assert df.attrs["server_tz"] == "UTC"


def test_load_bars_shared_m5_hst_counts_and_span_match_sources(shared_ticks):
    df = load_bars(shared_ticks / "mt4_hst" / "EURUSD5.hst")

    assert len(df) == 28_183
    assert df["ts"].iloc[0] == pd.Timestamp("2025-04-04 23:05", tz="UTC")
    assert df["ts"].iloc[-1] == pd.Timestamp("2025-08-22 16:45", tz="UTC")
    assert df.attrs["period"] == 5


def test_read_bars_real_hst_equals_struct_decode(real_dir):
    data = (real_dir / "EURUSD60.hst").read_bytes()
    ref = list(struct.iter_unpack("<qddddqiq", data[148:]))

    df = hst.read_bars(real_dir / "EURUSD60.hst")

    assert len(df) == len(ref)
    for row in (0, 1, len(ref) // 2, len(ref) - 1):
        t, o, h, lo, c, v, sp, rv = ref[row]
        got = df.iloc[row]
        assert got["ts"] == t * 1_000_000_000
        assert (got["open"], got["high"], got["low"], got["close"]) == (o, h, lo, c)
        assert (got["tick_volume"], got["spread"], got["real_volume"]) == (v, sp, rv)


def test_read_header_real_file_fields(real_dir):
    hdr = hst.read_header(real_dir / "EURUSD30.hst", (real_dir / "EURUSD30.hst").read_bytes())

    assert hdr["version"] == 401
    assert hdr["symbol"] == "EURUSD"
    assert hdr["period"] == 30
    assert hdr["digits"] == 5
    assert hdr["copyright"].startswith("Copyright 2000-2025, MetaQuotes")


def test_load_bars_server_tz_shifts_to_utc(real_dir):
    df = load_bars(real_dir / "EURUSD60.hst", server_tz="UTC+2")

    assert df["ts"].iloc[0] == pd.Timestamp("2024-12-17 00:00", tz="UTC")
    assert df.attrs["server_tz"] == "UTC+02:00"


def test_read_bars_v400_swaps_low_high_order(tmp_path):
    f = tmp_path / "OLD60.hst"
    f.write_bytes(_header(400) + _rec400(T0, 1.1, 1.0, 1.3, 1.2, 42.0)
                  + _rec400(T0 + 3600, 1.2, 1.15, 1.25, 1.21, 7.0))

    df = load_bars(f)

    assert list(df["high"]) == [1.3, 1.25]
    assert list(df["low"]) == [1.0, 1.15]
    assert list(df["tick_volume"]) == [42, 7]
    assert df.attrs["hst_version"] == 400


def test_read_bars_truncated_record_names_record(tmp_path):
    f = tmp_path / "EURUSD60.hst"
    f.write_bytes(_header() + _rec401(T0, 1.1, 1.2, 1.0, 1.1)
                  + _rec401(T0 + 3600, 1.1, 1.2, 1.0, 1.1)[:33])

    with pytest.raises(DataError) as exc:
        hst.read_bars(f)

    assert exc.value.line == 2
    assert f"{f}:2:" in str(exc.value)
    assert "truncated" in str(exc.value)
    assert "copy it again" in exc.value.fix


def test_read_bars_wrong_version_refused(tmp_path):
    f = tmp_path / "EURUSD60.hst"
    f.write_bytes(_header(version=402) + _rec401(T0, 1.1, 1.2, 1.0, 1.1))

    with pytest.raises(DataError) as exc:
        hst.read_bars(f)

    assert str(f) in str(exc.value)
    assert "version 402" in str(exc.value)
    assert "401" in exc.value.expected and "400" in exc.value.expected
    assert exc.value.fix


def test_read_bars_short_header_refused(tmp_path):
    f = tmp_path / "EURUSD60.hst"
    f.write_bytes(_header()[:100])

    with pytest.raises(DataError, match="shorter than the 148-byte"):
        hst.read_bars(f)


def test_load_bars_high_below_low_names_record(tmp_path):
    f = tmp_path / "EURUSD60.hst"
    f.write_bytes(_header() + _rec401(T0, 1.1, 1.2, 1.0, 1.1)
                  + _rec401(T0 + 3600, 1.1, 1.0, 1.2, 1.1))

    with pytest.raises(DataError) as exc:
        load_bars(f)

    assert exc.value.line == 2
    assert f"{f}:2:" in str(exc.value)
    assert "high below" in str(exc.value)
    assert exc.value.fix


def test_load_bars_time_not_increasing_names_record(tmp_path):
    f = tmp_path / "EURUSD60.hst"
    f.write_bytes(_header() + _rec401(T0, 1.1, 1.2, 1.0, 1.1) + _rec401(T0 + 3600, 1.1, 1.2, 1.0, 1.1)
                  + _rec401(T0 + 3600, 1.1, 1.2, 1.0, 1.1))

    with pytest.raises(DataError) as exc:
        load_bars(f)

    assert exc.value.line == 3
    assert "not after the previous" in str(exc.value)


def test_load_bars_zero_price_names_record(tmp_path):
    f = tmp_path / "EURUSD60.hst"
    f.write_bytes(_header() + _rec401(T0, 0.0, 0.0, 0.0, 0.0))

    with pytest.raises(DataError, match=r":1: record 1: price not positive"):
        load_bars(f)


def test_sniff_real_hst_and_not_csv(real_dir):
    head = (real_dir / "EURUSD60.hst").read_bytes()[:4096]
    csv_head = (real_dir / "EURUSD30.csv").read_bytes()[:4096]

    assert hst.sniff(real_dir / "EURUSD60.hst", head)
    assert not hst.sniff(real_dir / "EURUSD30.csv", csv_head)
