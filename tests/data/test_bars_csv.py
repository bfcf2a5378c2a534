"""Bar CSV readers (mt5_bars, mt4_csv, bars_csv) and the .hst/CSV time-zone pitfall.

Real files: shared/data/ticks/SOURCES.md section 4 (CSV times shifted +1 h winter /
+2 h summer against the .hst). MT5/MT4 CSVs are hand-made fixtures following
metatrader.md B.2/B.3 (no real export of those layouts is in the shared data).
"""

import csv

import pandas as pd
import pytest

from sim.data import bars_csv
from sim.data.bars import BAR_COLUMNS, compare_bars, load_bars, sniff_bar_format
from sim.data.errors import DataError

MT5 = ("<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\r\n"
       "2026.02.21\t00:45:00\t67932.44\t67934.19\t67888.89\t67910.24\t184\t0\t1200\r\n"
       "2026.02.21\t00:50:00\t67910.24\t67950.00\t67900.00\t67940.10\t97\t0\t1100\r\n")
MT4 = ("2012.02.01,00:00,1.306600,1.306600,1.306560,1.306560,0\n"
       "2012.02.01,00:01,1.306560,1.306720,1.306500,1.306700,12\n")


def test_load_bars_real_csv_matches_csv_module(real_dir):
    with open(real_dir / "EURUSD60_2020.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))

    df = load_bars(real_dir / "EURUSD60_2020.csv")

    assert len(df) == len(rows) == 4_164
    assert tuple(df.columns) == BAR_COLUMNS
    for i in (0, 2000, len(rows) - 1):
        assert df["ts"].iloc[i] == pd.Timestamp(rows[i]["time"], tz="UTC")
        for c in ("open", "high", "low", "close"):
            assert df[c].iloc[i] == float(rows[i][c])
        assert df["tick_volume"].iloc[i] == int(rows[i]["tick_volume"])
    assert df.attrs["source"] == "bars_csv"


def test_compare_bars_h1_pair_ohlcv_equal_offset_seasonal(real_dir):
    hst_bars = load_bars(real_dir / "EURUSD60.hst")
    csv_bars = load_bars(real_dir / "EURUSD60_2020.csv")

    cmp = compare_bars(hst_bars, csv_bars)

    assert cmp.rows == 4_164
    assert cmp.ohlcv_equal
    assert cmp.kind == "seasonal"
    assert set(cmp.offsets_hours) == {1.0, 2.0}
    assert cmp.zone == "Europe/Berlin"  # CET/CEST: +1 h winter, +2 h summer
    off = csv_bars["ts"] - hst_bars["ts"]
    assert off.iloc[0] == pd.Timedelta(hours=1)  # 2024-12-17, winter
    assert off.iloc[-1] == pd.Timedelta(hours=2)  # 2025-08-19, summer


def test_compare_bars_m30_pair_ohlcv_equal_offset_seasonal(real_dir):
    cmp = compare_bars(load_bars(real_dir / "EURUSD30.hst"), load_bars(real_dir / "EURUSD30.csv"))

    assert cmp.rows == 6_088
    assert cmp.ohlcv_equal
    assert cmp.kind == "seasonal"
    assert "seasonal" in cmp.describe()


def test_compare_bars_m5_pair_summer_only_constant(shared_ticks):
    d = shared_ticks / "mt4_hst"

    cmp = compare_bars(load_bars(d / "EURUSD5.hst"), load_bars(d / "EURUSD5.csv"))

    assert cmp.rows == 28_183
    assert cmp.ohlcv_equal
    assert cmp.kind == "constant"  # April..August 2025: CEST all along
    assert cmp.offsets_hours == {2.0: 28_183}


def test_compare_bars_different_prices_reports_first_row(real_dir):
    a = load_bars(real_dir / "EURUSD30.hst")
    b = a.copy()
    b.loc[5, "close"] += 0.0001

    cmp = compare_bars(a, b)

    assert not cmp.ohlcv_equal
    assert cmp.first_diff_row == 5
    assert cmp.kind == "none"


def test_load_bars_mt5_export_fields(tmp_path):
    f = tmp_path / "BTCUSD_M5.csv"
    f.write_text(MT5, newline="")

    df = load_bars(f, server_tz="UTC+2")

    assert df.attrs["source"] == "mt5_bars"
    assert df["ts"].iloc[0] == pd.Timestamp("2026-02-20 22:45", tz="UTC")
    assert list(df["open"]) == [67932.44, 67910.24]
    assert list(df["tick_volume"]) == [184, 97]
    assert list(df["spread"]) == [1200, 1100]


def test_load_bars_mt5_export_utf16_bom(tmp_path):
    f = tmp_path / "m5.csv"
    f.write_bytes(b"\xff\xfe" + MT5.encode("utf-16-le"))

    df = load_bars(f)

    assert len(df) == 2
    assert df.attrs["source"] == "mt5_bars"


def test_load_bars_mt4_history_center_fields(tmp_path):
    f = tmp_path / "EURUSD1.csv"
    f.write_text(MT4)

    df = load_bars(f)

    assert df.attrs["source"] == "mt4_csv"
    assert df["ts"].iloc[1] == pd.Timestamp("2012-02-01 00:01", tz="UTC")
    assert list(df["high"]) == [1.3066, 1.30672]
    assert list(df["tick_volume"]) == [0, 12]


@pytest.mark.parametrize(("text", "fmt"), [
    (MT5, "mt5_bars"), (MT4, "mt4_csv"), ("time,open,high,low,close\n", "bars_csv"),
    ("Date,EURUSD.bid\n2016-06-14,1.1\n", None),
])
def test_sniff_format_distinguishes_layouts(text, fmt):
    assert bars_csv.sniff_format("x.csv", text.encode()) == fmt


def test_sniff_bar_format_real_files(real_dir):
    assert sniff_bar_format(real_dir / "EURUSD30.csv") == "bars_csv"
    assert sniff_bar_format(real_dir / "EURUSD30.hst") == "hst"


def test_load_bars_unparseable_date_names_line(tmp_path):
    f = tmp_path / "EURUSD1.csv"
    f.write_text(MT4 + "\n2012.02.31,00:02,1.3,1.3,1.3,1.3,0\n")  # blank line 3, bad line 4

    with pytest.raises(DataError) as exc:
        load_bars(f)

    assert exc.value.line == 4
    assert f"{f}:4:" in str(exc.value)
    assert "2012.02.31" in str(exc.value)
    assert "YYYY.MM.DD" in exc.value.expected
    assert exc.value.fix


def test_load_bars_high_below_low_names_line(tmp_path):
    f = tmp_path / "bars.csv"
    f.write_text("time,open,high,low,close,tick_volume,spread,real_volume\r\n"
                 "2025-01-02 10:00:00,1.1,1.2,1.0,1.1,5,0,0\r\n"
                 "2025-01-02 11:00:00,1.1,1.0,1.2,1.1,5,0,0\r\n", newline="")

    with pytest.raises(DataError) as exc:
        load_bars(f)

    assert exc.value.line == 3
    assert f"{f}:3:" in str(exc.value)
    assert "high below" in str(exc.value)
    assert exc.value.fix


def test_load_bars_non_number_names_line(tmp_path):
    f = tmp_path / "bars.csv"
    f.write_text("time,open,high,low,close\n2025-01-02 10:00,1.1,abc,1.0,1.1\n")

    with pytest.raises(DataError, match=r"bars\.csv:2: column high: 'abc' is not a number"):
        load_bars(f)


def test_load_bars_unknown_format_lists_formats(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("hello\n")

    with pytest.raises(DataError) as exc:
        load_bars(f)

    assert "mt5_bars" in exc.value.expected and "hst" in exc.value.expected
    assert "fmt=" in exc.value.fix


def test_load_bars_epoch_seconds_time_column(tmp_path):
    f = tmp_path / "rates.csv"
    f.write_text("time,open,high,low,close,tick_volume\n1735812000,1.1,1.2,1.0,1.1,3\n")

    df = load_bars(f)

    assert df["ts"].iloc[0] == pd.Timestamp("2025-01-02 10:00", tz="UTC")
