"""Dukascopy bi5 candle reader and the tick -> M1 bar check.

Counts/spans from shared/data/ticks/SOURCES.md (section 3); fields checked against an
independent ``struct`` decode; broken files are made in tmp_path.
"""

import lzma
import struct

import numpy as np
import pandas as pd
import pytest

from sim.data import bi5, bi5_candles
from sim.data.bars import load_bars
from sim.data.errors import DataError


def _struct_decode(path):
    return list(struct.iter_unpack(">IIIIIf", lzma.decompress(path.read_bytes())))


def _write(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = b"".join(struct.pack(">IIIIIf", *r) for r in records)
    path.write_bytes(lzma.compress(raw, format=lzma.FORMAT_ALONE))
    return path


def test_load_bars_m1_day_count_span_match_sources(sample_dir):
    df = load_bars(sample_dir / "EURUSD" / "2019" / "01" / "04" / "BID_candles_min_1.bi5")

    assert len(df) == 1_440
    assert df["ts"].iloc[0] == pd.Timestamp("2019-02-04 00:00", tz="UTC")
    assert df["ts"].iloc[-1] == pd.Timestamp("2019-02-04 23:59", tz="UTC")
    assert df.attrs["source"] == "bi5_candles"
    assert df.attrs["symbol"] == "EURUSD"
    assert df.attrs["period"] == 1


def test_read_bars_field_order_open_close_low_high(sample_dir):
    f = sample_dir / "EURUSD" / "2019" / "01" / "05" / "BID_candles_min_1.bi5"
    ref = _struct_decode(f)

    df = bi5_candles.read_bars(f)

    for row in (0, 600, 1439):
        s, o, c, lo, h, v = ref[row]
        got = df.iloc[row]
        assert got["ts"] == pd.Timestamp("2019-02-05", tz="UTC").value + s * 1_000_000_000
        assert (got["open"], got["close"]) == (o / 1e5, c / 1e5)
        assert (got["low"], got["high"]) == (lo / 1e5, h / 1e5)
        assert got["real_volume"] == v
        assert got["tick_volume"] == 0


@pytest.mark.parametrize(("rel", "rows", "first", "last"), [
    ("EURUSD/2019/00/BID_candles_hour_1.bi5", 744, "2019-01-01 00:00", "2019-01-31 23:00"),
    ("EURUSD/2019/01/BID_candles_hour_1.bi5", 672, "2019-02-01 00:00", "2019-02-28 23:00"),
    ("EURUSD/2018/BID_candles_day_1.bi5", 365, "2018-01-01", "2018-12-31"),
    ("BTCUSD/2020/BID_candles_day_1.bi5", 366, "2020-01-01", "2020-12-31"),
])
def test_load_bars_shared_candles_counts_spans(shared_ticks, rel, rows, first, last):
    df = load_bars(shared_ticks / "dukascopy_bi5" / rel)

    assert len(df) == rows
    assert df["ts"].iloc[0] == pd.Timestamp(first, tz="UTC")
    assert df["ts"].iloc[-1] == pd.Timestamp(last, tz="UTC")


def test_load_bars_folder_of_m1_files_concatenated(shared_ticks):
    df = load_bars(shared_ticks / "dukascopy_bi5" / "BTCUSD" / "2023" / "01", timeframe="min")

    assert len(df) == 19 * 1_440
    assert df["ts"].iloc[0] == pd.Timestamp("2023-02-01", tz="UTC")
    assert df["ts"].iloc[-1] == pd.Timestamp("2023-02-19 23:59", tz="UTC")
    assert df.attrs["symbol"] == "BTCUSD"


def test_load_bars_folder_with_mixed_timeframes_asks_for_one(shared_ticks):
    with pytest.raises(DataError, match="timeframe="):
        load_bars(shared_ticks / "dukascopy_bi5" / "BTCUSD", fmt="bi5_candles")


@pytest.mark.parametrize("day", ["04", "05"])
def test_ticks_to_m1_bid_ohlc_equals_dukascopy_candles(sample_dir, day):
    folder = sample_dir / "EURUSD" / "2019" / "01" / day
    chunks = bi5.read(folder)
    ts = np.concatenate([c.columns["ts"] for c in chunks])
    bid = np.concatenate([c.columns["bid"] for c in chunks])
    vol = np.concatenate([c.columns["bid_volume"] for c in chunks])
    ticks = pd.DataFrame({"bid": bid, "vol": vol}, index=pd.to_datetime(ts, utc=True))

    m1 = ticks["bid"].resample("1min").ohlc()
    m1_vol = ticks["vol"].resample("1min").sum()
    candles = load_bars(folder / "BID_candles_min_1.bi5").set_index("ts")

    assert len(m1) == len(candles) == 1_440  # every minute of these weekdays has ticks
    for c in ("open", "high", "low", "close"):
        assert (m1[c].to_numpy() == candles[c].to_numpy()).all(), c
    # candle volume is the float32 sum of the ticks' bid volumes
    assert np.allclose(m1_vol.to_numpy(), candles["real_volume"].to_numpy(), rtol=1e-5)


def test_read_bars_drop_flat_removes_closed_minutes(tmp_path):
    f = _write(tmp_path / "EURUSD" / "2019" / "01" / "02" / "BID_candles_min_1.bi5",
               [(0, 5, 5, 5, 5, 0.0), (60, 5, 6, 4, 7, 1.5), (120, 6, 6, 6, 6, 0.0)])

    kept = bi5_candles.read_bars(f)
    dropped = bi5_candles.read_bars(f, drop_flat=True)

    assert len(kept) == 3
    assert len(dropped) == 1
    assert dropped["open"].iloc[0] == 5e-5


def test_read_bars_length_not_multiple_of_24_names_record(tmp_path):
    f = tmp_path / "EURUSD" / "2019" / "01" / "02" / "BID_candles_min_1.bi5"
    f.parent.mkdir(parents=True)
    raw = struct.pack(">IIIIIf", 0, 5, 5, 5, 5, 0.0) * 2 + b"\x01\x02"
    f.write_bytes(lzma.compress(raw, format=lzma.FORMAT_ALONE))

    with pytest.raises(DataError) as exc:
        bi5_candles.read_bars(f)

    assert exc.value.line == 3
    assert str(f) in str(exc.value)
    assert "multiple of 24" in str(exc.value)
    assert "download" in exc.value.fix


def test_read_bars_offset_past_period_refused(tmp_path):
    f = _write(tmp_path / "EURUSD" / "2019" / "01" / "02" / "BID_candles_min_1.bi5",
               [(0, 5, 5, 5, 5, 0.0), (86_400, 5, 5, 5, 5, 0.0)])

    with pytest.raises(DataError, match=r":2: candle offset 86400 s"):
        bi5_candles.read_bars(f)


def test_read_bars_unknown_symbol_tells_to_pass_symbol(tmp_path):
    f = _write(tmp_path / "ZZZXXX" / "2019" / "BID_candles_day_1.bi5", [(0, 5, 5, 5, 5, 0.0)])

    with pytest.raises(DataError) as exc:
        bi5_candles.read_bars(f)

    assert "symbol=" in exc.value.fix
    df = load_bars(f, symbol="EURUSD")
    assert df["open"].iloc[0] == 5e-5


def test_file_start_hour_file_month_zero_based(tmp_path):
    start, end, side, tf = bi5_candles.file_start_ns("X/EURUSD/2019/11/ASK_candles_hour_1.bi5")

    assert start == pd.Timestamp("2019-12-01", tz="UTC").value
    assert end == pd.Timestamp("2020-01-01", tz="UTC").value
    assert (side, tf) == ("ASK", "hour")
