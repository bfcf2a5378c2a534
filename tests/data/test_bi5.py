"""Dukascopy bi5 tick reader.

Expected values come from shared/data/ticks/SOURCES.md (sections 1, 2) or from an
independent decode written here with ``struct``; the broken files are made in tmp_path.
"""

import lzma
import shutil
import struct

import numpy as np
import pandas as pd
import pytest

from sim.data import bi5
from sim.data.errors import DataError
from sim.data.symbols import load_symbol

EURUSD_FIRST = pd.Timestamp("2019-02-04 00:00:00.994", tz="UTC").value
EURUSD_LAST = pd.Timestamp("2019-02-05 23:59:59.765", tz="UTC").value


def _cat(chunks, col):
    return np.concatenate([c.columns[col] for c in chunks])


def _struct_decode(path):
    """Independent reference decode: lzma + struct, no numpy."""
    raw = lzma.decompress(path.read_bytes())
    return list(struct.iter_unpack(">IIIff", raw))


def _write_bi5(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = b"".join(struct.pack(">IIIff", *r) for r in records)
    path.write_bytes(lzma.compress(raw, format=lzma.FORMAT_ALONE))
    return path


def test_read_sample_tree_counts_and_span_match_sources(sample_dir):
    chunks = bi5.read(sample_dir)

    ts = _cat(chunks, "ts")
    assert len(chunks) == 48
    assert len(ts) == 266_219
    assert ts[0] == EURUSD_FIRST
    assert ts[-1] == EURUSD_LAST


def test_read_sample_tree_prices_are_sane(sample_dir):
    chunks = bi5.read(sample_dir)

    bid, ask = _cat(chunks, "bid"), _cat(chunks, "ask")
    spread_pips = np.round((ask - bid) * 1e4, 6)
    assert (ask >= bid).all()
    assert spread_pips.min() == pytest.approx(0.1)
    assert spread_pips.max() == pytest.approx(5.3)
    assert 1.13 < bid.min() and bid.max() < 1.15


def test_read_sample_tree_files_in_chronological_order(sample_dir):
    chunks = bi5.read(sample_dir)

    starts = [c.columns["ts"][0] for c in chunks]
    ends = [c.columns["ts"][-1] for c in chunks]
    assert starts == sorted(starts)
    assert all(e <= s for e, s in zip(ends[:-1], starts[1:], strict=True))
    assert chunks[0].path.endswith("04/00h_ticks.bi5")
    assert chunks[-1].path.endswith("05/23h_ticks.bi5")


@pytest.mark.parametrize("sub", ["", "EURUSD", "EURUSD/2019", "EURUSD/2019/01"])
def test_read_tree_roots_same_ticks(sample_dir, sub):
    chunks = bi5.read(sample_dir / sub)

    assert len(_cat(chunks, "ts")) == 266_219


def test_read_day_folder_matches_independent_count(sample_dir):
    day = sample_dir / "EURUSD" / "2019" / "01" / "05"
    expected = sum(len(_struct_decode(f)) for f in day.glob("*h_ticks.bi5"))

    chunks = bi5.read(day)

    assert len(chunks) == 24
    assert len(_cat(chunks, "ts")) == expected


def test_read_one_file_equals_struct_decode(sample_dir):
    f = sample_dir / "EURUSD" / "2019" / "01" / "04" / "08h_ticks.bi5"
    ref = _struct_decode(f)
    hour = pd.Timestamp("2019-02-04 08:00", tz="UTC").value  # month folder 01 = February

    (chunk,) = bi5.read(f)

    c = chunk.columns
    assert len(c["ts"]) == len(ref)
    assert (c["ts"] == [hour + r[0] * 1_000_000 for r in ref]).all()
    assert (c["ask"] == [r[1] / 100_000 for r in ref]).all()
    assert (c["bid"] == [r[2] / 100_000 for r in ref]).all()
    assert (c["ask_volume"] == [r[3] for r in ref]).all()
    assert (c["bid_volume"] == [r[4] for r in ref]).all()
    assert chunk.line_of(0) == 1


def test_hour_start_month_folder_zero_based():
    start = bi5.hour_start_ns("X/EURUSD/2019/01/04/13h_ticks.bi5")

    assert start == pd.Timestamp("2019-02-04 13:00", tz="UTC").value


def test_read_btcusd_counts_span_and_scale_match_sources(real_dir):
    chunks = bi5.read(real_dir / "dukascopy")

    ts, bid, ask = _cat(chunks, "ts"), _cat(chunks, "bid"), _cat(chunks, "ask")
    assert len(ts) == 14_716
    assert ts[0] == pd.Timestamp("2023-02-20 12:00:00.084", tz="UTC").value
    assert ts[-1] == pd.Timestamp("2023-02-20 13:59:59.233", tz="UTC").value
    spread = np.round(ask - bid, 1)
    assert spread.min() == pytest.approx(56.8)
    assert spread.max() == pytest.approx(76.7)
    assert np.allclose(bid * 10, np.round(bid * 10))  # one decimal: points / 10


def test_read_shared_tree_same_as_sample(shared_ticks):
    chunks = bi5.read(shared_ticks / "dukascopy_bi5" / "EURUSD")

    assert len(_cat(chunks, "ts")) == 266_219


def test_read_zero_byte_file_no_ticks(tmp_path):
    f = tmp_path / "EURUSD" / "2019" / "01" / "09" / "00h_ticks.bi5"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"")

    (chunk,) = bi5.read(f)

    assert len(chunk.columns["ts"]) == 0
    assert set(chunk.columns) == {"ts", "bid", "ask", "bid_volume", "ask_volume"}


def test_read_handmade_file_decodes_fields(tmp_path):
    f = _write_bi5(tmp_path / "GBPJPY" / "2020" / "11" / "31" / "23h_ticks.bi5",
                   [(5, 150_002, 150_000, 1.5, 2.25), (3_599_999, 150_010, 150_004, 0.5, 0.75)])

    (chunk,) = bi5.read(f)

    c = chunk.columns
    start = pd.Timestamp("2020-12-31 23:00", tz="UTC").value
    assert list(c["ts"]) == [start + 5_000_000, start + 3_599_999_000_000]
    assert list(c["bid"]) == [150.0, 150.004]
    assert list(c["ask"]) == [150.002, 150.01]
    assert list(c["bid_volume"]) == [2.25, 0.75]


def test_read_file_outside_tree_with_hour_start(tmp_path):
    f = _write_bi5(tmp_path / "loose.bi5", [(1000, 110_002, 110_000, 1.0, 1.0)])

    (chunk,) = bi5.read(f, symbol="EURUSD", hour_start="2021-03-01T05:00Z")

    assert chunk.columns["ts"][0] == pd.Timestamp("2021-03-01 05:00:01", tz="UTC").value


def test_read_corrupt_lzma_raises_with_file_record_and_advice(tmp_path, sample_dir):
    src = sample_dir / "EURUSD" / "2019" / "01" / "04" / "00h_ticks.bi5"
    f = tmp_path / "EURUSD" / "2019" / "01" / "04" / "00h_ticks.bi5"
    f.parent.mkdir(parents=True)
    data = bytearray(src.read_bytes())
    data = data[: len(data) // 2]  # cut in the middle of the stream
    f.write_bytes(bytes(data))

    with pytest.raises(DataError) as exc:
        bi5.read(f)

    msg = str(exc.value)
    assert str(f) in msg
    assert exc.value.line is not None and exc.value.line >= 1
    assert f":{exc.value.line}:" in msg
    assert "LZMA" in msg and "download" in msg


def test_read_garbage_bytes_raises_corrupt_lzma(tmp_path):
    f = tmp_path / "EURUSD" / "2019" / "01" / "04" / "03h_ticks.bi5"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"\x00not an lzma stream at all")

    with pytest.raises(DataError, match=r"03h_ticks\.bi5:1: corrupt LZMA.*Fix: download"):
        bi5.read(f)


def test_read_length_not_multiple_of_20_names_record(tmp_path):
    f = tmp_path / "EURUSD" / "2019" / "01" / "04" / "05h_ticks.bi5"
    f.parent.mkdir(parents=True)
    raw = struct.pack(">IIIff", 1, 114_002, 114_000, 1.0, 1.0) * 3 + b"\x00" * 7
    f.write_bytes(lzma.compress(raw, format=lzma.FORMAT_ALONE))

    with pytest.raises(DataError) as exc:
        bi5.read(f)

    assert exc.value.line == 4
    assert str(f) in str(exc.value)
    assert "multiple of 20" in str(exc.value)
    assert "download" in exc.value.fix


def test_read_unknown_symbol_tells_to_pass_symbol(tmp_path):
    f = _write_bi5(tmp_path / "loose" / "00h_ticks.bi5", [(1, 2, 1, 1.0, 1.0)])

    with pytest.raises(DataError) as exc:
        bi5.read(f, hour_start="2021-03-01T05:00Z")

    assert str(f.parent) in str(exc.value)
    assert "symbol=" in exc.value.fix


def test_read_unconfigured_symbol_folder_tells_to_pass_symbol(tmp_path):
    f = _write_bi5(tmp_path / "ZZZXXX" / "2019" / "01" / "04" / "00h_ticks.bi5",
                   [(1, 2, 1, 1.0, 1.0)])

    with pytest.raises(DataError) as exc:
        bi5.read(f)

    assert "ZZZXXX" in str(exc.value)
    assert "symbol=" in exc.value.fix


def test_read_explicit_spec_overrides_folder(tmp_path):
    f = _write_bi5(tmp_path / "ZZZXXX" / "2019" / "01" / "04" / "00h_ticks.bi5",
                   [(1, 1_000_020, 1_000_000, 1.0, 1.0)])

    (chunk,) = bi5.read(f, load_symbol("USDJPY"))

    assert chunk.columns["bid"][0] == 1000.0  # USDJPY divisor 1000


def test_read_tree_of_two_symbols_refused(tmp_path, sample_dir):
    for sym in ("EURUSD", "GBPUSD"):
        dst = tmp_path / sym / "2019" / "01" / "04"
        dst.mkdir(parents=True)
        shutil.copy(sample_dir / "EURUSD" / "2019" / "01" / "04" / "00h_ticks.bi5", dst)

    with pytest.raises(DataError, match="several symbols"):
        bi5.read(tmp_path)


def test_sniff_tick_file_tree_and_candles(sample_dir):
    day = sample_dir / "EURUSD" / "2019" / "01" / "04"

    assert bi5.sniff(day / "00h_ticks.bi5", b"")
    assert bi5.sniff(sample_dir, b"")
    assert not bi5.sniff(day / "BID_candles_min_1.bi5", (day / "BID_candles_min_1.bi5").read_bytes())


def test_symbol_from_path_tree_levels(sample_dir):
    assert bi5.symbol_from_path(sample_dir) == "EURUSD"
    assert bi5.symbol_from_path(sample_dir / "EURUSD") == "EURUSD"
    assert bi5.symbol_from_path(sample_dir / "EURUSD" / "2019" / "01" / "04") == "EURUSD"
